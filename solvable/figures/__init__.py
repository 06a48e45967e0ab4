"""The figures of `solvable`: one function per figure, all in one style.

Each function takes ``size`` (``"tiny"``, ``"quick"`` or ``"full"``: Monte Carlo and grid
sizes) and ``seed``, draws its figure with `solvable.style` and returns a
`FigureOutput` (the matplotlib figure, the plotted data as columns, the parameters).
`paper_repro.py` calls them and writes PNG, PDF, CSV and a JSON manifest; notebooks call them
directly. The documentation's gallery (docs/gallery.md) is generated from `FIGURES`, so a
figure registered here appears there with its code.

========================  ===================================================================
``k_scaling``             δ/σ² against k at T/(2σ²) = 10, c ∈ {5, 10, 15}: simulation, exact
                          DE, high-temperature expansion
``best_of_k``             best-of-k with the teacher as reward, five n, the Θ(1/k²) law
``optimal_temperature``   δ against T: exact optimal temperature against the expansion's t*
``phase_diagram``         (T, c) phase diagram: monotone in k versus a finite optimal k*
``optimal_reward``        exact optimal reward knob c* against (k, T), the k → ∞ line c* = t
``compute_vs_data``       contours of δ over (n, k): where inference compute beats data
``smc_particles``         particles needed against T for approximate rewards; TV against 2tε
``real_judges``           best-of-k and softmax accuracy of 22 real judges (RewardMATH pools)
``answers``               accuracy on discrete answers against k: judge, plurality and
                          weighted vote, their k → ∞ limits and the judge/vote crossover
``search_vs_sampling``    best-of-N, beam search, DVTS, particle filter, SMC at equal budget
``judge_scaling``         repeated judge calls, panels and the split of a budget between
                          generating and judging: the model, CodeT tests, RewardMATH panel
``forecast``              pass@k and best-of-k forecast from a 4-sample pilot against the full
                          pool, with intervals and baselines (CodeT, RewardMATH)
========================  ===================================================================

Examples
--------
>>> from solvable.figures import FIGURES
>>> list(FIGURES)[:3]
['k_scaling', 'best_of_k', 'optimal_temperature']
>>> FIGURES["best_of_k"].__name__
'best_of_k'

References: Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905; Zhu & Lu, "On the Power of (Approximate) Reward
Models for Inference-Time Scaling: Sequential Monte Carlo and Beyond", arXiv 2602.01381.
"""

from __future__ import annotations

import importlib

from ..style import FigureOutput

_FIGURES = {
    "k_scaling": "fig1_k_scaling",
    "best_of_k": "fig2_best_of_k",
    "optimal_temperature": "fig3_optimal_temperature",
    "phase_diagram": "fig4_phase_diagram",
    "optimal_reward": "fig5_optimal_reward",
    "compute_vs_data": "fig6_compute_vs_data",
    "smc_particles": "fig7_smc_particles",
    "real_judges": "fig8_real_judges",
    "answers": "fig9_answers",
    "search_vs_sampling": "fig10_search_vs_sampling",
    "judge_scaling": "fig11_judge_scaling",
    "forecast": "fig12_forecast",
}

__all__ = ["FIGURES", "FigureOutput", *_FIGURES]


class _Registry(dict):
    """name -> figure function, imported on first access (in paper order)."""

    def __missing__(self, name):
        raise KeyError(f"no figure named {name!r}; figures: {', '.join(_FIGURES)}")

    def __getitem__(self, name):
        if name in _FIGURES and not dict.__contains__(self, name):
            module = importlib.import_module(f".{_FIGURES[name]}", __name__)
            dict.__setitem__(self, name, getattr(module, name))
        return dict.__getitem__(self, name)

    def __iter__(self):
        return iter(_FIGURES)

    def __len__(self):
        return len(_FIGURES)

    def __contains__(self, name):
        return name in _FIGURES

    def keys(self):
        return list(_FIGURES)

    def items(self):
        return [(n, self[n]) for n in _FIGURES]

    def values(self):
        return [self[n] for n in _FIGURES]


FIGURES = _Registry()
"""Figure functions by name, in the order of the paper reproduction (imported on first access)."""


def __getattr__(name):
    if name in _FIGURES:
        return FIGURES[name]
    raise AttributeError(f"module 'solvable.figures' has no attribute {name!r}")

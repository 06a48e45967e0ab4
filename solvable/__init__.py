"""solvable: the analytic theory of inference-time scaling, in JAX.

A solvable model of inference-time scaling (Halder & Pehlevan, "Demystifying LLM-as-a-Judge:
Analytically Tractable Model for Inference-Time Scaling", arXiv 2512.19905): Bayesian linear
regression whose k posterior-predictive samples are selected by a softmax at temperature T over
a quadratic reward, and its deterministic-equivalent generalization error

    δ(k, T) = E_x E_{y_1..y_k} [ Σ_i p_i (y_i − μ_T(x))² ],   p = softmax(−(y − μ_R)² / T).

Importing the package switches JAX to float64 (see `solvable._config`). The public names below
are loaded on first use, so ``import solvable`` stays cheap. The mathematics is on the
documentation's theory page (docs/theory.md), the names in the API reference.

Examples
--------
>>> import solvable
>>> p = solvable.paper_problem()                  # the paper's setting (docs/theory.md §1)
>>> round(float(solvable.renormalized_ridge(p)), 8)
1.001e-05
"""

from __future__ import annotations

import importlib

from . import _config  # noqa: F401  (enables float64 before anything is traced)

# public name -> submodule that defines it
_API = {
    # problem and rewards
    "Problem": "problem",
    "Reward": "problem",
    "KnobReward": "problem",
    "WeightsReward": "problem",
    "AlignedReward": "problem",
    "paper_problem": "problem",
    # deterministic equivalents (docs/theory.md §2)
    "renormalized_ridge": "equivalents",
    "predictive_moments": "equivalents",
    "offset_law": "equivalents",
    "OffsetLaw": "equivalents",
    # pointwise selection error (docs/theory.md §3)
    "selection_error": "selection",
    "best_of_k_error": "selection",
    # averaged generalization error (docs/theory.md §3)
    "generalization_error": "average",
    # asymptotics and optima (docs/theory.md §4, §5)
    "asymptotics": None,
    "optimize": None,
    # accuracy on discrete answers: judge, plurality vote, weighted vote (docs/theory.md §6)
    "selection_accuracy": "answers",
    "generalization_accuracy": "answers",
    # repeated and noisy judge calls; the budget split (docs/theory.md §10)
    "Judge": "judge",
    "budget": None,
    # Monte Carlo of the finite model
    "simulate": "simulation",
    "SimulationResult": "simulation",
    # SMC and approximate rewards (docs/theory.md §8)
    "smc": None,
    # selection curves from real pools of judged samples
    "pools": None,
}

__all__ = list(_API)  # in the groups above (the API reference keeps this order)


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'solvable' has no attribute {name!r}")
    module = _API[name]
    if module is None:
        value = importlib.import_module(f".{name}", __name__)
    else:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))

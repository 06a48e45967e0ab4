"""Figure 2: best-of-k with the teacher as reward, and its Θ(1/k²) law."""

from __future__ import annotations

import numpy as np

from .. import asymptotics
from ..problem import KnobReward
from .. import style
from ._common import (by_size, exact_de, fmt_count, paper_problem, problem_params,
                      simulated)


@style.styled
def best_of_k(size: str = "quick", seed: int = 0, *, ns=(1e4, 1.5e4, 2e4, 2.5e4, 3e4),
              k_min: int = 50, k_max: int = 199):
    """Best-of-k (T = 0, reward = teacher): δ/σ² vs k for five n, and the 1/k² law.

    Halder & Pehlevan (arXiv 2512.19905), synthetic figure (b): T → 0 first, then k → ∞
    gives δ ≃ π σ² / (k² √(1 − 2 Var Δ_T/σ²)) (extreme-value law averaged over x). Curves:
    simulated finite model (mean ± 1 s.e.), exact DE at T = 0, the extreme-value law. The
    inset shows the exact DE over k = 2..10⁴ on log-log axes against slope −2.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}, default "quick"
        Monte Carlo and grid sizes: "tiny" for the tests (seconds), "quick" for the stored
        figures, "full" for the paper's sizes (GPU recommended).
    seed : int, default 0
        Seed of the simulations (the same seed gives the same figure).
    ns : sequence of float, default (1e4, 1.5e4, 2e4, 2.5e4, 3e4)
        Training-set sizes (one colour each).
    k_min, k_max : int, default 50, 199
        Range of k of the main panels.

    Returns
    -------
    FigureOutput
        The figure, the plotted data as columns, the parameters and a one-line note.
        ``python3 paper_repro.py --only best_of_k`` writes them to ``figures/``
        (PNG, PDF, CSV, manifest).

    Examples
    --------
    Every figure is registered in `FIGURES`, which ``paper_repro.py`` runs; calling the
    function draws it (``best_of_k("tiny")`` in seconds):

    >>> import inspect
    >>> from solvable.figures import FIGURES, best_of_k
    >>> FIGURES["best_of_k"] is best_of_k
    True
    >>> inspect.signature(best_of_k).parameters["ns"].default   # the paper's five n
    (10000.0, 15000.0, 20000.0, 25000.0, 30000.0)
    """
    style.check_size(size)
    n_test, trials, k_step = by_size(size, (1000, 6, 50), (1600, 10, 15), (1_000_000, 100, 1))
    line_step = by_size(size, 10, 3, 1)
    reward = KnobReward(0.0)
    ks = np.unique(np.r_[np.arange(k_min, k_max + 1, line_step), k_max]).astype(float)
    ks_sim = np.unique(np.r_[np.arange(k_min, k_max + 1, k_step), k_max]).astype(int)

    fig, (ax, ax2) = style.figure(2, width=4.0, height=3.4)
    parts = []
    sigma2 = None
    for i, n in enumerate(ns):
        problem = paper_problem(n=n)
        sigma2 = float(problem.sigma) ** 2
        col = style.color(i)
        exact = np.asarray(exact_de(problem, reward, ks, 0.0)) / sigma2
        law = np.asarray(asymptotics.best_of_k_asymptote_averaged(problem, ks)) / sigma2
        sim_mean, sim_err = simulated(problem, reward, ks_sim, 0.0, n_test, trials, seed + i)
        style.line(ax, ks, exact, "exact", c=col)
        style.line(ax, ks, law, "expansion", c=col)
        style.errorbar(ax, ks_sim, sim_mean, sim_err, c=col)
        # right: k² δ / (π σ²), where the five n separate and the slow approach shows
        style.line(ax2, ks, ks**2 * exact / np.pi, "exact", c=col)
        style.line(ax2, ks, ks**2 * law / np.pi, "expansion", c=col)
        style.errorbar(ax2, ks_sim, ks_sim**2 * sim_mean / np.pi, ks_sim**2 * sim_err / np.pi,
                       c=col)
        parts.append(dict(n=n, k=ks, curve="exact_de", delta_over_sigma2=exact))
        parts.append(dict(n=n, k=ks, curve="extreme_value_law", delta_over_sigma2=law))
        parts.append(dict(n=n, k=ks_sim, curve="simulation", delta_over_sigma2=sim_mean,
                          stderr_over_sigma2=sim_err))
    ax.set_yscale("log")
    ax.set_xlabel("number of samples k")
    ax.set_ylabel(r"generalization error $\delta/\sigma^2$")
    ax.set_title("Best-of-k with the teacher as reward (T = 0)")
    style.kind_legend(ax, {"simulation": "simulation (±1 s.e.)", "exact": "exact DE",
                           "expansion": "extreme-value law\n"
                           r"$\pi\sigma^2/(k^2\sqrt{1-2\,\mathrm{Var}\Delta_T/\sigma^2})$"},
                      loc="lower left")
    style.color_legend(ax2, {f"n = {n / 1e4:g}e4": style.color(i) for i, n in enumerate(ns)},
                       loc="lower right", ncol=2)
    ax2.set_xlabel("number of samples k")
    ax2.set_ylabel(r"$k^2\delta/(\pi\sigma^2)$")
    ax2.set_title(r"The $\Theta(1/k^2)$ law, magnified")

    # inset: the approach to slope -2
    k_in = np.unique(np.geomspace(2, 1e4, 40).round())
    problem = paper_problem(n=ns[0])
    ex_in = np.asarray(exact_de(problem, reward, k_in, 0.0)) / sigma2
    ins = ax.inset_axes([0.45, 0.50, 0.30, 0.30])
    ins.loglog(k_in, ex_in, color=style.color(0), **style.KIND_STYLE["exact"])
    ref = ex_in[-1] * (k_in / k_in[-1]) ** -2.0
    ins.loglog(k_in, ref, color="black", linestyle=":", linewidth=1.0)
    slope = np.gradient(np.log(ex_in), np.log(k_in))
    ins.set_title(f"slope {slope[-1]:.3f} at k = 1e4", fontsize=7)
    ins.tick_params(labelsize=6)
    ins.set_xlabel("k", fontsize=7, labelpad=0)
    ins.grid(alpha=0.2)
    ins.text(0.05, 0.08, r"$\propto k^{-2}$", transform=ins.transAxes, fontsize=7)
    parts.append(dict(n=ns[0], k=k_in, curve="inset_exact_de", delta_over_sigma2=ex_in,
                      log_slope=slope))
    style.size_note(fig, f"simulation: {fmt_count(n_test)} test points × {trials} trials "
                         f"({size} size); d = 10, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 4d")
    columns = style.long_table(parts)
    params = dict(problem=problem_params(paper_problem()), ns=list(ns),
                  reward="teacher (c = 0)", temperature=0.0, n_test=n_test, trials=trials,
                  k_sim=ks_sim.tolist(), seed=seed)
    ratio = float(exact[-1] / law[-1])
    notes = (f"n = {ns[-1]:g}: exact/law = {ratio:.3f} at k = {k_max}; "
             f"log-slope {slope[-1]:.3f} at k = 1e4")
    return style.FigureOutput(fig, columns, params, notes)

"""Figure 1: δ/σ² against k at fixed temperature for misspecified rewards."""

from __future__ import annotations

import numpy as np

from ..problem import KnobReward
from .. import style
from ._common import (by_size, exact_and_expansion, fmt_count, paper_problem, problem_params,
                      simulated)


@style.styled
def k_scaling(size: str = "quick", seed: int = 0, *, cs=(5.0, 10.0, 15.0), t_sigma: float = 10.0,
              k_max: int = 99):
    """δ/σ² vs k at T/(2σ²) = 10, c ∈ {5, 10, 15}: simulation, exact DE, expansion.

    The paper's setting (Halder & Pehlevan, arXiv 2512.19905, synthetic figure (a)):
    n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, w_T ~ N(0, 4I), knob reward
    Δ_R = (1 + c) Δ_T. Curves: simulated finite model (mean ± 1 s.e. over trials), the exact
    deterministic equivalent, and the second-order high-temperature expansion. The
    simulation uses a subset of k (every ``k_step``) at reduced sizes.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}, default "quick"
        Monte Carlo and grid sizes: "tiny" for the tests (seconds), "quick" for the stored
        figures, "full" for the paper's sizes (GPU recommended).
    seed : int, default 0
        Seed of the simulations (the same seed gives the same figure).
    cs : sequence of float, default (5, 10, 15)
        Reward knobs c (one colour each).
    t_sigma : float, default 10
        Temperature in units of 2σ²: T = 2σ² · t_sigma.
    k_max : int, default 99
        Largest k plotted.

    Returns
    -------
    FigureOutput
        The figure, the plotted data as columns, the parameters and a one-line note.
        ``python3 paper_repro.py --only k_scaling`` writes them to ``figures/``
        (PNG, PDF, CSV, manifest).

    Examples
    --------
    Every figure is registered in `FIGURES`, which ``paper_repro.py`` runs; calling the
    function draws it (``k_scaling("tiny")`` in seconds):

    >>> import inspect
    >>> from solvable.figures import FIGURES, k_scaling
    >>> FIGURES["k_scaling"] is k_scaling
    True
    >>> inspect.signature(k_scaling).parameters["cs"].default   # the paper's three knobs
    (5.0, 10.0, 15.0)
    """
    style.check_size(size)
    n_test, trials, k_step = by_size(size, (1000, 6, 14), (8000, 10, 7), (1_000_000, 100, 1))
    problem = paper_problem()
    sigma2 = float(problem.sigma) ** 2
    temperature = 2.0 * sigma2 * t_sigma
    ks = np.arange(1, k_max + 1, dtype=float)
    ks_sim = np.unique(np.r_[np.arange(1, k_max + 1, k_step), k_max]).astype(int)

    fig, ax = style.figure(width=4.6, height=3.4)
    parts = []
    for i, c in enumerate(cs):
        reward = KnobReward(c)
        col = style.color(i)
        exact, expan = exact_and_expansion(problem, reward, ks, temperature)
        sim_mean, sim_err = simulated(problem, reward, ks_sim, temperature, n_test, trials, seed + i)
        style.line(ax, ks, exact, "exact", c=col)
        style.line(ax, ks, expan, "expansion", c=col)
        style.errorbar(ax, ks_sim, sim_mean, sim_err, c=col)
        parts.append(dict(c=c, k=ks, curve="exact_de", delta_over_sigma2=exact))
        parts.append(dict(c=c, k=ks, curve="expansion", delta_over_sigma2=expan))
        parts.append(dict(c=c, k=ks_sim, curve="simulation", delta_over_sigma2=sim_mean,
                          stderr_over_sigma2=sim_err))
    ax.set_xlabel("number of samples k")
    ax.set_ylabel(r"generalization error $\delta/\sigma^2$")
    ax.set_title(rf"Softmax selection at $T/(2\sigma^2) = {t_sigma:g}$, misspecified reward")
    style.two_legends(ax, {f"c = {c:g}": style.color(i) for i, c in enumerate(cs)},
                      {"simulation": "simulation (±1 s.e.)", "exact": "exact DE",
                       "expansion": "high-T expansion, 2nd order"},
                      loc_colors="upper right", loc_kinds="center right",
                      title_colors="reward knob")
    style.size_note(fig, f"simulation: {fmt_count(n_test)} test points × {trials} trials "
                         f"({size} size); n = 1e4, d = 10, σ = 1e-4, γ = 1e-3")
    columns = style.long_table(parts)
    params = dict(problem=problem_params(problem), reward="KnobReward(c): Δ_R = (1 + c) Δ_T",
                  cs=list(cs), temperature=temperature, t_over_2sigma2=t_sigma,
                  n_test=n_test, trials=trials, k_sim=ks_sim.tolist(), seed=seed)
    c_last = cs[-1]
    k_opt = int(ks[np.argmin(exact)])
    notes = (f"c = {c_last:g}: exact DE minimal at k = {k_opt} "
             f"(δ/σ² = {exact.min():.3g}; k = 1 gives {exact[0]:.3g})")
    return style.FigureOutput(fig, columns, params, notes)

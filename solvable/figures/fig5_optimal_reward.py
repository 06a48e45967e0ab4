"""Figure 5: the optimal reward is not the teacher."""

from __future__ import annotations

import numpy as np

from .. import optimize
from ..equivalents import predictive_moments
from ..problem import KnobReward
from .. import style
from ._common import by_size, exact_de, paper_problem, problem_params


@style.styled
def optimal_reward(size: str = "quick", seed: int = 0, *, ks=(2, 4, 16, 64, 256),
                   t_range=(0.5, 100.0), k_example: int = 16, t_example: float = 10.0):
    """Exact optimal reward knob c* against (k, T), with the k → ∞ line c* = t.

    Left: δ/σ² against c at t = 10, k = 16 (paper setting): the teacher (c = 0) is not the
    best judge. Right: the exact argmin c* of the DE over c against t = T/(2 s̄²) for several
    k; as k → ∞ the tilted-Gaussian limit gives c* = t exactly (dashed). No Monte Carlo.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}, default "quick"
        Monte Carlo and grid sizes: "tiny" for the tests (seconds), "quick" for the stored
        figures, "full" for the paper's sizes (GPU recommended).
    seed : int, default 0
        Seed of the simulations (the same seed gives the same figure).
    ks : sequence of int, default (2, 4, 16, 64, 256)
        Numbers of samples of the right panel (one colour each).
    t_range : (float, float), default (0.5, 100)
        Range of t = T/(2s̄²) of the right panel.
    k_example, t_example : int, float, default 16, 10
        The (k, t) of the left panel.

    Returns
    -------
    FigureOutput
        The figure, the plotted data as columns, the parameters and a one-line note.
        ``python3 paper_repro.py --only optimal_reward`` writes them to ``figures/``
        (PNG, PDF, CSV, manifest).

    Examples
    --------
    Every figure is registered in `FIGURES`, which ``paper_repro.py`` runs; calling the
    function draws it (``optimal_reward("tiny")`` in seconds):

    >>> from solvable.figures import FIGURES, optimal_reward
    >>> FIGURES["optimal_reward"] is optimal_reward
    True
    """
    style.check_size(size)
    n_t, n_c = by_size(size, (5, 30), (10, 120), (60, 400))
    problem = paper_problem()
    sigma2 = float(problem.sigma) ** 2
    s2 = float(predictive_moments(problem).variance)
    ts = np.geomspace(*t_range, n_t)
    temps = 2 * s2 * ts

    fig, (ax, ax2) = style.figure(2, width=3.9, height=3.3)
    parts = []
    # left: δ against c at one (k, t)
    c_grid = np.linspace(-1.0, 3.0 * t_example, n_c)
    T_ex = 2 * s2 * t_example
    d_c = np.asarray(exact_de(problem, KnobReward(c_grid), k_example, T_ex)) / sigma2
    c_ex = float(optimize.optimal_knob_averaged(problem, k_example, T_ex).argmin)
    d_ex = float(exact_de(problem, KnobReward(c_ex), k_example, T_ex)) / sigma2
    d_teacher = float(exact_de(problem, KnobReward(0.0), k_example, T_ex)) / sigma2
    style.line(ax, c_grid, d_c, "exact", c=style.color(0), label="exact DE")
    ax.plot([c_ex], [d_ex], color=style.color(0), markeredgecolor="black",
            markeredgewidth=0.5, label=f"optimum c* = {c_ex:.2f}", **style.KIND_STYLE["optimum"])
    ax.plot([0.0], [d_teacher], color=style.color("vermillion"), marker="o", linestyle="none",
            markeredgecolor="black", markeredgewidth=0.5, label="teacher as judge (c = 0)")
    ax.set_xlabel(r"reward misspecification $c$  ($\Delta_R=(1+c)\Delta_T$)")
    ax.set_ylabel(r"generalization error $\delta/\sigma^2$")
    ax.set_title(rf"k = {k_example}, $T/(2\bar s^2)$ = {t_example:g}")
    ax.legend(loc="upper center")
    parts.append(dict(panel="delta_vs_c", k=k_example, t=t_example, c=c_grid,
                      delta_over_sigma2=d_c))
    parts.append(dict(panel="delta_vs_c", curve="optimum", k=k_example, t=t_example, c=c_ex,
                      delta_over_sigma2=d_ex))

    # right: c* against t for several k
    for i, k in enumerate(ks):
        opt = optimize.optimal_knob_averaged(problem, float(k), temps)
        cstar = np.where(np.asarray(opt.boundary) == optimize.INTERIOR, np.asarray(opt.argmin),
                         np.nan)
        style.line(ax2, ts, cstar, "exact", c=style.color(i), label=f"k = {k}")
        parts.append(dict(panel="c_star_vs_t", curve="exact_de", k=float(k), t=ts, c=cstar))
    style.line(ax2, ts, ts, "expansion", c="black", label=r"$k\to\infty$ limit: $c^* = t$")
    parts.append(dict(panel="c_star_vs_t", curve="k_infinity", k=np.inf, t=ts, c=ts))
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"temperature $t = T/(2\bar s^2)$")
    ax2.set_ylabel(r"optimal reward knob $c^*$ (exact DE)")
    ax2.set_title("Optimal judge against k and T")
    ax2.legend(loc="upper left", ncol=1)
    style.size_note(fig, "paper setting: n = 1e4, d = 10, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 4d; "
                         "s̄² = predictive variance; no Monte Carlo")
    columns = style.long_table(parts)
    params = dict(problem=problem_params(problem), ks=list(ks), t_range=list(t_range),
                  grid=[n_t, n_c], k_example=k_example, t_example=t_example, seed=seed)
    notes = (f"k = {k_example}, t = {t_example:g}: c* = {c_ex:.2f}, "
             f"δ/σ² = {d_ex:.4g} vs {d_teacher:.4g} with the teacher")
    return style.FigureOutput(fig, columns, params, notes)

"""Figure 4: phase diagram in (temperature, reward misspecification): is more k always better?"""

from __future__ import annotations

import numpy as np

from .. import asymptotics, optimize
from ..average import hermite_rule
from ..equivalents import offset_law
from ..problem import KnobReward
from .. import style
from ._common import by_size, expansion_threshold, paper_problem, problem_params


def tail_coefficient(problem, c, temperature, *, nodes: int = 64):
    """x-average of the 1/k tail coefficient A of δ(k) = δ_∞ + A/k + O(k⁻²) for the knob
    reward: A < 0 means δ approaches its k → ∞ limit from below, so the optimal k is finite.

    Gauss–Hermite average of `asymptotics.large_k_correction` over Δ_T ~ N(0, Var Δ_T),
    with Δ_R = (1 + c)Δ_T and s = s̄; broadcasts over ``c`` and ``temperature``.
    """
    law = offset_law(problem, KnobReward(0.0))
    xi, w = hermite_rule(nodes)
    s = float(np.sqrt(law.predictive_var))
    dt = float(np.sqrt(law.var_teacher)) * xi
    c = np.asarray(c, float)[..., None]
    temperature = np.asarray(temperature, float)[..., None]
    a = np.asarray(asymptotics.large_k_correction(temperature, mean=dt, std=s, teacher=0.0,
                                                   reward=-c * dt))
    return np.sum(w * a, axis=-1)


@style.styled
def phase_diagram(size: str = "quick", seed: int = 0, *, t_range=(0.3, 100.0),
                  c_range=(0.0, 20.0), k_max: float = 1e4):
    """Phase diagram over (T, c): δ monotone in k versus a finite optimal k*, contours of k*.

    Paper setting, knob reward Δ_R = (1 + c)Δ_T. Background (fine grid): the sign of the
    x-averaged 1/k tail coefficient A (`asymptotics.large_k_correction`): A < 0, δ reaches
    its k → ∞ limit from below, so k* is finite. Markers and contour lines (coarse grid): the
    exact minimiser k* over real k ∈ [1, k_max] of the DE (`optimize.optimal_k_averaged`);
    open markers where δ decreases all the way to k_max. Dashed: the second-order
    expansion's boundary t = 3 C2/C1. No Monte Carlo: ``seed`` is unused.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}, default "quick"
        Monte Carlo and grid sizes: "tiny" for the tests (seconds), "quick" for the stored
        figures, "full" for the paper's sizes (GPU recommended).
    seed : int, default 0
        Seed of the simulations (the same seed gives the same figure).
    t_range : (float, float), default (0.3, 100)
        Range of t = T/(2σ²).
    c_range : (float, float), default (0, 20)
        Range of the reward knob c.
    k_max : float, default 1e4
        Upper end of the search for the optimal k.

    Returns
    -------
    FigureOutput
        The figure, the plotted data as columns, the parameters and a one-line note.
        ``python3 paper_repro.py --only phase_diagram`` writes them to ``figures/``
        (PNG, PDF, CSV, manifest).

    Examples
    --------
    Every figure is registered in `FIGURES`, which ``paper_repro.py`` runs; calling the
    function draws it (``phase_diagram("tiny")`` in seconds):

    >>> from solvable.figures import FIGURES, phase_diagram
    >>> FIGURES["phase_diagram"] is phase_diagram
    True
    """
    style.check_size(size)
    n_t, n_c = by_size(size, (4, 3), (9, 7), (30, 24))
    n_fine = by_size(size, 40, 160, 300)
    problem = paper_problem()
    sigma2 = float(problem.sigma) ** 2
    s2 = float(offset_law(problem, KnobReward(0.0)).predictive_var)
    ts = np.geomspace(*t_range, n_t)
    cs = np.linspace(*c_range, n_c)
    kstar = np.stack([np.asarray(optimize.optimal_k_averaged(
        problem, KnobReward(c), 2 * sigma2 * ts, k_max=k_max).argmin) for c in cs])
    finite = np.isfinite(kstar) & (kstar < k_max)
    tt, cc = np.meshgrid(ts, cs, indexing="xy")  # shape (n_c, n_t)

    tf = np.geomspace(*t_range, n_fine)
    cf = np.linspace(*c_range, n_fine)
    tff, cff = np.meshgrid(tf, cf, indexing="xy")
    tail = tail_coefficient(problem, cff, 2 * sigma2 * tff)
    c_line = np.linspace(*c_range, 200)
    t_bound = np.asarray(expansion_threshold(problem, KnobReward(c_line))) / (2 * sigma2)

    fig, ax = style.figure(width=4.8, height=3.6)
    ax.contourf(tff, cff, (tail < 0).astype(float), levels=[-0.5, 0.5, 1.5],
                colors=[style.color("skyblue"), style.color("orange")], alpha=0.35)
    ax.contour(tff, cff, tail, levels=[0.0], colors=[style.color("vermillion")], linewidths=1.2)
    logk = np.where(finite, np.log10(np.maximum(kstar, 1.0)), np.nan)
    levels = [np.log10(v) for v in (2, 3, 5, 10, 30, 100)]
    if np.sum(finite) >= 4 and n_t > 2 and n_c > 2:
        cl = ax.contour(tt, cc, logk, levels=levels, colors="black", linewidths=0.7)
        ax.clabel(cl, fmt=lambda v: f"{10**v:.0f}", fontsize=7)
    from matplotlib.colors import LogNorm
    sc = ax.scatter(tt[finite], cc[finite], c=kstar[finite], cmap="viridis",
                    norm=LogNorm(1.0, 100.0), s=28, edgecolors="black", linewidths=0.5,
                    zorder=3)
    ax.scatter(tt[~finite], cc[~finite], facecolors="none", edgecolors="black", s=22,
               linewidths=0.7, zorder=3)
    ax.plot(t_bound, c_line, color="black", **style.KIND_STYLE["expansion"])
    ax.set_xscale("log")
    ax.set_xlim(*t_range)
    ax.set_ylim(c_range[0] - 0.5, c_range[1] + 0.5)
    ax.set_xlabel(r"temperature $T/(2\sigma^2)$")
    ax.set_ylabel(r"reward misspecification $c$  ($\Delta_R = (1+c)\Delta_T$)")
    ax.set_title("Finite optimal k versus more-is-better")
    cb = fig.colorbar(sc, ax=ax, pad=0.01, extend="max")
    cb.set_label(r"exact optimal $k^*$ (DE)")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    ax.legend([Patch(color=style.color("orange"), alpha=0.35),
               Patch(color=style.color("skyblue"), alpha=0.35),
               Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
                      markeredgecolor="black"),
               Line2D([], [], color="black", **style.KIND_STYLE["expansion"])],
              ["finite k* (1/k tail from below)", "δ decreasing in k",
               f"exact: no optimum below k = {k_max:g}", r"expansion boundary $t = 3C_2/C_1$"],
              loc="lower right", frameon=True, framealpha=0.85, fontsize=7)
    style.size_note(fig, f"exact k* on {n_t} × {n_c} points, tail sign on {n_fine}² ({size} "
                         "size); paper setting n = 1e4, d = 10, σ = 1e-4, γ = 1e-3")
    columns = style.long_table([
        dict(curve="exact_k_star", t_over_2sigma2=tt.ravel(), c=cc.ravel(), k_star=kstar.ravel(),
             finite_optimum=finite.ravel().astype(float)),
        dict(curve="expansion_boundary", t_over_2sigma2=t_bound, c=c_line),
    ])
    agree = float(np.mean(finite == (tail_coefficient(problem, cc, 2 * sigma2 * tt) < 0)))
    params = dict(problem=problem_params(problem), reward="KnobReward(c)", k_max=k_max,
                  t_range=list(t_range), c_range=list(c_range), grid=[n_t, n_c],
                  fine_grid=n_fine, predictive_var=s2, seed=seed,
                  tail_sign_agrees_with_exact_k_star=agree)
    notes = (f"finite optimal k on {100 * float(finite.mean()):.0f}% of the exact grid; "
             f"tail-sign phase agrees with exact k* on {100 * agree:.0f}% of it")
    return style.FigureOutput(fig, columns, params, notes)

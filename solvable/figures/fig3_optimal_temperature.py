"""Figure 3: the optimal temperature of a misspecified reward, exact against the expansion."""

from __future__ import annotations

import numpy as np

from .. import optimize
from ..equivalents import offset_law
from ..problem import KnobReward
from .. import style
from ._common import (by_size, exact_and_expansion, exact_de, expansion_t_star,
                      paper_problem, problem_params)


@style.styled
def optimal_temperature(size: str = "quick", seed: int = 0, *, cs=(5.0, 10.0, 15.0),
                        k: int = 10):
    """δ/σ² vs T at fixed k: exact optimal temperature against the expansion's t*.

    Left: δ/σ² against t = T/(2σ²) at k = 10 for the knob reward c ∈ {5, 10, 15} (paper
    setting), exact DE and the second-order high-temperature expansion, with the exact
    optimum (star) and the expansion's t* = 2(1 − 2/k) C2/C1 (triangle, placed on the exact
    curve). Right: the optimal t against k, exact and expansion. No Monte Carlo: ``seed`` is
    unused.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}, default "quick"
        Monte Carlo and grid sizes: "tiny" for the tests (seconds), "quick" for the stored
        figures, "full" for the paper's sizes (GPU recommended).
    seed : int, default 0
        Seed of the simulations (the same seed gives the same figure).
    cs : sequence of float, default (5, 10, 15)
        Reward knobs c (one colour each).
    k : int, default 10
        Number of samples of the left panel.

    Returns
    -------
    FigureOutput
        The figure, the plotted data as columns, the parameters and a one-line note.
        ``python3 paper_repro.py --only optimal_temperature`` writes them to ``figures/``
        (PNG, PDF, CSV, manifest).

    Examples
    --------
    Every figure is registered in `FIGURES`, which ``paper_repro.py`` runs; calling the
    function draws it (``optimal_temperature("tiny")`` in seconds):

    >>> from solvable.figures import FIGURES, optimal_temperature
    >>> FIGURES["optimal_temperature"] is optimal_temperature
    True
    """
    style.check_size(size)
    n_t, n_k = by_size(size, (25, 4), (80, 7), (240, 40))
    problem = paper_problem()
    sigma2 = float(problem.sigma) ** 2
    ts = np.geomspace(0.1, 3e3, n_t)
    temps = 2.0 * sigma2 * ts
    ks = np.unique(np.geomspace(3, 200, n_k).round())

    fig, (ax, ax2) = style.figure(2, width=3.9, height=3.3)
    parts = []
    summary = {}
    for i, c in enumerate(cs):
        reward = KnobReward(c)
        col = style.color(i)
        exact, expan = exact_and_expansion(problem, reward, k, temps)
        opt = optimize.optimal_temperature_averaged(problem, reward, k)
        t_opt = float(opt.argmin) / (2 * sigma2)
        t_low = 10 * optimize.DEFAULT_T_RANGE[0] * 2 * float(offset_law(problem, reward)
                                                             .predictive_var)
        if int(opt.boundary) != optimize.INTERIOR or float(opt.argmin) <= t_low:
            # T* = 0 or ∞ (or at the search range's lower end, t = 1e-4): no star on log axes
            t_opt = np.nan
        t_exp = float(expansion_t_star(problem, reward, k)) / (2 * sigma2)
        d_opt, d_exp = (float(v) / sigma2 for v in exact_de(
            problem, reward, k, 2 * sigma2 * np.array([t_opt, t_exp])))
        style.line(ax, ts, exact, "exact", c=col)
        ok = expan > 0
        style.line(ax, ts[ok], expan[ok], "expansion", c=col)
        ax.plot([t_opt], [d_opt], color=col, markeredgecolor="black", markeredgewidth=0.5,
                **style.KIND_STYLE["optimum"])
        ax.plot([t_exp], [d_exp], color=col, marker="v", linestyle="none", markersize=6,
                markeredgecolor="black", markeredgewidth=0.5)
        parts.append(dict(c=c, k=k, curve="exact_de", t_over_2sigma2=ts,
                          delta_over_sigma2=exact))
        parts.append(dict(c=c, k=k, curve="expansion", t_over_2sigma2=ts,
                          delta_over_sigma2=expan))
        parts.append(dict(c=c, k=k, curve="exact_optimum", t_over_2sigma2=t_opt,
                          delta_over_sigma2=d_opt))
        parts.append(dict(c=c, k=k, curve="expansion_t_star", t_over_2sigma2=t_exp,
                          delta_over_sigma2=d_exp))
        summary[c] = (t_opt, t_exp, d_opt, d_exp)

        opt_k = optimize.optimal_temperature_averaged(problem, reward, ks)
        # an argmin within 10x of the search range's lower end (t = 1e-4) is the T* = 0 end
        interior = ((np.asarray(opt_k.boundary) == optimize.INTERIOR)
                    & (np.asarray(opt_k.argmin) > t_low))
        t_opt_k = np.where(interior, np.asarray(opt_k.argmin) / (2 * sigma2), np.nan)
        t_exp_k = np.asarray(expansion_t_star(problem, reward, ks)) \
            / (2 * sigma2)
        style.line(ax2, ks, t_opt_k, "exact", c=col, marker="o", markersize=3)
        style.line(ax2, ks, t_exp_k, "expansion", c=col)
        parts.append(dict(c=c, k=ks, curve="exact_optimal_t", t_over_2sigma2=t_opt_k))
        parts.append(dict(c=c, k=ks, curve="expansion_t_star", t_over_2sigma2=t_exp_k))

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"temperature $T/(2\sigma^2)$")
    ax.set_ylabel(r"generalization error $\delta/\sigma^2$")
    ax.set_title(f"δ against temperature, k = {k}")
    ymax = max(np.max(p["delta_over_sigma2"]) for p in parts if p["curve"] == "exact_de")
    ymin = min(np.min(p["delta_over_sigma2"]) for p in parts if p["curve"] == "exact_de")
    ax.set_ylim(ymin / 1.5, ymax * 1.5)
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=style.color(i), linewidth=2.5) for i in range(len(cs))]
    handles += [Line2D([], [], color="black", **style.KIND_STYLE["exact"]),
                Line2D([], [], color="black", **style.KIND_STYLE["expansion"]),
                Line2D([], [], color="grey", markeredgecolor="black",
                       **style.KIND_STYLE["optimum"]),
                Line2D([], [], color="grey", marker="v", linestyle="none",
                       markeredgecolor="black")]
    labels = [f"c = {c:g}" for c in cs] + ["exact DE", "expansion (2nd order)",
                                           "exact optimal T", "expansion t*"]
    ax.legend(handles, labels, loc="lower right", ncol=1)

    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel("number of samples k")
    ax2.set_ylabel(r"optimal temperature $T^*/(2\sigma^2)$")
    ax2.set_title("Optimal temperature against k")
    ax2.legend([Line2D([], [], color="black", **style.KIND_STYLE["exact"]),
                Line2D([], [], color="black", **style.KIND_STYLE["expansion"])],
               ["exact DE (argmin over T; absent: T* = 0)",
                r"expansion $t^*=2(1-2/k)\,C_2/C_1$"],
               loc="lower right")
    style.size_note(fig, "paper setting: n = 1e4, d = 10, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 4d; "
                         "knob reward Δ_R = (1 + c)Δ_T; no Monte Carlo")
    columns = style.long_table(parts)
    params = dict(problem=problem_params(problem), reward="KnobReward(c)", cs=list(cs), k=k,
                  t_grid=[float(ts[0]), float(ts[-1]), int(n_t)], k_grid=ks.tolist(), seed=seed)
    c0 = cs[1] if len(cs) > 1 else cs[0]
    t_opt, t_exp, d_opt, d_exp = summary[c0]
    notes = (f"k = {k}, c = {c0:g}: exact optimum T/(2σ²) = {t_opt:.3g} (δ/σ² = {d_opt:.4g}), "
             f"expansion t* = {t_exp:.3g} (δ/σ² = {d_exp:.4g})")
    return style.FigureOutput(fig, columns, params, notes)

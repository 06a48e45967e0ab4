"""Figure 6: when is inference-time compute worth more than data?"""

from __future__ import annotations

import numpy as np

from ..average import DEFAULT_NODES_1D
from ..equivalents import offset_variance_teacher
from ..problem import KnobReward
from .. import style
from ._common import by_size, exact_de, paper_problem, problem_params


def log_slopes(problem_at, reward, ns, ks, temperature, *, nodes: int = DEFAULT_NODES_1D):
    """δ on the grid (n, k) and the local exponents −∂log δ/∂log k, −∂log δ/∂log n.

    ``problem_at(n)`` builds the problem at sample size n. Derivatives are second-order finite
    differences of the exact DE on the (geometric) grid; ``nodes`` Gauss–Legendre nodes per
    panel of the offsets' rule (`solvable.average`; the default is converged to ~1e-9 for a
    knob reward, tests/test_average.py).
    """
    ks = np.asarray(ks, float)
    delta = np.stack([exact_de(problem_at(float(n)), reward, ks, temperature, nodes_1d=nodes)
                      for n in ns])
    logd = np.log(delta)
    gain_k = -np.gradient(logd, np.log(ks), axis=1)
    gain_n = -np.gradient(logd, np.log(ns), axis=0)
    return delta, gain_k, gain_n


@style.styled
def compute_vs_data(size: str = "quick", seed: int = 0, *, powers=(1.0, 4.0, 16.0),
                    n_range=(2e3, 1e5), k_range=(1.0, 1e3)):
    """Contours of δ over (n, k) and where one more unit of log k beats one of log n.

    Best-of-k with the teacher as reward (T = 0), paper setting except the teacher power.
    A unit of log-compute on k beats the same on n where −∂log δ/∂log k > −∂log δ/∂log n
    (shaded). Difficulty is the teacher power per direction ‖w_T‖²/d at fixed noise
    σ² (a harder task has a larger student bias Var Δ_T relative to σ²); the region where
    inference wins shrinks as it grows. The asymptotic rule (dashed): for k → ∞ the k-exponent
    is 2, the n-exponent α∂_α Var Δ_T/(σ² − 2Var Δ_T), equal at Var Δ_T/σ² ≈ 1/4.
    No Monte Carlo: ``seed`` is unused.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}, default "quick"
        Monte Carlo and grid sizes: "tiny" for the tests (seconds), "quick" for the stored
        figures, "full" for the paper's sizes (GPU recommended).
    seed : int, default 0
        Seed of the simulations (the same seed gives the same figure).
    powers : sequence of float, default (1, 4, 16)
        Teacher powers ‖w_T‖²/d (task difficulty), one panel each.
    n_range : (float, float), default (2e3, 1e5)
        Range of the training-set size n.
    k_range : (float, float), default (1, 1e3)
        Range of the number of samples k.

    Returns
    -------
    FigureOutput
        The figure, the plotted data as columns, the parameters and a one-line note.
        ``python3 paper_repro.py --only compute_vs_data`` writes them to ``figures/``
        (PNG, PDF, CSV, manifest).

    Examples
    --------
    Every figure is registered in `FIGURES`, which ``paper_repro.py`` runs; calling the
    function draws it (``compute_vs_data("tiny")`` in seconds):

    >>> from solvable.figures import FIGURES, compute_vs_data
    >>> FIGURES["compute_vs_data"] is compute_vs_data
    True
    """
    style.check_size(size)
    n_n, n_k = by_size(size, (8, 8), (28, 28), (80, 80))
    ns = np.geomspace(*n_range, n_n)
    ks = np.geomspace(*k_range, n_k)
    reward = KnobReward(0.0)
    base = paper_problem()
    sigma2 = float(base.sigma) ** 2

    fig, (ax, ax2) = style.figure(2, width=4.0, height=3.4)
    rows = []
    boundary_n = {}
    mid = len(powers) // 2
    for i, p in enumerate(powers):
        def problem_at(n, p=p):
            return paper_problem(n=n, teacher_norm2=p * base.d)

        delta, gk, gn = log_slopes(problem_at, reward, ns, ks, 0.0)
        wins = gk > gn
        col = style.color(i)
        if i == mid:
            levels = np.arange(np.floor(np.log10(delta.min() / sigma2)),
                               np.ceil(np.log10(delta.max() / sigma2)) + 0.01, 1.0)
            cl = ax.contour(ns, ks, np.log10(delta.T / sigma2), levels=levels, colors="grey",
                            linestyles="solid",
                            linewidths=0.7)
            ax.clabel(cl, fmt=lambda v: rf"$10^{{{v:.0f}}}$", fontsize=7)
            ax.contourf(ns, ks, wins.T.astype(float), levels=[0.5, 1.5],
                        colors=[col], alpha=0.18)
        ax.contour(ns, ks, (gk - gn).T, levels=[0.0], colors=[col], linewidths=1.8)
        # asymptotic rule: Var Δ_T(n)/σ² = 1/4 where the two exponents are 2 = 2h/(1−2h)
        var = np.asarray([float(offset_variance_teacher(problem_at(n))) for n in ns]) / sigma2
        h_grid = np.geomspace(*n_range, 400)
        var_fine = np.interp(np.log(h_grid), np.log(ns), np.log(var))
        cross = h_grid[np.argmin(np.abs(var_fine - np.log(0.25)))]
        if n_range[0] < cross < n_range[1]:
            ax.axvline(cross, color=col, **style.KIND_STYLE["expansion"])
        boundary_n[p] = float(cross)
        nn, kk = np.meshgrid(ns, ks, indexing="ij")
        rows.append(dict(teacher_power=p, n=nn.ravel(), k=kk.ravel(),
                         delta_over_sigma2=(delta / sigma2).ravel(),
                         gain_per_log_k=gk.ravel(), gain_per_log_n=gn.ravel(),
                         inference_wins=wins.ravel().astype(float)))
        # right: the two exponents at k = 100 against n
        j = int(np.argmin(np.abs(ks - 100.0)))
        style.line(ax2, ns, gk[:, j], "exact", c=col)
        style.line(ax2, ns, gn[:, j], "exact", c=col, linestyle="-.")

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("number of samples k (inference compute)")
    ax.set_title(r"contours of $\delta/\sigma^2$; shaded: k beats n")
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=style.color(i), linewidth=1.8) for i in range(len(powers))]
    handles.append(Line2D([], [], color="black", **style.KIND_STYLE["expansion"]))
    ax.legend(handles, [rf"$\|w_T\|^2/d$ = {p:g}: boundary" for p in powers]
              + [r"$k\to\infty$ rule Var$\Delta_T=\sigma^2/4$"], loc="lower right",
              frameon=True, framealpha=0.85)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    j = int(np.argmin(np.abs(ks - 100.0)))
    ax2.set_xlabel("training-set size n")
    ax2.set_ylabel(r"gain per unit log-compute  $-\partial\log\delta$")
    ax2.set_title(f"exponents at k = {ks[j]:.0f}")
    ax2.legend([Line2D([], [], color="black"), Line2D([], [], color="black", linestyle="-.")]
               + [Line2D([], [], color=style.color(i), linewidth=2.5)
                  for i in range(len(powers))],
               [r"$-\partial\log\delta/\partial\log k$", r"$-\partial\log\delta/\partial\log n$"]
               + [rf"$\|w_T\|^2/d$ = {p:g}" for p in powers], loc="lower left")
    style.size_note(fig, f"exact DE at T = 0, reward = teacher; grid {n_n} × {n_k} ({size}); "
                         "d = 10, σ = 1e-4, γ = 1e-3")
    columns = style.long_table(rows)
    params = dict(problem=problem_params(base), teacher_powers=list(powers),
                  difficulty="teacher power per direction ||w_T||^2/d at fixed sigma",
                  temperature=0.0, reward="teacher", n_range=list(n_range),
                  k_range=list(k_range), grid=[n_n, n_k], asymptotic_boundary_n=boundary_n,
                  seed=seed)
    fr = [float(np.mean(r["inference_wins"])) for r in rows]
    notes = ("share of the (n, k) grid where k beats n: "
             + ", ".join(f"{100 * f:.0f}% (‖w_T‖²/d = {p:g})" for f, p in zip(fr, powers)))
    return style.FigureOutput(fig, columns, params, notes)

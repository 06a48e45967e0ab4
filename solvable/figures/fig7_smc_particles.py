"""Figure 7: approximate rewards and Sequential Monte Carlo."""

from __future__ import annotations

import numpy as np

from . import style
from ._common import by_size


@style.styled
def smc_particles(size: str = "quick", seed: int = 0, *, r: float = 3.0, c: float = 1.0,
                  epsilon: float = 0.5, tv: float = 0.1, T_guided: int = 10):
    """Particles needed against T (ε = c/T, constant ε, best-of-N) and guided TV against 2tε.

    Zhu & Lu, "On the Power of (Approximate) Reward Models for Inference-Time Scaling:
    Sequential Monte Carlo and Beyond" (arXiv 2602.01381). Product model: T binary steps,
    uniform base model, reward r^{#ones}; approximate values tilted so that the Bellman error
    is ε ≈ c/T (polynomial regime) or a constant ε. Left: the smallest N ∈ {1, 2, 4, …} whose
    SMC output law is within TV ``tv`` of π (measured: markers; bound
    N = L⁶T(1+ε)^{6(T−1)}/(2δ_TV): dotted), and rejection from the base model (exact law; best-of-N under r is biased
    toward argmax r and never reaches the target). Right: exact TV of the single guided particle against 2tε.
    """
    style.check_size(size)
    import jax

    from ..smc import experiments as ex
    from ..smc.models import product_model
    from ..smc.values import tilted_values

    Ts, n_runs, n_max = by_size(size, ((2, 4), 200, 256), ((2, 4, 6, 8, 12), 1000, 4096),
                                ((2, 4, 6, 8, 12, 16), 4000, 16384))
    key = jax.random.key(seed)
    rows = ex.scaling_table(key, Ts, r=r, c=c, epsilon=epsilon, tv=tv, n_runs=n_runs,
                            n_max=n_max)
    # best-of-N under r concentrates on argmax r: it does not sample π at any N
    best_of_tv = []
    for T in Ts:
        got = ex.particles_to_reach_tv(key, product_model(T, r, normalized=True), None, tv,
                                       method="best_of_n", n_max=n_max)
        best_of_tv.append(got.tv if not np.isfinite(got.n) else 0.0)
    Ts_arr = np.asarray(Ts, float)

    def col(name):
        return np.array([row[name] for row in rows], dtype=float)

    fig, (ax, ax2) = style.figure(2, width=3.9, height=3.3)
    series = [("poly", rf"SMC, $\varepsilon = {c:g}/T$", style.color(0)),
              ("const", rf"SMC, $\varepsilon = {epsilon:g}$", style.color(1))]
    for name, label, colr in series:
        ax.plot(Ts_arr, col(f"N_{name}"), color=colr, marker="o", markersize=4, linestyle="-",
                linewidth=1.0, label=label + " (measured)")
        style.line(ax, Ts_arr, col(f"bound_{name}"), "bound", c=colr, label="  its bound")
    ax.plot(Ts_arr, col("N_rejection"), color=style.color(3), marker="^", markersize=4,
            linestyle="-",
            linewidth=1.0, label="rejection from p (exact)")
    style.line(ax, Ts_arr, col("bound_rejection"), "bound", c=style.color(3),
               label="  its bound")
    ax.set_yscale("log")
    ax.set_xlabel("reasoning steps T")
    ax.set_ylabel(rf"particles / proposals N for TV $\leq$ {tv:g}")
    ax.set_title("Cost of sampling π against T")
    ax.legend(loc="upper left", fontsize=6.8)
    ax.text(0.98, 0.45, f"best-of-N never reaches TV {tv:g}:\nTV = {best_of_tv[-1]:.2f} at "
            f"N = {n_max}, T = {Ts[-1]}", transform=ax.transAxes, ha="right", va="center",
            fontsize=6.8, color=style.color(2))

    # right: single guided particle, exact TV against 2tε
    model = product_model(T_guided, r, normalized=True)
    parts = []
    for i, (name, tilt) in enumerate((("poly", np.log1p(c / T_guided)),
                                      ("const", np.log1p(epsilon)))):
        g = ex.guided_tv_curve(model, tilted_values(model, tilt))
        colr = style.color(i)
        eps = float(g["epsilon"])
        ax2.plot(g["t"], g["tv"], color=colr, marker="o", markersize=3, linestyle="-",
                 linewidth=1.2, label=rf"exact TV, $\varepsilon$ = {eps:.3g}")
        style.line(ax2, g["t"], np.minimum(g["bound"], 1.0), "bound", c=colr,
                   label=r"  bound $2t\varepsilon$")
        parts.append(dict(panel="guided_tv", values=name, epsilon=eps, t=g["t"], tv=g["tv"],
                          bound=g["bound"], sharp=g["sharp"]))
    ax2.set_xlabel("step t")
    ax2.set_ylabel(r"TV($\tilde\pi_t$, $\hat\pi_t$) of the guided sampler")
    ax2.set_title(f"Single guided particle, T = {T_guided}")
    ax2.set_ylim(0, 1.05)
    ax2.legend(loc="center right", fontsize=6.8)
    style.size_note(fig, f"product model, r = {r:g}; SMC TV from {n_runs} runs, N ≤ {n_max} "
                         f"({size} size)")

    table = dict(panel="particles", T=Ts_arr, best_of_n_tv_at_n_max=np.asarray(best_of_tv))
    for name in rows[0]:
        if name != "T":
            table[name] = col(name)
    columns = style.long_table([table] + parts)
    params = dict(model="product", r=r, c=c, epsilon=epsilon, tv=tv, Ts=list(Ts),
                  n_runs=n_runs, n_max=n_max, T_guided=T_guided, seed=seed)
    last = rows[-1]
    notes = (f"T = {Ts[-1]}: N = {last['N_poly']:g} (ε = c/T), {last['N_const']:g} "
             f"(constant ε), rejection {last['N_rejection']:g}; best-of-N stuck at TV "
             f"{best_of_tv[-1]:.2f}")
    return style.FigureOutput(fig, columns, params, notes)

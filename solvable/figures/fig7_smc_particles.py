"""Figure 7: approximate rewards and Sequential Monte Carlo."""

from __future__ import annotations

import numpy as np

from .. import style
from ._common import by_size


@style.styled
def smc_particles(size: str = "quick", seed: int = 0, *, r: float = 3.0, c: float = 1.0,
                  epsilon: float = 0.25, tv: float = 0.1, T_guided: int = 10):
    """Particles needed against T (measured), the same against the sufficient-N bounds, and
    the guided particle's TV against 2tε.

    Zhu & Lu, "On the Power of (Approximate) Reward Models for Inference-Time Scaling:
    Sequential Monte Carlo and Beyond" (arXiv 2602.01381); docs/theory.md §8. Product model:
    T binary uniform steps, reward r^{#ones}; `smc.majority_values` with Bellman error
    ε = c/T or a constant ε (errors compounding along the π-typical paths); TV measured on
    the count of ones (`smc.scaling_curves`: estimated for SMC, a lower bound on the path TV;
    exact laws for best-of-N ∝ r and rejection from p). Left: the smallest N with
    TV ≤ ``tv`` (log scale) with least-squares rates (95% CIs in the size note). Middle:
    measured N over the sufficient N = L⁶T(1+ε)^{6(T−1)}/(2δ_TV). Right: exact TV of the
    single guided particle against 2tε.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        The depths T measured, the particle budget, the largest N tried and the refinement
        passes.
    seed : int
        Seed of the runs.
    r : float
        Base of the product model's reward r^{#ones}.
    c : float
        Bellman error ε = c/T of the first SMC series.
    epsilon : float
        Constant Bellman error of the second SMC series.
    tv : float
        TV target: N is the smallest number of particles (or draws) reaching TV ≤ ``tv``.
    T_guided : int
        Depth of the model in the right panel (single guided particle).

    Returns
    -------
    FigureOutput
        The figure, the measured N and bounds per T and the guided TV curves, the parameters
        (with the fitted rates) and a note.

    Examples
    --------
    >>> import inspect
    >>> from solvable.figures import FIGURES, smc_particles
    >>> FIGURES["smc_particles"] is smc_particles
    True
    >>> inspect.signature(smc_particles).parameters["tv"].default
    0.1
    """
    style.check_size(size)
    import jax

    from ..smc import experiments as ex
    from ..smc.models import product_model
    from ..smc.values import tilted_values

    Ts, budget, n_max, refine = by_size(
        size, ((4, 8), 2**9, 128, 0), ((8, 16, 24, 32, 48, 64), 2**12, 2**12, 2),
        ((8, 16, 24, 32, 48, 64, 96, 128, 192, 256), 2**15, 2**15, 3))
    key = jax.random.key(seed)
    out = ex.scaling_curves(key, Ts, r=r, c=c, epsilon=epsilon, tv=tv, particle_budget=budget,
                            n_max=n_max, refine=refine, progress=size == "full")
    fits = out["fits"]
    T_arr = out["T"]

    fig, (ax, ax1, ax2) = style.figure(3, width=3.4, height=3.2)
    series = [("poly", rf"SMC, $\varepsilon = {c:g}/T$", style.color(0), "o"),
              ("const", rf"SMC, $\varepsilon = {epsilon:g}$", style.color(1), "s"),
              ("importance", r"best-of-N $\propto r$ (exact)", style.color(2), "D"),
              ("rejection", "rejection from p (exact)", style.color(3), "^")]
    for name, label, colr, mk in series:
        n = out[f"N_{name}"]
        ok = np.isfinite(n)
        ax.plot(T_arr[ok], n[ok], color=colr, marker=mk, markersize=4, linewidth=1.2,
                label=label + (" (measured)" if name in ("poly", "const") else ""))
    ax.set_yscale("log")
    ax.set_xlabel("reasoning steps T")
    ax.set_ylabel(rf"particles / draws N for TV $\leq$ {tv:g}")
    ax.set_title("Cost of sampling π against T")
    ax.legend(loc="upper left", fontsize=6.5)

    for name, label, colr, mk in series[:2]:
        n, bd = out[f"N_{name}"], out[f"bound_{name}"]
        ok = np.isfinite(n)
        ax1.plot(T_arr[ok], n[ok], color=colr, marker=mk, markersize=4, linewidth=1.2,
                 label=label + " (measured)")
        style.line(ax1, T_arr, bd, "bound", c=colr, label="  sufficient N (bound)")
    ax1.set_yscale("log")
    ax1.set_xlabel("reasoning steps T")
    ax1.set_ylabel("particles N")
    ax1.set_title("Measured against the bound")
    ax1.legend(loc="upper left", fontsize=6.5)

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
    ax2.legend(loc="center right", fontsize=6.5)

    def rate(key_):
        f = fits.get(key_)
        return "n/a" if f is None else f"{f.slope:.3f} [{f.ci_low:.3f}, {f.ci_high:.3f}]"

    fit_txt = (f"d log N/dT: const ε {rate('rate_const')}, best-of-N∝r {rate('rate_importance')}, "
               f"rejection {rate('rate_rejection')}; d log N/d log T (ε = c/T) "
               f"{rate('degree_poly')} (OLS, 95% t CI)")
    short = (f"fitted (95% CI)\nd log N/dT, ε = {epsilon:g}: {rate('rate_const')}\n"
             f"d log N/d log T, ε = {c:g}/T: {rate('degree_poly')}\n"
             f"best-of-N (argmax r): TV ≥ {out['tv_best_of_n'].min():.2f} at N = {n_max}")
    ax.text(0.98, 0.2, short, transform=ax.transAxes, ha="right", va="bottom", fontsize=6.0)
    style.size_note(fig, f"product model, r = {r:g}; SMC TV on the count from ≥ {budget} "
                         f"particles an estimate, N ≤ {n_max} ({size} size)")
    table = {"panel": "particles"}
    for name, val in out.items():
        if name != "fits":
            table[name] = np.asarray(val, float)
    columns = style.long_table([table] + parts)
    params = dict(model="product", r=r, c=c, epsilon=epsilon, tv=tv, Ts=list(Ts),
                  particle_budget=budget, n_max=n_max, refine=refine, T_guided=T_guided,
                  seed=seed, fits={k: f._asdict() for k, f in fits.items()})
    notes = (f"T = {Ts[-1]}: N = {out['N_poly'][-1]:g} (ε = c/T), {out['N_const'][-1]:g} "
             f"(constant ε), best-of-N∝r {out['N_importance'][-1]:g}, rejection "
             f"{out['N_rejection'][-1]:g}; {fit_txt}")
    return style.FigureOutput(fig, columns, params, notes)

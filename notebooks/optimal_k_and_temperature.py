# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Optimal k and temperature
#
# A student (Bayesian linear regression) draws k answers from its posterior predictive and a
# judge keeps one by a softmax at temperature T over the reward r(y) = −(y − μ_R)². With the
# misspecification knob c the judge's centre sits at Δ_R = (1 + c) Δ_T (c = 0: the judge is the
# teacher). `solvable` computes the exact deterministic-equivalent error δ(k, T) and its
# optima (Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
# Inference-Time Scaling", arXiv 2512.19905).
#
# Move the sliders: δ(k) at fixed T (left) and δ(T) at fixed k (right), with the optimum of
# each curve marked. Temperatures are in units t = T/(2σ²).

# %%
import functools

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

import solvable
from solvable import KnobReward, paper_problem
from solvable import style

SIGMA = float(paper_problem().sigma)
SIGMA2 = SIGMA**2
delta = solvable.generalization_error  # concrete calls share the scheduler's compiled blocks


def problem_of(n):
    """The paper's setting (d = 10, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 4d) at n training points."""
    return paper_problem(n=n)


K_GRID = np.unique(np.geomspace(1, 1000, 48).round())
T_GRID = np.geomspace(0.05, 2000, 48)


@functools.lru_cache(maxsize=64)
def curves(t, c, k, n):
    p, r = problem_of(n), KnobReward(c)
    d_k = np.asarray(delta(p, r, K_GRID, 2 * SIGMA2 * t)) / SIGMA2
    d_t = np.asarray(delta(p, r, float(k), 2 * SIGMA2 * T_GRID)) / SIGMA2
    return d_k, d_t


def refine(x, y):
    """Minimum of a sampled curve by a parabola through the best point and its neighbours
    (in log x); an end point means the optimum is at the end of the range."""
    i = int(np.argmin(y))
    if i in (0, len(x) - 1):
        return x[i], y[i]
    lx = np.log(x[i - 1:i + 2])
    a, b, c0 = np.polyfit(lx, y[i - 1:i + 2], 2)
    xm = -b / (2 * a)
    return float(np.exp(xm)), float(np.polyval([a, b, c0], xm))


def explore(k=10, t=10.0, c=10.0, n=1e4):
    d_k, d_t = curves(float(t), float(c), int(k), float(n))
    with plt.rc_context(style.rc()):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(8.4, 3.2), layout="constrained")
        k_opt, dk_opt = refine(K_GRID, d_k)
        a1.semilogx(K_GRID, d_k, color=style.color(0), label="exact DE")
        a1.plot([k_opt], [dk_opt], color=style.color(1), label=f"optimum k ≈ {k_opt:.3g}",
                **style.KIND_STYLE["optimum"])
        a1.axvline(k, color="grey", linewidth=0.8)
        a1.set(xlabel="number of samples k", ylabel=r"$\delta/\sigma^2$",
               title=f"δ against k at T/(2σ²) = {t:.3g}")
        a1.legend()
        t_opt, dt_opt = refine(T_GRID, d_t)
        a2.semilogx(T_GRID, d_t, color=style.color(0), label="exact DE")
        a2.plot([t_opt], [dt_opt], color=style.color(1), label=f"optimum t ≈ {t_opt:.3g}",
                **style.KIND_STYLE["optimum"])
        a2.axvline(t, color="grey", linewidth=0.8)
        a2.set(xlabel=r"temperature $T/(2\sigma^2)$", ylabel=r"$\delta/\sigma^2$",
               title=f"δ against T at k = {k}")
        a2.legend()
        plt.show()
    return k_opt, t_opt


# %% [markdown]
# The interactive version (in a live kernel). Headless runs build the widgets; the plot
# below them comes from one direct call.

# %%
controls = dict(
    k=widgets.IntSlider(value=10, min=1, max=500, description="k"),
    t=widgets.FloatLogSlider(value=10.0, base=10, min=-1, max=3, description="T/(2σ²)"),
    c=widgets.FloatSlider(value=10.0, min=0.0, max=20.0, step=0.5, description="c"),
    n=widgets.FloatLogSlider(value=1e4, base=10, min=3, max=5, description="n"),
)
ui = widgets.VBox([widgets.HBox([controls["k"], controls["t"]]),
                   widgets.HBox([controls["c"], controls["n"]])])
out = widgets.Output()


def _on_change(_):
    with out:
        out.clear_output(wait=True)
        explore(**{name: w.value for name, w in controls.items()})


for w in controls.values():
    w.observe(_on_change, names="value")
display(ui, out)

# %%
k_opt, t_opt = explore(k=10, t=10.0, c=10.0, n=1e4)
print(f"k = 10, c = 10: optimal T/(2σ²) ≈ {t_opt:.3g};  at T/(2σ²) = 10 optimal k ≈ {k_opt:.3g}")

# %% [markdown]
# ## Optima in code
#
# `solvable.optimize` searches the exact δ (grid, golden section, one Newton step; vectorised
# JAX). At one input x (normalised offsets b = (m − μ_T)/s, a = (m − μ_R)/s):

# %%
from solvable import optimize

b = 0.2  # the rms offset of the paper setting, in units of s
for c in (5.0, 10.0):
    a = (1 + c) * b
    ok = optimize.optimal_k(2 * 10.0, mean=b, std=1.0, teacher=0.0, reward=b - a)
    ot = optimize.optimal_temperature(10.0, mean=b, std=1.0, teacher=0.0, reward=b - a)
    print(f"c = {c:4.1f}:  k* = {float(ok.argmin):6.3f} at t = 10;  "
          f"T*/(2s²) = {float(ot.argmin) / 2:6.3f} at k = 10   (boundary flags "
          f"{int(ok.boundary)}, {int(ot.boundary)})")

# %% [markdown]
# For the x-averaged problem the same searches are
#
# ```python
# p, r = problem_of(1e4), KnobReward(10.0)
# optimize.optimal_k_averaged(p, r, temperature=2 * SIGMA2 * 10.0)   # Optimum(argmin, value, boundary)
# optimize.optimal_temperature_averaged(p, r, k=10.0)
# optimize.optimal_knob_averaged(p, k=16.0, temperature=2 * SIGMA2 * 10.0)
# ```
#
# (`boundary` = +1 means k* = ∞: δ keeps decreasing; −1 means the lower end, e.g. T* = 0).
# They take ~1 s per point after a one-off compilation; `paper_repro.py --only phase_diagram`
# uses them on a grid.

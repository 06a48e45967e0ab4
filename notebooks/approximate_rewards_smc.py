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
# # Approximate rewards and Sequential Monte Carlo
#
# A reasoning process of T steps with base model p and terminal reward r ≥ 0; the target is
# π ∝ p·r. A process reward model V_t approximates the value E_p[r | s_{1:t}]. Zhu & Lu ("On
# the Power of (Approximate) Reward Models for Inference-Time Scaling: Sequential Monte Carlo
# and Beyond", arXiv 2602.01381) show that what matters is the multiplicative Bellman error ε:
# with ε ≤ c/T, SMC needs N = O(T) particles (polynomial work), while a constant ε, best-of-N
# or rejection from p cost exponentially in T. Everything below is exact on small trees.

# %%
import jax
import matplotlib.pyplot as plt
import numpy as np

from solvable import smc
from solvable import style

key = jax.random.key(0)

# %% [markdown]
# ## Bellman error of a value model
#
# Product model: binary uniform base model, reward r^{#ones}. The naive value V_t = r^{#ones}
# has ε = (r − 1)/2; normalising by ((1 + r)/2)^t gives the exact value (ε = 0); tilting the
# exact value by log(1 + c/T) gives ε ≈ c/T.

# %%
T, r = 6, 3.0
naive = smc.product_model(T, r)
exact = smc.product_model(T, r, normalized=True)
for name, model, values in [
    ("naive V = r^#ones", naive, None),
    ("exact V*", exact, None),
    ("tilted, ε ≈ 1/T", exact, smc.tilted_values(exact, np.log1p(1.0 / T))),
    ("tilted, ε ≈ 0.5", exact, smc.tilted_values(exact, np.log1p(0.5))),
]:
    be = smc.bellman_error(model, values)
    print(f"{name:20s} ε = {float(be.epsilon):.4f}   L = {float(be.ratio_bound):.3f}")

# %% [markdown]
# ## Bounds
#
# Particles sufficient for TV ≤ δ_TV: N = L⁶ T (1 + ε)^{6(T−1)}/(2δ_TV); with ε = c/T this is
# at most L⁶ e^{6c} T/(2δ_TV).

# %%
for TT in (4, 16, 64):
    print(f"T = {TT:3d}:  ε = 1/T: N ≤ {smc.smc_particle_bound(TT, 1 / TT, 3.0, 0.1):10.3g}"
          f"   ε = 0.5: N ≤ {smc.smc_particle_bound(TT, 0.5, 3.0, 0.1):10.3g}"
          f"   lower bound (1+ε)^(2T/3) at ε = 0.5: {smc.lower_bound_bellman(TT, 0.5):8.3g}")

# %% [markdown]
# ## Samplers on a small tree
#
# TV between π and the law of one SMC output, measured over many runs, as N grows (the bias
# of SMC is O(1/N)), and the single guided particle's exact TV against its bound 2tε.

# %%
values = smc.tilted_values(exact, np.log1p(0.5))
fit = smc.bias_decay(key, exact, values, ns=(2, 4, 8), n_runs=300)
print("N:", fit.n, " TV:", np.round(fit.tv, 4), f" slope {fit.slope:.2f} ± {fit.slope_stderr:.2f}")
g = smc.guided_tv_curve(exact, values)

with plt.rc_context(style.rc()):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    a1.errorbar(fit.n, fit.tv, fit.stderr, color=style.color(0), marker="o", capsize=2,
                label="SMC (measured)")
    a1.loglog(fit.n, fit.tv[0] * fit.n[0] / fit.n, color="black", linestyle=":",
              label=r"$\propto 1/N$")
    a1.set(xlabel="particles N", ylabel="TV(law of output, π)", title="SMC bias")
    a1.legend()
    a2.plot(g["t"], g["tv"], color=style.color(1), marker="o", label="guided: exact TV")
    a2.plot(g["t"], np.minimum(g["bound"], 1), color=style.color(1), linestyle=":",
            label=r"bound $2t\varepsilon$")
    a2.set(xlabel="step t", ylabel="TV", title=f"guided sampler, ε = {float(g['epsilon']):.3f}")
    a2.legend()
    plt.show()

# %% [markdown]
# ## The scaling experiment
#
# Particles needed against T for ε = c/T, constant ε and rejection from p (small sizes here;
# `paper_repro.py --only smc_particles` draws the full figure).

# %%
rows = smc.scaling_table(key, Ts=(2, 4), n_runs=300, n_max=64)
print(smc.format_table(rows, ["T", "eps_poly", "N_poly", "bound_poly", "eps_const", "N_const",
                              "bound_const", "N_rejection"]))

# %% [markdown]
# ## Search against sampling (docs/theory.md §9)
#
# A decoy tree: a few correct leaves (r = 1), a few decoys (wrong answers with partial credit
# r_d = 0.2) and a small floor elsewhere. The PRM `decoy_prm` has Bellman error exactly ε and
# its errors favour the decoys along their whole paths (ε = 0 is the exact value V*). Above
# (1+ε)² r_d = 1 even the outcome score ranks decoys first: mode-seeking methods (beam
# search, argmax answers) then return decoys, while a sampler's answers follow p·V_T. Every
# method gets the same budget in generated steps (`paper_repro.py --only search_vs_sampling`
# draws the full comparison).

# %%
from solvable.smc import search

tree, correct, decoy = search.decoy_tree(jax.random.key(4), 6, 2, r_decoy=0.2)
print(f"π(correct) = {smc.target_law(tree)[correct].sum():.3f}, "
      f"p(correct) = {smc.base_law(tree)[correct].sum():.4f}")
prms = {e: search.decoy_prm(tree, correct, decoy, e) for e in (0.0, 0.5, 1.5)}
res = search.compare_search(key, tree, correct, prms, [96], n_runs=100,
                            options={"beam": {"n_children": 2},
                                     "dvts": {"width": 2, "n_children": 2}})
for method in search.METHODS:
    accs = ", ".join(f"ε = {e:g}: {a:.2f}" for e, a in zip(prms, res["accuracy"][method][:, 0]))
    print(f"{method:>16}  P(correct) {accs}")

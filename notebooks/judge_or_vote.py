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
# # Judge or vote?
#
# Grade each answer right or wrong (|y − μ_T| < h) and aggregate k answers either with a
# judge (best-of-k under the reward −(y − μ_R)²) or with a plurality vote over the answers
# (self-consistency). In the solvable model (docs/theory.md §6) both accuracies are exact,
# and their k → ∞ limits are simple: the judge converges to 1{|μ_R − μ_T| < h}, the vote to
# 1{the predictive mean's answer is right}. With the knob reward Δ_R = (1 + c)Δ_T, averaged
# over inputs, the judge wins in the limit iff |c| < 1. At finite k the judge's fast start
# can still beat a vote that will overtake it later: this notebook finds where.

# %%
import matplotlib.pyplot as plt
import numpy as np

from solvable import KnobReward, Problem, generalization_accuracy, selection_accuracy
from solvable.asymptotics import (accuracy_large_k_limit_averaged, judge_vote_crossover,
                                  majority_vote_rate)

problem = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
h = 5e-5   # tolerance: h/s̄ ≈ 0.5

# %% [markdown]
# ## One input
#
# The predictive N(m, s²) with m 0.3 s from the right answer, a judge that prefers answers
# 0.9 s away on the other side. The vote's error falls like e^{−k·rate} with the Chernoff rate
# −log(1 − (√q_0 − √q_1)²) of the race between the two most likely answers.

# %%
ks = np.array([1, 2, 3, 4, 6, 8, 12, 16, 24, 32])
point = dict(mean=0.3, std=1.0, teacher=0.0, tolerance=0.5)
judge = np.asarray(selection_accuracy(ks, 0.0, reward=-0.6, **point))
vote = np.asarray(selection_accuracy(ks, 0.0, rule="majority", **point))
print("k      judge   vote")
for k, j, v in zip(ks, judge, vote):
    print(f"{k:<6d} {j:.4f}  {v:.4f}")
print("vote's Chernoff rate per answer:", round(majority_vote_rate(**point), 4))

# %% [markdown]
# ## Averaged over inputs: where the vote overtakes the judge
#
# The vote's accuracy does not depend on the judge, so one curve serves every knob c; the
# judge's curve (best-of-k) is cheap. The crossover moves to smaller k as the judge's
# misalignment c grows; for |c| < 1 there is none.

# %%
ks = np.array([1, 2, 4, 8, 16, 32, 64])
vote = np.array([generalization_accuracy(problem, KnobReward(0.0), k, 0.0, tolerance=h,
                                         rule="majority", nodes=4) for k in ks])
knobs = (0.5, 1.5, 2.0, 3.0)
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
ax.plot(ks, vote, "k-", lw=2, label="plurality vote")
for c in knobs:
    judge = np.array([generalization_accuracy(problem, KnobReward(c), k, 0.0, tolerance=h)
                      for k in ks])
    cross = judge_vote_crossover(ks, judge, vote)
    line, = ax.plot(ks, judge, "-", label=f"judge, c = {c:g} (crossover k ≈ {cross:.0f})"
                    if np.isfinite(cross) else f"judge, c = {c:g} (no crossover at k ≤ 64)")
    lim = float(accuracy_large_k_limit_averaged(problem, KnobReward(c), 0.0, tolerance=h))
    ax.axhline(lim, color=line.get_color(), ls="--", lw=1)
ax.axhline(float(accuracy_large_k_limit_averaged(problem, KnobReward(0.0), 0.0, tolerance=h,
                                                 rule="majority")), color="k", ls="--", lw=1)
ax.set_xscale("log", base=2)
ax.set_xlabel("number of answers k")
ax.set_ylabel("accuracy (exact DE; dashed: k → ∞)")
ax.legend(fontsize=7)

# k → ∞ limits against the knob: the judge wins iff |c| < 1
cs = np.linspace(-3, 3, 241)
lim_j = [float(accuracy_large_k_limit_averaged(problem, KnobReward(c), 0.0, tolerance=h))
         for c in cs]
lim_v = float(accuracy_large_k_limit_averaged(problem, KnobReward(0.0), 0.0, tolerance=h,
                                              rule="majority"))
ax2.plot(cs, lim_j, label="judge (best-of-k), k → ∞")
ax2.axhline(lim_v, color="k", label="plurality vote, k → ∞")
ax2.axvspan(-1, 1, color="0.9", label="|c| < 1: judge wins")
ax2.set_xlabel("judge's knob c (Δ_R = (1 + c) Δ_T)")
ax2.set_ylabel("accuracy in the limit")
ax2.legend(fontsize=7)
plt.show()

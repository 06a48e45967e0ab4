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
# # Generate or verify? Splitting a budget between samples and judge calls
#
# You can spend inference compute on more candidate answers (k) or on more judging (m calls
# of a verifier per candidate, a panel of judges, more unit tests). This notebook answers
# "for my budget and my costs, what split, and what accuracy?" twice: in the Gaussian model,
# where a judge call misreads the right answer by a random amount shared by the candidates
# it scores (docs/theory.md §10), and on a real pool, the CodeT HumanEval programs judged by
# the model's own unit tests (Chen et al., arXiv 2207.10397, MIT license).
#
# The cost model is that of Singhi et al. (arXiv 2504.01005): a sample costs 1, a judge call
# on one candidate costs λ, so k candidates with m calls each cost k(1 + λm); the plurality
# vote needs no judge and costs k.

# %%
import matplotlib.pyplot as plt
import numpy as np

from solvable import pools
from solvable import style
from solvable.asymptotics import split_asymptote
from solvable.budget import compute_cost, optimal_split
from solvable.judge import Judge

# your numbers: budgets (in samples), the cost of a call, and the judge's noise per call
budgets = [2, 4, 8, 16, 32, 64, 128, 256, 512]
call_cost = 0.5          # λ: a call costs half a sample
judge = Judge(call_noise=1.0, floor=0.0)    # τ = one predictive s.d. per call, no floor

# %% [markdown]
# ## In the model
#
# One question: the model's answers scatter as N(m, s²) with m − μ_T = 0.7 s, so the most
# common answer is wrong (the vote is biased), while the judge prefers μ_R = μ_T + 0.1 s,
# which is right (tolerance h = 0.5 s), but each call misreads it by N(0, τ²). The judge's
# m calls average to one judge whose centre is off by N(0, τ²/m).

# %%
point = dict(mean=0.7, std=1.0, teacher=0.0, reward=0.1)
# temperatures=(0.0, 0.2, ...) also searches softmax judges (slower: the softmax accuracy
# costs more per point than best-of-k)
split = optimal_split(budgets, tolerance=0.5, judge=judge, call_cost=call_cost, **point)
print(" budget   rule        k    m   accuracy   best vote")
for b, k, m, t, v, vote in zip(split.budget, split.k, split.calls, split.temperature,
                               split.value, split.vote_value):
    rule = "vote" if m == 0 else f"judge T={t:g}"
    print(f"{b:7g}   {rule:10s} {k:3g}  {m:3g}   {v:.4f}     {vote:.4f}")
print(f"judging beats the vote from budget {split.crossover:g} on; ceilings: judge "
      f"{split.judge_ceiling:.3f}, vote {split.vote_ceiling:.3f}")

# %%
with plt.rc_context(style.rc()):
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    ks = split.ks
    ax.plot(ks, split.vote_table, color=style.color("black"), label="plurality vote")
    for i, m in enumerate((1, 4, 16)):
        j = np.flatnonzero(split.calls_grid == m)
        if j.size:
            ax.plot(compute_cost(ks, m, call_cost), split.table[0, :, j[0]],
                    color=style.color(i), label=f"judge, m = {m}")
    style.line(ax, split.budget, split.value, "optimum", c=style.color("black"),
               label="compute-optimal")
    ax.set_xscale("log")
    ax.set_xlabel(f"budget k(1 + λm), λ = {call_cost}")
    ax.set_ylabel("accuracy (exact)")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    plt.show()

# %% [markdown]
# ## Large budgets: how k and m grow
#
# For the squared error of best-of-k the split follows a power law (derived in
# docs/theory.md §10 and checked against the exact optimum in the tests): k* ∝ B^{1/3} and
# m* ∝ B^{2/3} when a call scores one candidate; k* ∝ B^{2/3} and m* ∝ B when one call
# scores the whole set.

# %%
for scope in ("candidate", "set"):
    asym = split_asymptote([1e3, 1e4, 1e5], call_noise=1.0, call_cost=call_cost,
                           call_scope=scope, **point)
    print(f"calls per {scope:9s}: k* = {np.round(asym.k, 1)}, m* = {np.round(asym.calls, 1)}"
          f"  (exponents {asym.k_exponent:.3f}, {asym.calls_exponent:.3f})")

# %% [markdown]
# ## On a real pool: programs and their model-written tests
#
# 155 HumanEval problems (those with at least one generated test) × 100 programs of
# CodeGen-Mono-16B; each program's score over m tests is the fraction of them it passes. The
# tests are written by the same model, and many are wrong. The same m tests run on every
# program (shared calls); running one test on one program is taken to cost λ = 0.1 of a
# sample, so k programs and m tests cost k(1 + 0.1 m). With `call_scope="set"` a test would
# cost λ once for all programs (writing it dominates).

# %%
codet = pools.codet_humaneval()
alloc = pools.allocate(codet, budgets, call_cost=0.1, ks=[1, 2, 3, 5, 10, 20, 50, 100],
                       calls=[1, 2, 5, 10, 20, 50], n_call_subsets=32, max_call_subsets=32)
print(" budget   rule         k    m   solved          vote    judge - vote")
for b, r, k, m, v, se, vote, adv, adv_se in zip(alloc.budget, alloc.rule, alloc.k,
                                                  alloc.calls, alloc.mean, alloc.stderr,
                                                  alloc.vote_mean, alloc.advantage,
                                                  alloc.advantage_stderr):
    print(f"{b:7g}   {r:10s} {k:3g}  {m:3g}   {v:.3f} ± {se:.3f}   {vote:.3f}   "
          f"{adv:+.3f} ± {adv_se:.3f}")

# %% [markdown]
# Reading it: judging by generated tests beats the plurality vote over pass sets from small
# budgets on, but the best k is small (about 5): with more programs, the wrong tests'
# favourites win more often. That is the model's misaligned judge (a floor that more calls
# cannot remove) seen in real data: the figure `judge_scaling` shows the curves.

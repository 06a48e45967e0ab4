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
# # Your pool: selection curves from your own judged samples
#
# You sampled n answers per question from a model and scored each with a judge or reward
# model. This notebook turns that table into the curves the theory talks about: the accuracy
# of best-of-k, softmax selection at temperature T, majority vote and judge-weighted vote,
# against k, with standard errors over questions, and the best k and T with their
# uncertainty.
#
# The curves are **exact**: for a fresh draw of k answers, the accuracy averaged over all
# C(n, k) subsets of your pool (the unbiased estimate for the model that produced it; see
# docs/theory.md §7). No Monte Carlo is involved except for the weighted vote at large n,
# where the result says so (`exact` is False and `mc_stderr` gives the error).
#
# The example table is built from the shipped RewardMATH data (Kim et al., arXiv 2410.01729,
# MIT license): 483 MATH problems, 10 candidate solutions each, exactly one correct, scored by
# a classifier reward model. Replace the table with yours: one row per sample with columns
# `question`, `score`, `correct` and (optionally) `answer`.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from solvable import pools
from solvable import style

judge = pools.rewardmath("internlm2")
rows = ["question,score,correct,answer"]
for q in range(judge.num_questions):
    for i in range(10):
        # the data have no extracted answers: for the demo, label correct solutions "right"
        # and give each wrong solution a label of its own ("w<i>"); your table has real ones
        label = "right" if judge.correct[q, i] else f"w{i}"
        rows.append(f"{q},{judge.scores[q, i]},{int(judge.correct[q, i])},{label}")
table = Path(tempfile.mkdtemp()) / "my_samples.csv"
table.write_text("\n".join(rows) + "\n")

pool = pools.Pool.from_table(table)
pool

# %% [markdown]
# ## Every curve
#
# `selection_curve(pool, rule, ks)` returns the mean accuracy, its standard error over
# questions and the per-question values. Temperatures are in the judge's score units.

# %%
ks = np.arange(1, 11)
scale = float(np.std(pool.scores))
curves = {
    "pass@k (oracle)": pools.selection_curve(pool, "pass", ks),
    "best-of-k": pools.selection_curve(pool, "best_of_k", ks),
    f"softmax, T = {scale:.2f}": pools.selection_curve(pool, "softmax", ks, temperature=scale),
    "majority vote": pools.selection_curve(pool, "majority", ks),
    f"weighted vote, T = {scale:.2f}": pools.selection_curve(pool, "weighted_vote", ks,
                                                             temperature=scale),
}
with plt.rc_context(style.rc()):
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for i, (name, c) in enumerate(curves.items()):
        style.errorbar(ax, ks, c.mean, c.stderr, c=style.color(i), label=name,
                       **style.KIND_STYLE["data"])
    ax.set_xlabel("number of samples k")
    ax.set_ylabel("accuracy (fraction of questions)")
    ax.set_title("exact curves of the pool (±1 s.e. over questions)")
    ax.legend(fontsize=7)
    plt.show()
for name, c in curves.items():
    print(f"{name:>24}: k=1 {c.mean[0]:.3f}  k=10 {c.mean[-1]:.3f} ± {c.stderr[-1]:.3f}"
          f"  exact: {bool(c.exact.all())}")

# %% [markdown]
# ## How to read them
#
# * All rules start at the pass rate at k = 1 (here 0.1: one correct candidate in ten).
# * pass@k is what a perfect judge would reach; the gap to best-of-k is the judge's error.
# * A judge whose best-of-k curve rises is aligned with correctness; a flat or falling curve
#   means that the judge prefers wrong answers at the top of its scale (see the figure
#   `real_judges`: 3 of the 22 RewardMATH judges fall below a random pick at k = 10).
# * Here every candidate has its own label, so every vote is a k-way tie broken uniformly:
#   the majority vote stays at 0.1, and the weighted vote (each label's tally is one weight)
#   keeps the top-scoring answer at every T: it equals best-of-k.
#   On real samples right answers agree while wrong ones scatter, and the vote rises.
#
# ## The best k and T, with uncertainty
#
# `best_k` scans a grid of k and T; the bootstrap share says how often resampled questions
# pick the same point, and `plausible` lists the points the data cannot tell apart from it.

# %%
best = pools.best_k(pool, "softmax", ks, temperatures=[0.0, 0.1 * scale, 0.3 * scale, scale],
                    n_boot=300)
print(f"best: k = {best.k}, T = {best.temperature:.3f}, accuracy {best.mean:.3f} "
      f"± {best.stderr:.3f}; chosen by {100 * best.bootstrap_share:.0f}% of bootstrap "
      f"resamples; {len(best.plausible)} grid points within 1.96 paired s.e.")

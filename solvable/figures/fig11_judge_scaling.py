"""Figure 11: scaling the judge — repeated calls, panels, and the split of a budget between
generating and judging (docs/theory.md §10)."""

from __future__ import annotations

import numpy as np

from .. import pools
from .. import style
from ..budget import compute_cost, optimal_split
from ..judge import Judge
from ._common import by_size

# one input of the Gaussian model where the plurality vote is biased (|m − μ_T| > h) and the
# judge's preferred answer is right but each call misreads it (τ = 1, in units of s)
MODEL = dict(mean=0.7, std=1.0, teacher=0.0, reward=0.1)
TOLERANCE = 0.5
CALL_NOISE = 1.0
CALL_COST = 1.0
MODEL_CALLS = (1, 4, 16)


def _model_panel(ax, size):
    """Accuracy against budget k(1 + λm): the vote, judges with m = 1, 4, 16 calls, the exact
    compute-optimal frontier and the crossover."""
    k_max = by_size(size, 32, 256, 1024)
    ks = np.unique(np.round(np.geomspace(1, k_max, by_size(size, 8, 22, 36))).astype(int))
    calls = np.unique(np.round(np.geomspace(1, 64, by_size(size, 5, 12, 20))).astype(int))
    calls = np.union1d(calls, MODEL_CALLS)
    budgets = np.unique(np.round(np.geomspace(1, k_max * 8, by_size(size, 10, 30, 50))))
    split = optimal_split(budgets, tolerance=TOLERANCE, judge=Judge(call_noise=CALL_NOISE),
                          call_cost=CALL_COST, ks=ks, calls=calls, **MODEL)
    parts = []
    ax.plot(ks, split.vote_table, color=style.color("black"), linewidth=1.3,
            label="plurality vote (m = 0)")
    parts.append(dict(panel="model", curve="vote", calls=0, k=ks, budget=ks.astype(float),
                      accuracy=split.vote_table))
    for i, m in enumerate(MODEL_CALLS):
        j = int(np.flatnonzero(split.calls_grid == m)[0])
        cost = compute_cost(ks, m, CALL_COST)
        ax.plot(cost, split.table[0, :, j], color=style.color(i), linewidth=1.3,
                label=f"judge, m = {m} calls")
        parts.append(dict(panel="model", curve=f"judge m={m}", calls=m, k=ks, budget=cost,
                          accuracy=split.table[0, :, j]))
    ok = np.isfinite(split.value)
    style.line(ax, split.budget[ok], split.value[ok], "optimum", c=style.color("black"),
               label="compute-optimal (k, m)")
    parts.append(dict(panel="model", curve="optimal", calls=split.calls[ok], k=split.k[ok],
                      budget=split.budget[ok], accuracy=split.value[ok]))
    if np.isfinite(split.crossover):
        ax.axvline(split.crossover, color="#777777", linewidth=0.8, linestyle=":")
        ax.text(split.crossover * 1.1, 0.05, f"crossover\nB = {split.crossover:g}",
                fontsize=6.5, color="#555555")
    ax.set_xscale("log")
    ax.set_xlabel("budget B = k(1 + λm)  (samples; λ = 1)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_title("model: vote against a noisy judge", fontsize=8.5)
    ax.legend(loc="lower right", fontsize=6.3, title="exact", title_fontsize=6.5)
    return parts, split


def _codet_panels(ax_k, ax_b, size):
    """CodeT HumanEval: best-of-k by the fraction of m generated tests passed, against k; the
    compute-optimal split of a budget between programs and tests."""
    pool = pools.codet_humaneval()
    ks = np.array(by_size(size, (1, 2, 5, 10), (1, 2, 3, 5, 10, 20, 30, 50, 100),
                          (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100)))
    calls = np.array(by_size(size, (1, 5), (1, 2, 5, 10, 20, 50), (1, 2, 3, 5, 10, 20, 50, 100)))
    n_sub = by_size(size, 16, 64, 256)
    # a test costs λ per program it runs on; a generated test is shared by all k programs
    budgets = np.unique(np.round(np.geomspace(1, 400, by_size(size, 6, 16, 24))))
    split = pools.allocate(pool, budgets, call_cost=0.1, call_scope="candidate", ks=ks,
                           calls=calls, n_call_subsets=n_sub, max_call_subsets=n_sub)
    parts = []
    values = split.values.mean(axis=1)
    for i, m in enumerate(calls):
        sel = [j for j, (r, _, mm) in enumerate(split.settings) if r == "best_of_k" and mm == m]
        ax_k.plot(ks, values[sel], color=style.color(i), marker="o", markersize=2.5,
                  linewidth=1.2, label=f"best-of-k, m = {m} tests")
        parts.append(dict(panel="codet_k", curve=f"best_of_k m={m}", calls=m, k=ks,
                          budget=np.nan, accuracy=values[sel]))
    vote = [j for j, (r, _, _) in enumerate(split.settings) if r == "majority"]
    ax_k.plot(ks, values[vote], color=style.color("black"), linewidth=1.2, linestyle="--",
              label="plurality of pass sets")
    passk = pools.selection_curve(pool, "pass", ks)
    ax_k.plot(ks, passk.mean, color="#999999", linewidth=1.0, linestyle=":",
              label="pass@k (oracle)")
    parts.append(dict(panel="codet_k", curve="vote", calls=0, k=ks, budget=np.nan,
                      accuracy=values[vote]))
    parts.append(dict(panel="codet_k", curve="pass@k", calls=0, k=ks, budget=np.nan,
                      accuracy=passk.mean))
    ax_k.set_xscale("log")
    ax_k.set_xlabel("programs k")
    ax_k.set_ylabel("fraction of problems solved")
    ax_k.set_title("CodeT HumanEval: tests as judge calls", fontsize=8.5)
    ax_k.legend(loc="upper left", fontsize=5.8, title_fontsize=6,
                title=f"data: exact over program subsets,\n{n_sub} random test subsets")
    ok = np.isfinite(split.mean)
    style.errorbar(ax_b, split.budget[ok], split.mean[ok], split.stderr[ok],
                   c=style.color("blue"), label="compute-optimal (k, m)",
                   **style.KIND_STYLE["data"])
    ax_b.plot(split.budget[ok], split.vote_mean[ok], color=style.color("black"),
              linestyle="--", linewidth=1.2, label="best plurality vote")
    for b, k, m, y in zip(split.budget[ok], split.k[ok], split.calls[ok], split.mean[ok]):
        if b in budgets[:: max(1, len(budgets) // 6)]:
            ax_b.annotate(f"k={k:g}\nm={m:g}", (b, y), xytext=(0, 6), textcoords="offset points",
                          fontsize=5.2, ha="center")
    parts.append(dict(panel="codet_budget", curve="optimal", calls=split.calls[ok],
                      k=split.k[ok], budget=split.budget[ok], accuracy=split.mean[ok],
                      stderr=split.stderr[ok]))
    parts.append(dict(panel="codet_budget", curve="vote", calls=0, k=np.nan,
                      budget=split.budget[ok], accuracy=split.vote_mean[ok]))
    ax_b.set_xscale("log")
    ax_b.set_xlabel("budget B = k(1 + λm)  (programs; λ = 0.1)")
    ax_b.set_ylabel("fraction of problems solved")
    ax_b.set_title("CodeT: split of a budget", fontsize=8.5)
    ax_b.legend(loc="lower right", fontsize=6.3)
    return parts, split, pool


def _panel_of_judges(ax, size):
    """RewardMATH: best-of-k with a random panel of m of the 22 judges (standardised scores
    averaged), against m."""
    panel = pools.rewardmath_panel()
    ms = np.array(by_size(size, (1, 3, 22), (1, 2, 3, 4, 6, 8, 11, 16, 22),
                          (1, 2, 3, 4, 5, 6, 8, 10, 11, 13, 16, 19, 22)))
    n_sub = by_size(size, 16, 128, 512)
    parts = []
    for i, k in enumerate((2, 5, 10)):
        acc, err = [], []
        for m in ms:
            c = pools.selection_curve(panel, "best_of_k", [k], calls=int(m),
                                      max_call_subsets=n_sub, n_call_subsets=n_sub)
            acc.append(c.mean[0])
            err.append(c.stderr[0])
        style.errorbar(ax, ms, acc, err, c=style.color(i), label=f"k = {k}",
                       **style.KIND_STYLE["data"])
        parts.append(dict(panel="rewardmath_panel", curve=f"best_of_k k={k}", calls=ms, k=k,
                          budget=np.nan, accuracy=np.array(acc), stderr=np.array(err)))
    ax.set_xlabel("judges in the panel m (of 22)")
    ax.set_ylabel("accuracy")
    ax.set_title("RewardMATH: a panel of judges", fontsize=8.5)
    ax.legend(loc="upper left", fontsize=6.3, title="data (±1 s.e.)", title_fontsize=6.5)
    return parts


@style.styled
def judge_scaling(size: str = "quick", seed: int = 0):
    """Scaling the judge: the model's accuracy against budget for the plurality vote and
    judges of m calls with the compute-optimal frontier; the CodeT pool's best-of-k against k
    for several numbers of generated tests and its compute-optimal split; a RewardMATH panel.

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        Grid sizes and the number of random test subsets where they are not enumerated.
    seed : int
        Seed of the random call subsets (pools).

    Returns
    -------
    FigureOutput

    Examples
    --------
    >>> from solvable.figures import FIGURES
    >>> FIGURES["judge_scaling"].__name__
    'judge_scaling'
    """
    style.check_size(size)
    fig, axes = style.figure(4, width=3.3, height=3.3)
    parts, split = _model_panel(axes[0], size)
    codet_parts, codet, pool = _codet_panels(axes[1], axes[2], size)
    parts += codet_parts
    parts += _panel_of_judges(axes[3], size)
    style.size_note(fig, "model: one input, m − μ_T = 0.7 s, μ_R − μ_T = 0.1 s, h = 0.5 s, "
                         "τ = s per call; CodeT: Chen et al. arXiv 2207.10397 (MIT), "
                         "155 problems with generated tests; RewardMATH: Kim et al. arXiv "
                         "2410.01729 (MIT)")
    columns = style.long_table(parts)
    best = int(np.nanargmax(codet.mean))
    params = dict(model=dict(MODEL, tolerance=TOLERANCE, call_noise=CALL_NOISE,
                             call_cost=CALL_COST), crossover=float(split.crossover),
                  codet_questions=pool.num_questions, seed=seed, size=size)
    notes = (f"model crossover at B = {split.crossover:g}; CodeT best at B = "
             f"{codet.budget[best]:g}: k = {codet.k[best]:g}, m = {codet.calls[best]:g}, "
             f"{codet.mean[best]:.3f}")
    return style.FigureOutput(fig, columns, params, notes)

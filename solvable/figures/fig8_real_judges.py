"""Figure 8: selection curves of 22 real judges on MATH solutions (RewardMATH pools)."""

from __future__ import annotations

import numpy as np

from .. import pools
from .. import style
from ._common import by_size

# which judges are LLM judges, classifier reward models, process reward models
_KINDS = {
    "LLM judge": ("chatgpt", "gpt4", "gpt4o", "opus", "sonnet-3-5", "llama3_8B", "llama3_70B",
                  "prometheus_7B", "prometheus_8x7B"),
    "process RM (min of steps)": ("Easy_to_hard", "Math_Shepherd", "ReasonEval_7B",
                                  "ReasonEval_34B"),
}
_KIND_COLOR = {"LLM judge": "orange", "classifier RM": "blue",
               "process RM (min of steps)": "green"}


def _spread(y, gap):
    """Label heights near `y` (sorted ascending) at least `gap` apart."""
    out = list(y)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    shift = (np.mean(out) - np.mean(y))          # re-centre on the curves' ends
    return [v - shift for v in out]


def judge_kind(judge: str) -> str:
    for kind, names in _KINDS.items():
        if judge in names:
            return kind
    return "classifier RM"


def classify(curve) -> tuple:
    """'rising', 'falling' or 'flat': the paired change from k = 1 to the last k, in standard
    errors over questions (|z| > 2 counts)."""
    diff = curve.per_question[:, -1] - curve.per_question[:, 0]
    se = diff.std(ddof=1) / np.sqrt(diff.size)
    z = diff.mean() / se if se > 0 else 0.0
    return ("rising" if z > 2 else "falling" if z < -2 else "flat"), float(z)


@style.styled
def real_judges(size: str = "quick", seed: int = 0, *, aggregate: str = "min",
                temperature_judges=("internlm2", "gpt4o", "Math_Shepherd", "grm_gemma")):
    """Best-of-k and softmax accuracy of 22 real judges against k, and against T at k = 10.

    Pools of RewardMATH (Kim et al., arXiv 2410.01729): 483 MATH problems, 10 candidate
    solutions each, one of them correct, scored by every judge. Curves are exact averages over
    all k-subsets of the 10 (`solvable.pools.selection_curve`, without replacement), with
    ±1 standard error over problems. Left: judges whose best-of-k accuracy rises with k
    (aligned); middle: flat or falling (misaligned; below the 0.1 of a random pick at k = 10
    when falling). Right: softmax selection at k = 10 against the temperature in units of
    each judge's score standard deviation (T = 0 is best-of-k, T = ∞ a random pick).

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        Number of temperatures of the right panel (5, 13, 25); the curves are exact at every
        size.
    seed : int
        Unused (nothing is random); kept for the common figure signature.
    aggregate : {"min", "last", "product", "mean"}
        Aggregation of the process reward models' step scores.
    temperature_judges : sequence of str
        The judges of the right panel.

    Returns
    -------
    FigureOutput
        The figure, the plotted data (judge, kind, trend, panel, k, T/std, accuracy, stderr)
        and the parameters, with the lists of rising and falling judges.

    Examples
    --------
    >>> from solvable.figures import FIGURES
    >>> FIGURES["real_judges"].__name__
    'real_judges'
    """
    style.check_size(size)
    ks = np.arange(1, 11)
    n_temps = by_size(size, 5, 13, 25)
    rel_t = np.geomspace(0.03, 30.0, n_temps)
    judges = pools.REWARDMATH_JUDGES
    fig, axes = style.figure(3, width=3.5, height=3.4)
    parts = []
    groups = {"rising": [], "flat or falling": []}
    for judge in judges:
        pool = pools.rewardmath(judge, aggregate)
        curve = pools.selection_curve(pool, "best_of_k", ks)
        trend, z = classify(curve)
        groups["rising" if trend == "rising" else "flat or falling"].append(
            (judge, curve, trend, z))
        parts.append(dict(judge=judge, kind=judge_kind(judge), trend=trend, panel="best_of_k",
                          k=ks, temperature_over_score_std=0.0, accuracy=curve.mean,
                          stderr=curve.stderr))
    for ax, (group, members) in zip(axes[:2], groups.items()):
        members.sort(key=lambda m: m[1].mean[-1])
        ends = [m[1].mean[-1] for m in members]
        span = max(max(m[1].mean.max() for m in members), 0.1) - min(
            min(m[1].mean.min() for m in members), 0.1)
        for (judge, curve, trend, z), y in zip(members, _spread(ends, 0.034 * span)):
            col = style.color(_KIND_COLOR[judge_kind(judge)])
            style.errorbar(ax, ks, curve.mean, curve.stderr, c=col, **style.KIND_STYLE["data"])
            ax.annotate(judge, (ks[-1], curve.mean[-1]), xytext=(10.4, y), textcoords="data",
                        fontsize=5.5, va="center", color=col,
                        arrowprops=dict(arrowstyle="-", color=col, linewidth=0.4,
                                        shrinkA=0, shrinkB=2))
        ax.axhline(0.1, color="black", linewidth=0.8, linestyle=":")
        ax.set_xlim(0.5, 14.2)
        ax.set_xticks([1, 2, 4, 6, 8, 10])
        ax.set_xlabel("number of candidates k")
        ax.set_title(f"best-of-k: judges whose accuracy is {group}", fontsize=8.5)
    axes[0].set_ylabel("accuracy (fraction of problems)")
    axes[0].text(6.0, 0.097, "random pick (0.1)", fontsize=6.5, va="top")
    style.color_legend(axes[1], {k: style.color(c) for k, c in _KIND_COLOR.items()},
                       loc="lower left", title="data (±1 s.e.), exact")
    # right: softmax at k = 10 against T / std(scores)
    ax = axes[2]
    for i, judge in enumerate(temperature_judges):
        pool = pools.rewardmath(judge, aggregate)
        scale = float(np.std(pool.scores))
        acc, err = [], []
        for rt in rel_t:
            c = pools.selection_curve(pool, "softmax", [10], temperature=rt * scale)
            acc.append(c.mean[0])
            err.append(c.stderr[0])
        col = style.color(i)
        style.errorbar(ax, rel_t, acc, err, c=col, label=judge, **style.KIND_STYLE["data"])
        best0 = [g for g in groups.values() for m in g if m[0] == judge][0]
        b = [m for m in best0 if m[0] == judge][0][1]
        ax.plot([0.02], [b.mean[-1]], marker="<", color=col, linestyle="none")
        parts.append(dict(judge=judge, kind=judge_kind(judge), trend="", panel="softmax_k10",
                          k=10, temperature_over_score_std=rel_t, accuracy=np.array(acc),
                          stderr=np.array(err)))
    ax.axhline(0.1, color="black", linewidth=0.8, linestyle=":")
    ax.set_xscale("log")
    ax.set_xlabel("temperature T / std(judge scores)")
    ax.set_ylabel("accuracy at k = 10")
    ax.set_title("softmax selection at k = 10 (◂: T = 0)", fontsize=8.5)
    ax.legend(loc="upper right", fontsize=6.5)
    lo = min(min(p["accuracy"].min() for p in parts if p["panel"] == "best_of_k"), 0.1)
    for a in axes:
        a.set_ylim(max(0.0, lo - 0.03), None)
    style.size_note(fig, "exact over all k-subsets of 10 candidates (no Monte Carlo); "
                         f"483 problems; process RMs: {aggregate} of step scores; "
                         "data: RewardMATH, Kim et al. arXiv 2410.01729 (MIT)")
    rising = [m[0] for m in groups["rising"]]
    falling = [m[0] for m in groups["flat or falling"] if m[2] == "falling"]
    columns = style.long_table(parts)
    params = dict(data="RewardMATH (Kim et al., arXiv 2410.01729), 483 problems x 10 "
                       "candidates, candidate 0 correct", aggregate=aggregate,
                  ks=ks.tolist(), temperature_over_score_std=rel_t.tolist(),
                  temperature_judges=list(temperature_judges), rising=rising, falling=falling,
                  exact=True, seed=seed)
    top = max((m for g in groups.values() for m in g), key=lambda m: m[1].mean[-1])
    notes = (f"{len(rising)} judges rise with k, {len(falling)} fall "
             f"({', '.join(falling)}); best at k = 10: {top[0]} {top[1].mean[-1]:.3f}")
    return style.FigureOutput(fig, columns, params, notes)

"""Figure 12: forecasting large k from a pilot of 4 samples per question, on two real pools."""

from __future__ import annotations

import numpy as np
from scipy.special import betaln

from .. import pools, style
from ..pools import pilot as pilot_model
from ._common import by_size

_PILOT = 4
_RULES = ("pass", "best_of_k")
_RULE_LABEL = {"pass": "pass@k (oracle)", "best_of_k": "best-of-k"}


def _beta_binomial_pass(pilot: pools.Pool, ks) -> np.ndarray:
    """pass@k of the beta-binomial fit to the pilot's counts: 1 − B(α, β + k)/B(α, β)."""
    c = np.nansum(pilot.correct, axis=1)
    a, b = pilot_model.beta_binomial_fit(c, pilot.n.astype(float))
    ks = np.asarray(ks, dtype=np.float64)
    return 1.0 - np.exp(betaln(a, b + ks) - betaln(a, b))


@style.styled
def forecast(size: str = "quick", seed: int = 0):
    """Forecasts from a 4-sample pilot against the truth of the full pool, with baselines.

    Left: CodeT HumanEval (155 problems × 100 programs, scores = fraction of the model's own
    unit tests passed; `pools.codet_humaneval`), pilot = the first 4 programs of each
    problem, truth = the full pool's exact curve without replacement. Right: RewardMATH with
    the internlm2 judge (483 problems × 10 candidates, `pools.rewardmath`), pilot = 4 draws
    with replacement from each problem's candidates, truth = the exact curve with replacement.
    For pass@k and best-of-k: the pilot's exact curve (k ≤ 4), the forecast of
    `pools.forecast` with its 90 % interval, and two baselines, the pilot's value at k = 4
    carried forward and the beta-binomial pass@k (Kazdan et al., arXiv 2510.05197).

    Parameters
    ----------
    size : {"tiny", "quick", "full"}
        Bootstrap resamples of the forecast's interval (5, 50, 200).
    seed : int
        Seed of the bootstrap and of the RewardMATH pilot's draws.

    Returns
    -------
    FigureOutput
        The figure, the plotted data (pool, rule, curve, k, accuracy, lower, upper) and the
        parameters, with the forecast's errors at k = 16.

    Examples
    --------
    >>> from solvable.figures import FIGURES
    >>> FIGURES["forecast"].__name__
    'forecast'
    """
    style.check_size(size)
    n_boot = by_size(size, 5, 50, 200)
    ks = np.array([4, 8, 16, 32, 64, 100])
    rng = np.random.default_rng(seed)
    codet = pools.codet_humaneval()
    judge = pools.rewardmath("internlm2")
    draw = rng.integers(0, judge.scores.shape[1], size=(judge.num_questions, _PILOT))
    rows = np.arange(judge.num_questions)[:, None]
    cases = [
        ("CodeT HumanEval", codet, False,
         pools.Pool(codet.scores[:, :_PILOT], codet.correct[:, :_PILOT])),
        ("RewardMATH, internlm2", judge, True,
         pools.Pool(judge.scores[rows, draw], judge.correct[rows, draw])),
    ]
    fig, axes = style.figure(2, width=3.9, height=3.3)
    parts, errors = [], {}
    for ax, (name, pool, replacement, pilot) in zip(axes, cases):
        f = pools.forecast(pilot, ks, _RULES, n_boot=n_boot, seed=seed)
        pk = np.arange(1, _PILOT + 1)
        for i, rule in enumerate(_RULES):
            col = style.color(i)
            truth = pools.selection_curve(pool, rule, ks, replacement=replacement)
            own = pools.selection_curve(pilot, rule, pk)
            carry = np.full(ks.size, own.mean[-1])
            style.errorbar(ax, pk, own.mean, own.stderr, c=col, marker="s", markersize=3.0,
                           markerfacecolor="white")
            style.line(ax, ks, truth.mean, "exact", c=col)
            ax.fill_between(ks, f.lower[i], f.upper[i], color=col, alpha=0.16, linewidth=0)
            style.line(ax, ks, f.point[i], "bound", c=col, marker="o", markersize=3.0)
            style.line(ax, ks, carry, "expansion", c=col, linewidth=0.9)
            parts += [dict(pool=name, rule=rule, curve="pilot", k=pk, accuracy=own.mean,
                           lower=own.mean - own.stderr, upper=own.mean + own.stderr),
                      dict(pool=name, rule=rule, curve="truth", k=ks, accuracy=truth.mean,
                           lower=truth.mean - truth.stderr, upper=truth.mean + truth.stderr),
                      dict(pool=name, rule=rule, curve="forecast", k=ks, accuracy=f.point[i],
                           lower=f.lower[i], upper=f.upper[i]),
                      dict(pool=name, rule=rule, curve="carry forward", k=ks, accuracy=carry,
                           lower=carry, upper=carry)]
            if rule == "pass":
                bb = _beta_binomial_pass(pilot, ks)
                ax.plot(ks, bb, color=col, linestyle="-.", linewidth=0.9)
                parts.append(dict(pool=name, rule=rule, curve="beta-binomial", k=ks,
                                  accuracy=bb, lower=bb, upper=bb))
            j = int(np.flatnonzero(ks == 16)[0])
            errors[f"{name}: {rule}"] = round(float(f.point[i, j] - truth.mean[j]), 4)
        ax.set_xscale("log")
        ax.set_xticks([1, 2, 4, 8, 16, 32, 64, 100])
        ax.set_xticklabels(["1", "2", "4", "8", "16", "32", "64", "100"])
        ax.set_xlabel("k (answers drawn per question)")
        ax.set_title(f"{name}: pilot of {_PILOT} per question", fontsize=8.5)
        ax.set_ylim(0.0, 1.0)
    axes[0].set_ylabel("accuracy (fraction of questions)")
    style.color_legend(axes[0], {_RULE_LABEL[r]: style.color(i) for i, r in enumerate(_RULES)},
                       loc="upper left")
    from matplotlib.lines import Line2D

    kinds = [("pilot: exact (±1 s.e.)", dict(marker="s", markerfacecolor="white",
                                              linestyle="none")),
             ("truth: full pool, exact", dict(linestyle="-")),
             ("forecast (band: 90 % interval)", dict(linestyle=":", marker="o",
                                                     markersize=3.0)),
             ("baseline: k = 4 carried forward", dict(linestyle="--")),
             ("baseline: beta-binomial pass@k", dict(linestyle="-."))]
    axes[1].legend([Line2D([], [], color="black", **kw) for _, kw in kinds],
                   [label for label, _ in kinds], loc="upper left", fontsize=6.5)
    style.size_note(fig, f"forecast: pools.forecast, {n_boot} bootstrap resamples; "
                         "data: CodeT (Chen et al., arXiv 2207.10397), RewardMATH (Kim et al., "
                         "arXiv 2410.01729), both MIT")
    params = dict(pilot=_PILOT, ks=ks.tolist(), rules=list(_RULES), n_boot=n_boot, seed=seed,
                  rewardmath_judge="internlm2", error_at_16=errors)
    notes = "forecast − truth at k = 16: " + ", ".join(f"{k} {v:+.3f}"
                                                       for k, v in errors.items())
    return style.FigureOutput(fig, style.long_table(parts), params, notes)

"""Everything `solvable` says about one pool, in one call (what ``solvable curves`` reports).

`analyze` computes, for a `Pool`:

* every requested rule's exact curve over k (`selection_curve`), with standard errors over
  questions, at each requested temperature for the rules that have one;
* the best (k, T) of each rule with its uncertainty (`best_k`: bootstrap share and the
  plausible set);
* optionally the Gaussian answer model fitted at small k and its extrapolation (`fit`);
* where the pool has several judge calls per sample, the best split of a budget between
  samples and calls (`allocate`).

The rules the pool cannot support are refused with a `ValueError` that says why (votes need
answer labels, ``pass`` and the votes need 0/1 correctness).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Optional

import numpy as np

from .._validate import (check_bool, check_choice, check_integer_at_least, check_positive,
                         check_real)
from .curves import RULES, Pool, SelectionCurve, best_of_curves, selection_curve
from .pilot import FORECAST_RULES, Forecast, forecast
from .model import PoolFit, fit
from .split import Allocation, allocate

__all__ = ["Analysis", "analyze", "supported_rules", "TEMPERATURE_RULES"]

TEMPERATURE_RULES = ("softmax", "weighted_vote")
"""The rules that take a temperature; the others are computed once."""

_FIT_KS = (1, 2, 3)


@dataclasses.dataclass(frozen=True)
class Analysis:
    """The results of `analyze` (made by it, not by hand).

    Attributes
    ----------
    pool : Pool
    rules : tuple of str
    ks : ndarray [K]
    temperatures : tuple of float
    replacement : bool
    curves : list of SelectionCurve
        One per rule, and per temperature for the rules of `TEMPERATURE_RULES`.
    best : dict of str to BestSetting
        Each rule's best (k, T) over the grid.
    fit : PoolFit or None
    fit_note : str
        Why there is no fit, or what was fitted.
    split : Allocation or None
    split_note : str
    forecast : Forecast or None
        Each rule forecast to larger k from the pool as a pilot (`forecast`).
    forecast_note : str

    Parameters
    ----------
    The attributes above, in that order (made by `analyze`, not by hand).

    Examples
    --------
    >>> from solvable import pools
    >>> result = pools.analyze(pools.Pool([[0.9, 0.1]], [[1, 0]]), n_boot=10)
    >>> result.rules, result.fit_note
    (('pass', 'best_of_k'), 'not requested')
    """

    pool: Pool
    rules: tuple
    ks: np.ndarray
    temperatures: tuple
    replacement: bool
    curves: list
    best: dict
    fit: Optional[PoolFit]
    fit_note: str
    split: Optional[Allocation]
    split_note: str
    forecast: Optional[Forecast] = None
    forecast_note: str = "not requested"


def supported_rules(pool: Pool) -> tuple:
    """The rules a pool supports: votes need labels, pass and votes need 0/1 flags.

    Examples
    --------
    >>> from solvable import pools
    >>> supported_rules(pools.Pool([[0.2, 0.7]], [[1, 0]]))
    ('pass', 'best_of_k', 'softmax')
    """
    out = []
    for rule in RULES:
        try:
            _check_supported(pool, rule)
        except ValueError:
            continue
        out.append(rule)
    return tuple(out)


def _check_supported(pool: Pool, rule: str) -> None:
    if rule in ("pass", "majority", "weighted_vote") and not pool.is_binary:
        raise ValueError(f"rules: {rule!r} needs 0/1 correctness flags; this table's correct "
                         "column holds other numbers")
    if rule in ("majority", "weighted_vote") and pool.answers is None:
        raise ValueError(f"rules: {rule!r} needs answer labels; this table has no answer "
                         "column")
    if rule == "weighted_vote" and pool.mixed_labels:
        raise ValueError("rules: 'weighted_vote' needs labels whose samples agree on "
                         "correctness (this pool has mixed labels)")


def analyze(pool: Pool, *, rules=None, ks=None, temperatures=(), replacement: bool = False,
            calls=None, budgets=None, call_cost: float = 1.0, fit_model: bool = False,
            forecast_ks=None, n_boot: int = 400, seed: int = 0,
            progress: Optional[Callable[[str, int, int], None]] = None) -> Analysis:
    """Curves, best settings, optional model fit and budget split of one pool.

    Parameters
    ----------
    pool : Pool
    rules : sequence of str, optional
        Among ``"pass"``, ``"best_of_k"``, ``"softmax"``, ``"majority"``, ``"weighted_vote"``.
        Default: every rule the pool supports, the temperature rules only where
        `temperatures` are given.
    ks : sequence of int, optional
        Default 1..min(16, smallest pool) (1..16 with `replacement`).
    temperatures : sequence of float
        In the judge's score units, for ``softmax`` and ``weighted_vote``.
    replacement : bool
        The pool's empirical law (a fixed set of candidates) instead of the unbiased
        without-replacement curves (samples of one model).
    calls : sequence of int, optional
        Judge calls per candidate for the budget split (pools with several calls per
        sample; default 1..the calls available).
    budgets : sequence of float, optional
        Budgets of the split, in samples (default: 12 points from 1 to the largest cost).
    call_cost : float
        λ, the cost of one call on one candidate (a sample costs 1).
    fit_model : bool
        Fit the answer model (`fit`) at k ≤ 3 and extrapolate (pools with 0/1 flags and at
        least 3 samples per question; tens of seconds).
    forecast_ks : sequence of int, optional
        Forecast every rule that `forecast` supports to these k from the pool as a pilot
        (the empirical-Bayes answer model; at the first temperature for the temperature
        rules), with intervals.
    n_boot, seed : int
        Bootstrap resamples of the questions for the best settings, and the seed (also of
        the forecast, which keeps its own number of resamples).
    progress : callable, optional
        Called as ``progress(text, step, steps)`` before each step (step counts from 0).

    Returns
    -------
    Analysis

    Examples
    --------
    >>> from solvable import pools
    >>> pool = pools.Pool([[0.9, 0.1, 0.5], [0.2, 0.8, 0.3]], [[1, 0, 0], [0, 1, 0]],
    ...                   [[1, 2, 2], [3, 4, 5]])
    >>> result = pools.analyze(pool, n_boot=50)
    >>> [c.rule for c in result.curves], result.ks.tolist()
    (['pass', 'best_of_k', 'majority'], [1, 2, 3])
    >>> result.best["best_of_k"].k, round(result.best["best_of_k"].mean, 4)
    (3, 1.0)
    """
    if not isinstance(pool, Pool):
        raise ValueError(f"pool must be a solvable.pools.Pool, got {type(pool).__name__}")
    check_bool("replacement", replacement)
    check_bool("fit_model", fit_model)
    check_integer_at_least("n_boot", n_boot, 1)
    check_integer_at_least("seed", seed, 0)
    temps = tuple(_temperatures(temperatures))
    if ks is not None:
        check_real("ks", ks)
    if calls is not None:
        check_integer_at_least("calls", calls, 1)
    if budgets is not None:
        check_positive("budgets", budgets)
    if forecast_ks is not None:
        check_integer_at_least("forecast_ks", forecast_ks, 1)
    check_positive("call_cost", call_cost)
    if rules is None:
        rules = tuple(r for r in supported_rules(pool)
                      if r not in TEMPERATURE_RULES or temps)
    else:
        if isinstance(rules, str) or not isinstance(rules, (list, tuple)) or not rules:
            raise ValueError(f"rules must be a non-empty list of rule names, got {rules!r}")
        for rule in rules:
            check_choice("rules", rule, RULES)
            _check_supported(pool, rule)
        rules = tuple(dict.fromkeys(rules))
        if not temps and any(r in TEMPERATURE_RULES for r in rules):
            raise ValueError("temperatures: rules 'softmax' and 'weighted_vote' need at least "
                             "one temperature")
    n_min = int(pool.n.min())
    if ks is None:
        ks = np.arange(1, (16 if replacement else min(16, n_min)) + 1)
    ks = np.atleast_1d(np.asarray(ks))
    if ks.ndim != 1 or ks.size == 0 or ks.dtype.kind not in "iuf" or np.any(ks != np.round(ks)):
        raise ValueError(f"ks must be a non-empty list of integers, got {ks!r}")
    ks = np.unique(ks.astype(np.int64))
    if ks[0] < 1:
        raise ValueError(f"ks must be >= 1, got {int(ks[0])}")
    if not replacement and ks[-1] > n_min:
        raise ValueError(f"ks: k = {int(ks[-1])} exceeds the smallest question's "
                         f"{n_min} samples; draw with replacement or use smaller k")
    steps = sum(len(temps) if r in TEMPERATURE_RULES else 1 for r in rules) + len(rules)
    steps += int(fit_model) + int(pool.calls is not None and int(pool.num_calls.min()) >= 2)
    steps += int(forecast_ks is not None)
    done = iter(range(steps))

    def say(text):
        if progress is not None:
            progress(text, next(done, steps - 1), steps)

    curves = []
    best = {}
    for rule in rules:
        rule_temps = temps if rule in TEMPERATURE_RULES else (0.0,)
        for t in rule_temps:
            say(f"{rule} curve" + (f" at T = {t:g}" if rule in TEMPERATURE_RULES else ""))
            curves.append(selection_curve(pool, rule, ks, temperature=t,
                                          replacement=replacement, seed=seed))
        say(f"{rule}: best k")
        best[rule] = best_of_curves([c for c in curves if c.rule == rule], n_boot=n_boot,
                                    seed=seed)
    fitted, fit_note = None, "not requested"
    if fit_model:
        fitted, fit_note = _fit(pool, ks, replacement, n_min, say)
    split, split_note = None, "the table has one judge score per sample"
    if pool.calls is not None and int(pool.num_calls.min()) < 2:
        split_note = ("no split: some questions have a single judge call that scores every "
                      "sample")
    elif pool.calls is not None:
        say("budget split")
        split, split_note = _split(pool, ks, calls, budgets, call_cost, replacement, seed,
                                   temps)
    predicted, forecast_note = None, "not requested"
    if forecast_ks is not None:
        say("forecast")
        predicted, forecast_note = _forecast(pool, rules, forecast_ks, temps, seed)
    return Analysis(pool=pool, rules=rules, ks=ks, temperatures=temps,
                    replacement=replacement, curves=curves, best=best, fit=fitted,
                    fit_note=fit_note, split=split, split_note=split_note,
                    forecast=predicted, forecast_note=forecast_note)


def _forecast(pool, rules, forecast_ks, temps, seed):
    chosen = tuple(r for r in rules if r in FORECAST_RULES
                   and not (r == "weighted_vote" and not temps))
    if not chosen:
        return None, "no forecast: none of the rules asked for can be forecast"
    t = temps[0] if temps else 0.0
    result = forecast(pool, np.unique(np.asarray(forecast_ks, dtype=np.int64)), chosen,
                      temperature=t, seed=seed)
    return result, (f"every rule forecast from the table as a pilot (smallest question "
                    f"{int(pool.n.min())} samples) by the empirical-Bayes answer model, with "
                    f"{round(100 * result.level)}% intervals from {result.n_boot} bootstrap "
                    "resamples of the questions")


def _temperatures(temperatures):
    if temperatures is None:
        return []
    check_real("temperatures", temperatures)
    values = np.atleast_1d(np.asarray(temperatures, dtype=object))
    out = []
    for v in values:
        try:
            t = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"temperatures must be numbers >= 0, got {v!r}") from None
        if math.isnan(t) or t < 0:
            raise ValueError(f"temperatures must be numbers >= 0, got {v!r}")
        out.append(t)
    return list(dict.fromkeys(out))


def _fit(pool, ks, replacement, n_min, say):
    if not pool.is_binary:
        return None, "no fit: the answer model needs 0/1 correctness flags"
    fit_ks = [k for k in _FIT_KS if replacement or k <= n_min]
    if len(fit_ks) < 3:
        return None, f"no fit: needs 3 samples per question (smallest has {n_min})"
    say("answer-model fit")
    result = fit(pool, fit_ks, replacement=replacement)
    return result, (f"the answer model fitted to pass@k and best-of-k at k = "
                    f"{', '.join(map(str, fit_ks))} (χ² = {result.chi2:.1f} for "
                    f"{result.dof} degrees of freedom), extrapolated to every k")


def _split(pool, ks, calls, budgets, call_cost, replacement, seed, temps):
    m_max = int(pool.num_calls.min())
    calls = np.arange(1, m_max + 1) if calls is None else np.asarray(calls)
    if np.any(calls > m_max):
        raise ValueError(f"calls: m = {int(calls.max())} exceeds the {m_max} judge calls that "
                         "score every sample")
    if budgets is None:
        top = float(ks.max() * (1 + call_cost * calls.max()))
        budgets = np.unique(np.round(np.geomspace(1.0, top, 12), 2))
    split = allocate(pool, budgets, call_cost=call_cost, ks=ks, calls=calls,
                     temperatures=(0.0,) + tuple(t for t in temps if t > 0),
                     replacement=replacement, seed=seed)
    return split, (f"a sample costs 1, a judge call on one candidate {call_cost:g}; "
                   f"k in {int(ks.min())}..{int(ks.max())}, calls m in "
                   f"{int(calls.min())}..{int(calls.max())}")


def curve_label(curve: SelectionCurve) -> str:
    """A short name of a curve: the rule, with its temperature where it has one."""
    names = {"pass": "pass@k (oracle)", "best_of_k": "best-of-k", "softmax": "softmax",
             "majority": "plurality vote", "weighted_vote": "weighted vote"}
    label = names[curve.rule]
    if curve.rule in TEMPERATURE_RULES:
        label += f", T = {curve.temperature:g}"
    return label

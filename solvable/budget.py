"""Splitting a compute budget between generating and judging (docs/theory.md §10).

A sample costs 1 and a judge call on one candidate costs λ (``call_cost``), the cost model of
Singhi et al., "When To Solve, When To Verify: Compute-Optimal Problem Solving and Generative
Verification for LLM Reasoning" (arXiv 2504.01005): k candidates each judged by m calls cost

    C = k (1 + λ m)          (``call_scope="candidate"``: a call scores one candidate),
    C = k + λ m              (``call_scope="set"``: a call scores all k candidates at once).

The plurality vote needs no judge (C = k). `optimal_split` (one input) and
`optimal_split_averaged` (averaged over the inputs of a problem) evaluate the exact accuracy
(or squared error) of every (rule, T, k, m) on a grid once and return, for each budget, the best
affordable setting, the best plurality vote, and the smallest budget at which judging beats the
vote. The judge is a `solvable.judge.Judge` whose number of calls is the grid's m.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.special import ndtr

from . import _config  # noqa: F401
from ._laws import law_of
from ._validate import (check_choice, check_integer_at_least, check_nonnegative,
                        check_positive, check_real, numbers)
from .answers import (accuracy_normalized, bin_probabilities, centre_averaged_accuracy,
                      majority_accuracy, offset_rule)
from .asymptotics import accuracy_large_k_limit_averaged
from .judge import Judge, check_judge, judged_law
from .selection import centre_averaged_error

__all__ = ["compute_cost", "optimal_split", "optimal_split_averaged", "Split", "CALL_SCOPES",
           "METRICS", "default_grid", "crossover_budget"]

CALL_SCOPES = ("candidate", "set")
_TIE = 1e-12     # accuracies closer than this count as equal (the vote, needing no judge, wins)
METRICS = ("accuracy", "error")


def compute_cost(k, calls, call_cost, call_scope="candidate"):
    """Compute of k samples judged by ``calls`` calls each: k(1 + λm) (``"candidate"``) or
    k + λm (``"set"``: one call scores all k candidates). calls = 0 is a plain vote (cost k).

    Parameters
    ----------
    k, calls : int or array
        Samples and calls per candidate.
    call_cost : float
        λ > 0.
    call_scope : {"candidate", "set"}

    Returns
    -------
    float or numpy.ndarray

    Examples
    --------
    >>> compute_cost(8, 4, 0.5), compute_cost(8, 4, 0.5, "set")
    (24.0, 10.0)
    """
    check_choice("call_scope", call_scope, CALL_SCOPES)
    check_positive("call_cost", call_cost)
    k, m = numbers("k", k), numbers("calls", calls)
    lam = float(call_cost)
    cost = k * (1.0 + lam * m) if call_scope == "candidate" else k + lam * m
    return float(cost) if np.ndim(cost) == 0 else cost


def default_grid(largest: int, small: int = 8, points: int = 16) -> np.ndarray:
    """Every integer up to ``small``, then about ``points`` geometrically spaced integers up
    to ``largest`` (the grid of k or m the budget tables use by default).

    Parameters
    ----------
    largest, small, points : int

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> default_grid(40, small=4, points=4).tolist()
    [1, 2, 3, 4, 9, 19, 40]
    """
    check_integer_at_least("largest", largest, 1)
    check_integer_at_least("small", small, 1)
    check_integer_at_least("points", points, 2)
    dense = np.arange(1, min(small, largest) + 1)
    sparse = np.round(np.geomspace(max(small, 1), largest, points)) if largest > small else []
    return np.unique(np.concatenate([dense, np.asarray(sparse, int)])).astype(int)


@dataclasses.dataclass(frozen=True)
class Split:
    """The best use of each budget (docs/theory.md §10).

    Attributes
    ----------
    budget : ndarray [B]
        The budgets.
    k, calls, temperature : ndarray [B]
        The best affordable setting (calls = 0 and temperature NaN when the plurality vote
        is best; NaN everywhere when nothing is affordable).
    value : ndarray [B]
        Its accuracy (``metric="accuracy"``) or squared error (``"error"``).
    judge_value, vote_value : ndarray [B]
        The best value with the judge (m ≥ 1), and with the plurality vote (accuracy only;
        NaN for the error).
    crossover : float
        The smallest listed budget at which the judge is strictly better than the vote and
        stays so at every larger listed budget (NaN if none).
    judge_ceiling, vote_ceiling : float
        Accuracy as k and m → ∞ at T = 0 (the judge: only the floor τ₀ remains) and as k → ∞
        (the vote). When ``judge_ceiling`` ≤ ``vote_ceiling`` judging cannot win at large
        budgets.
    ks, calls_grid, temperatures : ndarray
        The grid searched.
    table : ndarray [T, K, M]
        The judge's value at each grid point; ``vote_table`` [K] the vote's.
    metric, call_cost, call_scope : as given.

    Parameters
    ----------
    The attributes above, in that order (made by `optimal_split`, not by hand).

    Examples
    --------
    >>> from solvable.judge import Judge
    >>> split = optimal_split([1, 4], tolerance=0.5, judge=Judge(call_noise=1.0), ks=[1, 2],
    ...                       calls=[1])
    >>> split.k.tolist(), split.calls.tolist()
    ([1.0, 2.0], [0.0, 1.0])
    """

    budget: np.ndarray
    k: np.ndarray
    calls: np.ndarray
    temperature: np.ndarray
    value: np.ndarray
    judge_value: np.ndarray
    vote_value: np.ndarray
    crossover: float
    judge_ceiling: float
    vote_ceiling: float
    ks: np.ndarray
    calls_grid: np.ndarray
    temperatures: np.ndarray
    table: np.ndarray
    vote_table: np.ndarray
    metric: str
    call_cost: float
    call_scope: str


def crossover_budget(budget, wins) -> float:
    """The smallest of the (sorted) ``budget`` from which ``wins`` (the judge beats the vote)
    holds at every larger budget; NaN if it does not hold at the largest.

    Parameters
    ----------
    budget : array [B]
        Increasing budgets.
    wins : array of bool [B]

    Returns
    -------
    float

    Examples
    --------
    >>> crossover_budget([1, 2, 4, 8], [False, True, False, True])
    8.0
    """
    check_real("budget", budget)
    check_real("wins", wins)
    budget, wins = np.asarray(budget, float), np.asarray(wins, bool)
    if budget.shape != wins.shape or budget.ndim != 1:
        raise ValueError(f"budget and wins must be 1-D of one length, got shapes "
                         f"{budget.shape} and {wins.shape}")
    if not (wins.any() and wins[-1]):
        return math.nan
    losses = np.flatnonzero(~wins)
    return float(budget[0 if losses.size == 0 else losses[-1] + 1])


def _check_common(budget, call_cost, call_scope, metric, ks, calls, temperatures):
    check_positive("budget", budget)
    budget = np.atleast_1d(numbers("budget", budget)).astype(float)
    if np.any(budget < 1.0):
        raise ValueError(f"budget must be >= 1 (one sample costs 1), got "
                         f"{float(budget.min())!r}")
    check_positive("call_cost", call_cost)
    if np.ndim(call_cost):
        raise ValueError("call_cost must be a scalar")
    check_choice("call_scope", call_scope, CALL_SCOPES)
    check_choice("metric", metric, METRICS)
    big = float(budget.max())
    if ks is None:
        ks = default_grid(max(1, int(big)))
    if calls is None:
        calls = default_grid(max(1, int(big / float(call_cost))))
    check_integer_at_least("ks", ks, 1)
    check_integer_at_least("calls", calls, 1)
    check_nonnegative("temperatures", temperatures, allow_inf=True)
    ks = np.unique(np.atleast_1d(np.asarray(ks, int)))
    calls = np.unique(np.atleast_1d(np.asarray(calls, int)))
    temps = np.atleast_1d(np.asarray(temperatures, float))
    return budget, float(call_cost), ks, calls, temps


def _best(budget, table, vote, ks, calls, temps, call_cost, call_scope, metric,
          judge_ceiling, vote_ceiling):
    """Pick the best affordable cell per budget (max accuracy or min error)."""
    sign = 1.0 if metric == "accuracy" else -1.0
    cost = compute_cost(ks[:, None], calls[None, :], call_cost, call_scope)     # [K, M]
    score = sign * table                                                         # [T, K, M]
    flat = score.reshape(len(temps), -1)
    out = {f: np.full(budget.shape, np.nan) for f in ("k", "calls", "temperature", "value",
                                                      "judge_value", "vote_value")}
    for i, b in enumerate(budget):
        ok = (cost <= b + 1e-9).ravel()
        if ok.any():
            masked = np.where(ok[None, :], flat, -np.inf)
            ti, ci = np.unravel_index(int(np.argmax(masked)), masked.shape)
            ki, mi = np.unravel_index(ci, cost.shape)
            out["judge_value"][i] = table[ti, ki, mi]
            best = (ks[ki], calls[mi], temps[ti], table[ti, ki, mi])
        else:
            best = None
        if vote is not None and np.any(ks <= b + 1e-9):
            j = int(np.argmax(np.where(ks <= b + 1e-9, vote, -np.inf)))
            out["vote_value"][i] = vote[j]
            if best is None or vote[j] >= best[3] - _TIE:
                best = (ks[j], 0, np.nan, vote[j])
        if best is not None:
            out["k"][i], out["calls"][i], out["temperature"][i], out["value"][i] = best
    crossover = (crossover_budget(budget, out["judge_value"] > out["vote_value"] + _TIE)
                 if vote is not None else math.nan)
    return Split(budget=budget, crossover=crossover, judge_ceiling=judge_ceiling,
                 vote_ceiling=vote_ceiling, ks=ks, calls_grid=calls, temperatures=temps,
                 table=table, vote_table=vote, metric=metric, call_cost=call_cost,
                 call_scope=call_scope, **out)


def optimal_split(budget, *, tolerance=None, judge=None, call_cost=1.0, call_scope="candidate",
                  mean=0.0, std=1.0, teacher=0.0, reward=0.0, temperatures=(0.0,), ks=None,
                  calls=None, metric="accuracy") -> Split:
    """The best (rule, T, k, m) at each budget for one input (docs/theory.md §10).

    The judge's m calls give a centre misread by ε̄ ~ N(0, τ₀² + τ²/m) (`solvable.judge`);
    its accuracy is the exact centre-averaged `solvable.selection_accuracy`, the vote's the
    exact plurality vote; ``metric="error"`` minimises the squared error δ instead (no vote).

    Parameters
    ----------
    budget : float or array
        Budgets ≥ 1 (a sample costs 1).
    tolerance : float
        h > 0 (needed for the accuracy).
    judge : solvable.judge.Judge
        The call noise τ, floor τ₀ and aggregation; its ``calls`` is replaced by the grid.
        ``score_noise`` must be 0.
    call_cost : float
        λ > 0, the cost of one call on one candidate.
    call_scope : {"candidate", "set"}
        Whether a call scores one candidate or the whole set (`compute_cost`).
    mean, std, teacher, reward : float
        The predictive N(mean, std²), μ_T and μ_R, as in `solvable.selection_accuracy`.
    temperatures : sequence of float
        Judge temperatures searched (0: best-of-k).
    ks, calls : sequence of int, optional
        The grids of k and m (default: `default_grid` up to the largest budget).
    metric : {"accuracy", "error"}

    Returns
    -------
    Split

    Examples
    --------
    The vote is biased here (|m − μ_T| > h) and the judge is not (|μ_R − μ_T| < h): the vote
    wins at budget 2, the judge from budget 8 on.

    >>> from solvable.judge import Judge
    >>> split = optimal_split([2, 8, 32, 128, 512], tolerance=0.5, mean=0.7, reward=0.1,
    ...                       judge=Judge(call_noise=1.0), ks=[1, 2, 4, 8, 16, 32, 64, 128],
    ...                       calls=[1, 2, 4, 8, 16, 32, 64])
    >>> split.k.tolist(), split.calls.tolist(), split.crossover
    ([2.0, 4.0, 4.0, 8.0, 16.0], [0.0, 1.0, 4.0, 8.0, 16.0], 8.0)
    """
    budget, lam, ks, ms, temps = _check_common(budget, call_cost, call_scope, metric, ks,
                                               calls, temperatures)
    judge = check_judge(judge)
    for name, value in (("mean", mean), ("std", std), ("teacher", teacher), ("reward", reward)):
        check_real(name, value)
        if np.ndim(value):
            raise ValueError(f"{name} must be a scalar")
    check_positive("std", std)
    s = float(std)
    b, a = (float(mean) - float(teacher)) / s, (float(mean) - float(reward)) / s
    judges = [judge.replace(calls=int(m)) for m in ms]          # the grid's judges, m calls
    var = np.array([j.centre_variance for j in judges])                    # [M]
    t = np.array([[float(j.temperature(T)) for j in judges] for T in temps]) / (2.0 * s * s)
    kk = ks[None, :, None].astype(float)
    if metric == "accuracy":
        if tolerance is None:
            raise ValueError("tolerance is required with metric='accuracy'")
        check_positive("tolerance", tolerance)
        eta = float(tolerance) / s
        table = centre_averaged_accuracy(kk, t[:, None, :], b, a, eta,
                                         np.sqrt(var)[None, None, :] / s)
        q0, others = bin_probabilities(b, eta)
        vote = np.array([majority_accuracy(int(k), q0, others) for k in ks])
        sd0 = judge.floor / s
        c = b - a
        judge_ceiling = (float(ndtr((eta - c) / sd0) - ndtr((-eta - c) / sd0)) if sd0 > 0
                         else float(abs(c) < eta))
        vote_ceiling = 1.0 if abs(b) < eta else (0.5 if abs(b) == eta else 0.0)
    else:
        table = s * s * np.asarray(centre_averaged_error(
            kk, t[:, None, :], b, a, np.sqrt(var)[None, None, :] / s))      # [T, K, M]
        vote, judge_ceiling, vote_ceiling = None, math.nan, math.nan
    return _best(budget, np.asarray(table), vote, ks, ms, temps, lam, call_scope, metric,
                 judge_ceiling, vote_ceiling)


def optimal_split_averaged(problem, reward, budget, *, tolerance, judge=None, call_cost=1.0,
                           call_scope="candidate", temperatures=(0.0,), ks=None, calls=None,
                           nodes=8) -> Split:
    """The best (rule, T, k, m) at each budget for the accuracy averaged over inputs
    (`solvable.generalization_accuracy`; docs/theory.md §10).

    With m calls the offsets' law gets Var Δ_R + τ₀² + τ²/m (`solvable.judge.judged_law`);
    for each m and T the law's quadrature nodes (`solvable.answers.offset_rule`) are built once
    and every k is evaluated on them in one call of the accuracy kernel.

    Parameters
    ----------
    problem, reward
        A `Problem` and its `Reward`, or an `OffsetLaw` with ``reward=None``.
    budget, tolerance, judge, call_cost, call_scope, temperatures, ks, calls
        As in `optimal_split`.
    nodes : int
        Gauss–Legendre nodes per panel of the offsets' rule.

    Returns
    -------
    Split

    Examples
    --------
    >>> from solvable import OffsetLaw
    >>> from solvable.judge import Judge
    >>> law = OffsetLaw(var_teacher=0.3, var_reward=0.3, cov=0.3, predictive_var=1.0,
    ...                 rank_one=True)
    >>> split = optimal_split_averaged(law, None, [2, 256], tolerance=0.5,
    ...                                judge=Judge(call_noise=1.0), ks=[1, 2, 8, 32],
    ...                                calls=[1, 4, 16])
    >>> split.k.tolist(), split.calls.tolist(), round(float(split.value[1]), 4)
    ([2.0, 8.0], [0.0, 16.0], 0.8736)
    """
    budget, lam, ks, ms, temps = _check_common(budget, call_cost, call_scope, "accuracy", ks,
                                               calls, temperatures)
    check_positive("tolerance", tolerance)
    check_integer_at_least("nodes", nodes, 1)
    judge = check_judge(judge)
    base = law_of(problem, reward)
    s2 = float(base.predictive_var)
    s = math.sqrt(s2)
    h = float(tolerance)
    pieces, owners = [], []
    for ti, T in enumerate(temps):
        for mi, m in enumerate(ms):
            jm = judge.replace(calls=int(m))
            Tm = float(jm.temperature(T))
            dt, dr, w = offset_rule(judged_law(base, jm), Tm, h, "softmax", nodes)
            live = w > 0
            pieces.append((Tm / (2.0 * s2), dt[live] / s, dr[live] / s, w[live]))
            owners.append((ti, mi))
    sizes = np.array([len(p[3]) for p in pieces])
    t_all = np.concatenate([np.full(n, p[0]) for n, p in zip(sizes, pieces)])
    b_all = np.concatenate([p[1] for p in pieces])
    a_all = np.concatenate([p[2] for p in pieces])
    w_all = np.concatenate([p[3] for p in pieces])
    seg = np.repeat(np.arange(len(pieces)), sizes)
    table = np.empty((len(temps), len(ks), len(ms)))
    vals = np.asarray(accuracy_normalized(ks[:, None].astype(float), t_all[None], b_all[None],
                                          a_all[None], h / s))                  # [K, N]
    for ki in range(len(ks)):
        sums = np.bincount(seg, weights=w_all * vals[ki], minlength=len(pieces))
        for (ti, mi), v in zip(owners, sums):
            table[ti, ki, mi] = v
    dt, _, w = offset_rule(base, 0.0, h, "majority", nodes)
    live = w > 0
    vote = np.array([np.sum(w[live] * np.array([majority_accuracy(int(k),
                                                                  *bin_probabilities(x, h / s))
                                                for x in dt[live] / s])) for k in ks])
    floor_law = judged_law(base, Judge(floor=judge.floor))
    judge_ceiling = float(accuracy_large_k_limit_averaged(floor_law, None, 0.0, tolerance=h))
    vote_ceiling = float(accuracy_large_k_limit_averaged(base, None, 0.0, tolerance=h,
                                                         rule="majority"))
    return _best(budget, np.clip(table, 0.0, 1.0), vote, ks, ms, temps, lam, call_scope,
                 "accuracy", judge_ceiling, vote_ceiling)

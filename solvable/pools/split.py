"""The budget split on a real pool: how many samples, how many judge calls (docs/theory.md §10).

`allocate` evaluates the exact curves of `solvable.pools.selection_curve` for every number of
calls m on a grid (best-of-k or softmax over the mean of m calls; the plurality vote, which
needs no judge) and returns, for each budget, the best affordable (rule, k, m) with its
standard error over questions and its paired advantage over the best plurality vote. The cost
model is `solvable.budget.compute_cost`: a sample costs 1, a call on one candidate λ.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .._validate import (check_bool, check_choice, check_integer_at_least, check_nonnegative,
                         check_positive, numbers)
from ..budget import CALL_SCOPES, compute_cost, crossover_budget
from .curves import Pool, selection_curve

__all__ = ["allocate", "Allocation"]

_TIE = 1e-12   # accuracies closer than this are equal (rounding of the exact curves)


@dataclasses.dataclass(frozen=True)
class Allocation:
    """The best use of each budget on a pool (made by `allocate`).

    Attributes
    ----------
    budget : ndarray [B]
    rule : list of str
        ``"majority"`` or the judge's rule (``"best_of_k"`` / ``"softmax@T"``), "" where
        nothing is affordable.
    k, calls : ndarray [B]
        The best setting (calls 0 for the vote).
    mean, stderr : ndarray [B]
        Its accuracy and standard error over questions.
    vote_mean : ndarray [B]
        The best plurality vote affordable (NaN without answer labels).
    advantage, advantage_stderr : ndarray [B]
        Best judge setting minus best vote, per question paired (NaN without labels).
    crossover : float
        The smallest listed budget from which the judge's best beats the vote's at every
        larger listed budget (NaN if never, or without labels).
    settings : list of (rule, k, m)
        The grid's cells; ``values`` [cells, Q] their per-question accuracies; ``costs``
        [cells].

    Parameters
    ----------
    The attributes above, in that order (made by `allocate`, not by hand).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable import pools
    >>> calls = np.array([[[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]]])
    >>> split = pools.allocate(pools.Pool(calls, [[1, 0, 1]]), [2, 6])
    >>> split.rule, split.mean.round(3).tolist()
    (['best_of_k', 'best_of_k'], [0.667, 1.0])
    """

    budget: np.ndarray
    rule: list
    k: np.ndarray
    calls: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    vote_mean: np.ndarray
    advantage: np.ndarray
    advantage_stderr: np.ndarray
    crossover: float
    settings: list
    values: np.ndarray
    costs: np.ndarray


def allocate(pool: Pool, budget, *, call_cost=1.0, call_scope="candidate", shared_calls=True,
             ks=None, calls=None, temperatures=(0.0,), replacement=False, seed=0,
             max_call_subsets=256, n_call_subsets=256) -> Allocation:
    """The best (rule, k, m) for a pool at each budget, with its uncertainty over questions.

    Parameters
    ----------
    pool : Pool
        With calls (scores of shape [Q, n, M]); answer labels add the plurality vote.
    budget : float or array
        Budgets ≥ 1 (a sample costs 1). At each budget the best affordable setting wins;
        settings whose accuracies differ by less than 1e-12 (rounding) are tied, and a tie
        goes to the cheapest of them (the vote among equally cheap ones: it needs no judge).
    call_cost : float
        λ > 0, the cost of one call on one candidate.
    call_scope : {"candidate", "set"}
        Whether a call scores one candidate (cost k(1 + λm)) or the whole set (k + λm).
    shared_calls : bool
        As in `selection_curve`: the same m calls for every candidate, or each its own.
    ks : sequence of int, optional
        k grid (default 1..n, the smallest pool size; any k with ``replacement``).
    calls : sequence of int, optional
        m grid (default 1..the calls available).
    temperatures : sequence of float
        Judge temperatures: 0 is best-of-k, T > 0 the softmax.
    replacement, seed, max_call_subsets, n_call_subsets
        Passed to `selection_curve`.

    Returns
    -------
    Allocation

    Examples
    --------
    >>> import numpy as np
    >>> from solvable import pools
    >>> rng = np.random.default_rng(0)
    >>> correct = (rng.random((40, 8)) < 0.4).astype(float)
    >>> calls = correct[:, :, None] + rng.normal(0.0, 1.5, (40, 8, 6))   # noisy verdicts
    >>> answers = np.where(correct == 1, 0, rng.integers(1, 4, (40, 8)))
    >>> split = pools.allocate(pools.Pool(calls, correct, answers), [2, 8, 40],
    ...                        call_cost=0.25, ks=[1, 2, 4, 8], calls=[1, 2, 6])
    >>> split.rule, split.k.tolist(), split.calls.tolist()
    (['majority', 'best_of_k', 'best_of_k'], [1.0, 4.0, 8.0], [0.0, 2.0, 6.0])
    """
    if not isinstance(pool, Pool):
        raise ValueError(f"pool must be a solvable.pools.Pool, got {type(pool).__name__}")
    if pool.calls is None:
        raise ValueError("pool: allocate needs several calls per sample (scores of shape "
                         "[questions, samples, calls])")
    check_positive("budget", budget)
    budget = np.atleast_1d(numbers("budget", budget)).astype(float)
    if np.any(budget < 1.0):
        raise ValueError(f"budget must be >= 1 (one sample costs 1), got {budget.min()!r}")
    check_positive("call_cost", call_cost)
    check_choice("call_scope", call_scope, CALL_SCOPES)
    check_bool("shared_calls", shared_calls)
    if ks is None:
        ks = np.arange(1, int(pool.n.min()) + 1)
    if calls is None:
        calls = np.arange(1, int(pool.num_calls.min()) + 1)
    check_integer_at_least("ks", ks, 1)
    check_integer_at_least("calls", calls, 1)
    check_nonnegative("temperatures", temperatures, allow_inf=True)
    ks = np.unique(np.atleast_1d(np.asarray(ks, int)))
    calls = np.unique(np.atleast_1d(np.asarray(calls, int)))
    settings, values, errors = [], [], []
    options = dict(replacement=replacement, seed=seed, max_call_subsets=max_call_subsets,
                   n_call_subsets=n_call_subsets, shared_calls=shared_calls)
    for T in np.atleast_1d(np.asarray(temperatures, float)):
        rule = "best_of_k" if T == 0 else "softmax"
        name = "best_of_k" if T == 0 else f"softmax@{T:g}"
        for m in calls:
            curve = selection_curve(pool, rule, ks, temperature=float(T), calls=int(m),
                                    **options)
            for j, k in enumerate(ks):
                settings.append((name, int(k), int(m)))
                values.append(curve.per_question[:, j])
                errors.append(curve.mc_stderr[j])
    has_vote = pool.answers is not None
    if has_vote:
        vote = selection_curve(pool, "majority", ks, replacement=replacement)
        for j, k in enumerate(ks):
            settings.append(("majority", int(k), 0))
            values.append(vote.per_question[:, j])
            errors.append(0.0)
    values = np.asarray(values)                                   # [cells, Q]
    errors = np.asarray(errors)
    costs = np.array([compute_cost(k, m, float(call_cost), call_scope) if m else float(k)
                      for _, k, m in settings])
    means = values.mean(axis=1)
    Q = values.shape[1]
    is_vote = np.array([r == "majority" for r, _, _ in settings])
    out = {f: np.full(budget.shape, np.nan) for f in ("k", "calls", "mean", "stderr",
                                                      "vote_mean", "advantage",
                                                      "advantage_stderr")}
    rules = []
    for i, b in enumerate(budget):
        ok = costs <= b + 1e-9
        if not ok.any():
            rules.append("")
            continue
        # ties (to rounding) go to the cheapest setting, and to the vote among equally cheap
        near = ok & (means >= means[ok].max() - _TIE)
        c = min(np.flatnonzero(near), key=lambda i: (costs[i], not is_vote[i]))
        name, k, m = settings[c]
        rules.append(name)
        out["k"][i], out["calls"][i], out["mean"][i] = k, m, means[c]
        out["stderr"][i] = math.hypot(values[c].std(ddof=1) / math.sqrt(Q) if Q > 1 else 0.0,
                                      errors[c])
        if has_vote:
            v = int(np.argmax(np.where(ok & is_vote, means, -np.inf)))
            j = int(np.argmax(np.where(ok & ~is_vote, means, -np.inf)))
            out["vote_mean"][i] = means[v]
            if (ok & ~is_vote).any():
                diff = values[j] - values[v]
                out["advantage"][i] = diff.mean()
                out["advantage_stderr"][i] = math.hypot(
                    diff.std(ddof=1) / math.sqrt(Q) if Q > 1 else 0.0, errors[j])
    crossover = crossover_budget(budget, out["advantage"] > 0)
    return Allocation(budget=budget, rule=rules, crossover=crossover, settings=settings,
                      values=values, costs=costs, **out)

"""Pools with several judge calls per sample (docs/theory.md §10): against brute-force
enumeration over candidate subsets × call subsets (tests/pool_reference.py applies each rule's
definition to each draw), and the limits (m = M is the pool's mean score; per-candidate calls
with m = M are exact)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from solvable import pools
from solvable.pools import _call_subsets
from pool_reference import brute_force


def _shared_reference(rule, calls, correct, answers, k, m, temperature, replacement):
    """Average over every call subset S of size m of the brute force on the mean scores."""
    M = calls.shape[1]
    values = []
    for S in itertools.combinations(range(M), m):
        scores = [sum(calls[i][j] for j in S) / m for i in range(calls.shape[0])]
        values.append(brute_force(rule, scores, list(correct), list(answers), k, temperature,
                                  replacement))
    return sum(values) / len(values)


def _own_reference(rule, calls, correct, answers, k, m, temperature, replacement):
    """Average over every assignment of an m-subset of its calls to each candidate."""
    n, M = calls.shape
    per_sample = [list(itertools.combinations(range(M), m)) for _ in range(n)]
    values = []
    for choice in itertools.product(*per_sample):
        scores = [sum(calls[i][j] for j in S) / m for i, S in enumerate(choice)]
        values.append(brute_force(rule, scores, list(correct), list(answers), k, temperature,
                                  replacement))
    return sum(values) / len(values)


@st.composite
def call_pools(draw):
    n = draw(st.integers(2, 5))
    M = draw(st.integers(1, 4))
    integer = draw(st.booleans())          # integer calls: many ties among the means
    if integer:
        calls = draw(st.lists(st.integers(0, 2), min_size=n * M, max_size=n * M))
    else:
        calls = draw(st.lists(st.floats(-2.0, 2.0, allow_nan=False, width=32),
                              min_size=n * M, max_size=n * M))
    labels = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    right = draw(st.integers(0, 2))
    correct = [1.0 if a == right else 0.0 for a in labels]
    k = draw(st.integers(1, n))
    m = draw(st.integers(1, M))
    return np.asarray(calls, float).reshape(n, M), np.array(correct), np.array(labels), k, m


@settings(max_examples=60, deadline=None)
@given(call_pools(), st.sampled_from(["best_of_k", ("softmax", 0.7), ("weighted_vote", 0.5)]),
       st.booleans())
@example((np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 0.0, 0.0]),
          np.array([0, 1, 1]), 2, 1), "best_of_k", False)
@example((np.array([[0.0], [0.0]]), np.array([1.0, 1.0]), np.array([0, 0]), 1, 1),
         ("softmax", 0.7), False)
def test_shared_calls_against_enumeration(case, rule, replacement):
    calls, correct, labels, k, m = case
    rule, temperature = (rule, 0.0) if isinstance(rule, str) else rule
    pool = pools.Pool(calls[None], correct[None], labels[None])
    curve = pools.selection_curve(pool, rule, [k], temperature=temperature, calls=m,
                                  replacement=replacement, max_call_subsets=10 ** 6,
                                  max_exact=10 ** 6)
    assert curve.exact.all()
    ref = _shared_reference(rule, calls, correct, labels, k, m, temperature, replacement)
    # the pools' softmax integrates in λ by a trapezoid rule of relative error ≤ 1.2e-11
    assert curve.mean[0] == pytest.approx(ref, abs=3e-11 if rule == "softmax" else 1e-12)


@settings(max_examples=25, deadline=None)
@given(call_pools())
def test_per_candidate_calls_against_enumeration(case):
    """Monte Carlo over the candidates' own call choices (exact over candidate subsets given
    them): within 4.5 standard errors of the exact average (fixed seed)."""
    calls, correct, labels, k, m = case
    pool = pools.Pool(calls[None], correct[None], labels[None])
    curve = pools.selection_curve(pool, "best_of_k", [k], calls=m, shared_calls=False,
                                  n_call_subsets=4000)
    ref = _own_reference("best_of_k", calls, correct, labels, k, m, 0.0, False)
    if m == calls.shape[1]:
        assert curve.exact.all() and curve.mean[0] == pytest.approx(ref, abs=1e-12)
    else:
        err = curve.mc_stderr[0]
        assert abs(curve.mean[0] - ref) <= 4.5 * err + 1e-12


def test_all_calls_is_the_mean_score_and_votes_ignore_calls():
    rng = np.random.default_rng(0)
    calls = rng.normal(size=(4, 7, 3))
    correct = rng.integers(0, 2, (4, 7)).astype(float)
    labels = np.where(correct == 1, 0, rng.integers(1, 3, (4, 7)))
    pool = pools.Pool(calls, correct, labels)
    assert np.array_equal(pool.scores, calls.mean(axis=2))
    for rule, t in (("best_of_k", 0.0), ("softmax", 0.4)):
        full = pools.selection_curve(pool, rule, [1, 3, 5], temperature=t, calls=3)
        plain = pools.selection_curve(pool, rule, [1, 3, 5], temperature=t)
        assert np.allclose(full.mean, plain.mean, rtol=0, atol=1e-12) and full.exact.all()
    vote = pools.selection_curve(pool, "majority", [3], calls=1)
    assert vote.mean[0] == pools.selection_curve(pool, "majority", [3]).mean[0]


def test_missing_calls_and_bad_input():
    calls = np.array([[[1.0, 0.0, np.nan], [0.0, 1.0, 1.0], [np.nan] * 3]])
    pool = pools.Pool(calls, [[1.0, 0.0, np.nan]])
    assert pool.n.tolist() == [2] and pool.num_calls.tolist() == [2]
    assert pool.scores[0, :2].tolist() == [0.5, 2.0 / 3.0]
    with pytest.raises(ValueError, match=r"calls = 3 exceeds the most shared calls .*\(2"):
        pools.selection_curve(pool, "best_of_k", [1], calls=3)
    with pytest.raises(ValueError, match=r"calls = 4 exceeds the most calls of any sample \(3"):
        pools.selection_curve(pool, "best_of_k", [1], calls=4, shared_calls=False)
    with pytest.raises(ValueError, match="calls must be an integer"):
        pools.selection_curve(pool, "best_of_k", [1], calls=0)
    plain = pools.Pool([[1.0, 0.0]], [[1, 0]])
    with pytest.raises(ValueError, match="one score per sample"):
        pools.selection_curve(plain, "best_of_k", [1], calls=1)
    with pytest.raises(ValueError, match="scores with calls"):
        pools.Pool(np.zeros((1, 0, 2)), np.zeros((1, 0)))
    with pytest.raises(ValueError, match="finite"):
        pools.Pool(np.full((1, 2, 2), np.inf), np.zeros((1, 2)))


def test_allocate_against_direct_enumeration():
    """Each budget's choice is the best cell of the grid among those it can pay for, the
    cells' values are `selection_curve`'s, and the advantage is paired over questions."""
    rng = np.random.default_rng(1)
    correct = (rng.random((30, 6)) < 0.45).astype(float)
    calls = correct[:, :, None] + rng.normal(0.0, 1.2, (30, 6, 4))
    answers = np.where(correct == 1, 0, rng.integers(1, 3, (30, 6)))
    pool = pools.Pool(calls, correct, answers)
    ks, ms, budgets = [1, 2, 3, 6], [1, 2, 4], [1, 3, 7, 15, 30]
    split = pools.allocate(pool, budgets, call_cost=0.5, ks=ks, calls=ms)
    cells = {}
    for m in ms:
        curve = pools.selection_curve(pool, "best_of_k", ks, calls=m)
        for j, k in enumerate(ks):
            cells[("best_of_k", k, m)] = (curve.per_question[:, j], k * (1 + 0.5 * m))
    vote = pools.selection_curve(pool, "majority", ks)
    for j, k in enumerate(ks):
        cells[("majority", k, 0)] = (vote.per_question[:, j], float(k))
    for i, B in enumerate(budgets):
        affordable = {key: v for key, (v, cost) in cells.items() if cost <= B}
        top = max(v.mean() for v in affordable.values())
        best = min((key for key, v in affordable.items() if v.mean() >= top - 1e-12),
                   key=lambda key: (cells[key][1], key[2] != 0))     # the cheapest of the tied
        assert (split.rule[i], split.k[i], split.calls[i]) == best
        assert split.mean[i] == pytest.approx(affordable[best].mean(), abs=1e-15)
        judge = [key for key in affordable if key[2] > 0]
        if judge:
            bj = max(judge, key=lambda key: affordable[key].mean())
            bv = max((key for key in affordable if key[2] == 0),
                     key=lambda key: affordable[key].mean())
            diff = affordable[bj] - affordable[bv]
            assert split.advantage[i] == pytest.approx(diff.mean(), abs=1e-15)
            assert split.advantage_stderr[i] == pytest.approx(diff.std(ddof=1) / math.sqrt(30),
                                                              rel=1e-12)
    with pytest.raises(ValueError, match="budget"):
        pools.allocate(pool, 0.5)
    with pytest.raises(ValueError, match="call_cost"):
        pools.allocate(pool, 4, call_cost=-1)
    with pytest.raises(ValueError, match="several calls"):
        pools.allocate(pools.Pool([[1.0, 0.0]], [[1, 0]]), 4)


def test_questions_with_fewer_calls_use_all_of_theirs():
    """m above a question's calls: that question is scored by all of its calls (exactly the
    curve of the pool restricted to it), the others by m."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(1, 5, 4))
    b = np.concatenate([rng.normal(size=(1, 5, 2)), np.full((1, 5, 2), np.nan)], axis=2)
    correct = rng.integers(0, 2, (2, 5)).astype(float)
    pool = pools.Pool(np.concatenate([a, b]), correct)
    both = pools.selection_curve(pool, "best_of_k", [1, 2, 3], calls=3)
    first = pools.selection_curve(pools.Pool(a, correct[:1]), "best_of_k", [1, 2, 3], calls=3)
    second = pools.selection_curve(pools.Pool(b[:, :, :2], correct[1:]), "best_of_k",
                                   [1, 2, 3])
    assert np.allclose(both.per_question[0], first.per_question[0], atol=1e-15)
    assert np.allclose(both.per_question[1], second.per_question[0], atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 1)), min_size=2, max_size=7),
       st.integers(1, 7), st.booleans())
def test_mixed_labels_majority_against_enumeration(samples, k, replacement):
    """Labels that hold right and wrong samples: the vote answers with a uniformly random
    drawn member of the winning label (ties between labels uniform); enumerated per draw."""
    labels = [a for a, _ in samples]
    correct = [float(c) for _, c in samples]
    n = len(samples)
    k = min(k, n) if not replacement else k
    draws = (list(itertools.product(range(n), repeat=k)) if replacement
             else list(itertools.combinations(range(n), k)))
    total = 0.0
    for idx in draws:
        counts = {}
        for i in idx:
            counts.setdefault(labels[i], []).append(correct[i])
        top = max(len(v) for v in counts.values())
        leaders = [v for v in counts.values() if len(v) == top]
        total += sum(sum(v) / len(v) for v in leaders) / len(leaders)
    pool = pools.Pool([[0.0] * n], [correct], [labels], mixed_labels=True)
    curve = pools.selection_curve(pool, "majority", [k], replacement=replacement)
    assert curve.mean[0] == pytest.approx(total / len(draws), abs=1e-12)
    with pytest.raises(ValueError, match="mixed_labels"):
        pools.selection_curve(pool, "weighted_vote", [k], temperature=1.0,
                              replacement=replacement)


def _best_of_k_reference(calls, correct, k, m, replacement):
    """Brute force over call subsets × candidate draws for one question ([n, M] calls)."""
    return _shared_reference("best_of_k", calls, correct, [0] * len(correct), k, m, 0.0,
                             replacement)


def test_enumerated_best_of_k_scores_one_unit_apart_and_signed_zeros():
    """The enumerated best-of-k sorts scores with the correctness flag in their lowest bit: scores
    one unit in the last place apart, −0.0 against +0.0 and the smallest subnormals keep their
    order and their ties (against brute force, which compares the scores themselves)."""
    up, down = np.nextafter(1.0, 2.0), np.nextafter(-1.0, -2.0)
    scores = np.array([1.0, up, 0.0, 5e-324, -0.0, -5e-324, -1.0, down, up, 1e-300])
    correct = np.array([1, 0, 0, 1, 1, 0, 0, 1, 1, 0], float)
    pool = pools.Pool(scores[None, :, None], correct[None])
    for replacement in (False, True):
        for k in range(1, 5 if replacement else 11):      # at most 10^4 ordered draws
            curve = pools.selection_curve(pool, "best_of_k", [k], calls=1,
                                          replacement=replacement)
            ref = _best_of_k_reference(scores[:, None], correct, k, 1, replacement)
            assert curve.exact.all()
            assert curve.mean[0] == pytest.approx(ref, abs=1e-12), (k, replacement)


@pytest.mark.parametrize("kind", ["integer", "fractional correctness", "ragged, missing calls"])
def test_enumerated_best_of_k_against_brute_force_on_many_questions(kind, monkeypatch):
    """24 questions in one call (batches of two subsets on the thread pool, the flag route, its
    exact recomputation of mixed ties and the argsort route), each against brute force."""
    monkeypatch.setattr(_call_subsets, "_BATCH_ENTRIES", 2 * 24 * 6)
    rng = np.random.default_rng(5)
    Q, n, M, m = 24, 6, 4, 2
    calls = rng.integers(0, 3, (Q, n, M)).astype(float)        # many ties
    correct = rng.integers(0, 2, (Q, n)).astype(float)
    if kind == "fractional correctness":
        correct = np.round(rng.random((Q, n)), 2)
    if kind == "ragged, missing calls":
        calls = calls + rng.normal(0.0, 1.0, (Q, n, M)).round(1)
        calls[::3, 5, :] = np.nan                                # one sample fewer
        correct[::3, 5] = np.nan
        calls[1::4, :, 3] = np.nan                               # a call that scored none
        calls[2::5, 0, 2] = np.nan                               # a call that missed one sample
    pool = pools.Pool(calls, correct)
    ks = [1, 2, 4]
    for replacement in (False, True):
        curve = pools.selection_curve(pool, "best_of_k", ks, calls=m, replacement=replacement)
        assert curve.exact.all()
        for q in range(Q):
            valid = ~np.isnan(correct[q])
            full = np.all(~np.isnan(calls[q][valid]), axis=0)
            c = calls[q][valid][:, full]
            for j, k in enumerate(ks):
                if k > valid.sum() and not replacement:
                    continue
                ref = _best_of_k_reference(c, correct[q][valid], k, min(m, c.shape[1]),
                                           replacement)
                assert curve.per_question[q, j] == pytest.approx(ref, abs=1e-12), (q, k)

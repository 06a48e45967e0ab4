"""Accuracy of the judge and of votes on discrete answers (`solvable.answers`).

Independent routes: the stored slow reference of tests/answers_reference.py (clock form of the
integral, adaptive quadrature; mpmath at T = 0), brute-force enumeration of multinomial counts,
plain Monte Carlo written here (a loop over draws with `collections.Counter`, sharing nothing with
the module's vectorised sampler), closed-form limits and exact identities (the bins partition the
line, intervals add).
"""

from __future__ import annotations

import collections
import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import special, stats

import solvable
from solvable.answers import (accuracy_normalized, bin_probabilities, majority_accuracy,
                              selection_accuracy, weighted_vote_accuracy)

DATA = Path(__file__).parent / "data" / "answers_reference.npz"


def pass_rate(b, eta):
    return stats.norm.cdf(eta - b) - stats.norm.cdf(-eta - b)


# --- the judge (softmax, best-of-k) against the slow reference ---------------------------------

@pytest.fixture(scope="module")
def reference_points():
    return dict(np.load(DATA))


# (domain, goal): relative error where the value is ≥ 1e-6 (the accuracy goals)
GOALS = {"moderate": 1e-8, "extended": 1e-8, "small_t": 1e-6, "best_of_k": 1e-6,
         "best_of_k_moderate": 1e-6}


@pytest.mark.parametrize("domain", sorted(GOALS))
def test_judge_against_reference(reference_points, domain):
    pts = reference_points[domain]
    k, t, b, a, eta, ref = pts.T
    got = np.asarray(accuracy_normalized(k, t, b, a, eta))
    big = ref >= 1e-6
    rel = np.abs(got[big] - ref[big]) / ref[big]
    assert big.sum() >= 1
    assert rel.max() <= GOALS[domain], (domain, rel.max(), pts[big][np.argmax(rel)])
    # below 1e-6 the values agree in absolute terms (the reference's own floor is ~1e-12)
    assert np.max(np.abs(got[~big] - ref[~big]), initial=0.0) < 1e-10


def test_partition_of_unity():
    """Σ_j acc(bin j correct) = 1: the bins partition the line, so the probabilities that the
    pick lands in each bin add up to one (shifting b by 2jη makes bin j the correct one)."""
    eta = 0.45
    j = np.arange(-40, 41)
    for k, t, b, a in [(7.0, 0.3, 0.4, -0.6), (300.0, 2.0, 1.5, 2.5), (40.0, 0.0, -0.3, 1.1),
                       (2.5, 15.0, 0.0, 0.0)]:
        total = float(np.sum(accuracy_normalized(k, t, b - 2 * j * eta, a, eta)))
        assert abs(total - 1.0) < 1e-11, (k, t, b, a, total)


def test_intervals_add():
    """J = (−c − η, −c + η) is the union of its halves, centred at −c ∓ η/2 (b ± η/2)."""
    for k, t, b, a, eta in [(9.0, 0.5, 0.2, -0.4, 0.8), (1e3, 3.0, 1.0, 2.0, 1.3),
                            (25.0, 0.0, 0.5, 0.1, 0.6)]:
        whole = float(accuracy_normalized(k, t, b, a, eta))
        halves = float(accuracy_normalized(k, t, b + eta / 2, a, eta / 2)
                       + accuracy_normalized(k, t, b - eta / 2, a, eta / 2))
        assert abs(whole - halves) < 1e-12 * max(whole, 1e-3)


def test_k_one_and_infinite_temperature_give_the_pass_rate():
    b, a, eta = 0.7, -1.3, 0.4
    q0 = pass_rate(b, eta)
    for t in (0.0, 0.2, 5.0, np.inf):
        assert float(accuracy_normalized(1.0, t, b, a, eta)) == pytest.approx(q0, abs=1e-13)
    for k in (2.0, 50.0):
        assert float(accuracy_normalized(k, np.inf, b, a, eta)) == pytest.approx(q0, abs=1e-15)
    # large but finite T approaches q0 like 1/T
    near = float(accuracy_normalized(5.0, 1e6, b, a, eta))
    assert abs(near - q0) < 1e-5


def test_large_k_limits():
    """k → ∞: the tilted Gaussian N(a t/(1+t), t/(1+t)) of ζ; T = 0: 1{|b − a| < η}."""
    t, b, a, eta = 0.7, 0.5, 1.2, 0.4
    m, s, c = a * t / (1 + t), math.sqrt(t / (1 + t)), b - a
    tilted = stats.norm.cdf((-c + eta - m) / s) - stats.norm.cdf((-c - eta - m) / s)
    assert float(accuracy_normalized(1e9, t, b, a, eta)) == pytest.approx(tilted, rel=1e-8)
    # T = 0: μ_R inside the correct interval → 1, outside → 0, with the best-of-k rate
    assert float(accuracy_normalized(1e6, 0.0, 0.3, 0.1, 0.5)) == pytest.approx(1.0, abs=1e-9)
    assert float(accuracy_normalized(1e6, 0.0, 0.3, -0.5, 0.5)) < 1e-9


def test_temperature_to_zero_is_continuous():
    k, b, a, eta = 30.0, 0.4, 0.9, 0.5
    at_zero = float(accuracy_normalized(k, 0.0, b, a, eta))
    gaps = [abs(float(accuracy_normalized(k, t, b, a, eta)) - at_zero) for t in (1e-2, 1e-3)]
    assert gaps[1] < gaps[0] and gaps[1] < 2e-2


def _plain_monte_carlo(k, t, b, a, eta, n, seed):
    """Per draw of k answers: (softmax-sampling accuracy, best-of-k, plurality, weighted vote),
    by a direct loop over the draws (ties: uniform)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, 4))
    for r in range(n):
        z = rng.standard_normal(k)
        y_t, y_r = b + z, a + z                    # (y − μ_T)/s and (y − μ_R)/s
        ok = np.abs(y_t) < eta
        answer = np.round(y_t / (2 * eta)).astype(int)
        logw = -y_r**2 / (2 * t) if t > 0 else -y_r**2
        p = special.softmax(logw)
        votes = collections.Counter(answer.tolist())
        top = max(votes.values())
        leaders = [j for j, v in votes.items() if v == top]
        scores = collections.defaultdict(float)
        for j, w in zip(answer, np.exp(logw - logw.max())):
            scores[j] += w
        out[r] = (p[ok].sum(), ok[np.argmax(logw)], (0 in leaders) / len(leaders),
                  max(scores, key=scores.get) == 0)
    return out


@pytest.mark.parametrize("k,t,b,a,eta", [(6, 0.4, 0.5, -0.3, 0.6), (3, 2.0, 1.1, 0.7, 0.5)])
def test_against_plain_monte_carlo(k, t, b, a, eta):
    """z-scores (|z| < 4.5) of the exact softmax, best-of-k and plurality and of the weighted
    vote's estimate (its own standard error added) against plain Monte Carlo."""
    n = 12_000
    draws = _plain_monte_carlo(k, t, b, a, eta, n, seed=11)
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / math.sqrt(n)
    q0, others = bin_probabilities(b, eta)
    exact = [float(accuracy_normalized(k, t, b, a, eta)),
             float(accuracy_normalized(k, 0.0, b, a, eta)),
             majority_accuracy(k, q0, others)]
    z = (mean[:3] - exact) / se[:3]
    assert np.all(np.abs(z) < 4.5), z
    est = weighted_vote_accuracy(k, t, b, a, eta, samples=2**15, seed=3)
    zw = (mean[3] - est.value) / math.hypot(se[3], est.stderr)
    assert abs(zw) < 4.5, zw


# --- plurality vote ------------------------------------------------------------------------

def _brute_majority(k, q):
    """Σ over all count vectors of the multinomial pmf × [bin 0 leads]/(number of leaders)."""
    total = 0.0
    for counts in itertools.product(range(k + 1), repeat=len(q)):
        if sum(counts) != k:
            continue
        pmf = math.factorial(k) * math.prod(qj**c / math.factorial(c) for qj, c in zip(q, counts))
        top = max(counts)
        if counts[0] == top:
            total += pmf / counts.count(top)
    return total


def test_majority_against_enumeration():
    rng = np.random.default_rng(5)
    for _ in range(12):
        m = int(rng.integers(2, 5))
        q = rng.dirichlet(np.ones(m))
        k = int(rng.integers(1, 10))
        assert majority_accuracy(k, q[0], q[1:]) == pytest.approx(_brute_majority(k, q), abs=1e-13)


def test_majority_partition_of_unity():
    """Σ_j P(bin j wins) = 1 with ties split uniformly (k = 40 and k = 400)."""
    eta, b = 0.35, 0.2
    for k in (40, 400):
        total = 0.0
        for j in range(-25, 26):
            q0, others = bin_probabilities(b - 2 * j * eta, eta)
            total += majority_accuracy(k, q0, others)
        assert abs(total - 1.0) < 1e-10, (k, total)


def test_majority_limits():
    # bin 0 holds the predictive's mean (|b| < η): accuracy → 1 exponentially; else → 0
    q0, others = bin_probabilities(0.1, 1.0)
    assert majority_accuracy(1, q0, others) == pytest.approx(q0, abs=1e-15)
    assert majority_accuracy(200, q0, others) > 1 - 1e-12
    q0, others = bin_probabilities(1.7, 1.0)
    assert majority_accuracy(200, q0, others) < 1e-5


# --- weighted vote ---------------------------------------------------------------------------

def test_weighted_vote_ends():
    b, a, eta = 0.4, -0.2, 0.5
    q0, others = bin_probabilities(b, eta)
    assert weighted_vote_accuracy(1, 0.7, b, a, eta).value == pytest.approx(q0, abs=1e-15)
    assert weighted_vote_accuracy(6, np.inf, b, a, eta).value == pytest.approx(
        majority_accuracy(6, q0, others), abs=1e-15)
    assert weighted_vote_accuracy(6, 0.0, b, a, eta).value == pytest.approx(
        float(accuracy_normalized(6, 0.0, b, a, eta)), abs=1e-15)


# --- public wrapper: units, invariances, bad input ---------------------------------------------

def test_units_and_invariances():
    """Shifting every location and scaling (locations, std, tolerance) by λ and T by λ² leave the
    accuracy unchanged; reflecting all offsets too."""
    base = dict(mean=0.3, std=1.5, teacher=-0.2, reward=0.8, tolerance=0.9)
    ref = float(selection_accuracy(7.0, 2.0, **base))
    shifted = {**base, "mean": 10.3, "teacher": 9.8, "reward": 10.8}
    assert float(selection_accuracy(7.0, 2.0, **shifted)) == pytest.approx(ref, rel=1e-12)
    lam = 3.0
    scaled = {key: v * lam for key, v in base.items()}
    assert float(selection_accuracy(7.0, 2.0 * lam**2, **scaled)) == pytest.approx(ref, rel=1e-12)
    mirror = {**base, "mean": -0.3, "teacher": 0.2, "reward": -0.8}
    assert float(selection_accuracy(7.0, 2.0, **mirror)) == pytest.approx(ref, rel=1e-12)
    normalised = float(accuracy_normalized(7.0, 2.0 / (2 * 1.5**2), 0.5 / 1.5, -0.5 / 1.5, 0.6))
    assert ref == pytest.approx(normalised, rel=1e-14)


def test_broadcasting_and_exports():
    ks = np.array([1.0, 4.0, 16.0])
    out = selection_accuracy(ks[:, None], np.array([0.0, 1.0]), tolerance=0.5, mean=0.2)
    assert out.shape == (3, 2)
    assert solvable.selection_accuracy is selection_accuracy
    maj = selection_accuracy(np.array([1, 3]), 0.0, tolerance=0.5, mean=0.2, rule="majority")
    assert maj.shape == (2,) and float(maj[0]) == pytest.approx(pass_rate(0.2, 0.5), abs=1e-14)


@pytest.mark.parametrize("kwargs,name", [
    (dict(k=3, temperature=1.0, tolerance=0.0), "tolerance"),
    (dict(k=3, temperature=1.0, tolerance=-1.0), "tolerance"),
    (dict(k=3, temperature=1.0, tolerance=np.nan), "tolerance"),
    (dict(k=3, temperature=1.0, tolerance=0.5, rule="median"), "rule"),
    (dict(k=2.5, temperature=1.0, tolerance=0.5, rule="majority"), "k"),
    (dict(k=2.5, temperature=1.0, tolerance=0.5, rule="weighted_vote"), "k"),
    (dict(k=0.5, temperature=1.0, tolerance=0.5), "k"),
    (dict(k=3, temperature=-1.0, tolerance=0.5), "temperature"),
    (dict(k=3, temperature=1.0, tolerance=0.5, std=0.0), "std"),
    (dict(k=3, temperature=1.0, tolerance=0.5, mean=np.nan), "mean"),
    (dict(k=3, temperature=1.0, tolerance=0.5, teacher=np.inf), "teacher"),
    (dict(k=3, temperature=1.0, tolerance=0.5, reward=np.nan), "reward"),
])
def test_bad_input(kwargs, name):
    k, temperature = kwargs.pop("k"), kwargs.pop("temperature")
    with pytest.raises(ValueError, match=name):
        selection_accuracy(k, temperature, **kwargs)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 10_000), t=st.sampled_from([0.0, 0.1, 1.0, 10.0, np.inf]),
       b=st.floats(-10, 10), a=st.floats(-10, 10), eta=st.floats(0.01, 10.0))
def test_property_bounds_and_reflection(k, t, b, a, eta):
    """In [0, 1], finite, even under (b, a) → (−b, −a), and never above pass@k = 1 − (1 − q_0)^k
    (the pick is one of the k answers)."""
    v = float(accuracy_normalized(float(k), t, b, a, eta))
    assert 0.0 <= v <= 1.0 and math.isfinite(v)
    assert float(accuracy_normalized(float(k), t, -b, -a, eta)) == pytest.approx(v, rel=1e-12, abs=1e-300)
    q0 = pass_rate(b, eta)
    assert v <= 1.0 - (1.0 - q0) ** k + 1e-12


# --- the x-average ------------------------------------------------------------------------

PAPER = solvable.Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)


def test_generalization_k_one_is_the_averaged_pass_rate():
    """k = 1: P(|Δ_T + s̄ z| < h) = 2Φ(h/√(V_T + s̄²)) − 1 in closed form, for every rule."""
    from solvable.equivalents import offset_law
    reward, h = solvable.KnobReward(2.0), 5e-5
    law = offset_law(PAPER, reward)
    closed = 2 * stats.norm.cdf(h / math.sqrt(float(law.var_teacher + law.predictive_var))) - 1
    for rule, temp in (("softmax", 0.0), ("softmax", 3e-8), ("majority", 0.0)):
        got = solvable.generalization_accuracy(PAPER, reward, 1, temp, tolerance=h, rule=rule)
        assert got == pytest.approx(closed, abs=1e-12), rule


def test_generalization_against_monte_carlo_over_inputs():
    """The quadrature over the offsets against the mean of the exact pointwise accuracy at
    offsets drawn from their law (z-score), and against a rule with twice the nodes."""
    from solvable.equivalents import offset_law
    reward, h, k, temp = solvable.KnobReward(2.0), 5e-5, 8.0, 2e-8
    law = offset_law(PAPER, reward)
    got = solvable.generalization_accuracy(PAPER, reward, k, temp, tolerance=h)
    finer = solvable.generalization_accuracy(PAPER, reward, k, temp, tolerance=h, nodes=12)
    assert got == pytest.approx(finer, abs=1e-9)
    s = math.sqrt(float(law.predictive_var))
    rng = np.random.default_rng(8)
    dt = math.sqrt(float(law.var_teacher)) * rng.standard_normal(192)
    vals = np.asarray(accuracy_normalized(k, temp / (2 * s * s), dt / s, 3 * dt / s, h / s))
    z = (vals.mean() - got) / (vals.std(ddof=1) / math.sqrt(len(vals)))
    assert abs(z) < 4.5


def test_weighted_vote_with_two_answers_is_exactly_best_of_two():
    """k = 2: two answers in different bins are decided by the larger weight, in the same bin
    they are both right or both wrong, so the weighted vote is best-of-2 draw by draw (the
    control variate then removes all the Monte Carlo error)."""
    est = weighted_vote_accuracy(2, 0.8, 0.3, -0.5, 0.4, samples=4096)
    assert est.value == pytest.approx(float(accuracy_normalized(2, 0.0, 0.3, -0.5, 0.4)), abs=1e-12)
    assert est.stderr < 1e-12

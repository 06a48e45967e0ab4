"""Limits and asymptotics of the accuracies on discrete answers (`solvable.asymptotics`,
docs/theory.md §6), each against the exact finite-k values of `solvable.answers` or an
independent quadrature written here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from solvable import KnobReward, Problem
from solvable.answers import (accuracy_normalized, bin_probabilities, generalization_accuracy,
                              majority_accuracy, weighted_vote_accuracy)
from solvable.asymptotics import (accuracy_large_k_limit, accuracy_large_k_limit_averaged,
                                  judge_vote_crossover, majority_vote_rate,
                                  weighted_vote_centring_temperature,
                                  weighted_vote_centring_temperature_averaged)
from solvable.equivalents import offset_law

PAPER = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)


def test_pointwise_limits_against_large_k():
    b, a, eta = 0.35, 0.9, 0.5
    for t in (0.3, 2.0):
        lim = float(accuracy_large_k_limit(2 * t, mean=b, reward=b - a, tolerance=eta))
        assert float(accuracy_normalized(1e9, t, b, a, eta)) == pytest.approx(lim, rel=1e-7)
    # T = 0: μ_R − μ_T = b − a = −0.55 is outside (−η, η) → 0; moved inside → 1
    assert float(accuracy_large_k_limit(0.0, mean=b, reward=b - a, tolerance=eta)) == 0.0
    assert float(accuracy_normalized(1e6, 0.0, b, a, eta)) < 1e-12
    assert float(accuracy_large_k_limit(np.inf, mean=b, reward=0.0, tolerance=eta)) == \
        pytest.approx(stats.norm.cdf(eta - b) - stats.norm.cdf(-eta - b), abs=1e-15)
    # plurality: |b| < η → 1 (at the rate 0.2 of `majority_vote_rate`, k = 150 is within 1e-9)
    q0, others = bin_probabilities(0.1, 1.0)
    assert float(accuracy_large_k_limit(0.0, mean=0.1, tolerance=1.0, rule="majority")) == 1.0
    assert majority_accuracy(150, q0, others) > 1 - 1e-9
    q0, others = bin_probabilities(1.6, 1.0)
    assert float(accuracy_large_k_limit(0.0, mean=1.6, tolerance=1.0, rule="majority")) == 0.0
    assert majority_accuracy(150, q0, others) < 1e-3


def test_weighted_vote_limit_and_centring():
    """Knob reward Δ_R = (1 + c)Δ_T with |b| > η: the plurality vote is wrong in the limit, the
    weighted vote at t = c is right (tilted mean on μ_T), and the Monte Carlo vote at k = 150
    is already close to 1 while the exact plurality vote is low (rate 0.016)."""
    b, c, eta = 1.0, 2.0, 0.5
    a = (1 + c) * b
    temp = float(weighted_vote_centring_temperature(mean=b, reward=b - a))
    assert temp == pytest.approx(2 * c, rel=1e-14)           # T = 2 s² t, t = c
    assert float(accuracy_large_k_limit(temp, mean=b, reward=b - a, tolerance=eta,
                                        rule="weighted_vote")) == 1.0
    assert float(accuracy_large_k_limit(temp, mean=b, reward=b - a, tolerance=eta,
                                        rule="majority")) == 0.0
    est = weighted_vote_accuracy(150, c, b, a, eta, samples=4096, seed=1)
    q0, others = bin_probabilities(b, eta)
    assert est.value > 0.97
    assert majority_accuracy(150, q0, others) < 0.15


def test_majority_rate_matches_exact_slope():
    """log(1 − acc_MV(k)) = −k·rate − ½ log k + const + o(1): the slope between k = 61 and 121
    of log(1 − acc) + ½ log k matches the Chernoff rate to 2%."""
    b, eta = 0.1, 1.0
    rate = majority_vote_rate(mean=b, tolerance=eta)
    q0, others = bin_probabilities(b, eta)
    top = others.max()
    assert rate == pytest.approx(-math.log(1 - (math.sqrt(q0) - math.sqrt(top)) ** 2), rel=1e-14)
    k1, k2 = 61, 121
    err = [1 - majority_accuracy(k, q0, others) for k in (k1, k2)]
    slope = -(math.log(err[1]) + 0.5 * math.log(k2) - math.log(err[0]) - 0.5 * math.log(k1)) / (k2 - k1)
    assert slope == pytest.approx(rate, rel=0.02)


def _gauss_mass_of_indicator(var_t, var_r, cov, u, h, extra=0.0):
    """E over (Δ_T, Δ_R) ~ N(0, C) of P(|N(Δ_T − uΔ_R, extra)| < h), by 2-D quadrature."""
    chol = np.linalg.cholesky(np.array([[var_t, cov], [cov, var_r]]) + 1e-300 * np.eye(2))

    def f(x1, x2):
        dt, dr = chol @ np.array([x1, x2])
        centre = dt - u * dr
        if extra > 0:
            inner = stats.norm.cdf((h - centre) / math.sqrt(extra)) - stats.norm.cdf((-h - centre) / math.sqrt(extra))
        else:
            inner = float(abs(centre) < h)
        return inner * stats.norm.pdf(x1) * stats.norm.pdf(x2)

    return integrate.dblquad(f, -9, 9, -9, 9, epsabs=1e-10)[0]


@pytest.mark.parametrize("rule,temperature", [("majority", 0.0), ("softmax", 0.0),
                                              ("softmax", 2e-8), ("weighted_vote", 2e-8)])
def test_averaged_limits_closed_form(rule, temperature):
    reward = KnobReward(0.5)
    law = offset_law(PAPER, reward)
    h = 2e-5
    got = float(accuracy_large_k_limit_averaged(PAPER, reward, temperature, tolerance=h, rule=rule))
    s2 = float(law.predictive_var)
    t = temperature / (2 * s2)
    u = {"majority": 0.0}.get(rule, 1.0 if temperature == 0 else 1 / (1 + t))
    extra = s2 * t / (1 + t) if rule == "softmax" else 0.0
    # the knob law is rank one: integrate over Δ_T alone (independent 1-D quadrature)
    g = float(law.cov / law.var_teacher)
    sd = math.sqrt(float(law.var_teacher))

    def f(x):
        centre = sd * x * (1 - u * g)
        if extra > 0:
            inner = stats.norm.cdf((h - centre) / math.sqrt(extra)) - stats.norm.cdf((-h - centre) / math.sqrt(extra))
        else:
            inner = float(abs(centre) < h)
        return inner * stats.norm.pdf(x)

    edges = [-12.0, 12.0]
    if u * g != 1:
        x0 = h / (sd * abs(1 - u * g))
        edges = sorted({-12.0, 12.0} | {x for x in (-x0, x0) if abs(x) < 12})
    ref = sum(integrate.quad(f, a, b, epsabs=1e-13)[0] for a, b in zip(edges[:-1], edges[1:]))
    assert got == pytest.approx(ref, abs=1e-10)


def test_averaged_limit_two_dimensional_law():
    """A non-rank-one law (aligned reward) against 2-D quadrature of the indicator."""
    from solvable.problem import AlignedReward
    reward = AlignedReward(0.8, 1.1)
    law = offset_law(PAPER, reward)
    h = 2e-5
    got = float(accuracy_large_k_limit_averaged(PAPER, reward, 0.0, tolerance=h, rule="softmax"))
    # scale to O(1) for the quadrature
    sc = 1e5
    ref = _gauss_mass_of_indicator(float(law.var_teacher) * sc**2, float(law.var_reward) * sc**2,
                                   float(law.cov) * sc**2, 1.0, h * sc)
    assert got == pytest.approx(ref, abs=2e-4)  # dblquad of an indicator: ~1e-4 absolute


def test_averaged_finite_k_approaches_limit():
    """Softmax at T > 0: the averaged exact accuracy at k = 1e8 equals the closed-form limit."""
    reward, h, temperature = KnobReward(0.5), 2e-5, 2e-8
    lim = float(accuracy_large_k_limit_averaged(PAPER, reward, temperature, tolerance=h))
    got = generalization_accuracy(PAPER, reward, 1e8, temperature, tolerance=h)
    assert got == pytest.approx(lim, abs=1e-6)


def test_judge_beats_vote_iff_small_knob():
    h = 2e-5
    for c, judge_wins in ((0.5, True), (-0.5, True), (2.0, False), (-2.5, False)):
        reward = KnobReward(c)
        judge = float(accuracy_large_k_limit_averaged(PAPER, reward, 0.0, tolerance=h))
        vote = float(accuracy_large_k_limit_averaged(PAPER, reward, 0.0, tolerance=h,
                                                     rule="majority"))
        assert (judge > vote) == judge_wins
    # the averaged centring temperature of the knob is t = c
    s2 = float(offset_law(PAPER, KnobReward(3.0)).predictive_var)
    assert float(weighted_vote_centring_temperature_averaged(PAPER, KnobReward(3.0))) == \
        pytest.approx(2 * s2 * 3.0, rel=1e-12)


def test_crossover_helper():
    ks = [1, 2, 4, 8, 16]
    assert judge_vote_crossover(ks, [0.3, 0.5, 0.6, 0.62, 0.63], [0.3, 0.4, 0.55, 0.7, 0.8]) == \
        pytest.approx(math.exp(math.log(4) + 0.05 / 0.13 * math.log(2)), rel=1e-12)
    assert math.isnan(judge_vote_crossover(ks, [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]))


def test_limit_bad_input():
    with pytest.raises(ValueError, match="tolerance"):
        accuracy_large_k_limit(1.0, tolerance=0.0)
    with pytest.raises(ValueError, match="rule"):
        accuracy_large_k_limit(1.0, tolerance=1.0, rule="mode")
    with pytest.raises(ValueError, match="tolerance"):
        majority_vote_rate(tolerance=-1.0)

"""The finite model graded right/wrong (`simulate(..., metric="accuracy")`) against the theory
of `solvable.answers`: z-scores at every k (|z| < 4.5), for each rule."""

from __future__ import annotations

import numpy as np
import pytest

from solvable import KnobReward, Problem
from solvable.simulation import simulate

PAPER = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
H = 5e-5  # tolerance: η = h/s̄ ≈ 0.5 in the paper's setting


@pytest.mark.parametrize("rule,temperature,predictive", [
    ("softmax", 0.0, "deterministic"),
    ("softmax", 2e-8, "deterministic"),
    ("majority", 0.0, "deterministic"),
    ("weighted_vote", 2e-8, "deterministic"),
    ("majority", 0.0, "posterior"),
])
def test_simulation_matches_theory(rule, temperature, predictive):
    res = simulate(PAPER, KnobReward(2.0), [1, 2, 5, 8], temperature, n_test=12_000, trials=1,
                   seed=4, predictive=predictive, metric="accuracy", tolerance=H, rule=rule)
    assert np.all(np.abs(res.z) < 4.5), res.z
    assert np.all(res.stderr > 0) and np.all(res.stderr < 0.01)


def test_weighted_vote_with_two_answers_is_best_of_two():
    """With k = 2 the weighted vote is best-of-2 at every T > 0: two answers in different bins
    are decided by the larger weight, two in the same bin are both right or both wrong."""
    res = simulate(PAPER, KnobReward(2.0), [2], 3e-8, n_test=4000, seed=2,
                   predictive="deterministic", metric="accuracy", tolerance=H,
                   rule="weighted_vote", compute_theory=False)
    best = simulate(PAPER, KnobReward(2.0), [2], 0.0, n_test=4000, seed=2,
                    predictive="deterministic", metric="accuracy", tolerance=H,
                    rule="softmax", compute_theory=False)
    np.testing.assert_allclose(res.trial_means, best.trial_means, rtol=0, atol=1e-15)


def test_accuracy_metric_bad_input():
    with pytest.raises(ValueError, match="tolerance"):
        simulate(PAPER, KnobReward(2.0), 3, 0.0, n_test=10, metric="accuracy")
    with pytest.raises(ValueError, match="rule"):
        simulate(PAPER, KnobReward(2.0), 3, 0.0, n_test=10, metric="accuracy", tolerance=H,
                 rule="plurality")
    with pytest.raises(ValueError, match="metric"):
        simulate(PAPER, KnobReward(2.0), 3, 0.0, n_test=10, metric="loss")

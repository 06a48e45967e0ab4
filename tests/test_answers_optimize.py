"""Best k and best temperature for the accuracy (`solvable.optimize`), against dense grids of
the exact accuracy evaluated here."""

from __future__ import annotations

import numpy as np
import pytest

from solvable.answers import accuracy_normalized, bin_probabilities, majority_accuracy
from solvable.optimize import optimal_k_accuracy, optimal_temperature_accuracy


def test_optimal_k_softmax_against_grid():
    """A misaligned judge (μ_R 0.9 s from μ_T) at T = 1: a finite best k. No point of a dense
    grid in log k beats the optimum, and the grid's best neighbours bracket it."""
    opt = optimal_k_accuracy(1.0, mean=0.3, reward=-0.6, tolerance=0.5)
    ks = np.exp(np.linspace(0.0, np.log(1e3), 48))
    vals = np.asarray(accuracy_normalized(ks, 0.5, 0.3, 0.9, 0.5))
    assert opt.boundary == 0
    assert vals.max() <= opt.value + 1e-10
    j = int(np.argmax(vals))
    assert ks[j - 1] <= opt.argmax <= ks[j + 1]


def test_optimal_temperature_softmax_against_grid():
    opt = optimal_temperature_accuracy(8, mean=0.3, reward=-0.6, tolerance=0.5)
    ts = np.exp(np.linspace(np.log(1e-3), np.log(1e3), 48))
    vals = np.asarray(accuracy_normalized(8.0, ts, 0.3, 0.9, 0.5))
    assert vals.max() <= opt.value + 1e-10
    j = int(np.argmax(vals))
    assert 2 * ts[j - 1] <= opt.argmax <= 2 * ts[j + 1]     # T = 2 s² t, s = 1


def test_optimal_k_majority_is_the_best_integer():
    opt = optimal_k_accuracy(0.0, mean=0.7, tolerance=0.5, rule="majority", k_max=30)
    q0, others = bin_probabilities(0.7, 0.5)
    vals = [majority_accuracy(k, q0, others) for k in range(1, 31)]
    assert opt.value == pytest.approx(max(vals), abs=1e-15)
    assert opt.argmax == 1 + int(np.argmax(vals))


def test_optimal_temperature_weighted_vote_near_centring():
    """Knob reward with c = 1 (t_c = 1, T_c = 2): at k = 64 the best grid temperature is within
    a factor 4 of the centring temperature, and the value beats the plurality vote."""
    b, c, eta = 0.8, 1.0, 0.5
    opt = optimal_temperature_accuracy(64, mean=b, reward=b - (1 + c) * b, tolerance=eta,
                                       rule="weighted_vote", samples=2048, t_range=(0.05, 20.0))
    assert 0.5 <= opt.argmax <= 8.0
    q0, others = bin_probabilities(b, eta)
    assert opt.value > majority_accuracy(64, q0, others) + 5 * opt.stderr


def test_optimize_bad_input():
    with pytest.raises(ValueError, match="rule"):
        optimal_k_accuracy(0.0, tolerance=0.5, rule="weighted_vote")
    with pytest.raises(ValueError, match="tolerance"):
        optimal_temperature_accuracy(3, tolerance=0.0)

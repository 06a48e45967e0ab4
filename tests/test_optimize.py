"""Optimisers of `solvable.optimize` against dense grid searches of the exact δ."""

from __future__ import annotations

import numpy as np
import pytest

import solvable
from reference import reference_normalized
from solvable import optimize as O
from solvable.selection import selection_error_normalized

exact = selection_error_normalized   # concrete calls share the scheduler's compiled blocks


def test_optimal_knob_values_and_limit():
    """docs/theory.md §5's [derived] c* ≈ 11.2 (t = 10, k = 16) and ≈ 6.1 (t = 5, k = 8) at s = 1, b = 0.2;
    c* → t as k → ∞. One vectorised call."""
    res = O.optimal_knob(np.array([16.0, 8.0, 1e6]), np.array([20.0, 10.0, 20.0]), mean=0.2)
    np.testing.assert_allclose(res.argmin, [11.2097, 6.1394, 10.0], atol=2e-3)
    assert np.all(res.boundary == O.INTERIOR)
    # dense grid of the exact δ around the optimum
    for (k, t, c_star) in [(16.0, 10.0, float(res.argmin[0])), (8.0, 5.0, float(res.argmin[1]))]:
        cs = np.linspace(c_star - 2, c_star + 2, 801)
        d = np.asarray(exact(k, t, 0.2, (1 + cs) * 0.2))
        assert abs(cs[np.argmin(d)] - c_star) < 0.01
        assert float(res.value[0 if k == 16 else 1]) <= d.min() + 1e-12


def test_optimal_k_interior_and_infinite():
    b, a = 0.2, 2.2  # exact monotone threshold t_c = 6.09
    res = O.optimal_k(2 * np.array([5.0, 6.0, 7.0]), mean=b, reward=b - a)
    ks = np.geomspace(1, 1e4, 2000)
    for i, t in enumerate((5.0, 6.0)):
        d = np.asarray(exact(ks, t, b, a))
        assert abs(np.log(ks[np.argmin(d)] / res.argmin[i])) < 0.01
        assert res.boundary[i] == O.INTERIOR
    assert np.isinf(res.argmin[2]) and res.boundary[2] == O.UPPER
    np.testing.assert_allclose(res.value[2], (b - a / 8) ** 2 + 7 / 8, rtol=1e-12)
    # a far-off reward at T = 0: the (real-k) optimum sits just above k = 1
    low = O.optimal_k(0.0, mean=0.0, teacher=0.0, reward=-3.0)
    kk = np.linspace(1, 4, 601)
    d = np.asarray(exact(kk, 0.0, 0.0, 3.0))
    assert abs(kk[np.argmin(d)] - low.argmin) < 0.01 and float(low.value) <= d.min() + 1e-12


def test_optimal_temperature_interior_zero():
    res = O.optimal_temperature(np.array([10.0, 10.0]), reward=np.array([-4.0, -0.5]))
    # exact optimum t = 25.24 (the expansion's t* = 27.2), T = 2t at s = 1
    np.testing.assert_allclose(res.argmin[0] / 2, 25.2377, rtol=1e-4)
    assert res.boundary[0] == O.INTERIOR
    ts = np.linspace(24, 26.5, 501)
    d = np.asarray(exact(10.0, ts, 0.0, 4.0))
    assert abs(ts[np.argmin(d)] - res.argmin[0] / 2) < 0.01
    # b = 0, a = 0.5, k = 10: the optimum is at (or next to) T = 0 (exact minimum at t ≈ 0.0025)
    assert res.argmin[1] < 0.01 and float(res.value[1]) <= float(exact(10.0, 0.0, 0.0, 0.5))


def test_optimal_temperature_infinite():
    # C1 = s² + 2ab < 0 with a reward that pulls the wrong way: every T > 0 is worse than T = ∞
    res = O.optimal_temperature(10.0, mean=1.0, teacher=0.0, reward=3.0)
    assert np.isinf(res.argmin) and res.boundary == O.UPPER
    np.testing.assert_allclose(res.value, 2.0, rtol=1e-12)  # s² + b²


def test_optimal_temperature_one_candidate_is_uniform():
    """k = 1 is no selection: δ = s² + (m − μ_T)² at every T, a tie that goes to T* = ∞
    (the searched minimum falls a few 1e-9 below s² + b² by rounding; it used to be returned
    as the upper end of t_range or an interior T)."""
    mean, std = np.array([0.0, 0.3, 1.0, 0.2]), np.array([1.0, 1.0, 1.0, 2.0])
    teacher, reward = np.array([0.0, 0.0, 0.0, -1.0]), np.array([0.0, -0.6, 3.0, 0.5])
    res = O.optimal_temperature(1.0, mean=mean, std=std, teacher=teacher, reward=reward)
    assert np.all(np.isinf(res.argmin)) and np.all(res.boundary == O.UPPER)
    np.testing.assert_allclose(res.value, std ** 2 + (mean - teacher) ** 2, rtol=1e-15)
    # k = 1 mixed with k > 1 in one call: a genuine interior optimum stays interior
    k = np.array([1.0, 10.0, 1.0, 10.0])
    mix = O.optimal_temperature(k, mean=np.array([0.0, 0.0, 1.0, 1.0]),
                                reward=np.array([-4.0, -4.0, 3.0, 3.0]))
    argmin, value = np.asarray(mix.argmin), np.asarray(mix.value)
    np.testing.assert_array_equal(mix.boundary, [O.UPPER, O.INTERIOR, O.UPPER, O.UPPER])
    assert np.isinf(argmin[[0, 2, 3]]).all()
    np.testing.assert_allclose(value[[0, 2, 3]], [1.0, 2.0, 2.0], rtol=1e-15)
    ts = np.linspace(24, 26.5, 501)
    d = np.asarray(exact(10.0, ts, 0.0, 4.0))
    assert abs(ts[np.argmin(d)] - argmin[1] / 2) < 0.01
    assert value[1] <= d.min() + 1e-12
    assert value[1] < (1 - 1e-3) * min(1.0, float(exact(10.0, 0.0, 0.0, 4.0)))  # not a tie


def test_optimal_temperature_zero_end_ties():
    """δ rises from T = 0 here (the independent reference: by 1.5e-11 relatively at t = 1e-4
    and 1.5e-9 at t = 1e-3), but the kernel's values at t ~ 1e-4 fall up to 1.4e-9 below its
    T = 0 value; that rounding used to be returned as an interior optimum at t = 1.05e-4."""
    k, b, a = 3.0, -0.5491607674800081, -4.428184983912387
    d0 = reference_normalized(k, 0.0, b, a)
    assert reference_normalized(k, 1e-4, b, a) > d0 and reference_normalized(k, 1e-3, b, a) > d0
    res = O.optimal_temperature(k, mean=b, reward=b - a)
    assert float(res.argmin) == 0.0 and res.boundary == O.LOWER
    assert float(res.value) == float(exact(k, 0.0, b, a))


def test_optimal_temperature_averaged_one_candidate():
    """Averaged over x, k = 1 gives s̄² + Var Δ_T at every T: T* = ∞ (the tie rule)."""
    law = solvable.OffsetLaw(var_teacher=0.5, var_reward=2.0, cov=-0.3, predictive_var=1.3,
                             rank_one=False)
    res = O.optimal_temperature_averaged(law, k=1.0)
    assert np.isinf(res.argmin) and res.boundary == O.UPPER
    np.testing.assert_allclose(res.value, 1.3 + 0.5, rtol=1e-15)


@pytest.mark.slow
def test_averaged_optimisers():
    from solvable.average import average_over_offsets

    avg = average_over_offsets
    p = solvable.Problem(n=200, d=50, sigma=0.5, gamma=1.0)
    law = solvable.offset_law(p, solvable.KnobReward(0.0))
    s2, vt = float(law.predictive_var), float(law.var_teacher)
    res = O.optimal_knob_averaged(p, 16.0, 20 * s2)
    cs = np.linspace(float(res.argmin) - 1, float(res.argmin) + 1, 81)
    g = 1 + cs
    laws = solvable.OffsetLaw(np.full_like(cs, vt), g * g * vt, g * vt, np.full_like(cs, s2),
                              rank_one=True)
    d = np.asarray(avg(laws, 16.0, 20 * s2))
    assert abs(cs[int(np.argmin(d))] - res.argmin) < 0.03
    assert float(res.value) <= d.min() * (1 + 1e-9)
    knob = solvable.offset_law(p, solvable.KnobReward(40.0))
    rk = O.optimal_k_averaged(knob, None, 2 * s2)
    ks = np.geomspace(1, 1e4, 200)
    dk = np.asarray(avg(knob, ks, 2 * s2))
    if rk.boundary == O.UPPER:
        assert np.all(np.diff(dk) <= 1e-12)
    else:
        assert abs(np.log(ks[np.argmin(dk)] / rk.argmin)) < 0.05


def test_bad_inputs():
    with pytest.raises(ValueError, match="temperature"):
        O.optimal_k(-1.0)
    with pytest.raises(ValueError, match="k"):
        O.optimal_temperature(0.5)
    with pytest.raises(ValueError, match="mean"):
        O.optimal_knob(8.0, 1.0, mean=0.0, teacher=0.0)
    with pytest.raises(ValueError, match="std"):
        O.optimal_k(1.0, std=-1.0)
    with pytest.raises(ValueError, match="k_max"):
        O.optimal_k(1.0, k_max=np.inf)

"""Limits, expansions, extreme-value law and slopes of `solvable.asymptotics` vs the exact δ."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import solvable
from solvable import asymptotics as A
from solvable.selection import selection_error_normalized

exact = selection_error_normalized  # δ/s² (k, t, b, a); concrete calls share compiled blocks

# the paper's problem comes from the paper_problem fixture (tests/conftest.py); MODERATE is a
# problem whose offsets are comparable to s̄ (in the paper's an AlignedReward puts |Δ_R|/s̄ ~ 1e4)
MODERATE = dict(n=200, d=50, sigma=0.5, gamma=1.0)


def slope(x, y):
    return np.polyfit(np.log(x), np.log(np.abs(y)), 1)[0]


# --- k → ∞ ---------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None)
@given(t=st.floats(0.05, 50), b=st.floats(-2, 2), a=st.floats(-3, 3), s=st.floats(0.3, 3))
def test_large_k_limit_is_tilted_gaussian(t, b, a, s):
    got = A.large_k_limit(2 * s * s * t, mean=b * s, std=s, teacher=0.0, reward=b * s - a * s)
    want = (b * s - a * s / (1 + t)) ** 2 + s * s * t / (1 + t)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_large_k_limit_ends_and_exact_delta():
    # T = 0: (b − a)²; T = ∞: s² + b²; exact δ at huge k approaches the limit as A/k
    assert np.isclose(A.large_k_limit(0.0, mean=0.3, reward=1.0), 1.0)  # (μ_R − μ_T)²
    assert np.isclose(A.large_k_limit(np.inf, mean=0.3, reward=1.0), 1.09)
    for t, b, a in [(3.0, 0.3, 0.8), (0.5, -0.2, 1.5), (20.0, 0.2, 2.2)]:
        lim = A.large_k_limit(2 * t, mean=b, reward=b - a)
        corr = A.large_k_correction(2 * t, mean=b, reward=b - a)
        for k in (1e3, 1e4):
            d = exact(k, t, b, a)
            # 1/k² remainder: k(δ − δ_∞) → A within a few 1/k
            np.testing.assert_allclose(k * (d - lim), corr, atol=2e-3 * (1 + abs(corr)) * 1e3 / k)


@pytest.mark.slow
def test_large_k_limit_averaged_matches_exact_average():
    p = solvable.Problem(**MODERATE)
    for reward in (solvable.KnobReward(3.0), solvable.AlignedReward(0.95, 1.0)):
        law = solvable.offset_law(p, reward)
        for temperature in (0.0, 0.5, np.inf):
            lim = A.large_k_limit_averaged(p, reward, temperature)
            # closed form = Gauss–Hermite average of the pointwise limit
            t = temperature / (2 * law.predictive_var)
            if np.isfinite(t):
                brute = (law.var_teacher - 2 * law.cov / (1 + t) + law.var_reward / (1 + t) ** 2
                         + law.predictive_var * t / (1 + t))
                np.testing.assert_allclose(lim, brute, rtol=1e-12)
            else:
                np.testing.assert_allclose(lim, law.predictive_var + law.var_teacher, rtol=1e-12)
        # exact averaged δ at large k approaches it at T > 0
        d = solvable.generalization_error(p, reward, 1e5, 1.3)
        np.testing.assert_allclose(d, A.large_k_limit_averaged(law, None, 1.3), rtol=1e-5)


# --- high-temperature expansion -------------------------------------------------------------

TS = np.geomspace(20, 400, 9)


@pytest.mark.parametrize("k,b,a", [(8.0, 0.3, 0.7), (3.0, -0.5, 1.2), (40.0, 0.0, 1.5)])
def test_expansion_residual_slopes(k, b, a):
    d = np.asarray(exact(k, TS, b, a))
    r1 = d - A.high_temperature_expansion(k, 2 * TS, mean=b, reward=b - a, order=1)
    r2 = d - A.high_temperature_expansion(k, 2 * TS, mean=b, reward=b - a, order=2)
    r3 = d - A.high_temperature_expansion(k, 2 * TS, mean=b, reward=b - a, order=3)
    assert abs(slope(TS, r1) + 2) < 0.15
    assert abs(slope(TS, r2) + 3) < 0.1
    assert abs(slope(TS, r3) + 4) < 0.15
    # and the t⁻³ coefficient of the order-2 residual is E3
    co = A.expansion_coefficients(k, mean=b, reward=b - a)
    np.testing.assert_allclose(r2[-1] * TS[-1] ** 3, co.E3, rtol=0.05, atol=1e-3)


def test_authors_third_order_term_is_wrong():
    """The authors' term −(1−1/k)(1−2/k)(1−3/k)·C3/t³ (any k-independent C3) vanishes at k = 3,
    where the true t⁻³ coefficient E3 does not: the residual stays O(t⁻³)."""
    b, a = 0.3, 0.9
    for k in (3.0, 8.0):
        x = 1 / k
        d = np.asarray(exact(k, TS, b, a))
        e2 = A.high_temperature_expansion(k, 2 * TS, mean=b, reward=b - a, order=2)
        c3 = 1 + 2 * a * b + 2 * a * a  # a plausible C3; the conclusion holds for any
        authors = e2 - (1 - x) * (1 - 2 * x) * (1 - 3 * x) * c3 / TS**3
        assert abs(slope(TS, d - authors) + 3) < 0.1
        assert abs(slope(TS, d - A.high_temperature_expansion(
            k, 2 * TS, mean=b, reward=b - a, order=3)) + 4) < 0.15


def test_expansion_averaged_equals_average_of_pointwise():
    p = solvable.Problem(**MODERATE)
    reward = solvable.AlignedReward(0.95, 1.0)
    law = solvable.offset_law(p, reward)
    s2 = float(law.predictive_var)
    # Monte Carlo-free check: Gauss–Hermite (exact for polynomials) over the 2-D law
    xi, w = np.polynomial.hermite_e.hermegauss(12)
    w = w / w.sum()
    vt, vr, c = float(law.var_teacher), float(law.var_reward), float(law.cov)
    load = c / np.sqrt(vt)
    resid = np.sqrt(vr - load**2)
    x1, x2 = np.meshgrid(xi, xi, indexing="ij")
    ww = np.outer(w, w)
    bb, aa = np.sqrt(vt) * x1, load * x1 + resid * x2
    for order in (1, 2, 3):
        for k in (2.0, 9.0):
            T = 40 * s2
            point = A.high_temperature_expansion(k, T, mean=bb, std=np.sqrt(s2), teacher=0.0,
                                                 reward=bb - aa, order=order)
            want = np.sum(ww * np.asarray(point))
            got = A.high_temperature_expansion_averaged(p, reward, k, T, order=order)
            np.testing.assert_allclose(got, want, rtol=1e-10)
    # and it tracks the exact averaged δ to O(t⁻⁴)
    T = 200 * s2
    got = A.high_temperature_expansion_averaged(law, None, 6.0, T, order=3)
    np.testing.assert_allclose(got, solvable.generalization_error(p, reward, 6.0, T),
                               rtol=1e-7)


def test_expansion_bad_order():
    with pytest.raises(ValueError, match="order"):
        A.high_temperature_expansion(4.0, 10.0, order=4)


# --- extreme-value law -----------------------------------------------------------------------

def test_best_of_k_approach_values():
    """docs/theory.md §4: k²δ/(π s² e^{b²/s²}) = 0.956, 0.9971, 0.99982 at k = 64, 1024, 16384
    (b = 0)."""
    for k, want, tol in [(64, 0.956, 5e-4), (1024, 0.9971, 5e-5), (16384, 0.99982, 5e-6)]:
        ratio = solvable.selection_error(k, 0.0, std=1.3) / A.best_of_k_asymptote(k, std=1.3)
        assert abs(float(ratio) - want) < tol, (k, float(ratio))
    # b ≠ 0: the e^{b²/s²} factor
    ratio = solvable.selection_error(16384, 0.0, mean=0.8) / A.best_of_k_asymptote(16384, mean=0.8)
    assert abs(float(ratio) - 1) < 2e-3


def test_best_of_k_asymptote_averaged(paper_problem):
    p = paper_problem
    law = solvable.offset_law(p, solvable.KnobReward(0.0))
    ratio = 2 * law.var_teacher / law.predictive_var
    assert 0 < ratio < 1
    for k in (256, 4096):
        got = A.best_of_k_asymptote_averaged(p, k)
        np.testing.assert_allclose(
            got, np.pi * law.predictive_var / (k * k * np.sqrt(1 - ratio)), rtol=1e-12)
    d = solvable.generalization_error(p, solvable.KnobReward(0.0), 4096, 0.0)
    np.testing.assert_allclose(d, A.best_of_k_asymptote_averaged(law, 4096), rtol=5e-3)


def test_best_of_k_asymptote_refuses_divergence():
    # few data, weak prior on a strong teacher: 2 Var Δ_T ≥ s̄²
    p = solvable.Problem(n=5.0, d=10, sigma=0.1, gamma=1.0, teacher_norm2=400.0)
    with pytest.raises(ValueError, match="2 Var Δ_T"):
        A.best_of_k_asymptote_averaged(p, 100)
    with pytest.raises(ValueError, match="2 Var Δ_T"):
        A.best_of_k_slopes(p)
    with pytest.raises(ValueError, match="reward"):
        A.best_of_k_asymptote(10, teacher=0.0, reward=1.0)


# --- optima of the expansion, and what the exact δ says -------------------------------------

def test_expansion_optimal_temperature_formula_and_exact():
    T = A.expansion_optimal_temperature(10, mean=0.0, reward=-4.0)
    np.testing.assert_allclose(T / 2, 27.2, rtol=1e-12)  # docs/theory.md §5's example, t* = 27.2
    # it is the minimiser of the order-2 expansion
    ts = np.linspace(20, 35, 3001)
    e2 = A.high_temperature_expansion(10.0, 2 * ts, reward=-4.0, order=2)
    assert abs(ts[np.argmin(e2)] - 27.2) < 0.01
    # but the exact δ is minimised at t = 25.24 (an asymptote for large C2/C1 only)
    d = np.asarray(exact(10.0, ts, 0.0, 4.0))
    assert abs(ts[np.argmin(d)] - 25.24) < 0.02


@pytest.mark.parametrize("k", [1.0, 2.0])
def test_expansion_optimal_temperature_refuses_small_k(k):
    with pytest.raises(ValueError, match="k must be > 2"):
        A.expansion_optimal_temperature(k, reward=-1.0)


def test_expansion_optimal_temperature_refuses_negative_c1():
    with pytest.raises(ValueError, match="C1"):
        A.expansion_optimal_temperature(10.0, mean=1.0, reward=2.0)  # a = −1, b = 1


def test_finite_k_threshold_of_expansion_and_exact():
    b, a = 0.2, 2.2
    co = A.expansion_coefficients(1.0, mean=b, reward=b - a)
    t_theory = 3 * co.C2 / co.C1
    ks = np.geomspace(1, 3e4, 300)
    # the expansion's k* (docs/theory.md §5) is the exact minimiser of the truncated expansion
    for t in (2.0, 6.0, 9.0):
        e2 = A.high_temperature_expansion(ks, 2 * t, mean=b, reward=b - a, order=2)
        k_exp = A.expansion_optimal_k(2 * t, mean=b, reward=b - a)
        assert abs(np.log(ks[np.argmin(e2)] / k_exp)) < 0.05
    assert np.isinf(A.expansion_optimal_k(2 * (t_theory + 0.1), mean=b, reward=b - a))
    # the exact δ: monotone above t_c = 6.09 (derived), finite k* below; 3C2/C1 = 10.7 and
    # the secondary 2C2/C1 = 7.15 both miss it here
    t_c = A.monotone_threshold(mean=b, reward=b - a) / 2
    np.testing.assert_allclose(t_c, 6.0867, atol=1e-3)
    for t in (t_c + 0.3, 8.0, 10.0):
        d = np.asarray(exact(ks, t, b, a))
        assert np.all(np.diff(d) <= 1e-12)
    for t, k_exact in [(5.0, 6.66), (6.0, 79.7)]:
        d = np.asarray(exact(ks, t, b, a))
        assert np.diff(d)[-1] > 0 and abs(np.log(ks[np.argmin(d)] / k_exact)) < 0.05
    # at t = 5: exact 6.66, expansion 2.50, secondary 2t*/(t* − t) (t* = 2C2/C1) 6.65
    t_star = 2 * co.C2 / co.C1
    assert abs(2 * t_star / (t_star - 5.0) - 6.65) < 0.01
    assert abs(A.expansion_optimal_k(10.0, mean=b, reward=b - a) - 2.50) < 0.01


def test_thresholds_at_large_a():
    """At large a²/C1 the expansion's 3C2/C1 is right to leading order; the secondary's 2C2/C1
    is not (docs/theory.md §5)."""
    b, a = 0.2, 10.2
    co = A.expansion_coefficients(1.0, mean=b, reward=b - a)
    t_c = float(A.monotone_threshold(mean=b, reward=b - a)) / 2
    assert abs(t_c - (3 * a * a / co.C1 - 5 / 3)) < 0.05
    assert abs(3 * co.C2 / co.C1 - t_c) / t_c < 0.08
    assert abs(2 * co.C2 / co.C1 - t_c) / t_c > 0.25
    ks = np.geomspace(1, 1e5, 200)
    assert np.all(np.diff(np.asarray(exact(ks, t_c + 1.0, b, a))) <= 1e-12)
    assert np.diff(np.asarray(exact(ks, t_c - 1.0, b, a)))[-1] > 0


# --- slopes ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_scaling_slopes_against_finite_differences(paper_problem):
    p = paper_problem
    r = solvable.KnobReward(3.0)
    ks = jnp.array([16.0])
    T = 2e-8
    s = A.scaling_slopes(p, r, ks, T)
    h = 1e-4
    for i, k in enumerate(np.asarray(ks)):
        dk = (np.log(solvable.generalization_error(p, r, k * np.exp(h), T))
              - np.log(solvable.generalization_error(p, r, k * np.exp(-h), T))) / (2 * h)
        dn = (np.log(solvable.generalization_error(p.replace(n=1e4 * np.exp(h)), r, k, T))
              - np.log(solvable.generalization_error(p.replace(n=1e4 * np.exp(-h)), r, k, T))) / (2 * h)
        np.testing.assert_allclose(s.k[i], dk, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(s.n[i], dn, rtol=1e-5, atol=1e-8)


@pytest.mark.slow
def test_best_of_k_slopes_regime(paper_problem):
    p = paper_problem
    bs = A.best_of_k_slopes(p)
    assert bs.k == -2
    np.testing.assert_allclose(bs.n_paper, bs.n_asymptote, rtol=0.05)  # s̄² ≈ σ² here
    # the exact slopes at large k, T = 0, reward = teacher approach the regime values
    s = A.scaling_slopes(p, solvable.KnobReward(0.0), 4096.0, 0.0)
    np.testing.assert_allclose(s.k, -2, atol=0.01)
    np.testing.assert_allclose(s.n, bs.n_asymptote, atol=0.01)


def test_bad_inputs_name_parameter():
    with pytest.raises(ValueError, match="temperature"):
        A.large_k_limit(-1.0)
    with pytest.raises(ValueError, match="k"):
        A.high_temperature_expansion(0.5, 10.0)
    with pytest.raises(ValueError, match="std"):
        A.large_k_limit(1.0, std=0.0)
    with pytest.raises(ValueError, match="mean"):
        A.large_k_limit(1.0, mean=np.nan)
    with pytest.raises(ValueError, match="temperature"):
        A.large_k_correction(0.0)
    with pytest.raises(ValueError, match="k"):
        A.best_of_k_asymptote(0.0)

"""Tests of the pointwise selection error (THEORY §4) against an independent slow reference
(tests/reference.py), Monte Carlo, and the identities and limits of the theory."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solvable
from solvable.selection import best_of_k_error, selection_error, selection_error_normalized

from reference import monte_carlo, reference_normalized

f = jax.jit(selection_error_normalized)


def rel(x, y):
    return abs(float(x) / float(y) - 1.0)


# ----------------------------------------------------------------- reference accuracy
MODERATE = [
    (64, 0.01 * 10, 0.0, 0.0),
    (1.0, 1.0, 0.3, 0.5),
    (10, 1.0, 0.0, 4.0),
    (1000, 0.1, 0.5, -2.0),
    (1e4, 0.1, 2.0, 3.0),
    (3, 5.0, 1.0, 1.0),
    (2.5, 0.3, -4.0, 5.0),
    (353.0, 0.64, -4.6, -4.8),
    (17.5, 40.0, 5.0, -5.0),
]
EXTENDED = [
    (64, 0.01, 0.0, 0.0),
    (100, 1e-3, 0.0, 0.0),
    (1e6, 1e-3, 0.0, 0.0),
    (1e5, 0.0, 1.0, 2.0),
    (2e5, 0.0, -3.0, 9.0),
    (40, 1e-3, 8.0, -10.0),
    (1e6, 3e-3, 10.0, 10.0),
    (5e3, 0.0, 0.0, 0.0),
]


@pytest.mark.parametrize("p", MODERATE)
def test_moderate_domain_against_reference(p):
    assert rel(f(*p), reference_normalized(*p)) < 1e-8


@pytest.mark.parametrize("p", EXTENDED)
def test_extended_domain_against_reference(p):
    assert rel(f(*p), reference_normalized(*p)) < 1e-6


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    lk=st.floats(0, math.log(1e4)),
    lt=st.floats(math.log(0.1), math.log(100)),
    b=st.floats(-5, 5),
    a=st.floats(-5, 5),
)
def test_moderate_sweep(lk, lt, b, a):
    p = (math.exp(lk), math.exp(lt), b, a)
    assert rel(f(*p), reference_normalized(*p)) < 1e-8


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    lk=st.floats(0, math.log(1e6)),
    lt=st.one_of(st.just(-math.inf), st.floats(math.log(1e-3), math.log(1e3))),
    b=st.floats(-10, 10),
    a=st.floats(-10, 10),
)
def test_extended_sweep(lk, lt, b, a):
    p = (math.exp(lk), math.exp(lt), b, a)
    assert rel(f(*p), reference_normalized(*p)) < 1e-6


# ----------------------------------------------------------------- THEORY values and limits
@pytest.mark.parametrize("k, value", [(64, 0.956), (1024, 0.9971), (16384, 0.99982)])
def test_best_of_k_extreme_value_constants(k, value):
    # k² δ / (π s² e^{b²/s²}) at b = 0, T = 0, reward = teacher (THEORY §4)
    d = best_of_k_error(k, mean=0.7, std=2.0, teacher=0.7, reward=0.7)
    assert float(k * k * d / (math.pi * 4.0)) == pytest.approx(value, abs=6e-4 if k == 64 else 1e-4)


def test_k1_and_infinite_temperature():
    for t in (0.0, 1e-3, 0.3, 7.0, 1e4, math.inf):
        for b, a in ((0.0, 0.0), (1.5, -2.0), (-4.0, 8.0)):
            assert rel(f(1.0, t, b, a), 1 + b * b) < 1e-9
    assert rel(f(50.0, math.inf, 0.4, 3.0), 1 + 0.16) < 1e-15
    assert rel(f(50.0, 1e12, 0.4, 3.0), 1 + 0.16) < 1e-9


@pytest.mark.parametrize("t, b, a", [(0.5, 0.3, 1.0), (2.0, -1.0, 2.0), (0.05, 0.0, 0.5)])
def test_large_k_limit_tilted_gaussian(t, b, a):
    lim = (b - a / (1 + t)) ** 2 + t / (1 + t)
    errs = [abs(float(f(k, t, b, a)) - lim) for k in (1e3, 1e5, 1e7)]
    assert errs[2] < errs[1] < errs[0] and errs[2] < 1e-4 * max(lim, 1e-3)


def test_zero_temperature_large_k_limit():
    b, a = 0.4, -0.6
    vals = [float(f(k, 0.0, b, a)) for k in (1e2, 1e4, 1e6)]
    assert abs(vals[2] - (b - a) ** 2) < abs(vals[0] - (b - a) ** 2)
    assert vals[2] == pytest.approx((b - a) ** 2, rel=1e-3)


@pytest.mark.parametrize("k, b, a", [(64, 0.0, 0.0), (1e4, 1.0, 2.0), (3.5, -2.0, 0.5)])
def test_continuity_at_zero_temperature(k, b, a):
    d0 = float(f(k, 0.0, b, a))
    for t in (1e-9, 1e-12, 1e-20):
        assert rel(f(k, t, b, a), d0) < 1e-6
    assert rel(f(k, 1e-29, b, a), d0) < 1e-9


def test_monotone_in_k_best_of_k_teacher_reward():
    ks = np.exp(np.linspace(0, np.log(1e6), 40))
    for b in (0.0, 1.0, -3.0):
        d = np.asarray(f(ks, 0.0, b, b))
        assert np.all(np.diff(d) <= 0)


@settings(max_examples=30, deadline=None)
@given(
    k=st.floats(1, 1e5),
    lt=st.one_of(st.just(-math.inf), st.floats(math.log(1e-3), math.log(1e3))),
    mean=st.floats(-5, 5),
    teacher=st.floats(-5, 5),
    reward=st.floats(-5, 5),
    std=st.floats(0.2, 5),
    shift=st.floats(-50, 50),
    scale=st.floats(0.1, 10),
)
def test_invariances(k, lt, mean, teacher, reward, std, shift, scale):
    T = math.exp(lt)
    base = float(selection_error(k, T, mean=mean, std=std, teacher=teacher, reward=reward))
    shifted = selection_error(
        k, T, mean=mean + shift, std=std, teacher=teacher + shift, reward=reward + shift
    )
    flipped = selection_error(k, T, mean=-mean, std=std, teacher=-teacher, reward=-reward)
    scaled = selection_error(
        k, scale**2 * T, mean=scale * mean, std=scale * std, teacher=scale * teacher,
        reward=scale * reward,
    )
    assert rel(shifted, base) < 1e-9 and rel(flipped, base) < 1e-12
    assert rel(scaled, scale**2 * base) < 1e-9


# ----------------------------------------------------------------- Monte Carlo
@pytest.mark.parametrize(
    "k, T, mean, std, teacher, reward",
    [(4, 0.5, 0.3, 1.0, 0.0, -0.2), (16, 0.0, 1.0, 0.5, 0.8, 1.3), (8, 0.02, 0.0, 2.0, 1.0, 0.5)],
)
def test_monte_carlo(k, T, mean, std, teacher, reward):
    est, se = monte_carlo(k, T, mean=mean, std=std, teacher=teacher, reward=reward, n=400_000, seed=7)
    exact = float(selection_error(k, T, mean=mean, std=std, teacher=teacher, reward=reward))
    assert abs(est - exact) / se < 4.5


# ----------------------------------------------------------------- API, broadcasting, edges
def test_public_api_and_broadcasting():
    assert solvable.selection_error is selection_error
    assert solvable.best_of_k_error is best_of_k_error
    out = selection_error(jnp.array([1.0, 8.0, 64.0])[:, None], jnp.array([0.0, 0.5]), mean=0.3)
    assert out.shape == (3, 2) and out.dtype == jnp.float64
    assert float(best_of_k_error(8, mean=0.3)) == float(selection_error(8, 0.0, mean=0.3))


def test_finite_far_outside_domain():
    pts = [(1e12, 1e-3, 0, 0), (1e9, 0.0, 50.0, 40.0), (3, 1e-300, 1, 1), (5, 1e200, 2, 3),
           (1e6, 1e-6, 30.0, -30.0), (2, 0.5, 1e3, 1e3), (1e15, 10.0, 0, 0)]
    for p in pts:
        assert np.isfinite(float(f(*p))), p


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(k=0.5, temperature=1.0), "k"),
        (dict(k=math.inf, temperature=1.0), "k"),
        (dict(k=math.nan, temperature=1.0), "k"),
        (dict(k=2, temperature=-1.0), "temperature"),
        (dict(k=2, temperature=math.nan), "temperature"),
        (dict(k=2, temperature=1.0, std=0.0), "std"),
        (dict(k=2, temperature=1.0, std=math.inf), "std"),
        (dict(k=2, temperature=1.0, mean=math.inf), "mean"),
        (dict(k=2, temperature=1.0, teacher=math.nan), "teacher"),
        (dict(k=2, temperature=1.0, reward=-math.inf), "reward"),
    ],
)
def test_validation(kwargs, name):
    with pytest.raises(ValueError, match=name):
        selection_error(**kwargs)


# ----------------------------------------------------------------- gradients
def _fd(fun, x, h):
    return (fun(x + h) - fun(x - h)) / (2 * h)


@pytest.mark.parametrize(
    "k, t, b, a", [(10.0, 0.5, 0.3, 1.0), (300.0, 0.01, -0.5, 0.8), (5.0, 2e-3, 1.0, 0.0), (7.3, 0.0, 0.4, -1.2)]
)
def test_gradients_match_finite_differences(k, t, b, a):
    g = jax.grad(lambda *v: selection_error_normalized(*v), argnums=(0, 1, 2, 3))(k, t, b, a)
    assert all(np.isfinite(float(x)) for x in g)
    fb = lambda v: float(f(k, t, v, a))  # noqa: E731
    fa = lambda v: float(f(k, t, b, v))  # noqa: E731
    fk = lambda v: float(f(v, t, b, a))  # noqa: E731
    assert float(g[2]) == pytest.approx(_fd(fb, b, 1e-5), rel=1e-5, abs=1e-9)
    assert float(g[3]) == pytest.approx(_fd(fa, a, 1e-5), rel=1e-5, abs=1e-9)
    assert float(g[0]) == pytest.approx(_fd(fk, k, 1e-4 * k), rel=1e-5, abs=1e-9)
    if t > 0:
        ft = lambda v: float(f(k, v, b, a))  # noqa: E731
        assert float(g[1]) == pytest.approx(_fd(ft, t, 1e-4 * t), rel=1e-4, abs=1e-9)


def test_gradients_finite_at_edges():
    grad = jax.jit(jax.grad(selection_error, argnums=(0, 1)))
    for k, T, m in [(1.0, 1.0, 0.0), (64.0, 0.0, 0.0), (1e6, 1e-3, 2.0), (3.0, math.inf, 1.0)]:
        gk, gT = grad(k, T, mean=m)
        assert np.isfinite(float(gk)) and np.isfinite(float(gT))

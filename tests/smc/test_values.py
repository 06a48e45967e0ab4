"""Values and Bellman error against closed forms and brute-force enumeration."""

import itertools

import jax
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from solvable import smc

from smc_helpers import path_probs, tree_arrays

trees = st.builds(
    lambda seed, T, B, spread, zf: smc.random_tree(jax.random.key(seed), T, B, spread=spread,
                                                   zero_fraction=zf),
    st.integers(0, 2**16), st.integers(1, 3), st.integers(2, 3),
    st.sampled_from([0.0, 1.0, 4.0]), st.sampled_from([0.0, 0.5]))


@pytest.mark.parametrize("T", [1, 10, pytest.param(1000, marks=pytest.mark.slow)])
def test_product_model_closed_forms(T):
    for r in (1.0, 1.5, 3.0):  # same shapes: compiled once per T
        be = smc.bellman_error(smc.product_model(T, r))
        assert be.epsilon == pytest.approx((r - 1) / 2, abs=1e-9)
        assert be.ratio_bound == pytest.approx(r, rel=1e-9)
        norm = smc.bellman_error(smc.product_model(T, r, normalized=True))
        assert norm.epsilon < 1e-9
        assert norm.ratio_bound == pytest.approx(max(2 * r / (1 + r), (1 + r) / 2), rel=1e-9)


def test_normalized_product_is_exact_value():
    T, r = 6, 2.5
    m = smc.product_model(T, r, normalized=True)
    star = smc.exact_values(m)
    k = np.arange(T + 1)
    for t in range(T + 1):  # V*_t = r^k ((1+r)/2)^{T−t} on reachable k ≤ t
        want = k[: t + 1] * np.log(r) + (T - t) * np.log((1 + r) / 2)
        np.testing.assert_allclose(np.asarray(star.log[t])[: t + 1], want, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(m.values.log[t])[: t + 1], want, rtol=1e-12)


def brute_values(model):
    """V*_t(prefix) = Σ_paths p(path | prefix) r(path), by enumeration."""
    pp = path_probs(model)
    _, reward = tree_arrays(model)
    T, B = model.T, model.B
    out = []
    for t in range(T + 1):
        mass = pp.reshape(B**t, -1)
        num = (mass * reward.reshape(B**t, -1)).sum(1)
        den = mass.sum(1)
        out.append(num / den)
    return out


@settings(max_examples=5, deadline=None)
@given(trees)
def test_exact_values_match_enumeration_and_have_zero_bellman_error(model):
    star = smc.exact_values(model)
    for a, b in zip(star.log, brute_values(model)):
        np.testing.assert_allclose(np.exp(np.asarray(a)), b, rtol=1e-10, atol=1e-300)
    be = smc.bellman_error(model, star)
    assert be.epsilon < 1e-9
    assert be.mean_log_residual_p < 1e-9 and be.mean_log_residual_pi < 1e-9


def brute_bellman(model, vals):
    """sup |log V_t − log E_p[V_{t+1}]| and sup |log V_{t+1}/V_t| by explicit loops over nodes."""
    probs, _ = tree_arrays(model)
    V = [np.exp(np.asarray(a)) for a in vals.log]
    B, sup, lsup = model.B, 0.0, 0.0
    for t in range(model.T):
        for i in range(B**t):
            e = sum(probs[t][i, b] * V[t + 1][i * B + b] for b in range(B))
            sup = max(sup, abs(np.log(V[t][i] / e)))
            for b in range(B):
                lsup = max(lsup, abs(np.log(V[t + 1][i * B + b] / V[t][i])))
    return np.expm1(sup), np.exp(lsup)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 3), st.sampled_from(["random", "alternating", "adversarial"]),
       st.sampled_from([0.0, 0.05, 0.5, 3.0]))
def test_bellman_error_matches_brute_force(seed, T, kind, eta):
    model = smc.random_tree(jax.random.key(seed), T, 2)
    vals = smc.perturbed_values(jax.random.key(seed + 1), model, eta, kind)
    be = smc.bellman_error(model, vals)
    eps, L = brute_bellman(model, vals)
    assert be.epsilon == pytest.approx(eps, rel=1e-9, abs=1e-12)
    assert be.ratio_bound == pytest.approx(L, rel=1e-9)
    assert be.epsilon <= (1 + eta) ** 2 - 1 + 1e-9
    if kind == "alternating":  # V*·(1+η)^{(−1)^t}: every residual is exactly (1+η)^{±2} (t < T−1)
        if T >= 2:
            assert be.epsilon == pytest.approx((1 + eta) ** 2 - 1, rel=1e-9, abs=1e-12)


@settings(max_examples=6, deadline=None)
@given(trees, st.sampled_from([0.0, 0.01, 0.3, 2.0]))
def test_tilted_values_bellman_bound(model, tilt):
    be = smc.bellman_error(model, smc.tilted_values(model, tilt))
    assert be.epsilon <= np.expm1(tilt * (model.T - 1) / model.T) + 1e-9


@pytest.mark.slow
def test_tilted_product_large_T_polynomial_regime():
    T, c = 1000, 2.0
    m = smc.product_model(T, 3.0, normalized=True)
    be = smc.bellman_error(m, smc.tilted_values(m, np.log1p(c / T)))
    assert 0.2 * c / T < be.epsilon <= c / T


def test_average_residual_below_sup_and_noisy_values():
    m = smc.random_tree(jax.random.key(0), 3, 3)
    be = smc.bellman_error(m, smc.noisy_values(jax.random.key(1), m, 0.3))
    assert 0 < be.mean_log_residual_p <= np.log1p(be.epsilon)
    assert 0 < be.mean_log_residual_pi <= np.log1p(be.epsilon)
    assert np.all(be.log_residual_p_by_level <= np.log1p(be.epsilon_by_level) + 1e-12)


@pytest.mark.parametrize("T,B,eps", [(3, 2, 0.5), (9, 3, 0.2), (12, 2, 1.0)])
def test_hard_instance(T, B, eps):
    model = smc.hard_instance(jax.random.key(T), T, eps, B)
    be = smc.bellman_error(model)
    assert be.epsilon == pytest.approx(eps, rel=1e-12)
    assert be.ratio_bound == pytest.approx(1 + eps, rel=1e-12)
    m = (2 * T) // 3
    A, q = (1 + eps) ** (T - m), float(B) ** -m
    assert smc.target_law(model)[0] == pytest.approx(A * q / (A * q + 1 - q), rel=1e-10)
    # values are flat up to depth m: no information before the hidden prefix is complete
    assert np.all(np.asarray(model.values.log[: m + 1]) == 0.0)


def test_markov_matches_tree_for_product():
    """The product model as a Markov chain and as an explicit tree give the same V*_0 and π."""
    T, r = 4, 2.0
    paths = np.array(list(itertools.product([0, 1], repeat=T)))
    tree = smc.tree_model([np.full((2**t, 2), 0.5) for t in range(T)], r ** paths.sum(1))
    mk = smc.product_model(T, r)
    assert float(smc.exact_values(tree).log[0][0]) == pytest.approx(float(smc.exact_values(mk).log[0][0]))
    by_k = np.bincount(paths.sum(1), weights=smc.target_law(tree), minlength=T + 1)
    np.testing.assert_allclose(smc.target_law(mk), by_k, rtol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: smc.tree_model([np.array([[0.5, 0.5]])], [1.0, -1.0]), "reward"),
    (lambda: smc.tree_model([np.array([[0.5, 0.6]])], [1.0, 1.0]), "sum to 1"),
    (lambda: smc.tree_model([np.array([[0.5, 0.5]])], [1.0, 1.0, 1.0]), "reward must have"),
    (lambda: smc.tree_model([], [1.0]), "T"),
    (lambda: smc.product_model(0, 2.0), "T"),
    (lambda: smc.product_model(3, -1.0), "r"),
    (lambda: smc.hard_instance(jax.random.key(0), 3, -0.1), "epsilon"),
    (lambda: smc.markov_model(np.full((2, 2), 0.5), np.zeros((3, 2), int), [1.0, 1.0]), "shape"),
    (lambda: smc.perturbed_values(jax.random.key(0), smc.product_model(2, 2.0), -0.1), "eta"),
    (lambda: smc.perturbed_values(jax.random.key(0), smc.product_model(2, 2.0), 0.1, "bad"), "kind"),
    (lambda: smc.bellman_error(smc.product_model(2, 2.0), [np.zeros(3)] * 3), "values"),
    (lambda: smc.bellman_error(smc.tree_model([np.array([[0.5, 0.5]])], [1.0, 2.0]),
                               [np.array([0.0]), np.array([1.0, 2.0])]), "root value"),
    (lambda: smc.bellman_error(smc.tree_model([np.array([[0.5, 0.5]])], [1.0, 2.0]),
                               [np.array([1.0]), np.array([1.0, 3.0])]), "V_T = r"),
    (lambda: smc.bellman_error(smc.tree_model([np.array([[0.5, 0.5]])], [1.0, 2.0]),
                               [np.array([1.0, 1.0]), np.array([1.0, 2.0])]), "shape"),
    (lambda: smc.bellman_error(smc.tree_model([np.array([[0.5, 0.5]])], [1.0, 2.0]),
                               [np.array([-1.0]), np.array([1.0, 2.0])]), "values"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()

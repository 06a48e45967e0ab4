"""Particle growth against T: compounding value errors (constant ε) against ε = c/T."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from solvable import smc
from solvable.smc.experiments import smc_output_laws
from solvable.smc._walk import prepare
from solvable.smc.samplers import smc_run

from smc_helpers import tree_arrays

Z_MAX = 4.5


def brute_residual_values(model, eps, exponents):
    """V_t(node) = (1+ε)^{u_t(node)} Σ_b p(b | node) V_{t+1}(node·B + b), by explicit loops."""
    probs, reward = tree_arrays(model)
    B, V = model.B, [None] * model.T + [reward]
    for t in range(model.T - 1, -1, -1):
        V[t] = np.array([(1 + eps) ** exponents[t][i]
                         * sum(probs[t][i, b] * V[t + 1][i * B + b] for b in range(B))
                         for i in range(B**t)])
    return V


def test_residual_values_match_loops_and_have_bellman_error_eps():
    model = smc.random_tree(jax.random.key(1), 3, 2)
    rng = np.random.default_rng(0)
    u = tuple(rng.uniform(-1, 1, 2**t) for t in range(3))
    vals = smc.residual_values(model, 0.7, u)
    for a, b in zip(vals.log, brute_residual_values(model, 0.7, u)):
        np.testing.assert_allclose(np.exp(np.asarray(a)), b, rtol=1e-12)
    want = 1.7 ** max(np.abs(x).max() for x in u) - 1
    assert smc.bellman_error(model, vals).epsilon == pytest.approx(want, rel=1e-10)


@pytest.mark.parametrize("T", [6, 40])
def test_majority_values_error_exact_and_ratio_bounded(T):
    m = smc.product_model(T, 3.0, normalized=True)
    for eps in (0.5, 1.0 / T):
        be = smc.bellman_error(m, smc.majority_values(m, eps))
        assert be.epsilon == pytest.approx(eps, rel=1e-9)
        # L stays bounded in T (measured ≈ 6.1 at T = 60; V* alone has L = 2)
        assert be.ratio_bound < (6.5 if eps == 0.5 else 2 * (1 + eps) ** 2)
    # compounding: at t = T/2 a π-typical prefix (3/4 ones) is under-valued relative to an
    # atypical one (1/4 ones) by ≈ (1+ε)^{2(T−t)} (per-step error only 1+ε)
    t = T // 2
    d = np.asarray(smc.majority_values(m, 0.5).log[t] - smc.exact_values(m).log[t])
    assert d[3 * t // 4] - d[t // 4] < -1.5 * (T - t) * np.log(1.5)


def test_masked_padded_driver_has_the_smc_law():
    """The bucketed driver (first n of 16 particles active, levels and states padded) and the
    plain `smc_run` with n particles give the same E[output law] (z-test, fixed keys)."""
    m = smc.product_model(6, 3.0, normalized=True)
    vals = smc.majority_values(m, 0.5)
    n, runs = 3, 6000
    masked = smc_output_laws(jax.random.key(0), m, vals, n, runs)
    lp, ch, lv = prepare(m, vals, n)

    def one(k):
        s = smc_run(k, lp, ch, lv, n)
        return jax.ops.segment_sum(jax.nn.softmax(s.log_weights), s.nodes, num_segments=7)

    plain = np.asarray(jax.vmap(one)(jax.random.split(jax.random.key(1), runs)))
    se = np.sqrt(masked.var(0, ddof=1) / runs + plain.var(0, ddof=1) / runs)
    ok = se > 0
    assert np.max(np.abs(masked.mean(0) - plain.mean(0))[ok] / se[ok]) < Z_MAX
    assert np.all(np.abs(masked.mean(0) - plain.mean(0))[~ok] < 1e-12)


def test_constant_eps_grows_exponentially_eps_c_over_T_polynomially():
    rows = smc.scaling_table(jax.random.key(0), (4, 13), r=3.0, c=1.0, epsilon=0.5, tv=0.1,
                             n_runs=300, n_max=1024)
    lo, hi = rows
    # constant ε: the hidden cost (1+ε)^{T} multiplies N by ≈ 1.5^9 ≈ 38; demand ≥ 8
    assert hi["N_const"] / lo["N_const"] >= 8
    # ε = 1/T: within a degree-1 polynomial factor (13/4)
    assert hi["N_poly"] / lo["N_poly"] <= 13 / 4
    # both searches ended with a TV estimate within noise of the target
    for row in rows:
        for name in ("poly", "const"):
            assert row[f"tv_{name}"] <= 0.1 and row[f"se_{name}"] < 0.03
    # best-of-N and rejection from p: acceptance (2/3)^T, also exponential
    assert hi["N_rejection"] / lo["N_rejection"] > 1.5 ** 7

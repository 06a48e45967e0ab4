"""Exact laws and samplers: DP identities, z-score checks with fixed seeds, enumerated MH."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from solvable import smc
from solvable.smc._levels import stacked

from smc_helpers import path_probs, tree_arrays, z_scores

Z_MAX = 4.5  # two-sided per-bin z tolerance: with ≤ 30 bins per test, P(false alarm) < 2e-4


@pytest.fixture(scope="module")
def tree():
    return smc.random_tree(jax.random.key(3), 3, 2)


def test_target_law_is_enumerated_p_times_r(tree):
    _, reward = tree_arrays(tree)
    w = path_probs(tree) * reward
    np.testing.assert_allclose(smc.target_law(tree), w / w.sum(), rtol=1e-12)


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 3), st.sampled_from([0.0, 0.02, 0.2, 1.0]),
       st.sampled_from(["random", "adversarial", "noisy"]))
def test_guided_tv_below_2t_epsilon(seed, T, eta, kind):
    model = smc.random_tree(jax.random.key(seed), T, 2, zero_fraction=0.3)
    if kind == "noisy":
        vals = smc.noisy_values(jax.random.key(seed + 1), model, eta)
    else:
        vals = smc.perturbed_values(jax.random.key(seed + 1), model, eta, kind)
    curve = smc.guided_tv_curve(model, vals)
    assert np.all(curve["tv"] <= curve["sharp"] + 1e-12)
    assert np.all(curve["sharp"] <= curve["bound"] + 1e-12)
    if eta == 0.0:  # V = V*: the guided sampler is exact
        assert curve["tv"][-1] < 1e-12


def test_guided_exact_on_unnormalised_product():
    """ε = (r−1)/2 is large, yet s_t ∝ p·r^{s_t} is exactly Bern(r/(1+r)) (docs/theory.md §8)."""
    m = smc.product_model(8, 3.0)
    assert smc.bellman_error(m).epsilon == pytest.approx(1.0)
    assert smc.tv_distance(smc.guided_law(m)[-1], smc.target_law(m)) < 1e-12


@pytest.mark.slow
def test_guided_sampler_matches_its_exact_law(tree):
    vals = smc.perturbed_values(jax.random.key(0), tree, 0.5)
    n = 40_000
    xs = np.asarray(smc.guided_sample(jax.random.key(1), tree, vals, n))
    law = np.asarray(smc.guided_law(tree, vals)[-1])
    assert np.max(np.abs(z_scores(np.bincount(xs, minlength=8), n, law))) < Z_MAX


def brute_best_of_n(model, n):
    """Enumerate all n-tuples of paths."""
    pp = path_probs(model)
    _, r = tree_arrays(model)
    out = np.zeros_like(pp)
    for tup in itertools.product(range(len(pp)), repeat=n):
        best = [i for i in tup if r[i] == max(r[j] for j in tup)]
        for i in best:
            out[i] += np.prod(pp[list(tup)]) / len(best)
    return out


@pytest.mark.parametrize("n", [1, 2, 3])
def test_best_of_n_law_with_ties(n):
    model = smc.tree_model([np.array([[0.3, 0.7]]), np.array([[0.5, 0.5], [0.2, 0.8]])],
                           [1.0, 2.0, 2.0, 0.5])
    np.testing.assert_allclose(smc.best_of_n_law(model, n), brute_best_of_n(model, n), atol=1e-14)


@pytest.mark.slow
def test_best_of_n_and_rejection_samplers(tree):
    n_draws = 20_000
    keys = jax.random.split(jax.random.key(5), n_draws)
    for sampler, law in ((smc.best_of_n, smc.best_of_n_law), (smc.rejection_sample, smc.rejection_law)):
        xs = np.asarray(jax.vmap(lambda k: sampler(k, tree, 3))(keys))
        assert np.max(np.abs(z_scores(np.bincount(xs, minlength=8), n_draws, law(tree, 3)))) < Z_MAX


def test_rejection_law_closed_form(tree):
    a = smc.acceptance_rate(tree)
    _, r = tree_arrays(tree)
    assert a == pytest.approx(float(path_probs(tree) @ r / r.max()))
    np.testing.assert_allclose(smc.rejection_law(tree, 1), path_probs(tree), rtol=1e-12)


_systematic = jax.jit(lambda key, logw, n: smc.systematic(key, logw, 40, n_active=n))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-30, 30), min_size=1, max_size=12), st.integers(1, 40), st.integers(0, 99))
def test_systematic_counts_are_floor_or_ceil(logw, n, seed):
    logw = np.asarray(logw)
    padded = np.concatenate([logw, np.full(12 - len(logw), -np.inf)])  # one shape: one compile
    idx = np.asarray(_systematic(jax.random.key(seed), padded, n))[:n]
    w = np.exp(logw - logw.max())
    w /= w.sum()
    counts = np.bincount(idx, minlength=len(w))
    assert counts.sum() == n
    assert np.all(counts >= np.floor(n * w - 1e-9)) and np.all(counts <= np.ceil(n * w + 1e-9))


@pytest.mark.slow
@pytest.mark.parametrize("scheme", [smc.multinomial, smc.systematic])
def test_resampling_unbiased(scheme):
    logw = np.log(np.array([0.05, 0.15, 0.3, 0.5]))
    n, reps = 7, 20_000
    idx = jax.vmap(lambda k: scheme(k, logw, n))(jax.random.split(jax.random.key(0), reps))
    mean = np.stack([np.bincount(np.asarray(i), minlength=4) for i in idx]).mean(0)
    counts = np.stack([np.bincount(np.asarray(i), minlength=4) for i in idx])
    se = counts.std(0, ddof=1) / np.sqrt(reps)
    assert np.max(np.abs(mean - n * np.exp(logw)) / se) < Z_MAX


@pytest.mark.slow
def test_smc_one_particle_is_p_and_many_particles_approach_pi(tree):
    vals = smc.exact_values(tree)
    # N = 1: resampling is trivial, the output is a draw from p (Rao-Blackwellised law = p)
    laws = smc.smc_output_laws(jax.random.key(0), tree, vals, 1, 20_000)
    se = laws.std(0, ddof=1) / np.sqrt(len(laws))
    assert np.max(np.abs(laws.mean(0) - path_probs(tree)) / np.maximum(se, 1e-12)) < Z_MAX
    tv1 = smc.smc_tv(jax.random.key(1), tree, vals, 1, 4000)
    tv64 = smc.smc_tv(jax.random.key(1), tree, vals, 64, 4000)
    assert tv64.tv < 0.02 and tv1.tv - tv64.tv > 10 * np.hypot(tv1.stderr, tv64.stderr)


@pytest.mark.slow
def test_particle_filter_product_is_smc_last_is_biased(tree):
    vals = smc.perturbed_values(jax.random.key(2), tree, 0.3)
    pi, n = smc.target_law(tree), 30_000
    keys = jax.random.split(jax.random.key(7), n)

    def hist(f):
        return np.bincount(np.asarray(jax.vmap(f)(keys)), minlength=8) / n

    smc_h = hist(lambda k: smc.smc_sample(k, tree, vals, 32))
    prod = hist(lambda k: smc.particle_filter(k, tree, vals, 32, aggregation="product"))
    last = hist(lambda k: smc.particle_filter(k, tree, vals, 32, aggregation="last"))
    se = np.sqrt((smc_h + prod) * (1 - (smc_h + prod) / 2) / n + 1e-12)
    assert np.max(np.abs(smc_h - prod) / se) < Z_MAX
    assert np.max(np.abs(z_scores(prod * n, n, pi))) < Z_MAX + 3  # N=32 bias: O(1/N), small
    assert np.max(np.abs(z_scores(last * n, n, pi))) > 3 * Z_MAX  # "last" is not consistent


def test_pool_mh_extended_space_enumeration():
    """Tiny tree (T=2, B=2, M=2): enumerate pools and choices; q·W marginalises to π·V_0 M^{-T}...
    and the independent MH kernel is reversible for q·W."""
    model = smc.random_tree(jax.random.key(11), 2, 2)
    vals = smc.perturbed_values(jax.random.key(12), model, 0.4)
    probs, _ = tree_arrays(model)
    V = [np.exp(np.asarray(a)) for a in vals.log]
    M, T, B = 2, 2, 2
    states, lq, lw, xs = [], [], [], []
    for c1, j1, c2, j2 in itertools.product(itertools.product(range(B), repeat=M), range(M),
                                            itertools.product(range(B), repeat=M), range(M)):
        q, w, node = 1.0, 1.0, 0
        for t, (c, j) in enumerate(((c1, j1), (c2, j2))):
            kids = [node * B + b for b in c]
            vk = np.array([V[t + 1][k] for k in kids])
            q *= np.prod([probs[t][node, b] for b in c]) * vk[j] / vk.sum()
            w *= vk.mean() / V[t][node]
            node = kids[j]
        got = smc.pool_path_weight(model, vals, np.array([c1, c2]), np.array([j1, j2]))
        assert int(got[0]) == node
        np.testing.assert_allclose([float(got[1]), float(got[2])], [np.log(q), np.log(w)], rtol=1e-10)
        lq.append(np.log(q)), lw.append(np.log(w)), xs.append(node)
    q, w, xs = np.exp(lq), np.exp(lw), np.array(xs)
    target = q * w / np.sum(q * w)
    np.testing.assert_allclose(np.bincount(xs, weights=target, minlength=4), smc.target_law(model), rtol=1e-10)
    K = q[None, :] * np.minimum(1.0, w[None, :] / w[:, None])
    K[np.diag_indices_from(K)] = 0
    K[np.diag_indices_from(K)] = 1 - K.sum(1)
    flow = target[:, None] * K
    np.testing.assert_allclose(flow, flow.T, atol=1e-15)
    np.testing.assert_allclose(target @ K, target, atol=1e-14)


@pytest.mark.slow
def test_pool_mh_chain_law(tree):
    vals = smc.perturbed_values(jax.random.key(4), tree, 0.5)
    n = 20_000
    xs = np.asarray(smc.pool_mh_sample(jax.random.key(9), tree, vals, pool_size=3, n_steps=15, n_chains=n))
    assert np.max(np.abs(z_scores(np.bincount(xs, minlength=8), n, smc.target_law(tree)))) < Z_MAX


@pytest.mark.parametrize("call,match", [
    (lambda m: smc.smc_sample(jax.random.key(0), m, None, 0), "n_particles"),
    (lambda m: smc.particle_filter(jax.random.key(0), m, None, 4, aggregation="mean"), "aggregation"),
    (lambda m: smc.particle_filter(jax.random.key(0), m, None, 4, temperature=0.0), "temperature"),
    (lambda m: smc.pool_mh_sample(jax.random.key(0), m, None, pool_size=0), "pool_size"),
    (lambda m: smc.best_of_n_law(m, 0), "n"),
    (lambda m: smc.particles_to_reach_tv(jax.random.key(0), m, None, 1.5), "tv"),
    (lambda m: smc.tv_distance([0.5, 0.5], [1.0]), "shape"),
])
def test_sampler_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(smc.product_model(3, 2.0))


# ---------------------------------------------------------------- runs whose weights all vanish
def _dying_tree():
    """T = 3, B = 2, p uniform; the four leaves under the first level-1 node have reward 0, so
    V*_1 = 0 there and N particles all die at the first step w.p. 2^−N (never later)."""
    return smc.tree_model([np.full((2**t, 2), 0.5) for t in range(3)],
                          [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0])


def _step_before_death_handling(key, state, lp_t, ch_t, lv_t, lv_next, resampling, n_active):
    """`smc_step` as it was before it handled dead populations (the reference for runs that
    do not die: they must be unchanged bit for bit)."""
    k_res, k_prop = jax.random.split(key)
    n = state.nodes.shape[0]
    lw = state.log_weights
    if n_active is not None:
        active = jnp.arange(n) < n_active
        lw = jnp.where(active, lw, -jnp.inf)
    ancestors = resampling(k_res, lw, n, n_active)
    nodes = state.nodes[ancestors]
    child = ch_t[nodes, jax.random.categorical(k_prop, lp_t[nodes])]
    new = lv_next[child] - lv_t[nodes]
    new = jnp.where(jnp.isnan(new), -jnp.inf, new)
    used = new if n_active is None else jnp.where(active, new, -jnp.inf)
    m = n if n_active is None else n_active
    total = jax.scipy.special.logsumexp(used)
    w = jnp.exp(used - total)
    return smc.SMCState(child, new), smc.SMCInfo(ancestors, 1.0 / jnp.sum(w**2), total - jnp.log(m))


@pytest.mark.parametrize("case", ["exact", "perturbed_systematic", "masked"])
def test_smc_runs_that_do_not_die_are_unchanged(tree, case):
    """Fixed keys: final states and every step's info equal the pre-change step's bit for bit
    (on runs that never die; the dying tree's surviving runs included)."""
    n, n_active, scheme, model = 4, None, smc.multinomial, tree
    vals = smc.exact_values(tree)
    if case == "perturbed_systematic":
        vals, scheme = smc.perturbed_values(jax.random.key(1), tree, 0.6), smc.systematic
    elif case == "masked":
        model = _dying_tree()
        vals, n, n_active = smc.exact_values(model), 8, jnp.int32(3)
    lp, ch, lv = stacked(model, vals)

    def old(k):
        def body(st, xs):
            kk, lp_t, ch_t, lv_t, lv_next = xs
            return _step_before_death_handling(kk, st, lp_t, ch_t, lv_t, lv_next, scheme, n_active)
        keys = jax.random.split(k, lp.shape[0])
        return jax.lax.scan(body, smc.smc_init(n), (keys, lp, ch, lv[:-1], lv[1:]))

    keys = jax.random.split(jax.random.key(11), 400)
    new_s, new_i = jax.jit(jax.vmap(
        lambda k: smc.smc_scan(k, lp, ch, lv, smc.smc_init(n), scheme, n_active)))(keys)
    old_s, old_i = jax.jit(jax.vmap(old))(keys)
    live = np.isfinite(np.asarray(new_i.log_increment)).all(1)
    assert live.sum() > 300 and (case != "masked" or not live.all())
    for a, b in zip((*new_s, *new_i), (*old_s, *old_i)):
        np.testing.assert_array_equal(np.asarray(a)[live], np.asarray(b)[live])


def test_smc_run_that_dies_has_zero_normaliser_and_no_output():
    """All N = 2 particles take the zero-value branch at step 1 w.p. 1/4 (exact): the run has
    died; ESS 0 and log_increment −inf there and at every later step (its particles are kept,
    ancestors 0..N−1), final weights all −inf; E[Ẑ] = V*_0/V_0 = 1 still holds with Ẑ = 0 for
    dead runs (z-tests); the output law is a row of zeros (it used to be NaN), `smc_sample`
    returns −1 (it used to return a zero-reward leaf) and `smc_tv` counts "no output"."""
    m, n, runs = _dying_tree(), 2, 8000
    vals = smc.exact_values(m)
    lp, ch, lv = stacked(m, vals)
    s, info = jax.jit(jax.vmap(lambda k: smc.smc_scan(k, lp, ch, lv, smc.smc_init(n))))(
        jax.random.split(jax.random.key(0), runs))
    ess, linc = np.asarray(info.ess), np.asarray(info.log_increment)
    assert np.all(np.isfinite(ess)) and not np.any(np.isnan(linc))
    dead = np.isneginf(linc[:, 0])
    assert abs(dead.mean() - 0.25) / np.sqrt(0.25 * 0.75 / runs) < Z_MAX
    assert np.all(ess[dead] == 0.0) and np.all(np.isneginf(linc[dead]))
    np.testing.assert_array_equal(np.asarray(info.ancestors)[dead][:, 1:], np.broadcast_to(
        np.arange(n), (dead.sum(), 2, n)))
    assert np.all(np.isneginf(np.asarray(s.log_weights)[dead]))
    assert np.all(np.isfinite(linc[~dead])) and np.all(ess[~dead] >= 1.0)
    z = np.exp(linc.sum(1))
    assert np.all(z[dead] == 0.0)
    assert abs(z.mean() - 1.0) / (z.std(ddof=1) / np.sqrt(runs)) < Z_MAX
    laws = smc.smc_output_laws(jax.random.key(1), m, vals, n, 4000)
    assert not np.any(np.isnan(laws)) and np.all(laws[:, :4] == 0.0)
    sums = laws.sum(1)
    died = sums == 0.0
    np.testing.assert_allclose(sums[~died], 1.0, rtol=1e-12)
    assert abs(died.mean() - 0.25) / np.sqrt(0.25 * 0.75 / 4000) < Z_MAX
    est = smc.smc_tv(jax.random.key(1), m, vals, n, 4000)
    assert np.isfinite([est.tv, est.stderr, est.noise_floor]).all()
    assert est.tv >= 0.5 * died.mean()  # the "no output" outcome alone gives ½ P(died)
    outs = np.array([int(smc.smc_sample(jax.random.key(i), m, vals, n)) for i in range(40)])
    assert set(outs) <= {-1, 4, 5, 6, 7} and -1 in outs

"""SMC at scale: the sufficient statistic against enumeration of every path and every particle
history, the exact law of best-of-N by selection ∝ r, the SMC step's info, the slope fits."""

import itertools

import jax
import numpy as np
import pytest
from scipy import stats

from solvable import smc
from solvable.smc import experiments as ex
from solvable.smc._levels import stacked

from smc_helpers import path_probs

Z_MAX = 4.5  # per-bin two-sided z tolerance, ≤ 10 bins per test: P(false alarm) < 1e-4


def brute_importance(pp, r, n):
    """Law of 'draw n iid paths ∝ pp, keep one ∝ r' by enumerating every n-tuple."""
    out = np.zeros(len(pp))
    for tup in itertools.product(range(len(pp)), repeat=n):
        pr, rs = np.prod(pp[list(tup)]), r[list(tup)]
        for j, i in enumerate(tup):
            out[i] += pr * (rs[j] / rs.sum() if rs.sum() > 0 else 1.0 / n)
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_importance_resampling_law_matches_enumeration(n):
    model = smc.tree_model([np.array([[0.3, 0.7]]), np.array([[0.5, 0.5], [0.2, 0.8]])],
                           [1.0, 2.0, 0.0, 0.5])  # a zero reward: the all-worthless case
    want = brute_importance(path_probs(model), np.array([1.0, 2.0, 0.0, 0.5]), n)
    # quadrature in log u with 20001 nodes: measured error 7e-13; 1e-10 leaves room
    np.testing.assert_allclose(smc.importance_resampling_law(model, n), want, atol=1e-10)


def test_importance_resampling_law_large_n_limit():
    """N → ∞: TV to π falls like χ²(π‖p)/N (first-order delta method: TV ≈ E_π|r/E r − 1|/(2N)·…);
    checked here only as monotone decay to below 1e-3 and mass 1 (identity)."""
    m = smc.product_model(12, 3.0, normalized=True)
    pi = smc.target_law(m)
    tvs = [smc.tv_distance(smc.importance_resampling_law(m, n), pi) for n in (1, 10, 10**3, 10**6)]
    assert np.all(np.diff(tvs) < 0) and tvs[-1] < 1e-3
    assert smc.importance_resampling_law(m, 10**6).sum() == pytest.approx(1.0, abs=1e-8)


# ---------------------------------------------------------------- exact SMC laws by enumeration
def exact_smc_law(n_nodes_T, B, T, n, log_probs, log_values):
    """Law of the output of multinomial SMC (resample by last weights, propagate with p, weight
    V_{t+1}(child)/V_t(parent); output ∝ final weights) by enumerating every particle history.
    ``log_probs(t, node)`` -> (B,) and ``child = node·B + b`` (tree indexing); ``log_values(t,
    node)``. Returns the law on level-T nodes."""
    pop = {(tuple([0] * n), tuple([0.0] * n)): 1.0}
    for t in range(T):
        new = {}
        for (nodes, lws), pr in pop.items():
            w = np.exp(np.asarray(lws) - max(lws))
            w /= w.sum()
            for anc in itertools.product(range(n), repeat=n):
                pa = pr * np.prod(w[list(anc)])
                if pa == 0:
                    continue
                parents = [nodes[a] for a in anc]
                for toks in itertools.product(range(B), repeat=n):
                    pt = pa * np.prod([np.exp(log_probs(t, q)[b]) for q, b in zip(parents, toks)])
                    kids = tuple(q * B + b for q, b in zip(parents, toks))
                    lw = tuple(log_values(t + 1, k) - log_values(t, q) for k, q in zip(kids, parents))
                    new[(kids, lw)] = new.get((kids, lw), 0.0) + pt
        pop = new
    law = np.zeros(n_nodes_T)
    for (nodes, lws), pr in pop.items():
        w = np.exp(np.asarray(lws) - max(lws))
        for k, wi in zip(nodes, w / w.sum()):
            law[k] += pr * wi
    return law


def popcount(i):
    return bin(i).count("1")


@pytest.mark.parametrize("family", ["exact", "majority"])
def test_count_statistic_against_all_paths(family):
    """Product model, T = 3, N = 2: the SMC output law on all 2^T paths (every particle
    history enumerated, values read off each prefix's count) summed over count classes equals
    the law of the count computed on the (T+1)-state Markov model by the same enumeration on
    states; π is uniform in each class. With V = V* (weights depend on s_t only) the SMC law is
    uniform in each class too, so TV(count) = TV(path); with majority values it is not, and
    TV(count) is a strict lower bound (measured gap below)."""
    T, n, r = 3, 2, 3.0
    m = smc.product_model(T, r, normalized=True)
    vals = smc.majority_values(m, 0.5) if family == "majority" else m.values
    lv = np.asarray(vals.log)  # (T+1, T+1) by (level, count)
    lp_path = lambda t, node: np.log([0.5, 0.5])  # noqa: E731
    paths = exact_smc_law(2**T, 2, T, n, lp_path, lambda t, node: lv[t, popcount(node)])
    counts = np.array([popcount(i) for i in range(2**T)])
    # Markov enumeration: node = count, "child" index count·2 + b collapsed by popcount-free map
    pi_path = path_probs(smc.tree_model([np.full((2**t, 2), 0.5) for t in range(T)],
                                        r ** counts)) * r ** counts
    pi_path /= pi_path.sum()
    by_count = np.bincount(counts, weights=paths, minlength=T + 1)
    pi_count = smc.target_law(m)
    np.testing.assert_allclose(np.bincount(counts, weights=pi_path, minlength=T + 1), pi_count,
                               rtol=1e-12)
    # the jitted driver on the Markov model (states = counts) has this count law (z-test)
    laws = ex.smc_output_laws(jax.random.key(3), m, vals, n, 8000)
    se = laws.std(0, ddof=1) / np.sqrt(len(laws))
    assert np.max(np.abs(laws.mean(0) - by_count) / np.maximum(se, 1e-12)) < Z_MAX
    tv_count = smc.tv_distance(by_count, pi_count)
    tv_path = smc.tv_distance(paths, pi_path)
    within = np.array([np.ptp(paths[counts == k]) for k in range(T + 1)])
    if family == "exact":
        assert np.all(within < 1e-14) and tv_path == pytest.approx(tv_count, abs=1e-14)
    else:
        # measured: TV(path) = 0.2471, TV(count) = 0.2256 (9% lower), largest spread of the
        # law inside a class 0.054: the order of the tokens matters
        assert tv_count < tv_path - 1e-3 and within.max() > 1e-3


def test_rejection_and_importance_are_uniform_within_counts():
    """Exact laws of rejection and best-of-N ∝ r on the 2^T-path tree sum, per count, to the
    laws computed on the count statistic: both give the same TV."""
    T, r = 4, 3.0
    counts = np.array([popcount(i) for i in range(2**T)])
    tree = smc.tree_model([np.full((2**t, 2), 0.5) for t in range(T)], r ** counts)
    mk = smc.product_model(T, r, normalized=True)
    for law in (smc.rejection_law, smc.importance_resampling_law):
        for n in (2, 7):
            a, b = law(tree, n), law(mk, n)
            np.testing.assert_allclose(np.bincount(counts, weights=a, minlength=T + 1), b,
                                       atol=1e-10)
            assert smc.tv_distance(a, smc.target_law(tree)) == pytest.approx(
                smc.tv_distance(b, smc.target_law(mk)), abs=1e-10)


# ---------------------------------------------------------------- the SMC step's info
def test_smc_step_info_normaliser_unbiased_and_ess():
    """E[Ẑ] = E[Π_t (1/N) Σ_i G_t^i] = E_p[V_T/V_0] = V*_0/V_0 (z-test over runs); flat weights
    (the hard instance's values before its hidden prefix ends) give ESS = N exactly."""
    m = smc.random_tree(jax.random.key(0), 3, 2)
    vals = smc.perturbed_values(jax.random.key(1), m, 0.6)
    lp, ch, lv = stacked(m, vals)
    n, runs = 4, 8000
    run = jax.jit(jax.vmap(lambda k: smc.smc_scan(k, lp, ch, lv, smc.smc_init(n))[1]))
    info = run(jax.random.split(jax.random.key(2), runs))
    z = np.exp(np.asarray(info.log_increment).sum(1))
    want = float(np.exp(smc.exact_values(m).log[0][0] - vals.log[0][0]))
    assert abs(z.mean() - want) / (z.std(ddof=1) / np.sqrt(runs)) < Z_MAX
    hard = smc.hard_instance(jax.random.key(0), 9, 0.5)
    lp, ch, lv = stacked(hard, hard.values)
    _, info = smc.smc_scan(jax.random.key(0), lp, ch, lv, smc.smc_init(5))
    np.testing.assert_allclose(np.asarray(info.ess)[:6], 5.0, rtol=1e-12)  # levels 1..6 flat
    assert np.asarray(info.ancestors).shape == (9, 5)


# ---------------------------------------------------------------- fits and the table
def test_slope_fit_against_scipy():
    rng = np.random.default_rng(0)
    x = np.arange(8.0)
    y = 0.3 * x + rng.normal(0, 0.2, 8)
    f, ref = ex.slope_fit(x, y), stats.linregress(x, y)
    assert f.slope == pytest.approx(ref.slope, rel=1e-12)
    assert f.stderr == pytest.approx(ref.stderr, rel=1e-12)
    q = stats.t.ppf(0.975, 6)
    assert f.ci_high - f.ci_low == pytest.approx(2 * q * ref.stderr, rel=1e-12)


def test_scaling_curves_small():
    """T = 4, 8: rejection's N equals the closed form from the binomial law of the count
    (TV(N) = m^{N−1} · ½ Σ_k |rej_k − m π_k|, m = 1 − a) computed here independently; SMC's N
    at constant ε exceeds its N at ε = 1/T at T = 8."""
    out = ex.scaling_curves(jax.random.key(0), (4, 8), particle_budget=2**11, n_max=256,
                            refine=1, c=1.0, epsilon=0.5)
    for i, T in enumerate((4, 8)):
        k = np.arange(T + 1)
        pk = stats.binom.pmf(k, T, 0.5)
        a = float(pk @ 3.0 ** (k - T))
        pi = pk * 3.0**k / (pk @ 3.0**k)
        m = 1 - a
        rej = pk * (1 - 3.0 ** (k - T))
        d = 0.5 * np.abs(rej - m * pi).sum()
        want = 1 + int(np.ceil(np.log(0.1 / d) / np.log(m)))
        assert out["N_rejection"][i] == want
    assert out["N_const"][1] > out["N_poly"][1]
    assert np.all(out["tv_best_of_n"] > 0.5)  # argmax r never samples π
    assert out["fits"]["rate_rejection"].n_points == 2

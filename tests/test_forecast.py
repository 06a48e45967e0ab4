"""Tests of `solvable.pools.pilot`: every formula against an independent route."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from solvable import pools
from solvable.pools import pilot as fc
from solvable.pools.curves import Pool


# ------------------------------------------------------------ per-grid-point rule values

@pytest.mark.parametrize("p,theta,k", [(0.3, 4.0, 5), (0.7, 0.25, 3), (0.05, 64.0, 16)])
def test_best_of_k_against_gumbel_integral(p, theta, k):
    """E_j[P(max of j right > max of k − j wrong)] with scores G + c log θ, by quadrature."""
    def win(j):
        if j == 0:
            return 0.0
        if j == k:
            return 1.0
        # density of the max of j Gumbels shifted by log θ, times the CDF of the max of k − j
        f = lambda x: (j * np.exp(-(x - math.log(theta))) * np.exp(-np.exp(-(x - math.log(theta))))
                       * np.exp(-(j - 1) * np.exp(-(x - math.log(theta))))
                       * np.exp(-(k - j) * np.exp(-x)))
        return integrate.quad(f, -30, 60, limit=200)[0]
    ref = sum(math.comb(k, j) * p**j * (1 - p)**(k - j) * win(j) for j in range(k + 1))
    got = fc.best_of_k_value(np.array([p]), np.array([theta]), k)[0, 0]
    assert got == pytest.approx(ref, abs=1e-8)


def _majority_brute(p, r, k):
    """Enumerate every sequence of k labels (0: right, 1..r wrong) with its probability."""
    probs = [p] + [(1 - p) / r] * r
    total = 0.0
    for seq in itertools.product(range(r + 1), repeat=k):
        pr = math.prod(probs[s] for s in seq)
        counts = np.bincount(seq, minlength=r + 1)
        top = counts.max()
        if counts[0] == top:
            total += pr / np.sum(counts == top)
    return total


@pytest.mark.parametrize("r,k", [(1, 4), (2, 5), (3, 4), (5, 3), (2, 1)])
def test_majority_against_enumeration(r, k):
    p = np.array([0.0, 0.2, 0.45, 1.0])
    got = fc.majority_value(p, r, k)
    ref = [_majority_brute(pp, r, k) for pp in p]
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_majority_all_wrong_distinct_against_monte_carlo():
    rng = np.random.default_rng(0)
    p, k, n = 0.15, 6, 200_000
    right = rng.random((n, k)) < p
    c = right.sum(axis=1)
    # every wrong answer distinct: right wins with >= 2 votes, shares a k-way tie with 1
    val = np.where(c >= 2, 1.0, np.where(c == 1, 1.0 / k, 0.0))
    got = fc.majority_value(np.array([p]), math.inf, k)[0]
    assert abs(got - val.mean()) < 4 * val.std() / math.sqrt(n)
    # and r = ∞ is the limit of many wrong labels
    assert fc.majority_value(np.array([p]), 400, k)[0] == pytest.approx(got, abs=0.01)


def test_monte_carlo_rules_at_their_limits():
    """Weighted vote at tiny γ = β/T is the plurality vote (with θ = 1, so that ties, which the
    limit breaks by the sums of the scores, are broken uniformly), at huge γ best-of-k;
    softmax at tiny γ is the pass rate (z-scores of the Monte Carlo at fixed seeds)."""
    p, theta, ks = 0.35, 4.0, np.array([1, 3, 8])
    for r in (2, 5, math.inf):
        v = fc.mc_values(p, r, 1.0, 1e-9, "weighted_vote", ks, n_mc=20000, seed=3)
        z = (v.mean(0) - [fc.majority_value(np.array([p]), r, k)[0] for k in ks]) / (
            v.std(0) / math.sqrt(v.shape[0]) + 1e-12)
        # at k = 1 both are exactly p for every draw count; the z-scores elsewhere
        assert np.all(np.abs(z[1:]) < 4.5), z
        v = fc.mc_values(p, r, theta, 1e3, "weighted_vote", ks, n_mc=20000, seed=4)
        ref = [fc.best_of_k_value(np.array([p]), np.array([theta]), k)[0, 0] for k in ks]
        z = (v.mean(0) - ref) / (v.std(0) / math.sqrt(v.shape[0]))
        assert np.all(np.abs(z) < 4.5), z
    v = fc.mc_values(p, 3, theta, 1e-9, "softmax", ks, n_mc=20000, seed=5)
    z = (v.mean(0) - p) / (v.std(0) / math.sqrt(v.shape[0]))
    assert np.all(np.abs(z) < 4.5), z


# ------------------------------------------------------------ likelihoods

@pytest.mark.parametrize("partition", [(1,), (2,), (1, 1), (2, 1), (1, 1, 1), (3, 1), (2, 2)])
def test_label_likelihood_against_enumeration(partition):
    """(r)_j / r^W against counting the assignments of W samples to r labels."""
    w = sum(partition)
    blocks = []                         # a fixed set partition of the W samples
    start = 0
    for size in partition:
        blocks.append(tuple(range(start, start + size)))
        start += size
    target = sorted(blocks)
    grid = (1, 2, 3, 5)
    got = fc.label_likelihood(partition, grid)
    for i, r in enumerate(grid):
        count = 0
        for assign in itertools.product(range(r), repeat=w):
            groups = {}
            for s, lab in enumerate(assign):
                groups.setdefault(lab, []).append(s)
            if sorted(tuple(g) for g in groups.values()) == target:
                count += 1
        assert got[i] == pytest.approx(count / r**w, abs=1e-14)
    inf = fc.label_likelihood(partition, (math.inf,))[0]
    assert inf == (1.0 if len(partition) == w else 0.0)


def _pl_prob(order_weights):
    pr, rest = 1.0, list(order_weights)
    for i in range(len(rest)):
        pr *= rest[i] / sum(rest[i:])
    return pr


@pytest.mark.parametrize("groups", [[(1, 0), (0, 1), (1, 0), (0, 2)], [(1, 1), (0, 2)],
                                    [(2, 1), (1, 1)], [(0, 1), (2, 0)]])
def test_judge_likelihood_against_enumeration(groups):
    """Geometric mean over the tie-breaks of the Plackett–Luce probability, by enumeration."""
    thetas = np.array([0.25, 1.0, 3.0, 50.0])
    got = fc.judge_likelihood(groups, thetas)
    for t_i, theta in enumerate(thetas):
        per_group = []
        for a, b in groups:
            items = [theta] * a + [1.0] * b
            per_group.append(list(itertools.permutations(items)))
        logs = []
        for combo in itertools.product(*per_group):
            logs.append(math.log(_pl_prob([w for part in combo for w in part])))
        assert got[t_i] == pytest.approx(math.exp(np.mean(logs)), rel=1e-10)


# ------------------------------------------------------------ the mixture and its range

def test_em_recovers_a_known_mixture():
    """Counts drawn from two atoms of the grid: the NPMLE's mean and pass@16 within z < 4 of
    the truth, z from the spread of repeated draws."""
    grid = fc.P_GRID
    a, b = int(np.argmin(np.abs(grid - 0.1))), int(np.argmin(np.abs(grid - 0.5)))
    truth_pi = np.zeros(grid.size)
    truth_pi[a], truth_pi[b] = 0.6, 0.4
    true16 = float(truth_pi @ fc.pass_value(grid, 16))
    est = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        p = np.where(rng.random(600) < 0.6, grid[a], grid[b])
        c = rng.binomial(8, p)
        lik = fc._binom_pmf(8, grid)[:, c].T
        pi = fc.em_mixture(lik, iterations=3000)
        est.append(float(pi @ fc.pass_value(grid, 16)))
    est = np.array(est)
    z = (est.mean() - true16) / (est.std(ddof=1) / math.sqrt(est.size) + 1e-4)
    assert abs(z) < 4, (est, true16)


def test_beta_prior_on_the_grid_and_its_fit():
    """Beta masses on the grid give pass@k close to the closed form 1 − B(α, β + k)/B(α, β);
    the beta-binomial fit recovers pass@16 of counts drawn from a known beta law (z < 4)."""
    from scipy.special import betaln
    for a, b in ((0.3, 1.5), (2.0, 18.0), (5.0, 2.0)):
        g = fc.beta_on_grid(a, b)
        assert g.sum() == pytest.approx(1.0, abs=1e-12)
        exact = 1 - math.exp(betaln(a, b + 16) - betaln(a, b))
        assert float(g @ fc.pass_value(fc.P_GRID, 16)) == pytest.approx(exact, abs=0.01)
    a, b = 0.4, 1.2
    truth = 1 - math.exp(betaln(a, b + 16) - betaln(a, b))
    est = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        c = rng.binomial(4, rng.beta(a, b, 1500))
        fa, fb = fc.beta_binomial_fit(c, np.full(c.size, 4))
        est.append(1 - math.exp(betaln(fa, fb + 16) - betaln(fa, fb)))
    est = np.array(est)
    assert abs(est.mean() - truth) < 4 * est.std(ddof=1) / math.sqrt(est.size) + 1e-3


def test_conditional_em_with_one_bin_is_the_plain_em():
    rng = np.random.default_rng(2)
    lrt = rng.random((50, 7)) ** 3
    bg = rng.random((50, 1)) + 0.1           # one bin: a per-question factor
    h = fc.em_conditional(bg, lrt, iterations=400, tol=0)
    pi = fc.em_mixture(lrt, iterations=400, tol=0)
    np.testing.assert_allclose(h[0], pi, atol=1e-8)


def test_pass_range_contains_every_law_with_the_same_counts():
    grid = fc.P_GRID
    rng = np.random.default_rng(1)
    for _ in range(4):
        pi = rng.dirichlet(np.ones(grid.size) * 0.3)
        lo, hi = fc.pass_range(grid, pi, 4, 16)
        val = float(pi @ fc.pass_value(grid, 16))
        assert lo - 1e-7 <= val <= hi + 1e-7
        # k <= n is identified: the range collapses
        lo4, hi4 = fc.pass_range(grid, pi, 4, 3)
        assert hi4 - lo4 < 1e-6
        assert lo4 == pytest.approx(float(pi @ fc.pass_value(grid, 3)), abs=1e-6)


def test_forecast_reproduces_the_pilot_where_identified():
    """Up to k = m0, pass@k is a function of the law of the counts, which the NPMLE fits."""
    pool = pools.simulate_pool(pools.ModelParams(1.0, 0.8, 0.5, 0.3), 300, 4, seed=3)
    f = fc.forecast(pool, [1, 2, 3, 4], rules=("pass",), n_boot=0, prior="npmle", anchor=False)
    np.testing.assert_allclose(f.point[0], f.pilot_curve[0], atol=2e-3)
    np.testing.assert_allclose(f.lower, f.id_lower)


def test_forecast_recovers_model_drawn_curves():
    """A 4-sample pilot of a pool drawn from the model: the forecasts at k = 16 against the
    full pool's exact curves, within 3 bootstrap standard deviations plus 0.01 of model error."""
    params = pools.ModelParams(width=1.0, spread=0.8, misalignment=0.8, judge_noise=0.5)
    pool = pools.simulate_pool(params, 250, 16, seed=5)
    pilot = Pool(pool.scores[:, :4], pool.correct[:, :4], pool.answers[:, :4])
    rules = ("pass", "best_of_k", "majority")
    f = fc.forecast(pilot, [16], rules=rules, n_boot=30, seed=2, identification=False)
    for i, rule in enumerate(rules):
        truth = pools.selection_curve(pool, rule, [16]).mean[0]
        sd = (f.boot_upper[i, 0] - f.boot_lower[i, 0]) / (2 * 1.645)
        assert abs(f.point[i, 0] - truth) < 3 * sd + 0.01, (rule, f.point[i, 0], truth, sd)
        assert f.lower[i, 0] <= f.point[i, 0] <= f.upper[i, 0]
        # the backtest (first 2 samples predict k = 4) is small on the model's own data and
        # only widens the bootstrap interval
        assert abs(f.backtest_error[i]) < 0.05
        assert f.lower[i, 0] <= f.boot_lower[i, 0] and f.upper[i, 0] >= f.boot_upper[i, 0]


def test_forecast_table_plot_and_ragged_pilot():
    import matplotlib
    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    rows_s, rows_c, rows_a = [], [], []
    for q in range(40):
        n = 2 + q % 3
        rows_s.append(rng.normal(size=n))
        rows_c.append((rng.random(n) < 0.5).astype(float))
        rows_a.append(np.where(rows_c[-1] == 1, 0, rng.integers(1, 3, n)))
    pilot = Pool(rows_s, rows_c, rows_a)
    f = fc.forecast(pilot, [2, 8], rules=("pass", "best_of_k", "majority", "weighted_vote",
                                          "softmax"), temperature=1.0, n_boot=4, n_mc=200)
    assert f.point.shape == (5, 2)
    assert np.all((f.lower <= f.point + 1e-12) & (f.point <= f.upper + 1e-12))
    assert np.all((f.lower >= 0.0) & (f.upper <= 1.0))          # accuracies
    rows = f.table()
    assert len(rows) == 10 and set(rows[0]) >= {"rule", "k", "forecast", "lower", "upper"}
    ax = f.plot()
    assert ax.get_xlabel() == "number of samples k"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("forecast" in t for t in labels) and any("pilot (exact)" in t for t in labels)
    assert pools.forecast is fc.forecast


# ------------------------------------------------------------ bad input

def test_bad_input():
    one = Pool([[0.1], [0.2]], [[1], [0]], [[0], [1]])
    with pytest.raises(ValueError, match="pilot"):
        fc.forecast(one, [4], rules=("pass",))
    no_labels = Pool([[0.1, 0.3], [0.2, 0.5]], [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="rules"):
        fc.forecast(no_labels, [4], rules=("majority",))
    with pytest.raises(ValueError, match="ks"):
        fc.forecast(no_labels, [0, 4], rules=("pass",))
    with pytest.raises(ValueError, match="ks"):
        fc.forecast(no_labels, [2.5], rules=("pass",))
    with pytest.raises(ValueError, match="rules"):
        fc.forecast(no_labels, [4], rules=("oracle",))
    with pytest.raises(ValueError, match="temperature"):
        fc.forecast(no_labels, [4], rules=("softmax",), temperature=-1)
    mixed = Pool([[0.1, 0.3], [0.2, 0.5]], [[1, 0], [0, 1]], [[0, 0], [1, 1]], mixed_labels=True)
    with pytest.raises(ValueError, match="rules"):
        fc.forecast(mixed, [4], rules=("weighted_vote",), temperature=1.0)
    flat = Pool([[0.0, 0.0], [0.0, 0.0]], [[1, 0], [0, 1]], [[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="temperature"):
        fc.forecast(flat, [4], rules=("softmax",), temperature=1.0)
    losses = Pool([[0.1, 0.3], [0.2, 0.5]], [[0.5, 0], [0, 1]])
    with pytest.raises(ValueError, match="correct"):
        fc.forecast(losses, [4], rules=("pass",))
    with pytest.raises(ValueError, match="n_boot"):
        fc.forecast(no_labels, [4], rules=("pass",), n_boot=1)

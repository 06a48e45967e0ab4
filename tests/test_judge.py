"""Repeated and noisy judge calls and the budget split (docs/theory.md §10).

Independent routes: a plain NumPy Monte Carlo of the whole process (centre, candidates, softmax
or argmax; z-scores with fixed seeds), the simulator of the finite model, quadrature rules of
twice the size, brute-force search over the budget grid, the k → ∞ law of best-of-k, and the
limits (no noise, k = 1, T = ∞, m → ∞, sum = mean at T/m).
"""

from __future__ import annotations

import math

import jax
import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import ndtr, roots_hermitenorm, roots_legendre

import solvable
from solvable import (generalization_accuracy, generalization_error, selection_accuracy,
                      selection_error)
from solvable.answers import centre_averaged_accuracy
from solvable.asymptotics import noisy_best_of_k_coefficient, split_asymptote
from solvable.budget import compute_cost, optimal_split, optimal_split_averaged
from solvable.judge import (Judge, centre_rule, judged_law, step_centre_rule,
                            step_centre_rules)

POINT = dict(mean=0.3, std=1.2, teacher=0.0, reward=0.5)
NOISY = Judge(calls=3, call_noise=0.9, floor=0.2)


def _monte_carlo(k, T, judge, *, mean, std, teacher, reward, tolerance=None, n=200_000,
                 seed=0):
    """Per-draw value of the selected candidate: squared error, or correctness when a
    tolerance is given; the centre is drawn once per set of k candidates, each call's score
    noise independently (the definition, not the formulas)."""
    rng = np.random.default_rng(seed)
    m = judge.calls
    calls = rng.normal(0.0, judge.call_noise, (n, m))
    centre = reward + rng.normal(0.0, judge.floor, (n, 1)) + 0.0 * calls[:, :1]
    y = rng.normal(mean, std, (n, k))
    # each call j scores −(y − centre − ε_j)² + η_ij; aggregate = mean (or sum)
    scores = np.zeros((n, k))
    for j in range(m):
        scores += -(y - centre - calls[:, j:j + 1]) ** 2
        if judge.score_noise > 0:
            scores += rng.normal(0.0, judge.score_noise, (n, k))
    if judge.aggregate == "mean":
        scores /= m
    value = (y - teacher) ** 2 if tolerance is None else (np.abs(y - teacher) < tolerance) * 1.0
    if T == 0:
        pick = value[np.arange(n), np.argmax(scores, axis=1)]
    else:
        logw = scores / T
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        pick = np.sum(w * value, axis=1) / w.sum(axis=1)
    return pick.mean(), pick.std() / math.sqrt(n)


# --- the judge object and its checks --------------------------------------------------------

def test_judge_fields_and_bad_input():
    j = Judge(calls=4, call_noise=0.2, floor=0.05)
    assert j.centre_variance == pytest.approx(0.05 ** 2 + 0.2 ** 2 / 4, rel=1e-15)
    assert Judge(calls=4, score_noise=2.0).score_variance == 1.0
    assert Judge().noiseless and not j.noiseless
    for kwargs, name in (({"calls": 0}, "calls"), ({"calls": 1.5}, "calls"),
                         ({"call_noise": -1.0}, "call_noise"), ({"floor": math.nan}, "floor"),
                         ({"score_noise": "a"}, "score_noise"), ({"aggregate": "median"},
                                                                "aggregate")):
        with pytest.raises(ValueError, match=name):
            Judge(**kwargs)
    with pytest.raises(ValueError, match="judge"):
        selection_error(4, 0.0, judge="loud")
    with pytest.raises(ValueError, match="softmax judge .* at most π/√6"):
        selection_accuracy(4, 0.1, tolerance=0.5, judge=Judge(score_noise=1.0))
    with pytest.raises(ValueError, match="together with call_noise or floor"):
        selection_error(4, 0.0, judge=Judge(score_noise=0.1, floor=0.1))
    with pytest.raises(ValueError, match="weighted_vote"):
        selection_accuracy(4, 0.0, tolerance=0.5, rule="weighted_vote",
                           judge=Judge(score_noise=0.1))
    with pytest.raises(ValueError, match="not under jit"):
        jax.jit(lambda k: selection_error(k, 0.0, judge=Judge(score_noise=0.1)))(4.0)
    with pytest.raises(ValueError, match="score_noise"):
        generalization_error(solvable.paper_problem(), solvable.KnobReward(1.0), 4, 0.0,
                             judge=Judge(score_noise=0.1))
    with pytest.raises(ValueError, match="budget"):
        optimal_split(0.5, tolerance=0.5, judge=NOISY)
    with pytest.raises(ValueError, match="call_cost"):
        optimal_split(10, tolerance=0.5, judge=NOISY, call_cost=0.0)
    with pytest.raises(ValueError, match="call_scope"):
        compute_cost(2, 2, 1.0, "all")


# --- limits -------------------------------------------------------------------------------

def test_noiseless_judge_is_todays_judge():
    k = np.array([1.0, 3.0, 17.0])
    for T in (0.0, 0.4):
        exact = np.asarray(selection_error(k, T, **POINT))
        assert np.array_equal(np.asarray(selection_error(k, T, **POINT, judge=Judge())), exact)
        acc = np.asarray(selection_accuracy(k, T, **POINT, tolerance=0.6))
        assert np.array_equal(np.asarray(selection_accuracy(k, T, **POINT, tolerance=0.6,
                                                            judge=Judge())), acc)


def test_k_one_and_infinite_temperature_do_not_see_the_judge():
    s, b = POINT["std"], POINT["mean"] - POINT["teacher"]
    for T in (0.0, 0.7):
        assert float(selection_error(1.0, T, **POINT, judge=NOISY)) == pytest.approx(
            s * s + b * b, rel=1e-9)
    assert float(selection_error(9.0, math.inf, **POINT, judge=NOISY)) == pytest.approx(
        s * s + b * b, rel=1e-12)
    q0 = float(selection_accuracy(1, 0.0, **POINT, tolerance=0.6))
    assert float(selection_accuracy(1, 0.3, **POINT, tolerance=0.6, judge=NOISY)) == q0
    assert float(selection_accuracy(7, math.inf, **POINT, tolerance=0.6,
                                    judge=NOISY)) == pytest.approx(q0, abs=1e-15)


def test_many_calls_without_floor_approach_todays_judge():
    """m → ∞ without a floor: the centre's variance τ²/m → 0; the gap is O(1/m)."""
    many = Judge(calls=10 ** 6, call_noise=1.0)
    for T in (0.0, 0.5):
        gap = float(selection_error(8.0, T, **POINT, judge=many)) - float(
            selection_error(8.0, T, **POINT))
        assert abs(gap) < 1e-5
        gap = float(selection_accuracy(8, T, **POINT, tolerance=0.6, judge=many)) - float(
            selection_accuracy(8, T, **POINT, tolerance=0.6))
        assert abs(gap) < 1e-5


def test_sum_of_calls_is_the_mean_at_temperature_over_m():
    summed = NOISY.replace(aggregate="sum")
    T = 0.9
    assert float(selection_error(6.0, T, **POINT, judge=summed)) == pytest.approx(
        float(selection_error(6.0, T / NOISY.calls, **POINT, judge=NOISY)), rel=1e-13)
    assert float(selection_accuracy(6, T, **POINT, tolerance=0.6, judge=summed)) == (
        pytest.approx(float(selection_accuracy(6, T / 3, **POINT, tolerance=0.6,
                                               judge=NOISY)), rel=1e-13))


# --- against the definition (Monte Carlo) ------------------------------------------------------

@pytest.mark.parametrize("T", [0.0, 0.6])
@pytest.mark.parametrize("aggregate", ["mean", "sum"])
def test_error_and_accuracy_against_monte_carlo(T, aggregate):
    judge = NOISY.replace(aggregate=aggregate)
    k = 5
    est, se = _monte_carlo(k, T, judge, **POINT, seed=1)
    exact = float(selection_error(k, T, **POINT, judge=judge))
    assert abs(est - exact) / se < 4.0
    est, se = _monte_carlo(k, T, judge, **POINT, tolerance=0.6, seed=2)
    exact = float(selection_accuracy(k, T, **POINT, tolerance=0.6, judge=judge))
    assert abs(est - exact) / se < 4.0


def test_weighted_vote_with_a_noisy_judge_against_monte_carlo():
    """The weighted vote draws the centre with each set of answers; checked against the
    exact ends: T = ∞ is the plurality vote, which ignores the judge."""
    vote = selection_accuracy(6, math.inf, **POINT, tolerance=0.6, rule="weighted_vote",
                              judge=NOISY)
    major = selection_accuracy(6, 0.0, **POINT, tolerance=0.6, rule="majority")
    assert float(vote) == pytest.approx(float(major), abs=1e-15)
    best = selection_accuracy(6, 0.0, **POINT, tolerance=0.6, rule="weighted_vote", judge=NOISY)
    assert float(best) == pytest.approx(float(selection_accuracy(6, 0.0, **POINT, tolerance=0.6,
                                                                 judge=NOISY)), abs=1e-15)


# --- the quadrature over the centre -----------------------------------------------------------

def test_centre_rules_are_converged():
    """The error: the centre's panels against a brute-force rule (12 Gauss–Legendre nodes on
    panels of width 0.05 over ±9 sd) within 1e-9 relative, including a centre spread far beyond
    the candidates' reach (k = 2, sd = 5, where 48 Gauss–Hermite nodes are 1.6% off); the
    Gauss–Hermite rule used under tracing within 1e-8 where the spread is moderate. The
    accuracy: 8 against 16 Gauss–Legendre nodes per graded panel within 1e-9, up to k = 4096
    where it is nearly a step in the centre."""
    from solvable.selection import centre_averaged_error
    from solvable.selection import selection_error_normalized as d
    b, a = 0.25, -0.1
    for k, t, sd in ((4.0, 0.0, 0.7), (64.0, 0.0, 0.7), (64.0, 0.3, 2.0), (1024.0, 0.01, 0.7),
                     (2.0, 0.0, 5.0), (4096.0, 0.01, 5.0), (16.0, 3.0, 2.0)):
        edges = np.linspace(-9 * sd, 9 * sd, int(18 * sd / 0.05) + 2)
        e, w, _ = step_centre_rules(np.array([sd]), np.zeros((1, 0)), nodes=12,
                                    extra=edges[None, :])
        brute = float(np.sum(w * np.asarray(d(k, t, b, a - e))))
        fast = float(centre_averaged_error(k, t, b, a, sd))
        assert abs(fast - brute) < 1e-9 * brute
        if sd < 1.0:
            e, w = centre_rule(sd)
            assert abs(float(np.sum(w * np.asarray(d(k, t, b, a - e)))) - brute) < 1e-8 * brute
    from solvable.answers import accuracy_normalized as acc
    for k, t, sd in ((8.0, 0.0, 0.4), (4096.0, 0.0, 0.4), (4096.0, 0.0, 0.01), (64.0, 0.2, 1.0),
                     (512.0, 0.1, 1.0), (2.0, 0.05, 3.0)):
        steps = (a - b - 0.5, a - b + 0.5)
        vals = []
        for nodes in (8, 16):
            e, w = step_centre_rule(sd, steps, nodes=nodes)
            vals.append(float(np.sum(w * np.asarray(acc(k, t, b, a - e, 0.5)))))
        assert abs(vals[0] - vals[1]) < 1e-9
        # the public rule stops the grading at 1/10 of the transition's width (1/k or √t)
        assert vals[0] == pytest.approx(float(centre_averaged_accuracy(k, t, b, a, 0.5, sd)),
                                        abs=1e-9)


# --- averaged over inputs: the simulator ---------------------------------------------------------

def test_averaged_error_and_accuracy_against_the_simulator():
    problem = solvable.Problem(n=50, d=5, sigma=0.3, gamma=1.0)
    reward = solvable.KnobReward(0.5)
    judge = Judge(calls=2, call_noise=0.3, floor=0.1)
    for T in (0.0, 0.1):
        res = solvable.simulate(problem, reward, [1, 4, 16], T, n_test=2 ** 15,
                                predictive="deterministic", judge=judge, seed=3)
        assert np.all(np.abs(res.mean - res.theory) / res.stderr < 4.0)
    res = solvable.simulate(problem, reward, [1, 4, 16], 0.0, n_test=8192,
                            predictive="deterministic", metric="accuracy", tolerance=0.3,
                            judge=judge, seed=4)
    assert np.all(np.abs(res.z) < 4.0)
    # k = 1 does not see the judge (the noisy law takes the two-dimensional rule, the knob
    # law the one-dimensional one: they agree to ~1e-9, tests/test_average.py)
    assert np.asarray(generalization_error(problem, reward, 1.0, 0.0, judge=judge)) == (
        pytest.approx(float(generalization_error(problem, reward, 1.0, 0.0)), rel=1e-8))


def test_score_noise_in_the_simulator_against_monte_carlo():
    """Per-candidate score noise (simulator only): the predictive-only model at one input
    against the NumPy Monte Carlo of the definition."""
    problem = solvable.Problem(n=50, d=1, sigma=0.3, gamma=1e-8, teacher=np.zeros(1))
    # γ → 0: the student's mean is 0 = μ_T and s² = σ²; the knob judge is the teacher
    judge = Judge(calls=2, score_noise=0.05)
    res = solvable.simulate(problem, solvable.KnobReward(0.0), [3], 0.02, n_test=2 ** 16,
                            predictive="deterministic", judge=judge, compute_theory=False,
                            seed=5)
    est, se = _monte_carlo(3, 0.02, judge, mean=0.0, std=0.3, teacher=0.0, reward=0.0,
                           seed=6)
    assert abs(res.mean[0] - est) / math.hypot(res.stderr[0], se) < 4.0


# --- per-candidate score noise: best-of-k ----------------------------------------------------

SCORE_NOISY = Judge(calls=4, score_noise=0.8)        # σ²/m = 0.16 on the mean score


@pytest.mark.parametrize("k, point, tolerance", [
    (8, dict(mean=0.3, std=1.2, teacher=0.0, reward=0.5), 0.6),
    (64, dict(mean=-0.4, std=0.7, teacher=0.2, reward=0.1), 0.3),
    (3, dict(mean=1.5, std=1.0, teacher=0.0, reward=0.0), 1.0),
])
def test_score_noise_best_of_k_against_monte_carlo(k, point, tolerance):
    """Error and accuracy of best-of-k by noisy scores against the NumPy Monte Carlo of the
    definition (each call's own noise on each candidate, then the mean): |z| < 4, fixed
    seeds."""
    err, se = _monte_carlo(k, 0.0, SCORE_NOISY, **point, n=100_000, seed=11)
    exact = float(selection_error(k, 0.0, **point, judge=SCORE_NOISY))
    assert abs(exact - err) < 4.0 * se, (exact, err, se)
    acc, se = _monte_carlo(k, 0.0, SCORE_NOISY, **point, tolerance=tolerance, n=100_000,
                           seed=12)
    exact = float(selection_accuracy(k, 0.0, **point, tolerance=tolerance, judge=SCORE_NOISY))
    assert abs(exact - acc) < 4.0 * se, (exact, acc, se)


def _gauss_legendre(edges, n):
    """Composite Gauss–Legendre nodes and weights with n nodes per panel."""
    x, w = roots_legendre(n)
    lo, hi = np.asarray(edges[:-1])[:, None], np.asarray(edges[1:])[:, None]
    return ((lo + hi) / 2 + (hi - lo) / 2 * x).ravel(), ((hi - lo) / 2 * w).ravel()


def _score_noise_quadrature(k, a, b, nu, g, cuts=()):
    """E[g(z*)] by another route: k E_{z,ξ}[g(z) F(−z² + νξ)^{k−1}], the candidate's joint law
    against the CDF F(u) = E_z'[Φ((u + z'²)/ν)] of one score, on fixed tensor rules
    (Gauss–Legendre in z over a ± 10 with panels cut where g jumps; Gauss–Hermite in ξ)."""
    def gaussian(edges, n):
        z, w = _gauss_legendre(edges, n)
        return z, w * np.exp(-0.5 * (z - a) ** 2) / math.sqrt(2 * math.pi)
    inner, w_inner = gaussian([a - 10.0, a + 10.0], 600)
    edges = np.unique(np.clip([a - 10.0, *cuts, a + 10.0], a - 10.0, a + 10.0))
    z, wz = gaussian(edges, 300)
    xi, wxi = roots_hermitenorm(120)
    wxi = wxi / math.sqrt(2 * math.pi)
    u = -z[:, None] ** 2 + nu * xi[None, :]                                 # [Z, Ξ]
    cdf = np.einsum("j,abj->ab", w_inner,
                    ndtr((u[:, :, None] + inner[None, None, :] ** 2) / nu))
    return float(k * np.einsum("a,b,ab->", wz * g(z), wxi, cdf ** (k - 1)))


@pytest.mark.parametrize("k, a, b, nu", [(3, 0.4, -0.2, 0.5), (6, 1.5, 0.3, 2.0),
                                         (12, -0.8, 0.5, 1.0)])
def test_score_noise_best_of_k_against_a_tensor_quadrature(k, a, b, nu):
    """Normalised units (s = 1): the quantile route of `solvable._score_noise` against the
    joint-law integral (smooth here: ν ≥ 0.5), error and accuracy, to 1e-8 relatively."""
    point = dict(mean=a, std=1.0, teacher=a - b, reward=0.0)
    judge = Judge(score_noise=nu)
    ref = _score_noise_quadrature(k, a, b, nu, lambda z: (z + b - a) ** 2)
    assert float(selection_error(k, 0.0, **point, judge=judge)) == pytest.approx(ref, rel=1e-8)
    eta = 0.7
    ref = _score_noise_quadrature(k, a, b, nu, lambda z: np.abs(z + b - a) < eta,
                                  cuts=(a - b - eta, a - b + eta))
    assert float(selection_accuracy(k, 0.0, **point, tolerance=eta, judge=judge)) == (
        pytest.approx(ref, rel=1e-8))


@pytest.mark.parametrize("k, t", [(8, 0.5), (64, 0.1), (100, 0.01)])
def test_softmax_as_best_of_k_with_gumbel_noise(k, t):
    """The softmax at t = T/(2s²) is best-of-k with a Gumbel of scale 2t added to each score
    (the Gumbel-max identity): with a vanishing Gaussian part, `solvable._score_noise` agrees
    with the Laplace-route kernel of `selection_error` / `selection_accuracy` to 1e-8."""
    a, b = 1.0, -0.5
    point = dict(mean=a, std=1.0, teacher=a - b, reward=0.0)
    from solvable._score_noise import best_of_k_with_score_noise
    err = best_of_k_with_score_noise([k], [b], [a], [1e-9], tau=[2 * t])[0]
    assert err == pytest.approx(float(selection_error(k, 2 * t, **point)), rel=1e-8)
    acc = best_of_k_with_score_noise([k], [b], [a], [1e-9], eta=[0.5], tau=[2 * t])[0]
    assert acc == pytest.approx(float(selection_accuracy(k, 2 * t, **point, tolerance=0.5)),
                                rel=1e-8)


def test_softmax_with_score_noise_against_monte_carlo():
    """Softmax at T > 0 over noisy mean scores (noise ≤ π/√6 · T): the Monte Carlo of the
    definition, |z| < 4 (fixed seeds)."""
    point = dict(mean=0.3, std=1.2, teacher=0.0, reward=0.5)
    judge = Judge(calls=4, score_noise=0.8)          # 0.4 on the mean ≤ 1.28 · 0.4
    est, se = _monte_carlo(8, 0.4, judge, **point, n=100_000, seed=21)
    assert abs(float(selection_error(8, 0.4, **point, judge=judge)) - est) < 4.0 * se
    est, se = _monte_carlo(8, 0.4, judge, **point, tolerance=0.6, n=100_000, seed=22)
    assert abs(float(selection_accuracy(8, 0.4, **point, tolerance=0.6, judge=judge))
               - est) < 4.0 * se


def test_score_noise_limits():
    """ν → 0: the noiseless best-of-k; ν → ∞: a uniform pick (s² + b², q₀); k = 1: the same
    for any ν."""
    point = dict(mean=0.3, std=0.8, teacher=0.1, reward=-0.2)
    b = (0.3 - 0.1) / 0.8
    q0 = float(ndtr(0.4 / 0.8 - b) - ndtr(-0.4 / 0.8 - b))
    k = np.array([2.0, 9.0, 100.0])
    tiny, huge = Judge(score_noise=1e-9), Judge(score_noise=1e9)
    np.testing.assert_allclose(np.asarray(selection_error(k, 0.0, **point, judge=tiny)),
                               np.asarray(selection_error(k, 0.0, **point)), rtol=1e-7)
    np.testing.assert_allclose(np.asarray(selection_accuracy(k, 0.0, **point, tolerance=0.4,
                                                             judge=tiny)),
                               np.asarray(selection_accuracy(k, 0.0, **point, tolerance=0.4)),
                               rtol=1e-7)
    np.testing.assert_allclose(np.asarray(selection_error(k[:2], 0.0, **point, judge=huge)),
                               0.64 * (1 + b * b), rtol=1e-7)
    np.testing.assert_allclose(np.asarray(selection_accuracy(k[:2], 0.0, **point,
                                                             tolerance=0.4, judge=huge)),
                               q0, rtol=1e-7)
    assert float(selection_error(1, 0.0, **point, judge=SCORE_NOISY)) == pytest.approx(
        0.64 * (1 + b * b), rel=1e-7)
    assert float(selection_accuracy(1, 0.0, **point, tolerance=0.4, judge=SCORE_NOISY)) == (
        pytest.approx(q0, rel=1e-7))
    # T = ∞ does not see the scores: a uniform pick, also with score noise
    assert float(selection_error(5, math.inf, **point, judge=SCORE_NOISY)) == pytest.approx(
        0.64 * (1 + b * b), rel=1e-15)
    assert float(selection_accuracy(5, math.inf, **point, tolerance=0.4,
                                    judge=SCORE_NOISY)) == pytest.approx(q0, rel=1e-12)


def test_judged_law_adds_the_centre_variance():
    law = solvable.offset_law(solvable.paper_problem(), solvable.KnobReward(1.0))
    noisy = judged_law(law, NOISY)
    assert float(noisy.var_reward) == pytest.approx(float(law.var_reward)
                                                    + NOISY.centre_variance, rel=1e-15)
    assert float(noisy.cov) == float(law.cov) and not noisy.rank_one


# --- the k-correction and the large-budget split ------------------------------------------------

@pytest.mark.parametrize("point", [dict(mean=0.3, teacher=0.0, reward=0.1, v=0.0),
                                   dict(mean=0.3, teacher=0.0, reward=0.1, v=0.1),
                                   dict(mean=0.0, teacher=0.0, reward=0.4, v=0.2)])
def test_best_of_k_correction_of_a_noisy_judge(point):
    """k²(δ − (μ_R − μ_T)² − v) → Ā: within 1% at k = 1024, and closer than at k = 256."""
    v = point.pop("v")
    judge = Judge(call_noise=math.sqrt(v)) if v > 0 else None
    coef = noisy_best_of_k_coefficient(**point, centre_variance=v)
    gaps = []
    for k in (256.0, 1024.0):
        d = float(solvable.best_of_k_error(k, **point, judge=judge))
        gaps.append(abs((d - (point["reward"] - point["teacher"]) ** 2 - v) * k * k - coef))
    assert gaps[1] < 0.01 * abs(coef) and gaps[1] < gaps[0]


def test_split_exponents_against_exact_optimisation():
    """The exact continuous optimum of δ(k, m) at k(1 + λm) = B (m = (B/k − 1)/λ) grows as
    k* ∝ B^{1/3}, m* ∝ B^{2/3} (local slopes between B = 1e5 and 1e6 within 0.03), and
    k* is within 10% of the asymptote at B = 1e6."""
    point = dict(mean=0.3, teacher=0.0, reward=0.1)
    tau = 0.5
    from solvable.selection import selection_error_normalized as d
    e, w = centre_rule(1.0)

    def error(log_k, B):
        k = math.exp(log_k)
        m = B / k - 1.0
        sd = tau / math.sqrt(m)
        return float(np.sum(w * np.asarray(d(k, 0.0, 0.3, 0.2 - sd * e))))

    opt = {}
    for B in (1e5, 1e6):
        r = minimize_scalar(error, bounds=(math.log(2.0), math.log(B / 4)), args=(B,),
                            method="bounded", options={"xatol": 1e-4})
        opt[B] = math.exp(r.x)
    slope_k = math.log(opt[1e6] / opt[1e5]) / math.log(10.0)
    slope_m = math.log((1e6 / opt[1e6] - 1) / (1e5 / opt[1e5] - 1)) / math.log(10.0)
    assert abs(slope_k - 1 / 3) < 0.03 and abs(slope_m - 2 / 3) < 0.03
    asym = split_asymptote(1e6, call_noise=tau, **point)
    assert float(asym.k) == pytest.approx(opt[1e6], rel=0.1)


# --- the budget optimiser --------------------------------------------------------------------------

def test_optimal_split_against_brute_force():
    """Every grid cell evaluated on its own by `selection_accuracy`, then every budget's best
    affordable cell found by enumeration (the vote preferred on ties: it needs no judge)."""
    ks, calls, budgets, temps = [1, 2, 5, 13], [1, 4], [1, 3, 7, 20, 60], (0.0, 0.3)
    judge = Judge(call_noise=0.8, floor=0.1)
    point = dict(mean=0.7, std=1.0, teacher=0.0, reward=0.1)
    split = optimal_split(budgets, tolerance=0.5, judge=judge, call_cost=0.5, ks=ks,
                          calls=calls, temperatures=temps, **point)
    vote = {k: float(selection_accuracy(k, 0.0, **point, tolerance=0.5, rule="majority"))
            for k in ks}
    cell = {(k, m, T): float(selection_accuracy(k, T, **point, tolerance=0.5,
                                                judge=judge.replace(calls=m)))
            for k in ks for m in calls for T in temps}
    for i, B in enumerate(budgets):
        options = [(v, (k, m)) for (k, m, T), v in cell.items() if k * (1 + 0.5 * m) <= B]
        options += [(v + 1e-12, (k, 0)) for k, v in vote.items() if k <= B]
        value, setting = max(options, key=lambda x: x[0])
        assert split.value[i] == pytest.approx(min(value, 1.0), abs=2e-12)
        assert (split.k[i], split.calls[i]) == setting


def test_averaged_split_table_matches_generalization_accuracy():
    law = solvable.OffsetLaw(var_teacher=0.3, var_reward=0.3, cov=0.3, predictive_var=1.0,
                             rank_one=True)
    judge = Judge(call_noise=1.0)
    split = optimal_split_averaged(law, None, [2, 256], tolerance=0.5, judge=judge,
                                   ks=[1, 2, 8, 32], calls=[1, 4, 16])
    for ki, k in enumerate(split.ks):
        for mi, m in enumerate(split.calls_grid):
            direct = generalization_accuracy(law, None, int(k), 0.0, tolerance=0.5,
                                             judge=judge.replace(calls=int(m)))
            assert split.table[0, ki, mi] == pytest.approx(direct, abs=1e-12)
        vote = generalization_accuracy(law, None, int(k), 0.0, tolerance=0.5, rule="majority")
        assert split.vote_table[ki] == pytest.approx(vote, abs=1e-12)
    assert split.vote_ceiling < split.judge_ceiling


def test_crossover_and_ceilings():
    """A biased vote (|m − μ_T| > h) and an unbiased judge: the vote wins at the smallest
    budgets, the judge from the crossover on; with the judge biased beyond h and the vote not,
    the judge's ceiling is below the vote's and no crossover is reported."""
    grid = dict(ks=[1, 2, 4, 8, 16, 32, 64, 128], calls=[1, 2, 4, 8, 16, 32, 64])
    split = optimal_split([2, 8, 32, 128, 512], tolerance=0.5, mean=0.7, reward=0.1,
                          judge=Judge(call_noise=1.0), **grid)
    assert split.crossover == 8.0 and split.calls[0] == 0 and np.all(split.calls[1:] > 0)
    assert split.judge_ceiling == 1.0 and split.vote_ceiling == 0.0
    split = optimal_split([2, 8, 32, 128, 512], tolerance=0.5, mean=0.2, reward=0.9,
                          judge=Judge(call_noise=1.0), **grid)
    assert math.isnan(split.crossover) and split.judge_ceiling < split.vote_ceiling


def test_noisy_accuracy_under_tracing_says_so():
    """The accuracy's centre rule is built per point from concrete values: under jit the call
    fails with a ValueError that says why (the error falls back to Gauss–Hermite instead)."""
    import jax
    with pytest.raises(ValueError, match="concrete"):
        jax.jit(lambda a: centre_averaged_accuracy(4.0, 0.0, 0.1, a, 0.5, 0.3))(0.2)
    from solvable.selection import centre_averaged_error
    traced = float(jax.jit(lambda a: centre_averaged_error(4.0, 0.0, 0.1, a, 0.3))(0.2))
    assert traced == pytest.approx(float(centre_averaged_error(4.0, 0.0, 0.1, 0.2, 0.3)),
                                   rel=1e-8)


def test_split_table_uses_each_cells_judge():
    """Every cell of the table is the judge with that cell's m calls, whatever the judge's own
    ``calls`` (with the sum of scores the temperature is T/m of the cell, not of the judge
    given): the table against `selection_accuracy` and `selection_error` cell by cell."""
    judge = Judge(calls=3, call_noise=0.8, floor=0.1, aggregate="sum")
    point = dict(mean=0.3, std=1.0, teacher=0.0, reward=0.1)
    acc = optimal_split([100], tolerance=0.5, judge=judge, ks=[4], calls=[2, 5],
                        temperatures=(0.6,), **point)
    err = optimal_split([100], judge=judge, ks=[4], calls=[2, 5], temperatures=(0.6,),
                        metric="error", **point)
    for j, m in enumerate((2, 5)):
        cell = judge.replace(calls=m)
        assert acc.table[0, 0, j] == pytest.approx(float(selection_accuracy(
            4, 0.6, tolerance=0.5, judge=cell, **point)), abs=1e-14)
        assert err.table[0, 0, j] == pytest.approx(float(selection_error(
            4.0, 0.6, judge=cell, **point)), rel=1e-13)

"""Forecast every rule's curve at large k from a pilot of a few samples per question.

An empirical-Bayes answer model (docs/theory.md §11). Each question q has three
parameters of one fresh sample:

* p: the probability that a sample is correct;
* r: the number of equally likely wrong answer labels (1, 2, 3, 5, 10 or ∞: every wrong
  answer distinct), which share the mass 1 − p;
* θ: how well the judge separates right from wrong. Scores are
  s = offset_q + β (G + c log θ) with G a standard Gumbel variable and c the 0/1 correctness,
  so the order of the scores from the top is a Plackett–Luce order with weight θ for a right
  sample and 1 for a wrong one (a Lehmann alternative: the right scores have distribution
  function F^θ where the wrong have F). Only ranks enter the fit of θ, so per-question score
  offsets and monotone transforms of the scores do not matter; the scale β (common to all
  questions, from the pooled within-class spread of the scores: sd = β π/√6) is needed only
  by the rules with a finite temperature T > 0.

The law of (p, r, θ) over questions is a mixing distribution π on a grid (163 values of p
evenly spaced in logit p, with 0 and 1; the grids `R_GRID`, `THETA_GRID`), fitted by maximum
likelihood to the per-question pilot data. Default (``prior="beta"``): π(p, r, θ) =
g(p) h_{b(p)}(r, θ), with g a beta law fitted to the counts by maximum likelihood (the
beta-binomial) and put on the grid, and h_b the law of (r, θ) in each of four bins b of p
(edges 0.15, 0.4, 0.7), fitted by EM with g fixed. ``prior="npmle"``: the nonparametric
maximum-likelihood π on the whole grid, by EM (measured worse: its atoms at p = 0 take the
questions no pilot sample solves, and pass@k at large k comes out low). The likelihood of
one question's pilot factorises:

* counts: p^c (1 − p)^{n − c} for c correct among n;
* answer labels: a given partition of the W wrong samples into j distinct labels has
  probability (r)_j / r^W (the falling factorial r (r − 1) ⋯ (r − j + 1)); 1 if j = W and
  r = ∞, 0 if j < W and r = ∞;
* judge: the Plackett–Luce probability of the observed order of the scores, a dynamic
  programme over the groups from the top: picking a right sample when R right and W wrong
  remain has probability θ/(Rθ + W) per sample. Tied scores are broken uniformly at random,
  as the rules break them, and enter as the geometric mean of the probability over the
  tie-breaks, exp E[log P] (a pseudo-likelihood; the sum over the orders inside a tied group
  was tried and makes ties carry no information, which overpredicted best-of-k on CodeT).

Each rule's expected accuracy at k given one grid point (p, r, θ), with j ~ Bin(k, p) the
right samples among k:

* pass@k = 1 − (1 − p)^k;
* best-of-k = E_j[θ j / (θ j + k − j)] (the top of a Plackett–Luce order);
* plurality vote (ties split uniformly) = Σ_{c≥1} Bin(c; k, p) · t_r(k − c, c) with
  t_r(m, c) = m! r^{−m} ∫₀¹ [z^m] (E_{c−1}(z) + y z^c/c!)^r dy, E_n(z) = Σ_{i≤n} z^i/i!
  (Gauss–Legendre in y, exact); for r = ∞: P(j ≥ 2) + P(j = 1)/k;
* weighted vote at 0 < T < ∞ and softmax at T > 0: Monte Carlo over the model's draws with
  common random numbers across grid points (standard error reported); the weighted vote at
  T = ∞ is the plurality vote and at T = 0 best-of-k; softmax at T = 0 is best-of-k.

The model's curve is the mixture average of these values. The forecast is anchored at the
pilot: with m the smallest pilot size, forecast(k) = model(k) − model(m) + pilot(m), where
pilot(m) is the pilot's own exact (unbiased) curve at k = m, which needs no model; the model
supplies only the change from m to k (``anchor=False``: the model's curve itself). pass@k is
not anchored: its model is fitted to the law of the pilot's counts by maximum likelihood
already, and the anchor would only add the noise of the pilot's own pass@m (measured: median
|error| 0.018 anchored, 0.011 not, over the benchmark's pass cells).

Intervals: a percentile bootstrap over questions (the EM refitted per resample, the anchor
resampled with the questions), and for pass@k also the range of 1 − E_π[(1 − p)^k] over
every mixing law π on the grid that reproduces the fitted law of the pilot's counts (a linear
programme): with n₀ samples per question only the first n₀ moments of the law of p are
determined, so pass@k for k > n₀ is identified only up to this range. The reported interval
for pass@k is the union of the bootstrap interval and the bootstrap's range of that
identification interval (its lower bound's and upper bound's outer quantiles). The other
rules' intervals carry no term for what the pilot cannot identify about them (e.g. wrong
answers rarer than 1/n₀ that outscore the right ones). For the model's misfit, every interval
is widened by a backtest (``backtest=True``): the same forecast from the first half of the
pilot predicts k = m, where the pilot's exact curve is known, and the absolute error e widens
both ends at k by |e| log(k/m)/log(m/⌊m/2⌋) (the error taken to grow with log k). Intervals
are clipped to [0, 1].
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Optional, Sequence

import numpy as np
from scipy import optimize
from scipy.special import betainc, betaln, gammaln

from .curves import Pool, selection_curve

__all__ = ["Forecast", "forecast", "FORECAST_RULES"]

FORECAST_RULES = ("pass", "best_of_k", "softmax", "majority", "weighted_vote")
_VOTE_RULES = ("majority", "weighted_vote")
_JUDGE_RULES = ("best_of_k", "softmax", "weighted_vote")
P_GRID = np.concatenate([[0.0], 1.0 / (1.0 + np.exp(-np.linspace(-8.0, 8.0, 161))), [1.0]])
"""Grid of the per-question probability of a correct sample (0 and 1 included)."""
R_GRID = (1, 2, 3, 5, 10, math.inf)
"""Grid of the number of equally likely wrong labels (∞: every wrong answer distinct)."""
THETA_GRID = 2.0 ** np.arange(-3.0, 11.0)
"""Grid of the judge's Plackett–Luce weight of a right sample (1: the judge is blind)."""


# --------------------------------------------------------------------------------------------
# per-grid-point values of each rule
# --------------------------------------------------------------------------------------------

def _binom_pmf(k: int, p: np.ndarray) -> np.ndarray:
    """[len(p), k + 1] Bin(j; k, p) for j = 0..k (exact at p = 0 and 1)."""
    j = np.arange(k + 1)
    logc = gammaln(k + 1) - gammaln(j + 1) - gammaln(k - j + 1)
    p = np.asarray(p, dtype=np.float64)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(j == 0, 0.0, j * np.log(p))
        lq = np.where(j == k, 0.0, (k - j) * np.log1p(-p))
    return np.exp(logc + lp + lq)


def pass_value(p, k: int) -> np.ndarray:
    """pass@k = 1 − (1 − p)^k at each p."""
    return 1.0 - (1.0 - np.asarray(p, dtype=np.float64)) ** k


def best_of_k_value(p, theta, k: int) -> np.ndarray:
    """[len(p), len(theta)] best-of-k accuracy E_{j~Bin(k,p)}[θ j/(θ j + k − j)].

    The top of a Plackett–Luce order with weight θ for each of j right samples and 1 for
    each of k − j wrong ones is right with probability θ j / (θ j + k − j).
    """
    theta = np.asarray(theta, dtype=np.float64)
    j = np.arange(k + 1)[None, :]
    share = (theta[:, None] * j) / (theta[:, None] * j + (k - j))          # [Θ, k + 1]
    return _binom_pmf(k, p) @ share.T


@lru_cache(maxsize=256)
def _tie_share(r: float, k: int) -> np.ndarray:
    """[k + 1] t_r(k − c, c) for c = 0..k: the chance that a correct label with c votes wins
    (ties split uniformly) when the other k − c votes fall uniformly on r wrong labels."""
    out = np.zeros(k + 1)
    if math.isinf(r):
        out[2:] = 1.0
        if k >= 1:
            out[1] = 1.0 / k
        return out
    r = int(r)
    y, wy = np.polynomial.legendre.leggauss(r // 2 + 1)
    y, wy = (y + 1) / 2, wy / 2
    inv_fact = np.exp(-gammaln(np.arange(k + 1) + 1))
    for c in range(1, k + 1):
        m = k - c
        total = 0.0
        for yy, ww in zip(y, wy):
            base = np.zeros(min(c, m) + 1)
            top = min(c - 1, m)
            base[: top + 1] = inv_fact[: top + 1]
            if c <= m:
                base[c] = yy * inv_fact[c]
            poly = np.ones(1)
            for _ in range(r):
                poly = np.convolve(poly, base)[: m + 1]
            total += ww * (poly[m] if poly.size > m else 0.0)
        out[c] = total * math.exp(gammaln(m + 1) - m * math.log(r))
    return out


def majority_value(p, r: float, k: int) -> np.ndarray:
    """Plurality-vote accuracy Σ_c Bin(c; k, p) t_r(k − c, c) at each p (see module)."""
    return _binom_pmf(k, p) @ _tie_share(float(r), int(k))


def _mc_draws(k_max: int, n_mc: int, seed: int):
    rng = np.random.default_rng(seed)
    u = rng.random((n_mc, k_max))
    v = rng.random((n_mc, k_max))
    g = -np.log(-np.log(rng.random((n_mc, k_max))))
    return u, v, g


def mc_values(p: float, r: float, theta: float, gamma: float, rule: str, ks, *,
              n_mc: int = 2000, seed: int = 0):
    """Monte Carlo weighted vote or softmax accuracy at one grid point, for every k in `ks`.

    The k-th draw is right iff U_k < p; a wrong draw takes label ⌊V_k r⌋ (its own label if
    r = ∞); its log-weight is γ (G_k + c_k log θ) with γ = β/T and G_k standard Gumbel. The
    weighted vote's label tally is the log-sum-exp of its members' log-weights; softmax keeps
    draw i with probability ∝ e^{log-weight}. Draws i ≤ k form the sample of size k.

    Returns
    -------
    ndarray [n_mc, len(ks)]
        The per-draw values (their mean is the estimate, their std/√n_mc its error).
    """
    ks = np.asarray(ks, dtype=np.int64)
    k_max = int(ks.max())
    u, v, g = _mc_draws(k_max, n_mc, seed)
    right = u < p
    logw = gamma * (g + np.where(right, math.log(theta), 0.0))
    if rule == "softmax":
        num = np.logaddexp.accumulate(np.where(right, logw, -np.inf), axis=1)
        den = np.logaddexp.accumulate(logw, axis=1)
        with np.errstate(invalid="ignore"):
            val = np.where(np.isneginf(num), 0.0, np.exp(num - den))
        return val[:, ks - 1]
    right_tally = np.logaddexp.accumulate(np.where(right, logw, -np.inf), axis=1)
    if math.isinf(r):
        wrong_top = np.maximum.accumulate(np.where(right, -np.inf, logw), axis=1)
    else:
        lab = np.minimum((v * r).astype(np.int64), int(r) - 1)
        tallies = np.stack([np.logaddexp.accumulate(np.where(~right & (lab == l), logw, -np.inf),
                                                    axis=1) for l in range(int(r))])
        wrong_top = tallies.max(axis=0)
    win = (right_tally > wrong_top).astype(np.float64)
    return win[:, ks - 1]


# --------------------------------------------------------------------------------------------
# per-question likelihoods
# --------------------------------------------------------------------------------------------

def label_likelihood(wrong_counts: Sequence[int], r_grid=R_GRID) -> np.ndarray:
    """[len(r_grid)] probability of the observed partition of the wrong samples into labels:
    (r)_j / r^W for j labels among W wrong samples (r = ∞: 1 iff j = W)."""
    w = int(sum(wrong_counts))
    j = len(wrong_counts)
    out = np.zeros(len(r_grid))
    for i, r in enumerate(r_grid):
        if math.isinf(r):
            out[i] = 1.0 if j == w else 0.0
        elif j <= r:
            out[i] = math.exp(gammaln(r + 1) - gammaln(r - j + 1) - w * math.log(r))
    return out


def judge_likelihood(groups: Sequence[tuple], theta_grid=THETA_GRID) -> np.ndarray:
    """[len(theta_grid)] Plackett–Luce (pseudo-)likelihood of an observed weak order of scores.

    Parameters
    ----------
    groups : sequence of (a, b)
        From the top score down, each tied group's numbers of right (a) and wrong (b) samples.

    The order of the samples from the top is Plackett–Luce with weight θ per right sample and
    1 per wrong one: a right sample is picked next, when R right and W wrong remain, with
    probability θ/(Rθ + W) each. Ties are broken uniformly at random, as the rules do, so the
    tied samples' order is the rules' effective order: the result is the geometric mean of the
    Plackett–Luce probability over the uniform tie-breaks, exp E[log P] (a dynamic programme
    inside each group over the numbers of right and wrong samples placed). Without ties it is
    the Plackett–Luce probability of the observed order.
    """
    theta = np.asarray(theta_grid, dtype=np.float64)
    right = sum(a for a, _ in groups)
    wrong = sum(b for _, b in groups)
    log_total = np.zeros_like(theta)
    for a, b in groups:
        occ = np.zeros((a + 1, b + 1))          # chance a uniform interleaving passes (i, j)
        occ[0, 0] = 1.0
        for i in range(a + 1):
            for jj in range(b + 1):
                if i == a and jj == b:
                    continue
                left = (a - i) + (b - jj)
                den = np.log((right - i) * theta + (wrong - jj))
                if i < a:
                    pr = (a - i) / left
                    occ[i + 1, jj] += occ[i, jj] * pr
                    log_total += occ[i, jj] * pr * (np.log(theta) - den)
                if jj < b:
                    pr = (b - jj) / left
                    occ[i, jj + 1] += occ[i, jj] * pr
                    log_total += occ[i, jj] * pr * (-den)
        right -= a
        wrong -= b
    return np.exp(log_total)


def _question_data(pool: Pool, q: int):
    valid = pool.valid[q]
    c = pool.correct[q, valid]
    s = pool.scores[q, valid]
    n = int(valid.sum())
    nc = int(c.sum())
    wrong_counts = ()
    if pool.answers is not None:
        lab = pool.answers[q, valid][c == 0]
        named = lab[lab >= 0]
        _, cnt = np.unique(named, return_counts=True)
        wrong_counts = tuple(int(x) for x in cnt) + (1,) * int(np.sum(lab < 0))
    order = np.argsort(-s, kind="stable")
    s_sorted, c_sorted = s[order], c[order]
    groups = []
    i = 0
    while i < n:
        j = i
        while j < n and s_sorted[j] == s_sorted[i]:
            j += 1
        a = int(c_sorted[i:j].sum())
        groups.append((a, j - i - a))
        i = j
    return n, nc, wrong_counts, groups


def _score_scale(pool: Pool) -> float:
    """β from the pooled within-(question, class) variance of the scores: var = β² π²/6."""
    ss, df = 0.0, 0
    for q in range(pool.num_questions):
        valid = pool.valid[q]
        s, c = pool.scores[q, valid], pool.correct[q, valid]
        for cls in (0.0, 1.0):
            x = s[c == cls]
            if x.size >= 2:
                ss += float(np.sum((x - x.mean()) ** 2))
                df += x.size - 1
    if df == 0 or ss == 0:
        return 0.0
    return math.sqrt(ss / df) * math.sqrt(6.0) / math.pi


# --------------------------------------------------------------------------------------------
# the mixture fit
# --------------------------------------------------------------------------------------------

def em_mixture(lik: np.ndarray, weights: Optional[np.ndarray] = None, *, start=None,
               iterations: int = 500, tol: float = 1e-9) -> np.ndarray:
    """NPMLE of a mixing distribution on a grid by EM.

    Maximises Σ_q w_q log Σ_a π_a L_qa over the simplex with the fixed-point step
    π_a ← π_a Σ_q w_q L_qa / (L π)_q / Σ_q w_q.

    Parameters
    ----------
    lik : ndarray [Q, A]
        Likelihood of each question's data at each grid point.
    weights : ndarray [Q], optional
        Question weights (bootstrap multiplicities); default 1.
    start : ndarray [A], optional
        Initial π (default uniform).

    Returns
    -------
    ndarray [A]
    """
    # `em_conditional` with one bin of weight 1 per question is this EM
    one = None if start is None else np.asarray(start, dtype=np.float64)[None, :]
    return em_conditional(np.ones((lik.shape[0], 1)), lik, weights, start=one,
                          iterations=iterations, tol=tol)[0]


def pass_range(p_grid, pi_p, n: int, k: int):
    """Range of 1 − Σ π(p)(1 − p)^k over mixing laws π on `p_grid` whose law of the number
    correct among n samples, Σ π(p) Bin(·; n, p), equals that of `pi_p` (linear programmes).

    Returns
    -------
    (float, float)
    """
    p_grid = np.asarray(p_grid, dtype=np.float64)
    A_eq = _binom_pmf(n, p_grid).T                       # [n + 1, P]
    b_eq = A_eq @ pi_p
    cost = (1.0 - p_grid) ** k
    out = []
    for sign in (1.0, -1.0):         # min Σπ(1−p)^k → upper pass; max → lower pass
        res = optimize.linprog(sign * cost, A_eq=A_eq, b_eq=b_eq, bounds=(0, None),
                               method="highs")
        if res.status != 0:        # rounding made the constraints infeasible: relax them
            res = optimize.linprog(sign * cost, A_ub=np.vstack([A_eq, -A_eq]),
                                   b_ub=np.concatenate([b_eq + 1e-9, -b_eq + 1e-9]),
                                   bounds=(0, None), method="highs")
        out.append(1.0 - float(cost @ res.x) if res.status == 0 else 1.0 - float(cost @ pi_p))
    return min(out), max(out)


def beta_binomial_fit(c, n, weights=None):
    """Maximum-likelihood (α, β) of the beta-binomial law of c correct among n per question.

    Maximises Σ_q w_q [log B(c_q + α, n_q − c_q + β) − log B(α, β)] over log α, log β
    (Nelder–Mead; α, β kept in [1e-3, 1e4]).
    """
    c = np.asarray(c, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    w = np.ones_like(c) if weights is None else np.asarray(weights, dtype=np.float64)

    def nll(x):
        a, b = np.exp(np.clip(x, math.log(1e-3), math.log(1e4)))
        return -float(w @ (betaln(c + a, n - c + b) - betaln(a, b)))

    m = float(np.clip((w @ (c / n)) / w.sum(), 0.02, 0.98))
    res = optimize.minimize(nll, [math.log(m), math.log(1 - m)], method="Nelder-Mead",
                            options={"xatol": 1e-5, "fatol": 1e-10, "maxiter": 2000})
    a, b = np.exp(np.clip(res.x, math.log(1e-3), math.log(1e4)))
    return float(a), float(b)


def beta_on_grid(a: float, b: float, grid=None) -> np.ndarray:
    """Masses of Beta(a, b) on the grid: each point gets the mass between the midpoints to
    its neighbours (the regularised incomplete beta function), the ends 0 and 1 the rest."""
    grid = P_GRID if grid is None else np.asarray(grid, dtype=np.float64)
    mids = (grid[1:] + grid[:-1]) / 2
    cdf = np.concatenate([[0.0], betainc(a, b, mids), [1.0]])
    return np.diff(cdf)


def _p_bins(grid) -> np.ndarray:
    """Bin of each p (the law of (r, θ) may differ between bins): edges 0.15, 0.4, 0.7."""
    return np.digitize(grid, [0.15, 0.4, 0.7])


def em_conditional(bg: np.ndarray, lrt: np.ndarray, weights=None, *, start=None,
                   iterations: int = 500, tol: float = 1e-9) -> np.ndarray:
    """EM for the law h_b of (r, θ) in each bin b of p, with the law of p fixed.

    Question q's likelihood is Σ_b Bg[q, b] Σ_a h_b(a) L[q, a], with Bg[q, b] = Σ_{p ∈ b} g(p)
    Bin(c_q; n_q, p) and L the (r, θ) likelihoods; each step sets h_b(a) ∝ h_b(a) Σ_q w_q
    Bg[q, b] L[q, a] / f_q.

    Returns
    -------
    ndarray [B, A]
        Rows sum to 1.
    """
    Q, B = bg.shape
    A = lrt.shape[1]
    w = np.ones(Q) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    h = np.full((B, A), 1.0 / A) if start is None else np.maximum(start, 1e-12)
    h = h / h.sum(axis=1, keepdims=True)
    last = -np.inf
    for it in range(iterations):
        m = lrt @ h.T                                   # [Q, B]
        f = np.maximum(np.sum(bg * m, axis=1), 1e-300)
        h = h * (((w / f)[:, None] * bg).T @ lrt)       # [B, A]
        h = h / np.maximum(h.sum(axis=1, keepdims=True), 1e-300)
        if it % 10 == 9:
            ll = float(w @ np.log(f))
            if ll - last < tol:
                break
            last = ll
    return h


# --------------------------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Forecast:
    """Forecast curves of several rules with their intervals (made by `forecast`).

    Parameters
    ----------
    rules : tuple of str
    k : ndarray [K]
    temperature : float
        Temperature of softmax and the weighted vote (judge score units).
    point : ndarray [R, K]
        The forecast (mixture average of each rule's value).
    lower, upper : ndarray [R, K]
        The interval at `level` (bootstrap over questions; for pass@k also the
        identification range; widened by the backtest, see the module docstring), within
        [0, 1].
    boot_lower, boot_upper : ndarray [R, K]
        The bootstrap percentile interval alone.
    id_lower, id_upper : ndarray [R, K]
        For pass@k, the range over mixing laws that fit the pilot's counts equally well
        (at the point fit); NaN for the other rules.
    mc_stderr : ndarray [R, K]
        Monte Carlo error of `point` (0 for the exact rules).
    level : float
    n_boot : int
    pilot_k : ndarray [m]
        k = 1..the smallest pilot size.
    pilot_curve : ndarray [R, m]
        The pilot's own exact curves (without replacement) at `pilot_k`.
    backtest_error : ndarray [R]
        Forecast from the first ⌊m/2⌋ samples minus the pilot's exact value at k = m (NaN
        where not computed); it widens `lower` and `upper` at k > m.
    mixture : dict
        ``p``, ``r``, ``theta`` (grids), ``weights`` [P, R, Θ] (the fitted mixing law) and
        ``beta`` (the score scale).

    Examples
    --------
    >>> from solvable import pools
    >>> pilot = pools.Pool([[1.0, 0.0], [0.2, 0.9], [0.5, 0.4]], [[1, 0], [0, 1], [0, 0]])
    >>> f = pools.forecast(pilot, [2, 8], rules=("pass",), n_boot=0, backtest=False)
    >>> f.table()[0]["k"], bool(f.point[0, 1] >= f.point[0, 0])
    (2, True)
    """

    rules: tuple
    k: np.ndarray
    temperature: float
    point: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    boot_lower: np.ndarray
    boot_upper: np.ndarray
    id_lower: np.ndarray
    id_upper: np.ndarray
    mc_stderr: np.ndarray
    level: float
    n_boot: int
    pilot_k: np.ndarray
    pilot_curve: np.ndarray
    backtest_error: np.ndarray
    mixture: dict

    def table(self) -> list:
        """Rows ``{"rule", "k", "forecast", "lower", "upper", "id_lower", "id_upper",
        "mc_stderr"}``, one per rule and k."""
        rows = []
        for i, rule in enumerate(self.rules):
            for j, k in enumerate(self.k):
                rows.append({"rule": rule, "k": int(k), "forecast": float(self.point[i, j]),
                             "lower": float(self.lower[i, j]), "upper": float(self.upper[i, j]),
                             "id_lower": float(self.id_lower[i, j]),
                             "id_upper": float(self.id_upper[i, j]),
                             "mc_stderr": float(self.mc_stderr[i, j])})
        return rows

    def plot(self, ax=None, rules=None):
        """Pilot curves (exact), forecasts and their bands against k (log axis).

        Returns
        -------
        matplotlib Axes
        """
        import matplotlib.pyplot as plt

        from .. import style

        if ax is None:
            with plt.rc_context(style.rc()):
                _, ax = plt.subplots(figsize=(4.2, 3.2), layout="constrained")
        for i, rule in enumerate(self.rules):
            if rules is not None and rule not in rules:
                continue
            col = style.color(i)
            ax.fill_between(self.k, self.lower[i], self.upper[i], color=col, alpha=0.2,
                            linewidth=0, label=f"{rule}: {self.level:.0%} band")
            ax.plot(self.k, self.point[i], color=col, linestyle="-", marker=".",
                    label=f"{rule}: forecast")
            ax.plot(self.pilot_k, self.pilot_curve[i], color=col, linestyle="none",
                    marker="s", markersize=3.5, label=f"{rule}: pilot (exact)")
        ax.set_xscale("log")
        ax.set_xlabel("number of samples k")
        ax.set_ylabel("accuracy")
        ax.legend(fontsize=6.5)
        return ax


# --------------------------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------------------------

def _check(pilot, ks, rules, temperature, n_boot, level, seed, n_mc):
    if not isinstance(pilot, Pool):
        raise ValueError(f"pilot must be a solvable.pools.Pool, got {type(pilot).__name__}")
    if isinstance(rules, str):
        rules = (rules,)
    if not isinstance(rules, (list, tuple)):
        raise ValueError(f"rules must be a rule name or a list of them, got {rules!r}")
    rules = tuple(rules)
    if not rules:
        raise ValueError("rules must name at least one rule")
    for r in rules:
        if r not in FORECAST_RULES:
            raise ValueError(f"rules: {r!r} is not one of {FORECAST_RULES}")
    try:
        k = np.atleast_1d(np.asarray(ks, dtype=np.float64))
    except (TypeError, ValueError):
        raise ValueError(f"ks must be integers >= 1, got {ks!r}") from None
    if k.ndim != 1 or k.size == 0 or np.any(~np.isfinite(k)) or np.any(k != np.round(k)):
        raise ValueError(f"ks must be a non-empty 1-D sequence of integers, got {ks!r}")
    if np.any(k < 1):
        raise ValueError(f"ks must be >= 1, got {k.min():g}")
    k = k.astype(np.int64)
    try:
        t = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number >= 0, got {temperature!r}") from None
    if math.isnan(t) or t < 0:
        raise ValueError(f"temperature must be >= 0 (0: best-of-k, inf), got {temperature!r}")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0 or n_boot == 1:
        raise ValueError(f"n_boot must be 0 or an integer >= 2, got {n_boot!r}")
    if not (isinstance(level, float) and 0 < level < 1):
        raise ValueError(f"level must be a float in (0, 1), got {level!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if not isinstance(n_mc, (int, np.integer)) or n_mc < 10:
        raise ValueError(f"n_mc must be an integer >= 10, got {n_mc!r}")
    if int(pilot.n.max()) < 2:
        raise ValueError("pilot: every question has fewer than 2 samples; a forecast needs "
                         "at least 2 samples on some questions")
    if not pilot.is_binary:
        raise ValueError("pilot: correct must hold 0/1 flags for a forecast")
    if any(r in _VOTE_RULES for r in rules) and pilot.answers is None:
        raise ValueError("rules: the vote rules need answer labels; build the pilot Pool "
                         "with answers=")
    if "weighted_vote" in rules and t < math.inf and pilot.mixed_labels:
        raise ValueError("rules: 'weighted_vote' at temperature < inf needs labels whose "
                         "samples agree on correct; this pilot has mixed_labels=True")
    return rules, k, t


def forecast(pilot: Pool, ks, rules=("pass", "best_of_k", "majority"), *,
             temperature: float = 0.0, n_boot: int = 100, level: float = 0.9, seed: int = 0,
             n_mc: int = 2000, identification: bool = True, anchor: bool = True,
             prior: str = "beta", backtest: bool = True) -> Forecast:
    """Forecast each rule's expected accuracy at every k from a pilot of a few samples each.

    Fits the empirical-Bayes answer model of this module (a mixing law over the grid of
    (p, r, θ), by EM) to the pilot and averages each rule's exact per-grid-point value over
    it; see the module docstring for the model, the formulas and the intervals. The target is
    the curve of fresh i.i.d. draws from the model that produced the pilot, i.e. a large
    pool's unbiased curve without replacement (or a fixed candidate set's curve with
    replacement, when the pilot was drawn from it with replacement).

    Parameters
    ----------
    pilot : Pool
        0/1 correctness, scores, and answer labels for the vote rules; ragged allowed.
    ks : sequence of int
        The k to forecast (any k ≥ 1).
    rules : sequence of str
        Of ``"pass"``, ``"best_of_k"``, ``"softmax"``, ``"majority"``, ``"weighted_vote"``.
    temperature : float
        For softmax and the weighted vote, in judge score units.
    n_boot : int
        Bootstrap resamples of the questions (0: no intervals, lower = upper = point).
    level : float
        Interval level (default 0.9).
    seed : int
        Seed of the bootstrap and of the Monte Carlo rules.
    n_mc : int
        Monte Carlo draws per grid point (softmax and weighted vote at 0 < T < ∞).
    identification : bool
        Compute the pass@k identification range (linear programmes) and widen its interval.
    prior : {"beta", "npmle"}
        The law of p: ``"beta"`` (default) a beta law fitted to the counts by maximum
        likelihood (beta-binomial) and put on the grid, with the law of (r, θ) fitted by EM
        in each of four bins of p; ``"npmle"`` the nonparametric maximum-likelihood law of
        (p, r, θ) on the whole grid by EM.
    backtest : bool
        Widen the intervals by the model's measured extrapolation error: the same forecast
        from the first ⌊m/2⌋ samples of each question (no bootstrap) predicts k = m, where the
        pilot's exact curve is known; its error e (per rule) widens both ends of the interval
        at k > m by |e| log(k/m)/log(m/⌊m/2⌋). Needs m ≥ 4 (ignored otherwise).
    anchor : bool
        Anchor each curve but pass@k at the pilot: forecast(k) = model(k) − model(m) +
        pilot(m), with m the smallest pilot size and pilot(m) the pilot's exact (unbiased)
        curve there, so the model supplies only the change from m to k (and, in the
        bootstrap, the anchor is resampled with the questions). False: the model's value.

    Returns
    -------
    Forecast

    Examples
    --------
    >>> from solvable import pools
    >>> pool = pools.simulate_pool(pools.ModelParams(1.0, 0.6), 200, 4, seed=1)
    >>> f = pools.forecast(pool, [16], rules=("pass",), n_boot=0)
    >>> f.point.shape
    (1, 1)
    """
    rules, k, t = _check(pilot, ks, rules, temperature, n_boot, level, seed, n_mc)
    if prior not in ("beta", "npmle"):
        raise ValueError(f"prior must be 'beta' or 'npmle', got {prior!r}")
    use_labels = any(r in _VOTE_RULES and not (r == "weighted_vote" and t == 0) for r in rules)
    use_judge = any(r in _JUDGE_RULES and not (r == "weighted_vote" and math.isinf(t))
                    and not (r == "softmax" and math.isinf(t)) for r in rules)
    r_grid = R_GRID if use_labels else (math.inf,)
    th_grid = THETA_GRID if use_judge else np.ones(1)
    needs_beta = any(r in ("softmax", "weighted_vote") for r in rules) and 0 < t < math.inf
    beta = _score_scale(pilot) if needs_beta else 0.0
    if needs_beta and beta == 0:
        raise ValueError("temperature: a finite temperature > 0 needs scores that vary within "
                         "a question's right or wrong samples; this pilot's do not")

    Q = pilot.num_questions
    P, R, TH = P_GRID.size, len(r_grid), len(th_grid)
    lp = np.zeros((Q, P))
    lr = np.ones((Q, R))
    lt = np.ones((Q, TH))
    for q in range(Q):
        n, nc, wrong_counts, groups = _question_data(pilot, q)
        lp[q] = _binom_pmf(n, P_GRID)[:, nc]
        if use_labels:
            lr[q] = label_likelihood(wrong_counts, r_grid)
        if use_judge:
            lt[q] = judge_likelihood(groups, th_grid)
    lrt = (lr[:, :, None] * lt[:, None, :]).reshape(Q, -1)            # [Q, R·Θ]
    counts = np.array([_question_data(pilot, q)[:2] for q in range(Q)], dtype=np.float64)
    bins = _p_bins(P_GRID)
    onehot = (bins[:, None] == np.arange(bins.max() + 1)[None, :]).astype(np.float64)

    if prior == "npmle":
        lik = (lp[:, :, None] * lrt[:, None, :]).reshape(Q, -1)
        keep = lik.max(axis=0) > 0

    def fit(wq, start=None, iterations=500):
        """The mixing law [P·R·Θ] (and the state to warm-start the next fit)."""
        if prior == "npmle":
            pi = np.zeros(lik.shape[1])
            pi[keep] = em_mixture(lik[:, keep], wq, start=None if start is None else
                                  start[keep], iterations=iterations)
            return pi, pi
        g = beta_on_grid(*beta_binomial_fit(counts[:, 1], counts[:, 0], wq))
        bg = (lp * g[None, :]) @ onehot                                  # [Q, B]
        h = em_conditional(bg, lrt, wq, start=start, iterations=iterations)
        return (g[:, None] * h[bins]).ravel(), h

    pi_full, state_full = fit(np.ones(Q))

    # the model's value tables [A, K + 1] at the k asked and at the pilot size m (the last
    # column, for the anchor); exact rules in closed form, Monte Carlo ones filled lazily
    m = int(pilot.n.min())
    K = k.size
    kx = np.concatenate([k, [m]])
    pg, rg, tg = (np.repeat(P_GRID, R * TH), np.tile(np.repeat(np.asarray(r_grid, float), TH), P),
                  np.tile(th_grid, P * R))
    tables = {}
    mc_cache: dict = {}

    def exact_table(rule):
        if rule in tables:
            return tables[rule]
        out = np.zeros((pg.size, kx.size))
        for j, kk in enumerate(kx):
            if rule == "pass" or (rule == "softmax" and math.isinf(t)):
                v = pass_value(P_GRID, kk) if rule == "pass" else P_GRID
                out[:, j] = np.repeat(v, R * TH)
            elif rule in ("best_of_k", "softmax", "weighted_vote"):   # T = 0 forms
                v = best_of_k_value(P_GRID, th_grid, int(kk))         # [P, Θ]
                out[:, j] = np.repeat(v[:, None, :], R, axis=1).ravel()
            else:                                                     # plurality vote
                v = np.stack([majority_value(P_GRID, r, int(kk)) for r in r_grid], axis=1)
                out[:, j] = np.repeat(v[:, :, None], TH, axis=2).ravel()
        tables[rule] = out
        return out

    def is_mc(rule):
        return rule in ("softmax", "weighted_vote") and 0 < t < math.inf

    def rule_value(rule, pi):
        """(value [K + 1], Monte Carlo stderr [K + 1]) of one rule under the mixing law pi."""
        if not is_mc(rule):
            name = "majority" if rule == "weighted_vote" and math.isinf(t) else rule
            return pi @ exact_table(name), np.zeros(kx.size)
        atoms = np.flatnonzero(pi > 1e-5)
        w = pi[atoms] / pi[atoms].sum()
        acc = np.zeros((n_mc, kx.size))
        for a, wa in zip(atoms, w):
            key = (rule, int(a))
            if key not in mc_cache:
                if pg[a] in (0.0, 1.0):
                    mc_cache[key] = np.full((n_mc, kx.size), pg[a])
                else:
                    mc_cache[key] = mc_values(pg[a], rg[a], tg[a], beta / t, rule, kx,
                                              n_mc=n_mc, seed=seed)
            acc += wa * mc_cache[key]
        return acc.mean(axis=0), acc.std(axis=0, ddof=1) / math.sqrt(n_mc)

    # the pilot's exact curves (per question at k = m, for the anchor and its bootstrap)
    pilot_k = np.arange(1, m + 1)
    pilot_curve = np.zeros((len(rules), m))
    pilot_at_m = np.zeros((len(rules), Q))
    for i, rule in enumerate(rules):
        cur = selection_curve(pilot, rule, pilot_k,
                              temperature=t if rule in ("softmax", "weighted_vote") else 0.0)
        pilot_curve[i] = cur.mean
        pilot_at_m[i] = cur.per_question[:, -1]

    def values(pi, wq):
        """[R, K] forecasts (anchored: model(k) − model(m) + pilot(m)) and [R, K] MC s.e."""
        out, se = np.zeros((len(rules), K)), np.zeros((len(rules), K))
        for i, rule in enumerate(rules):
            v, e = rule_value(rule, pi)
            anchored = anchor and rule != "pass"
            shift = (wq @ pilot_at_m[i]) / wq.sum() - v[K] if anchored else 0.0
            out[i] = np.clip(v[:K] + shift, 0.0, 1.0)
            se[i] = np.hypot(e[:K], e[K]) if anchored else e[:K]
        return out, se

    point, mc_se = values(pi_full, np.ones(Q))

    n_pilot_max = int(pilot.n.max())
    pi_p_full = pi_full.reshape(P, R, TH).sum(axis=(1, 2))
    id_lo = np.full_like(point, np.nan)
    id_hi = np.full_like(point, np.nan)
    if identification and "pass" in rules:
        i = rules.index("pass")
        for j, kk in enumerate(k):
            id_lo[i, j], id_hi[i, j] = pass_range(P_GRID, pi_p_full, n_pilot_max, int(kk))

    lower, upper = point.copy(), point.copy()
    b_lo, b_hi = point.copy(), point.copy()
    if n_boot:
        rng = np.random.default_rng(seed)
        boot = np.zeros((n_boot,) + point.shape)
        boot_id = np.zeros((n_boot, 2, K))
        for b in range(n_boot):
            wq = rng.multinomial(Q, np.full(Q, 1.0 / Q)).astype(np.float64)
            pi_b = fit(wq, start=state_full, iterations=200)[0]
            boot[b] = values(pi_b, wq)[0]
            if identification and "pass" in rules:
                pp = pi_b.reshape(P, R, TH).sum(axis=(1, 2))
                for j, kk in enumerate(k):
                    boot_id[b, :, j] = pass_range(P_GRID, pp, n_pilot_max, int(kk))
        a = (1 - level) / 2
        b_lo = np.quantile(boot, a, axis=0)
        b_hi = np.quantile(boot, 1 - a, axis=0)
        lower, upper = np.minimum(b_lo, point), np.maximum(b_hi, point)
        if identification and "pass" in rules:
            i = rules.index("pass")
            lower[i] = np.minimum(lower[i], np.quantile(boot_id[:, 0], a, axis=0))
            upper[i] = np.maximum(upper[i], np.quantile(boot_id[:, 1], 1 - a, axis=0))
    elif identification and "pass" in rules:
        i = rules.index("pass")
        lower[i], upper[i] = id_lo[i], id_hi[i]

    bt_err = np.full(len(rules), np.nan)
    if backtest and m >= 4:
        half = m // 2
        cols = slice(0, half)
        sub = Pool(pilot.scores[:, cols], pilot.correct[:, cols],
                   None if pilot.answers is None else pilot.answers[:, cols],
                   mixed_labels=pilot.mixed_labels)
        try:
            f_half = forecast(sub, [m], rules, temperature=t, n_boot=0, seed=seed, n_mc=n_mc,
                              identification=False, anchor=anchor, prior=prior, backtest=False)
            bt_err = f_half.point[:, 0] - pilot_curve[:, m - 1]
        except ValueError:                  # e.g. no within-class score spread in the half
            pass
        growth = np.maximum(0.0, np.log(k / m) / math.log(m / half))
        widen = np.nan_to_num(np.abs(bt_err))[:, None] * growth[None, :]
        lower, upper = lower - widen, upper + widen

    lower, upper = np.clip(lower, 0.0, 1.0), np.clip(upper, 0.0, 1.0)   # accuracies
    mixture = {"p": P_GRID, "r": tuple(r_grid), "theta": np.asarray(th_grid),
               "weights": pi_full.reshape(P, R, TH), "beta": beta}
    return Forecast(rules=rules, k=k, temperature=t, point=point, lower=lower, upper=upper,
                    boot_lower=b_lo, boot_upper=b_hi, id_lower=id_lo, id_upper=id_hi,
                    mc_stderr=mc_se, level=level, n_boot=int(n_boot), pilot_k=pilot_k,
                    pilot_curve=pilot_curve, backtest_error=bt_err, mixture=mixture)

"""Discrete answers: accuracy of the judge (softmax, best-of-k), the plurality vote and the
judge-weighted vote in the Gaussian model (docs/theory.md §6).

At an input the predictive is N(m, s²); a candidate y is *correct* iff |y − μ_T| < h, and its
*answer* is the bin j(y) = round((y − μ_T)/(2h)) (bin 0 is the correct answer). In units of s:
η = h/s, b = (m − μ_T)/s, a = (m − μ_R)/s, t = T/(2s²), ζ = (y − μ_R)/s ~ N(a, 1), weight
w = e^{−ζ²/(2t)}, and y is correct iff ζ ∈ J = (−c − η, −c + η), c = b − a. Bin j has
probability q_j = Φ((2j + 1)η − b) − Φ((2j − 1)η − b).

**Judge (softmax at T, T = 0 best-of-k).** The accuracy E[Σ_i p_i 1{y_i correct}] is the Laplace
form of `solvable.selection` with the squared error replaced by the indicator of J:

    acc = ∫ k B_J(λ) A(λ)^{k−1} dλ,   B_J = E[1{ζ ∈ J} x e^{−x}],  1 − A = E[1 − e^{−x}],

x = e^λ w (confirmed here against a separate quadrature in the clock form, see the tests). The
factor A^{k−1} is the one of `solvable.selection` and is computed with its internals (the soft
side's power series and, above λ0 = 2, its window/tail pieces in the radius ρ = √(2tλ)). B_J is
new: on the soft side its power-series coefficients are E[1_J w^n] = μ_n P(N(a t/(t+n), t/(t+n))
∈ J) (exact Gaussian masses); on the hard side it is an integral over the finite interval J of
the radius r = |ζ|, on Gauss–Legendre panels cut at the radii of graded v = ln x (the window of
x e^{−x}), at the ends of J and around the sampling density's centre. The outer ρ-panels are
those of `solvable.selection` plus the radii at which the window crosses an end of J (B_J
switches there over a width t/ρ). At T = 0 the accuracy is the best-of-k integral

    acc = ∫_{r: ζ = ±r ∈ J} k G(r)^{k−1} φ(±r − a) dr,   G(r) = P(|ζ| > r),

on panels cut at quantiles of min_i |ζ_i|. Limits (tested): k = 1 or T = ∞ gives q_0; k → ∞
gives the tilted Gaussian's mass P(N(a t/(1+t), t/(1+t)) ∈ J) (`solvable.asymptotics`).

**Plurality vote** (ties broken uniformly): exact, by conditioning on the count c of bin 0
(binomial) and, given it, Poissonising the other k − c draws: with a_{j,i} = P(Poisson(n p_j)
= i), p_j = q_j/(1 − q_0), n = k − c,

    P(bin 0 wins | N_0 = c) = Σ_m [x^n y^m] Π_{j≠0} (Σ_{i<c} a_{j,i} x^i + y a_{j,c} x^c) /
                              ((m + 1) P(Poisson(n) = n)),

which is the generating-function formula of docs/theory.md §6 written with probabilities (no
factorials, nothing under- or overflows); it is checked against brute-force enumeration of the
multinomial counts. Every coefficient is a sum of positive terms.

**Weighted vote**: S_j = Σ_{i ∈ bin j} w_i, the top score wins. k → ∞: the bin of the tilted
mean b − a/(1 + t) wins (exact, `solvable.asymptotics`). Finite k: Monte Carlo on the model's
own draws, with three control variates of exactly known mean evaluated on the same draws (the
softmax-sampling accuracy, the plurality vote and best-of-k), regression-adjusted; the returned
standard error is the residual's. At T = ∞ the weighted vote is the plurality vote and at T = 0
best-of-k, where the controls make the estimate exact.

References: Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905 (the selection integral); Wang et al.,
"Self-Consistency Improves Chain of Thought Reasoning in Language Models", arXiv 2203.11171
(plurality voting).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy import special, stats

from . import _config  # noqa: F401  (float64)
from ._validate import (check_choice, check_choices, check_instance,
                        check_integer_at_least, check_nonnegative, check_positive, check_real,
                        is_concrete)
from ._parallel import map_blocks
from ._quadrature import XI_EDGES, legendre, offset_nodes
from ._laws import RULES, accuracy_inputs, check_rule_k_temperature, law_of
from .equivalents import OffsetLaw
from ._score_noise import score_noise_best_of_k
from .judge import (average_over_centre, check_judge, check_score_noise_judge, judged_law,
                    step_centre_rules)
from ._kernel import (D_EDGES, GLA, GLI, INV_SQRT2PI, LAMBDA0, LOG_FACTORIAL, MU_EDGES,
                        N_SERIES, V_EDGES, V_HI, V_LO, folded_cdf, hard_edges,
                        log_survival_at_split, merge_sorted,
                        panel_rule, polyval, pow_km1, quantile_radii, safe_sqrt, soft_series, tail_moments,
                        window_m)

__all__ = ["selection_accuracy", "generalization_accuracy", "accuracy_normalized",
           "centre_averaged_accuracy",
           "bin_probabilities", "majority_accuracy", "weighted_vote_accuracy",
           "weighted_vote_averaged", "offset_rule", "vote_draws", "controlled_mean",
           "WeightedVote", "RULES"]

_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def _gl(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return (x + 1.0) / 2.0, w / 2.0


_GL_RHO, _GL_INNER, _GL_STEP = _gl(8), _gl(8), _gl(10)
# graded v = ln x at which the inner r-panels of B_J are cut (x e^{−x} ≤ 40 e^{−40} above the
# first; below the last, x < e^{−42} and the rest of J contributes below 1e−18 of its mass)
_V_INNER = np.array([V_HI, 2.0, 0.5, -1.0, -3.0, -5.5, -8.5, -12.0, -16.0, -21.0, -27.0,
                     -34.0, -42.0])
# the window x e^{−x} at radius ρ covers r with v = (ρ² − r²)/(2t) ∈ [−42, ln 40], so an end e of
# J matters to B_J while (ρ² − e²)/(2t) is in that range: outer ρ-edges √(e² + 2 t v) at these v
_V_CROSS = np.array([-42.0, -30.0, -20.0, -12.0, -6.0, -3.0, -1.0, 0.5, 2.0, V_HI])
_STEP_LEVELS_SPLIT = 2     # each best-of-k panel is split in this many equal parts


def _ndtr_diff(lo, hi):
    """Φ(hi) − Φ(lo) for lo ≤ hi, from the tail on the side that avoids cancellation."""
    right = lo > 0.0
    upper = 0.5 * (jax.lax.erfc(lo * _INV_SQRT2) - jax.lax.erfc(hi * _INV_SQRT2))
    lower = 0.5 * (jax.lax.erfc(-hi * _INV_SQRT2) - jax.lax.erfc(-lo * _INV_SQRT2))
    return jnp.maximum(jnp.where(right, upper, lower), 0.0)


def _branch_intervals(lo_z, hi_z):
    """The interval J = (lo_z, hi_z) of ζ as intervals of r = |ζ| on the branches ζ = +r and
    ζ = −r: ((l₊, h₊), (l₋, h₋)), empty ones as l = h."""
    lp, hp = jnp.maximum(lo_z, 0.0), jnp.maximum(hi_z, 0.0)
    lm, hm = jnp.maximum(-hi_z, 0.0), jnp.maximum(-lo_z, 0.0)
    return (lp, hp), (lm, hm)


# --- softmax, soft side (λ ≤ λ0): power series ----------------------------------------------

def _soft_side(k, t, a, lo_z, hi_z):
    """∫_{−∞}^{λ0} k B_J A^{k−1} dλ with both as power series in x = e^λ (t > 0).

    1 − A is `solvable.selection`'s series; B_J's coefficients are (−1)^{n+1} E[1_J w^n]/(n−1)!
    with E[1_J w^n] = μ_n P(N(a t/(t+n), t/(t+n)) ∈ J)."""
    log_mu1, coef_m, _ = soft_series(t, a, 0.0)
    n = jnp.arange(1.0, N_SERIES + 1.0)
    tn = t + n
    log_mu = -0.5 * jnp.log1p(n / t) - 0.5 * a * a * n / tn
    mean, sd = a * t / tn, jnp.sqrt(t / tn)
    mass = _ndtr_diff((lo_z - mean) / sd, (hi_z - mean) / sd)
    sign = jnp.where(n % 2 == 1.0, 1.0, -1.0)
    coef_b = sign * jnp.exp(log_mu - log_mu1) * mass * jnp.exp(-jnp.asarray(LOG_FACTORIAL[:-1]))
    log_ew = 0.5 * jnp.log(t / (1.0 + t)) - 0.5 * a * a / (1.0 + t)
    shift = jax.lax.stop_gradient(jnp.log(k) + log_ew)
    lam, wl = panel_rule(jnp.minimum(jnp.asarray(MU_EDGES) - shift, LAMBDA0), GLA)
    x = jnp.exp(lam)
    pref = jnp.exp(lam + log_mu1)
    m = pref * polyval(coef_m, x)
    bj = pref * polyval(coef_b, x)
    return jnp.sum(wl * k * bj * pow_km1(k, m))


# --- softmax, hard side (λ > λ0): radius ρ = √(2tλ) ------------------------------------------

def _hard_one_minus_a(rho, t, a):
    """1 − A at radii ρ (λ = ρ²/(2t) > λ0) from `solvable.selection`'s pieces: the folded-normal
    CDF below the window, the window's panels (cut at graded v and around a) and the closed-form
    tail."""
    r_top = safe_sqrt(rho * rho - 2.0 * t * V_HI)
    r_low = jnp.sqrt(rho * rho - 2.0 * t * V_LO)
    v_r = jnp.sqrt(jnp.maximum(rho[:, None] ** 2 - 2.0 * t * jnp.asarray(V_EDGES[1:-1]), 0.0))
    d_r = jnp.broadcast_to(a + jnp.asarray(D_EDGES), rho.shape + D_EDGES.shape)
    brk = jnp.clip(jax.lax.stop_gradient(merge_sorted(v_r, d_r)), r_top[:, None], r_low[:, None])
    brk = jnp.concatenate([r_top[:, None], brk, r_low[:, None]], axis=-1)
    r, wi = panel_rule(brk, GLI)
    m_win = window_m(r, wi, rho[:, None], 0.5 / t, a) * INV_SQRT2PI
    m_tail, _ = tail_moments(r_low, t, a, 0.0)
    return folded_cdf(r_top, a) + m_win + m_tail


def _branch_bj(rho, t, centre, lo, hi):
    """∫_lo^hi φ(r − centre) x e^{−x} dr, x = e^{(ρ² − r²)/(2t)}, at radii ρ (one branch;
    centre = ±a). Panels: the radii of `_V_INNER`, centre + `D_EDGES`, all clipped to [lo, hi]."""
    v_r = jnp.sqrt(jnp.maximum(rho[:, None] ** 2 - 2.0 * t * jnp.asarray(_V_INNER), 0.0))
    d_r = jnp.broadcast_to(centre + jnp.asarray(D_EDGES), v_r.shape[:-1] + D_EDGES.shape)
    ends = jnp.broadcast_to(jnp.stack([lo, hi]), v_r.shape[:-1] + (2,))
    brk = jnp.sort(jnp.concatenate([v_r, d_r, ends], axis=-1), axis=-1)
    brk = jax.lax.stop_gradient(jnp.clip(brk, lo, hi))
    r, wi = panel_rule(brk, _GL_INNER)
    v = (rho[:, None] - r) * (rho[:, None] + r) * (0.5 / t)
    g = v - jnp.exp(v) - 0.5 * (r - centre) ** 2
    return jnp.sum(wi * jnp.exp(g), axis=-1) * INV_SQRT2PI


def _hard_side(k, t, a, lo_z, hi_z):
    """∫_{λ0}^{∞} k B_J A^{k−1} dλ in ρ (dλ = ρ/t dρ), on `solvable.selection`'s ρ-edges plus
    the radii where the window crosses an end of J."""
    edges = hard_edges(k, t, a)
    (lp, hp), (lm, hm) = _branch_intervals(lo_z, hi_z)
    ends = jnp.stack([lp, hp, lm, hm])
    cross = jnp.sqrt(jnp.maximum(ends[:, None] ** 2 + 2.0 * t * jnp.asarray(_V_CROSS), 0.0))
    cross = jnp.clip(cross.reshape(-1), edges[0], edges[-1])
    edges = jax.lax.stop_gradient(jnp.sort(jnp.concatenate([edges[1:], cross])))
    edges = jnp.concatenate([safe_sqrt(2.0 * t * LAMBDA0)[None], edges])
    rho, wr = panel_rule(edges, _GL_RHO)
    m = _hard_one_minus_a(rho, t, a)
    bj = _branch_bj(rho, t, a, lp, hp) + _branch_bj(rho, t, -a, lm, hm)
    return jnp.sum(wr * k * bj * (rho / t) * pow_km1(k, m))


# --- best-of-k (T = 0) -----------------------------------------------------------------------

def _step_branch(k, a, centre, lo, hi, q):
    """∫_lo^hi k φ(r − centre) (1 − F(r))^{k−1} dr on panels cut at the quantile radii `q` of
    min |ζ| and around the centre (each split in `_STEP_LEVELS_SPLIT`)."""
    pts = jnp.concatenate([jnp.stack([lo, hi]), q, centre + jnp.asarray(D_EDGES)])
    brk = jnp.sort(jnp.clip(pts, lo, hi))
    frac = jnp.linspace(0.0, 1.0, _STEP_LEVELS_SPLIT + 1)[:-1]
    brk = jnp.concatenate([(brk[:-1, None] + jnp.diff(brk)[:, None] * frac).reshape(-1),
                           brk[-1:]])
    r, wr = panel_rule(jax.lax.stop_gradient(brk), _GL_STEP)
    dens = jnp.exp(-0.5 * (r - centre) ** 2) * INV_SQRT2PI
    return jnp.sum(wr * k * dens * pow_km1(k, folded_cdf(r, a)))


def _step_side(k, a, lo_z, hi_z):
    q = jax.lax.stop_gradient(quantile_radii(k, a))
    (lp, hp), (lm, hm) = _branch_intervals(lo_z, hi_z)
    return _step_branch(k, a, a, lp, hp, q) + _step_branch(k, a, -a, lm, hm, q)


# --- one point, vectorised ------------------------------------------------------------------

def _reduced(t, b, a, eta):
    """a ≥ 0 by the reflection ζ → −ζ (which maps J to −J), and J's ends in ζ."""
    flip = a < 0
    a, b = jnp.where(flip, -a, a), jnp.where(flip, -b, b)
    c = b - a
    return a, -c - eta, -c + eta


def _tilted_mass(t, a, lo_z, hi_z):
    tt = jnp.where(jnp.isfinite(t), t, 1.0)
    mean, sd = a * tt / (1.0 + tt), jnp.sqrt(tt / (1.0 + tt))
    return _ndtr_diff((lo_z - mean) / sd, (hi_z - mean) / sd)


def _softmax_point(k, t, b, a, eta):
    a, lo_z, hi_z = _reduced(t, b, a, eta)
    t_s = jnp.where((t > 0) & jnp.isfinite(t), t, 1.0)
    return _soft_side(k, t_s, a, lo_z, hi_z) + _hard_side(k, t_s, a, lo_z, hi_z)


def _soft_only_point(k, t, b, a, eta):
    a, lo_z, hi_z = _reduced(t, b, a, eta)
    return _soft_side(k, t, a, lo_z, hi_z)


def _log_hard_bound(k, t, b, a):
    """log of a bound on the hard side (λ* > λ0): the winner is one of k draws none of whose
    clocks has rung by e^{λ0}, so P(λ* > λ0, correct) ≤ k A(λ0)^{k−1} (`solvable.selection`
    bounds its hard side the same way)."""
    a = jnp.abs(a)
    return jnp.log(k) + log_survival_at_split(k, t, a) * ((k - 1.0) / k)


def _best_of_k_point(k, b, a, eta):
    a, lo_z, hi_z = _reduced(0.0, b, a, eta)
    return _step_side(k, a, lo_z, hi_z)


def _pass_rate(b, eta):
    """q_0 = Φ(η − b) − Φ(−η − b)."""
    return _ndtr_diff(-eta - b, eta - b)


_soft_vec = jax.jit(jax.vmap(_softmax_point))
_soft_only_vec = jax.jit(jax.vmap(_soft_only_point))
_bound_vec = jax.jit(jax.vmap(_log_hard_bound))
_HARD_NEGLIGIBLE = 1e-17   # absolute: below 1e-11 of any accuracy ≥ 1e-6
_step_vec = jax.jit(jax.vmap(_best_of_k_point))
_CHUNK = 16


def _chunked(fn, args):
    """fn over 1-D args in padded chunks of `_CHUNK` points (one compiled shape); concrete
    chunks are cut in NumPy and run on the thread pool (`solvable._parallel.map_blocks`)."""
    n = args[0].shape[0]
    if n == 0:
        return jnp.zeros(0)
    return map_blocks(fn, [np.asarray(x) for x in args], _CHUNK)


def accuracy_normalized(k, t, b, a, eta):
    """Softmax/best-of-k accuracy in normalised units (k ≥ 1 real, t = T/(2s²) ∈ [0, ∞],
    b = (m − μ_T)/s, a = (m − μ_R)/s, η = h/s > 0); no validation, broadcasts.

    t = 0 is best-of-k, t = ∞ (and k = 1) the pass rate q_0. Concrete inputs are evaluated
    per branch (only the branch each point needs); inside a caller's trace both branches run.

    Parameters
    ----------
    k : float or array
        Number of candidates, real ≥ 1.
    t : float or array
        Normalised temperature T/(2s²) ≥ 0 (0: best-of-k; ``inf``: a uniform pick).
    b : float or array
        (m − μ_T)/s, the predictive mean's offset from the right answer.
    a : float or array
        (m − μ_R)/s, its offset from the judge's preferred answer.
    eta : float or array
        h/s > 0, the half-width of the correct interval.

    Returns
    -------
    jax.Array
        The accuracy, clipped to [0, 1], with the broadcast shape of the arguments.

    Examples
    --------
    >>> round(float(accuracy_normalized(1.0, 0.5, 0.3, 0.0, 0.5)), 6)  # k = 1: the pass rate
    0.367404
    >>> from scipy.special import ndtr
    >>> round(float(ndtr(0.5 - 0.3) - ndtr(-0.5 - 0.3)), 6)          # q_0 = Φ(η − b) − Φ(−η − b)
    0.367404
    """
    for name, value in (("k", k), ("t", t), ("b", b), ("a", a), ("eta", eta)):
        check_real(name, value)
    k, t, b, a, eta = jnp.broadcast_arrays(*(jnp.asarray(v, jnp.float64) for v in (k, t, b, a, eta)))
    shape = k.shape
    flat = [x.reshape(-1) for x in (k, t, b, a, eta)]
    kf, tf, bf, af, ef = flat
    q0 = _pass_rate(bf, ef)
    if not all(is_concrete(x) for x in flat):
        soft = _soft_vec(kf, tf, bf, af, ef)
        step = _step_vec(kf, bf, af, ef)
        out = jnp.where(tf == 0, step, soft)
        return jnp.where(jnp.isinf(tf) | (kf == 1.0), q0, out).reshape(shape)
    flat = [np.asarray(x) for x in flat]   # points picked by NumPy: no gather per size
    tn, kn = flat[1], flat[0]
    out = np.asarray(q0).copy()
    is_step = (tn == 0) & (kn != 1.0)
    is_soft = (tn > 0) & np.isfinite(tn) & (kn != 1.0)
    if is_soft.any():
        sel = np.nonzero(is_soft)[0]
        bound = np.asarray(_chunked(_bound_vec, [flat[i][sel] for i in (0, 1, 2, 3)]))
        negligible = np.zeros_like(is_soft)
        negligible[sel] = bound < math.log(_HARD_NEGLIGIBLE)
        is_soft_only, is_soft = is_soft & negligible, is_soft & ~negligible
    else:
        is_soft_only = is_soft
    for mask, fn, idx in ((is_step, _step_vec, (0, 2, 3, 4)), (is_soft, _soft_vec, (0, 1, 2, 3, 4)),
                          (is_soft_only, _soft_only_vec, (0, 1, 2, 3, 4))):
        if mask.any():
            sel = np.nonzero(mask)[0]
            out[sel] = np.asarray(_chunked(fn, [flat[i][sel] for i in idx]))
    return jnp.asarray(np.clip(out, 0.0, 1.0)).reshape(shape)


# --- bins and the plurality vote ---------------------------------------------------------------

_BIN_REACH = 12.0   # bins whose centres lie within this many predictive widths of the mean
_NEGLIGIBLE = 1e-18


def bin_probabilities(b, eta):
    """Answer-bin probabilities q_j = Φ((2j+1)η − b) − Φ((2j−1)η − b) for one point (NumPy).

    Returns ``(q0, others)``: the correct bin's probability and those of the other bins with
    q_j > 1e−18 (their total mass left out is below 1e−30).

    Parameters
    ----------
    b : float
        (m − μ_T)/s, the predictive mean's offset from the right answer.
    eta : float
        h/s > 0; bins have width 2η and bin 0 is centred on the right answer.

    Returns
    -------
    q0 : float
        Probability of bin 0, the correct answer.
    others : numpy.ndarray
        Probabilities of the other bins within 12 predictive widths of the mean, those below
        1e−18 dropped (in increasing bin order).

    Examples
    --------
    >>> q0, others = bin_probabilities(0.0, 0.5)
    >>> round(q0, 6), round(float(others.sum() + q0), 12)
    (0.382925, 1.0)
    """
    check_real("b", b)
    check_real("eta", eta)
    b, eta = float(b), float(eta)
    j_lo = math.floor((b - _BIN_REACH) / (2.0 * eta)) - 1
    j_hi = math.ceil((b + _BIN_REACH) / (2.0 * eta)) + 1
    j = np.arange(j_lo, j_hi + 1, dtype=float)
    j = j[j != 0]
    q = _bin_mass((2.0 * j - 1.0) * eta - b, (2.0 * j + 1.0) * eta - b)
    q0 = float(_bin_mass(np.array([-eta - b]), np.array([eta - b]))[0])
    return q0, q[q > _NEGLIGIBLE]


def _bin_mass(lo, hi):
    """Φ(hi) − Φ(lo) (NumPy) from the tail that avoids cancellation."""
    q = np.where(lo > 0, special.ndtr(-lo) - special.ndtr(-hi), special.ndtr(hi) - special.ndtr(lo))
    return np.maximum(q, 0.0)


_TIES = 6   # tie columns tracked at first (widened while the "more ties" column matters)


def _poisson_pmf(i, lam):
    """P(Poisson(λ) = i) = exp(i log λ − λ − log i!) (λ > 0), vectorised."""
    return np.exp(i * np.log(lam) - lam - special.gammaln(i + 1.0))


def _tie_polynomials(c, n, lam, size, width, length, ties):
    """Σ_m [x^n y^m] Π_j (...)/(m + 1) per row (see `_majority_given_counts`), with column
    ``ties`` absorbing ≥ ``ties`` ties; returns (value, mass of that column at x^n).

    The product runs bin by bin, truncated to degree < ``size`` after each factor: in Fourier
    space (length ``length``, no wrap-around) for long rows, as a Toeplitz matrix product for
    short ones."""
    i = np.arange(width)
    pmf = _poisson_pmf(i[None, None, :], lam.T[:, :, None])        # (bins, rows, width)
    below = np.where(i < c[:, None], pmf, 0.0)
    tie = np.where(i == c[:, None], pmf, 0.0)
    poly = np.zeros((len(c), size, ties + 1))
    poly[:, 0, 0] = 1.0
    direct = size <= 40
    if direct:
        d = np.arange(size)
        lag = d[:, None] - d[None, :]                                 # (size, size)
        valid = (lag >= 0) & (lag < width)
        lag = np.clip(lag, 0, width - 1)
    for j in range(lam.shape[1]):
        if direct:
            mat_b = np.where(valid, below[j][:, lag], 0.0)               # (rows, size, size)
            mat_t = np.where(valid, tie[j][:, lag], 0.0)
            new = mat_b @ poly
            shifted = mat_t @ poly
        else:
            f_poly = np.fft.rfft(poly, length, axis=1)
            new = np.fft.irfft(f_poly * np.fft.rfft(below[j], length, axis=1)[:, :, None],
                               length, axis=1)[:, :size]
            shifted = np.fft.irfft(f_poly * np.fft.rfft(tie[j], length, axis=1)[:, :, None],
                                   length, axis=1)[:, :size]
        new[:, :, 1:] += shifted[:, :, :-1]
        new[:, :, -1] += shifted[:, :, -1]
        poly = new
    at_n = poly[np.arange(len(c)), n]
    weights = 1.0 / (np.arange(ties + 1) + 1.0)
    return at_n @ weights, np.abs(at_n[:, -1])


def _majority_given_counts(cs, k, p):
    """P(bin 0 wins | N_0 = c) for every c in `cs` (vectorised over c), the other n = k − c
    draws multinomial over bins of probabilities p (Σ p ≤ 1; the rest never wins), ties among
    m + 1 leaders won with probability 1/(m + 1).

    Poissonised: with independent N_j ~ Poisson(n p_j), P(max_j N_j ≤ c, m ties | Σ N_j = n) is
    the coefficient [x^n y^m] of Π_j (Σ_{i<c} a_{j,i} x^i + y a_{j,c} x^c) over P(Poisson(n) = n).
    The products run in Fourier space along x (all terms are positive probabilities, so the
    FFT's absolute rounding, ~1e−16 of the largest coefficient, is what the 1e−10 goal needs)."""
    cs = np.asarray(cs, int)
    ns = k - cs
    out = np.zeros(len(cs))
    done = ns == 0
    out[done] = 1.0
    # rows that cannot be won (more draws left than the other bins can hold below c + 1)
    possible = ~done & (cs * max(len(p), 1) >= ns)
    if not possible.any():
        return out
    rows = np.nonzero(possible)[0]
    c, n = cs[rows], ns[rows]
    lam = n[:, None] * p[None, :]                               # (rows, bins)
    keep = lam.max(axis=0) > 1e-22
    dropped = lam[:, ~keep].sum(axis=1)
    lam = lam[:, keep]
    size = int(n.max()) + 1
    width = int(c.max()) + 1
    length = 1 << int(math.ceil(math.log2(size + width)))
    most = int(min(lam.shape[1], (n // c).max()))
    ties = most if most <= 2 * _TIES else _TIES
    while True:
        value, overflow = _tie_polynomials(c, n, lam, size, width, length, ties)
        # the last tie column holds "≥ ties" ties, counted 1/(ties + 1): an upper bound; the
        # error is at most its mass / (ties + 1), so widen until that is negligible
        if ties >= most or np.max(overflow) / (ties + 1.0) < 1e-14:
            break
        ties = min(2 * ties, most)
    out[rows] = np.maximum(value, 0.0) * np.exp(-dropped) / stats.poisson.pmf(n, n)
    return out


def majority_accuracy(k, q0, others):
    """Exact plurality-vote accuracy for integer k from the bin probabilities (NumPy).

    Parameters
    ----------
    k : int
        Number of answers voted on (≥ 1).
    q0 : float
        Probability of the correct answer.
    others : array
        Probabilities of the other answers (any number; they need not sum to 1 − q0, the rest
        is treated as mass that never wins).

    Returns
    -------
    float
        P(the correct answer has the most votes), ties among m + 1 leaders counted 1/(m + 1).

    Examples
    --------
    >>> round(majority_accuracy(3, 0.5, [0.25, 0.25]), 6)
    0.5625
    """
    check_integer_at_least("k", k, 1)
    check_real("q0", q0)
    check_real("others", others)
    k = int(k)
    others = np.asarray(others, float)
    q0 = float(q0)
    if q0 <= 0.0:
        return 0.0
    rest = max(1.0 - q0, 0.0)
    if rest == 0.0:
        return 1.0
    p = others / rest
    cs = np.arange(1, k + 1)
    pmf = stats.binom.pmf(cs, k, q0)
    live = pmf > 1e-17
    total = float(pmf[live] @ _majority_given_counts(cs[live], k, p))
    return min(max(total, 0.0), 1.0)


# --- weighted vote: Monte Carlo with exact control variates -----------------------------------

class WeightedVote(NamedTuple):
    """Weighted-vote accuracy estimate: ``value`` and its standard error ``stderr``.

    Examples
    --------
    >>> est = WeightedVote(0.75, 0.01)
    >>> est.value, est.stderr
    (0.75, 0.01)
    """

    value: float
    stderr: float


def vote_draws(rng, k, t, b, a, eta, n):
    """Correctness of four aggregators on ``n`` independent sets of k draws (NumPy).

    Each row draws y_1..y_k from the predictive (normalised: u = (y − μ_T)/s = b + z,
    ζ = (y − μ_R)/s = a + z, z ~ N(0, 1); b, a, t may be arrays of length n, one input per row)
    and returns float arrays (weighted vote, softmax sampling Σ p_i 1{correct}, plurality vote
    with ties counted 1/(number of leaders), best-of-k). Bin scores are accumulated with
    `np.bincount` over (row, bin) pairs: O(n k).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the draws.
    k : int
        Number of answers per row.
    t : float or array
        Normalised temperature T/(2s²) (``inf``: equal weights).
    b, a : float or array
        (m − μ_T)/s and (m − μ_R)/s, scalars or one value per row.
    eta : float
        h/s > 0.
    n : int
        Number of rows (independent sets of k draws).

    Returns
    -------
    tuple of numpy.ndarray
        (vote, soft, major, best), each of shape (n,): the weighted vote's correctness (0/1),
        the softmax-sampling accuracy Σ_i p_i 1{y_i correct}, the plurality vote's (1/(number
        of leaders) when bin 0 ties for the lead) and best-of-k's (0/1).

    Examples
    --------
    With one answer per row every aggregator returns that answer, so the four agree:

    >>> import numpy as np
    >>> vote, soft, major, best = vote_draws(np.random.default_rng(0), 1, 0.5, 0.3, 0.1, 0.5, 6)
    >>> vote.shape, bool(np.all(vote == soft) and np.all(vote == major) and np.all(vote == best))
    ((6,), True)
    """
    check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
    check_integer_at_least("k", k, 1)
    for name, value in (("t", t), ("b", b), ("a", a), ("eta", eta)):
        check_real(name, value)
    check_integer_at_least("n", n, 1)
    b, a, t = (np.broadcast_to(np.asarray(v, float), (n,))[:, None] for v in (b, a, t))
    z = rng.standard_normal((n, k))
    u, zeta = b + z, a + z
    bins = np.round(u / (2.0 * eta)).astype(np.int64)
    correct = np.abs(u) < eta
    with np.errstate(divide="ignore", invalid="ignore"):
        logw = np.where(np.isinf(t), 0.0, -zeta * zeta / (2.0 * t))
    logw = logw - logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    lo = bins.min(axis=1, keepdims=True)
    span = int((bins - lo).max()) + 1
    idx = (np.arange(n)[:, None] * span + (bins - lo)).ravel()
    score = np.bincount(idx, weights=w.ravel(), minlength=n * span).reshape(n, span)
    count = np.bincount(idx, minlength=n * span).reshape(n, span)
    zero = -lo[:, 0]                                      # column of bin 0 (may be outside)
    inside = (zero >= 0) & (zero < span)
    col = np.clip(zero, 0, span - 1)
    rows = np.arange(n)
    s0 = np.where(inside, score[rows, col], 0.0)
    n0 = np.where(inside, count[rows, col], 0)
    score_other = score.copy()
    score_other[rows[inside], col[inside]] = -1.0
    vote = (s0 > score_other.max(axis=1)).astype(float)
    soft = np.sum(np.where(correct, w, 0.0), axis=1) / w.sum(axis=1)
    top = count.max(axis=1)
    leaders = np.sum(count == top[:, None], axis=1)
    major = np.where((n0 == top) & (n0 > 0), 1.0 / leaders, 0.0)
    best = correct[rows, np.argmax(logw, axis=1)].astype(float)
    return vote, soft, major, best


def controlled_mean(values, controls, exact):
    """Regression-adjusted Monte Carlo mean of ``values`` with control variates of known mean:
    returns (estimate, standard error). Controls that do not vary are ignored.

    Parameters
    ----------
    values : array
        The n samples whose mean is estimated.
    controls : sequence of arrays
        Control variates, each n samples drawn together with ``values``.
    exact : sequence of float
        The known means of the controls, in the same order.

    Returns
    -------
    tuple of float
        (estimate, standard error): the mean of ``values`` minus the least-squares fit on the
        centred controls, and the residual's standard deviation (degrees of freedom n − 1 minus
        the number of controls used) over √n.

    Examples
    --------
    A control equal to the values themselves makes the estimate its exact mean, with no error:

    >>> import numpy as np
    >>> x = np.random.default_rng(0).random(100)
    >>> est, err = controlled_mean(x, [x], [0.5])
    >>> round(est, 12), round(err, 12)
    (0.5, 0.0)
    """
    check_real("values", values)
    check_real("controls", controls)
    check_real("exact", exact)
    values = np.asarray(values, float)
    c = np.stack([np.asarray(x, float) - e for x, e in zip(controls, exact)], axis=1)
    c = c[:, c.std(axis=0) > 0]
    if c.shape[1]:
        coef, *_ = np.linalg.lstsq(c - c.mean(axis=0), values - values.mean(), rcond=None)
        values = values - c @ coef
    dof = len(values) - 1 - c.shape[1]
    return float(values.mean()), float(values.std() * math.sqrt(len(values) / dof)
                                       / math.sqrt(len(values)))


def weighted_vote_accuracy(k, t, b, a, eta, *, samples=2 ** 15, seed=0, centre_sd=0.0):
    """Weighted-vote accuracy at one point (normalised units), by Monte Carlo with control
    variates of exactly known mean (softmax sampling, plurality vote, best-of-k).

    Returns a `WeightedVote` (value, stderr). t = ∞ is the plurality vote and t = 0 best-of-k
    (exact); k = 1 gives q_0.

    Parameters
    ----------
    k : int
        Number of answers (≥ 1).
    t : float
        Normalised temperature T/(2s²) ≥ 0 (0: best-of-k; ``inf``: the plurality vote).
    b : float
        (m − μ_T)/s.
    a : float
        (m − μ_R)/s.
    eta : float
        h/s > 0.
    samples : int, optional
        Monte Carlo size (sets of k draws) when 0 < t < ∞ and k > 1.
    seed : int, optional
        Seed of the Monte Carlo draws.
    centre_sd : float, optional
        A noisy judge's centre misreading, √Var ε̄ / s (docs/theory.md §10): each set of k
        draws gets its own centre a − e, e ~ N(0, centre_sd²); the softmax and best-of-k
        controls are then the centre-averaged exact accuracies.

    Returns
    -------
    WeightedVote
        The estimate clipped to [0, 1] and its standard error (0 in the exact cases k = 1,
        t = 0 and t = ∞).

    Examples
    --------
    >>> est = weighted_vote_accuracy(5, 1.0, 0.3, 0.3, 0.5, samples=4096)
    >>> 0.0 < est.value < 1.0 and est.stderr < 0.01
    True
    >>> from scipy.special import ndtr
    >>> q0 = ndtr(0.5 - 0.3) - ndtr(-0.5 - 0.3)  # k = 1: the pass rate Φ(η − b) − Φ(−η − b)
    >>> round(float(q0), 6), round(weighted_vote_accuracy(1, 1.0, 0.3, 0.3, 0.5).value, 6)
    (0.367404, 0.367404)
    """
    check_integer_at_least("k", k, 1)
    for name, value in (("t", t), ("b", b), ("a", a), ("eta", eta)):
        check_real(name, value)
    check_integer_at_least("samples", samples, 1)
    check_integer_at_least("seed", seed, 0)
    check_nonnegative("centre_sd", centre_sd)
    k, t, b, a, eta, sd = int(k), float(t), float(b), float(a), float(eta), float(centre_sd)
    q0, others = bin_probabilities(b, eta)
    if k == 1:
        return WeightedVote(q0, 0.0)
    major_exact = majority_accuracy(k, q0, others)
    if math.isinf(t):
        return WeightedVote(major_exact, 0.0)
    best_exact = float(centre_averaged_accuracy(k, 0.0, b, a, eta, sd))
    if t == 0.0:
        return WeightedVote(best_exact, 0.0)
    soft_exact = float(centre_averaged_accuracy(k, t, b, a, eta, sd))
    rng = np.random.default_rng(seed)
    rows = a - sd * rng.standard_normal(int(samples)) if sd > 0 else a
    vote, soft, major, best = vote_draws(rng, k, t, b, rows, eta, int(samples))
    value, stderr = controlled_mean(vote, (soft, major, best), (soft_exact, major_exact,
                                                                best_exact))
    return WeightedVote(float(np.clip(value, 0.0, 1.0)), stderr)


# --- a noisy judge's centre (docs/theory.md §10) --------------------------------------------

def centre_averaged_accuracy(k, t, b, a, eta, sd):
    """E_e[acc(k, t, b, a − e, η)], e ~ N(0, sd²): the softmax/best-of-k accuracy of a judge
    whose centre is misread by e (normalised units; ``sd`` = √Var ε̄ / s). NumPy arrays that
    broadcast; no validation.

    Per point, the centre's law is integrated on Gauss–Legendre panels graded towards
    e = a − b ± η, where the accuracy switches at large k (`solvable.judge.step_centre_rule`);
    all nodes of all points go through one call of `accuracy_normalized`.

    Parameters
    ----------
    k, t, b, a, eta : array_like
        As in `accuracy_normalized`.
    sd : array_like
        √Var ε̄ / s ≥ 0, the centre's misreading in units of s.

    Returns
    -------
    numpy.ndarray
        The accuracy, of the broadcast shape.

    Examples
    --------
    sd = 0 is the exact judge; k = 1 does not depend on the judge:

    >>> import numpy as np
    >>> bool(np.isclose(centre_averaged_accuracy(8, 0.0, 0.2, 0.3, 0.5, 0.0),
    ...                 accuracy_normalized(8, 0.0, 0.2, 0.3, 0.5), rtol=0, atol=1e-15))
    True
    >>> round(float(centre_averaged_accuracy(1, 0.0, 0.2, 0.3, 0.5, 0.7)), 6)  # q_0
    0.375948
    """
    for name, value in (("k", k), ("t", t), ("b", b), ("a", a), ("eta", eta), ("sd", sd)):
        check_real(name, value)
        if not is_concrete(value):
            raise ValueError(f"{name}: the accuracy of a noisy judge is computed on concrete "
                             "values (its quadrature over the centre is built per point), "
                             "not under jit, vmap or grad")
    k, t, b, a, eta, sd = np.broadcast_arrays(*(np.asarray(v, np.float64)
                                                for v in (k, t, b, a, eta, sd)))
    shape = k.shape
    k, t, b, a, eta, sd = (x.ravel() for x in (k, t, b, a, eta, sd))
    # the accuracy moves over a width ≳ 1/k in the centre at T = 0 (the kept candidate is
    # within ~1/(k φ) of it), ≳ √(t/(1 + t)) otherwise: the panels are graded down to a tenth
    # of that (tests/test_judge.py::test_centre_rules_are_converged)
    with np.errstate(invalid="ignore"):          # t = ∞: the point does not see the centre
        finest = 0.1 * np.maximum(1.0 / k, np.sqrt(t / (1.0 + t)))
    finest = np.where(np.isfinite(finest), finest, 0.0)
    c = a - b

    def rules(idx):
        return step_centre_rules(sd[idx], np.stack([c[idx] - eta[idx], c[idx] + eta[idx]], 1),
                                 finest=finest[idx])

    out = np.clip(average_over_centre(accuracy_normalized, k, t, b, a, sd, rules, eta),
                  0.0, 1.0)
    return out.reshape(shape)


# --- public ---------------------------------------------------------------------------------

def _vote_grid(k, t, b, a, eta, rule, samples, seed, sd=0.0):
    k, t, b, a, eta, sd = np.broadcast_arrays(*(np.asarray(v, float)
                                                for v in (k, t, b, a, eta, sd)))
    out = np.empty(k.shape)
    for idx in np.ndindex(k.shape):
        if rule == "majority":
            q0, others = bin_probabilities(b[idx], eta[idx])
            out[idx] = majority_accuracy(int(k[idx]), q0, others)
        else:
            out[idx] = weighted_vote_accuracy(int(k[idx]), t[idx], b[idx], a[idx], eta[idx],
                                              samples=samples, seed=seed,
                                              centre_sd=sd[idx]).value
    return jnp.asarray(out)


def selection_accuracy(k, temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0,
                       tolerance, rule="softmax", samples=2 ** 15, seed=0, judge=None):
    """Pointwise accuracy of k answers aggregated by a judge or a vote (docs/theory.md §6).

    A candidate y ~ N(mean, std²) is correct iff |y − teacher| < tolerance. ``rule``:

    * ``"softmax"``: acc = E[Σ_i p_i 1{|y_i − μ_T| < h}], p = softmax(−(y − μ_R)²/T);
      T = 0 is best-of-k. Exact: acc = ∫ k E[1{correct} x e^{−x}] A^{k−1} dλ (module docstring).
    * ``"majority"``: plurality vote over the answer bins round((y − μ_T)/(2h)), ties broken
      uniformly; exact (temperature ignored).
    * ``"weighted_vote"``: bin scores Σ e^{−(y_i − μ_R)²/T}, the top score wins; Monte Carlo
      with exact control variates (``samples`` draws of k answers, ``seed``; its standard error
      is `weighted_vote_accuracy`'s).

    Parameters
    ----------
    k : float or array
        Number of answers: real ≥ 1 for ``"softmax"``, integer ≥ 1 for the votes.
    temperature : float or array
        Judge temperature T ≥ 0 (0: best-of-k; ``inf``: a uniform pick / the plurality vote).
    mean, std : float or array
        The predictive N(mean, std²) at the input (std > 0).
    teacher, reward : float or array
        μ_T (the right answer) and μ_R (the judge's preferred answer).
    tolerance : float or array
        h > 0: answers within h of μ_T are correct.
    rule : {"softmax", "majority", "weighted_vote"}
    samples, seed : int
        Monte Carlo size and seed of the weighted vote (other rules ignore them).
    judge : solvable.judge.Judge, optional
        Repeated noisy calls (docs/theory.md §10): the judge's centre is μ_R + ε̄ with
        ε̄ ~ N(0, judge.centre_variance), its temperature ``judge.temperature(T)``; the
        softmax accuracy is averaged over ε̄ on panels graded towards the centres where it
        switches (`centre_averaged_accuracy`); the weighted vote draws ε̄ with each set of
        answers; the plurality vote does not use the judge. Per-candidate score noise
        (``score_noise`` > 0, no centre noise): best-of-k and the softmax pick by the noisy
        scores (T > 0: where that noise is at most π/√6 · T; docs/theory.md §10). None: the exact judge.

    Returns
    -------
    jax.Array
        The accuracy in [0, 1], broadcast over the array arguments.

    Notes
    -----
    Limits (tested): k = 1 gives q_0 = Φ(η − b) − Φ(−η − b) for every rule; T = ∞ gives q_0 for
    the softmax and the plurality vote for the weighted vote; T = 0 weighted vote is best-of-k.

    Examples
    --------
    >>> round(float(selection_accuracy(8, 0.0, mean=0.2, reward=-0.1, tolerance=0.5)), 6)
    0.968617
    >>> round(float(selection_accuracy(8, 1.0, mean=0.2, reward=-0.1, tolerance=0.5)), 6)
    0.590661
    >>> round(float(selection_accuracy(8, 0.0, mean=0.2, tolerance=0.5, rule="majority")), 6)
    0.525534
    """
    k, t, b, a, eta = accuracy_inputs(k, temperature, mean, std, teacher, reward, tolerance, rule)
    check_integer_at_least("samples", samples, 1)
    check_integer_at_least("seed", seed, 0)
    judge = check_judge(judge, exact=False)
    if judge.score_variance > 0.0 and rule != "majority":
        check_score_noise_judge(judge)
        if rule == "weighted_vote":
            raise ValueError("judge: per-candidate score noise with rule 'weighted_vote' is "
                             "not computed exactly; use solvable.simulate")
        nu = math.sqrt(judge.score_variance) / np.asarray(std, np.float64) ** 2
        return score_noise_best_of_k(k, judge.temperature(t), b, a, nu, eta)
    if judge.noiseless and judge.aggregate == "mean":
        if rule == "softmax":
            return accuracy_normalized(k, t, b, a, eta)
        return _vote_grid(k, t, b, a, eta, rule, samples, seed)
    t = judge.temperature(t)
    sd = math.sqrt(judge.centre_variance) / np.asarray(std, np.float64)
    if rule == "softmax":
        return jnp.asarray(centre_averaged_accuracy(k, t, b, a, eta, sd))
    return _vote_grid(k, t, b, a, eta, rule, samples, seed, sd)


# --- the x-average ----------------------------------------------------------------------------

_CLUSTER = np.array([2.0 ** -m for m in range(1, 8)])   # relative offsets around a feature


def _feature_ratios(law, t, rule):
    """Where, on the ray Δ_T = √V_T ξ (rank-one law), a rule's accuracy switches at large k:
    |b − g b/(1 + t)| = η with g = Δ_R/Δ_T and the factor 1/(1 + t) ∈ {0 (vote), 1 (best-of-k),
    tilted}; returned as the values of |1 − g u| by which η s̄ / √V_T is divided."""
    g = float(law.cov / law.var_teacher) if float(law.var_teacher) > 0 else 0.0
    us = {0.0}                                    # the plurality vote's |b| = η
    if rule in ("softmax", "weighted_vote"):
        us.add(1.0 if t == 0 else 1.0 / (1.0 + t) if math.isfinite(t) else 0.0)
    if rule == "weighted_vote":
        us.add(1.0)
    return [abs(1.0 - g * u) for u in us]


def offset_rule(law, temperature, tolerance, rule, nodes=8):
    """Quadrature nodes (Δ_T, Δ_R) and weights for E over the offsets of an accuracy (NumPy).

    Rank-one laws (the knob reward): the half-line ξ ≥ 0 of `solvable.average` (Gauss–Legendre
    panels with the Gaussian's edges) plus edges clustered geometrically around the ξ at which
    the rule's large-k accuracy steps (|Δ_T| = h for the vote, |Δ_T − Δ_R| = h for best-of-k,
    the tilted mean for the softmax), so the k-dependent transitions fall on panel edges.
    Other laws: `solvable.average`'s two-dimensional rule as it is; its inner Gauss–Hermite
    variable does not see the large-k steps (measured with an aligned reward, cosine 0.8, in
    the paper's setting, h = 5e-5, best-of-k: 8 against 16 nodes differ by 1e-9 at k = 4 but
    by 5e-7 absolute, 2% relative, at k = 1e4).

    Parameters
    ----------
    law : OffsetLaw
        The Gaussian law of the offsets (`solvable.offset_law`).
    temperature : float
        T ≥ 0 (sets the tilted mean's step for the softmax).
    tolerance : float
        h > 0, in the units of the outputs.
    rule : {"softmax", "majority", "weighted_vote"}
        The aggregation rule whose large-k steps are put on panel edges.
    nodes : int, optional
        Gauss–Legendre nodes per panel of the half-line rule (for other laws, that of the
        reward offset, the outer variable of `solvable.average`'s two-dimensional rule).

    Returns
    -------
    tuple of numpy.ndarray
        (Δ_T, Δ_R, weights): nodes and weights such that Σ w f(Δ_T, Δ_R) approximates
        E[f(Δ_T, Δ_R)] for f even under (Δ_T, Δ_R) → (−Δ_T, −Δ_R) (rank-one laws use the
        half-line, with doubled weights), which the accuracies are.

    Examples
    --------
    The weights sum to 1 and reproduce the variance of Δ_T; for `KnobReward` (c) the nodes lie
    on the line Δ_R = (1 + c) Δ_T:

    >>> import numpy as np
    >>> from solvable import Problem, KnobReward, offset_law
    >>> p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
    >>> law = offset_law(p, KnobReward(0.5))
    >>> dt, dr, w = offset_rule(law, 0.0, 2e-4, "softmax")
    >>> round(float(w.sum()), 9), round(float(w @ dt**2 / law.var_teacher), 9)
    (1.0, 1.0)
    >>> bool(np.allclose(dr, 1.5 * dt))
    True
    """
    check_instance("law", law, OffsetLaw, "an OffsetLaw")
    check_real("temperature", temperature)
    check_real("tolerance", tolerance)
    check_choice("rule", rule, RULES)
    check_integer_at_least("nodes", nodes, 1)
    if not law.rank_one:
        dt, dr, w = offset_nodes(law, nodes, 24)
        return np.asarray(dt), np.asarray(dr), np.asarray(w)
    s = math.sqrt(float(law.predictive_var))
    sd_t = math.sqrt(float(law.var_teacher))
    g = float(law.cov / law.var_teacher) if sd_t > 0 else 0.0
    t = float(temperature) / (2.0 * s * s)
    edges = list(XI_EDGES)
    for ratio in _feature_ratios(law, t, rule):
        if ratio > 0 and sd_t > 0:
            xi = float(tolerance) / (sd_t * ratio)
            if xi < XI_EDGES[-1]:
                edges += [xi] + list(xi * (1 - _CLUSTER)) + list(xi * (1 + _CLUSTER))
    edges = np.unique(np.clip(edges, 0.0, XI_EDGES[-1]))
    x, w = legendre(nodes)
    lo, hi = edges[:-1, None], edges[1:, None]
    xi = (lo + (hi - lo) * x).ravel()
    wt = ((hi - lo) * w).ravel() * 2.0 * np.exp(-0.5 * xi * xi) / math.sqrt(2.0 * math.pi)
    return sd_t * xi, g * sd_t * xi, wt


def generalization_accuracy(problem, reward, k, temperature, *, tolerance, rule="softmax",
                            nodes=8, samples=2 ** 16, seed=0, judge=None):
    """Accuracy averaged over inputs, E_x[acc(k, T; x)] for the deterministic-equivalent
    predictive N(m(x), s̄²) (docs/theory.md §6).

    The offsets (Δ_T, Δ_R) = (m − μ_T, m − μ_R) are the centred Gaussian law of
    `solvable.offset_law`; the pointwise accuracy is `selection_accuracy`'s.

    Parameters
    ----------
    problem : Problem
        The teacher–student problem (or an `OffsetLaw`, with ``reward=None``).
    reward : Reward or None
        The judge's reward.
    k : float or int
        Number of answers (integer for the votes). Scalar.
    temperature : float
        T ≥ 0 (ignored by the plurality vote). Scalar.
    tolerance : float
        h > 0, in the units of the outputs (as σ).
    rule : {"softmax", "majority", "weighted_vote"}
    nodes : int
        Gauss–Legendre nodes per panel of the offsets' rule (`offset_rule`).
    samples, seed : int
        Weighted vote only: Monte Carlo over inputs and answers together (``samples`` draws),
        with the averaged softmax, plurality and best-of-k accuracies as exact control variates.
    judge : solvable.judge.Judge, optional
        Repeated noisy calls (docs/theory.md §10): Var Δ_R grows by the centre's variance
        (`solvable.judge.judged_law`) and the judge acts at ``judge.temperature(T)``.

    Returns
    -------
    float
        The averaged accuracy (weighted vote: the estimate; `weighted_vote_averaged` also gives
        its standard error).

    Examples
    --------
    >>> from solvable import Problem, KnobReward
    >>> p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
    >>> h = 2e-4
    >>> round(generalization_accuracy(p, KnobReward(0.5), 1, 0.0, tolerance=h), 6)  # pass rate
    0.950021

    The same pass rate in closed form: y − μ_T ~ N(0, s̄² + Var Δ_T) over inputs and draws, so
    it is 2Φ(h/√(s̄² + Var Δ_T)) − 1:

    >>> import math
    >>> from scipy.special import ndtr
    >>> from solvable import offset_law
    >>> law = offset_law(p, KnobReward(0.5))
    >>> round(float(2 * ndtr(h / math.sqrt(law.predictive_var + law.var_teacher)) - 1), 6)
    0.950021
    """
    check_rule_k_temperature(rule, k, temperature)
    check_positive("tolerance", tolerance)
    check_integer_at_least("nodes", nodes, 1)
    check_integer_at_least("samples", samples, 1)
    check_integer_at_least("seed", seed, 0)
    if np.ndim(k) or np.ndim(temperature) or np.ndim(tolerance):
        raise ValueError("k, temperature and tolerance must be scalars")
    judge = check_judge(judge)
    law = judged_law(law_of(problem, reward), judge)
    temperature = judge.temperature(temperature)
    if rule == "weighted_vote":
        return weighted_vote_averaged(law, None, k, temperature, tolerance=tolerance,
                                      samples=samples, seed=seed).value
    s2 = float(law.predictive_var)
    s = math.sqrt(s2)
    dt, dr, w = offset_rule(law, temperature, tolerance, rule, nodes)
    live = w > 0
    dt, dr, w = dt[live], dr[live], w[live]
    eta = float(tolerance) / s
    if rule == "softmax":
        vals = np.asarray(accuracy_normalized(float(k), float(temperature) / (2.0 * s2), dt / s,
                                              dr / s, eta))
    else:
        vals = np.array([majority_accuracy(int(k), *bin_probabilities(b, eta)) for b in dt / s])
    return float(np.sum(w * vals))


def weighted_vote_averaged(problem, reward, k, temperature, *, tolerance, samples=2 ** 16,
                           seed=0, controls=("softmax", "majority", "best_of_k"), exact=None):
    """x-averaged weighted-vote accuracy by Monte Carlo over inputs and answers, with the exact
    averaged softmax-sampling, plurality and best-of-k accuracies as control variates.

    ``controls``: which exact averages to use as control variates (the softmax one costs most
    to compute); ``exact``: optional precomputed values of them, by the same names (at this k,
    T and tolerance). Returns a `WeightedVote` (value, stderr).

    Parameters
    ----------
    problem : Problem
        The teacher–student problem (or an `OffsetLaw`, with ``reward=None``).
    reward : Reward or None
        The judge's reward.
    k : int
        Number of answers (≥ 1).
    temperature : float
        T ≥ 0 (0: best-of-k; ``inf``: the plurality vote).
    tolerance : float
        h > 0, in the units of the outputs.
    samples : int, optional
        Monte Carlo size: inputs drawn from the offsets' law, one set of k answers each.
    seed : int, optional
        Seed of the draws.
    controls : sequence of str, optional
        Names among ``"softmax"``, ``"majority"``, ``"best_of_k"`` of the control variates used.
    exact : dict, optional
        Precomputed exact averages of the controls, keyed by those names; missing ones are
        computed with `generalization_accuracy`.

    Returns
    -------
    WeightedVote
        The estimate clipped to [0, 1] and its standard error; k = 1, T = 0 and T = ∞ are
        returned exactly (best-of-k's, best-of-k's and the plurality vote's averages) with
        standard error 0.

    Examples
    --------
    >>> from solvable import Problem, KnobReward
    >>> p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
    >>> est = weighted_vote_averaged(p, KnobReward(0.5), 1, 1e-8, tolerance=2e-4, samples=4096)
    >>> round(est.value, 6)   # k = 1: the pass rate, exactly
    0.950021
    """
    check_integer_at_least("k", k, 1)
    check_nonnegative("temperature", temperature, allow_inf=True)
    check_positive("tolerance", tolerance)
    check_integer_at_least("samples", samples, 1)
    check_integer_at_least("seed", seed, 0)
    check_choices("controls", controls, ("softmax", "majority", "best_of_k"))
    if exact is not None:
        check_instance("exact", exact, dict, "a dict of the controls' exact values")
    law = law_of(problem, reward)
    k, temperature, h = int(k), float(temperature), float(tolerance)
    known = dict(exact or {})

    def value(name):
        if name not in known:
            rule, temp = {"softmax": ("softmax", temperature), "majority": ("majority", 0.0),
                          "best_of_k": ("softmax", 0.0)}[name]
            known[name] = generalization_accuracy(law, None, k, temp, tolerance=h, rule=rule)
        return known[name]

    if k == 1:
        return WeightedVote(value("best_of_k"), 0.0)
    if math.isinf(temperature):
        return WeightedVote(value("majority"), 0.0)
    if temperature == 0.0:
        return WeightedVote(value("best_of_k"), 0.0)
    rng = np.random.default_rng(seed)
    s2 = float(law.predictive_var)
    s = math.sqrt(s2)
    vt, vr, cv = float(law.var_teacher), float(law.var_reward), float(law.cov)
    xi = rng.standard_normal((2, int(samples)))
    dt = math.sqrt(vt) * xi[0]
    beta = cv / vt if vt > 0 else 0.0
    dr = beta * dt + math.sqrt(max(vr - beta * cv, 0.0)) * xi[1]
    vote, soft, major, bestk = vote_draws(rng, k, temperature / (2.0 * s2), dt / s, dr / s,
                                          h / s, int(samples))
    draws = {"softmax": soft, "majority": major, "best_of_k": bestk}
    est, stderr = controlled_mean(vote, [draws[c] for c in controls], [value(c) for c in controls])
    return WeightedVote(float(np.clip(est, 0.0, 1.0)), stderr)

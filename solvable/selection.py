"""Exact pointwise selection error of a Gaussian predictive (THEORY §3–4).

Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905. At a fixed input the predictive is N(m, s²);
y_1..y_k are i.i.d. draws, reward r(y) = −(y − μ_R)², selection p = softmax(r / T), and

    δ = E[ Σ_i p_i (y_i − μ_T)² ].

In normalised units (s = 1, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s, z = y − μ_R ~ N(a, 1),
w = exp(−z²/(2t)), f = (z + b − a)²), 1/Z = ∫₀^∞ e^{−uZ} du gives the exact integral

    δ/s² = k ∫₀^∞ E[f w e^{−u w}] A(u)^{k−1} du,   A(u) = E[e^{−u w}],

valid for real k ≥ 1. With λ = ln u and x = e^λ w this is δ/s² = ∫ k B(λ) A(λ)^{k−1} dλ,
B = E[f x e^{−x}]. At T = 0 it becomes best-of-k,

    δ/s² = ∫₀^∞ k G(r)^{k−1} [φ(r − a)(r + b − a)² + φ(r + a)(r − b + a)²] dr,

G(r) = P(|z| > r). Limits: k = 1 or T = ∞ gives 1 + b²; k → ∞ at T > 0 gives
(b − a/(1+t))² + t/(1+t).

Numerical design (all node counts fixed, so the kernel vectorises and differentiates):

* the outer λ-axis is split at λ = 0. For λ < 0 (x < 1 everywhere, the "soft" side) the
  variable is u = e^λ ∈ (0, 1] on panels scaled by 1/(k E[w]); the inner expectations are
  Gauss–Hermite rules of the tilted Gaussian w(z)φ(z − a) ∝ N(a t/(1+t), t/(1+t)), since
  E[f w e^{−uw}] = E[w] E_tilt[f e^{−uw}] and 1 − A = u E[w] E_tilt[(1 − e^{−uw})/(uw)];
* for λ > 0 the variable is the switching radius ρ = √(2tλ), on panels placed at quantiles of
  min |z| (the T = 0 law) and at a few values of λ; the T → 0 limit of the integrand is the
  best-of-k integrand, so this side is smooth down to and at T = 0;
* the inner integrals over r = |z| on the λ > 0 side use composite Gauss–Legendre panels whose
  breakpoints are the radii where v = ln x = (ρ² − r²)/(2t) takes graded values in [−24, 4]
  merged with breakpoints of the density around r = a; the region v > 4 (e^{−x} < 1e−23) is
  the folded-normal CDF, the region v < −24 (1 − e^{−x} = x to 1e−11) is an exact truncated
  tilted-Gaussian moment, evaluated in log space;
* 1 − A is accumulated directly and A^{k−1} = exp((k − 1) log1p(−(1 − A)));
* node positions are wrapped in ``stop_gradient``: they only partition a fixed range, so the
  derivative of the rule is the rule of the derivative (no NaN from the placement logic).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import log_ndtr, ndtr

from . import _config  # noqa: F401  (float64)
from ._validate import check_at_least, check_finite, check_nonnegative, check_positive

__all__ = ["selection_error", "best_of_k_error", "selection_error_normalized"]

_SQRT2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
_R_DENSITY = 9.5  # half-width of the density window around r = a (Q(9.5) ≈ 1e-21)
_V_HI, _V_LO = 4.0, -24.0  # window in v = ln x resolved numerically
_T_ZERO = 1e-30  # t below this is evaluated as exact best-of-k


def _gl(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return jnp.asarray((x + 1.0) / 2.0), jnp.asarray(w / 2.0)


def _gh(n):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return jnp.asarray(x), jnp.asarray(w / _SQRT2PI)


_GL_OUT = _gl(8)
_GL_IN = _gl(12)
_GL_BULK = _gl(16)
_GH = _gh(48)
_U_EDGES = jnp.asarray([0.0, 0.6, 2.0, 5.0, 11.0, 22.0, 42.0])  # in units of 1/(k E[w])
_V_EDGES = jnp.asarray([4.0, 2.0, 0.0, -2.5, -6.0, -12.0, -24.0])
_D_EDGES = jnp.asarray([-6.0, -3.0, -1.2, 0.0, 1.2, 3.0, 6.0])  # around r = a
_LAM_EDGES = jnp.asarray([0.5, 1.5, 3.0])
_MIN_LEVELS = jnp.asarray([0.97, 0.75, 0.35, 0.05, 1e-4, 1e-10])  # survival levels of min|z|
_SG = jax.lax.stop_gradient


def _phi(x):
    return jnp.exp(-0.5 * x * x) / _SQRT2PI


def _log_q(x):
    """log P(N(0,1) > x)."""
    return log_ndtr(-x)


def _folded_cdf(r, a):
    """P(|z| < r) for z ~ N(a, 1), a ≥ 0, r ≥ 0, to full relative precision."""
    # small r: Gauss–Legendre of the (entire) folded density on [0, r]
    xs, ws = _GL_BULK
    rr = jnp.minimum(r, 1.0)
    s = rr * xs
    small = rr * jnp.sum(ws * (_phi(s - a) + _phi(s + a)))
    # r ≥ 1: tails; no cancellation beyond a factor e^{-2} when r < a
    big = jnp.where(
        r >= a, 1.0 - ndtr(a - r) - ndtr(-a - r), ndtr(r - a) - ndtr(-r - a)
    )
    return jnp.where(r < 1.0, small, big)


def _log_folded_cdf(r, a):
    """log P(|z| < r), rough (used only to place nodes)."""
    hi = jnp.log1p(-jnp.exp(_log_q(r - a)) - jnp.exp(_log_q(r + a)))
    lo = log_ndtr(r - a) + jnp.log1p(-jnp.exp(log_ndtr(-r - a) - log_ndtr(r - a)))
    return jnp.where(r >= a, hi, lo)


def _race_quantiles(k, t, a, log_w, mu, sig, rho_max):
    """Radii ρ (bisection in log ρ) where a model of the race survival, exp(−k S(ρ)) with
    S(ρ) = P(|z| < ρ) + e^{ρ²/(2t)} E[w; |z| > ρ] (one-sided), takes the levels `_MIN_LEVELS` (placement only).

    At t = 0 these are the quantiles of min_i |z_i|.
    """
    log_target = jnp.log(-jnp.expm1(jnp.log(_MIN_LEVELS) / k))
    inv_t = jnp.where(t > 0, 1.0 / jnp.where(t > 0, t, 1.0), 0.0)
    soft_on = t > 0

    def log_s(ell):
        r = jnp.exp(ell)
        ls = r * r * inv_t / 2.0 + log_w + _log_q((r - mu) / sig)
        return jnp.logaddexp(_log_folded_cdf(r, a), jnp.where(soft_on, ls, -jnp.inf))

    def step(bracket, _):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        below = log_s(mid) < log_target
        return (jnp.where(below, mid, lo), jnp.where(below, hi, mid)), None

    hi = jnp.full_like(log_target, jnp.log(rho_max))
    (lo, hi), _ = jax.lax.scan(step, (hi - 60.0, hi), None, length=32)
    ell = 0.5 * (lo + hi)
    return jnp.exp(ell)


def _pow_km1(k, s0):
    """A^{k−1} = exp((k − 1) log1p(−(1 − A))) from s0 = 1 − A; A = 0 is read as e^{−1000}."""
    ok = s0 < 1.0
    log_a = jnp.where(ok, jnp.log1p(-jnp.where(ok, s0, 0.0)), -1000.0)
    return jnp.exp((k - 1.0) * log_a)


def _panel_nodes(edges, rule):
    """Composite rule on sorted `edges` (…, n_edges): nodes and weights, flattened."""
    xs, ws = rule
    lo, hi = edges[:-1], edges[1:]
    h = hi - lo
    nodes = lo[:, None] + h[:, None] * xs[None, :]
    wts = h[:, None] * ws[None, :]
    return nodes.reshape(-1), wts.reshape(-1)


def _trunc_moments(lo_y, mu_c, sig):
    """∫_{y>lo_y} φ(y) (σ y + μ_c)² dy / Q(lo_y) and log Q(lo_y), stably."""
    log_q = _log_q(lo_y)
    mills = jnp.exp(-0.5 * lo_y * lo_y - _LOG_SQRT2PI - log_q)
    var = jnp.maximum(1.0 + lo_y * mills - mills * mills, 0.0)
    return (mu_c + sig * mills) ** 2 + sig * sig * var, log_q


def _soft_side(k, t, c, a, sig2, mu, log_w):
    """∫ over λ < 0, in u = e^λ, with Gauss–Hermite under the tilted Gaussian."""
    sig = jnp.sqrt(sig2)
    w_mean = jnp.exp(log_w)
    u_c = _SG(1.0 / (k * w_mean))
    edges = jnp.minimum(1.0, u_c * _U_EDGES)
    edges = jnp.concatenate([edges, jnp.ones(1)])
    u, wu = _panel_nodes(edges, _GL_OUT)
    u, wu = _SG(u), _SG(wu)
    y, wy = _GH
    z = mu + sig * y
    w = jnp.exp(-z * z / (2.0 * t))
    x = u[:, None] * w[None, :]
    f = (z + c) ** 2
    ex = jnp.exp(-x)
    e_f = jnp.sum(wy * f * ex, axis=1)
    x_safe = jnp.where(x > 0, x, 1.0)
    phi1 = jnp.where(x > 1e-300, -jnp.expm1(-x_safe) / x_safe, 1.0)
    s0 = u * w_mean * jnp.sum(wy * phi1, axis=1)
    integrand = k * w_mean * e_f * _pow_km1(k, s0)
    return jnp.sum(wu * integrand)


def _hard_inner(rho, k, t, c, a, sig2, mu, log_w):
    """1 − A and B at switching radius ρ (λ = ρ²/(2t) > 0), per unit λ."""
    sig = jnp.sqrt(sig2)
    two_t = 2.0 * t
    r_lo = jnp.sqrt(jnp.maximum(rho * rho - two_t * _V_HI, 0.0))
    r_hi = jnp.sqrt(rho * rho - two_t * _V_LO)
    r_end = jnp.minimum(r_hi, a + _R_DENSITY)
    r_lo = jnp.minimum(r_lo, r_end)
    rv = jnp.sqrt(jnp.maximum(rho * rho - two_t * _V_EDGES, 0.0))
    edges = jnp.concatenate([rv, a + _D_EDGES])
    edges = jnp.sort(jnp.clip(edges, r_lo, r_end))
    edges = jnp.concatenate([r_lo[None], edges, r_end[None]])
    r, wr = _panel_nodes(_SG(edges), _GL_IN)
    v = (rho - r) * (rho + r) / two_t
    x = jnp.exp(v)
    ex = jnp.exp(-x)
    p_plus, p_minus = _phi(r - a), _phi(r + a)
    p_f = p_plus * (r + c) ** 2 + p_minus * (r - c) ** 2
    b_win = jnp.sum(wr * x * ex * p_f)
    s_win = jnp.sum(wr * (-jnp.expm1(-x)) * (p_plus + p_minus))
    s_bulk = _folded_cdf(_SG(r_lo), a)
    # tail |z| > r_hi: 1 − e^{−x} = x, x φ(z − a) = e^{λ} E[w] N(z; μ, σ²)
    h = _SG(r_hi)
    lam = rho * rho / two_t
    m_up, lq_up = _trunc_moments((h - mu) / sig, mu + c, sig)
    m_dn, lq_dn = _trunc_moments((h + mu) / sig, -(mu + c), sig)
    pre_up = jnp.exp(lam + log_w + lq_up)
    pre_dn = jnp.exp(lam + log_w + lq_dn)
    b_tail = pre_up * m_up + pre_dn * m_dn
    s_tail = pre_up + pre_dn
    return s_bulk + s_win + s_tail, b_win + b_tail


def _delta(k, t, b, a):
    """δ/s² for scalar normalised arguments (no validation)."""
    sign = jnp.where(a < 0, -1.0, 1.0)
    a, b = sign * a, sign * b
    c = b - a
    t_inf = jnp.isinf(t)
    t_zero = t < _T_ZERO
    tt = jnp.where(t_inf | t_zero, 1.0, t)
    sig2 = tt / (1.0 + tt)
    mu = a * sig2
    log_w = 0.5 * jnp.log(sig2) - a * a / (2.0 * (1.0 + tt))

    # λ > 0 side, variable ρ
    rho_max = _SG(jnp.sqrt((a + _R_DENSITY) ** 2 + 8.0 * jnp.where(t_zero, 0.0, tt)))
    q = _race_quantiles(
        *(_SG(v) for v in (k, jnp.where(t_zero, 0.0, tt), a, log_w, mu, jnp.sqrt(sig2))), rho_max
    )
    lam_r = jnp.sqrt(2.0 * jnp.where(t_zero, 0.0, tt) * _LAM_EDGES)
    edges = jnp.sort(jnp.clip(jnp.concatenate([q, lam_r]), 0.0, rho_max))
    edges = jnp.concatenate([jnp.zeros(1), edges, rho_max[None]])
    rho, wrho = _panel_nodes(_SG(edges), _GL_OUT)

    # T = 0 integrand (exact best-of-k)
    p_plus, p_minus = _phi(rho - a), _phi(rho + a)
    p_f = p_plus * (rho + c) ** 2 + p_minus * (rho - c) ** 2
    g0 = jax.vmap(_folded_cdf, in_axes=(0, None))(rho, a)
    best = k * p_f * _pow_km1(k, g0)
    # T > 0 integrand, per unit ρ
    s0, bb = jax.vmap(_hard_inner, in_axes=(0,) + (None,) * 7)(rho, k, tt, c, a, sig2, mu, log_w)
    soft = k * bb * (rho / tt) * _pow_km1(k, s0)
    hard = jnp.sum(wrho * jnp.where(t_zero, best, soft))

    low = _soft_side(k, tt, c, a, sig2, mu, log_w)
    delta = hard + jnp.where(t_zero, 0.0, low)
    return jnp.where(t_inf, 1.0 + b * b, delta)


_delta_vec = jnp.vectorize(_delta)


def selection_error_normalized(k, t, b, a):
    """δ/s² as a function of (k, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s).

    Jittable core without validation (broadcasts; float64). See the module docstring for the
    formula (Halder & Pehlevan, arXiv 2512.19905, THEORY §4). t = 0 is exact best-of-k,
    t = ∞ gives 1 + b².
    """
    k, t, b, a = (jnp.asarray(v, dtype=jnp.float64) for v in (k, t, b, a))
    return _delta_vec(k, t, b, a)


def selection_error(k, temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Exact pointwise selection error δ = E[Σ_i p_i (y_i − μ_T)²] (THEORY §4).

    y_1..y_k i.i.d. N(mean, std²), p = softmax(−(y − reward)²/temperature), μ_T = teacher.
    With s = std, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s:

        δ = s² · k ∫₀^∞ E[(z + b − a)² w e^{−uw}] (E[e^{−uw}])^{k−1} du,  z ~ N(a, 1),
        w = exp(−z²/(2t)).

    Real k ≥ 1, temperature in [0, ∞] (0: best-of-k; ∞: uniform pick, δ = s² + b²).
    Broadcasts over all arguments; jit/vmap/grad friendly. Halder & Pehlevan, "Demystifying
    LLM-as-a-Judge: Analytically Tractable Model for Inference-Time Scaling", arXiv 2512.19905.
    """
    check_at_least("k", k, 1.0)
    check_nonnegative("temperature", temperature, allow_inf=True)
    check_finite("mean", mean)
    check_positive("std", std)
    check_finite("teacher", teacher)
    check_finite("reward", reward)
    k, temperature, mean, std, teacher, reward = (
        jnp.asarray(v, dtype=jnp.float64) for v in (k, temperature, mean, std, teacher, reward)
    )
    s2 = std * std
    t = temperature / (2.0 * s2)
    b = (mean - teacher) / std
    a = (mean - reward) / std
    return s2 * _delta_vec(k, t, b, a)


def best_of_k_error(k, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Best-of-k error (T = 0): δ = ∫₀^∞ k G(r)^{k−1}[φ(μ_R + r)(μ_R + r − μ_T)²
    + φ(μ_R − r)(μ_R − r − μ_T)²] dr, G(r) = P(|y − μ_R| > r), φ the predictive density.

    Halder & Pehlevan, arXiv 2512.19905 (THEORY §4). Same conventions as `selection_error`.
    """
    return selection_error(k, 0.0, mean=mean, std=std, teacher=teacher, reward=reward)

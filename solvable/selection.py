"""Exact pointwise selection error of a Gaussian predictive (THEORY §3–4).

Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
Inference-Time Scaling", arXiv 2512.19905. At a fixed input the predictive is N(m, s²);
y_1..y_k are i.i.d. draws, reward r(y) = −(y − μ_R)², selection p = softmax(r / T), and

    δ = E[ Σ_i p_i (y_i − μ_T)² ].

In normalised units (s = 1, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s, z = y − μ_R ~ N(a, 1),
w = exp(−z²/(2t)), f = (z + b − a)²), 1/Z = ∫₀^∞ e^{−uZ} du gives the exact integral

    δ/s² = k ∫₀^∞ E[f w e^{−u w}] A(u)^{k−1} du,   A(u) = E[e^{−u w}],

valid for real k ≥ 1. With λ = ln u and x = e^λ w: δ/s² = ∫ k B(λ) A(λ)^{k−1} dλ,
B = E[f x e^{−x}], and 1 − A = E[1 − e^{−x}]. (An exponential race: the selected index is
the argmin of E_i/w_i with E_i ~ Exp(1), and λ is the log of the winning clock.) At T = 0 it
becomes best-of-k,

    δ/s² = ∫₀^∞ k G(r)^{k−1} [φ(r − a)(r + b − a)² + φ(r + a)(r − b + a)²] dr,

G(r) = P(|z| > r). Limits: k = 1 or T = ∞ gives 1 + b²; k → ∞ at T > 0 gives
(b − a/(1+t))² + t/(1+t).

Numerical design (fixed node counts, so the kernel vectorises and differentiates):

* the λ-axis is split at λ0 = 1. On the soft side λ ≤ λ0 (x ≤ e) the inner expectations are
  Gauss–Hermite rules of the tilted Gaussian w(z)φ(z − a) ∝ N(a t/(1+t), t/(1+t)):
  B = e^λ E[w] E_tilt[f e^{−x}], 1 − A = e^λ E[w] E_tilt[(1 − e^{−x})/x]; the outer λ-panels
  sit at fixed values of λ + ln(k E[w]) (the log of the expected number of clocks that have
  rung), where the race's Gumbel-like law lives;
* on the hard side λ > λ0 the variable is the switching radius ρ = √(2tλ) (where e^{−u w}
  turns off), with panels at quantiles of min_i |z_i| (the T = 0 race) and at a few values of
  λ. The inner integrals over r = |z| use Gauss–Legendre panels between the radii where
  v = ln x = (ρ² − r²)/(2t) takes graded values in [−30, ln 40] merged with breakpoints
  around r = a; r < r(v = ln 40) contributes the folded-normal CDF exactly (e^{−x} < e^{−40})
  and r > r(v = −30) a truncated-Gaussian moment in closed form (1 − e^{−x} = x there).
  Where t/ρ² < 1e−12 the step is exact: 1 − A = F(ρ) and B dλ/dρ = the best-of-k integrand,
  so T → 0 is continuous and T = 0 is the best-of-k formula itself;
* each point evaluates only its positive-width ρ-panels (a `lax.switch` over panel budgets; on
  the moderate domain about half the points need four of the 24), and t = 0 only the step
  integral; on CPU points run one at a time so that only the chosen branch costs anything;
* 1 − A is accumulated directly and A^{k−1} = exp((k − 1) log1p(−(1 − A))), so large k keeps
  relative accuracy; densities are formed from log-CDFs, so large offsets do not underflow;
* panel edges are wrapped in ``stop_gradient`` (they only partition the axis; the one edge
  that moves with t, ρ0 = √(2 t λ0), keeps its derivative so the two sides stay joined), so the
  derivative of the rule is the rule of the derivative.

Accuracy against an independent slow reference (tests/reference.py) and Monte Carlo is
tested in tests/test_selection.py; speed is measured in benchmarks/bench_selection.py.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import log_ndtr

from . import _config  # noqa: F401  (float64)
from ._parallel import map_blocks, on_cpu
from ._validate import check_at_least, check_finite, check_nonnegative, check_positive

__all__ = ["selection_error", "best_of_k_error", "selection_error_normalized"]

_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
_LAMBDA0 = 1.0            # split of the Laplace axis: λ = ln u ≤ λ0 soft side, > λ0 hard side
_V_HI, _V_LO = math.log(40.0), -30.0   # window of v = ln x resolved numerically
_SHARP = 1e-12            # t/ρ² below this: the step e^{−x} is exact (error O(t/ρ²))
_MU_EDGES = np.array([-36.0, -22.0, -12.0, -6.0, -3.0, -1.0, 0.5, 2.0, 3.5, 5.0, 8.0])
_LAM_OFFSETS = np.array([0.5, 1.5, 3.0, 6.0, 12.0, 25.0, 50.0, 100.0, 250.0, 1000.0])
_MIN_LOG_SURVIVAL = np.array([-1e-10, -1e-6, -1e-3, -0.05, -0.36, -0.9, -1.9, -3.5, -7.0,
                               -11.5, -18.0, -27.6, -39.0])
_V_EDGES = np.array([_V_HI, 2.0, 0.5, -1.0, -3.0, -6.0, -12.0, -20.0, _V_LO])
_D_EDGES = np.array([-6.0, -3.0, -1.5, 0.0, 1.5, 3.0, 6.0])
_BISECT = 20


def _gl(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return (x + 1.0) / 2.0, w / 2.0


def _gh(n):
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / math.sqrt(2.0 * math.pi)


_GLA, _GLB, _GLI = _gl(10), _gl(6), _gl(8)  # soft-side λ, hard-side ρ, inner r panels
_GH = _gh(64)  # tilted Gauss–Hermite rule of the soft side


def _panels(edges, rule):
    """Nodes and weights of a composite rule on sorted `edges` (last axis)."""
    x, w = rule
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]
    nodes = lo + (hi - lo) * x
    weights = (hi - lo) * w
    return nodes.reshape(nodes.shape[:-2] + (-1,)), weights.reshape(weights.shape[:-2] + (-1,))


def _safe_sqrt(x):
    """√max(x, 0) with a finite derivative where x ≤ 0 (plain √ at 0 gives 0 · ∞ = NaN in grads)."""
    pos = x > 0.0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def _log_phi(x):
    return -0.5 * x * x - _LOG_SQRT2PI


def _log_folded_cdf(r, a):
    """log P(|z| ≤ r), z ~ N(a, 1), a ≥ 0, accurate for tiny r and large a."""
    pos = r > 0.0
    r = jnp.where(pos, r, 1.0)  # log 0 at r = 0 would give a NaN derivative (∞ · 0)
    hi = log_ndtr(r - a)
    lo = log_ndtr(-r - a)
    return jnp.where(pos, hi + jnp.log(-jnp.expm1(jnp.minimum(lo - hi, 0.0))), -jnp.inf)


def _log_mills(alpha):
    """log of Q(α)/φ(α), stable for all α."""
    big = alpha > 30.0
    al = jnp.where(big, alpha, 0.0)
    exact = log_ndtr(-al) - _log_phi(al)
    ab = jnp.where(big, alpha, 31.0)
    i2 = 1.0 / (ab * ab)
    series = -jnp.log(ab) + jnp.log1p(i2 * (-1.0 + i2 * (3.0 + i2 * (-15.0 + i2 * 105.0))))
    return jnp.where(big, series, exact)


def _tail(r_lo, t, a, c):
    """(M, B) contributions of r > r_lo where x = e^{V_LO − (r² − r_lo²)/(2t)} (1 − e^{−x} ≈ x).

    Branch z = ±r has density φ(r ∓ a) and error (±r + c)²; completing the square gives a
    truncated Gaussian of mean ±a t/(1+t), variance t/(1+t), prefactor e^{V_LO} φ(r_lo ∓ a).
    """
    s2 = t / (1.0 + t)
    s = jnp.sqrt(s2)
    m_tot, b_tot = 0.0, 0.0
    for sign in (1.0, -1.0):
        m = sign * a * s2
        cc = sign * c
        alpha = (r_lo - m) / s
        lm = _log_mills(alpha)
        pref = jnp.exp(_V_LO + _log_phi(r_lo - sign * a)) * s
        mills = jnp.exp(lm)
        mc = m + cc
        m_tot = m_tot + pref * mills
        b_tot = b_tot + pref * (mc * mc * mills + 2.0 * mc * s + s2 * (mills + alpha))
    return m_tot, b_tot


def _pow_km1(k, m):
    """(1 − M)^{k−1} computed as exp((k − 1) log1p(−M)), M ∈ [0, 1]."""
    m = jnp.clip(m, 0.0, 1.0)
    safe = jnp.where(m < 1.0, m, 0.0)
    return jnp.where(m < 1.0, jnp.exp((k - 1.0) * jnp.log1p(-safe)), jnp.where(k == 1.0, 1.0, 0.0))


def _soft_side(k, t, a, c, lam_hi):
    """∫_{−∞}^{λ0} k B A^{k−1} dλ with tilted Gauss–Hermite inner rule (t > 0)."""
    s2 = t / (1.0 + t)
    log_ew = 0.5 * jnp.log(s2) - 0.5 * a * a / (1.0 + t)
    shift = jax.lax.stop_gradient(jnp.log(k) + log_ew)
    lam_edges = jnp.minimum(jnp.asarray(_MU_EDGES) - shift, lam_hi)
    lam, wl = _panels(lam_edges, _GLA)                       # (NA,)
    xi, wx = _GH
    z = a * s2 + jnp.sqrt(s2) * xi                            # (NGH,)
    log_w = -z * z / (2.0 * t)
    f = (z + c) ** 2
    logx = lam[:, None] + log_w[None, :]
    x = jnp.exp(logx)
    g = jnp.where(x > 1e-300, -jnp.expm1(-x) / jnp.where(x > 1e-300, x, 1.0), 1.0)
    pref = jnp.exp(lam + log_ew)
    m = pref * jnp.sum(wx * g, axis=-1)
    b = pref * jnp.sum(wx * f * jnp.exp(-x), axis=-1)
    return jnp.sum(wl * k * b * _pow_km1(k, m))


def _quantile_radii(k, a):
    """Radii ρ with log P(min_i |z_i| > ρ) = each level of `_MIN_LOG_SURVIVAL` (T = 0 law)."""
    target = jnp.log(-jnp.expm1(jnp.asarray(_MIN_LOG_SURVIVAL) / k))
    lo = target - jnp.log(0.8)   # F(r) ≤ 0.8 r
    hi = jnp.full_like(target, jnp.log(a + 10.0))
    lo = jnp.minimum(lo, hi)

    def step(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        below = _log_folded_cdf(jnp.exp(mid), a) < target
        return jnp.where(below, mid, lo), jnp.where(below, hi, mid)

    lo, hi = jax.lax.fori_loop(0, _BISECT, step, (lo, hi))
    return jnp.exp(0.5 * (lo + hi))


def _hard_edges(k, t, a):
    """Sorted edges of the hard side's ρ-panels: ρ0 = √(2tλ0), the T = 0 race quantiles, a few
    λ-values, and an end radius. Panels that the clipping collapses have zero width."""
    rho0 = _safe_sqrt(2.0 * t * _LAMBDA0)
    q = jax.lax.stop_gradient(_quantile_radii(k, a))
    rho_end = jnp.maximum(jax.lax.stop_gradient(jnp.sqrt(q[-1] ** 2 + 10.0 * t)), rho0)
    lam_r = jnp.sqrt(2.0 * t * (_LAMBDA0 + jnp.asarray(_LAM_OFFSETS)))
    inner = jax.lax.stop_gradient(jnp.concatenate([q, lam_r]))
    return jnp.concatenate([rho0[None], jnp.sort(jnp.clip(inner, rho0, rho_end)), rho_end[None]])


def _compact(edges, panels):
    """The first `panels` + 1 distinct values of sorted `edges`, padded with the last edge.

    Zero-width panels contribute nothing, so dropping them leaves the rule unchanged as long as
    at most `panels` panels have positive width (the caller picks the budget to ensure it).
    """
    keep = jnp.concatenate([jnp.ones((1,), bool), jax.lax.stop_gradient(jnp.diff(edges)) > 0.0])
    order = jnp.argsort(~keep, stable=True)[: panels + 1]
    count = jnp.sum(keep)
    return jnp.where(jnp.arange(panels + 1) < count, edges[order], edges[-1])


def _step_integrand(r, a, c):
    """h(r) = φ(r − a)(r + c)² + φ(r + a)(r − c)²: the two branches z = ±r of the best-of-k
    integrand (B·dλ/dρ in the exact step limit)."""
    return jnp.exp(_log_phi(r - a)) * (r + c) ** 2 + jnp.exp(_log_phi(r + a)) * (r - c) ** 2


def _step_side(k, a, c, edges):
    """All of δ at t = 0 (every ρ-node in the exact step limit): the best-of-k integral
    ∫ k h(ρ) (1 − F(ρ))^{k−1} dρ with F(ρ) = P(|z| ≤ ρ)."""
    rho, wr = _panels(edges, _GLB)
    m = jnp.exp(_log_folded_cdf(rho, a))
    return jnp.sum(wr * k * _step_integrand(rho, a, c) * _pow_km1(k, m))


def _hard_side(k, t, a, c, edges):
    """∫_{λ0}^{∞} k B A^{k−1} dλ in the radius ρ = √(2tλ) for t > 0, on ρ-panels with the given
    `edges` (see `_hard_edges`); nodes with t/ρ² < `_SHARP` use the exact step limit."""
    rho, wr = _panels(edges, _GLB)                             # (NB,)
    sharp = t <= _SHARP * rho * rho
    t_s = jnp.where(sharp, 1.0, t)                             # safe t for the smooth branch
    rho_s = jnp.where(sharp, 1.0, rho)
    r_top = _safe_sqrt(rho_s * rho_s - 2.0 * t_s * _V_HI)
    r_low = jnp.sqrt(rho_s * rho_s - 2.0 * t_s * _V_LO)
    # interior v-levels (the end levels V_HI, V_LO are r_top and r_low themselves)
    v_r = jnp.sqrt(jnp.maximum(
        rho_s[:, None] ** 2 - 2.0 * t_s[:, None] * jnp.asarray(_V_EDGES[1:-1]), 0.0))
    d_r = a + jnp.asarray(_D_EDGES)
    brk = jnp.concatenate([v_r, jnp.broadcast_to(d_r, rho.shape + d_r.shape)], axis=-1)
    brk = jax.lax.stop_gradient(jnp.sort(brk, axis=-1))
    brk = jnp.clip(brk, r_top[:, None], r_low[:, None])
    brk = jnp.concatenate([r_top[:, None], brk, r_low[:, None]], axis=-1)
    r, wi = _panels(brk, _GLI)                                 # (NB, NI)
    v = (rho_s[:, None] - r) * (rho_s[:, None] + r) / (2.0 * t_s[:, None])
    x = jnp.exp(v)
    k0 = -jnp.expm1(-x)
    k1 = x * jnp.exp(-x)
    pa = jnp.exp(_log_phi(r - a))
    pb = jnp.exp(_log_phi(r + a))
    m_win = jnp.sum(wi * (pa + pb) * k0, axis=-1)
    b_win = jnp.sum(wi * (pa * (r + c) ** 2 + pb * (r - c) ** 2) * k1, axis=-1)
    m_tail, b_tail = _tail(r_low, t_s, a, c)
    m_smooth = jnp.exp(_log_folded_cdf(r_top, a)) + m_win + m_tail
    b_smooth = (b_win + b_tail) * rho_s / t_s
    m = jnp.where(sharp, jnp.exp(_log_folded_cdf(rho, a)), m_smooth)
    brho = jnp.where(sharp, _step_integrand(rho, a, c), b_smooth)
    return jnp.sum(wr * k * brho * _pow_km1(k, m))


# ρ-panel budgets of the hard side: each point runs the smallest branch that holds all of its
# positive-width panels (on the moderate domain about half the points need only four)
_HARD_BUDGETS = (4, 12, len(_MIN_LOG_SURVIVAL) + len(_LAM_OFFSETS) + 1)


def _delta(k, t, b, a, live=True):
    """δ/s² at scalar (k, t, b, a); see the module docstring. ``live = False`` skips the point
    (returns 0; at no cost on CPU, panel placement included): quadrature rules use it for
    nodes of zero weight."""
    return jax.lax.cond(live, _delta_point, lambda k, t, b, a: jnp.zeros_like(t), k, t, b, a)


def _delta_point(k, t, b, a):
    flip = a < 0
    a, b = jnp.where(flip, -a, a), jnp.where(flip, -b, b)
    c = b - a
    t_inf = jnp.isinf(t)
    t_pos = t > 0
    t_c = jnp.where(t_inf, 1.0, jnp.minimum(t, 1e30))
    t_soft = jnp.where(t_pos, t_c, 1.0)
    edges = _hard_edges(k, t_c, a)
    used = jnp.sum(jax.lax.stop_gradient(jnp.diff(edges)) > 0.0)
    # branch 0: t = 0 (best-of-k: the step limit only, no soft side); then by panel budget
    branch = jnp.where(t_pos, 1 + jnp.searchsorted(jnp.asarray(_HARD_BUDGETS[:-1]), used), 0)

    def positive(n):
        return lambda e: (_hard_side(k, t_c, a, c, _compact(e, n))
                          + _soft_side(k, t_soft, a, c, _LAMBDA0))

    out = jax.lax.switch(branch, [lambda e: _step_side(k, a, c, e)]
                         + [positive(n) for n in _HARD_BUDGETS], edges)
    return jnp.where(t_inf, 1.0 + b * b, out)


_SMALL, _BLOCK = 8, 32   # padded sizes of the compiled point-by-point blocks (two shapes)
_CHUNK = 256             # vectorised block on accelerators: bounds memory whatever the input size
_delta_map = jax.jit(lambda *p: jax.lax.map(lambda q: _delta(*q), p))
_delta_vmap = jax.jit(jax.vmap(_delta))


def _delta_vec(k, t, b, a, live=None):
    """Broadcast (k, t, b, a) and evaluate `_delta` at every point (0 where ``live`` is False).

    On CPU points are evaluated one at a time (`lax.map`), so each runs only its own branch of
    the hard side and memory stays that of one point; concrete inputs are cut into padded blocks
    of `_BLOCK` points (or one of `_SMALL`) spread over a thread pool (`_parallel.map_blocks`).
    Traced inputs (inside the caller's jit/grad) map directly. Under the caller's `vmap`, or on
    an accelerator (vectorised blocks of `_CHUNK`), every branch is evaluated (JAX turns a
    batched switch into a select): same numbers, more work per point.
    """
    if live is None:
        live = jnp.ones((), bool)
    k, t, b, a, live = jnp.broadcast_arrays(k, t, b, a, live)
    shape = k.shape
    flat = [x.reshape(-1) for x in (k, t, b, a, live)]
    n = flat[0].size
    if n == 0:
        return jnp.zeros(shape)
    seq = on_cpu()
    if any(isinstance(x, jax.core.Tracer) for x in flat):
        batch = None if seq else _CHUNK
        return jax.lax.map(lambda p: _delta(*p), tuple(flat), batch_size=batch).reshape(shape)
    if seq:
        return map_blocks(_delta_map, flat, _SMALL if n <= _SMALL else _BLOCK).reshape(shape)
    return map_blocks(_delta_vmap, flat, _CHUNK).reshape(shape)


def selection_error_normalized(k, t, b, a, *, where=None):
    """δ/s² as a function of (k, t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s).

    Jittable core without validation (broadcasts; float64). See the module docstring for the
    formula (Halder & Pehlevan, arXiv 2512.19905, THEORY §4). t = 0 is exact best-of-k,
    t = ∞ gives 1 + b². ``where`` (optional boolean, broadcast): points where it is False are
    not evaluated and give 0 (quadrature rules pass their zero-weight nodes this way).
    """
    k, t, b, a = (jnp.asarray(v, dtype=jnp.float64) for v in (k, t, b, a))
    return _delta_vec(k, t, b, a, where)


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

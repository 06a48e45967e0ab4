"""Best-of-k with per-candidate score noise (docs/theory.md §10), in normalised units.

A candidate is z ~ N(a, 1) (z = (y − μ_R)/s) and the judge scores it S = −z² + νξ with
ξ ~ N(0, 1) of its own (ν = √(score variance)/s²: noise on the mean of m calls' scores, in
units of s²). Best-of-k keeps the candidate of highest score. With y = P(S > u) the survival
of one candidate's score, the winner's score U* has P(U* ≤ u) = (1 − y(u))^k, so

    E[g(z*)] = ∫₀¹ k (1 − y)^{k−1} m_g(u(y)) dy,    m_g(u) = E[g(z) | S = u]
             = ∫₀¹ k (1 − y)^{k−1} E_z[g(z) φ((u + z²)/ν)] / E_z[φ((u + z²)/ν)] dy,

where u(y) solves P(S > u) = E_z[Φ̄((u + z²)/ν)] = y. m_g is smooth in y away from the points
where ±√(−u) crosses a jump of g, and at y → 1 it grows like log(1/(1 − y)); so y ≤ 1/2 is
integrated in log y and y ≥ 1/2 in log(1 − y), on composite Gauss–Legendre panels of width
1/2, cut at 1e−17/k and (1e−17)^{1/k} (the mass left out is below 1e−16), with panels graded
towards the jumps of g. The z-expectations are Gauss–Legendre rules on panels of the Gaussian,
graded towards z = ±√(−u), where φ((u + z²)/ν) peaks with width ν/(2√(−u)); u(y) is found by
Newton's method on log P(S > u), safeguarded by bisection.

The softmax at normalised temperature t is best-of-k with a standard Gumbel of scale τ = 2t
added to each score (the Gumbel-max identity), so the same route computes it with the noise
νξ + τG: the Gumbel enters in closed form and ξ on a Gauss–Hermite rule, which is accurate
where the Gumbel is the wider of the two (ν ≤ π τ/√6; the public functions refuse the rest).

Limits (tests/test_judge.py): ν → 0 gives the noiseless best-of-k, ν → ∞ a uniform pick,
k = 1 the prior mean E[g(z)]; against Monte Carlo elsewhere.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from scipy.special import log_ndtr, ndtr

from . import _config  # noqa: F401  (float64)
from ._kernel import gauss_legendre
from ._validate import is_concrete
from .judge import step_centre_rules

__all__ = ["best_of_k_with_score_noise", "score_noise_best_of_k"]

_CUT = 1e-17            # mass of y (or of 1 − y, per k) left out at each end
_PANEL = 0.5            # panel width in log y and log(1 − y)
_NODES = 8              # Gauss–Legendre nodes per panel in y
_Z_NODES = 12           # Gauss–Legendre nodes per panel in z (8 leaves 4e-7 at small T)
_NEWTON = 16            # at most this many safeguarded Newton steps for u(y), from the grid
_GRID = 96              # u-grid per point that brackets the roots
_GRADING = 4.0 ** -np.arange(0, 14)   # panels graded towards a jump of g, in units of _PANEL
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_DEEP = 4.0 ** -np.arange(10, 27)      # z-panel levels below step_centre_rules' finest
_INNER = 24             # Gauss–Hermite nodes in ξ when both noises are present
_GUMBEL_SD = math.pi / math.sqrt(6.0)
_CHUNK = 20_000         # z-nodes per block of the inner rule


def _z_rules(u, a, width, extra=None):
    """Flat (z, weight, owner): E_z[·], z ~ N(a, 1), for each row, graded towards ±√(−u)
    (``width``: the scale of the score noise's density)."""
    r = np.sqrt(np.maximum(-u, 0.0))
    steps = np.stack([r - a, -r - a], axis=1)
    finest = 0.25 * width / (2.0 * np.maximum(r, np.sqrt(width)))
    # step_centre_rules grades down to 4^-9; a sharper peak (small ν) gets deeper levels
    deep = np.where(_DEEP[None, :] >= finest[:, None], _DEEP[None, :], 0.0)
    more = (steps[:, :, None] + np.concatenate([deep, -deep], axis=1)[:, None, :]).reshape(
        u.size, -1)
    if extra is not None:
        more = np.concatenate([more, extra - a[:, None]], axis=1)
    e, w, owner = step_centre_rules(np.ones_like(u), steps, finest=finest, nodes=_Z_NODES,
                                    extra=more)
    return a[owner] + e, w, owner


def _segment_logsumexp(values, owner, n):
    top = np.full(n, -np.inf)
    np.maximum.at(top, owner, values)
    top = np.where(np.isfinite(top), top, 0.0)
    return top, np.bincount(owner, weights=np.exp(values - top[owner]), minlength=n)


def _gaussian_terms(x, lower):
    """log Φ̄(x) (log Φ(x) where ``lower``) and log φ(x)."""
    return log_ndtr(np.where(lower, x, -x)), -0.5 * x * x - _LOG_SQRT_2PI


def _gumbel_terms(x, lower):
    """log P(G > x) (log P(G ≤ x) where ``lower``) and the log density, G standard Gumbel."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    near = np.exp(-np.clip(x, -700.0, 30.0))        # the branch for x ≤ 30, kept finite
    upper = np.where(x > 30.0, -x - 0.5 * e, np.log(-np.expm1(-near)))
    return np.where(lower, -e, upper), -x - e


def _inner_rule():
    """Gauss–Hermite nodes and log weights for ξ ~ N(0, 1)."""
    x, w = np.polynomial.hermite_e.hermegauss(_INNER)
    return x, np.log(w / math.sqrt(2.0 * math.pi))


def _noise_terms(v, nu, tau, lower):
    """log P(ε > v) (log P(ε ≤ v) where ``lower``) and log f_ε(v) for ε = νξ + τG (ξ standard
    normal, G standard Gumbel; τ = 0: Gaussian, ν = 0: Gumbel), flat arrays. With both (the
    caller ensures ν ≤ π τ/√6), ξ is integrated on a Gauss–Hermite rule and the Gumbel enters
    in closed form (its exponential upper tail exactly)."""
    tail, dens = np.empty(v.shape), np.empty(v.shape)
    gauss, gumbel = tau == 0.0, nu == 0.0
    both = ~gauss & ~gumbel
    for sel, scale, terms in ((gauss, nu, _gaussian_terms), (gumbel, tau, _gumbel_terms)):
        i = np.flatnonzero(sel)
        if i.size:
            x = v[i] / scale[i]
            tail[i], dens[i] = terms(x, lower[i])
            dens[i] -= np.log(scale[i])
    i = np.flatnonzero(both)
    if i.size:              # the Gumbel is the wider noise (ν ≤ π τ/√6): ξ on the inner rule
        xi, lw_xi = _inner_rule()
        for c in range(0, i.size, _CHUNK):
            j = i[c:c + _CHUNK]
            x = (v[j][:, None] - nu[j][:, None] * xi[None, :]) / tau[j][:, None]
            t, d = _gumbel_terms(x, lower[j][:, None])
            tail[j] = _logsumexp_rows(t + lw_xi[None, :])
            dens[j] = _logsumexp_rows(d + lw_xi[None, :]) - np.log(tau[j])
    return tail, dens


def _logsumexp_rows(x):
    """log Σ exp(x) along rows (−inf where every term is 0)."""
    top = np.max(x, axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return top + np.log(np.sum(np.exp(x - top[:, None]), axis=1))


def _width(nu, tau):
    return np.sqrt(nu * nu + (_GUMBEL_SD * tau) ** 2)


def _log_tail(u, a, nu, tau, lower):
    """log P(S > u) (log P(S ≤ u) where ``lower``) per row, and its derivative in u (both
    sums in logs: far in a tail the terms span hundreds of orders of magnitude)."""
    z, w, owner = _z_rules(u, a, _width(nu, tau))
    tail, dens = _noise_terms(u[owner] + z * z, nu[owner], tau[owner], lower[owner])
    lw = np.log(w)
    top, total = _segment_logsumexp(lw + tail, owner, u.size)
    top_d, total_d = _segment_logsumexp(lw + dens, owner, u.size)
    with np.errstate(divide="ignore", invalid="ignore"):    # a tail or density of 0: −inf
        value = top + np.log(total)
        log_slope = top_d + np.log(total_d) - value
    slope = np.exp(np.minimum(log_slope, 700.0))
    return value, np.where(lower, slope, -slope)


def _quantiles(log_y, log_1my, a, nu, tau, owner):
    """u with P(S > u) = y, per row: from log y where y ≤ 1/2, else from log(1 − y) (the
    lower tail, where 1 − y is not resolved by y). Each point's two tails are first tabulated
    on a grid of u (dense where −z² puts its mass), which brackets every row's root and gives
    its start by interpolation; safeguarded Newton steps finish."""
    a_p, nu_p, tau_p = a, nu, tau
    w_p = _width(nu_p, tau_p)
    n = a_p.size
    v = np.linspace(0.0, 1.0, _GRID)[None, :] * (np.abs(a_p) + 12.0)[:, None]
    grid = np.concatenate([-(v[:, ::-1] ** 2) - 12.0 * w_p[:, None] * np.linspace(
        1.0, 0.0, _GRID)[None, :], w_p[:, None] * np.linspace(0.0, 9.0, _GRID // 4 + 1)[
        None, 1:]], axis=1)                                           # [n, G], increasing
    if np.any(tau_p > 0):     # a Gumbel tail is exponential: reach e^{−45} above the mode
        grid = np.concatenate([grid, (45.0 * tau_p + 9.0 * nu_p)[:, None]
                               * np.linspace(0.25, 1.0, _GRID // 4)[None, :]], axis=1)
        grid = np.sort(grid, axis=1)
    g = grid.shape[1]
    flat = grid.ravel()
    rep = np.repeat(np.arange(n), g)
    up, _ = _log_tail(flat, a_p[rep], nu_p[rep], tau_p[rep], np.zeros(flat.size, bool))
    down, _ = _log_tail(flat, a_p[rep], nu_p[rep], tau_p[rep], np.ones(flat.size, bool))
    up, down = up.reshape(n, g), down.reshape(n, g)
    lower = log_y > math.log(0.5)
    target = np.where(lower, log_1my, log_y)
    # tail values at the grid: increasing in u for the lower tail, decreasing for the upper
    table = np.where(lower[:, None], down[owner], -up[owner])
    goal = np.where(lower, target, -target)
    j = np.clip(np.sum(table < goal[:, None], axis=1), 1, g - 1)     # table[j-1] < goal ≤ table[j]
    rows = np.arange(owner.size)
    lo, hi = grid[owner, j - 1], grid[owner, j]
    f_lo, f_hi = table[rows, j - 1], table[rows, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip((goal - f_lo) / (f_hi - f_lo), 0.0, 1.0)
    x = np.where(np.isfinite(frac), lo + frac * (hi - lo), 0.5 * (lo + hi))
    a, nu, tau = a_p[owner], nu_p[owner], tau_p[owner]
    for _ in range(_NEWTON):
        value, slope = _log_tail(x, a, nu, tau, lower)
        above = value > target
        move_down = np.where(lower, above, ~above)
        lo, hi = np.where(move_down, lo, x), np.where(move_down, x, hi)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = x - (value - target) / slope
        done = np.abs(value - target) <= 1e-14 * np.maximum(1.0, np.abs(target))
        if done.all():
            break
        x = np.where(done, x, np.where((step >= lo) & (step <= hi), step, 0.5 * (lo + hi)))
    return x


def _graded_edges(lo, hi, breaks):
    """Panel edges [N, E] on [lo, hi]: uniform of width ≤ _PANEL, plus edges graded towards
    each break (NaN: none); repeated edges give empty panels."""
    count = int(np.ceil(np.max(hi - lo) / _PANEL))
    frac = np.linspace(0.0, 1.0, count + 1)
    edges = [lo[:, None] + (hi - lo)[:, None] * frac[None, :]]
    for b in breaks:
        near = b[:, None] + _PANEL * np.concatenate([_GRADING, -_GRADING, [0.0]])[None, :]
        edges.append(np.where(np.isfinite(near), near, lo[:, None]))
    edges = np.sort(np.clip(np.concatenate(edges, axis=1), lo[:, None], hi[:, None]), axis=1)
    return edges


def _panel_nodes(edges):
    """Flat (nodes, weights, owner) of composite Gauss–Legendre on each row's edges."""
    width = np.diff(edges, axis=1)
    row, panel = np.nonzero(width > 0)
    x, w = gauss_legendre(_NODES)
    left, span = edges[row, panel][:, None], width[row, panel][:, None]
    return ((left + span * x[None, :]).ravel(), (span * w[None, :]).ravel(),
            np.repeat(row, _NODES))


def best_of_k_with_score_noise(k, b, a, nu, eta=None, tau=None):
    """δ/s² = E[(z* + b − a)²] (``eta`` None) or the accuracy P(|z* + b − a| < η) of best-of-k
    with per-candidate score noise ν > 0 (module docstring); flat NumPy arrays [N], k ≥ 1.
    ``tau`` [N] ≥ 0: the softmax at normalised temperature t = τ/2, as best-of-k with a
    Gumbel of scale τ added to each score (None: 0).
    """
    k, b, a, nu = (np.asarray(x, np.float64).ravel() for x in (k, b, a, nu))
    n = k.size
    tau = np.zeros(n) if tau is None else np.asarray(tau, np.float64).ravel()
    ends = None
    breaks_t, breaks_s = [], []
    if eta is not None:
        eta = np.asarray(eta, np.float64).ravel()
        ends = np.stack([a - b - eta, a - b + eta], axis=1)        # the window in z
        for c in ends.T:                                           # m_g jumps at u = −c²
            log_y, _ = _log_tail(-c * c, a, nu, tau, np.zeros(n, bool))
            lower = log_y <= math.log(0.5)
            breaks_t.append(np.where(lower, log_y, np.nan))
            breaks_s.append(np.where(lower, np.nan, np.log(-np.expm1(np.minimum(log_y,
                                                                                 -1e-300)))))
    half = np.full(n, math.log(0.5))
    # y ≤ 1/2 in t = log y: dy = y dt
    t, wt, ot = _panel_nodes(_graded_edges(np.log(_CUT / k), half, breaks_t))
    y = np.exp(t)
    weight_t = wt * k[ot] * np.exp((k[ot] - 1.0) * np.log1p(-y)) * y
    # y ≥ 1/2 in s = log(1 − y): |dy| = (1 − y) ds
    s, ws, os_ = _panel_nodes(_graded_edges(np.maximum(math.log(_CUT) / k, -745.0), half,
                                            breaks_s))
    weight_s = ws * k[os_] * np.exp(k[os_] * s)
    log_y = np.concatenate([t, np.log1p(-np.exp(s))])
    log_1my = np.concatenate([np.log1p(-y), s])
    weight = np.concatenate([weight_t, weight_s])
    owner = np.concatenate([ot, os_])
    u = _quantiles(log_y, log_1my, a, nu, tau, owner)
    z, wz, row = _z_rules(u, a[owner], _width(nu, tau)[owner],
                          None if ends is None else ends[owner])
    _, dens = _noise_terms(u[row] + z * z, nu[owner][row], tau[owner][row],
                           np.zeros(z.size, bool))
    lw = np.log(wz) + dens
    top, total = _segment_logsumexp(lw, row, u.size)
    p = np.exp(lw - top[row])
    if eta is None:
        g = (z + (b - a)[owner][row]) ** 2
    else:
        g = (np.abs(z + (b - a)[owner][row]) < eta[owner][row]).astype(np.float64)
    conditional = np.bincount(row, weights=p * g, minlength=u.size) / np.bincount(
        row, weights=p, minlength=u.size)
    return np.bincount(owner, weights=weight * conditional, minlength=n)


def score_noise_best_of_k(k, t, b, a, nu, eta=None):
    """`best_of_k_with_score_noise` for the public functions: broadcasts concrete arrays, and
    refuses traced values; ``t`` = T/(2s²) (∞: a uniform pick).
    Returns a jax array of the broadcast shape."""
    values = [k, t, b, a, nu] + ([] if eta is None else [eta])
    if not all(is_concrete(v) for v in values):
        raise ValueError("judge: best-of-k with per-candidate score noise is computed on "
                         "concrete values (its quadrature is built per point), not under jit, "
                         "vmap or grad")
    arrays = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in values))
    shape = arrays[0].shape
    k, t, b, a, nu = (x.ravel() for x in arrays[:5])
    uniform = np.isinf(t)                      # T = ∞: a uniform pick, blind to the scores
    if np.any((t > 0) & ~uniform & (nu > _GUMBEL_SD * 2.0 * t)):
        raise ValueError("judge: a softmax judge (T > 0) with score noise is computed exactly "
                         "only where the noise on the mean score is at most π/√6 · T (in the "
                         "reward's units); use solvable.simulate, or T = 0")
    eta = None if eta is None else arrays[5].ravel()
    if eta is None:
        out = 1.0 + b * b
    else:
        out = ndtr(eta - b) - ndtr(-eta - b)
    judged = np.flatnonzero(~uniform)
    if judged.size:
        out[judged] = best_of_k_with_score_noise(k[judged], b[judged], a[judged], nu[judged],
                                                 None if eta is None else eta[judged],
                                                 tau=2.0 * t[judged])
    return jnp.asarray(np.clip(out, 0.0, None if eta is None else 1.0).reshape(shape))

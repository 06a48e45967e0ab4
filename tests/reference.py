"""Slow, independent reference for the pointwise selection error (docs/theory.md §3).

Shares no code with `solvable.selection`. Normalised units (s = 1): z = y − μ_R ~ N(a, 1),
t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s. Halder & Pehlevan, arXiv 2512.19905.

* T = 0: the best-of-k integral of docs/theory.md §3,
  ∫₀^∞ k G(r)^{k−1}[φ(r − a)(r + b − a)² + φ(r + a)(r − b + a)²] dr,
  with G(r) = P(|z| > r) in mpmath (30 digits) and mpmath tanh-sinh quadrature on panels cut at
  quantiles of min |z|.
* T > 0: the Laplace form δ = k ∫₀^∞ E[f w e^{−uw}] A(u)^{k−1} du, written in λ = ln u as
  ∫ k E[f x e^{−x}] A^{k−1} dλ (x = e^λ w). Outer: adaptive scipy `quad` (epsrel 1e-12) in λ
  below 0 and in ρ = √(2tλ) above 0, with breakpoints at quantiles of min |z| and of the
  exponential-race minimum. Inner: the full real z-line (not folded), cut at the radii where
  v = ln x takes graded values in [−52, 7] (the transition of e^{−x} has width ~t/|z| in z, so
  at small t and large |a| it must be a panel edge: without them an adaptive rule started on a
  long panel never sees the window x ∈ (e², e⁷) and δ came out low by e^{−e²} = 6.2e-4, e.g.
  33.26832 instead of 33.28887 at (k, t, b, a) = (50, 1e-3, 8, 8)), at graded multiples of the
  tilted width around a t/(1+t), and around a. Every panel is then smooth and gets a 48-point
  Gauss–Legendre rule (`_inner_gl`, the default); `_inner` does the same panels with adaptive
  `quad` (epsrel 1e-13), slow, and agrees with it to ~1e-12 (tests/test_selection.py, slow).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
from scipy import integrate, optimize, special

_DPS = 30  # local mpmath precision (a context, so the global mpmath state is untouched)


def _folded_cdf_mp(r, a):
    with mp.workdps(_DPS):
        r, a = mp.mpf(r), mp.mpf(a)
        return +(mp.ncdf(r - a) - mp.ncdf(-r - a))


@mp.workdps(_DPS)
def _best_of_k_mp(k, b, a):
    k, b, a = mp.mpf(k), mp.mpf(b), mp.mpf(a)
    c = b - a

    def integrand(r):
        g = 1 - _folded_cdf_mp(r, a)
        dens = mp.npdf(r - a) * (r + c) ** 2 + mp.npdf(r + a) * (r - c) ** 2
        return k * g ** (k - 1) * dens

    # breakpoints: quantiles of min|z| (P(min > r) = s) and of |z| itself
    pts = {mp.mpf(0)}
    for s in (0.999, 0.9, 0.5, 0.1, 1e-3, 1e-8, 1e-16):
        target = -mp.expm1(mp.log(s) / k)
        lo, hi = mp.mpf(0), abs(a) + 12
        for _ in range(100):
            mid = (lo + hi) / 2
            if _folded_cdf_mp(mid, a) < target:
                lo = mid
            else:
                hi = mid
        pts.add(lo)
    upper = abs(a) + 12
    pts.update(mp.mpf(x) for x in (abs(a) - 3, abs(a), abs(a) + 3, upper) if 0 < x <= upper)
    pts = sorted(p for p in pts if p <= upper)
    return float(mp.quad(integrand, pts, maxdegree=10))


_V_LEVELS = (7.0, 5.0, 3.5, 2.5, 1.5, 0.75, 0.0, -0.75, -1.5, -2.5, -4.0, -6.0, -9.0, -13.0,
             -19.0, -27.0, -38.0, -52.0)
_SD_LEVELS = (-12.0, -7.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 7.0, 12.0)


def _inner_edges(lam, t, a):
    """Panel edges on the z-line: the transition of e^{−x} at graded v = ln x (its width in z is
    ~t/|z|, so at small t and large |a| an adaptive rule started on a long panel never sees it),
    the tilted Gaussian (centre a t/(1+t), width √(t/(1+t))) and the sampling Gaussian N(a, 1)."""
    lo, hi = min(-abs(a), 0.0) - 13.0, max(abs(a), 0.0) + 13.0
    sd, mt = math.sqrt(t / (1 + t)), a * t / (1 + t)
    pts = {0.0, a - 4.0, a - 2.0, a - 1.0, a, a + 1.0, a + 2.0, a + 4.0}
    pts.update(mt + d * sd for d in _SD_LEVELS)
    for v in _V_LEVELS:
        if lam - v > 0:
            r = math.sqrt(2 * t * (lam - v))
            pts.update((r, -r))
    pts = sorted(p for p in pts if lo < p < hi)
    return [lo] + pts + [hi]


def _inner(lam, t, b, a):
    """(1 − A, B) at λ: E[−expm1(−x)] and E[(z + b − a)² x e^{−x}], z ~ N(a, 1)."""
    c = b - a

    def logx(z):
        return lam - z * z / (2 * t)

    def one_minus_a(z):
        return -math.expm1(-math.exp(min(logx(z), 700.0))) * math.exp(-0.5 * (z - a) ** 2)

    def bfun(z):
        lx = logx(z)
        if lx > 8.0:  # x e^{−x} < e^{8 − e^8}
            return 0.0
        x = math.exp(lx)
        return (z + c) ** 2 * math.exp(lx - x - 0.5 * (z - a) ** 2)

    edges = _inner_edges(lam, t, a)
    s0 = bb = 0.0
    for e0, e1 in zip(edges[:-1], edges[1:]):
        s0 += integrate.quad(one_minus_a, e0, e1, epsabs=0, epsrel=_INNER_EPS, limit=200)[0]
        bb += integrate.quad(bfun, e0, e1, epsabs=0, epsrel=_INNER_EPS, limit=200)[0]
    norm = math.sqrt(2 * math.pi)
    return s0 / norm, bb / norm


_INNER_EPS = 1e-13
_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)


def _inner_gl(lam, t, b, a):
    """Same as `_inner` with a 48-point Gauss–Legendre rule on every panel (vectorised; each
    panel is smooth by construction of `_inner_edges`). Checked against `_inner` in the tests."""
    e = np.asarray(_inner_edges(lam, t, a))
    half = 0.5 * (e[1:] - e[:-1])
    z = (0.5 * (e[1:] + e[:-1]))[:, None] + half[:, None] * _GL_X
    wz = half[:, None] * _GL_W
    lx = lam - z * z / (2 * t)
    x = np.exp(np.minimum(lx, 700.0))
    dens = np.exp(-0.5 * (z - a) ** 2) / math.sqrt(2 * math.pi)
    s0 = np.sum(wz * -np.expm1(-x) * dens)
    bb = np.sum(wz * (z + b - a) ** 2 * np.exp(np.minimum(lx, 700.0) - x) * dens)
    return float(s0), float(bb)


_INNER = _inner_gl


def _softmax_quad(k, t, b, a):
    def dens_lam(lam):
        s0, bb = _INNER(lam, t, b, a)
        if s0 >= 1.0:
            return 0.0
        return k * bb * math.exp((k - 1) * math.log1p(-s0))

    # tilted weight mass E[w] and the race's typical location
    sig2 = t / (1 + t)
    log_w = 0.5 * math.log(sig2) - a * a / (2 * (1 + t))
    lam_c = -(math.log(k) + log_w)
    total = 0.0
    if lam_c < 0:  # λ < 0 side matters
        lam_lo = lam_c - 45.0
        pts = [lam_c + d for d in (-20, -8, -3, 0, 2, 4) if lam_c + d < 0]
        edges = [lam_lo] + pts + [0.0]
    else:
        edges = [-45.0, -20.0, -8.0, -3.0, 0.0]
    for e0, e1 in zip(edges[:-1], edges[1:]):
        total += integrate.quad(dens_lam, e0, e1, epsabs=0, epsrel=1e-12, limit=200)[0]

    # λ > 0 side in ρ = √(2tλ); breakpoints at min|z| quantiles and at a few λ
    rho_max = math.sqrt((abs(a) + 11.0) ** 2 + 12.0 * t)
    pts = set()
    for s in (0.999, 0.9, 0.5, 0.1, 1e-3, 1e-8):
        target = -math.expm1(math.log(s) / k)
        f = lambda r: float(_folded_cdf_mp(r, a)) - target  # noqa: E731
        if f(rho_max) > 0:
            pts.add(optimize.brentq(f, 0.0, rho_max, xtol=1e-14))
    pts.update(math.sqrt(2 * t * lam) for lam in (0.3, 1.0, 3.0, 8.0))
    pts = sorted(p for p in pts if 0 < p < rho_max)
    edges = [0.0] + pts + [rho_max]

    def dens_rho(rho):
        return dens_lam(rho * rho / (2 * t)) * rho / t

    for e0, e1 in zip(edges[:-1], edges[1:]):
        total += integrate.quad(dens_rho, e0, e1, epsabs=0, epsrel=1e-12, limit=200)[0]
    return total


def reference_normalized(k, t, b, a):
    """δ/s² at (k, t, b, a) by an independent slow route (float)."""
    k, t, b, a = float(k), float(t), float(b), float(a)
    if math.isinf(t) or k == 1.0:
        return 1.0 + b * b
    if t == 0.0:
        return _best_of_k_mp(k, b, a)
    return _softmax_quad(k, t, b, a)


def reference(k, temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """δ in physical units by the slow route."""
    s = float(std)
    return s * s * reference_normalized(
        k, float(temperature) / (2 * s * s), (mean - teacher) / s, (mean - reward) / s
    )


def monte_carlo(k, temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0, n=200_000, seed=0):
    """Plain Monte Carlo of E[Σ p_i (y_i − μ_T)²]: (estimate, standard error). Integer k."""
    rng = np.random.default_rng(seed)
    k = int(k)
    y = mean + std * rng.standard_normal((n, k))
    r = -((y - reward) ** 2)
    if temperature == 0:
        idx = np.argmax(r, axis=1)
        err = (y[np.arange(n), idx] - teacher) ** 2
    else:
        p = special.softmax(r / temperature, axis=1)
        err = np.sum(p * (y - teacher) ** 2, axis=1)
    return float(err.mean()), float(err.std(ddof=1) / math.sqrt(n))

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


def _race_outer(k, t, a, dens_lam):
    """∫ dens_lam(λ) dλ over the real line: adaptive `quad` in λ below 0 and in ρ = √(2tλ)
    above, with breakpoints where the race (k draws) lives."""
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


def _softmax_quad(k, t, b, a):
    def dens_lam(lam):
        s0, bb = _INNER(lam, t, b, a)
        if s0 >= 1.0:
            return 0.0
        return k * bb * math.exp((k - 1) * math.log1p(-s0))

    return _race_outer(k, t, a, dens_lam)


def _moments_dt(lam, t, b, a):
    """(1 − A, E[f ψ g], E[f ψ x g], E[f g], E[ψ g]) at λ, g = x e^{−x}, ψ = z²/2 (the panels
    and 48-point rule of `_inner_gl`)."""
    e = np.asarray(_inner_edges(lam, t, a))
    half = 0.5 * (e[1:] - e[:-1])
    z = (0.5 * (e[1:] + e[:-1]))[:, None] + half[:, None] * _GL_X
    wz = half[:, None] * _GL_W * np.exp(-0.5 * (z - a) ** 2) / math.sqrt(2 * math.pi)
    lx = np.minimum(lam - z * z / (2 * t), 700.0)
    x = np.exp(lx)
    g, xg = np.exp(lx - x), np.exp(2.0 * lx - x)
    f, psi = (z + b - a) ** 2, 0.5 * z * z
    return tuple(float(np.sum(wz * h)) for h in (-np.expm1(-x), f * psi * g, f * psi * xg,
                                                  f * g, psi * g))


def dt_covariance(k, t, b, a):
    """∂δ/∂t (s = 1) from the softmax's derivative, ∂p_i/∂t = p_i(ψ_i − Σ_j p_j ψ_j)/t²
    (ψ = z²/2), without integration by parts: t² ∂δ/∂t = E[Σ p f ψ] − E[(Σ p f)(Σ p ψ)], the
    first term from 1/Z = ∫ e^{−uZ} du, the second from 1/Z² = ∫ u e^{−uZ} du:

        E[Σ p f ψ]          = ∫ k E[f ψ g] A^{k−1} dλ,
        E[(Σ p f)(Σ p ψ)]   = ∫ (k E[f ψ x g] A^{k−1} + k(k−1) E[f g] E[ψ g] A^{k−2}) dλ.

    The two terms nearly cancel where t is small (their difference is O(t²) of each), so this
    route is for t ≳ 0.05; the direct two-candidate integral covers small t at k = 2."""
    k, t, b, a = float(k), float(t), float(b), float(a)

    def dens_lam(lam):
        m, fpg, fpxg, fg, pg = _moments_dt(lam, t, b, a)
        if m >= 1.0:
            return 0.0
        la = math.log1p(-m)
        return (k * (fpg - fpxg) * math.exp((k - 1) * la)
                - k * (k - 1) * fg * pg * math.exp((k - 2) * la))

    return _race_outer(k, t, a, dens_lam) / (t * t)


def reference_normalized(k, t, b, a):
    """δ/s² at (k, t, b, a) by an independent slow route (float)."""
    k, t, b, a = float(k), float(t), float(b), float(a)
    if math.isinf(t) or k == 1.0:
        return 1.0 + b * b
    if t == 0.0:
        return _best_of_k_mp(k, b, a)
    return _softmax_quad(k, t, b, a)


# ∂δ/∂t at k = 2 by a direct double integral over the two candidates (no Laplace transform, no
# race): δ = 2 E[f(z₁) p₁] with p₁ = σ(u), u = (z₂² − z₁²)/(2t), σ the logistic function, so
#     ∂δ/∂t = E[f(z₁) σ(u) σ(−u) (z₁² − z₂²)] / t².
# Inner integral over r = |z₂| (both signs of z₂), on panels cut at the radii of graded u (the
# window σ(u)σ(−u) is ~t/|z₁| wide in r) and around a; outer over z₁, cut around a and, on the
# scale √t, around 0 (where the window reaches r = 0). Gauss–Legendre on every panel.
_U_LEVELS = np.array([-70.0, -45.0, -28.0, -16.0, -9.0, -5.0, -2.5, -1.0, 0.0, 1.0, 2.5, 5.0,
                      9.0, 16.0, 28.0, 45.0, 70.0])
_DT_OFFSETS = np.array([-12.0, -8.0, -5.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0,
                        5.0, 8.0, 12.0])


def _gl_panels(edges, n):
    x, w = np.polynomial.legendre.leggauss(n)
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]
    nodes = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
    weights = 0.5 * (hi - lo) * w
    return nodes.reshape(edges.shape[:-1] + (-1,)), weights.reshape(edges.shape[:-1] + (-1,))


def dt_two_candidates(t, b, a, nodes=40):
    """∂δ/∂t (s = 1) at k = 2 and t > 0 by the direct double integral above (float)."""
    t, b, a = float(t), float(b), float(a)
    c = b - a
    near0 = np.sqrt(2.0 * t * np.array([0.5, 2.0, 8.0, 30.0, 100.0]))
    z_edges = np.concatenate([a + _DT_OFFSETS, near0, -near0, [0.0]])
    z_edges = np.unique(np.clip(z_edges, a - 12.0, a + 12.0))
    z1, w1 = _gl_panels(z_edges, nodes)
    s1 = z1[:, None] ** 2
    r_u = np.sqrt(np.maximum(s1 + 2.0 * t * _U_LEVELS, 0.0))
    r_a = np.broadcast_to(np.maximum(abs(a) + _DT_OFFSETS, 0.0), (len(z1), len(_DT_OFFSETS)))
    r_top = r_u[:, -1:]
    r_edges = np.sort(np.concatenate([np.zeros((len(z1), 1)), r_u, np.minimum(r_a, r_top)], 1), 1)
    r, wr = _gl_panels(r_edges, nodes)
    u = (r * r - s1) / (2.0 * t)
    window = 0.25 / np.cosh(np.minimum(np.abs(u), 700.0) / 2.0) ** 2     # σ(u)σ(−u)
    dens = (np.exp(-0.5 * (r - a) ** 2) + np.exp(-0.5 * (r + a) ** 2)) / math.sqrt(2 * math.pi)
    inner = np.sum(wr * dens * window * (-2.0 * t * u), axis=1)        # E_{z₂}[σσ (z₁² − z₂²)]
    outer = np.exp(-0.5 * (z1 - a) ** 2) / math.sqrt(2 * math.pi) * (z1 + c) ** 2 * inner
    return float(np.sum(w1 * outer) / (t * t))


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

"""Slow, independent reference for the judge's accuracy on discrete answers (docs/theory.md §6).

Shares no code with `solvable.answers` or `solvable.selection`; it uses a different form of
the integral. Normalised units: ζ = (y − μ_R)/s ~ N(a, 1), t = T/(2s²), the answer is correct
iff ζ ∈ J = (−c − η, −c + η), c = b − a. Exponential race: candidate i wins iff E_i/w_i is the
smallest clock (E_i ~ Exp(1), w = e^{−ζ²/(2t)}), so a candidate at radius r = |ζ| wins with
probability W(r)/k,

    W(r) = k ∫ e^{v − e^v} A(v + r²/(2t))^{k−1} dv,   A(λ) = E[exp(−e^λ w)],

and acc = Σ_± ∫_{r: ±r ∈ J} φ(±r − a) W(r) dr (an r-outer, clock-time-inner form; the module
integrates λ outside and ζ inside). A(λ) is `tests.reference._inner_gl` (48-point panels cut at
the window of e^{−x}), the v- and r-integrals are adaptive `scipy.integrate.quad`
(epsrel 1e-11). T = 0: acc = Σ_± ∫ k G(r)^{k−1} φ(±r − a) dr with G(r) = P(|ζ| > r) in mpmath
(30 digits), tanh-sinh on panels cut at quantiles of min |ζ|.
"""

from __future__ import annotations

import functools
import math

import mpmath as mp
from scipy import integrate

from tests.reference import _inner_gl

_EPS = 1e-11


def _branches(b, a, eta):
    c = b - a
    lo, hi = -c - eta, -c + eta
    return [(a, max(lo, 0.0), max(hi, 0.0)), (-a, max(-hi, 0.0), max(-lo, 0.0))]


@mp.workdps(30)
def best_of_k(k, b, a, eta):
    k, a_m = mp.mpf(k), mp.mpf(a)

    def g(r):
        return 1 - (mp.ncdf(r - a_m) - mp.ncdf(-r - a_m))

    qs = []
    for s in (0.999, 0.9, 0.5, 0.1, 1e-3, 1e-8, 1e-16):
        target = -mp.expm1(mp.log(s) / k)
        lo, hi = mp.mpf(0), abs(a_m) + 12
        for _ in range(90):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if 1 - g(mid) < target else (lo, mid)
        qs.append(lo)
    total = mp.mpf(0)
    for centre, lo, hi in _branches(b, a, eta):
        if hi <= lo:
            continue
        pts = sorted({mp.mpf(lo), mp.mpf(hi)} | {q for q in qs if lo < q < hi}
                     | {mp.mpf(centre + d) for d in (-3, -1, 0, 1, 3) if lo < centre + d < hi})
        total += mp.quad(lambda r: k * g(r) ** (k - 1) * mp.npdf(r - centre), pts, maxdegree=10)
    return float(total)


def softmax(k, t, b, a, eta):
    k, t, b, a, eta = (float(v) for v in (k, t, b, a, eta))

    @functools.lru_cache(maxsize=None)
    def log_a(lam):
        s0, _ = _inner_gl(lam, t, 0.0, a)
        return -math.inf if s0 >= 1.0 else math.log1p(-s0)

    log_ew = 0.5 * math.log(t / (1 + t)) - a * a / (2 * (1 + t))
    lam_c = -(math.log(k) + log_ew)   # where the race is decided (soft side)

    def w_of_r(r):
        base = r * r / (2 * t)

        def f(v):
            if v > 4.0:
                return 0.0
            la = log_a(v + base)
            return 0.0 if la == -math.inf else math.exp(v - math.exp(v) + (k - 1.0) * la)

        pts = sorted({-6.0, -2.0, 0.0, 1.5} | {lam_c - base + d for d in (-8.0, -3.0, 0.0, 3.0)
                                               if -60.0 < lam_c - base + d < 4.0})
        edges = [-60.0] + [p for p in pts if -60.0 < p < 4.0] + [4.0]
        return k * sum(integrate.quad(f, e0, e1, epsabs=1e-16, epsrel=_EPS, limit=200)[0]
                       for e0, e1 in zip(edges[:-1], edges[1:]))

    total = 0.0
    for centre, lo, hi in _branches(b, a, eta):
        if hi <= lo:
            continue
        pts = {lo, hi} | {centre + d for d in (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)}
        edges = sorted(p for p in pts if lo <= p <= hi)

        def g(r):
            return math.exp(-0.5 * (r - centre) ** 2) / math.sqrt(2 * math.pi) * w_of_r(r)

        total += sum(integrate.quad(g, e0, e1, epsabs=1e-15, epsrel=_EPS, limit=200)[0]
                     for e0, e1 in zip(edges[:-1], edges[1:]) if e1 > e0)
    return total


def reference(k, t, b, a, eta):
    """Accuracy at normalised (k, t, b, a, η) by the slow route."""
    if float(k) == 1.0 or math.isinf(float(t)):
        from scipy.stats import norm
        return float(norm.cdf(eta - b) - norm.cdf(-eta - b))
    if float(t) == 0.0:
        return best_of_k(k, b, a, eta)
    return softmax(k, t, b, a, eta)

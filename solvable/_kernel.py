"""Quadrature rule of the selection kernel δ/s² (docs/theory.md §3).

The integral it evaluates is stated in `solvable.selection`; the point scheduler
`solvable._schedule` runs each point through only the parts of this rule it needs. Names
here are public inside the package (this module is private to it).

Numerical design (fixed node counts, so the kernel vectorises and differentiates):

* the λ-axis is split at λ0 = 2. On the soft side λ ≤ λ0 (x ≤ e²) B and 1 − A are power
  series in e^λ whose coefficients are exact Gaussian moments E[w^n], E[f w^n] (`soft_series`);
  the outer λ-panels sit at fixed values of λ + ln(k E[w]) (the log of the expected number
  of clocks that have rung), where the race's Gumbel-like law lives;
* on the hard side λ > λ0 the variable is the switching radius ρ = √(2tλ) (where e^{−u w}
  turns off), with panels at quantiles of min_i |z_i| (the T = 0 race) and at a few values of
  λ. The inner integrals over r = |z| use Gauss–Legendre panels between the radii where
  v = ln x = (ρ² − r²)/(2t) takes graded values in [−12, ln 40], cut also at breakpoints
  around r = a where t ≥ 1 (there the v-panels are wide in r); r < r(v = ln 40) contributes
  the folded-normal CDF exactly (e^{−x} < e^{−40}) and r > r(v = −12) truncated-Gaussian
  moments in closed form (1 − e^{−x} = x − x²/2 and x e^{−x} = x − x² there, up to relative
  terms below e^{−24}). Where t/ρ² < 1e−12 the step is exact:
  1 − A = F(ρ) and B dλ/dρ = the best-of-k integrand, so T → 0 is continuous and T = 0 is the
  best-of-k formula itself;
* each point runs one branch (`solvable._schedule`): t = 0 the step integral alone; the soft
  side alone where a bound on the hard side (the race still running at λ0) is below 1e−12;
  otherwise both sides, with the smallest budget of ρ-panels that holds all of the point's
  positive-width panels. Points are sorted by branch and evaluated in vectorised blocks that
  each run one branch (`solvable._schedule`);
* 1 − A is accumulated directly and A^{k−1} = exp((k − 1) log1p(−(1 − A))), so large k keeps
  relative accuracy. Its closed-form pieces are folded-normal CDFs from `erfc`, accurate to
  about 1e−16 in absolute terms, which is what A^{k−1} needs (an error ε in 1 − A changes it
  by (k − 1)ε relatively); the tail's Mills ratios are combined with their prefactors in log
  space, so large offsets neither underflow nor overflow;
* panel edges are wrapped in ``stop_gradient`` (they only partition the axis; the one edge
  that moves with t, ρ0 = √(2 t λ0), keeps its derivative so the two sides stay joined), so the
  derivatives in k, b and a are the rule applied to the derivative of the integrand;
* ∂δ/∂t has a rule of its own (`soft_side_dt`, `hard_side_dt`; joined to the value by a
  custom JVP in `solvable._schedule`): differentiating the value's rule in t is not accurate
  where t is small, because δ(t) − δ(0) is O(t²) and falls below the value's own error (at
  (k, t, b, a) = (50, 1e−3, 8, 8) it is 3.6e−8 of δ, and finite differences of the value are
  0.7% off). The rule integrates the pair term

      ∂δ/∂t = (k(k − 1)/t) ∫ A^{k−2} C dλ,   C = ½ E_{z,z'}[g(v) g(v') (f − f')(v' − v)],

  with v = ln x and g(v) = x e^{−x}, which follows from ∂p_i/∂t = p_i(ψ_i − Σ_j p_j ψ_j)/t²
  (ψ = z²/2) and one integration by parts in the race variable. C vanishes when the two
  candidates tie in f, and every small difference in it is formed directly, so the derivative
  keeps its relative accuracy down to t → 0 (where it is O(t), or O(t log 1/t) where the race
  can finish near z = 0).


Accuracy against an independent slow reference (tests/reference.py) and Monte Carlo is
tested in tests/test_selection.py.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401  (float64)


LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
INV_SQRT2 = 1.0 / math.sqrt(2.0)
LAMBDA0 = 2.0            # split of the Laplace axis: λ = ln u ≤ λ0 soft side, > λ0 hard side
N_SERIES = 50            # terms of the soft side's power series in x = e^λ ≤ e^{λ0}
LOG_FACTORIAL = np.array([math.lgamma(n + 1.0) for n in range(N_SERIES + 1)])
MU_EDGES = np.array([-36.0, -22.0, -12.0, -6.0, -3.0, -1.0, 0.5, 2.0, 3.5, 5.0, 8.0])
HARD_NEGLIGIBLE = 1e-12  # the hard side is dropped where it is provably below this (`solvable._schedule`)
V_HI, V_LO = math.log(40.0), -12.0   # window of v = ln x resolved numerically
# below V_LO: (n, coefficient in 1 − e^{−x}, coefficient in x e^{−x}) of the terms x^n kept
TAIL_TERMS = ((1, 1.0, 1.0), (2, -0.5, -1.0))
SHARP = 1e-12            # t/ρ² below this: the step e^{−x} is exact (error O(t/ρ²))
# levels of log P(min_i |z_i| > ρ) (T = 0 race) at which the hard side's ρ-panels are cut; the
# last, e^{−27.6} = 1e−12, sets the end radius √(ρ² + 7t) (an extra level at −45 and end
# √(ρ² + 10t) change the values by at most 7e−11 relatively on 20,000 moderate points and
# 2.4e−9 on 20,000 extended points, at 10% more cost)
MIN_LOG_SURVIVAL = np.array([-1e-10, -1e-5, -0.01, -0.2, -0.9, -2.5, -6.0, -13.0, -27.6])
BISECT = 12              # bisection steps for the quantile radii (they only place panel edges)
LAM_OFFSETS = np.array([0.5, 1.5, 3.0, 6.0, 12.0, 25.0, 50.0, 100.0, 250.0, 1000.0])
T_SHARP_INNER = 1.0      # t below this: the inner r-panels follow v alone (no breakpoints at a)
# λ-offsets used: all where t < 0.1, those ≤ 12 where 0.1 ≤ t < 0.5, those ≤ 3 above
# (more leave the results on the reference points unchanged to 1e-10 there)
OFFSET_CUTS = ((0.1, 12.0), (0.5, 3.0))
V_EDGES = np.array([V_HI, 2.0, 0.5, -1.0, -3.0, -6.0, V_LO])
D_EDGES = np.array([-5.0, -2.5, -1.0, 1.0, 2.5, 5.0])   # inner breakpoints at a + these


def gauss_legendre(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return (x + 1.0) / 2.0, w / 2.0


GLA, GLB, GLI = gauss_legendre(10), gauss_legendre(6), gauss_legendre(8)  # soft-side λ, hard-side ρ, inner r panels


def panel_rule(edges, rule):
    """Nodes and weights of a composite rule on sorted `edges` (last axis)."""
    x, w = rule
    lo, hi = edges[..., :-1, None], edges[..., 1:, None]
    nodes = lo + (hi - lo) * x
    weights = (hi - lo) * w
    return nodes.reshape(nodes.shape[:-2] + (-1,)), weights.reshape(weights.shape[:-2] + (-1,))


def merge_sorted(x, y):
    """Sorted union (with repeats) of the sorted last axes of `x` and `y`.

    Each element's place is its rank (its index plus the number of elements of the other list
    before it), so no comparison sort runs (XLA's sort is slow on CPU for many short rows).
    """
    n, m = x.shape[-1], y.shape[-1]
    rank_x = jnp.arange(n) + jnp.sum(y[..., None, :] < x[..., :, None], axis=-1)
    rank_y = jnp.arange(m) + jnp.sum(x[..., None, :] <= y[..., :, None], axis=-1)
    rank = jnp.concatenate([rank_x, rank_y], axis=-1)
    values = jnp.concatenate([x, y], axis=-1)
    hit = rank[..., :, None] == jnp.arange(n + m)
    return jnp.sum(jnp.where(hit, values[..., :, None], 0.0), axis=-2)


def safe_sqrt(x):
    """√max(x, 0) with a finite derivative where x ≤ 0 (plain √ at 0 gives 0 · ∞ = NaN in grads)."""
    pos = x > 0.0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, x, 1.0)), 0.0)


def log_phi(x):
    return -0.5 * x * x - LOG_SQRT2PI


def folded_cdf(r, a):
    """F(r) = P(|z| ≤ r), z ~ N(a, 1), a ≥ 0, as ½[erfc((a − r)/√2) − erfc((a + r)/√2)].

    Accurate to about 1e−16 in absolute terms (all the rule needs: an error ε in 1 − A changes
    A^{k−1} by (k − 1)ε relatively). `lax.erfc` is a few exps; `log_ndtr` costs ten times more.
    """
    return 0.5 * (jax.lax.erfc((a - r) * INV_SQRT2) - jax.lax.erfc((a + r) * INV_SQRT2))


def log_min_survival(k, r, a):
    """log P(min_i |z_i| > r) = k log(1 − F(r)) for k draws (T = 0 race), a ≥ 0, r ≥ 0.

    1 − F is taken from its own erfc sum where F ≥ ½, so the upper quantiles keep their
    relative accuracy."""
    e_hi = jax.lax.erfc((r - a) * INV_SQRT2)                  # 2 Φ(a − r)
    e_lo = jax.lax.erfc((a + r) * INV_SQRT2)                  # 2 Φ(−a − r)
    f = 0.5 * (jax.lax.erfc((a - r) * INV_SQRT2) - e_lo)      # `folded_cdf`
    surv = 0.5 * (e_hi + e_lo)
    return k * jnp.where(f < 0.5, jnp.log1p(-jnp.minimum(f, 0.5)),
                         jnp.log(jnp.maximum(surv, 1e-300)))


def scaled_mills(alpha, log_pref):
    """e^{log_pref} Q(α)/φ(α) (Q the normal survival function), for log_pref ≤ 0.

    Up to α = 26 as e^{log_pref + α²/2} √(2π) erfc(α/√2)/2 (the exponent stays below 340
    where α ≥ 0; where α < 0, erfc ∈ (1, 2) and the exponential is within a factor 2 of the
    result itself), above it by the asymptotic series α^{−1}(1 − α^{−2} + 3α^{−4} − …) to the
    α^{−10} term (the next is below 1e−13 relatively). No logs: cheaper than a log-space form."""
    big = alpha > 26.0
    al = jnp.minimum(alpha, 26.0)
    exact = jnp.exp(log_pref + 0.5 * al * al + LOG_SQRT2PI) * (0.5 * jax.lax.erfc(al * INV_SQRT2))
    ab = jnp.maximum(alpha, 26.0)
    i2 = 1.0 / (ab * ab)
    poly = 1.0 + i2 * (-1.0 + i2 * (3.0 + i2 * (-15.0 + i2 * (105.0 - 945.0 * i2))))
    series = jnp.exp(log_pref) * poly / ab
    return jnp.where(big, series, exact)


def tail_moments(r_lo, t, a, c):
    """(M, B) contributions of r > r_lo, where x = e^{V_LO − (r² − r_lo²)/(2t)} ≤ e^{V_LO}:
    1 − e^{−x} = x − x²/2 and x e^{−x} = x − x², leaving out x³/6 and x³/2: relative errors
    below e^{2 V_LO}/2 ≈ 2e−11 of these tails.

    Term x^n of branch z = ±r (density φ(r ∓ a), error (±r + c)²): completing the square gives
    a truncated Gaussian of mean ±a t/(t+n), variance t/(t+n), prefactor e^{n V_LO} φ(r_lo ∓ a).
    """
    m_tot, b_tot = 0.0, 0.0
    for n, coef_m, coef_b in TAIL_TERMS:
        s2 = t / (t + n)
        s = jnp.sqrt(s2)
        for sign in (1.0, -1.0):
            m = sign * a * s2
            cc = sign * c
            alpha = (r_lo - m) / s
            log_pref = n * V_LO + log_phi(r_lo - sign * a)
            pref = jnp.exp(log_pref) * s
            pref_mills = scaled_mills(alpha, log_pref) * s
            mc = m + cc
            m_tot = m_tot + coef_m * pref_mills
            b_tot = b_tot + coef_b * (pref_mills * (mc * mc + s2) + pref * (2.0 * mc * s + s2 * alpha))
    return m_tot, b_tot


M_MAX = 1.0 - 2.0 ** -53   # largest float64 below 1


def pow_km1(k, m):
    """(1 − M)^{k−1} computed as exp((k − 1) log1p(−M)), M clipped to [0, 1 − 2^{−53}].

    The clip keeps k = 1 and the derivatives finite where M rounds to 1 (there A < 1e−16 and
    B ≤ E[f x e^{−x}] is as small, so the factor is immaterial). Written without selects: XLA's
    CPU reductions then fuse it into their library kernels (a select made it five times slower).
    """
    return jnp.exp((k - 1.0) * jnp.log1p(-jnp.clip(m, 0.0, M_MAX)))


def soft_series(t, a, c):
    """log μ_1 and the coefficients of the soft side's power series in x = e^λ (t > 0).

    With μ_n = E[w^n] = (1 + n/t)^{−1/2} exp(−a² n / (2(t + n))) and, under the tilt w^n, a
    Gaussian N(a t/(t+n), t/(t+n)) so that E[f w^n] = μ_n [(a t/(t+n) + c)² + t/(t+n)], the
    expansion of e^{−x} gives

        1 − A = x μ_1 Σ_{n≥1} coef_m[n−1] x^{n−1},  coef_m[n−1] = (−1)^{n+1} (μ_n/μ_1) / n!,
        B     = x μ_1 Σ_{n≥1} coef_b[n−1] x^{n−1},  coef_b[n−1] = (−1)^{n+1} (E[f w^n]/μ_1) / (n−1)!.
    """
    n = jnp.arange(1.0, N_SERIES + 1.0)
    tn = t + n
    log_mu = -0.5 * jnp.log1p(n / t) - 0.5 * a * a * n / tn
    tilt = (a * t / tn + c) ** 2 + t / tn                    # E[f w^n] / μ_n
    sign = jnp.where(n % 2 == 1.0, 1.0, -1.0)
    ratio = jnp.exp(log_mu - log_mu[0])                      # μ_n / μ_1 ≤ 1
    coef_m = sign * ratio * jnp.exp(-jnp.asarray(LOG_FACTORIAL[1:]))
    coef_b = sign * ratio * tilt * jnp.exp(-jnp.asarray(LOG_FACTORIAL[:-1]))
    return log_mu[0], coef_m, coef_b


def polyval(coef, x):
    """Σ_j coef[j] x^j by Horner's rule."""
    out = jnp.zeros_like(x)
    for j in range(coef.shape[-1] - 1, -1, -1):
        out = coef[j] + x * out
    return out


def soft_moments(lam, t, a, c):
    """(1 − A, B) at λ ≤ λ0 from the series of `soft_series`.

    With `N_SERIES` = 50 terms and x ≤ e^{λ0} = e², the truncation is below 1e−21 of μ_1, and
    since every term is at most e^x x μ_1 in size the rounding error is at most about
    1e−16 · e^x x μ_1: 1e−12 of the scale of δ where the series is least accurate (t → ∞).
    """
    log_mu1, coef_m, coef_b = soft_series(t, a, c)
    x = jnp.exp(lam)
    pref = jnp.exp(lam + log_mu1)                            # x μ_1
    return pref * polyval(coef_m, x), pref * polyval(coef_b, x)


def soft_side(k, t, a, c, lam_hi):
    """∫_{−∞}^{λ_hi} k B A^{k−1} dλ (t > 0) with B and 1 − A from `soft_moments`.

    The λ-panels sit at fixed values of λ + ln(k E[w]) (the log of the expected number of
    clocks that have rung), where the race's Gumbel-like law lives.
    """
    s2 = t / (1.0 + t)
    log_ew = 0.5 * jnp.log(s2) - 0.5 * a * a / (1.0 + t)
    shift = jax.lax.stop_gradient(jnp.log(k) + log_ew)
    lam_edges = jnp.minimum(jnp.asarray(MU_EDGES) - shift, lam_hi)
    lam, wl = panel_rule(lam_edges, GLA)                       # (NA,)
    m, b = soft_moments(lam, t, a, c)
    return jnp.sum(wl * k * b * pow_km1(k, m))


def log_survival_at_split(k, t, a):
    """log P(λ* > λ0) = k log A(λ0): no clock of the race has rung by e^{λ0} (t > 0)."""
    m, _ = soft_moments(jnp.float64(LAMBDA0), t, a, 0.0)
    return k * jnp.log1p(-jnp.clip(m, 0.0, 0.999))


def quantile_radii(k, a):
    """Radii ρ with log P(min_i |z_i| > ρ) = each level of `MIN_LOG_SURVIVAL` (T = 0 law)."""
    target = jnp.log(-jnp.expm1(jnp.asarray(MIN_LOG_SURVIVAL) / k))
    lo = target - jnp.log(0.8)   # F(r) ≤ 0.8 r
    # and F(r) ≤ Φ(r − a) < e^{−800} below the target for r < a − 40: a bracket that stays
    # narrow at large offsets (the radii are then a ± O(1))
    lo = jnp.maximum(lo, jnp.log(jnp.maximum(a - 40.0, 1e-300)))
    hi = jnp.full_like(target, jnp.log(a + 10.0))
    lo = jnp.minimum(lo, hi)

    levels = jnp.asarray(MIN_LOG_SURVIVAL)

    def step(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        below = log_min_survival(k, jnp.exp(mid), a) > levels
        return jnp.where(below, mid, lo), jnp.where(below, hi, mid)

    lo, hi = jax.lax.fori_loop(0, BISECT, step, (lo, hi))
    return jnp.exp(0.5 * (lo + hi))


def hard_edges(k, t, a):
    """Sorted edges of the hard side's ρ-panels: ρ0 = √(2tλ0), the T = 0 race quantiles, a few
    λ-values, and an end radius. Panels that the clipping collapses have zero width."""
    rho0 = safe_sqrt(2.0 * t * LAMBDA0)
    q = jax.lax.stop_gradient(quantile_radii(k, a))
    rho_end = jnp.maximum(jax.lax.stop_gradient(jnp.sqrt(q[-1] ** 2 + 7.0 * t)), rho0)
    cut = jnp.inf
    for t_min, largest in OFFSET_CUTS:
        cut = jnp.where(t >= t_min, largest, cut)
    offsets = jnp.where(jnp.asarray(LAM_OFFSETS) > cut, 1e30,   # 1e30: past ρ_end, stays sorted
                        jnp.asarray(LAM_OFFSETS))
    lam_r = jax.lax.stop_gradient(jnp.sqrt(2.0 * t * (LAMBDA0 + offsets)))
    inner = jnp.clip(merge_sorted(q, lam_r), rho0, rho_end)
    return jnp.concatenate([rho0[None], inner, rho_end[None]])


def compact_edges(edges, panels):
    """The first `panels` + 1 distinct values of sorted `edges`, padded with the last edge.

    Zero-width panels contribute nothing, so dropping them leaves the rule unchanged as long as
    at most `panels` panels have positive width (the caller picks the budget to ensure it).
    """
    keep = jnp.concatenate([jnp.ones((1,), bool), jax.lax.stop_gradient(jnp.diff(edges)) > 0.0])
    slot = jnp.where(keep, jnp.cumsum(keep) - 1, -1)          # place of each kept edge
    hit = slot[:, None] == jnp.arange(panels + 1)
    count = jnp.sum(keep)
    picked = jnp.sum(jnp.where(hit, edges[:, None], 0.0), axis=0)
    return jnp.where(jnp.arange(panels + 1) < count, picked, edges[-1])


def step_integrand(r, a, c):
    """h(r) = φ(r − a)(r + c)² + φ(r + a)(r − c)²: the two branches z = ±r of the best-of-k
    integrand (B·dλ/dρ in the exact step limit)."""
    return jnp.exp(log_phi(r - a)) * (r + c) ** 2 + jnp.exp(log_phi(r + a)) * (r - c) ** 2


def step_side(k, a, c, edges):
    """All of δ at t = 0 (every ρ-node in the exact step limit): the best-of-k integral
    ∫ k h(ρ) (1 − F(ρ))^{k−1} dρ with F(ρ) = P(|z| ≤ ρ)."""
    rho, wr = panel_rule(edges, GLB)
    return jnp.sum(wr * k * step_integrand(rho, a, c) * pow_km1(k, folded_cdf(rho, a)))


def window_m(r, wi, rho, q, a):
    """Σ wi [e^{−(r − a)²/2} + e^{−(r + a)²/2}] (1 − e^{−x}) over the inner nodes (times
    1/√(2π): φ(r ∓ a)), x = e^v, v = (ρ² − r²) q, q = 1/(2t)."""
    k0 = -jnp.expm1(-jnp.exp((rho - r) * (rho + r) * q))
    dens = jnp.exp(-0.5 * (r - a) ** 2) + jnp.exp(-0.5 * (r + a) ** 2)
    return jnp.sum(wi * dens * k0, axis=-1)


def window_b(r, wi, rho, q, a, c):
    """Σ wi [e^{−(r − a)²/2} (r + c)² + e^{−(r + a)²/2} (r − c)²] x e^{−x} over the inner nodes
    (times 1/√(2π): φ(r ∓ a)); x e^{−x} = e^g, g = v − e^v, is folded into the two exponents."""
    v = (rho - r) * (rho + r) * q
    g = v - jnp.exp(v)
    h = (jnp.exp(g - 0.5 * (r - a) ** 2) * (r + c) ** 2
         + jnp.exp(g - 0.5 * (r + a) ** 2) * (r - c) ** 2)
    return jnp.sum(wi * h, axis=-1)


def hard_side(k, t, a, c, edges, at_offset=True):
    """∫_{λ0}^{∞} k B A^{k−1} dλ in the radius ρ = √(2tλ) for t > 0, on ρ-panels with the given
    `edges` (see `hard_edges`); nodes with t/ρ² < `SHARP` use the exact step limit.

    The inner r-panels lie between the radii of the v-levels `V_EDGES`; with ``at_offset`` they
    are also cut at a + `D_EDGES` (needed where t is large and the v-panels are wide in r)."""
    rho, wr = panel_rule(edges, GLB)                             # (NB,)
    sharp = t <= SHARP * rho * rho
    t_s = jnp.where(sharp, 1.0, t)                             # safe t for the smooth branch
    rho_s = jnp.where(sharp, 1.0, rho)
    r_top = safe_sqrt(rho_s * rho_s - 2.0 * t_s * V_HI)
    r_low = jnp.sqrt(rho_s * rho_s - 2.0 * t_s * V_LO)
    # interior v-levels (the end levels V_HI, V_LO are r_top and r_low themselves), ascending
    v_r = jnp.sqrt(jnp.maximum(
        rho_s[:, None] ** 2 - 2.0 * t_s[:, None] * jnp.asarray(V_EDGES[1:-1]), 0.0))
    if at_offset:
        d_r = jnp.broadcast_to(a + jnp.asarray(D_EDGES), rho.shape + D_EDGES.shape)
        v_r = merge_sorted(v_r, d_r)
    brk = jax.lax.stop_gradient(v_r)
    brk = jnp.clip(brk, r_top[:, None], r_low[:, None])
    brk = jnp.concatenate([r_top[:, None], brk, r_low[:, None]], axis=-1)
    r, wi = panel_rule(brk, GLI)                                 # (NB, NI)
    rho_c, q = rho_s[:, None], 0.5 / t_s[:, None]
    m_win = window_m(r, wi, rho_c, q, a) * INV_SQRT2PI
    # XLA on CPU compiles two sums over shared transcendentals into slow unfused loops (the
    # hard side ran 2.2x slower): the barrier gives the second sum a fusion of its own
    r, wi, rho_c, q, a_b, c_b = jax.lax.optimization_barrier((r, wi, rho_c, q, a, c))
    b_win = window_b(r, wi, rho_c, q, a_b, c_b) * INV_SQRT2PI
    m_tail, b_tail = tail_moments(r_low, t_s, a, c)
    f = folded_cdf(jnp.where(sharp, rho, r_top), a)            # F(ρ) or F(r_top)
    m = jnp.where(sharp, f, f + m_win + m_tail)
    b_smooth = (b_win + b_tail) * rho_s / t_s
    brho = jnp.where(sharp, step_integrand(rho, a, c), b_smooth)
    return jnp.sum(wr * k * brho * pow_km1(k, m))


def hard_side_negligible(k, t, b, a):
    """True where the hard side (λ > λ0) is provably below ε = `HARD_NEGLIGIBLE` (absolute,
    s = 1), so that the soft side alone is the value; a ≥ 0, 0 < t < ∞.

    The hard side is E[f(z*) 1{λ* > λ0}]: the winning clock rings after u0 = e^{λ0}. The
    winner is one of the k draws and none of the k clocks has rung by u0, so

        E[f(z*) 1{λ* > λ0}] ≤ k E[f(z) e^{−u0 w(z)}] A(λ0)^{k−1} ≤ k (1 + b²) A(λ0)^{k−1}

    (P(clock i > u0 | z_i) = e^{−u0 w(z_i)} ≤ 1 and E[f] = E[(z + b − a)²] = 1 + b²). On both
    domains δ/s² ≥ 0.87 t/(1+t) at every stored reference point, so ε = 1e−12 stays below
    1.3e−11 of δ where t ≥ 0.1 and below 1.2e−9 of it where t ≥ 1e−3."""
    log_surv = log_survival_at_split(k, t, a)
    log_bound = jnp.log(k) + jnp.log1p(b * b) + log_surv * ((k - 1.0) / k)
    return jax.lax.stop_gradient(log_bound) < math.log(HARD_NEGLIGIBLE)


# ------------------------------------------------------------------ ∂δ/∂t
# The t-derivative's own rule (module docstring). On the soft side the pair term comes from the
# power series, on the hard side from sums centred in the window (`window_pair`). Tested
# against a direct two-candidate integral, the covariance route without integration by parts,
# Monte Carlo and the large-t limit (tests/test_selection.py).
V_EDGES_DT = np.array([V_HI, 2.0, 0.5, -1.0, -3.0, -6.0, -12.0, -20.0, -28.0, -40.0])
# breakpoints of the derivative's inner panels at a + these: where t is large the window is wide
# in r and the density's tails must be resolved too (C is a difference of O(1) sums there)
D_EDGES_DT = np.array([-12.0, -8.0, -5.0, -3.0, -1.5, -0.5, 0.5, 1.5, 3.0, 5.0, 8.0, 12.0])


def soft_series_dt(t, a):
    """log μ_1 and the series coefficients (over μ_1) of Z_j = E[z^j x e^{−x}], j = 0..4.

    Under the tilt w^n, z ~ N(m, s²) with m = a t/(t+n), s² = t/(t+n) (see `soft_series`), so
    E[z^j w^n] = μ_n E_n[z^j] with the Gaussian moments m, m² + s², m³ + 3ms², m⁴ + 6m²s² + 3s⁴.
    """
    n = jnp.arange(1.0, N_SERIES + 1.0)
    tn = t + n
    log_mu = -0.5 * jnp.log1p(n / t) - 0.5 * a * a * n / tn
    m, s2 = a * t / tn, t / tn
    moments = (jnp.ones_like(m), m, m * m + s2, m * (m * m + 3.0 * s2),
               m * m * (m * m + 6.0 * s2) + 3.0 * s2 * s2)
    sign = jnp.where(n % 2 == 1.0, 1.0, -1.0)
    base = sign * jnp.exp(log_mu - log_mu[0] - jnp.asarray(LOG_FACTORIAL[:-1]))
    return log_mu[0], tuple(base * mom for mom in moments)


def soft_side_dt(k, t, a, c, lam_hi):
    """(k(k − 1)/t) ∫_{−∞}^{λ_hi} A^{k−2} C dλ on the λ-panels of `soft_side` (t > 0).

    With f = (z + c)² and Z_j = E[z^j g] (`soft_series_dt`), 2t C = E[f z² g] Z0 − E[f g] Z2 =
    2c (Z3 Z0 − Z1 Z2) + Z4 Z0 − Z2²: the c² terms cancel exactly and are left out (in floating
    point they would swamp the rest where t is small)."""
    s2 = t / (1.0 + t)
    log_ew = 0.5 * jnp.log(s2) - 0.5 * a * a / (1.0 + t)
    shift = jax.lax.stop_gradient(jnp.log(k) + log_ew)
    lam, wl = panel_rule(jnp.minimum(jnp.asarray(MU_EDGES) - shift, lam_hi), GLA)
    log_mu1, coefs = soft_series_dt(t, a)
    x = jnp.exp(lam)
    z0, z1, z2, z3, z4 = (polyval(co, x) for co in coefs)
    pair = jnp.exp(2.0 * (lam + log_mu1)) * (2.0 * c * (z3 * z0 - z1 * z2) + z4 * z0 - z2 * z2)
    m, _ = soft_moments(lam, t, a, c)
    # (k(k − 1)/2t) (Σ/t), not k(k − 1)/(2t²): t² underflows below t ~ 1e−154
    return k * (k - 1.0) / (2.0 * t) * (jnp.sum(wl * pair * pow_km1(k - 1.0, m)) / t)


def small_difference(delta, base, plain):
    """base (e^{delta} − 1): by expm1 where |delta| < 1 (a small difference keeps its digits),
    else the ``plain`` difference of the two values (no overflow, no loss there)."""
    small = jnp.abs(delta) < 1.0
    return jnp.where(small, base * jnp.expm1(jnp.clip(delta, -1.0, 1.0)), plain)


def window_pair(rho, t, a, c):
    """(2π C, 1 − A) at one hard-side radius ρ (t > 0), C = E[f g] E[v g] − E[f v g] E[g].

    The inner variable is d = r − ρ (r = |z|), with v = −d(2ρ + d)/(2t), on Gauss–Legendre
    panels between the d of the v-levels `V_EDGES_DT` (g < e^{−40} outside) and at
    a + `D_EDGES_DT`.
    With the branch densities φ_±(r) = φ(±r − a), their values P_± at ρ and f_±(r) = f_±(r*) +
    e_±, e_± = (r − r*)(r + r* ± 2c) for any fixed r*, the pair term splits exactly into

        C = 4r*c (B0₊B1₋ − B1₊B0₋) + Σ_± Σ_r w g e_± φ_± (B1 − v B0)

    (B_j± = Σ w g v^j φ_±, B_j their sum), and B0₊B1₋ − B1₊B0₋ = G0 X1 − G1 X0 + Ω0₊Ω1₋ − Ω1₊Ω0₋
    with G_j = Σ w g v^j, Ω_j± = Σ w g v^j (φ_± − P_±) and X_j = Σ w g v^j (P₊φ₋ − P₋φ₊): every
    difference that is small in a narrow window (small t/ρ²) is formed from d itself (expm1), so
    C keeps its relative accuracy down to t → 0, where it is O(t³). The densities themselves are
    taken at r = ρ + d directly (through ρ they would lose ρ² · 1e−16 where ρ is large)."""
    v_lev = jnp.asarray(V_EDGES_DT)
    d_lev = jnp.maximum(-2.0 * t * v_lev / (rho + safe_sqrt(rho * rho - 2.0 * t * v_lev)), -rho)
    d_off = jnp.clip(a + jnp.asarray(D_EDGES_DT) - rho, d_lev[0], d_lev[-1])
    brk = merge_sorted(d_lev, d_off)   # edges keep their derivatives (second order, r = 0)
    d, w = panel_rule(brk, GLI)
    r = rho + d
    v = -d * (2.0 * rho + d) / (2.0 * t)
    wg = w * jnp.exp(v - jnp.exp(v))
    # φ_± (times √(2π)) at the nodes and at ρ, and the differences that are small where the
    # window is narrow, from d itself: log φ_±(r) − log φ_±(ρ) = d(±a − ρ − d/2), and
    # P₊φ₋(r) − P₋φ₊(r) = P₋φ₊(r) expm1(−2ad)
    phi_p, phi_m = jnp.exp(-0.5 * (r - a) ** 2), jnp.exp(-0.5 * (r + a) ** 2)
    p_p, p_m = jnp.exp(-0.5 * (rho - a) ** 2), jnp.exp(-0.5 * (rho + a) ** 2)
    om_p = small_difference(d * (a - rho - 0.5 * d), p_p, phi_p - p_p)
    om_m = small_difference(d * (-a - rho - 0.5 * d), p_m, phi_m - p_m)
    cross = small_difference(-2.0 * a * d, p_m * phi_p, p_p * phi_m - p_m * phi_p)
    s = lambda h: jnp.sum(wg * h)                                    # noqa: E731
    g0, g1 = s(1.0), s(v)
    x0, x1 = s(cross), s(v * cross)
    kappa = g0 * x1 - g1 * x0 + s(om_p) * s(v * om_m) - s(v * om_p) * s(om_m)
    b0, b1 = s(phi_p + phi_m), s(v * (phi_p + phi_m))
    # f_± split at the node r* of largest weight: any constant split leaves C unchanged, and
    # this one keeps e_± small where the weight is (at ρ itself it would not be where t ≫ ρ²)
    star = jnp.argmax(wg * (phi_p + phi_m))
    dd, r_star = d - d[star], r[star]
    e_p, e_m = dd * (r + r_star + 2.0 * c), dd * (r + r_star - 2.0 * c)
    pair = 4.0 * r_star * c * kappa + s((e_p * phi_p + e_m * phi_m) * (b1 - v * b0))
    # 1 − A on the same panels: P(|z| ≤ r_top) (e^{−x} < e^{−40} there) plus the window's sum
    m = (folded_cdf(rho + d_lev[0], a)
         + jnp.sum(w * (phi_p + phi_m) * -jnp.expm1(-jnp.exp(v))) * INV_SQRT2PI)
    return pair, m


DT_GEOMETRIC = 4.0 ** np.arange(1, 19)   # extra ρ-edges at ρ0 times these (see `hard_side_dt`)
# ρ-panel budgets of the derivative's hard side: the value's edges (at most 21) and the grid
DT_BUDGETS = (12, 20, 28, len(DT_GEOMETRIC) + 22)


def hard_side_dt(k, t, a, c, edges):
    """(k(k − 1)/t²) ∫_{ρ0}^{∞} ρ A^{k−2} C dρ (the hard side of ∂δ/∂t, t > 0), with C and
    1 − A from `window_pair`, on the value's ρ-edges (`hard_edges`) and a geometric grid
    ρ0 4^j: where the race can finish near z = 0, C/ρ behaves like 1/ρ between ρ0 ~ √t and
    O(1) (∂δ/∂t ~ t log(1/t) as t → 0), a range that the value's panels leave to one panel."""
    rho0 = edges[0]
    geo = jnp.clip(jax.lax.stop_gradient(rho0) * jnp.asarray(DT_GEOMETRIC), rho0, edges[-1])
    edges = merge_sorted(edges, geo)
    used = jnp.sum(jnp.diff(edges) > 0.0)

    def integral(n):
        def run(edges):
            rho, wr = panel_rule(compact_edges(edges, n), GLB)
            pair, m = jax.vmap(window_pair, (0, None, None, None))(rho, t, a, c)
            return jnp.sum(wr * rho * pair * pow_km1(k - 1.0, m)) / (2.0 * math.pi)
        return run

    # the smallest ρ-panel budget that holds every positive-width panel (zero-width ones add 0)
    branch = jnp.searchsorted(jnp.asarray(DT_BUDGETS[:-1]), used)
    total = jax.lax.switch(branch, [integral(n) for n in DT_BUDGETS], edges)
    return k * (k - 1.0) / t * (total / t)   # t² underflows below t ~ 1e−154

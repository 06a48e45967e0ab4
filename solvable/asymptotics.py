"""Limits, expansions, extreme-value law and scaling slopes of the selection error.

docs/theory.md §4 (limits and expansions) and §5 (optima, compute against data). Halder &
Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for Inference-Time
Scaling", arXiv 2512.19905. Status marks as on that page: **[paper]** stated by the paper,
**[derived]** derived here and checked against the exact δ of `solvable.selection`.

Pointwise functions take the keywords of `solvable.selection.selection_error`
(``mean, std, teacher, reward``) and use b = mean − teacher, a = mean − reward, s = std,
t = T/(2s²). They broadcast, and are jit/grad friendly (validation is skipped on tracers).
The ``*_averaged`` functions take a `Problem` and a `Reward` (or an `OffsetLaw` with
``reward=None``) and average over x in closed form: the offsets (Δ_T, Δ_R) = (b, a) are
centred Gaussians with Var Δ_T = V_T, Var Δ_R = V_R, Cov = C, and s = s̄ (the DE predictive
standard deviation), so E b² = V_T, E ab = C, E a² = V_R, E a³b = 3 V_R C (Isserlis).

Summary of what the tests establish against the exact δ (see tests/test_asymptotics.py):

* k → ∞ limits: exact.
* High-temperature expansion: the residual falls as t⁻³ at order 2 and t⁻⁴ at order 3
  (fitted slopes −3.0 and −4.0 over t ∈ [20, 400]); the authors' third-order term with the
  factor (1 − 1/k)(1 − 2/k)(1 − 3/k) leaves an O(t⁻³) residual (it vanishes at k = 3, where
  the true t⁻³ coefficient does not).
* Expansion optimum t* = 2(1 − 2/k) C2/C1: an asymptote for large C2/C1 only (k = 10, b = 0,
  a = 4: 27.2 against the exact 25.24; k = 50, a = 10: 193.9 against 191.1; a = 0.5:
  2.0 against 0.0025).
* Finite-k threshold: under the truncated expansion δ is non-increasing in k iff
  t ≥ 3 C2/C1, else k* = 4 C2/(3 C2 − C1 t) (confirmed as a statement about the expansion).
  The exact δ has the threshold t_c of `monotone_threshold` [derived]; t_c = 3a²/C1 − 5/3
  + O(C1/a²) while 3 C2/C1 = 3a²/C1 + 3, so the expansion's threshold is right to leading
  order only. The secondary k* ≈ 2t*/(t* − t) puts the threshold at 2 C2/C1: wrong by a
  factor 2/3 at large a (b = 0.2, a = 10.2: exact 59.8, expansion 64.4, secondary 42.9),
  though numerically close at moderate a and small t (a = 2.2, t = 5: exact k* 6.66,
  secondary 6.65, expansion 2.50).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import _config  # noqa: F401
from ._validate import (check_at_least, check_choice, check_finite, check_instance,
                        check_nonnegative, check_positive, is_concrete)
from ._laws import RULES as ACCURACY_RULES
from ._laws import large_k_coefficient, law_of, tilted_limit
from ._parallel import map_blocks
from .average import average_over_offsets
from .equivalents import OffsetLaw, offset_law, offset_variance_teacher, predictive_moments
from .problem import AlignedReward, KnobReward, Problem, WeightsReward

__all__ = [
    "large_k_limit",
    "large_k_limit_averaged",
    "large_k_correction",
    "monotone_threshold",
    "expansion_coefficients",
    "high_temperature_expansion",
    "high_temperature_expansion_averaged",
    "best_of_k_asymptote",
    "best_of_k_asymptote_averaged",
    "noisy_best_of_k_coefficient",
    "SplitAsymptote",
    "split_asymptote",
    "expansion_optimal_temperature",
    "expansion_optimal_k",
    "Slopes",
    "scaling_slopes",
    "best_of_k_slopes",
]


def _f64(*xs):
    return tuple(jnp.asarray(x, dtype=jnp.float64) for x in xs)


def _pointwise(temperature, mean, std, teacher, reward):
    """Validate and return (s², t, b, a) in the units of the inputs (b, a not normalised)."""
    check_nonnegative("temperature", temperature, allow_inf=True)
    check_finite("mean", mean)
    check_positive("std", std)
    check_finite("teacher", teacher)
    check_finite("reward", reward)
    temperature, mean, std, teacher, reward = _f64(temperature, mean, std, teacher, reward)
    s2 = std * std
    return s2, temperature / (2.0 * s2), mean - teacher, mean - reward


# --- k → ∞ --------------------------------------------------------------------------------

def large_k_limit(temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """δ_∞ = lim_{k→∞} δ = (b − a/(1 + t))² + s² t/(1 + t)  [derived; docs/theory.md §4].

    As k → ∞ the softmax pick is a draw from the tilted Gaussian ∝ N(m, s²)·e^{−(y−μ_R)²/T},
    i.e. N(μ_R + a/(1 + t), s² t/(1 + t)). T = 0 gives (b − a)² = (μ_R − μ_T)², T = ∞ gives
    s² + b².

    Parameters
    ----------
    temperature : float or array
        T ≥ 0 (``inf`` allowed).
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).

    Returns
    -------
    jax.Array
        δ_∞, in the units of s², of the broadcast shape.

    Examples
    --------
    >>> from solvable.asymptotics import large_k_limit
    >>> round(float(large_k_limit(2.0, mean=0.2, reward=-1.0)), 6)  # t = 1: (0.2 − 0.6)² + 0.5
    0.66
    >>> round(float(large_k_limit(0.0, mean=0.2, reward=-1.0)), 6)  # (μ_R − μ_T)²
    1.0
    """
    s2, t, b, a = _pointwise(temperature, mean, std, teacher, reward)
    return tilted_limit(s2, t, b, a)


def large_k_limit_averaged(problem, reward=None, temperature=0.0):
    """E_x δ_∞ = V_T − 2C/(1 + t) + V_R/(1 + t)² + s̄² t/(1 + t), t = T/(2 s̄²)  [derived].

    V_T = Var Δ_T, V_R = Var Δ_R, C = Cov(Δ_T, Δ_R) (docs/theory.md §4). T = 0:
    V_T − 2C + V_R = E(Δ_T − Δ_R)²; T = ∞: s̄² + V_T.

    Parameters
    ----------
    problem : Problem or OffsetLaw
        The problem (with ``reward``), or the offsets' law directly (``reward=None``).
    reward : Reward, optional
        The judge; required with a `Problem`.
    temperature : float or array, default 0.0
        T ≥ 0 (``inf`` allowed).

    Returns
    -------
    jax.Array
        lim_{k→∞} δ(k, T), in the units of σ².

    Examples
    --------
    >>> import solvable
    >>> from solvable.asymptotics import large_k_limit_averaged
    >>> p, sigma2 = solvable.paper_problem(), 1e-8
    >>> value = large_k_limit_averaged(p, solvable.KnobReward(10.0), 2 * sigma2 * 10)
    >>> round(float(value) / sigma2, 4)  # δ_∞/σ² at T/(2σ²) = 10
    0.9099
    """
    check_nonnegative("temperature", temperature, allow_inf=True)
    law = law_of(problem, reward)
    (temperature,) = _f64(temperature)
    s2 = law.predictive_var
    t = temperature / (2.0 * s2)
    finite = jnp.isfinite(t)
    tt = jnp.where(finite, t, 1.0)
    u = 1.0 / (1.0 + tt)
    value = law.var_teacher - 2.0 * law.cov * u + law.var_reward * u * u + s2 * tt * u
    return jnp.where(finite, value, s2 + law.var_teacher)


def large_k_correction(temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Coefficient A of δ(k) = δ_∞ + A/k + O(k⁻²) at T > 0  [derived; docs/theory.md §4].

    The delta-method bias of the self-normalised estimator Σ f_i w_i / Σ w_i gives
    A = (E w²/(E w)²) · (δ_∞(t) − δ_∞(t/2)), since E[f w²]/E[w²] is the k → ∞ error at
    temperature T/2. For y ~ N(m, s²), E w = (1 + 1/t)^{−1/2} e^{−a²/(2s²(1+t))}, so
    E w²/(E w)² = (1 + 1/t)(1 + 2/t)^{−1/2} e^{a²/(s²(1+t)(2+t))}. A > 0: δ approaches δ_∞
    from above (decreasing tail); A < 0: from below, so the optimal k is finite.
    T = ∞ gives 0; T = 0 is refused (the best-of-k approach is not 1/k).

    Parameters
    ----------
    temperature : float or array
        T > 0 (``inf`` allowed).
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).

    Returns
    -------
    jax.Array
        A, in the units of s².

    Examples
    --------
    >>> from solvable.asymptotics import large_k_correction
    >>> round(float(large_k_correction(2.0, mean=0.2, reward=-1.0)), 6)  # < 0: finite best k
    -0.04893
    >>> round(float(large_k_correction(20.0, mean=0.2, reward=-1.0)), 6)  # > 0: decreasing
    0.085297
    """
    check_positive("temperature", temperature, allow_inf=True)
    s2, t, b, a = _pointwise(temperature, mean, std, teacher, reward)
    return large_k_coefficient(s2, t, b, a)


def monotone_threshold(*, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Temperature T_c = 2s² t_c above which the exact δ(k) decreases to δ_∞ (A > 0)  [derived].

    A = 0 ⇔ δ_∞(t) = δ_∞(t/2) ⇔ 1/(1 + t) + 2/(2 + t) = q with q = C1/a², C1 = s² + 2ab, so
    t_c = [3(1 − q) + √(q² − 2q + 9)]/(2q) = 3a²/C1 − 5/3 + O(q), T_c = 2s² t_c.
    For 0 < q < 2 this is the unique positive root (q ≥ 2 or C1 ≤ 0: every T > 0 is above
    threshold, T_c = 0; a = 0 likewise). Below T_c the optimal k is finite; above it δ is
    non-increasing in k in every case checked (the truncated expansion's threshold
    3 C2/C1 = 3a²/C1 + 3 agrees only to leading order in a²/C1; docs/theory.md §4–5).

    Parameters
    ----------
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).

    Returns
    -------
    jax.Array
        T_c ≥ 0, in the units of the temperature.

    Examples
    --------
    >>> from solvable.asymptotics import monotone_threshold
    >>> round(float(monotone_threshold(mean=0.2, reward=-2.0)), 4)
    12.1734
    """
    s2, _, b, a = _pointwise(0.0, mean, std, teacher, reward)
    c1 = s2 + 2.0 * a * b
    a2 = a * a
    q = jnp.where(a2 > 0, c1 / jnp.where(a2 > 0, a2, 1.0), jnp.inf)
    ok = (q > 0) & (q < 2.0)
    qq = jnp.where(ok, q, 1.0)
    tc = (3.0 * (1.0 - qq) + jnp.sqrt(qq * qq - 2.0 * qq + 9.0)) / (2.0 * qq)
    return jnp.where(ok, 2.0 * s2 * tc, 0.0)


# --- high-temperature expansion -------------------------------------------------------------

class ExpansionCoefficients(NamedTuple):
    """δ = D − (1 − 1/k) C1/t + (1 − 1/k)(1 − 2/k) C2/t² + E3/t³ + O(t⁻⁴)."""

    D: jax.Array
    C1: jax.Array
    C2: jax.Array
    E3: jax.Array


def _e3(k, s2, c1, p, q):
    """E3 from C1, P = E(s² + 2ab + 2a²) and Q = E(s² + 2ab)(s² + 2a²)/s²."""
    return -((k - 1.0) * (k * k - 6.0 * k + 6.0) / k**3) * p + ((k - 1.0) / (2.0 * k * k)) * q


def expansion_coefficients(k, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Coefficients (D, C1, C2, E3) of the high-temperature expansion of δ.

    D = s² + b², C1 = s² + 2ab, C2 = s² + 2ab + a²  [paper], and  [derived]
    E3 = −[(k−1)(k²−6k+6)/k³](s² + 2ab + 2a²) + [(k−1)/(2k²)](s² + 2ab)(s² + 2a²)/s²
    (docs/theory.md §4), with b = m − μ_T, a = m − μ_R.

    Parameters
    ----------
    k : float or array
        Number of samples, real ≥ 1 (only E3 depends on it).
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).

    Returns
    -------
    ExpansionCoefficients
        Named tuple (D, C1, C2, E3), each broadcast.

    Examples
    --------
    >>> from solvable.asymptotics import expansion_coefficients
    >>> co = expansion_coefficients(10.0, mean=0.2, reward=-1.0)   # b = 0.2, a = 1.2, s = 1
    >>> [round(float(v), 6) for v in co]
    [1.04, 1.48, 2.92, -1.546632]
    """
    check_at_least("k", k, 1.0)
    s2, _, b, a = _pointwise(0.0, mean, std, teacher, reward)
    (k,) = _f64(k)
    c1 = s2 + 2.0 * a * b
    p = c1 + 2.0 * a * a
    q = c1 * (s2 + 2.0 * a * a) / s2
    return ExpansionCoefficients(s2 + b * b, c1, c1 + a * a, _e3(k, s2, c1, p, q))


def _series(k, t, co: ExpansionCoefficients, order):
    if order not in (1, 2, 3):
        raise ValueError(f"order must be 1, 2 or 3, got {order!r}")
    x = 1.0 / k
    out = co.D - (1.0 - x) * co.C1 / t
    if order >= 2:
        out = out + (1.0 - x) * (1.0 - 2.0 * x) * co.C2 / t**2
    if order >= 3:
        out = out + co.E3 / t**3
    return out


def high_temperature_expansion(k, temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0,
                               order=2):
    """High-temperature (t → ∞) expansion of δ to ``order`` 1, 2 or 3 in 1/t.

        δ = D − (1 − 1/k) C1/t + (1 − 1/k)(1 − 2/k) C2/t² + E3/t³ + O(t⁻⁴)

    with D, C1, C2 as in the paper and E3 derived here (`expansion_coefficients`).

    Derivation [derived]: with ε = 1/T = 1/(2s²t), f = (y − μ_T)², g = (y − μ_R)² and
    w_i = e^{−ε g_i} = 1 + v_i, δ = E[(1/k) Σ_i f_i w_i · Σ_p (−v̄)^p], v̄ = (1/k) Σ_j v_j.
    Each term (1/k^{p+1}) Σ_{i,j_1..j_p} E[f_i w_i v_{j_1}…v_{j_p}] is a sum over the set
    partitions of the p + 1 index slots, each weighted by the falling factorial
    k(k − 1)…(k − B + 1) (B blocks) times a product of one-sample Gaussian moments of
    f and g — i.e. the joint cumulants κ(f, g, …, g) of the self-normalised weights, which
    is where the powers of (1 − j/k) come from. Collecting ε³ (sympy, exact) gives E3; the
    first three orders reproduce the paper's D, C1, C2. The residual against the exact δ is
    O(t⁻⁴) (tested); the authors' (1 − 1/k)(1 − 2/k)(1 − 3/k) third-order factor is wrong.
    T = 0 is outside the expansion's domain (it returns ±inf terms there). docs/theory.md §4.

    Parameters
    ----------
    k : float or array
        Number of samples, real ≥ 1.
    temperature : float or array
        T > 0.
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).
    order : {1, 2, 3}, default 2
        Highest power of 1/t kept.

    Returns
    -------
    jax.Array
        The truncated expansion of δ, in the units of s².

    Examples
    --------
    >>> from solvable.asymptotics import high_temperature_expansion
    >>> kw = dict(mean=0.2, reward=-1.0)                            # t = T/2 = 20
    >>> round(float(high_temperature_expansion(10.0, 40.0, **kw)), 6)
    0.978656
    >>> round(float(high_temperature_expansion(10.0, 40.0, order=3, **kw)), 6)
    0.978463
    """
    check_at_least("k", k, 1.0)
    check_choice("order", order, (1, 2, 3))
    co = expansion_coefficients(k, mean=mean, std=std, teacher=teacher, reward=reward)
    s2, t, _, _ = _pointwise(temperature, mean, std, teacher, reward)
    (k,) = _f64(k)
    return _series(k, t, co, order)


def high_temperature_expansion_averaged(problem, reward=None, k=1.0, temperature=jnp.inf, *,
                                        order=2):
    """x-average of the high-temperature expansion, in closed form  [derived].

    With s = s̄, t = T/(2s̄²) and the offsets' moments: E D = s̄² + V_T, E C1 = s̄² + 2C,
    E C2 = s̄² + 2C + V_R, and E3 from E(s² + 2ab + 2a²) = s̄² + 2C + 2V_R and
    E(s² + 2ab)(s² + 2a²)/s² = s̄² + 2V_R + 2C + 12 V_R C/s̄² (Isserlis: E a³b = 3 V_R C).
    Being linear in these moments, it equals the average of the pointwise expansion exactly
    (docs/theory.md §4).

    Parameters
    ----------
    problem : Problem or OffsetLaw
        The problem (with ``reward``), or the offsets' law directly (``reward=None``).
    reward : Reward, optional
        The judge; required with a `Problem`.
    k : float or array, default 1.0
        Number of samples, real ≥ 1.
    temperature : float or array, default inf
        T > 0.
    order : {1, 2, 3}, default 2
        Highest power of 1/t kept.

    Returns
    -------
    jax.Array
        The x-averaged truncated expansion of δ, in the units of σ².

    Examples
    --------
    >>> import solvable
    >>> from solvable.asymptotics import high_temperature_expansion_averaged
    >>> p, sigma2 = solvable.paper_problem(), 1e-8
    >>> value = high_temperature_expansion_averaged(p, solvable.KnobReward(10.0), 8.0,
    ...                                             2 * sigma2 * 10)
    >>> round(float(value) / sigma2, 4)  # exact DE: 0.917 (generalization_error)
    0.9204
    """
    check_at_least("k", k, 1.0)
    check_nonnegative("temperature", temperature, allow_inf=True)
    check_choice("order", order, (1, 2, 3))
    law = law_of(problem, reward)
    k, temperature = _f64(k, temperature)
    s2, vt, vr, c = law.predictive_var, law.var_teacher, law.var_reward, law.cov
    c1 = s2 + 2.0 * c
    p = c1 + 2.0 * vr
    q = s2 + 2.0 * vr + 2.0 * c + 12.0 * vr * c / s2
    co = ExpansionCoefficients(s2 + vt, c1, c1 + vr, _e3(k, s2, c1, p, q))
    return _series(k, temperature / (2.0 * s2), co, order)


# --- best-of-k, reward = teacher: Θ(1/k²) ----------------------------------------------------

def best_of_k_asymptote(k, *, mean=0.0, std=1.0, teacher=0.0, reward=None):
    """Extreme-value law of best-of-k with the teacher as reward: δ ≃ π s² e^{b²/s²}/k²  [paper].

    T = 0, μ_R = μ_T, k → ∞: the kept sample is the one nearest μ_T, whose distance is
    asymptotically exponential with rate 2kφ(μ_T), φ(μ_T) = e^{−b²/(2s²)}/(√(2π) s); so
    E D² → 1/(2 φ² k²). The approach is slow: k²δ/(π s² e^{b²/s²}) = 0.956 (k = 64),
    0.9971 (1024), 0.99982 (16384) at b = 0 (tested). docs/theory.md §4.

    Parameters
    ----------
    k : float or array
        Number of samples, ≥ 1.
    mean, std, teacher : float or array
        Predictive mean m, standard deviation s > 0 and teacher output μ_T.
    reward : float, optional
        Must equal ``teacher`` if given (the law holds for the teacher as judge only).

    Returns
    -------
    jax.Array
        π s² e^{b²/s²}/k², in the units of s².

    Examples
    --------
    >>> import math
    >>> from solvable.asymptotics import best_of_k_asymptote
    >>> round(float(best_of_k_asymptote(1024.0)) * 1024**2 / math.pi, 12)
    1.0
    """
    check_at_least("k", k, 1.0)
    if reward is not None:
        check_finite("reward", reward)
        if is_concrete(reward) and is_concrete(teacher) and not np.allclose(reward, teacher):
            raise ValueError("best_of_k_asymptote holds for reward == teacher only, got "
                             f"reward={reward!r}, teacher={teacher!r}")
    s2, _, b, _ = _pointwise(0.0, mean, std, teacher, teacher)
    (k,) = _f64(k)
    return math.pi * s2 * jnp.exp(b * b / s2) / (k * k)


def best_of_k_asymptote_averaged(problem, k):
    """x-averaged extreme-value law: δ(k) ≃ π s̄² / (k² √(1 − 2 V_T/s̄²))  [paper, with s̄²].

    E_x e^{Δ_T²/s̄²} = (1 − 2V_T/s̄²)^{−1/2} for Δ_T ~ N(0, V_T) (docs/theory.md §4). The
    paper writes σ² for s̄² (the DE predictive variance, ≈ σ² in its regime); here s̄² is
    used. Diverges,
    and is refused with a ValueError, where 2 V_T ≥ s̄². ``problem`` is a `Problem` (the
    reward is the teacher) or an `OffsetLaw` (only V_T and s̄² are used). Under tracing the
    divergent case returns inf.

    Parameters
    ----------
    problem : Problem or OffsetLaw
        The problem (judge = teacher) or the offsets' law.
    k : float or array
        Number of samples, ≥ 1.

    Returns
    -------
    jax.Array
        The asymptote of δ(k) at T = 0, in the units of σ².

    Examples
    --------
    >>> import solvable
    >>> from solvable.asymptotics import best_of_k_asymptote_averaged
    >>> value = best_of_k_asymptote_averaged(solvable.paper_problem(), 100.0)
    >>> round(float(value) / 1e-8, 6)   # δ/σ² ≈ π/k² here (2 V_T ≪ s̄²)
    0.000328
    """
    check_at_least("k", k, 1.0)
    if isinstance(problem, OffsetLaw):
        vt, s2 = problem.var_teacher, problem.predictive_var
    else:
        law = law_of(problem, KnobReward(0.0))
        vt, s2 = law.var_teacher, law.predictive_var
    ratio = 2.0 * vt / s2
    if is_concrete(ratio) and np.any(np.asarray(ratio) >= 1.0):
        raise ValueError("best-of-k asymptote diverges: need 2 Var Δ_T < s̄² (the predictive "
                         f"variance), got 2 Var Δ_T / s̄² = {float(np.max(ratio)):.6g}")
    (k,) = _f64(k)
    safe = jnp.where(ratio < 1.0, 1.0 - ratio, 1.0)
    return jnp.where(ratio < 1.0, math.pi * s2 / (k * k * jnp.sqrt(safe)), jnp.inf)


# --- a noisy judge: the k-correction and the large-budget split (docs/theory.md §10) ---------

def noisy_best_of_k_coefficient(*, mean=0.0, std=1.0, teacher=0.0, reward=0.0,
                                centre_variance=0.0):
    """Ā in δ(k) ≃ (μ_R − μ_T)² + v + Ā/k² for best-of-k (T = 0) with the judge centred at
    c = μ_R + ε̄, ε̄ ~ N(0, v) (derived here; docs/theory.md §10).

    Given c, the kept sample is the one nearest c; its signed offset X from c has
    E X² ≃ 1/(2φ(c)²k²) and E X ≃ φ'(c)/(2φ(c)³k²) (φ the predictive density), so
    δ(k | c) ≃ (c − μ_T)² + A(c)/k² with A(c) = π e^{(c−m)²/s²}[s² − 2(c − μ_T)(c − m)].
    Averaging over c: with x = c − m ~ N(μ₀, v), μ₀ = μ_R − m, the weight e^{x²/s²} has mean
    Z = (1 − 2v/s²)^{−1/2} e^{μ₀²/(s² − 2v)} and tilts x to N(μ′, v′), v′ = v s²/(s² − 2v),
    μ′ = μ₀ s²/(s² − 2v), so Ā = π Z [s² − 2(v′ + μ′² + (m − μ_T) μ′)]. Finite only for
    2v < s² (a wider centre lands where candidates are too sparse for a 1/k² law); ValueError
    otherwise. v = 0 with μ_R = μ_T is `best_of_k_asymptote`'s π s² e^{b²/s²}.

    Parameters
    ----------
    mean, std : float
        The predictive N(mean, std²).
    teacher, reward : float
        μ_T and μ_R (the centre's mean).
    centre_variance : float
        v = Var ε̄ ≥ 0 (units of y²).

    Returns
    -------
    float
        Ā, in the units of s⁴/s² = y² (δ's units).

    Examples
    --------
    >>> import math
    >>> round(noisy_best_of_k_coefficient() / math.pi, 12)     # π s² at b = 0, v = 0
    1.0
    """
    for name, value in (("mean", mean), ("teacher", teacher), ("reward", reward)):
        check_finite(name, value)
    check_positive("std", std)
    check_nonnegative("centre_variance", centre_variance)
    m, s2, mt, mr, v = (float(x) for x in (mean, float(std) ** 2, teacher, reward,
                                           centre_variance))
    if 2.0 * v >= s2:
        raise ValueError(f"centre_variance must be below std²/2 = {s2 / 2:.6g} for a 1/k² law, "
                         f"got {v!r}")
    mu0 = mr - m
    z = math.exp(mu0 * mu0 / (s2 - 2.0 * v)) / math.sqrt(1.0 - 2.0 * v / s2)
    vt, mut = v * s2 / (s2 - 2.0 * v), mu0 * s2 / (s2 - 2.0 * v)
    return math.pi * z * (s2 - 2.0 * (vt + mut * mut + (m - mt) * mut))


class SplitAsymptote(NamedTuple):
    """Large-budget compute-optimal split of best-of-k with a noisy judge (`split_asymptote`):
    ``k`` and ``calls`` (k*, m*), ``error`` (δ there by the same law), and the exponents of k*
    and m* in the budget.

    Examples
    --------
    >>> a = split_asymptote(1e4, call_noise=0.5)
    >>> a.k_exponent, a.calls_exponent
    (0.3333333333333333, 0.6666666666666666)
    """

    k: np.ndarray
    calls: np.ndarray
    error: np.ndarray
    k_exponent: float
    calls_exponent: float


def split_asymptote(budget, *, call_noise, floor=0.0, call_cost=1.0, call_scope="candidate",
                    mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """The compute-optimal (k, m) for the squared error of best-of-k at large budget B
    (derived here; docs/theory.md §10).

    With δ(k, m) ≃ (μ_R − μ_T)² + τ₀² + τ²/m + Ā/k² (`noisy_best_of_k_coefficient` at the
    floor's variance τ₀², the value m → ∞ tends to):

    * a call scores one candidate (cost k(1 + λm) ≃ λkm): k* = (2ĀB/(τ²λ))^{1/3} ∝ B^{1/3},
      m* = B/(λk*) ∝ B^{2/3};
    * a call scores the whole set (cost k + λm): k* = (2ĀB²/(τ²λ))^{1/3} ∝ B^{2/3},
      m* = (B − k*)/λ ∝ B.

    A floor does not change the exponents; it changes Ā (in either direction: the centre
    wanders where candidates are sparser, and the selection bias towards m changes sign with
    the side), scaling k* by (Ā(τ₀²)/Ā(0))^{1/3}: where Ā grows, the floor moves budget from
    calls back to samples.

    Parameters
    ----------
    budget : float or array
        B (large).
    call_noise : float
        τ > 0, one call's centre noise (units of y).
    floor : float
        τ₀ ≥ 0.
    call_cost : float
        λ > 0.
    call_scope : {"candidate", "set"}
    mean, std, teacher, reward : float
        The predictive N(mean, std²), μ_T and μ_R.

    Returns
    -------
    SplitAsymptote
        k*, m*, the error there by the same law, and the exponents of k* and m* in B.

    Examples
    --------
    >>> a = split_asymptote([1e4, 8e4], call_noise=0.5)
    >>> a.k_exponent, a.calls_exponent, round(float(a.k[1] / a.k[0]), 12)
    (0.3333333333333333, 0.6666666666666666, 2.0)
    """
    check_positive("budget", budget)
    check_positive("call_noise", call_noise)
    check_nonnegative("floor", floor)
    check_positive("call_cost", call_cost)
    check_choice("call_scope", call_scope, ("candidate", "set"))
    B = np.asarray(budget, np.float64)
    tau2, lam = float(call_noise) ** 2, float(call_cost)
    coef = noisy_best_of_k_coefficient(mean=mean, std=std, teacher=teacher, reward=reward,
                                       centre_variance=float(floor) ** 2)
    if coef <= 0:
        raise ValueError(f"the best-of-k correction Ā = {coef:.6g} is not positive here: δ "
                         "does not fall as 1/k² and there is no power-law split")
    if call_scope == "candidate":
        k = (2.0 * coef * B / (tau2 * lam)) ** (1.0 / 3.0)
        m = B / (lam * k)
        ek, em = 1.0 / 3.0, 2.0 / 3.0
    else:
        k = (2.0 * coef * B * B / (tau2 * lam)) ** (1.0 / 3.0)
        m = (B - k) / lam
        ek, em = 2.0 / 3.0, 1.0
    error = (float(reward) - float(teacher)) ** 2 + float(floor) ** 2 + tau2 / m + coef / k ** 2
    return SplitAsymptote(k, m, error, ek, em)


# --- optima of the truncated expansion -------------------------------------------------------

def expansion_optimal_temperature(k, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """T* = 2s² t*, t* = 2(1 − 2/k) C2/C1: the minimiser of the order-2 expansion  [paper].

    d/dt[−(1 − 1/k) C1/t + (1 − 1/k)(1 − 2/k) C2/t²] = 0. Needs k > 2 (for k ≤ 2 the
    expansion has no interior optimum) and C1 = s² + 2ab > 0; ValueError otherwise.
    Against the exact δ (tests) this is an asymptote for large C2/C1 only: k = 10, b = 0,
    a = 4 (s = 1) gives t* = 27.2 while the exact optimum is t = 25.24; for a = 0.5 it gives
    2.0 against 0.0025 (docs/theory.md §5). Use `solvable.optimize.optimal_temperature` for
    the exact optimum.

    Parameters
    ----------
    k : float or array
        Number of samples, > 2.
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).

    Returns
    -------
    jax.Array
        T* = 2s² t*, in the units of the temperature.

    Examples
    --------
    >>> from solvable.asymptotics import expansion_optimal_temperature
    >>> round(float(expansion_optimal_temperature(10.0, reward=-4.0)) / 2, 6)  # t*, s = 1
    27.2
    """
    check_at_least("k", k, 1.0)
    if is_concrete(k) and np.any(np.asarray(k, float) <= 2.0):
        raise ValueError(f"k must be > 2 for an interior optimum of the expansion, got {k!r}")
    co = expansion_coefficients(k, mean=mean, std=std, teacher=teacher, reward=reward)
    if is_concrete(co.C1) and np.any(np.asarray(co.C1) <= 0):
        raise ValueError("C1 = s² + 2ab must be > 0 for an optimal temperature (otherwise the "
                         f"expansion decreases to T = ∞), got C1 = {np.min(np.asarray(co.C1))!r}")
    (k,) = _f64(k)
    s2 = jnp.asarray(std, jnp.float64) ** 2
    return 2.0 * s2 * 2.0 * (1.0 - 2.0 / k) * co.C2 / co.C1


def expansion_optimal_k(temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Minimiser over real k of the order-2 expansion  [paper; confirmed for the expansion].

    In x = 1/k the expansion is D − (1 − x)C1/t + (1 − 3x + 2x²)C2/t², convex in x (C2 > 0),
    stationary at x = (3C2 − C1 t)/(4C2): δ is non-increasing in k iff t ≥ 3C2/C1 (then
    k* = inf), else k* = 4C2/(3C2 − C1 t). The exact δ's threshold is `monotone_threshold`
    (smaller by ≈ 14/3 in t at large a²/C1), and the exact k* differs at moderate t (tests;
    docs/theory.md §5).

    Parameters
    ----------
    temperature : float or array
        T > 0.
    mean, std, teacher, reward : float or array
        Predictive mean m and standard deviation s > 0, teacher output μ_T and reward centre
        μ_R (keywords of `solvable.selection_error`; broadcast).

    Returns
    -------
    jax.Array
        k* ≥ 1, or ``inf`` where the expansion is non-increasing in k.

    Examples
    --------
    >>> from solvable.asymptotics import expansion_optimal_k
    >>> round(float(expansion_optimal_k(10.0, mean=0.2, reward=-2.2)), 4)   # t = 5
    2.3114
    >>> float(expansion_optimal_k(1000.0, mean=0.2, reward=-2.2))            # t = 500
    inf
    """
    check_positive("temperature", temperature, allow_inf=True)
    co = expansion_coefficients(1.0, mean=mean, std=std, teacher=teacher, reward=reward)
    s2, t, _, _ = _pointwise(temperature, mean, std, teacher, reward)
    den = 3.0 * co.C2 - co.C1 * t
    k_star = 4.0 * co.C2 / jnp.where(den > 0, den, 1.0)
    return jnp.where(den > 0, jnp.maximum(k_star, 1.0), jnp.inf)


# --- data versus inference compute -----------------------------------------------------------

class Slopes(NamedTuple):
    """Logarithmic slopes of δ: ``k`` = ∂ log δ/∂ log k, ``n`` = ∂ log δ/∂ log n.

    Returned by `scaling_slopes` (docs/theory.md §5).

    Examples
    --------
    >>> from solvable.asymptotics import Slopes
    >>> s = Slopes(k=-2.0, n=-0.1)
    >>> abs(s.k) > abs(s.n)   # a unit of log k buys more than a unit of log n
    True
    """

    k: jax.Array
    n: jax.Array


def _error_of_n(problem: Problem, reward, k, temperature, n):
    law = offset_law(problem.replace(n=n), reward)
    return average_over_offsets(law, k, temperature)


_SLOPE_BLOCK = 8   # points per compiled call of `_slopes_at` (concrete inputs)


@jax.jit
def _slopes_at(problem, reward, k, temperature, n_value):
    def in_k(kk):
        return _error_of_n(problem, reward, kk, temperature, n_value)

    delta, dk = jax.jvp(in_k, (k,), (jnp.ones_like(k),))

    def in_log_n(log_n):
        return _error_of_n(problem, reward, k, temperature, jnp.exp(log_n))

    _, dn = jax.jvp(in_log_n, (jnp.log(n_value),), (jnp.ones_like(n_value),))
    return Slopes(k * dk / delta, dn / delta)


def scaling_slopes(problem: Problem, reward, k, temperature, *, n=None):
    """Exact slopes d log δ/d log k and d log δ/d log n of the averaged δ, by autodiff.

    δ is `solvable.average.generalization_error` (real k, n entering through R(α), s̄² and
    the offsets' law). Both come from one forward-mode pass each (jvp), elementwise over
    broadcast(k, temperature); ``n`` (optional array) evaluates at other training-set sizes,
    vectorised with vmap, giving shape n.shape + broadcast(k, T).shape. One more unit of
    log-compute on k beats the same on n where abs(slopes.k) > abs(slopes.n)
    (docs/theory.md §5).

    Parameters
    ----------
    problem : Problem
        The teacher–student problem.
    reward : Reward
        The judge.
    k : float or array
        Number of samples, real ≥ 1.
    temperature : float or array
        T ≥ 0.
    n : array, optional
        Training-set sizes at which to evaluate (default: ``problem.n``).

    Returns
    -------
    Slopes
        ``k`` = ∂ log δ/∂ log k and ``n`` = ∂ log δ/∂ log n.

    Examples
    --------
    >>> import solvable
    >>> from solvable.asymptotics import scaling_slopes
    >>> s = scaling_slopes(solvable.paper_problem(), solvable.KnobReward(0.0), 64.0, 0.0)
    ... # doctest: +SLOW
    >>> round(float(s.k), 2), round(float(s.n), 2)  # best-of-64: near the −2 of the 1/k² law
    (-1.96, -0.09)
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    check_instance("reward", reward, (KnobReward, WeightsReward, AlignedReward),
                   "a KnobReward, WeightsReward or AlignedReward")
    check_at_least("k", k, 1.0)
    check_nonnegative("temperature", temperature, allow_inf=True)
    if n is not None:
        check_positive("n", n)
    k, temperature = _f64(k, temperature)
    k, temperature = jnp.broadcast_arrays(k, temperature)

    def at(n_value):
        return _slopes_at(problem, reward, k, temperature, n_value)

    if n is None:
        if not (is_concrete(k) and is_concrete(temperature) and is_concrete(problem.n)):
            return at(problem.n)
        # concrete points: blocks of a fixed size, so every call shares one compiled program
        flat = map_blocks(lambda kb, tb: _slopes_at(problem, reward, kb, tb, problem.n),
                          [np.ravel(np.asarray(k)), np.ravel(np.asarray(temperature))],
                          _SLOPE_BLOCK)
        return Slopes(*(jnp.reshape(x, k.shape) for x in flat))
    check_positive("n", n)
    (n,) = _f64(n)
    flat = jax.vmap(at)(n.reshape(-1))  # one compiled pass over all n
    return Slopes(*(x.reshape(n.shape + k.shape) for x in flat))


class BestOfKSlopes(NamedTuple):
    """Regime slopes of best-of-k with the teacher as reward (k → ∞).

    ``k`` = −2; ``n_paper`` = −α ∂_α V_T/(s̄² − 2V_T) (docs/theory.md §5, s̄² held fixed);
    ``n_asymptote`` = d log/d log n of π s̄²/(k²√(1 − 2V_T/s̄²)) with s̄²(n) too.
    """

    k: jax.Array
    n_paper: jax.Array
    n_asymptote: jax.Array


def best_of_k_slopes(problem: Problem) -> BestOfKSlopes:
    """Best-of-k regime slopes: d log δ/d log k = −2, d log δ/d log n = −α ∂_α V_T/(s̄² − 2V_T).

    [paper form; docs/theory.md §5] ∂_α by autodiff through R(α); the paper writes σ² for
    s̄². ``n_asymptote`` also differentiates s̄²(n) [derived]; the two agree where
    γ² R S²/(R + S²) ≪ σ² (the paper's regime). Raises where 2 V_T ≥ s̄².

    Parameters
    ----------
    problem : Problem
        The teacher–student problem (the judge is the teacher).

    Returns
    -------
    BestOfKSlopes
        ``k`` (−2), ``n_paper`` and ``n_asymptote``.

    Examples
    --------
    >>> import solvable
    >>> from solvable.asymptotics import best_of_k_slopes
    >>> s = best_of_k_slopes(solvable.paper_problem())
    >>> float(s.k), round(float(s.n_paper), 4), round(float(s.n_asymptote), 4)
    (-2.0, -0.0871, -0.0881)
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")

    def vt_of_log_n(log_n):
        return offset_variance_teacher(problem.replace(n=jnp.exp(log_n)))

    def log_asym(log_n):
        p = problem.replace(n=jnp.exp(log_n))
        vt = offset_variance_teacher(p)
        s2 = predictive_moments(p).variance
        return jnp.log(s2) - 0.5 * jnp.log1p(-2.0 * vt / s2)

    log_n = jnp.log(problem.n)
    vt, dvt = jax.jvp(vt_of_log_n, (log_n,), (jnp.ones_like(log_n),))
    s2 = predictive_moments(problem).variance
    if is_concrete(vt) and np.any(2.0 * np.asarray(vt) >= np.asarray(s2)):
        raise ValueError("best-of-k regime needs 2 Var Δ_T < s̄², got 2 Var Δ_T / s̄² = "
                         f"{float(2.0 * vt / s2):.6g}")
    # n ∂_n = −α ∂_α, so −α ∂_α V_T/(s̄² − 2V_T) = n ∂_n V_T/(s̄² − 2V_T)
    n_paper = dvt / (s2 - 2.0 * vt)
    n_asym = jax.jvp(log_asym, (log_n,), (jnp.ones_like(log_n),))[1]
    return BestOfKSlopes(jnp.asarray(-2.0), n_paper, n_asym)


# --- discrete answers: limits of the judge and of votes (docs/theory.md §6) -------------------
#
# Confirmed numerically (tests/test_answers_limits.py) against the exact accuracies of
# `solvable.answers`: every k → ∞ limit below, the Chernoff rate of the plurality vote (the slope
# of log(1 − acc) in k), the centring temperature of the weighted vote (t = c for the knob).



def _accuracy_inputs(temperature, mean, std, teacher, reward, tolerance, rule):
    if rule not in ACCURACY_RULES:
        raise ValueError(f"rule must be one of {ACCURACY_RULES}, got {rule!r}")
    check_positive("tolerance", tolerance)
    s2, t, b, a = _pointwise(temperature, mean, std, teacher, reward)
    s = jnp.sqrt(s2)
    return t, b / s, a / s, jnp.asarray(tolerance, jnp.float64) / s


def _inside(x, eta):
    """1{|x| < η}, ½ on the boundary (two answers tie in the limit)."""
    return jnp.where(jnp.abs(x) < eta, 1.0, jnp.where(jnp.abs(x) == eta, 0.5, 0.0))


def accuracy_large_k_limit(temperature, *, mean=0.0, std=1.0, teacher=0.0, reward=0.0,
                           tolerance, rule="softmax"):
    """lim_{k→∞} of `solvable.selection_accuracy` at one input  [derived; docs/theory.md §6].

    With b = (m − μ_T)/s, a = (m − μ_R)/s, η = h/s, t = T/(2s²):

    * softmax, T > 0: the tilted law's mass, P(|N(b − a/(1 + t), t/(1 + t))| < η) (the pick is a
      draw from N(m, s²)·e^{−(y−μ_R)²/T}); T = 0: 1{|μ_R − μ_T| < h}; T = ∞: q_0;
    * plurality vote: 1{|b| < η} (the bin holding the predictive mean is the most likely);
    * weighted vote: 1{|b − a/(1 + t)| < η} (the bin of the tilted mean has the largest tilted
      mass); T = ∞ is the plurality vote, T = 0 best-of-k.

    Ties on a boundary count ½.

    Parameters
    ----------
    temperature : float or array
        T ≥ 0.
    mean, std, teacher, reward : float or array
        As in `solvable.selection_accuracy`.
    tolerance : float or array
        h > 0.
    rule : {"softmax", "majority", "weighted_vote"}

    Returns
    -------
    jax.Array
        The limit (broadcast).

    Examples
    --------
    >>> round(float(accuracy_large_k_limit(0.0, mean=0.3, reward=0.1, tolerance=0.5)), 3)
    1.0
    >>> round(float(accuracy_large_k_limit(2.0, mean=0.3, reward=0.1, tolerance=0.5)), 6)
    0.503214
    """
    t, b, a, eta = _accuracy_inputs(temperature, mean, std, teacher, reward, tolerance, rule)
    finite = jnp.isfinite(t)
    u = jnp.where(finite, 1.0 / (1.0 + jnp.where(finite, t, 0.0)), 0.0)
    if rule == "majority":
        return _inside(b, eta) + 0.0 * t
    if rule == "weighted_vote":
        return _inside(b - a * u, eta)
    tt = jnp.where(finite & (t > 0), t, 1.0)
    centre, sd = b - a / (1.0 + tt), jnp.sqrt(tt / (1.0 + tt))
    mass = (jax.scipy.special.ndtr((eta - centre) / sd) - jax.scipy.special.ndtr((-eta - centre) / sd))
    q0 = jax.scipy.special.ndtr(eta - b) - jax.scipy.special.ndtr(-eta - b)
    return jnp.where(t == 0, _inside(b - a, eta), jnp.where(finite, mass, q0))


def accuracy_large_k_limit_averaged(problem, reward=None, temperature=0.0, *, tolerance,
                                    rule="softmax"):
    """lim_{k→∞} of `solvable.generalization_accuracy`, in closed form  [derived; docs/theory.md §6].

    The limits of `accuracy_large_k_limit` are indicators (or Gaussian masses) of a linear
    combination L = Δ_T − u Δ_R of the offsets, whose law over x is N(0, V_T − 2uC + u²V_R):

        E_x[limit] = P(|N(0, V_T − 2uC + u² V_R + v)| < h),

    u = 0 (plurality vote), u = 1 (softmax at T = 0), u = 1/(1 + t) and v = s̄² t/(1 + t)
    (softmax at T > 0), u = 1/(1 + t) and v = 0 (weighted vote). With the knob reward
    (Δ_R = (1 + c)Δ_T): the vote gives P(|Δ_T| < h), best-of-k P(|cΔ_T| < h), so the judge beats
    the vote asymptotically iff |c| < 1; the weighted vote gives P(|Δ_T (t − c)/(1 + t)| < h),
    which is 1 at t = c.

    Examples
    --------
    >>> from solvable import Problem, KnobReward
    >>> p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
    >>> round(float(accuracy_large_k_limit_averaged(p, KnobReward(0.5), 0.0, tolerance=2e-5,
    ...                                             rule="majority")), 6)
    0.68221
    """
    if rule not in ACCURACY_RULES:
        raise ValueError(f"rule must be one of {ACCURACY_RULES}, got {rule!r}")
    check_positive("tolerance", tolerance)
    check_nonnegative("temperature", temperature, allow_inf=True)
    law = law_of(problem, reward)
    s2 = law.predictive_var
    temperature = jnp.asarray(temperature, jnp.float64)
    t = temperature / (2.0 * s2)
    finite = jnp.isfinite(t)
    tt = jnp.where(finite, t, 0.0)
    u_t = jnp.where(finite, 1.0 / (1.0 + tt), 0.0)
    if rule == "majority":
        u, extra = jnp.zeros_like(t), jnp.zeros_like(t)
    elif rule == "weighted_vote":
        u, extra = u_t, jnp.zeros_like(t)
    else:
        u = jnp.where(t == 0, 1.0, u_t)
        extra = jnp.where(finite, s2 * tt * u_t, s2)
    var = law.var_teacher - 2.0 * u * law.cov + u * u * law.var_reward + extra
    h = jnp.asarray(tolerance, jnp.float64)
    safe = jnp.where(var > 0, var, 1.0)
    mass = 2.0 * jax.scipy.special.ndtr(h / jnp.sqrt(safe)) - 1.0
    return jnp.where(var > 0, mass, 1.0)


def majority_vote_rate(*, mean=0.0, std=1.0, teacher=0.0, tolerance):
    """Exponential rate of the plurality vote: 1 − acc_MV(k) = e^{−k·rate + o(k)} when the
    correct answer is the most likely one, with

        rate = min_{j≠0} −log(1 − (√q_0 − √q_j)²)   [derived; docs/theory.md §6]

    (Chernoff: P(N_j ≥ N_0) ≤ (min_θ E e^{θ(X_j − X_0)})^k = (1 − (√q_0 − √q_j)²)^k, and this is
    the exact exponent of the two-answer race; the plurality's error is a union of such races).
    Confirmed against the slope of log(1 − acc) of the exact vote (tests). When another answer
    j* is more likely, acc → 0 and the same formula with q_0 ↔ q_{j*} bounds the rate from below.
    Scalars (NumPy).

    Examples
    --------
    >>> round(majority_vote_rate(mean=0.2, tolerance=0.5), 6)
    0.006264
    """
    from .answers import bin_probabilities
    check_finite("mean", mean)
    check_positive("std", std)
    check_finite("teacher", teacher)
    check_positive("tolerance", tolerance)
    q0, others = bin_probabilities((float(mean) - float(teacher)) / float(std),
                                   float(tolerance) / float(std))
    top = float(np.max(others))
    if q0 >= top:
        return float(-np.log1p(-(math.sqrt(q0) - math.sqrt(top)) ** 2))
    return float(-np.log1p(-(math.sqrt(top) - math.sqrt(q0)) ** 2))


def weighted_vote_centring_temperature(*, mean=0.0, std=1.0, teacher=0.0, reward=0.0):
    """Temperature T_c at which the weighted vote's tilted mean sits on μ_T, so that its k → ∞
    accuracy is 1 for every tolerance  [derived; docs/theory.md §6]:

        b − a/(1 + t) = 0  ⇒  t_c = a/b − 1,   T_c = 2s² (a/b − 1),

    defined where a/b ≥ 1 (the judge prefers answers beyond the predictive mean, on the far side
    from μ_T); elsewhere the tilted mean is closest to μ_T at T = 0, which is returned. With the
    knob reward Δ_R = (1 + c)Δ_T this is t = c (the same t = c as the squared-error optimum).

    Examples
    --------
    >>> round(float(weighted_vote_centring_temperature(mean=0.2, reward=-0.4, std=1.0)), 6)
    4.0
    """
    s2, _, b, a = _pointwise(0.0, mean, std, teacher, reward)
    ratio = a / jnp.where(b != 0, b, 1.0)
    return jnp.where((b != 0) & (ratio >= 1.0), 2.0 * s2 * (ratio - 1.0), 0.0)


def weighted_vote_centring_temperature_averaged(problem, reward=None):
    """Temperature maximising the weighted vote's x-averaged k → ∞ accuracy
    P(|Δ_T − uΔ_R| < h), u = 1/(1 + t): the variance V_T − 2uC + u²V_R is smallest at
    u = C/V_R, i.e. t* = V_R/C − 1 (for every tolerance), clipped to t ≥ 0; knob: t* = c.
    Returns T* = 2 s̄² t*  [derived; docs/theory.md §6].

    Examples
    --------
    >>> from solvable import Problem, KnobReward
    >>> p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
    >>> from solvable import offset_law
    >>> law_s2 = float(offset_law(p, KnobReward(3.0)).predictive_var)
    >>> round(float(weighted_vote_centring_temperature_averaged(p, KnobReward(3.0))) / (2 * law_s2), 6)
    3.0
    """
    law = law_of(problem, reward)
    ratio = law.var_reward / jnp.where(law.cov > 0, law.cov, 1.0)
    t = jnp.where(law.cov > 0, jnp.maximum(ratio - 1.0, 0.0), 0.0)
    return 2.0 * law.predictive_var * t


def judge_vote_crossover(ks, judge, vote):
    """Where two accuracy curves cross: the k (interpolated linearly in log k between the two
    grid points that bracket the first sign change of judge − vote) at which the vote catches up
    with the judge or the reverse; ``nan`` if they do not cross on the grid.

    Parameters
    ----------
    ks : sequence of numbers
        Increasing k grid.
    judge, vote : sequences of numbers
        The accuracies on the grid (e.g. `solvable.generalization_accuracy` with rule="softmax"
        at T = 0 and rule="majority").

    Returns
    -------
    float
        The crossing k.

    Examples
    --------
    >>> round(judge_vote_crossover([1, 2, 4, 8], [0.5, 0.6, 0.65, 0.66], [0.5, 0.55, 0.66, 0.8]), 3)
    3.564
    """
    ks, d = np.asarray(ks, float), np.asarray(judge, float) - np.asarray(vote, float)
    sign = np.sign(d)
    nz = np.nonzero(sign)[0]
    if nz.size == 0:
        return float("nan")
    first = sign[nz[0]]
    flip = np.nonzero(sign[nz[0]:] == -first)[0]
    if flip.size == 0:
        return float("nan")
    j = nz[0] + flip[0]
    i = j - 1
    lk = np.log(ks)
    frac = d[i] / (d[i] - d[j]) if d[i] != d[j] else 0.0
    return float(np.exp(lk[i] + frac * (lk[j] - lk[i])))

"""Query and particle bounds of Zhu & Lu, "On the Power of (Approximate) Reward Models for
Inference-Time Scaling: Sequential Monte Carlo and Beyond" (arXiv 2602.01381), docs/theory.md §8.

Constants are as reconstructed in docs/theory.md §8 (status "verify"): the tests confirm that the
measured particle counts stay below `smc_particle_bound` on the product family, that the
guided TV stays below 2tε on random trees, and that the hard instance has Bellman error ε.
Every function has a ``log=True`` form (natural log), for arguments where the value overflows.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as v

__all__ = [
    "lower_bound_ratio",
    "lower_bound_bellman",
    "guided_tv_bound",
    "smc_particle_bound",
    "smc_cost_bound",
    "polynomial_regime_bound",
    "pool_mh_cost",
    "rejection_cost",
]


def _check_T(T):
    v.check_integer_at_least("T", T, 1)


def _check_eps(epsilon):
    v.check_nonnegative("epsilon", epsilon)


def _check_L(ratio_bound):
    v.check_at_least("ratio_bound", ratio_bound, 1.0)


def _check_tv(name, tv):
    v.check_finite(name, tv)
    if not 0 < float(tv) < 1:
        raise ValueError(f"{name} must be in (0, 1), got {tv!r}")


def _out(log_value, log):
    return log_value if log else np.exp(log_value)


def lower_bound_ratio(T: int, ratio_bound: float, *, log: bool = False):
    """Ω(L^{2T/3}): queries any sampler within TV 1/3 of π needs without Bellman control.

    Parameters
    ----------
    T : int
        Horizon T ≥ 1.
    ratio_bound : float
        Ratio bound L ≥ 1.
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        L^{2T/3} (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> round(float(lower_bound_ratio(3, 2.0)), 6)  # 2^2
    4.0
    """
    _check_T(T)
    _check_L(ratio_bound)
    v.check_bool("log", log)
    return _out(2 * T / 3 * np.log(ratio_bound), log)


def lower_bound_bellman(T: int, epsilon: float, *, log: bool = False):
    """Ω((1+ε)^{2T/3}): the same with Bellman error ε (hidden prefix of length 2T/3).

    Parameters
    ----------
    T : int
        Horizon T ≥ 1.
    epsilon : float
        Bellman error ε ≥ 0.
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        (1+ε)^{2T/3} (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> round(float(lower_bound_bellman(3, 1.0)), 6)  # 2^2
    4.0
    """
    _check_T(T)
    _check_eps(epsilon)
    v.check_bool("log", log)
    return _out(2 * T / 3 * np.log1p(epsilon), log)


def guided_tv_bound(t, epsilon: float, *, sharp: bool = False):
    """TV(π̃_t, π̂_t) ≤ 2tε for the single guided particle (docs/theory.md §8); ``sharp=True`` gives
    the derived 1 − (1+ε)^{−2t} ≤ 2tε (see `exact`).

    Parameters
    ----------
    t : int, float or array_like
        Level(s) t ≥ 0.
    epsilon : float
        Bellman error ε ≥ 0.
    sharp : bool
        Return 1 − (1+ε)^{−2t} instead of 2tε.

    Returns
    -------
    float or numpy.ndarray
        The bound, shaped like ``t``.

    Examples
    --------
    >>> from solvable.smc import guided_tv_bound
    >>> round(float(guided_tv_bound(2, 0.1)), 6), round(float(guided_tv_bound(2, 0.1, sharp=True)), 6)
    (0.4, 0.316987)
    """
    v.check_nonnegative("t", t)
    _check_eps(epsilon)
    v.check_bool("sharp", sharp)
    t = np.asarray(t, dtype=float)
    return -np.expm1(-2 * t * np.log1p(epsilon)) if sharp else 2 * t * epsilon


def smc_particle_bound(T: int, epsilon: float, ratio_bound: float, tv: float, *, log: bool = False):
    """N = L⁶ T (1+ε)^{6(T−1)} / (2 δ_TV): enough particles for TV(E[law of output], π) ≤ δ_TV.

    Parameters
    ----------
    T : int
        Horizon T ≥ 1.
    epsilon : float
        Bellman error ε ≥ 0.
    ratio_bound : float
        Ratio bound L ≥ 1.
    tv : float
        Target TV δ_TV in (0, 1).
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        The particle count N (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> round(float(smc_particle_bound(2, 0.0, 1.0, 0.25)), 6)  # T / (2 δ) with ε = 0, L = 1
    4.0
    """
    _check_T(T)
    _check_eps(epsilon)
    _check_L(ratio_bound)
    _check_tv("tv", tv)
    v.check_bool("log", log)
    lg = 6 * np.log(ratio_bound) + np.log(T) + 6 * (T - 1) * np.log1p(epsilon) - np.log(2 * tv)
    return _out(lg, log)


def smc_cost_bound(T: int, epsilon: float, ratio_bound: float, tv: float, *, log: bool = False):
    """Total work N·T of SMC with N = `smc_particle_bound`.

    Parameters
    ----------
    T : int
        Horizon T ≥ 1.
    epsilon : float
        Bellman error ε ≥ 0.
    ratio_bound : float
        Ratio bound L ≥ 1.
    tv : float
        Target TV δ_TV in (0, 1).
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        N·T (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> round(float(smc_cost_bound(2, 0.0, 1.0, 0.25)), 6)  # 4 particles × 2 steps
    8.0
    """
    v.check_bool("log", log)
    lg = smc_particle_bound(T, epsilon, ratio_bound, tv, log=True) + np.log(T)
    return _out(lg, log)


def polynomial_regime_bound(T: int, c: float, ratio_bound: float, tv: float, *, log: bool = False):
    """ε = c/T: N ≤ L⁶ e^{6c} T / (2 δ_TV) (since (1 + c/T)^{6(T−1)} ≤ e^{6c}), work O(T²).

    Parameters
    ----------
    T : int
        Horizon T ≥ 1.
    c : float
        Constant c ≥ 0 of ε = c/T.
    ratio_bound : float
        Ratio bound L ≥ 1.
    tv : float
        Target TV δ_TV in (0, 1).
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        The particle bound (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> round(float(polynomial_regime_bound(2, 0.0, 1.0, 0.25)), 6)  # c = 0: T / (2 δ)
    4.0
    """
    _check_T(T)
    v.check_nonnegative("c", c)
    _check_L(ratio_bound)
    _check_tv("tv", tv)
    v.check_bool("log", log)
    return _out(6 * np.log(ratio_bound) + 6 * c + np.log(T) - np.log(2 * tv), log)


def pool_mh_cost(T: int, ratio_bound: float, delta: float, tv: float, *, log: bool = False):
    """Õ(L T³ log(1/δ) log(1/δ_TV)): pool-plus-independent-MH cost when ε and the pool error
    are O(1/T) (constant and log factors of Õ set to 1).

    Parameters
    ----------
    T : int
        Horizon T ≥ 1.
    ratio_bound : float
        Ratio bound L ≥ 1.
    delta : float
        Failure probability δ in (0, 1).
    tv : float
        Target TV δ_TV in (0, 1).
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        The cost (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> import math
    >>> round(float(pool_mh_cost(2, 1.0, math.exp(-1), math.exp(-1))), 6)  # T^3
    8.0
    """
    _check_T(T)
    _check_L(ratio_bound)
    _check_tv("delta", delta)
    _check_tv("tv", tv)
    v.check_bool("log", log)
    lg = np.log(ratio_bound) + 3 * np.log(T) + np.log(np.log(1 / delta)) + np.log(np.log(1 / tv))
    return _out(lg, log)


def rejection_cost(acceptance: float, tv: float, *, log: bool = False):
    """Proposals from p for rejection sampling (acceptance a = E_p[r]/max r) to fail with
    probability ≤ δ_TV: ⌈log δ_TV / log(1 − a)⌉ ≈ log(1/δ_TV)/a (an upper bound on the N that
    reaches TV ≤ δ_TV, since TV ≤ (1−a)^N, see `exact`).

    Parameters
    ----------
    acceptance : float
        Acceptance rate a in (0, 1].
    tv : float
        Target TV δ_TV in (0, 1).
    log : bool
        Return the natural log of the value.

    Returns
    -------
    float
        The number of proposals (or its log).

    Examples
    --------
    >>> from solvable.smc import *
    >>> round(float(rejection_cost(0.5, 0.25)), 6)  # ceil(log 0.25 / log 0.5)
    2.0
    """
    v.check_positive("acceptance", acceptance)
    v.check_at_least("1 - acceptance", 1 - acceptance, 0.0)
    _check_tv("tv", tv)
    v.check_bool("log", log)
    if acceptance >= 1:
        return 0.0 if log else 1.0
    return _out(np.log(np.ceil(np.log(tv) / np.log1p(-acceptance))), log)

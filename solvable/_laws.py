"""Gaussian laws in the normalised units of the exact theory, shared by its public modules.

Private to the package; its names are public inside it. `law_of` turns a (problem, reward) into
the offsets' Gaussian law (docs/theory.md §2); `accuracy_inputs` validates and normalises the
pointwise inputs of the accuracy rules (docs/theory.md §6); `tilted_limit` and
`large_k_coefficient` are the closed forms of δ as k → ∞ and of its 1/k term (docs/theory.md §4),
used by `solvable.asymptotics` and `solvable.optimize`.
"""

from __future__ import annotations

import jax.numpy as jnp

from . import _config  # noqa: F401  (float64)
from ._validate import (check_at_least, check_finite, check_integer_at_least, check_nonnegative,
                        check_positive)
from .equivalents import OffsetLaw, offset_law
from .problem import Problem

RULES = ("softmax", "majority", "weighted_vote")
"""The accuracy rules of discrete answers: softmax judge, plurality vote, weighted vote."""


def law_of(problem, reward) -> OffsetLaw:
    """The offsets' law: ``problem`` itself when it is an `OffsetLaw` (``reward`` must then be
    None), else `solvable.offset_law` of the `Problem` and its `Reward`."""
    if isinstance(problem, OffsetLaw):
        if reward is not None:
            raise ValueError("give either an OffsetLaw (with reward=None) or a Problem and a "
                             "Reward, not an OffsetLaw and a Reward")
        return problem
    if not isinstance(problem, Problem):
        raise ValueError(f"problem must be a Problem or an OffsetLaw, got {type(problem).__name__}")
    if reward is None:
        raise ValueError("reward is required with a Problem")
    return offset_law(problem, reward)


def check_rule(rule):
    """ValueError naming ``rule`` unless it is one of `RULES`."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")


def check_rule_k_temperature(rule, k, temperature):
    """The accuracy rules' common checks: `rule` among `RULES`; real k ≥ 1 for the softmax
    judge, integer k ≥ 1 for the votes; temperature ≥ 0 (``inf`` allowed)."""
    check_rule(rule)
    if rule == "softmax":
        check_at_least("k", k, 1.0)
    else:
        check_integer_at_least("k", k, 1)
    check_nonnegative("temperature", temperature, allow_inf=True)


def accuracy_inputs(k, temperature, mean, std, teacher, reward, tolerance, rule):
    """Validate pointwise accuracy inputs and return (k, t, b, a, η) as float64 arrays:
    t = T/(2s²), b = (m − μ_T)/s, a = (m − μ_R)/s, η = tolerance/s (s = ``std``, m = ``mean``).
    Integer k ≥ 1 for the votes, real k ≥ 1 for the softmax judge."""
    check_rule_k_temperature(rule, k, temperature)
    check_finite("mean", mean)
    check_positive("std", std)
    check_finite("teacher", teacher)
    check_finite("reward", reward)
    check_positive("tolerance", tolerance)
    k, temperature, mean, std, teacher, reward, tolerance = (
        jnp.asarray(v, dtype=jnp.float64)
        for v in (k, temperature, mean, std, teacher, reward, tolerance))
    t = temperature / (2.0 * std * std)
    return k, t, (mean - teacher) / std, (mean - reward) / std, tolerance / std


def tilted_limit(s2, t, b, a):
    """(b − a/(1 + t))² + s² t/(1 + t) with the T = 0 and T = ∞ ends exact."""
    finite = jnp.isfinite(t)
    tt = jnp.where(finite, t, 1.0)
    u = 1.0 / (1.0 + tt)
    value = (b - a * u) ** 2 + s2 * tt * u
    return jnp.where(finite, value, s2 + b * b)


def large_k_coefficient(s2, t, b, a):
    """A of δ = δ_∞ + A/k + O(k⁻²) (T > 0)."""
    finite = jnp.isfinite(t) & (t > 0)
    tt = jnp.where(finite, t, 1.0)
    log_rho = (jnp.log1p(1.0 / tt) - 0.5 * jnp.log1p(2.0 / tt)
               + a * a / (s2 * (1.0 + tt) * (2.0 + tt)))
    gap = tilted_limit(s2, tt, b, a) - tilted_limit(s2, 0.5 * tt, b, a)
    return jnp.where(finite, jnp.exp(log_rho) * gap, jnp.where(t > 0, 0.0, jnp.nan))

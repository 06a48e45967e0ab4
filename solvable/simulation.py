"""Monte Carlo of the finite teacher–student model and its inference-time selection (docs/theory.md §1, §3).

The "Expt." curves of Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable
Model for Inference-Time Scaling", arXiv 2512.19905: per trial, draw a teacher and n training
pairs, fit the exact Bayesian linear regression posterior (Cholesky solves, no inverses),

    Ω = (I/γ² + ΦᵀΦ/σ²)⁻¹,  w̄ = Ω Φᵀ y/σ²,  Φ = X/√d,
    predictive at x: N(m, s²),  m = w̄·x/√d,  s² = σ² + (x/√d)ᵀ Ω (x/√d),

then stream test inputs x; at each draw k_max candidates y_i from the predictive and select by
softmax at temperature T over the reward r = −(y − μ_R)². The estimator is the paper's: the
selection expectation Σ_i p_i (y_i − μ_T)² is computed exactly given the draws, for every
k = 1..k_max in one pass over nested candidates (the first k of the k_max draws), with running,
numerically stable log-sum-exp weights; T = 0 is best-of-k by a running argmin.

Everything is computed in units of the predictive standard deviation at x:
u = (y − μ_T)/s = b + z, v = (y − μ_R)/s = a + z with z ~ N(0, 1), b = (m − μ_T)/s,
a = (m − μ_R)/s, and log-weight −v² s²/T. The offsets are formed in float64 before the division
(m ≈ μ_T to 1e-5 relative in the paper's regime), so float32 sampling stays accurate.

Predictives: ``"posterior"`` (the finite model) and ``"deterministic"`` (Gaussian with the DE
mean (x/√d)ᵀ A_R w_T and the DE variance s̄²; it checks the selection integral alone).
Methods: ``"sampling"`` (the paper's estimator); ``"control_variate"`` (the same draws, plus a
reference selection with b = a = 0 run on the same z, common random numbers, whose expectation
`selection_error_normalized(k, t_ref, 0, 0)` is exact: subtracting β_k (ρ̄_k − R_k) removes
~90% of the variance in the paper's setting at ~1.5× the arithmetic and no extra draws);
``"semi_analytic"`` (conditioning on x: the exact Gaussian selection integral of
`solvable.selection` at each simulated x, no y-noise; the offsets are computed in the compiled
block and the kernel runs in one concrete call per block, its points sorted by branch).
``strata`` > 1 stratifies the test inputs along the offset direction (groups of ``strata``
inputs, one per equal-probability slice of the standardised offset; unbiased, and the groups
are the units of the standard error). Which to pick: ``"semi_analytic"`` (with ``strata``,
e.g. 64) for δ(k) of the model at k up to a few hundred: in the paper's setting (k ≤ 32) its
cost to equal precision is two orders of magnitude below plain sampling
(benchmarks/bench_simulate.py); ``"sampling"`` to reproduce the paper's estimator itself,
for very large k_max (the semi-analytic cost grows with the number of k values, sampling's
with k_max alone), or on GPUs at large sizes; ``"control_variate"`` as a cheaper sampling
estimator with the same law. All three are unbiased for δ(k) of the simulated model.

Rewards (docs/theory.md §1): `KnobReward(c)`: μ_R = μ_T − c (m − μ_T) with m the predictive mean of the
model simulated (the posterior mean for ``"posterior"``), so Δ_R = (1 + c) Δ_T;
`WeightsReward(w)`: μ_R = w·x/√d; `AlignedReward(cos, ρ)`: w_R = ρ‖w_T‖(cos ŵ_T + sin θ e) with
e a uniformly random unit vector orthogonal to w_T, drawn per trial.

Teacher: the problem's weights if it has them; otherwise drawn per trial, by default with the
problem's squared norm in a uniformly random direction (``teacher_draw="sphere"``, what the DE
assumes), or w_T ~ N(0, (‖w_T‖²/d) I) (``teacher_draw="gaussian"``, the paper's scripts).

Randomness: one `jax.random` key per (trial, block of ``chunk_size`` test inputs), folded from
the seed, so results do not depend on the number of devices; blocks are spread over all visible
devices with `jax.shard_map` on a one-axis `Mesh`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from functools import lru_cache, partial
from typing import NamedTuple, Optional, Sequence, Union

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from . import _config  # noqa: F401
from ._laws import RULES as ACCURACY_RULES
from ._validate import (check_bool, check_choice, check_dtype, check_instance,
                        check_integer_at_least, check_key, check_nonnegative, check_real,
                        check_shape)
from .equivalents import OffsetLaw, offset_law, predictive_moments
from ._students import Student, draw_student, normalize_ks, test_offsets
from .judge import check_judge, judged_law
from .problem import AlignedReward, KnobReward, Problem, Reward, WeightsReward

__all__ = [
    "simulate",
    "SimulationResult",
    "SoftmaxState",
    "softmax_init",
    "softmax_step",
    "BestOfState",
    "best_of_init",
    "best_of_step",
    "nested_selection",
    "Student",
    "draw_student",
]

PREDICTIVES = ("posterior", "deterministic")
METHODS = ("sampling", "control_variate", "semi_analytic")
TEACHER_DRAWS = ("sphere", "gaussian")
SAMPLE_DTYPES = ("float64", "float32")


# ----------------------------------------------------------------------------------------------
# Nested selection over candidates: init/step pure functions (one candidate per step)
# ----------------------------------------------------------------------------------------------

class SoftmaxState(NamedTuple):
    """Running softmax selection over the candidates seen so far, per test input.

    ``log_max``: running max M of the log-weights l_i = −v_i² s²/T; ``sum_w`` = Σ e^{l_i − M};
    ``sum_we`` = Σ e^{l_i − M} u_i². The selection error of the first k candidates (in units of
    s²) is ``sum_we / sum_w``.

    Parameters
    ----------
    log_max : jax.Array
        Running maximum M of the log-weights (−inf before the first candidate).
    sum_w : jax.Array
        Σ_i e^{l_i − M}.
    sum_we : jax.Array
        Σ_i e^{l_i − M} u_i².

    Examples
    --------
    >>> from solvable.simulation import softmax_init
    >>> state = softmax_init((3,))
    >>> state.log_max.tolist(), state.sum_w.tolist()
    ([-inf, -inf, -inf], [0.0, 0.0, 0.0])
    """

    log_max: jax.Array
    sum_w: jax.Array
    sum_we: jax.Array


def softmax_init(shape, dtype=jnp.float64) -> SoftmaxState:
    """Empty `SoftmaxState` (no candidate seen) for test inputs of the given shape.

    Parameters
    ----------
    shape : tuple of int
        Shape of the batch of test inputs.
    dtype : dtype, default float64
        Dtype of the running sums.

    Returns
    -------
    SoftmaxState
        ``log_max`` = −inf, ``sum_w`` = ``sum_we`` = 0.

    Examples
    --------
    >>> from solvable.simulation import softmax_init
    >>> softmax_init((2, 4)).sum_we.shape
    (2, 4)
    """
    check_shape("shape", shape)
    check_dtype("dtype", dtype)
    zeros = jnp.zeros(shape, dtype)
    return SoftmaxState(jnp.full(shape, -jnp.inf, dtype), zeros, zeros)


def softmax_step(state: SoftmaxState, u, v, beta, noise=0.0):
    """Add one candidate (u = (y − μ_T)/s, v = (y − μ_R)/s); ``beta`` = s²/T (0 for T = ∞).

    One exponential per candidate: if the new log-weight exceeds the running max the sums are
    rescaled by e^{M − l} and the new weight is 1, otherwise the new weight is e^{l − M}.
    Returns the new state and the error Σ p_i u_i² of the candidates so far.

    Parameters
    ----------
    state : SoftmaxState
        The running sums over the candidates seen so far.
    u : array_like
        (y − μ_T)/s of the new candidate; its error is u².
    v : array_like
        (y − μ_R)/s of the new candidate; its log-weight is −``beta`` v².
    beta : array_like
        s²/T (0 for T = ∞, a uniform pick).
    noise : array_like, default 0
        Noise of the candidate's score in units of s² (a noisy judge, docs/theory.md §10):
        its log-weight is −``beta`` (v² − ``noise``).

    Returns
    -------
    state : SoftmaxState
        The sums including the new candidate.
    error : jax.Array
        Σ_i p_i u_i² over the candidates so far (units of s²).

    Examples
    --------
    Two candidates with errors 1 and 4 whose weights are in the ratio 1 : 1/2
    (log-weights 0 and −ln 2): the error is (1 + 4/2)/(3/2) = 2.

    >>> import math
    >>> from solvable.simulation import softmax_init, softmax_step
    >>> state, err = softmax_step(softmax_init(()), 1.0, 0.0, math.log(2.0))
    >>> float(err)
    1.0
    >>> state, err = softmax_step(state, 2.0, 1.0, math.log(2.0))
    >>> round(float(err), 12), round(float(state.sum_w), 12)
    (2.0, 1.5)
    """
    check_instance("state", state, SoftmaxState, "a SoftmaxState (softmax_init)")
    for name, value in (("u", u), ("v", v), ("beta", beta), ("noise", noise)):
        check_real(name, value)
    log_w = -beta * (v * v - noise)
    err = u * u
    new_max = jnp.maximum(state.log_max, log_w)
    q = jnp.exp(-jnp.abs(log_w - state.log_max))  # e^{M-l} if l > M else e^{l-M}; 0 at start
    up = log_w > state.log_max
    scale = jnp.where(up, q, 1.0)
    w_new = jnp.where(up, 1.0, q)
    sum_w = state.sum_w * scale + w_new
    sum_we = state.sum_we * scale + w_new * err
    return SoftmaxState(new_max, sum_w, sum_we), sum_we / sum_w


class BestOfState(NamedTuple):
    """Running best-of-k (T = 0): smallest v² so far and the error u² of that candidate.

    Parameters
    ----------
    best : jax.Array
        Smallest v² = ((y − μ_R)/s)² so far (inf before the first candidate).
    err : jax.Array
        u² = ((y − μ_T)/s)² of that candidate.

    Examples
    --------
    >>> from solvable.simulation import best_of_init
    >>> state = best_of_init(())
    >>> float(state.best), float(state.err)
    (inf, 0.0)
    """

    best: jax.Array
    err: jax.Array


def best_of_init(shape, dtype=jnp.float64) -> BestOfState:
    """Empty `BestOfState` (no candidate seen) for test inputs of the given shape.

    Parameters
    ----------
    shape : tuple of int
        Shape of the batch of test inputs.
    dtype : dtype, default float64
        Dtype of the state.

    Returns
    -------
    BestOfState
        ``best`` = inf, ``err`` = 0.

    Examples
    --------
    >>> from solvable.simulation import best_of_init
    >>> best_of_init((5,)).best.shape
    (5,)
    """
    check_shape("shape", shape)
    check_dtype("dtype", dtype)
    return BestOfState(jnp.full(shape, jnp.inf, dtype), jnp.zeros(shape, dtype))


def best_of_step(state: BestOfState, u, v, beta=None, noise=0.0):
    """Add one candidate to the running argmin of (y − μ_R)²; returns (state, u² of the pick).

    Parameters
    ----------
    state : BestOfState
        The pick among the candidates seen so far.
    u : array_like
        (y − μ_T)/s of the new candidate.
    v : array_like
        (y − μ_R)/s of the new candidate.
    beta : ignored
        Accepted so that the signature matches `softmax_step`.
    noise : array_like, default 0
        Noise of the candidate's score in units of s² (a noisy judge): the pick minimises
        v² − ``noise``.

    Returns
    -------
    state : BestOfState
        The pick including the new candidate (ties keep the earlier one).
    error : jax.Array
        u² of the candidate picked.

    Examples
    --------
    The second candidate has the higher reward (v² = 0.25 < 4) and stays the pick after a
    third one with v² = 1:

    >>> from solvable.simulation import best_of_init, best_of_step
    >>> state, err = best_of_step(best_of_init(()), 1.0, 2.0)
    >>> state, err = best_of_step(state, 3.0, 0.5)
    >>> state, err = best_of_step(state, 0.0, 1.0)
    >>> float(err), float(state.best)
    (9.0, 0.25)
    """
    check_instance("state", state, BestOfState, "a BestOfState (best_of_init)")
    check_real("u", u)
    check_real("v", v)
    if beta is not None:
        check_real("beta", beta)
    check_real("noise", noise)
    del beta
    r = v * v - noise
    better = r < state.best
    new = BestOfState(jnp.where(better, r, state.best), jnp.where(better, u * u, state.err))
    return new, new.err


def _nested_scan(key, b, a, beta, k_max: int, best_of: bool, reduce, dtype, ref_beta=None,
                 noise_sd=None):
    """Scan over k = 1..k_max drawing z ~ N(0, 1) per input; ``reduce`` maps each step's
    per-input error to the scan output. ``best_of`` (static) selects T = 0.

    With ``ref_beta`` (a scalar), a reference selection with b = a = 0 and log-weights
    −ref_beta z² runs on the same z (common random numbers) and ``reduce(err, ref)`` sees both:
    the reference's expectation is known exactly, so it serves as a control variate.
    With ``noise_sd`` (per input, units of s²), each candidate's score gets independent
    Gaussian noise of that size (a noisy judge, docs/theory.md §10).
    """
    init, step = (best_of_init, best_of_step) if best_of else (softmax_init, softmax_step)
    b, a, beta = (jnp.asarray(v, dtype) for v in (b, a, beta))
    with_ref = ref_beta is not None
    if with_ref:
        ref_beta = jnp.asarray(ref_beta, dtype)

    def body(states, k):
        key_k = jax.random.fold_in(key, k)
        z = jax.random.normal(key_k, b.shape, dtype)
        noise = 0.0 if noise_sd is None else noise_sd * jax.random.normal(
            jax.random.fold_in(key_k, 1), b.shape, dtype)
        state, err = step(states[0], b + z, a + z, beta, noise)
        if not with_ref:
            return (state,), reduce(err)
        ref_state, ref = step(states[1], z, z, ref_beta)
        return (state, ref_state), reduce(err, ref)

    states = (init(b.shape, dtype),) * (2 if with_ref else 1)
    _, out = jax.lax.scan(body, states, jnp.arange(k_max))
    return out


def nested_selection(key, b, a, t, k_max: int, *, dtype=jnp.float64):
    """Per-input selection errors for k = 1..k_max over nested Gaussian candidates.

    Given normalized offsets b = (m − μ_T)/s, a = (m − μ_R)/s and t = T/(2s²) (t = 0: best-of-k,
    t = ∞: uniform pick), returns an array of shape (k_max,) + b.shape with Σ_i p_i u_i²
    (units of s²), whose expectation is `selection_error_normalized(k, t, b, a)`.
    ``t`` must be a Python number (it selects the softmax or best-of-k branch).

    Parameters
    ----------
    key : jax PRNG key
        Key of the draws (candidate k uses ``fold_in(key, k)``).
    b : array_like
        Normalised teacher offsets (m − μ_T)/s, one per test input.
    a : array_like
        Normalised reward offsets (m − μ_R)/s, broadcast to the shape of ``b``.
    t : float
        T/(2s²), a Python number (0: best-of-k, ``inf``: uniform pick).
    k_max : int
        Number of nested candidates.
    dtype : dtype, default float64
        Dtype of the draws and running sums.

    Returns
    -------
    jax.Array
        Shape (k_max,) + b.shape: row k − 1 is the error of the first k candidates.

    Examples
    --------
    Row k = 1 is the first candidate's u² whatever the rule; with a = b, best-of-k keeps
    the candidate nearest μ_T, so each input's error never increases with k:

    >>> import math
    >>> import jax
    >>> import numpy as np
    >>> from solvable.simulation import nested_selection
    >>> key = jax.random.key(0)
    >>> best = np.asarray(nested_selection(key, np.zeros(100), 0.0, 0.0, 4))
    >>> uniform = np.asarray(nested_selection(key, np.zeros(100), 0.0, math.inf, 4))
    >>> best.shape, bool(np.all(np.diff(best, axis=0) <= 0)), bool(np.allclose(best[0], uniform[0]))
    ((4, 100), True, True)
    """
    check_key("key", key)
    for name, value in (("b", b), ("a", a), ("t", t)):
        check_real(name, value)
    check_integer_at_least("k_max", k_max, 1)
    check_dtype("dtype", dtype)
    b = jnp.asarray(b, jnp.float64)
    beta = 0.0 if t == 0 or math.isinf(t) else 1.0 / (2.0 * t)
    beta = jnp.broadcast_to(jnp.asarray(beta, jnp.float64), b.shape)
    return _nested_scan(key, b, jnp.broadcast_to(a, b.shape), beta, k_max, t == 0,
                        lambda e: e.astype(jnp.float64), dtype)


# ----------------------------------------------------------------------------------------------
# One block of test inputs → per-k sums (the unit of randomness and of device work)
# ----------------------------------------------------------------------------------------------

class BlockSums(NamedTuple):
    """Float64 sums over the valid test inputs of one block (per requested k)."""

    err: jax.Array        # Σ δ̂_k(x)
    err2: jax.Array       # Σ δ̂_k(x)²
    ref: jax.Array        # Σ ρ_k(x), the control-variate reference (zeros without one)
    ref2: jax.Array       # Σ ρ_k(x)²
    cross: jax.Array      # Σ δ̂_k(x) ρ_k(x)
    moments: jax.Array    # (5,) count, Σ s², Σ Δ_T², Σ Δ_R², Σ Δ_T Δ_R


class BlockOffsets(NamedTuple):
    """Per-input offsets of one block, for the semi-analytic estimator (evaluated outside the
    compiled block by the concrete selection kernel, which sorts points by branch)."""

    s2: jax.Array
    b: jax.Array
    a: jax.Array
    valid: jax.Array
    moments: jax.Array


def _inputs(key, student: Student, problem: Problem, size: int, strata: int):
    """``size`` test inputs x ~ N(0, diag(input_std²)); with ``strata`` > 1, in consecutive
    groups of ``strata`` inputs whose standardised component along the offset direction
    u ∝ input_std · (w̄ − w_T) is stratified: ξ_i = Φ⁻¹((i + U_i)/strata), U_i ~ U(0, 1),
    i = 0..strata−1, the other components left Gaussian. Each input keeps the law of x (a
    stratum is drawn with probability 1/strata, uniformly inside it), so every group's mean is
    an unbiased estimate and the groups are independent."""
    g = jax.random.normal(key, (size, problem.d), jnp.float64)
    if strata > 1:
        k_u = jax.random.fold_in(key, 1)
        v = student.mean_minus_teacher * problem.input_std
        norm = jnp.linalg.norm(v)
        u = jnp.where(norm > 0, v / jnp.where(norm > 0, norm, 1.0),
                      jnp.zeros_like(v).at[0].set(1.0))
        cell = (jnp.arange(size) % strata).astype(jnp.float64)
        xi = jax.scipy.special.ndtri((cell + jax.random.uniform(k_u, (size,), jnp.float64))
                                     / strata)
        g = g + (xi - g @ u)[:, None] * u
    return g * problem.input_std


def _group_sums(e, strata: int):
    """Σ over the block of the per-unit values: inputs (strata ≤ 1) or group means."""
    return e if strata <= 1 else e.reshape(-1, strata).mean(axis=-1)


def _block(key, n_valid, student: Student, temperature, ref_beta, judge_sd, *,
           problem: Problem, size: int, k_max: int, ks: tuple, method: str, dtype,
           best_of: bool, strata: int = 0, noisy_scores: bool = False):
    d = problem.d
    k_x, k_y = jax.random.split(key)
    x = _inputs(k_x, student, problem, size, strata)
    delta_t, delta_r, s2 = test_offsets(student, x / jnp.sqrt(d))
    # a noisy judge's centre misreading ε̄ (docs/theory.md §10): Δ_R = m − μ_R − ε̄
    delta_r = delta_r - judge_sd[0] * jax.random.normal(jax.random.fold_in(key, 2),
                                                        delta_r.shape, jnp.float64)
    s = jnp.sqrt(s2)
    valid = (jnp.arange(size) < n_valid).astype(jnp.float64)
    b, a = delta_t / s, delta_r / s
    moments = jnp.stack([jnp.sum(valid), jnp.sum(valid * s2), jnp.sum(valid * delta_t**2),
                         jnp.sum(valid * delta_r**2), jnp.sum(valid * delta_t * delta_r)])
    zeros = jnp.zeros(len(ks))
    if method == "semi_analytic":
        return BlockOffsets(s2, b, a, valid, moments)
    beta = jnp.where(jnp.isinf(temperature), 0.0,
                     s2 / jnp.where(temperature > 0, temperature, 1.0))
    idx = np.asarray(ks) - 1
    if method == "sampling":
        def reduce(err):
            e = s2 * err.astype(jnp.float64) * valid
            m = _group_sums(e, strata)
            return jnp.sum(e), jnp.sum(m * m)

        noise_sd = judge_sd[1] / s2 if noisy_scores else None
        sums, sums2 = _nested_scan(k_y, b, a, beta, k_max, best_of, reduce, dtype,
                                   noise_sd=noise_sd)
        return BlockSums(sums[idx], sums2[idx], zeros, zeros, zeros, moments)

    def reduce_cv(err, ref):
        e = s2 * err.astype(jnp.float64) * valid
        r = ref.astype(jnp.float64) * valid
        me, mr = _group_sums(e, strata), _group_sums(r, strata)
        return jnp.sum(e), jnp.sum(me * me), jnp.sum(r), jnp.sum(mr * mr), jnp.sum(me * mr)

    out = _nested_scan(k_y, b, a, beta, k_max, best_of, reduce_cv, dtype, ref_beta=ref_beta)
    return BlockSums(*(o[idx] for o in out), moments)


def _semi_analytic_sums(offsets: BlockOffsets, ks: tuple, temperature: float,
                        strata: int) -> BlockSums:
    """Block sums of the exact selection error s² δ̂(k, T/(2s²), b, a) at every valid input
    and k (one concrete call of the kernel: blocks of points sorted by branch, thread pool)."""
    from .selection import selection_error_normalized
    s2, b, a, valid = (np.asarray(v) for v in offsets[:4])
    kk = np.asarray(ks, np.float64)
    t = temperature / (2.0 * s2)
    live = valid[:, None] > 0
    vals = np.asarray(selection_error_normalized(kk[None, :], t[:, None], b[:, None],
                                                 a[:, None], where=live))
    e = s2[:, None] * vals * valid[:, None]
    m = e if strata <= 1 else e.reshape(-1, strata, len(ks)).mean(axis=1)
    zeros = np.zeros(len(ks))
    return BlockSums(e.sum(0), (m * m).sum(0), zeros, zeros, zeros, np.asarray(offsets.moments))


_COMPILED = {}


def _compiled(group, args):
    """AOT-compiled ``group`` for arguments of this structure, shapes and dtypes (cached)."""
    leaves, tree = jax.tree_util.tree_flatten(args)
    sig = (id(group), tree, tuple((np.shape(x), str(getattr(x, "dtype", type(x))))
                                  for x in leaves))
    if sig not in _COMPILED:
        _COMPILED[sig] = group.lower(*args).compile()
    return _COMPILED[sig]


_fold = jax.jit(jax.vmap(jax.random.fold_in, in_axes=(None, 0)))


@lru_cache(maxsize=64)
def _make_group_fn(devices: tuple, size: int, k_max: int, ks: tuple, method: str, dtype,
                   best_of: bool, strata: int = 0, noisy_scores: bool = False):
    """jit(shard_map(vmap(_block))) over a group of blocks, the group axis split over devices.

    Cached on the static configuration, so repeated simulations reuse the compiled kernel
    (the problem's numbers are arguments, not constants).
    """
    mesh = Mesh(np.array(devices), ("blocks",))
    blocks, replicated = PartitionSpec("blocks"), PartitionSpec()
    fn = partial(_block, size=size, k_max=k_max, ks=ks, method=method, dtype=dtype,
                 best_of=best_of, strata=strata, noisy_scores=noisy_scores)

    def local(keys, n_valid, student, temperature, ref_beta, judge_sd, problem):
        return jax.vmap(lambda k, nv: fn(k, nv, student, temperature, ref_beta, judge_sd,
                                         problem=problem))(keys, n_valid)

    sharded = jax.shard_map(local, mesh=mesh,
                            in_specs=(blocks, blocks) + (replicated,) * 5,
                            out_specs=blocks, check_vma=False)
    return jax.jit(sharded), NamedSharding(mesh, blocks)


# ----------------------------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SimulationResult:
    """Monte Carlo estimate of δ(k, T) with its error bars, the DE beside it, and diagnostics.

    ``mean[j]`` estimates δ(ks[j], T). ``stderr``: with ``trials`` ≥ 2 the standard deviation of
    the per-trial means over √trials (honest: test inputs that share a trained student are
    correlated through it); with one trial, the within-trial standard error over the test inputs
    (conditional on that student). ``stderr_within``: the pooled within-trial standard error,
    i.e. what ``stderr`` would be if every test input had its own student; the ratio
    ``stderr / stderr_within`` shows the between-student correlation. ``theory``: the DE
    `generalization_error`; ``theory_at_offsets``: the same Gaussian-offset formula evaluated at
    the simulated offsets' second moments and mean s² (``offsets``), so that
    ``theory − theory_at_offsets`` is the DE's finite-size error in the offsets and
    ``mean − theory_at_offsets`` what remains (non-Gaussian offsets, fluctuating s²).
    ``offsets_theory`` is the DE `offset_law`. Units of σ² via the ``*_over_sigma2`` properties.
    ``wall_time`` excludes the one-off compilation and a warm-up call of the first block
    (``compile_time``); ``samples`` counts candidate
    draws (sampling) or test inputs (semi-analytic).

    Parameters
    ----------
    ks : numpy.ndarray
        The k values.
    mean, stderr, stderr_within : numpy.ndarray
        Estimate of δ(k, T) per k, its standard error and the pooled within-trial one.
    trial_means : numpy.ndarray
        Per-trial estimates, shape (trials, len(ks)).
    theory, theory_at_offsets : numpy.ndarray or None
        The DE and the Gaussian-offset formula at the simulated offsets (None when
        ``compute_theory`` was off).
    offsets, offsets_theory : OffsetLaw
        Second moments of the simulated offsets and mean s², and the DE `offset_law`.
    sigma2 : float
        Label-noise variance σ².
    temperature : float
        T.
    predictive, method : str
        As passed to `simulate`.
    n_test, trials : int
        Test inputs per trial and number of trials.
    wall_time, compile_time : float
        Seconds of the run (compilation excluded) and of compilation and warm-up.
    samples : int
        Candidate draws (sampling) or test inputs (semi-analytic).
    n_devices : int
        Devices the blocks were spread over.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable import KnobReward, Problem
    >>> from solvable.simulation import simulate
    >>> res = simulate(Problem(n=50, d=5, sigma=0.3, gamma=1.0), KnobReward(2.0), 4, 0.2,
    ...                n_test=256, trials=2, predictive="deterministic",
    ...                method="semi_analytic", strata=16)
    >>> res.ks.tolist(), res.trial_means.shape, res.samples
    ([1, 2, 3, 4], (2, 4), 512)
    >>> bool(np.allclose(res.mean_over_sigma2, res.mean / 0.09))
    True
    """

    ks: np.ndarray
    mean: np.ndarray
    stderr: np.ndarray
    stderr_within: np.ndarray
    trial_means: np.ndarray
    theory: Optional[np.ndarray]
    theory_at_offsets: Optional[np.ndarray]
    offsets: OffsetLaw
    offsets_theory: OffsetLaw
    sigma2: float
    temperature: float
    predictive: str
    method: str
    n_test: int
    trials: int
    wall_time: float
    compile_time: float
    samples: int
    n_devices: int

    @property
    def mean_over_sigma2(self):
        return self.mean / self.sigma2

    @property
    def stderr_over_sigma2(self):
        return self.stderr / self.sigma2

    @property
    def theory_over_sigma2(self):
        return None if self.theory is None else self.theory / self.sigma2

    @property
    def z(self):
        """(mean − theory)/stderr per k."""
        return None if self.theory is None else (self.mean - self.theory) / self.stderr

    @property
    def relative_stderr(self):
        return self.stderr / np.abs(self.mean)

    @property
    def samples_per_second(self):
        """Candidate draws per second (sampling) or test inputs per second (semi-analytic)."""
        return self.samples / self.wall_time


def _reference(problem: Problem, ks: tuple, temperature: float, method: str):
    """Control-variate reference: log-weight scale s̄²/T and its exact errors (docs/theory.md §3).

    The reference selection has b = a = 0 and t_ref = T/(2 s̄²) with s̄² the DE predictive
    variance; its expectation is `selection_error_normalized(k, t_ref, 0, 0)`.
    """
    if method != "control_variate":
        return jnp.asarray(0.0), None
    from .selection import selection_error_normalized
    s2 = float(predictive_moments(problem).variance)
    if temperature == 0 or math.isinf(temperature):
        ref_beta = 0.0
        t_ref = temperature
    else:
        ref_beta, t_ref = s2 / temperature, temperature / (2.0 * s2)
    exact = selection_error_normalized(jnp.asarray(ks, jnp.float64), t_ref, 0.0, 0.0)
    return jnp.asarray(ref_beta), np.asarray(exact)


def _combine(sums: dict, n_test: int, ref_exact, unit: int = 1):
    """Per-trial means and within-trial variances of the per-unit estimates.

    A unit is one test input, or with stratified inputs a group of ``unit`` inputs (its mean);
    ``err``/``ref`` are sums over inputs, ``err2``/``ref2``/``cross`` over units of the units'
    means (squared or multiplied). With a control variate ρ (known mean R): δ̂ − β(ρ̄ − R) per
    trial, with the pooled within-trial regression coefficient β = Cov(δ̂, ρ)/Var ρ (its O(1/N)
    bias is negligible).
    """
    n = n_test // unit
    mean_e = sums["err"] / n_test
    ss_e = sums["err2"] - n * mean_e**2
    if ref_exact is None:
        return mean_e, np.maximum(ss_e, 0.0) / max(n - 1, 1), None
    mean_r = sums["ref"] / n_test
    ss_r = sums["ref2"] - n * mean_r**2
    ss_er = sums["cross"] - n * mean_e * mean_r
    var_r = ss_r.sum(axis=0)
    coef = np.where(var_r > 0, ss_er.sum(axis=0) / np.where(var_r > 0, var_r, 1.0), 0.0)
    means = mean_e - coef * (mean_r - ref_exact)
    ss = ss_e - 2 * coef * ss_er + coef**2 * ss_r
    return means, np.maximum(ss, 0.0) / max(n - 1, 1), coef


def _warm_kernel():
    """Compile (or load from the cache) the selection kernel's large chunk with a call of a
    few points, so that the compilation is not timed as work."""
    from ._schedule import chunk_sizes
    from .selection import selection_error_normalized
    n = chunk_sizes()[0] + 1   # the smallest call that uses the large chunk
    jax.block_until_ready(selection_error_normalized(np.ones(n), np.ones(n), np.zeros(n),
                                                     np.zeros(n)))


def _semi_analytic_sums_devices(out: BlockOffsets, n_valid, ks, temperature, strata):
    """`_semi_analytic_sums` of each device's block, stacked like the compiled blocks' sums."""
    per = [_semi_analytic_sums(BlockOffsets(*(f[j] for f in out)), ks, temperature, strata)
           if n_valid[j] > 0 else None for j in range(len(n_valid))]
    filler = next(p for p in per if p is not None)
    per = [p if p is not None else filler for p in per]   # skipped below (n_valid = 0)
    return BlockSums(*(np.stack(f) for f in zip(*per)))


def _root_key(seed):
    """A typed PRNG key from an integer seed or a key (new-style or raw uint32)."""
    if isinstance(seed, jax.Array) and jnp.issubdtype(seed.dtype, jax.dtypes.prng_key):
        if seed.shape != ():
            raise ValueError(f"seed must be an integer or a single PRNG key, got a key array "
                             f"of shape {seed.shape}")
        return seed
    if isinstance(seed, (jax.Array, np.ndarray)) and seed.dtype == np.uint32:
        if seed.shape != (2,):
            raise ValueError(f"seed must be an integer or a single PRNG key, got a uint32 "
                             f"array of shape {seed.shape}")
        return jax.random.wrap_key_data(jnp.asarray(seed))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer or a jax PRNG key, got {seed!r}")
    return jax.random.key(int(seed))


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def simulate(problem: Problem, reward: Reward, ks: Union[int, Sequence[int]], temperature, *,
             n_test: int, trials: int = 1, seed: Union[int, jax.Array] = 0,
             predictive: str = "posterior", method: str = "sampling", chunk_size: int = 65536,
             sample_dtype: str = "float64", teacher_draw: str = "sphere",
             progress: bool = False, compute_theory: bool = True,
             strata: int = 0, metric: str = "error", tolerance=None,
             rule: str = "softmax", judge=None) -> SimulationResult:
    """Monte Carlo estimate of δ(k, T) = E_x E_y[Σ_i p_i (y_i − μ_T)²] (docs/theory.md §3).

    Per trial a teacher, a training set and the exact Bayesian posterior are drawn; at each of
    ``n_test`` test inputs, k candidates y_i ~ N(m(x), s²(x)) are selected by
    p = softmax(−(y − μ_R)²/T) (see the module docstring for the estimators).

    Parameters
    ----------
    problem : Problem
        The teacher–student problem; ``problem.n`` must be an integer for the posterior.
    reward : KnobReward, WeightsReward or AlignedReward
        The judge (see the module docstring for how teacher and reward weights are drawn).
    ks : int or sequence of int
        k_max (then k = 1..k_max) or a list of positive integers; all are computed in one
        nested pass up to max(ks).
    temperature : float
        T ≥ 0 (0: best-of-k; ``inf``: uniform pick).
    n_test : int
        Test inputs per trial (a multiple of ``strata`` when stratified).
    trials : int, default 1
        Independent (teacher, training set, student) draws.
    seed : int or jax PRNG key, default 0
        Integer seed or a key (``jax.random.key``, or a raw ``jax.random.PRNGKey``);
        ``seed=n`` and ``seed=jax.random.key(n)`` give the same numbers, on any number of
        devices.
    predictive : {"posterior", "deterministic"}
        Finite BLR posterior, or the DE mean and variance.
    method : {"sampling", "control_variate", "semi_analytic"}
        Nested candidates; nested candidates with an exactly known common-random-number
        reference; or the exact selection integral at each simulated x.
    chunk_size : int, default 65536
        Test inputs per block (memory O(chunk_size · (d + devices)), never
        n_test × trials × k); blocks are spread over all visible devices.
    sample_dtype : {"float64", "float32"}
        Dtype of the candidate draws and running sums (float64 offsets and accumulation
        either way; float32 is for GPUs).
    teacher_draw : {"sphere", "gaussian"}
        Teacher law when the problem has no teacher weights.
    progress : bool
        Show a tqdm progress bar over blocks.
    compute_theory : bool
        Also evaluate the DE (`generalization_error`) and its value at the simulated offsets.
    strata : int, default 0
        0 or 1: independent test inputs; ``strata`` > 1: stratified along the offset direction
        in groups of ``strata`` inputs (unbiased; the groups are the standard error's units).
    metric : {"error", "accuracy"}
        ``"error"``: the squared error δ above. ``"accuracy"``: answers graded correct iff
        |y − μ_T| < ``tolerance`` and aggregated by ``rule`` (``"softmax"``, ``"majority"``,
        ``"weighted_vote"``); returns `solvable._simulate_answers.AccuracySimulation`
        (docs/theory.md §6; ``method``, ``sample_dtype`` and ``strata`` do not apply).
    tolerance : float, optional
        h > 0, needed by ``metric="accuracy"``.
    rule : {"softmax", "majority", "weighted_vote"}
        Aggregation of the answers for ``metric="accuracy"``.
    judge : solvable.judge.Judge, optional
        Repeated noisy calls (docs/theory.md §10): at each test input the judge's centre is
        μ_R + ε̄, ε̄ ~ N(0, judge.centre_variance), and the softmax acts at
        ``judge.temperature(T)``; with ``score_noise`` > 0 each candidate's score gets
        independent N(0, judge.score_variance) noise (``method="sampling"`` only).
        None: the exact judge.

    Returns
    -------
    SimulationResult
        Means, standard errors, the DE beside them and diagnostics.

    References
    ----------
    Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically Tractable Model for
    Inference-Time Scaling", arXiv 2512.19905 (the "Expt." curves).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable import KnobReward, Problem
    >>> from solvable.simulation import simulate
    >>> res = simulate(Problem(n=50, d=5, sigma=0.3, gamma=1.0), KnobReward(2.0), 4, 0.2,
    ...                n_test=256, trials=2, predictive="deterministic",
    ...                method="semi_analytic", strata=16)
    >>> res.mean.shape, bool(np.all(np.abs(res.z) < 5))
    ((4,), True)
    """
    check_instance("problem", problem, Problem, "a solvable.Problem")
    check_instance("reward", reward, (KnobReward, WeightsReward, AlignedReward),
                   "a KnobReward, WeightsReward or AlignedReward")
    check_real("ks", ks)
    if not isinstance(seed, (jax.Array, np.ndarray)):     # else a PRNG key (_root_key)
        check_real("seed", seed)
    check_bool("progress", progress)
    check_bool("compute_theory", compute_theory)
    if tolerance is not None:
        check_real("tolerance", tolerance)
    check_choice("rule", rule, ACCURACY_RULES)
    judge = check_judge(judge, exact=False)
    if judge.score_variance > 0 and (metric != "error" or method != "sampling"):
        raise ValueError("judge: score_noise > 0 is simulated with metric='error' and "
                         "method='sampling' only")
    if metric == "accuracy":
        from ._simulate_answers import simulate_accuracy
        return simulate_accuracy(problem, reward, ks, temperature, tolerance=tolerance,
                                 rule=rule, n_test=n_test, trials=trials, seed=seed,
                                 predictive=predictive, teacher_draw=teacher_draw,
                                 chunk_size=min(chunk_size, 4096), compute_theory=compute_theory,
                                 progress=progress, judge=judge)
    _check_choice("metric", metric, ("error", "accuracy"))
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        check_integer_at_least("k_max", ks, 1)
        ks = tuple(range(1, int(ks) + 1))
    else:
        ks = normalize_ks(ks)
    k_max = max(ks)
    check_nonnegative("temperature", temperature, allow_inf=True)
    temperature = float(temperature)
    given_temperature = temperature
    temperature = float(judge.temperature(temperature))   # the softmax over mean scores
    judge_sd = jnp.asarray([math.sqrt(judge.centre_variance), math.sqrt(judge.score_variance)])
    for name, value in (("n_test", n_test), ("trials", trials), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        check_integer_at_least(name, value, 1)
    _check_choice("predictive", predictive, PREDICTIVES)
    _check_choice("method", method, METHODS)
    _check_choice("sample_dtype", sample_dtype, SAMPLE_DTYPES)
    _check_choice("teacher_draw", teacher_draw, TEACHER_DRAWS)
    root = _root_key(seed)
    if isinstance(strata, bool) or not isinstance(strata, (int, np.integer)) or strata < 0:
        raise ValueError(f"strata must be an integer >= 0, got {strata!r}")
    strata = int(strata)
    if strata > 1 and n_test % strata:
        raise ValueError(f"with strata = {strata}, n_test must be a multiple of it (whole "
                         f"groups of stratified inputs), got n_test = {n_test}")
    if not isinstance(reward, (KnobReward, WeightsReward, AlignedReward)):
        raise ValueError(f"reward must be a KnobReward, WeightsReward or AlignedReward, "
                         f"got {reward!r}")
    if predictive == "posterior" and float(problem.n) != round(float(problem.n)):
        raise ValueError(f"problem.n must be an integer to simulate a training set, "
                         f"got {float(problem.n)!r}")
    if isinstance(reward, WeightsReward) and reward.weights.shape != (problem.d,):
        raise ValueError(f"reward weights must have shape (d,) = ({problem.d},), "
                         f"got {reward.weights.shape}")

    n_test, trials, chunk_size = int(n_test), int(trials), int(chunk_size)
    size = min(chunk_size, n_test)
    unit = strata if strata > 1 else 1
    size = max(unit, size // unit * unit)   # blocks hold whole groups
    devices = tuple(jax.devices())
    n_dev = len(devices)
    blocks_per_trial = -(-n_test // size)
    dtype = jnp.float32 if sample_dtype == "float32" else jnp.float64
    group, block_sharding = _make_group_fn(devices, size, k_max, ks, method, dtype,
                                           temperature == 0, strata,
                                           judge.score_variance > 0)

    n_k = len(ks)
    sums = {f: np.zeros((trials, n_k)) for f in ("err", "err2", "ref", "ref2", "cross")}
    mom = np.zeros((trials, 5))
    n_groups = -(-blocks_per_trial // n_dev)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=trials * n_groups, desc="simulate", unit="group")
    compiled = None
    start = time.perf_counter()
    ref_beta, ref_exact = _reference(problem, ks, temperature, method)
    compile_time = time.perf_counter() - start  # one-off set-up, not counted as work
    for trial in range(trials):
        tick = time.perf_counter()
        trial_key = jax.random.fold_in(root, trial)
        student = draw_student(jax.random.fold_in(trial_key, 0), problem, reward,
                               predictive=predictive, teacher_draw=teacher_draw)
        if trial == 0:  # the first draw includes its compilation: not counted as work
            jax.block_until_ready(student)
            compile_time += time.perf_counter() - tick
        block_root = jax.random.fold_in(trial_key, 1)
        for g in range(n_groups):
            idx = np.arange(g * n_dev, (g + 1) * n_dev)
            n_valid = np.clip(n_test - idx * size, 0, size)
            args = (jax.device_put(_fold(block_root, jnp.asarray(idx)), block_sharding),
                    jax.device_put(jnp.asarray(n_valid), block_sharding),
                    student, jnp.asarray(temperature), ref_beta, judge_sd, problem)
            if compiled is None:  # compile once (cached), outside the timed work
                tick = time.perf_counter()
                compiled = _compiled(group, args)
                jax.block_until_ready(compiled(*args))  # warm-up: XLA:CPU finishes lazily
                if method == "semi_analytic":
                    _warm_kernel()
                compile_time += time.perf_counter() - tick
            out = compiled(*args)
            out = jax.tree_util.tree_map(np.asarray, out)
            if method == "semi_analytic":   # the exact kernel, outside the compiled block
                out = _semi_analytic_sums_devices(out, n_valid, ks, temperature, strata)
            for j in range(n_dev):  # fixed summation order: independent of the device count
                if n_valid[j] > 0:
                    for f in sums:
                        sums[f][trial] += getattr(out, f)[j]
                    mom[trial] += out.moments[j]
            if bar is not None:
                bar.update(1)
    wall = time.perf_counter() - start - compile_time
    if bar is not None:
        bar.close()

    trial_means, within_var, cv_coef = _combine(sums, n_test, ref_exact, unit)
    mean = trial_means.mean(axis=0)
    stderr_within = np.sqrt(within_var.mean(axis=0) / (n_test // unit * trials))
    if trials >= 2:
        stderr = trial_means.std(axis=0, ddof=1) / np.sqrt(trials)
    else:
        stderr = stderr_within
    count = mom[:, 0].sum()
    s2_mean, var_t, var_r, cov = (mom[:, j].sum() / count for j in range(1, 5))
    offsets = OffsetLaw(jnp.asarray(var_t), jnp.asarray(var_r), jnp.asarray(cov),
                        jnp.asarray(s2_mean),
                        rank_one=isinstance(reward, KnobReward) and judge.centre_variance == 0)
    law = judged_law(offset_law(problem, reward), judge)
    theory = theory_at = None
    if compute_theory and judge.score_variance == 0:
        from .average import average_over_offsets, generalization_error
        kk = jnp.asarray(ks, jnp.float64)
        theory = np.asarray(generalization_error(problem, reward, kk, given_temperature,
                                                 judge=judge))
        theory_at = np.asarray(average_over_offsets(offsets, kk, temperature))
    samples = n_test * trials * (1 if method == "semi_analytic" else k_max)
    return SimulationResult(
        ks=np.asarray(ks), mean=mean, stderr=stderr, stderr_within=stderr_within,
        trial_means=trial_means, theory=theory, theory_at_offsets=theory_at, offsets=offsets,
        offsets_theory=law, sigma2=float(problem.sigma**2), temperature=given_temperature,
        predictive=predictive, method=method, n_test=n_test, trials=trials, wall_time=wall,
        compile_time=compile_time,
        samples=samples, n_devices=n_dev)

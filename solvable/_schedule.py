"""Point scheduler of the selection kernel: classes, ρ-panel budgets, branch sorting, blocks.

The quadrature rule of `solvable.selection` (docs/theory.md §3) has parts that only some points
need: t = 0 is the best-of-k integral alone, the hard side λ > λ0 is provably negligible at
many points, and the hard side's ρ-panels that have positive width vary from 4 to 20. This
module runs each point through only what it needs, without changing its value:

* classify each point (`_reduce`): skipped, t = 0, soft side only, or both sides;
* give each hard-side point the smallest compiled budget of ρ-panels that holds all of its
  positive-width panels (`_budget`, in blocks of such points only: `_budgets_where_needed`);
* sort the points by branch and evaluate them in vectorised blocks that each run one branch of
  a `jax.lax.switch` (`_sorted_blocks`); the soft side runs at every point in one pass;
* cut concrete inputs into chunks of a fixed size (two compiled shapes per backend) and spread
  them over a thread pool on CPU (`solvable._parallel.map_blocks`); traced inputs run one
  sorted-block loop with the coarse branches (the largest budgets only).

Budgets only drop zero-width panels (the same value up to the order of summation) and the
soft-only class drops at most `_kernel.HARD_NEGLIGIBLE` (absolute, s = 1); the tests check
the scheduled values against the unscheduled rule (tests/test_selection.py).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from . import _kernel as rule
from ._parallel import map_blocks, on_cpu

# ρ-panel budgets of the hard side: each point runs the smallest branch that holds all of its
# positive-width panels. Where t ≥ 0.5 only λ-offsets up to 3 are used (at most
# 9 + 3 + 1 = 13 panels); below, all of them may be (at most 20).
_N_LEVELS, _N_OFFSETS = len(rule.MIN_LOG_SURVIVAL), len(rule.LAM_OFFSETS)
_BUDGETS_AT_OFFSET = (4, 7, 10, _N_LEVELS + int(np.sum(rule.LAM_OFFSETS <= 3.0)) + 1)
_BUDGETS_SHARP = (6, 10, 15, _N_LEVELS + _N_OFFSETS + 1)
# branches: 0 skipped, 1 t = 0, 2 soft side only, then the ρ-budgets of each kind (`_budget`);
# `_HARD` is the class of points that need the hard side before their budget is known
_SKIP, _STEP, _SOFT_ONLY, _FIRST_AT_OFFSET = 0, 1, 2, 3
_FIRST_SHARP = _FIRST_AT_OFFSET + len(_BUDGETS_AT_OFFSET)
_HARD = _FIRST_AT_OFFSET
_N_EDGES = 2 + _N_LEVELS + _N_OFFSETS   # length of `_kernel.hard_edges`


def _reduce(k, t, b, a, live):
    """Per point: reduced variables (a ≥ 0 by the sign symmetry, finite t) and its class:
    `_SKIP`, `_STEP` (t = 0), `_SOFT_ONLY` (the hard side is provably negligible,
    `_kernel.hard_side_negligible`), or `_HARD` (both sides; `_budget` then picks the branch
    by the hard side's ρ-panel count)."""
    flip = a < 0
    a, b = jnp.where(flip, -a, a), jnp.where(flip, -b, b)
    t_c = jnp.where(jnp.isinf(t), 1.0, jnp.minimum(t, 1e30))
    negligible = rule.hard_side_negligible(k, jnp.where(t > 0, t_c, 1.0), b, a)
    cls = jnp.where(negligible, _SOFT_ONLY, _HARD)
    cls = jnp.where(t > 0, cls, _STEP)
    return (k, t_c, b, a), jnp.where(live, cls, _SKIP)


def _budget(k, t, a, cls):
    """ρ-edges of the hard side (`_kernel.hard_edges`) and the branch of a point of class `_STEP` or
    `_HARD`: the smallest ρ-panel budget that holds all its positive-width panels, first with
    inner breakpoints at a (t ≥ `_kernel.T_SHARP_INNER`), then without."""
    edges = rule.hard_edges(k, t, a)
    used = jnp.sum(jax.lax.stop_gradient(jnp.diff(edges)) > 0.0)
    at_offset = _FIRST_AT_OFFSET + jnp.searchsorted(jnp.asarray(_BUDGETS_AT_OFFSET[:-1]), used)
    sharp = _FIRST_SHARP + jnp.searchsorted(jnp.asarray(_BUDGETS_SHARP[:-1]), used)
    branch = jnp.where(t < rule.T_SHARP_INNER, sharp, at_offset)
    return edges, jnp.where(cls == _HARD, branch, cls)


def _needs_edges(cls):
    return (cls == _STEP) | (cls == _HARD)


def _budgets_where_needed(k, t, a, cls, block):
    """`_budget` at the points of class `_STEP` or `_HARD`, evaluated in blocks that hold only
    such points (they are sorted first), so the quantile radii are paid for only where they
    are used; other points keep their class (their edges are not used)."""
    n = k.shape[0]
    total = -(-n // block) * block
    order = jnp.argsort(~_needs_edges(cls), stable=True)
    source = jnp.concatenate([order, jnp.full(total - n, n)])    # index n: a skipped dummy
    padded = [jnp.concatenate([x, jnp.full((1,), v, x.dtype)])
              for x, v in zip((k, t, a, cls), (1.0, 1.0, 0.0, _SKIP))]
    blocks = [x[source].reshape(-1, block) for x in padded]

    def one(p):
        k, t, a, cls = p
        return jax.lax.cond(jnp.any(_needs_edges(cls)), jax.vmap(_budget),
                            lambda k, t, a, cls: (jnp.zeros((block, _N_EDGES)), cls),
                            k, t, a, cls)

    edges, branch = jax.lax.map(one, blocks)
    place = jnp.zeros(n, order.dtype).at[order].set(jnp.arange(n))
    return edges.reshape(total, _N_EDGES)[place], branch.reshape(total)[place]


def _branches(coarse=False):
    """Block evaluators (vectorised over a block of points), one per branch (`_budget`): the
    t = 0 step integral or the hard side (the soft side is added outside, `_sorted_blocks`).
    ``coarse``: only the largest ρ-panel budget of each kind (same values; see `_coarse`)."""
    def zero(k, t, b, a, edges):
        return jnp.zeros_like(t)

    def step(k, t, b, a, edges):
        return jax.vmap(rule.step_side)(k, a, b - a, edges)

    def hard(n, at_offset):
        def point(k, t, b, a, edges):
            return rule.hard_side(k, t, a, b - a, rule.compact_edges(edges, n), at_offset)
        return jax.vmap(point)

    if coarse:
        return [zero, step, zero, hard(_BUDGETS_AT_OFFSET[-1], True),
                hard(_BUDGETS_SHARP[-1], False)]
    return ([zero, step, zero] + [hard(n, True) for n in _BUDGETS_AT_OFFSET]
            + [hard(n, False) for n in _BUDGETS_SHARP])


def _coarse(branch):
    """Branch of `_branches(coarse=True)` for a branch of `_branches()`."""
    return jnp.where(branch >= _FIRST_SHARP, _FIRST_AT_OFFSET + 1,
                     jnp.minimum(branch, _FIRST_AT_OFFSET))


def _soft_block(k, t, b, a):
    def one(k, t, b, a):
        return rule.soft_side(k, t, a, b - a, rule.LAMBDA0)
    return jax.vmap(one)(k, t, b, a)


def _sorted_blocks(k, t, b, a, live, block, coarse=False):
    """δ/s² at 1-D arrays of points, in vectorised blocks that each run one branch.

    Points are grouped by branch (`_reduce`, `_budget`); each group is laid out in whole blocks
    of `block` slots (the spare slots hold a harmless dummy point), so every point runs its own
    branch and a block costs what its branch costs. ``coarse``: five branches instead of eleven (the
    largest ρ-budgets only): less to compile and, under a caller's vmap, to evaluate.
    """
    n = k.shape[0]
    fns = _branches(coarse)
    groups = len(fns)
    reduced, cls = jax.vmap(_reduce)(k, t, b, a, live)
    edges, branch = _budgets_where_needed(reduced[0], reduced[1], reduced[3], cls,
                                          _BUDGET_BLOCK if n >= 2 * _BUDGET_BLOCK else block)
    args = (*reduced, edges)
    if coarse:
        branch = _coarse(branch)
    dummy = [jnp.float64(v) for v in (1.0, 1.0, 0.0, 0.0)]              # k, t, b, a
    dummy.append(_budget(dummy[0], dummy[1], dummy[3], _HARD)[0])
    args = [jnp.concatenate([x, d[None]]) for x, d in zip(args, dummy)]   # index n: the dummy
    order = jnp.argsort(branch, stable=True)
    sorted_branch = branch[order]
    counts = jnp.zeros(groups, int).at[branch].add(1)
    slots = -(-counts // block) * block
    first_sorted = jnp.cumsum(counts) - counts
    first_slot = jnp.cumsum(slots) - slots
    slot_sorted = first_slot[sorted_branch] + jnp.arange(n) - first_sorted[sorted_branch]
    total = -(-(n + groups * (block - 1)) // block) * block      # static bound on the slots
    source = jnp.full(total, n).at[slot_sorted].set(order)
    slot_branch = jnp.zeros(total, branch.dtype).at[slot_sorted].set(sorted_branch)
    blocks = [x[source].reshape((-1, block) + x.shape[1:]) for x in args]

    def one(p):
        *xs, br = p
        return jax.lax.switch(jnp.max(br), fns, *xs)

    vals = jax.lax.map(one, (*blocks, slot_branch.reshape(-1, block))).reshape(-1)
    slot = jnp.zeros(n, slot_sorted.dtype).at[order].set(slot_sorted)
    # the soft side, at every point at once (one vectorised pass is cheaper than per block)
    soft = branch >= _SOFT_ONLY
    k_s, t_s, b_s, a_s = args[0][:n], args[1][:n], args[2][:n], args[3][:n]
    vals = vals[slot] + jnp.where(soft, _soft_block(k_s, jnp.where(soft, t_s, 1.0), b_s, a_s), 0.0)
    return jnp.where(jnp.isinf(t) & live, 1.0 + b * b, vals)   # masked points give 0 (vals)


_BLOCK_CPU, _BLOCK_ACC = 4, 256   # points per vectorised block (CPU caches; accelerator width)
_BUDGET_BLOCK = 32                # points per block of the ρ-edge pass (its bisection loop)
# points per compiled call (two shapes per backend): the thread pool's unit on CPU
_CHUNKS_CPU, _CHUNKS_ACC = (8, 1024), (256, 16384)


def chunk_sizes():
    """(small, large): points per compiled call of concrete inputs on this backend."""
    return _CHUNKS_CPU if on_cpu() else _CHUNKS_ACC


def _block():
    return _BLOCK_CPU if on_cpu() else _BLOCK_ACC


@functools.partial(jax.jit, static_argnums=(5, 6))
def _sorted_blocks_jit(k, t, b, a, live, block, coarse=False):
    return _sorted_blocks(k, t, b, a, live, block, coarse)


def _dt_point(k, t, b, a, cls):
    """∂δ/∂t (s = 1) at one reduced point of class `cls` (`_reduce`): the soft side's part of
    `_kernel.soft_side_dt` and, for `_HARD` points, the hard side's `_kernel.hard_side_dt`
    (on the largest ρ-budget); 0 for skipped points and at t = 0 (δ − δ(0) is O(t² log 1/t)
    at most)."""
    c = b - a
    t_s = jnp.where(cls >= _SOFT_ONLY, t, 1.0)

    def hard(k, t, a, c):
        return rule.hard_side_dt(k, t, a, c, rule.hard_edges(k, t, a))

    def live(k, t, a, c):
        soft = rule.soft_side_dt(k, t, a, c, rule.LAMBDA0)
        return soft + jax.lax.cond(cls == _HARD, hard, lambda *_: jnp.zeros(()), k, t, a, c)

    # skipped points (and t = 0) cost nothing: the sides run under a cond
    return jax.lax.cond(cls >= _SOFT_ONLY, live, lambda *_: jnp.zeros(()), k, t_s, a, c)


_DT_T_MAX = 1e10   # above it, ∂δ/∂t from its value there by the 1/t² law of large t
_DT_T_MIN = 1e-10  # below it, ∂δ/∂t from two values of the rule by the t log(1/t) law of small t


def _dt_rule(k, t, b, a, live):
    """`_dt_point` at 1-D arrays of points with finite t > 0, one point at a time."""
    reduced, cls = jax.vmap(_reduce)(k, t, b, a, live)
    return jax.lax.map(lambda p: _dt_point(*p), (*reduced, cls))


def _dt_points(k, t, b, a, live):
    """∂δ/∂t (s = 1) at 1-D arrays of points (`_dt_rule`); 0 at t = 0 and t = ∞.

    Where t > `_DT_T_MAX` the rule runs at t_m = `_DT_T_MAX` and the result is scaled by
    (t_m/t)²: δ = 1 + b² − D/t + O(t⁻²), so the relative error is O(1/t_m), and the rule's own
    sums lose digits beyond it (1e−7 at t = 1e12 for k near 1).

    Where 0 < t < t₀ = `_DT_T_MIN`, ∂δ/∂t comes from the small-t law
    ∂δ/∂t = t (α log(1/t) + β) + O(t² log² t) (α ≠ 0 where two candidates can tie near z = 0),
    with α and β from the rule at t₀ and 10 t₀. The rule's own sums scatter by ~1e−5
    relatively at small t and lose their digits from t ~ 1e−30 on, and its derivatives in a
    (second derivatives of δ) from t ~ 1e−12 where candidates can tie; law and rule agree to
    1e−4 for 1e−20 ≤ t ≤ t₀ (tests/test_selection.py::test_small_t_law_continues_the_rule)."""
    t = jnp.where(t < np.finfo(np.float64).tiny, 0.0, t)   # subnormal t: XLA may flush it to 0
    t_m = jnp.clip(t, _DT_T_MIN, _DT_T_MAX)
    small = live & (t > 0) & (t < _DT_T_MIN)
    # one pass over 2n points: the rule at t_m, and at 10 t₀ where the law needs it (elsewhere
    # the point is skipped); cheaper to compile than a second pass under a cond
    twice = [jnp.concatenate([x, x]) for x in (k, b, a)]
    both = _dt_rule(twice[0], jnp.concatenate([t_m, jnp.full_like(t, 10.0 * _DT_T_MIN)]),
                    twice[1], twice[2], jnp.concatenate([live, small]))
    n = t.shape[0]
    out, r0, r1 = both[:n], both[:n] / _DT_T_MIN, both[n:] / (10.0 * _DT_T_MIN)
    alpha = (r0 - r1) / math.log(10.0)   # α = (r(t₀) − r(10 t₀)) / log 10, r = (∂δ/∂t)/t
    t_s = jnp.where(small, t, _DT_T_MIN)
    # log t₀ − log t, not log(t₀/t): the derivative of t₀/t has t² in it, which underflows
    law = t_s * (r0 + alpha * (math.log(_DT_T_MIN) - jnp.log(t_s)))
    scale = jnp.where(t > _DT_T_MAX, (_DT_T_MAX / jnp.where(t > _DT_T_MAX, t, 1.0)) ** 2, 1.0)
    out = jnp.where(small, law, out * scale)
    return jnp.where((t > 0) & jnp.isfinite(t), out, 0.0)


def _is_zero(tangent):
    return isinstance(tangent, SymbolicZero)


def _dense(tangent, like):
    return jnp.zeros_like(like) if _is_zero(tangent) else tangent


@functools.partial(jax.custom_jvp, nondiff_argnums=(5, 6))
def _traced(k, t, b, a, live, block, coarse):
    """`_sorted_blocks` with the t-derivative of `selection`'s own rule (`_dt_points`); the
    derivatives in k, b and a are those of the value's rule (`_kba_partials`). Every point's
    value depends on that point alone, so the tangent is a sum of partials times tangents."""
    return _sorted_blocks(k, t, b, a, live, block, coarse)


def _traced_jvp(block, coarse, primals, tangents):
    k, t, b, a, live = primals
    dk, dt, db, da, _ = tangents
    out = _traced(k, t, b, a, live, block, coarse)
    tangent = jnp.zeros_like(out)
    if not all(_is_zero(d) for d in (dk, db, da)):   # zero tangents cost nothing
        for partial, d in zip(_kba_partials(k, t, b, a, live, block, coarse), (dk, db, da)):
            if not _is_zero(d):
                tangent = tangent + partial * d
    if not _is_zero(dt):
        tangent = tangent + _dt_points(k, t, b, a, live) * dt
    return out, tangent


_traced.defjvp(_traced_jvp, symbolic_zeros=True)


def _unit_partials(fn, k, b, a):
    """(∂fn/∂k, ∂fn/∂b, ∂fn/∂a) of a pointwise fn(k, b, a), by forward mode with the three unit
    tangents batched (one trace of fn and one primal pass instead of three)."""
    def push(unit):
        return jax.jvp(fn, (k, b, a), tuple(u * jnp.ones_like(k) for u in unit))[1]

    out = jax.vmap(push)(jnp.eye(3, dtype=k.dtype))
    return out[0], out[1], out[2]


@functools.partial(jax.custom_jvp, nondiff_argnums=(5, 6))
def _kba_partials(k, t, b, a, live, block, coarse):
    """(∂δ/∂k, ∂δ/∂b, ∂δ/∂a) of the value's rule; their own derivatives in t are the partials
    of `_dt_points`, so a mixed second derivative ∂²δ/∂t∂x comes from the t-rule in whichever
    order it is taken (forward or reverse mode)."""
    return _unit_partials(lambda k, b, a: _sorted_blocks(k, t, b, a, live, block, coarse),
                          k, b, a)


def _kba_partials_jvp(block, coarse, primals, tangents):
    k, t, b, a, live = primals
    tk, tt, tb, ta, _ = tangents
    out = _kba_partials(k, t, b, a, live, block, coarse)
    tangent = tuple(jnp.zeros_like(o) for o in out)
    rest = (tk, tb, ta)
    if not all(_is_zero(d) for d in rest):
        xs = (k, b, a)
        moved = jax.jvp(lambda k, b, a: _unit_partials(
            lambda k, b, a: _sorted_blocks(k, t, b, a, live, block, coarse), k, b, a),
            xs, tuple(_dense(d, x) for d, x in zip(rest, xs)))[1]
        tangent = tuple(x + y for x, y in zip(tangent, moved))
    if not _is_zero(tt):
        mixed = _unit_partials(lambda k, b, a: _dt_points(k, t, b, a, live), k, b, a)
        tangent = tuple(x + m * tt for x, m in zip(tangent, mixed))
    return out, tangent


_kba_partials.defjvp(_kba_partials_jvp, symbolic_zeros=True)


@functools.partial(jax.jit, static_argnums=(5, 6))
def _traced_jit(k, t, b, a, live, block, coarse):
    return _traced(k, t, b, a, live, block, coarse)


def evaluate(k, t, b, a, live=None):
    """Broadcast (k, t, b, a) and evaluate δ/s² at every point (0 where ``live`` is False).

    Points are grouped by the branch they need (`_reduce`, `_budget`) and evaluated in vectorised blocks
    that run only that branch (`_sorted_blocks`). Concrete inputs are cut into chunks of a
    fixed size (padded with skipped points), spread over a thread pool on CPU
    (`_parallel.map_blocks`); traced inputs (inside the caller's jit/grad) run as one
    sorted-block loop with the coarse branches (only the largest ρ-panel budgets: the same
    numbers to rounding, about 0.7x the speed, a third of the compile time). Under the caller's
    `vmap` every branch is evaluated (JAX turns a batched switch into a select).
    """
    if live is None:
        live = True
    args = (k, t, b, a, live)
    block = _block()
    if any(isinstance(x, jax.core.Tracer) for x in args):
        # inside the caller's jit/grad/vmap: the coarse branches (a third of the code to compile
        # and differentiate; under vmap every branch runs), few points one at a time
        k, t, b, a, live = jnp.broadcast_arrays(*args)
        shape = k.shape
        flat = [x.reshape(-1) for x in (k, t, b, a, live)]
        n = flat[0].size
        if n == 0:
            return jnp.zeros(shape)
        return _traced_jit(*flat, block if n >= 2 * block else 1, True).reshape(shape)
    # concrete inputs: broadcast, flatten and pad in NumPy (no small programs to compile)
    k, t, b, a, live = np.broadcast_arrays(*(np.asarray(x) for x in args))
    shape = k.shape
    n = k.size
    if n == 0:
        return jnp.zeros(shape)
    small, large = chunk_sizes()
    size = small if n <= small else large
    pad = (-n) % size   # padding points are skipped (live = False): they cost nothing
    flat = [np.concatenate([x.reshape(-1).astype(dtype), np.full(pad, fill, dtype)])
            for x, fill, dtype in zip((k, t, b, a, live), (1.0, 1.0, 0.0, 0.0, False),
                                      (np.float64,) * 4 + (bool,))]
    fn = functools.partial(_sorted_blocks_jit, block=block)
    return jnp.asarray(np.asarray(map_blocks(fn, flat, size))[:n].reshape(shape))



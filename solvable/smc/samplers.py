"""Samplers of π ∝ p r, vectorised over particles and jit-compiled (docs/theory.md §8).

blackjax style: NamedTuple states, pure ``*_init`` / ``*_step`` functions, explicit keys,
resampling schemes as interchangeable functions ``resample(key, log_weights, n) -> indices``.
Each sampler runs on the stacked arrays of `_levels.stacked` (log-probs (T, S, B), children
(T, S, B), log-values (T+1, S)); the public wrappers validate at the Python boundary and
return terminal node indices.

* SMC (Zhu & Lu, arXiv 2602.01381): propagate with p, weight G_t = V_t/V_{t−1}, resample;
  output one particle drawn ∝ the final weights.
* Guided: one particle, s_t ∝ p(s_t | s_{1:t−1}) V_t(s_{1:t}).
* Pool + independent MH ("Beyond"): at each step draw M candidates from p, keep one ∝ V_t,
  accumulate w = Π_t (1/M) Σ_j V_t(c_j) / V_{t−1}(x_{t−1}); accept whole proposals with
  probability min(1, w'/w). On the extended space (pools, choices) the proposal density
  times w is p(x) r(x)/(V_0 M^T) × (law of the unselected candidates), so π is invariant.
* Best-of-N and rejection sampling from p.
* Particle filter as used with LLMs (Puri et al., arXiv 2502.01618): resampling by
  softmax(Δ log A_t / τ) of an aggregate A_t of step rewards ρ_u (default ρ_u = V_u/V_{u−1}):
  "last" A_t = ρ_t, "min" A_t = min_u ρ_u, "product" A_t = Π_u ρ_u, "model" A_t = V_t/V_0.
  At τ = 1, product (and model-based, which coincides with it when ρ are the increments of
  the same V) is SMC, the consistent Feynman-Kac sampler of π; last and min are not.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ._levels import log_masses, stacked
from ._walk import no_nan, prepare, propagate, walk_from_base
from .models import Process

__all__ = [
    "multinomial",
    "systematic",
    "SMCState",
    "SMCInfo",
    "smc_init",
    "smc_scan",
    "smc_step",
    "smc_run",
    "smc_sample",
    "guided_sample",
    "pool_level",
    "pool_path_weight",
    "pool_mh_sample",
    "best_of_n",
    "rejection_sample",
    "particle_filter",
    "AGGREGATIONS",
]

AGGREGATIONS = ("last", "min", "product", "model")


# ---------------------------------------------------------------- resampling plug-ins
# A scheme is ``resample(key, log_weights, n, n_active=None) -> (n,) ancestor indices``;
# ``n_active`` (traced, ≤ n) makes the first n_active indices a resampling of size n_active
# (the rest are ignored by the masked drivers of `experiments`, which compile once per size cap).
def _inverse_cdf(log_weights, u):
    """Indices i with cdf_{i−1} ≤ u_j < cdf_i (never a zero-weight index), O(n log n)."""
    w = jax.nn.softmax(log_weights)
    cdf = jnp.cumsum(w)
    last = w.shape[0] - 1 - jnp.argmax(w[::-1] > 0)  # last positive weight (rounding guard)
    return jnp.minimum(jnp.searchsorted(cdf, u * cdf[-1], side="right", method="sort"), last)


def multinomial(key, log_weights, n: int, n_active=None):
    """n iid ancestor indices ∝ exp(log_weights) (inverse CDF: O(n log n), not the O(n²) of
    Gumbel-max over n × n).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    log_weights : jax.Array
        (N,) unnormalised log-weights.
    n : int
        Number of indices to draw.
    n_active : int, optional
        Ignored (part of the resampling signature).

    Returns
    -------
    jax.Array
        (n,) ancestor indices.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> multinomial(jax.random.key(0), jnp.array([0.0, -jnp.inf]), 3).tolist()  # weight 0 never drawn
    [0, 0, 0]
    """
    v.check_key("key", key)
    v.check_real("log_weights", log_weights)
    v.check_integer_at_least("n", n, 1)
    if n_active is not None:
        v.check_real("n_active", n_active)
    return _inverse_cdf(log_weights, jax.random.uniform(key, (n,)))


def systematic(key, log_weights, n: int, n_active=None):
    """Systematic resampling: one uniform U, ancestors at quantiles (U + i)/n of the weights;
    each index i appears ⌊n w_i⌋ or ⌈n w_i⌉ times, E[count_i] = n w_i (n = n_active if given).

    Parameters
    ----------
    key : jax.Array
        PRNG key (one uniform).
    log_weights : jax.Array
        (N,) unnormalised log-weights.
    n : int
        Number of indices returned.
    n_active : int, optional
        Size of the resampling (the first n_active indices; default n).

    Returns
    -------
    jax.Array
        (n,) ancestor indices, non-decreasing.

    Examples
    --------
    >>> import jax, jax.numpy as jnp
    >>> systematic(jax.random.key(0), jnp.log(jnp.array([0.5, 0.5])), 4).tolist()  # n w_i = 2 each
    [0, 0, 1, 1]
    """
    v.check_key("key", key)
    v.check_real("log_weights", log_weights)
    v.check_integer_at_least("n", n, 1)
    if n_active is not None:
        v.check_real("n_active", n_active)
    m = n if n_active is None else n_active
    u = jnp.minimum((jax.random.uniform(key) + jnp.arange(n)) / m, 1.0)
    return _inverse_cdf(log_weights, u)


# ---------------------------------------------------------------- SMC
class SMCState(NamedTuple):
    """Particle population of SMC: node index and last log-weight of each particle.

    Parameters
    ----------
    nodes : jax.Array
        (N,) node index of each particle at the current level.
    log_weights : jax.Array
        (N,) log-weight log G_t of the last step.

    Examples
    --------
    >>> smc_init(3).log_weights.tolist()
    [0.0, 0.0, 0.0]
    """

    nodes: jax.Array  # (N,) node index of each particle at the current level
    log_weights: jax.Array  # (N,) log G_t of the last step


class SMCInfo(NamedTuple):
    """What one SMC step did: parents, effective sample size, normalising-constant increment.

    Parameters
    ----------
    ancestors : jax.Array
        (N,) parent index of each particle.
    ess : jax.Array
        Effective sample size of the new weights; 0 when every weight is 0 (the run has died).
    log_increment : jax.Array
        log (1/N) Σ_i G_t^i; −inf when every weight is 0 (then Ẑ = 0).

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import product_model
    >>> from solvable.smc._levels import stacked
    >>> m = product_model(2, 3.0, normalized=True)
    >>> _, info = smc_scan(jax.random.key(0), *stacked(m, m.values), smc_init(4))
    >>> info.ancestors.shape, info.ess.shape, info.log_increment.shape
    ((2, 4), (2,), (2,))
    """

    ancestors: jax.Array  # (N,) index (into the previous population) of each particle's parent
    ess: jax.Array  # effective sample size 1 / Σ_i W_i² of the new weights (active); 0 if dead
    log_increment: jax.Array  # log (1/N) Σ_i G_t^i: log Ẑ = Σ_t log_increment (−inf if dead)


def smc_init(n_particles: int) -> SMCState:
    """N particles at the root with equal weights.

    Parameters
    ----------
    n_particles : int
        Number of particles N.

    Returns
    -------
    SMCState
        Nodes all 0 (the root) and log-weights all 0.

    Examples
    --------
    >>> smc_init(3).nodes.tolist()
    [0, 0, 0]
    """
    v.check_integer_at_least("n_particles", n_particles, 1)
    return SMCState(jnp.zeros(n_particles, jnp.int32), jnp.zeros(n_particles))


def smc_step(key, state: SMCState, lp_t, ch_t, lv_t, lv_next, resampling=multinomial,
             n_active=None) -> tuple[SMCState, SMCInfo]:
    """One Feynman-Kac SMC step: resample by the previous weights, propagate with p, reweight
    by G_{t+1} = V_{t+1}(child) / V_t(parent).

    The one SMC step of the package (blackjax style: pure, explicit key, ``(state, info)``);
    `smc_run`, `smc_sample` and the bucketed driver of `experiments` all scan it.

    Parameters
    ----------
    key : jax.Array
        PRNG key (split into a resampling and a propagation key).
    state : SMCState
        Current population (N particles).
    lp_t, ch_t : jax.Array
        (S, B) log p(b | node) and child node of level t (stacked layout of `_levels.stacked`).
    lv_t, lv_next : jax.Array
        (S,) log V_t and log V_{t+1} on the nodes of levels t and t+1.
    resampling : callable
        ``resample(key, log_weights, n, n_active) -> (n,) ancestor indices`` (`multinomial`,
        `systematic`).
    n_active : int or traced int, optional
        Only the first ``n_active`` ≤ N particles take part (the rest get weight 0); lets one
        compiled size serve every smaller N.

    Returns
    -------
    state : SMCState
        The new population with log G_{t+1}.
    info : SMCInfo
        Ancestors, ESS and log (1/N) Σ G_{t+1} (whose product over t is the unbiased estimate
        Ẑ of E_p[r]/V_0 when resampling is unbiased).

    Notes
    -----
    docs/theory.md §8. E[Ẑ] = E_p[V_T/V_0] = V*_0/V_0 for any V (tests/smc/test_scale.py
    checks it by a z-test); flat weights give ESS = N.

    Where V vanishes (a zero reward) every particle can get weight 0: the run has died. That
    step reports ESS = 0 and ``log_increment`` = −inf (Ẑ = 0, which keeps E[Ẑ] exact). A dead
    population cannot be resampled: each later step keeps its particles (``ancestors`` =
    0, 1, …, N − 1), propagates them with p and gives them weight 0 again, with ESS = 0 and
    ``log_increment`` = −inf, so the final weights are all −inf. Steps of a run that has not
    died are unaffected.

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import product_model
    >>> from solvable.smc._levels import stacked
    >>> m = product_model(4, 3.0, normalized=True)
    >>> lp, ch, lv = stacked(m, m.values)
    >>> s, info = smc_step(jax.random.key(0), smc_init(8), lp[0], ch[0], lv[0], lv[1])
    >>> round(float(info.ess), 3) <= 8.0, info.ancestors.shape
    (True, (8,))
    """
    v.check_key("key", key)
    v.check_instance("state", state, SMCState, "an SMCState (smc_init)")
    for name, value in (("lp_t", lp_t), ("ch_t", ch_t), ("lv_t", lv_t), ("lv_next", lv_next)):
        v.check_real(name, value)
    v.check_callable("resampling", resampling)
    if n_active is not None:
        v.check_real("n_active", n_active)
    k_res, k_prop = jax.random.split(key)
    n = state.nodes.shape[0]
    lw = state.log_weights
    if n_active is not None:
        active = jnp.arange(n) < n_active
        lw = jnp.where(active, lw, -jnp.inf)
    dead = jnp.all(jnp.isneginf(lw))  # every weight vanished at an earlier step
    # a dead population cannot be resampled: its particles are kept, and stay at weight 0
    ancestors = resampling(k_res, lw, n, n_active)
    ancestors = jnp.where(dead, jnp.arange(n, dtype=ancestors.dtype), ancestors)
    nodes = state.nodes[ancestors]
    child = propagate(k_prop, nodes, lp_t, ch_t)
    new = jnp.where(dead, -jnp.inf, no_nan(lv_next[child] - lv_t[nodes]))
    used = new if n_active is None else jnp.where(active, new, -jnp.inf)
    m = n if n_active is None else n_active
    total = jax.scipy.special.logsumexp(used)
    w = jnp.exp(used - total)
    ess = jnp.where(jnp.isneginf(total), 0.0, 1.0 / jnp.sum(w**2))
    info = SMCInfo(ancestors, ess, total - jnp.log(m))
    return SMCState(child, new), info


def smc_scan(key, lp, ch, lv, state: SMCState, resampling=multinomial, n_active=None):
    """T steps of `smc_step` in one `lax.scan` (not jitted: jit its caller).

    Parameters
    ----------
    key : jax.Array
        PRNG key (split into one key per level).
    lp, ch, lv : jax.Array
        Stacked log-probs (T, S, B), children (T, S, B) and log-values (T+1, S).
    state : SMCState
        Initial population (`smc_init`).
    resampling, n_active
        As in `smc_step`.

    Returns
    -------
    state : SMCState
        Final weighted population.
    info : SMCInfo
        Per-level infos stacked along a leading axis of length T.

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import product_model
    >>> from solvable.smc._levels import stacked
    >>> m = product_model(4, 3.0, normalized=True)
    >>> s, info = smc_scan(jax.random.key(0), *stacked(m, m.values), smc_init(8))
    >>> info.ess.shape, info.ancestors.shape  # one entry per level
    ((4,), (4, 8))
    """
    v.check_key("key", key)
    for name, value in (("lp", lp), ("ch", ch), ("lv", lv)):
        v.check_real(name, value)
    v.check_instance("state", state, SMCState, "an SMCState (smc_init)")
    v.check_callable("resampling", resampling)
    if n_active is not None:
        v.check_real("n_active", n_active)

    def body(st, xs):
        k, lp_t, ch_t, lv_t, lv_next = xs
        return smc_step(k, st, lp_t, ch_t, lv_t, lv_next, resampling, n_active)

    keys = jax.random.split(key, lp.shape[0])
    return jax.lax.scan(body, state, (keys, lp, ch, lv[:-1], lv[1:]))


def smc_run(key, lp, ch, lv, n_particles: int, resampling=multinomial) -> SMCState:
    """T SMC steps on stacked arrays; returns the final weighted population.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    lp, ch, lv : jax.Array
        Stacked log-probs, children and log-values (`_levels.stacked`).
    n_particles : int
        N (static).
    resampling : callable
        Resampling scheme (static).

    Returns
    -------
    SMCState
        Final nodes and log-weights (all −inf when the run died: see `smc_step`).

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import product_model
    >>> from solvable.smc._levels import stacked
    >>> m = product_model(4, 3.0, normalized=True)
    >>> smc_run(jax.random.key(0), *stacked(m, m.values), 8).nodes.shape
    (8,)
    """
    v.check_key("key", key)
    for name, value in (("lp", lp), ("ch", ch), ("lv", lv)):
        v.check_real(name, value)
    v.check_integer_at_least("n_particles", n_particles, 1)
    v.check_callable("resampling", resampling)
    return _smc_run(key, lp, ch, lv, n_particles, resampling)


@partial(jax.jit, static_argnums=(4, 5))
def _smc_run(key, lp, ch, lv, n_particles, resampling):
    return smc_scan(key, lp, ch, lv, smc_init(n_particles), resampling)[0]


def _pick(key, state):
    return state.nodes[jax.random.categorical(key, state.log_weights)]


def _output(key, state):
    """A final particle drawn ∝ its weight; −1 when every weight is 0 (the run died)."""
    return jnp.where(jnp.all(jnp.isneginf(state.log_weights)), -1, _pick(key, state))


def smc_sample(key, model: Process, values=None, n_particles: int = 16, resampling=multinomial):
    """One SMC output (a terminal node index), or −1 when the run died.

    The run dies when every particle gets weight 0 at some step (a zero reward, where V
    vanishes; see `smc_step`): there is no particle to draw, and −1 (never a node index) is
    returned.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    n_particles : int
        Number of particles N ≥ 1.
    resampling : callable
        Resampling scheme (`multinomial`, `systematic`).

    Returns
    -------
    jax.Array
        Scalar index of the output terminal node; −1 when the run died.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [0.0, 1.0])  # π is the point mass on leaf 1
    >>> int(smc_sample(jax.random.key(0), m, exact_values(m), n_particles=8))
    1

    With one particle the run dies when that particle takes leaf 0 (probability 1/2):

    >>> sorted({int(smc_sample(jax.random.key(i), m, exact_values(m), n_particles=1))
    ...         for i in range(20)})
    [-1, 1]
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_callable("resampling", resampling)
    v.check_integer_at_least("n_particles", n_particles, 1)
    lp, ch, lv = prepare(model, values, n_particles)
    k_run, k_out = jax.random.split(key)
    return _output(k_out, smc_run(k_run, lp, ch, lv, n_particles, resampling))


# ---------------------------------------------------------------- guided
@partial(jax.jit, static_argnums=(4,))
def _guided(key, lp, ch, lv, n):
    def body(nodes, xs):
        k, lp_t, ch_t, lv_next = xs
        logits = no_nan(lp_t[nodes] + lv_next[ch_t[nodes]])
        dead = jnp.all(jnp.isneginf(logits), axis=-1, keepdims=True)
        tok = jax.random.categorical(k, jnp.where(dead, lp_t[nodes], logits))
        return ch_t[nodes, tok], None

    keys = jax.random.split(key, lp.shape[0])
    nodes, _ = jax.lax.scan(body, jnp.zeros(n, jnp.int32), (keys, lp, ch, lv[1:]))
    return nodes


def guided_sample(key, model: Process, values=None, n_samples: int = 1):
    """n independent guided samples (terminal node indices, shape (n,)).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    n_samples : int
        Number of independent samples n ≥ 1.

    Returns
    -------
    jax.Array
        (n,) terminal node indices.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [0.0, 1.0])  # π is the point mass on leaf 1
    >>> guided_sample(jax.random.key(0), m, exact_values(m), n_samples=3).tolist()  # V*: exact
    [1, 1, 1]
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_integer_at_least("n_samples", n_samples, 1)
    lp, ch, lv = prepare(model, values, n_samples)
    return _guided(key, lp, ch, lv, n_samples)


# ---------------------------------------------------------------- pool + independent MH
def pool_level(node, tokens, choice, lp_t, ch_t, lv_t, lv_next):
    """One step of the pooled proposal from ``node`` with candidate ``tokens`` (M,) and the
    kept index ``choice``: returns (child, log proposal-density increment, log weight increment)
    = (c_J, Σ_j log p(c_j) + log V(c_J) − log Σ_j V(c_j), log((1/M) Σ_j V(c_j)) − log V_t(node)).

    Parameters
    ----------
    node : jax.Array
        Current node index (scalar int).
    tokens : jax.Array
        (M,) candidate tokens.
    choice : int or jax.Array
        Index into ``tokens`` of the kept candidate.
    lp_t, ch_t : jax.Array
        (S, B) log-probs and children of level t (stacked layout).
    lv_t, lv_next : jax.Array
        (S,) log V_t and log V_{t+1}.

    Returns
    -------
    tuple of jax.Array
        (child, log proposal-density increment, log weight increment).

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> from solvable.smc._levels import stacked
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> lp, ch, lv = stacked(m, exact_values(m))
    >>> c, lq, lw = pool_level(jnp.int32(0), jnp.array([0, 1]), 1, lp[0], ch[0], lv[0], lv[1])
    >>> int(c), round(float(jnp.exp(lq)), 6), round(float(jnp.exp(lw)), 6)  # (1/4)(3/4); ((1+3)/2)/2
    (1, 0.1875, 1.0)
    """
    for name, value in (("node", node), ("tokens", tokens), ("choice", choice), ("lp_t", lp_t),
                        ("ch_t", ch_t), ("lv_t", lv_t), ("lv_next", lv_next)):
        v.check_real(name, value)
    lvc = lv_next[ch_t[node, tokens]]
    lse = jax.scipy.special.logsumexp(lvc)
    log_q = jnp.sum(lp_t[node, tokens]) + lvc[choice] - lse
    log_w = lse - jnp.log(tokens.shape[0]) - lv_t[node]
    return ch_t[node, tokens[choice]], log_q, no_nan(log_w)


def _pool_path(lp, ch, lv, tokens, choices):
    def body(carry, xs):
        node, lq, lw = carry
        child, dq, dw = pool_level(node, *xs)
        return (child, lq + dq, lw + dw), None

    start = (jnp.int32(0), jnp.zeros(()), jnp.zeros(()))
    (node, lq, lw), _ = jax.lax.scan(body, start, (tokens, choices, lp, ch, lv[:-1], lv[1:]))
    return node, lq, lw


def pool_path_weight(model: Process, values, tokens, choices):
    """Deterministic pooled proposal: given candidate tokens (T, M) and kept indices (T,),
    return (terminal node, log proposal density, log importance weight).

    Parameters
    ----------
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    tokens : array_like of int
        (T, M) candidate tokens per level.
    choices : array_like of int
        (T,) index of the kept candidate per level.

    Returns
    -------
    tuple of jax.Array
        (terminal node, log proposal density, log importance weight).

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> node, lq, lw = pool_path_weight(m, exact_values(m), [[0, 1]], [1])
    >>> int(node), round(float(jnp.exp(lq)), 6), round(float(jnp.exp(lw)), 6)
    (1, 0.1875, 1.0)
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_real("tokens", tokens)
    v.check_real("choices", choices)
    lp, ch, lv = prepare(model, values)
    return jax.jit(_pool_path)(lp, ch, lv, jnp.asarray(tokens), jnp.asarray(choices))


def _pool_propose(key, lp, ch, lv, pool_size):
    def body(node, xs):
        k, lp_t, ch_t, lv_t, lv_next = xs
        k_tok, k_choice = jax.random.split(k)
        tokens = jax.random.categorical(k_tok, lp_t[node], shape=(pool_size,))
        choice = jax.random.categorical(k_choice, no_nan(lv_next[ch_t[node, tokens]]))
        child, _, lw = pool_level(node, tokens, choice, lp_t, ch_t, lv_t, lv_next)
        return child, lw

    keys = jax.random.split(key, lp.shape[0])
    node, lws = jax.lax.scan(body, jnp.int32(0), (keys, lp, ch, lv[:-1], lv[1:]))
    return node, jnp.sum(lws)


@partial(jax.jit, static_argnums=(4, 5, 6))
def _pool_mh(key, lp, ch, lv, pool_size, n_steps, n_chains):
    def chain(k):
        k0, k_steps = jax.random.split(k)

        def step(state, k):
            k_prop, k_acc = jax.random.split(k)
            node, lw = _pool_propose(k_prop, lp, ch, lv, pool_size)
            accept = jnp.log(jax.random.uniform(k_acc)) < lw - state[1]
            return jax.tree_util.tree_map(lambda a, b: jnp.where(accept, a, b), (node, lw), state), None

        final, _ = jax.lax.scan(step, _pool_propose(k0, lp, ch, lv, pool_size),
                                jax.random.split(k_steps, n_steps))
        return final[0]

    return jax.vmap(chain)(jax.random.split(key, n_chains))


def pool_mh_sample(key, model: Process, values=None, pool_size: int = 4, n_steps: int = 8,
                   n_chains: int = 1):
    """Final states of ``n_chains`` independent pool-plus-IMH chains (1 + n_steps proposals
    each, each proposal T·M calls of p and V).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    pool_size : int
        Candidates per step M ≥ 1.
    n_steps : int
        MH steps after the first proposal, ≥ 0.
    n_chains : int
        Number of independent chains ≥ 1.

    Returns
    -------
    jax.Array
        (n_chains,) terminal node indices.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [0.0, 1.0])  # π is the point mass on leaf 1
    >>> pool_mh_sample(jax.random.key(0), m, exact_values(m), n_chains=3).tolist()
    [1, 1, 1]
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_integer_at_least("pool_size", pool_size, 1)
    v.check_integer_at_least("n_steps", n_steps, 0)
    v.check_integer_at_least("n_chains", n_chains, 1)
    lp, ch, lv = prepare(model, values, n_chains)
    return _pool_mh(key, lp, ch, lv, pool_size, n_steps, n_chains)


# ---------------------------------------------------------------- best-of-N and rejection
def _terminal_arrays(model, n):
    v.check_integer_at_least("n", n, 1)
    return stacked(model)[:2]


def _log_max_reward(model):
    lm = np.asarray(log_masses(model)[-1])
    return float(np.asarray(model.log_reward)[np.isfinite(lm)].max())


def best_of_n(key, model: Process, n: int):
    """Draw n paths from p, return the terminal node of highest reward (ties uniform).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    n : int
        Number of draws N ≥ 1.

    Returns
    -------
    jax.Array
        Scalar index of the kept terminal node.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> int(best_of_n(jax.random.key(0), m, 4)) in (0, 1)
    True
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    lp, ch = _terminal_arrays(model, n)
    k_draw, k_tie = jax.random.split(key)
    nodes = walk_from_base(k_draw, lp, ch, n)
    lr = model.log_reward[nodes]
    return nodes[jax.random.categorical(k_tie, jnp.where(lr == lr.max(), 0.0, -jnp.inf))]


def rejection_sample(key, model: Process, n: int):
    """Draw n paths from p, accept each with probability r/max r; return the first accepted,
    or the last proposal when none is.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    n : int
        Maximum number of proposals ≥ 1.

    Returns
    -------
    jax.Array
        Scalar index of the returned terminal node.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [0.0, 1.0])  # π is the point mass on leaf 1
    >>> int(rejection_sample(jax.random.key(0), m, 4))  # leaf 0 only if all 4 proposals are
    1
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    lp, ch = _terminal_arrays(model, n)
    k_draw, k_acc = jax.random.split(key)
    nodes = walk_from_base(k_draw, lp, ch, n)
    lr = model.log_reward[nodes]
    acc = jnp.log(jax.random.uniform(k_acc, (n,))) < lr - _log_max_reward(model)
    return nodes[jnp.where(jnp.any(acc), jnp.argmax(acc), n - 1)]


# ---------------------------------------------------------------- LLM particle filter
class PFState(NamedTuple):
    nodes: jax.Array  # (N,)
    log_agg: jax.Array  # (N,) log A_t of each particle's prefix
    log_weights: jax.Array  # (N,) (log A_t − log A_{t−1}) / τ


def _aggregate(kind: str, log_agg, log_rho, log_value):
    if kind == "last":
        return log_rho
    if kind == "min":
        return jnp.minimum(log_agg, log_rho)
    if kind == "product":
        return log_agg + log_rho
    return log_value  # model-based: the value model scores the whole prefix


@partial(jax.jit, static_argnums=(5, 6, 7, 8))
def _pf(key, lp, ch, lv, lrho, n, temperature, aggregation, resampling):
    def body(state, xs):
        k, lp_t, ch_t, lrho_t, lv_next = xs
        k_res, k_prop = jax.random.split(k)
        idx = resampling(k_res, state.log_weights, n)
        nodes, agg = state.nodes[idx], state.log_agg[idx]
        tokens = jax.random.categorical(k_prop, lp_t[nodes])
        child = ch_t[nodes, tokens]
        new = _aggregate(aggregation, agg, lrho_t[nodes, tokens], lv_next[child] - lv[0, 0])
        return PFState(child, new, no_nan((new - agg) / temperature)), None

    keys = jax.random.split(key, lp.shape[0] + 1)
    start = PFState(jnp.zeros(n, jnp.int32), jnp.zeros(n), jnp.zeros(n))
    state, _ = jax.lax.scan(body, start, (keys[1:], lp, ch, lrho, lv[1:]))
    return _pick(keys[0], state)


def particle_filter(key, model: Process, values=None, n_particles: int = 16, *,
                    temperature: float = 1.0, aggregation: str = "product",
                    step_rewards=None, resampling=multinomial):
    """Puri et al. particle filter. ``step_rewards``: log ρ_t on the edges, shape (T, S, B)
    (stacked layout); default ρ_t = V_t(child)/V_{t−1}(parent), the Bellman increments.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.
    n_particles : int
        Number of particles N ≥ 1.
    temperature : float
        Softmax temperature τ > 0.
    aggregation : str
        One of `AGGREGATIONS`: ``"last"``, ``"min"``, ``"product"``, ``"model"``.
    step_rewards : array_like or None
        Log step rewards, shape (T, S, B); default the Bellman increments of ``values``.
    resampling : callable
        Resampling scheme.

    Returns
    -------
    jax.Array
        Scalar index of the output terminal node.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [0.0, 1.0])  # π is the point mass on leaf 1
    >>> int(particle_filter(jax.random.key(0), m, exact_values(m), 8))
    1
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    v.check_positive("temperature", temperature)
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_callable("resampling", resampling)
    v.check_integer_at_least("n_particles", n_particles, 1)
    if step_rewards is not None:
        v.check_real("step_rewards", step_rewards)
    lp, ch, lv = prepare(model, values, n_particles)
    if step_rewards is None:
        lrho = no_nan(jnp.take_along_axis(lv[1:], ch.reshape(ch.shape[0], -1), axis=1)
                       .reshape(ch.shape) - lv[:-1, :, None])
    else:
        lrho = jnp.asarray(step_rewards, dtype=jnp.float64)
        if lrho.shape != lp.shape:
            raise ValueError(f"step_rewards must have shape {lp.shape}, got {lrho.shape}")
    return _pf(key, lp, ch, lv, lrho, n_particles, float(temperature), aggregation, resampling)

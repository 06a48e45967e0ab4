"""Finite reasoning processes (docs/theory.md §8): base model p(s_t | s_{1:t-1}) and terminal reward r ≥ 0.

A `Process` is a layered graph of T levels. Level t (t = 0..T) has n_t nodes; node i of level
t < T has B outgoing tokens with log-probabilities ``log_probs[t][i, b]`` leading to node
``children[t][i, b]`` of level t+1; the reward lives on the n_T terminal nodes.

* A *tree* (every prefix its own node, n_t = B^t, child index i·B + b) stores one array of
  shape (B^t, B) per level, so exact dynamic programming reaches B^T ≈ 1e6 paths.
* A *Markov* (state-space) model stores stacked arrays (T, S, B) (states a level cannot reach
  are simply never reached); its laws are laws over states, and every recursion runs as one
  `lax.scan`, so T = 1000 is cheap. Its values are a (T+1, S) array.

Log-space everywhere: rewards and values are stored as logs (−inf for zero), so the product
model's V_t = r^{#ones} does not overflow at large T.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v

__all__ = [
    "Process",
    "Values",
    "tree_model",
    "markov_model",
    "random_tree",
    "product_model",
    "hard_instance",
    "MAX_TREE_PATHS",
]

MAX_TREE_PATHS = 2**21  # exact computation is meant for B^T up to ~1e6 paths


class Values(NamedTuple):
    """An (approximate) value function V_t, t = 0..T, as per-level log V_t.

    ``log[t]`` has one entry per node of level t (a tuple of arrays for trees, one (T+1, S)
    array for Markov models); ``log[T]`` is log r (docs/theory.md §8: V_T = r).

    Parameters
    ----------
    log : tuple or jax.Array
        Per-level log values: a tuple of T+1 arrays (trees) or one (T+1, S) array (Markov).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model, exact_values
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> [np.round(np.asarray(exact_values(m).at(t)), 6).tolist() for t in range(2)]
    [[2.0], [1.0, 3.0]]
    """

    log: tuple | jax.Array

    def at(self, t: int):
        """V_t on the nodes of level t (linear scale; may overflow for huge values)."""
        return jnp.exp(self.log[t])


class Process(NamedTuple):
    """A T-step reasoning process: ``log_probs[t]`` and ``children[t]`` of shape (n_t, B) for
    t = 0..T−1 (tuples for trees, stacked (T, S, B) arrays for Markov models), ``log_reward``
    of shape (n_T,), optional attached approximate ``values``.

    Parameters
    ----------
    log_probs : tuple or jax.Array
        Log-probabilities of the B tokens at each node of levels 0..T−1.
    children : tuple or jax.Array
        Index of the node of level t+1 that each token leads to (same shapes as ``log_probs``).
    log_reward : jax.Array
        log r on the n_T terminal nodes (−inf for a zero reward).
    values : Values or None
        Optional attached approximate value function.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> m.T, m.B, m.sizes, m.is_markov
    (1, 2, (1, 2), False)
    """

    log_probs: tuple | jax.Array
    children: tuple | jax.Array
    log_reward: jax.Array
    values: Values | None = None

    @property
    def T(self) -> int:
        return len(self.log_probs)

    @property
    def B(self) -> int:
        return int(self.log_probs[0].shape[1])

    @property
    def sizes(self) -> tuple:
        """(n_0, ..., n_T): number of nodes per level."""
        if not isinstance(self.log_probs, tuple):
            return (int(self.log_probs.shape[1]),) * (self.T + 1)
        return tuple(int(a.shape[0]) for a in self.log_probs) + (int(self.log_reward.shape[0]),)

    @property
    def is_markov(self) -> bool:
        """True for stacked (state-space) storage: recursions run as one `lax.scan`."""
        return not isinstance(self.log_probs, tuple)

    @property
    def reward(self) -> jax.Array:
        return jnp.exp(self.log_reward)


def _log(x):
    x = np.asarray(x, dtype=np.float64)
    return jnp.asarray(np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf))


def _check_probs(name: str, p: np.ndarray) -> None:
    v.check_nonnegative(name, p)
    bad = np.abs(p.sum(axis=-1) - 1.0) > 1e-8
    if np.any(bad):
        raise ValueError(f"{name} rows must sum to 1, got row sums {p.sum(axis=-1)[bad][:3]}")


def tree_model(probs, reward) -> Process:
    """Full B-ary tree of depth T: ``probs[t]`` has shape (B^t, B) (rows p(· | s_{1:t})),
    ``reward`` has B^T entries (r(s_{1:T}) ≥ 0, path index Σ_t s_t B^{T−t}).

    Parameters
    ----------
    probs : sequence of array_like
        ``probs[t]`` of shape (B^t, B), rows summing to 1; T = len(probs) ≥ 1 and B^T at most
        `MAX_TREE_PATHS`.
    reward : array_like
        The B^T terminal rewards, ≥ 0 (reshaped to 1-d).

    Returns
    -------
    Process
        The tree process (tuple storage, no attached values).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]]), np.full((2, 2), 0.5)], [0, 1, 2, 3])
    >>> m.T, m.B, m.sizes
    (2, 2, (1, 2, 4))
    """
    if isinstance(probs, (str, bytes)) or not hasattr(probs, "__len__"):
        raise ValueError(f"probs must be a list of per-level probability arrays, got {probs!r}")
    for t, p in enumerate(probs):
        v.check_real(f"probs[{t}]", p)
    v.check_real("reward", reward)
    if len(probs) < 1:
        raise ValueError(f"T = len(probs) must be >= 1, got {len(probs)}")
    probs = [np.asarray(p, dtype=float) for p in probs]
    B = probs[0].shape[-1] if probs[0].ndim == 2 else -1
    for t, p in enumerate(probs):
        if p.shape != (B**t, B):
            raise ValueError(f"probs[{t}] must have shape {(B**t, B)}, got {p.shape}")
        _check_probs(f"probs[{t}]", p)
    T = len(probs)
    if B**T > MAX_TREE_PATHS:
        raise ValueError(f"B^T must be <= {MAX_TREE_PATHS} for a tree, got B^T = {B**T}")
    reward = np.asarray(reward, dtype=float).reshape(-1)
    if reward.size != B**T:
        raise ValueError(f"reward must have B^T = {B**T} entries, got {reward.size}")
    v.check_nonnegative("reward", reward)
    children = tuple(jnp.asarray(np.arange(B ** (t + 1), dtype=np.int32).reshape(B**t, B))
                     for t in range(T))
    return Process(tuple(_log(p) for p in probs), children, _log(reward))


def markov_model(probs, children, reward) -> Process:
    """State-space model with S states: ``probs`` (T, S, B) or (S, B) (time-homogeneous),
    ``children`` int array of the same shape (next state), ``reward`` (S,) ≥ 0, start state 0.

    Parameters
    ----------
    probs : array_like
        Token probabilities, shape (T, S, B) or (S, B) (the same at every step); rows sum to 1.
    children : array_like of int
        Next state of each token, in [0, S), shape (T, S, B) or (S, B) (broadcast to ``probs``).
    reward : array_like
        Terminal reward per state, shape (S,), ≥ 0.

    Returns
    -------
    Process
        The state-space process (stacked storage, no attached values).

    Examples
    --------
    >>> from solvable.smc import markov_model
    >>> m = markov_model([[0.5, 0.5], [1.0, 0.0]], [[0, 1], [1, 1]], [0.0, 2.0])
    >>> m.T, m.sizes, m.is_markov
    (1, (2, 2), True)
    """
    v.check_real("probs", probs)
    v.check_real("children", children)
    v.check_real("reward", reward)
    reward = np.asarray(reward, dtype=float)
    probs = np.asarray(probs, dtype=float)
    children = np.asarray(children)
    if reward.ndim != 1:
        raise ValueError(f"reward must be 1-d (one entry per state), got shape {reward.shape}")
    S = reward.shape[0]
    if probs.ndim == 2:
        probs = probs[None]
    if children.ndim == 2:
        children = np.broadcast_to(children, probs.shape)
    if probs.ndim != 3 or probs.shape[1] != S or children.shape != probs.shape:
        raise ValueError(
            f"probs and children must have shape (T, S={S}, B), got {probs.shape} and {children.shape}"
        )
    if probs.shape[0] < 1:
        raise ValueError(f"T must be >= 1, got {probs.shape[0]}")
    _check_probs("probs", probs)
    v.check_nonnegative("reward", reward)
    if np.any((children < 0) | (children >= S)) or not np.issubdtype(children.dtype, np.integer):
        raise ValueError(f"children must be integer states in [0, {S}), got {children.dtype} "
                         f"range [{children.min()}, {children.max()}]")
    return Process(_log(probs), jnp.asarray(children, dtype=jnp.int32), _log(reward))


def random_tree(key, T: int, B: int = 2, *, spread: float = 1.0,
                zero_fraction: float = 0.0) -> Process:
    """Random tree: rows p(· | s_{1:t}) = softmax(spread · Z), Z iid N(0, 1) (spread = 0:
    uniform; large spread: nearly deterministic), rewards Uniform(0, 1) with a fraction
    ``zero_fraction`` set to zero (the largest stays positive).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    T : int
        Depth, ≥ 1.
    B : int
        Branching factor, ≥ 2.
    spread : float
        Scale ≥ 0 of the logits.
    zero_fraction : float
        Fraction in [0, 1) of rewards set to zero.

    Returns
    -------
    Process
        A `tree_model` with B^T leaves.

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import random_tree, base_law
    >>> m = random_tree(jax.random.PRNGKey(0), 3, 2)
    >>> m.sizes, round(float(base_law(m).sum()), 6)
    ((1, 2, 4, 8), 1.0)
    """
    v.check_key("key", key)
    v.check_integer_at_least("T", T, 1)
    v.check_integer_at_least("B", B, 2)
    v.check_nonnegative("spread", spread)
    v.check_real("zero_fraction", zero_fraction)
    if not 0 <= zero_fraction < 1:
        raise ValueError(f"zero_fraction must be in [0, 1), got {zero_fraction}")
    k_logits, k_reward, k_zero = jax.random.split(key, 3)
    sizes = B ** np.arange(T + 1)
    z = np.asarray(jax.random.normal(k_logits, (int(sizes[:-1].sum()), B))) * spread
    probs = []
    for t in range(T):  # loop over levels (one random draw above)
        logits = z[sizes[:t].sum():sizes[: t + 1].sum()]
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p = np.maximum(p / p.sum(-1, keepdims=True), 1e-300)  # no exact zeros from huge spreads
        probs.append(p / p.sum(-1, keepdims=True))
    reward = np.array(jax.random.uniform(k_reward, (B**T,)))
    reward[np.asarray(jax.random.uniform(k_zero, (B**T,))) < zero_fraction] = 0.0
    reward[int(np.argmax(reward))] = max(reward.max(), 0.5)
    return tree_model(probs, reward)


def product_model(T: int, r: float, *, normalized: bool = False) -> Process:
    """docs/theory.md §8 worked example: binary uniform base model, reward r^{#ones(s_{1:T})}.

    Markov over the state k = #ones so far (S = T+1). Attached values:

    * unnormalised (default): V_t = r^k, Bellman error ε = (r−1)/2, ratio bound L = r (r ≥ 1);
    * ``normalized=True``: V_t = r^k ((1+r)/2)^{T−t} = V*_t, so ε = 0.

    The target is π = Bern(r/(1+r))^{⊗T}.

    Parameters
    ----------
    T : int
        Number of binary steps, ≥ 1.
    r : float
        Reward factor per one, > 0.
    normalized : bool
        Attach the exact values V* instead of V_t = r^k.

    Returns
    -------
    Process
        A Markov model with S = T+1 states and attached `Values`.

    Examples
    --------
    >>> from solvable.smc import product_model, bellman_error
    >>> m = product_model(3, 2.0)
    >>> m.sizes, round(bellman_error(m).epsilon, 6)  # (r - 1)/2
    ((4, 4, 4, 4), 0.5)
    >>> round(bellman_error(product_model(3, 2.0, normalized=True)).epsilon, 9)
    0.0
    """
    v.check_integer_at_least("T", T, 1)
    v.check_positive("r", r)
    v.check_bool("normalized", normalized)
    S = T + 1
    k = jnp.arange(S, dtype=jnp.float64)
    lr = float(np.log(r))
    lp = jnp.full((T, S, 2), -np.log(2.0))
    ch = jnp.minimum(jnp.arange(S, dtype=jnp.int32)[:, None] + jnp.arange(2, dtype=jnp.int32), T)
    half = float(np.log((1 + r) / 2))
    logs = k * lr + (T - jnp.arange(T + 1.0))[:, None] * half * normalized
    return Process(lp, jnp.broadcast_to(ch, (T, S, 2)), k * lr, Values(logs))


def hard_instance(key, T: int, epsilon: float, B: int = 2) -> Process:
    """Hidden-prefix instance of the lower bound (docs/theory.md §8, constants [verify]).

    A hidden prefix h of length m = ⌊2T/3⌋ over B uniform tokens; r = (1+ε)^{T−m} on paths
    starting with h and 1 elsewhere. The attached value is flat (V_t = 1) for t ≤ m, so no query
    before depth m carries information, then V_t = (1+ε)^{t−m} on h and 1 off it: Bellman error
    exactly ε, ratio bound 1+ε. Markov states: 0 = still on h, 1 = off h.

    Parameters
    ----------
    key : jax.Array
        PRNG key (draws the hidden prefix).
    T : int
        Depth, ≥ 1.
    epsilon : float
        Bellman error ε > 0 of the attached values.
    B : int
        Number of tokens, ≥ 2.

    Returns
    -------
    Process
        A two-state Markov model with the flat-then-informative values attached.

    Examples
    --------
    >>> import jax
    >>> from solvable.smc import hard_instance, bellman_error
    >>> m = hard_instance(jax.random.PRNGKey(0), 6, 0.5)
    >>> m.sizes[0], round(bellman_error(m).epsilon, 6)
    (2, 0.5)
    """
    v.check_key("key", key)
    v.check_integer_at_least("T", T, 1)
    v.check_positive("epsilon", epsilon)
    v.check_integer_at_least("B", B, 2)
    m = (2 * T) // 3
    h = np.asarray(jax.random.randint(key, (max(m, 1),), 0, B))
    ch = np.ones((T, 2, B), dtype=np.int32)
    for t in range(m):  # loop over levels only
        ch[t, 0, h[t]] = 0
    ch[m:, 0, :] = 0
    probs = np.full((T, 2, B), 1.0 / B)
    le = float(np.log1p(epsilon))
    logs = jnp.stack([jnp.maximum(jnp.arange(T + 1.0) - m, 0) * le, jnp.zeros(T + 1)], axis=1)
    model = markov_model(probs, ch, np.exp(np.array([(T - m) * le, 0.0])))
    return model._replace(values=Values(logs))

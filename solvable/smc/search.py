"""Search against sampling under an approximate process reward (docs/theory.md §9).

Every method is a pure function of an explicit PRNG key on a tree `Process`, a process reward
model ``prm`` (a `Values`: log scores on every level; level T is the outcome reward model's
score, which may differ from r) and a ``budget`` counted in generated steps (one token of one
path = one step). Each returns a `SearchResult` (the answer's terminal node and the steps
actually generated, ≤ budget).

* `best_of_n_search`: N = ⌊budget/T⌋ paths from p, answer = argmax of the outcome score.
* `beam_search`: keep the M prefixes of highest V_t, each expanded by ``n_children`` sampled
  children (copies kept) or all B children (repeats merged); width M = ⌊budget/(b T)⌋
  unless given.
* `dvts`: diverse verifier tree search, ⌊budget/(M b T)⌋ independent beam searches of width
  M; answer = argmax of the outcome score over all of them.
* `llm_particle_filter`: Puri et al. (arXiv 2502.01618): N = ⌊budget/T⌋ particles; at each
  step propagate with p, score the prefix by an aggregate A_t of step scores q_u
  ("last" q_t, "min" min_u q_u, "product" Π_u q_u), resample ∝ exp(link(A_t)/τ) with
  link = logit (default) or log; answer = argmax of the outcome score or a draw ∝ the final
  weights.
* `smc_search`: Feynman-Kac SMC with weights V_t/V_{t−1} (`samplers.smc_run`), answer a draw
  ∝ the final weights (or the argmax of the outcome score).

What coincides: the particle filter resamples on the absolute aggregate (its weights do not
carry over), so it targets p·Π_t exp(link(A_t)/τ). This is π ∝ p·r exactly when
Π_t exp(link(A_t)/τ) ∝ r, i.e. with ``link="log"``, τ = 1, ``aggregation="last"`` and step
scores q_t = V_t/V_{t−1} (`ratio_scores`): then every step weights by V_t/V_{t−1} like FK SMC
and the two have the same output law (tests/smc/test_search.py enumerates it). "product" of
the prefix scores V_u weights by Π_u V_u at every step and over-weights early steps.

Tree family (`decoy_tree`, `decoy_prm`): a few correct leaves (r = 1), a few decoys (wrong
answers with partial credit r_d) and a floor r_0 elsewhere; the PRM's per-step errors push
up every prefix that leads to a decoy only and down every prefix that leads to a correct leaf
only, by (1+ε) per step (Bellman error exactly ε, the outcome score included), so the errors
compound along the paths that matter.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ._levels import stacked
from .models import Process, Values, tree_model
from ._walk import no_nan, walk_from_base
from .samplers import multinomial, smc_run
from .values import residual_values

__all__ = [
    "SearchResult",
    "LINKS",
    "PF_AGGREGATIONS",
    "decoy_tree",
    "decoy_prm",
    "ratio_scores",
    "best_of_n_search",
    "beam_search",
    "dvts",
    "llm_particle_filter",
    "smc_search",
    "METHODS",
    "compare_search",
    "budget_to_reach",
    "budget_ratio",
]

LINKS = ("logit", "log")
PF_AGGREGATIONS = ("last", "min", "product")
_LOGIT_CLIP = 1e-9  # scores are clipped to ≤ 1 − 1e-9 before the logit


class SearchResult(NamedTuple):
    """Answer (terminal node index) and generated steps (both arrays, vmappable)."""

    node: jax.Array
    steps: jax.Array


# ---------------------------------------------------------------- tree family
def decoy_tree(key, T: int = 10, B: int = 2, *, n_correct: int = 3, n_decoys: int = 3,
               r_decoy: float = 0.3, r_floor: float = 1e-4, spread: float = 1.0):
    """Tree with a few correct leaves (r = 1), a few decoys (r = r_decoy) and r_floor elsewhere.

    Parameters
    ----------
    key : jax.Array
        PRNG key (base-model logits and the leaves' roles).
    T, B : int
        Depth and branching (B^T leaves, ≤ `models.MAX_TREE_PATHS`).
    n_correct, n_decoys : int
        Numbers of correct and decoy leaves (distinct, drawn uniformly).
    r_decoy, r_floor : float
        Rewards of decoys and of all other wrong leaves, 0 < r_floor ≤ r_decoy < 1.
    spread : float
        Rows p(· | s_{1:t}) = softmax(spread · Z), Z iid N(0, 1).

    Returns
    -------
    model : Process
        The tree (π ∝ p·r puts most mass on the correct leaves when r_floor is small).
    correct, decoy : numpy.ndarray
        Boolean masks over the B^T leaves.

    Examples
    --------
    >>> import jax
    >>> m, correct, decoy = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> int(correct.sum()), int(decoy.sum()), m.T
    (1, 1, 4)
    """
    v.check_integer_at_least("T", T, 1)
    v.check_integer_at_least("B", B, 2)
    v.check_integer_at_least("n_correct", n_correct, 1)
    v.check_integer_at_least("n_decoys", n_decoys, 0)
    v.check_positive("r_floor", r_floor)
    if not 0 < r_floor <= r_decoy < 1:
        raise ValueError(f"need 0 < r_floor <= r_decoy < 1, got r_floor={r_floor}, r_decoy={r_decoy}")
    v.check_nonnegative("spread", spread)
    n_leaves = B**T
    if n_correct + n_decoys > n_leaves:
        raise ValueError(f"n_correct + n_decoys must be <= B^T = {n_leaves}")
    k_p, k_roles = jax.random.split(key)
    sizes = B ** np.arange(T + 1)
    z = np.asarray(jax.random.normal(k_p, (int(sizes[:-1].sum()), B))) * spread
    probs = []
    for t in range(T):  # loop over levels (one random draw above)
        logits = z[sizes[:t].sum():sizes[: t + 1].sum()]
        p = np.exp(logits - logits.max(-1, keepdims=True))
        probs.append(p / p.sum(-1, keepdims=True))
    roles = np.asarray(jax.random.permutation(k_roles, n_leaves))[: n_correct + n_decoys]
    correct = np.zeros(n_leaves, bool)
    decoy = np.zeros(n_leaves, bool)
    correct[roles[:n_correct]] = True
    decoy[roles[n_correct:]] = True
    reward = np.where(correct, 1.0, np.where(decoy, r_decoy, r_floor))
    return tree_model(probs, reward), correct, decoy


def decoy_prm(model: Process, correct, decoy, epsilon: float) -> Values:
    """PRM with Bellman error exactly ε whose errors favour the decoys (see module docstring).

    Outcome score r̃ = r (1+ε)^{u_T} with u_T = +1 on decoys, −1 on correct leaves, 0 else;
    V_t = (1+ε)^{u_t} E_p[V_{t+1} | s_{1:t}] with u_t = +1 on prefixes whose subtree holds a
    decoy and no correct leaf, −1 for a correct leaf and no decoy, 0 otherwise.

    Parameters
    ----------
    model : Process
        A tree (`decoy_tree`).
    correct, decoy : array_like of bool
        Leaf masks.
    epsilon : float
        Per-step multiplicative error ε ≥ 0 (ε = 0: the exact V* of r).

    Returns
    -------
    Values
        Log scores on levels 0..T (level T is log r̃).

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> prm = decoy_prm(m, c, d, 0.5)
    >>> round(float(np.exp(prm.log[-1][d.argmax()])), 3)  # decoy outcome score 0.3·1.5
    0.45
    """
    if model.is_markov:
        raise ValueError("decoy_prm needs a tree model")
    v.check_nonnegative("epsilon", epsilon)
    correct, decoy = np.asarray(correct, bool), np.asarray(decoy, bool)
    n = model.sizes[-1]
    if correct.shape != (n,) or decoy.shape != (n,):
        raise ValueError(f"correct and decoy must have shape ({n},), got {correct.shape}, {decoy.shape}")
    B, T = model.B, model.T
    u_T = decoy.astype(float) - correct.astype(float)
    has_c, has_d, u = correct, decoy, []
    for _ in range(T):  # loop over levels: subtree membership, bottom-up
        has_c = has_c.reshape(-1, B).any(1)
        has_d = has_d.reshape(-1, B).any(1)
        u.append((has_d & ~has_c).astype(float) - (has_c & ~has_d).astype(float))
    le = float(np.log1p(epsilon))
    tilted = model._replace(log_reward=model.log_reward + le * jnp.asarray(u_T), values=None)
    return residual_values(tilted, epsilon, tuple(u[::-1]))


def ratio_scores(model: Process, prm: Values) -> Values:
    """Step scores q_t(node) = V_t(node)/V_{t−1}(parent) (q_0 = 1) of a tree's PRM: with
    `llm_particle_filter` (``aggregation="last"``, ``link="log"``, τ = 1) this is FK SMC.

    Parameters
    ----------
    model : Process
        A tree.
    prm : Values
        Log scores on levels 0..T.

    Returns
    -------
    Values
        Log q_t on levels 0..T.

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 3, 2, n_correct=1, n_decoys=1)
    >>> q = ratio_scores(m, decoy_prm(m, c, d, 0.0))
    >>> float(q.log[0][0])
    0.0
    """
    if model.is_markov:
        raise ValueError("ratio_scores needs a tree model (one parent per node)")
    logs = [jnp.zeros_like(prm.log[0])]
    for t in range(1, model.T + 1):  # loop over levels
        logs.append(no_nan(prm.log[t] - jnp.repeat(prm.log[t - 1], model.B)))
    return Values(tuple(logs))


# ---------------------------------------------------------------- validation helpers
def _arrays(model: Process, prm: Values):
    if not isinstance(prm, Values):
        raise ValueError(f"prm must be a Values (log scores), got {type(prm).__name__}")
    if model.is_markov:
        raise ValueError("search methods need a tree model (node index = prefix)")
    if len(prm.log) != model.T + 1 or any(
            tuple(np.shape(a)) != (n,) for a, n in zip(prm.log, model.sizes)):
        raise ValueError(f"prm must have one log score per node on levels 0..T (sizes {model.sizes})")
    for t, a in enumerate(prm.log):
        a = np.asarray(a)
        if np.any(np.isnan(a) | np.isposinf(a)):
            raise ValueError(f"prm.log[{t}] must be < +inf and not NaN")
    return stacked(model, Values(tuple(jnp.asarray(a, jnp.float64) for a in prm.log)))


def _count(name: str, budget, per: int, what: str) -> int:
    v.check_integer_at_least("budget", budget, 1)
    n = int(budget) // per
    if n < 1:
        raise ValueError(f"budget = {budget} is too small for {what} (needs >= {per} generated steps)")
    return n


def _argmax_uniform(key, scores):
    """Index of the maximum, ties broken uniformly."""
    return jax.random.categorical(key, jnp.where(scores == scores.max(), 0.0, -jnp.inf))


# ---------------------------------------------------------------- best-of-N
@partial(jax.jit, static_argnums=(4,))
def _bon(key, lp, ch, lv_T, n):
    k_draw, k_tie = jax.random.split(key)
    nodes = walk_from_base(k_draw, lp, ch, n)
    return nodes[_argmax_uniform(k_tie, lv_T[nodes])]


def best_of_n_search(key, model: Process, prm: Values, budget: int) -> SearchResult:
    """Best-of-N with an outcome reward: N = ⌊budget/T⌋ paths from p, keep the highest score.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        A tree.
    prm : Values
        Scores; only the outcome level T is used (pass `exact_values` for the exact reward).
    budget : int
        Generated steps (≥ T).

    Returns
    -------
    SearchResult
        The answer and N·T steps.

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> int(best_of_n_search(jax.random.key(1), m, decoy_prm(m, c, d, 0.0), 40).steps)
    40
    """
    n = _count("budget", budget, model.T, "one path")
    lp, ch, lv = _arrays(model, prm)
    return SearchResult(_bon(key, lp, ch, lv[-1], n), jnp.asarray(n * model.T))


# ---------------------------------------------------------------- beam search and DVTS
def _dedupe(cand, score):
    """−inf for every repeat of a node among the candidates (the best-scored copy kept, so a
    dead beam's stale node never hides a live one)."""
    flat = cand.reshape(-1)
    order = jnp.lexsort((-score.reshape(-1), flat))
    s = flat[order]
    first = jnp.concatenate([jnp.array([True]), s[1:] != s[:-1]])
    keep = jnp.zeros_like(first).at[order].set(first)
    return jnp.where(keep, score.reshape(-1), -jnp.inf)


def _beam(key, lp, ch, lv, width: int, n_children: int, all_children: bool):
    """One beam search; returns (best final node, its score, generated steps)."""
    T = lp.shape[0]
    alive0 = jnp.arange(width) < (1 if all_children else width)

    def body(carry, xs):
        nodes, alive, steps = carry
        k, lp_t, ch_t, lv_next = xs
        if all_children:
            cand = ch_t[nodes]  # (M, B)
        else:
            toks = jax.random.categorical(k, lp_t[nodes][:, None, :],
                                          shape=(width, n_children))
            cand = jnp.take_along_axis(ch_t[nodes], toks, axis=1)
        gen = jnp.sum(alive, dtype=jnp.int32) * cand.shape[1]
        score = jnp.where(alive[:, None], lv_next[cand], -jnp.inf)
        # all children: a repeated node is pure waste, merge it; sampled children: copies
        # of a prefix stay separate beams (as distinct LLM sequences would), so a wide beam
        # spends its width on more samples below its best prefixes
        score = _dedupe(cand, score) if all_children else score.reshape(-1)
        top, idx = jax.lax.top_k(score, width)
        return (cand.reshape(-1)[idx], top > -jnp.inf, steps + gen), None

    keys = jax.random.split(key, T)
    (nodes, alive, steps), _ = jax.lax.scan(
        body, (jnp.zeros(width, jnp.int32), alive0, jnp.int32(0)), (keys, lp, ch, lv[1:]))
    final = jnp.where(alive, lv[-1][nodes], -jnp.inf)
    i = jnp.argmax(final)  # top_k sorted: the first of equal scores
    return nodes[i], final[i], steps


@partial(jax.jit, static_argnums=(4, 5, 6, 7))
def _beams(key, lp, ch, lv, width, n_children, all_children, n_trees):
    nodes, scores, steps = jax.vmap(lambda k: _beam(k, lp, ch, lv, width, n_children, all_children))(
        jax.random.split(key, n_trees))
    return nodes[jnp.argmax(scores)], jnp.sum(steps)


def _beam_args(model, n_children, width):
    if n_children is None:
        b, all_children = model.B, True
    else:
        v.check_integer_at_least("n_children", n_children, 1)
        b, all_children = int(n_children), False
    if width is not None:
        v.check_integer_at_least("width", width, 1)
    return b, all_children


def beam_search(key, model: Process, prm: Values, budget: int, *, width: int | None = None,
                n_children: int | None = None) -> SearchResult:
    """Beam search on the PRM: keep the M prefixes of highest V_t at every level.

    Parameters
    ----------
    key : jax.Array
        PRNG key (used when children are sampled).
    model : Process
        A tree.
    prm : Values
        Log scores V_t (level T: the outcome score, which picks the answer).
    budget : int
        Generated steps; the width defaults to M = ⌊budget/(b T)⌋ (b children a beam).
    width : int, optional
        M ≥ 1 (then the budget must cover M b T).
    n_children : int, optional
        b ≥ 1 sampled children per beam (copies of a prefix kept as separate beams); None:
        all B children (repeats merged). With sampled children the root starts as M copies
        (M b children at the first level).

    Returns
    -------
    SearchResult
        The answer (highest outcome score in the final beam) and the generated steps.

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> res = beam_search(jax.random.key(1), m, decoy_prm(m, c, d, 0.0), 64)  # M = 8, all children
    >>> bool(c[int(res.node)]), int(res.steps)  # exact PRM: finds the correct leaf
    (True, 30)
    """
    b, all_children = _beam_args(model, n_children, width)
    lp, ch, lv = _arrays(model, prm)
    if width is None:
        width = _count("budget", budget, b * model.T, "a beam of width 1")
    else:
        _count("budget", budget, width * b * model.T, f"a beam of width {width}")
    node, steps = _beams(key, lp, ch, lv, int(width), b, all_children, 1)
    return SearchResult(node, steps)


def dvts(key, model: Process, prm: Values, budget: int, *, width: int = 4,
         n_children: int | None = None) -> SearchResult:
    """Diverse verifier tree search: ⌊budget/(M b T)⌋ independent beam searches of width M;
    the answer is the highest outcome score over all their final beams.

    Parameters
    ----------
    key : jax.Array
        PRNG key (one subkey per subtree).
    model : Process
        A tree.
    prm : Values
        Log scores V_t.
    budget : int
        Generated steps (≥ M b T).
    width : int
        M ≥ 1 (default 4).
    n_children : int, optional
        As in `beam_search`.

    Returns
    -------
    SearchResult
        The answer and the generated steps.

    Notes
    -----
    With all children, independent subtrees of a deterministic beam search coincide; DVTS
    is meant for sampled children (Puri et al. and the HF recipe sample them).

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> int(dvts(jax.random.key(1), m, decoy_prm(m, c, d, 0.0), 64, width=2, n_children=2).steps)
    64
    """
    b, all_children = _beam_args(model, n_children, width)
    n_trees = _count("budget", budget, width * b * model.T, f"one subtree of width {width}")
    lp, ch, lv = _arrays(model, prm)
    node, steps = _beams(key, lp, ch, lv, int(width), b, all_children, n_trees)
    return SearchResult(node, steps)


# ---------------------------------------------------------------- particle filters
def _link(log_a, link):
    if link == "log":
        return log_a
    a = jnp.minimum(jnp.exp(log_a), 1.0 - _LOGIT_CLIP)
    return jnp.log(a) - jnp.log1p(-a)


@partial(jax.jit, static_argnums=(5, 6, 7, 8, 9))
def _llm_pf(key, lp, ch, lq, lv_T, n, temperature, aggregation, link, answer):
    T = lp.shape[0]

    def weights(agg):
        return no_nan(_link(agg, link) / temperature)

    def body(carry, xs):
        nodes, agg = carry
        k, lp_t, ch_t, lq_next, last = xs
        k_prop, k_res = jax.random.split(k)
        child = ch_t[nodes, jax.random.categorical(k_prop, lp_t[nodes])]
        q = lq_next[child]
        if aggregation == "last":
            new = q
        elif aggregation == "min":
            new = jnp.minimum(agg, q)
        else:
            new = agg + q
        idx = jnp.where(last, jnp.arange(n), multinomial(k_res, weights(new), n))
        return (child[idx], new[idx]), None

    keys = jax.random.split(key, T + 1)
    is_last = jnp.arange(T) == T - 1
    start = (jnp.zeros(n, jnp.int32), jnp.zeros(n) if aggregation == "product" else jnp.full(n, jnp.inf))
    (nodes, agg), _ = jax.lax.scan(body, start, (keys[1:], lp, ch, lq[1:], is_last))
    if answer == "sample":
        return nodes[jax.random.categorical(keys[0], weights(agg))]
    return nodes[_argmax_uniform(keys[0], lv_T[nodes])]


def llm_particle_filter(key, model: Process, prm: Values, budget: int, *,
                        temperature: float = 1.0, aggregation: str = "last",
                        link: str = "logit", answer: str = "argmax",
                        step_scores: Values | None = None) -> SearchResult:
    """Particle filtering as used with LLMs: resample ∝ exp(link(A_t)/τ) at every step.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        A tree.
    prm : Values
        Log scores; level T (the outcome score) picks the ``"argmax"`` answer.
    budget : int
        Generated steps: N = ⌊budget/T⌋ particles.
    temperature : float
        τ > 0.
    aggregation : {"last", "min", "product"}
        A_t from the step scores q_1..q_t.
    link : {"logit", "log"}
        logit(A) = log(A/(1−A)) (A clipped to ≤ 1 − 1e-9; Puri et al.) or log A.
    answer : {"argmax", "sample"}
        Highest outcome score among the final particles, or a draw ∝ the final weights.
    step_scores : Values, optional
        Log q_t per node (default: the prm's V_t; `ratio_scores` gives V_t/V_{t−1}).

    Returns
    -------
    SearchResult
        The answer and N·T steps.

    Notes
    -----
    docs/theory.md §9. The filter targets p·Π_t exp(link(A_t)/τ); with ``link="log"``,
    τ = 1, ``aggregation="last"`` and ratio scores this is π ∝ p·V_T: FK SMC (module
    docstring).

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> res = llm_particle_filter(jax.random.key(1), m, decoy_prm(m, c, d, 0.0), 80)
    >>> int(res.steps)
    80
    """
    if aggregation not in PF_AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {PF_AGGREGATIONS}, got {aggregation!r}")
    if link not in LINKS:
        raise ValueError(f"link must be one of {LINKS}, got {link!r}")
    if answer not in ("argmax", "sample"):
        raise ValueError(f"answer must be 'argmax' or 'sample', got {answer!r}")
    v.check_positive("temperature", temperature)
    n = _count("budget", budget, model.T, "one particle")
    lp, ch, lv = _arrays(model, prm)
    lq = lv if step_scores is None else _arrays(model, step_scores)[2]
    node = _llm_pf(key, lp, ch, lq, lv[-1], n, float(temperature), aggregation, link, answer)
    return SearchResult(node, jnp.asarray(n * model.T))


@partial(jax.jit, static_argnums=(4, 5))
def _smc_answer(key, lp, ch, lv, n, answer):
    k_run, k_out = jax.random.split(key)
    state = smc_run(k_run, lp, ch, lv, n)
    if answer == "sample":
        return state.nodes[jax.random.categorical(k_out, state.log_weights)]
    return state.nodes[_argmax_uniform(k_out, lv[-1][state.nodes])]


def smc_search(key, model: Process, prm: Values, budget: int, *,
               answer: str = "sample") -> SearchResult:
    """Feynman-Kac SMC on the PRM (weights V_t/V_{t−1}, `samplers.smc_run`) at a budget.

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        A tree.
    prm : Values
        Log scores V_t (V_0 > 0).
    budget : int
        Generated steps: N = ⌊budget/T⌋ particles.
    answer : {"sample", "argmax"}
        A draw ∝ the final weights (a sampler of p·V_T as N grows) or the highest outcome
        score among the final particles.

    Returns
    -------
    SearchResult
        The answer and N·T steps.

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> int(smc_search(jax.random.key(1), m, decoy_prm(m, c, d, 0.0), 40).steps)
    40
    """
    if answer not in ("argmax", "sample"):
        raise ValueError(f"answer must be 'argmax' or 'sample', got {answer!r}")
    n = _count("budget", budget, model.T, "one particle")
    lp, ch, lv = _arrays(model, prm)
    if not np.isfinite(float(lv[0, 0])):
        raise ValueError("prm.log[0] (the root score V_0) must be finite for SMC weights")
    return SearchResult(_smc_answer(key, lp, ch, lv, n, answer), jnp.asarray(n * model.T))


# ---------------------------------------------------------------- experiments
METHODS = ("best_of_n", "beam", "dvts", "particle_filter", "smc")


def _runner(method: str, model: Process, budget: int, opts: dict):
    """jit(vmap) of one method at one budget as a function of (keys, stacked log scores), so
    that a sweep over ε (new scores, same shapes) reuses one compilation."""
    T, B = model.T, model.B
    lp, ch = stacked(model)[:2]
    if method == "best_of_n":
        n = _count("budget", budget, T, "one path")
        one = lambda k, lv: _bon(k, lp, ch, lv[-1], n)  # noqa: E731
    elif method in ("beam", "dvts"):
        width = opts.get("width")
        b, all_children = _beam_args(model, opts.get("n_children"), width)
        if method == "beam":
            width = width or _count("budget", budget, b * T, "a beam of width 1")
            n_trees = 1
        else:
            width = width or 4
            n_trees = _count("budget", budget, width * b * T, f"one subtree of width {width}")
        one = lambda k, lv: _beams(k, lp, ch, lv, int(width), b, all_children, n_trees)[0]  # noqa: E731
    elif method == "particle_filter":
        n = _count("budget", budget, T, "one particle")
        o = dict(temperature=1.0, aggregation="last", link="logit", answer="argmax") | opts
        one = lambda k, lv: _llm_pf(k, lp, ch, lv, lv[-1], n, float(o["temperature"]),  # noqa: E731
                                    o["aggregation"], o["link"], o["answer"])
    elif method == "smc":
        n = _count("budget", budget, T, "one particle")
        one = lambda k, lv: _smc_answer(k, lp, ch, lv, n, opts.get("answer", "sample"))  # noqa: E731
    else:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return jax.jit(jax.vmap(one, in_axes=(0, None)))


def compare_search(key, model: Process, correct, prms: dict, budgets, *, n_runs: int = 400,
                   methods=METHODS, options: dict | None = None) -> dict:
    """Answers of every method at every budget under every PRM, ``n_runs`` runs each.

    Parameters
    ----------
    key : jax.Array
        PRNG key (common random numbers across PRMs).
    model : Process
        A tree.
    correct : array_like of bool
        Correct leaves.
    prms : dict
        Label (e.g. ε) -> `Values`.
    budgets : sequence of int
        Budgets in generated steps (each must cover one path of every method).
    n_runs : int
        Independent runs per cell.
    methods : sequence of str
        Subset of `METHODS`.
    options : dict, optional
        Method -> keyword options (e.g. ``{"dvts": {"width": 4, "n_children": 2}}``).

    Returns
    -------
    dict
        ``success[method]``: bool array (n_prms, n_budgets, n_runs); ``nodes[method]``: the
        answers; ``accuracy``/``stderr`` (n_prms, n_budgets) per method (binomial SE);
        ``labels``, ``budgets``.

    Examples
    --------
    >>> import jax
    >>> m, c, d = decoy_tree(jax.random.key(0), 4, 2, n_correct=1, n_decoys=1)
    >>> out = compare_search(jax.random.key(1), m, c, {0.0: decoy_prm(m, c, d, 0.0)}, [64],
    ...                      n_runs=20, methods=("beam",))
    >>> float(out["accuracy"]["beam"][0, 0])
    1.0
    """
    v.check_integer_at_least("n_runs", n_runs, 2)
    correct = np.asarray(correct, bool)
    options = options or {}
    labels = list(prms)
    lvs = [_arrays(model, prms[k])[2] for k in labels]
    keys = jax.random.split(key, n_runs)
    out = {"labels": labels, "budgets": np.asarray(budgets), "success": {}, "nodes": {},
           "accuracy": {}, "stderr": {}}
    for method in methods:  # loop over methods and budgets: one compilation each
        nodes = np.zeros((len(labels), len(budgets), n_runs), np.int64)
        for j, budget in enumerate(budgets):
            run = _runner(method, model, int(budget), options.get(method, {}))
            for i, lv in enumerate(lvs):
                nodes[i, j] = np.asarray(run(keys, lv))
        succ = correct[nodes]
        out["nodes"][method] = nodes
        out["success"][method] = succ
        acc = succ.mean(-1)
        out["accuracy"][method] = acc
        out["stderr"][method] = np.sqrt(acc * (1 - acc) / n_runs)
    return out


def budget_to_reach(budgets, success, target: float) -> float:
    """Budget at which the accuracy first reaches ``target``, interpolated linearly in
    log budget between the bracketing grid points (inf if never; the first budget if
    already there).

    Parameters
    ----------
    budgets : array_like
        Increasing budgets.
    success : array_like of bool
        (n_budgets, n_runs) successes.
    target : float
        Accuracy level in (0, 1).

    Returns
    -------
    float
        The interpolated budget.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[0, 0, 0, 1], [1, 1, 0, 0], [1, 1, 1, 1]], bool)
    >>> round(budget_to_reach([10, 20, 40], s, 0.5), 3)
    20.0
    """
    b = np.log(np.asarray(budgets, float))
    a = np.asarray(success, float).mean(-1)
    hit = np.flatnonzero(a >= target)
    if len(hit) == 0:
        return float("inf")
    j = hit[0]
    if j == 0:
        return float(np.exp(b[0]))
    f = (target - a[j - 1]) / (a[j] - a[j - 1])
    return float(np.exp(b[j - 1] + f * (b[j] - b[j - 1])))


def budget_ratio(budgets, success_a, success_b, target: float, *, n_boot: int = 1000,
                 seed: int = 0) -> dict:
    """Budget of method a over budget of method b to reach accuracy ``target``, with a
    percentile bootstrap 95% interval (runs resampled independently at every budget).

    Parameters
    ----------
    budgets : array_like
        Common budget grid.
    success_a, success_b : array_like of bool
        (n_budgets, n_runs) successes of the two methods.
    target : float
        Accuracy level.
    n_boot : int
        Bootstrap replicates.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    dict
        ``ratio``, ``ci_low``, ``ci_high`` (inf where method a never reaches the target in a
        replicate), ``budget_a``, ``budget_b``.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[0] * 10, [0] * 5 + [1] * 5, [1] * 10], bool)
    >>> b = np.array([[0] * 5 + [1] * 5, [1] * 10, [1] * 10], bool)
    >>> round(budget_ratio([10, 20, 40], a, b, 0.5, n_boot=50)["ratio"], 6)
    2.0
    """
    rng = np.random.default_rng(seed)
    sa, sb = np.asarray(success_a, bool), np.asarray(success_b, bool)
    ba, bb = budget_to_reach(budgets, sa, target), budget_to_reach(budgets, sb, target)
    reps = []
    for _ in range(n_boot):  # bootstrap replicates
        ia = rng.integers(0, sa.shape[1], sa.shape)
        ib = rng.integers(0, sb.shape[1], sb.shape)
        ra = budget_to_reach(budgets, np.take_along_axis(sa, ia, 1), target)
        rb = budget_to_reach(budgets, np.take_along_axis(sb, ib, 1), target)
        reps.append(ra / rb if np.isfinite(rb) else np.nan)
    reps = np.asarray(reps)
    reps = reps[~np.isnan(reps)]
    lo, hi = np.percentile(reps, [2.5, 97.5], method="nearest") if len(reps) else (np.nan, np.nan)
    return {"ratio": ba / bb, "ci_low": float(lo), "ci_high": float(hi), "budget_a": ba,
            "budget_b": bb}

"""Exact and approximate value functions (docs/theory.md §8).

* `exact_values`: V*_t = E_p[r | s_{1:t}] by the backward recursion V*_t = E_p[V*_{t+1} | s_{1:t}].
* `perturbed_values`: V*_t · (1+η)^{u_t}, u_t ∈ [−1, 1] per node (random, alternating,
  adversarial); Bellman error ≤ (1+η)² − 1.
* `tilted_values`: V*_t · exp(a g_t (T−t)/T) with g_t = Σ_{u≤t} d(s_u) a path score, |d| ≤ 1:
  a coherent tilt whose Bellman error is ≤ e^a − 1 [derived: |log residual| ≤ a(t + T−t−1)/T]
  but whose value error grows to e^{a T/4}: the case that makes SMC cost exponential in T.
* `noisy_values`: log-normal PRM-like noise V*_t · exp(σZ − σ²/2).
* `residual_values`: V with prescribed Bellman residuals, V_t = (1+ε)^{u_t} E_p[V_{t+1} | s_{1:t}]
  (u_t ∈ [−1, 1] per node): Bellman error exactly ε·max|u| in the log sense, and the errors
  compound along paths (V_t/V*_t is a (1+ε)^{Σ_{u≥t} u_u}-weighted average over futures).
* `majority_values`: residual_values on the product model with u_t = −sign(2k − t) (k = ones
  so far): under-values prefixes with a majority of ones (where π concentrates) by (1+ε) per
  step and over-values the others, so SMC with base proposal needs N = exp(Θ(T)) particles at
  constant ε but a bounded number at ε = c/T [measured: `experiments.scaling_table`].

Every approximate V keeps V_T = r.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ._levels import append, child_log_values, lmap, log_masses, sweep
from .models import Process, Values

__all__ = ["exact_values", "as_values", "perturbed_values", "tilted_values", "noisy_values",
           "residual_values", "majority_values"]


def _backward(lv_next, xs):
    lv = jax.scipy.special.logsumexp(child_log_values(xs[0], xs[1], lv_next), axis=1)
    return lv, (lv,)


def exact_values(model: Process) -> Values:
    """V*_t(s_{1:t}) = E_p[r | s_{1:t}] for t = 0..T (V*_0 = Z = E_p[r], V*_T = r).

    Parameters
    ----------
    model : Process
        The process.

    Returns
    -------
    Values
        log V*_t per level (V*_T = r).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import exact_values
    >>> float(exact_values(m).at(0)[0])  # (1 + 3) / 2
    2.0
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    _, (outs,) = sweep(_backward, model, model.log_reward, reverse=True)
    return Values(append(outs, model.log_reward))


def as_values(model: Process, values=None) -> Values:
    """Validate `values` for `model`: a `Values` (logs), or V_t ≥ 0 on linear scale (T+1 arrays,
    or a (T+1, S) array for Markov models), or None (the model's attached values). Checks
    shapes, V ≥ 0, V_T = r and V_0 > 0 (the weights G_1 = V_1/V_0 need it).

    Parameters
    ----------
    model : Process
        The process the values belong to.
    values : Values, sequence of array_like, array_like or None
        Log values (`Values`), linear values per level, or None for ``model.values``.

    Returns
    -------
    Values
        The validated log values.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import as_values
    >>> float(as_values(m, [np.array([2.0]), np.array([1.0, 3.0])]).at(0)[0])
    2.0
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    if values is None:
        values = model.values
        if values is None:
            raise ValueError("values is None and the model has no attached values")
    if isinstance(values, Values):
        logs = values.log
        for t, a in enumerate(logs):
            a = np.asarray(a)
            if np.any(np.isnan(a) | np.isposinf(a)):
                raise ValueError(f"log values[{t}] must be < +inf and not NaN, got {a[np.isnan(a) | np.isposinf(a)][:3]}")
    else:
        for t, a in enumerate(values):
            v.check_nonnegative(f"values[{t}]", a)
        logs = lmap(lambda a: jnp.log(jnp.asarray(a, dtype=jnp.float64)),
                    values if model.is_markov else tuple(values))
    if model.is_markov:
        logs = jnp.asarray(logs, dtype=jnp.float64)
        shapes, want = [logs.shape], [(model.T + 1, model.sizes[0])]
    else:
        logs = tuple(jnp.asarray(a, dtype=jnp.float64) for a in logs)
        if len(logs) != model.T + 1:
            raise ValueError(f"values must have T+1 = {model.T + 1} levels, got {len(logs)}")
        shapes, want = [a.shape for a in logs], [(n,) for n in model.sizes]
    for t, (got, exp) in enumerate(zip(shapes, want)):
        if got != exp:
            raise ValueError(f"values{'' if model.is_markov else f'[{t}]'} must have shape {exp}, got {got}")
    last, lr = np.asarray(logs[-1]), np.asarray(model.log_reward)
    same = (np.isneginf(last) & np.isneginf(lr)) | np.isclose(last, lr, rtol=1e-9, atol=1e-9)
    if not np.all(same):
        raise ValueError(f"values[T] must equal the reward r (V_T = r), got log V_T = {last[~same][:3]}"
                         f" where log r = {lr[~same][:3]}")
    if not np.isfinite(float(logs[0][0])):
        raise ValueError(f"values[0] (the root value V_0) must be > 0, got {float(np.exp(logs[0][0]))}")
    return Values(logs)


def _base(model, base) -> Values:
    return exact_values(model) if base is None else as_values(model, base)


def _with_exponents(model, base, log_factor, exponents) -> Values:
    """V_t · exp(log_factor · u_t) for t < T (u a level container), V_T unchanged."""
    base = _base(model, base)
    scaled = lmap(lambda b, u: jnp.where(jnp.isneginf(b), b, b + log_factor * u),
                  base.log[:-1], exponents)
    return Values(append(scaled, base.log[-1]))


def _per_level(model, draw):
    """A level container of draw(key, shape) for the non-terminal levels."""
    if model.is_markov:
        return lambda key: draw(key, (model.T, model.sizes[0]))
    return lambda key: tuple(draw(k, (n,)) for k, n in
                             zip(jax.random.split(key, model.T), model.sizes[:-1]))


def perturbed_values(key, model: Process, eta: float, kind: str = "random", base=None) -> Values:
    """V_t = V_t^base (1+η)^{u_t(node)}, t < T, with u_t ∈ [−1, 1] (base default V*):

    * ``"random"``: u ~ Uniform(−1, 1) independently per node;
    * ``"alternating"``: u = (−1)^t (constant per level: Bellman error exactly (1+η)² − 1 for
      V* as base, yet SMC is unaffected since level constants cancel in the weights);
    * ``"adversarial"``: u = −sign(log V*_t − E_p log V*_t): shrinks V towards uninformative.

    Parameters
    ----------
    key : jax.Array
        PRNG key (used by ``kind="random"``).
    model : Process
        The process.
    eta : float
        Perturbation size η ≥ 0.
    kind : str
        ``"random"``, ``"alternating"`` or ``"adversarial"``.
    base : Values or array_like or None
        Values to perturb (default: the exact values V*).

    Returns
    -------
    Values
        The perturbed values (V_T = r unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> import jax
    >>> from solvable.smc import perturbed_values, bellman_error
    >>> vals = perturbed_values(jax.random.PRNGKey(0), m, 0.1, kind="alternating")
    >>> round(float(vals.at(0)[0]), 6), round(bellman_error(m, vals).epsilon, 6)  # 2·1.1, T = 1
    (2.2, 0.1)
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_levels("base", base)
    v.check_nonnegative("eta", eta)
    kinds = ("random", "alternating", "adversarial")
    if kind not in kinds:
        raise ValueError(f"kind must be one of {kinds}, got {kind!r}")
    levels = jnp.arange(model.T, dtype=jnp.float64)
    if kind == "random":
        u = _per_level(model, lambda k, s: jax.random.uniform(k, s, minval=-1.0, maxval=1.0))(key)
    elif kind == "alternating":
        u = lmap(lambda b, t: jnp.ones_like(b) * (-1.0) ** t, _base(model, base).log[:-1],
                 levels[:, None] if model.is_markov else tuple(range(model.T)))
    else:
        def sign(lm, lv):
            ok = jnp.isfinite(lm) & jnp.isfinite(lv)
            w = jnp.where(ok, jnp.exp(lm), 0.0)
            mean = jnp.sum(w * jnp.where(ok, lv, 0.0), -1, keepdims=True) / jnp.sum(w, -1, keepdims=True)
            return jnp.where(ok, -jnp.sign(lv - mean), 0.0)
        u = lmap(sign, log_masses(model)[:-1], _base(model, base).log[:-1])
    return _with_exponents(model, base, float(np.log1p(eta)), u)


def path_scores(model: Process, direction=None):
    """g_t(node) = Σ_{u≤t} d(s_u) (default d = linspace(−1, 1, B)), a level container over
    t = 0..T; raises if g is not a function of the node (possible for Markov models)."""
    d = jnp.linspace(-1.0, 1.0, model.B) if direction is None else jnp.asarray(direction, float)
    if d.shape != (model.B,):
        raise ValueError(f"direction must have shape {(model.B,)}, got {d.shape}")
    v.check_finite("direction", d)
    masses = log_masses(model)
    out = [jnp.zeros(model.sizes[0])]
    for t in range(model.T):  # loop over levels
        lp, ch, n = model.log_probs[t], model.children[t], model.sizes[t + 1]
        cand = (out[-1][:, None] + d).reshape(-1)
        live = (jnp.isfinite(lp) & jnp.isfinite(masses[t])[:, None]).reshape(-1)
        idx = jnp.where(live, ch.reshape(-1), n)
        hi = jax.ops.segment_max(cand, idx, num_segments=n + 1)[:n]
        lo = -jax.ops.segment_max(-cand, idx, num_segments=n + 1)[:n]
        if bool(jnp.any(jnp.isfinite(hi) & (hi - lo > 1e-9))):
            raise ValueError("the path score Σ d(s_u) is not a function of the state for this model")
        out.append(jnp.where(jnp.isfinite(hi), hi, 0.0))
    return jnp.stack(out) if model.is_markov else tuple(out)


def tilted_values(model: Process, tilt: float, direction=None, base=None) -> Values:
    """V_t = V*_t exp(a g_t (T−t)/T), a = ``tilt`` ≥ 0, g_t = Σ_{u≤t} d(s_u) [derived].

    For base V* the log Bellman residual is a g_t/T − log E_q[exp(a d(s)(T−t−1)/T)] (q the
    π-conditional of the next token), so ε ≤ e^{a(T−1)/T} − 1 < e^a − 1, while V/V* reaches
    e^{a |g_t| (T−t)/T}. Choose a = log(1 + c/T) for the polynomial regime ε ≤ c/T.

    Parameters
    ----------
    model : Process
        The process (the path score must be a function of the node).
    tilt : float
        Tilt a ≥ 0.
    direction : array_like or None
        Per-token scores d, shape (B,) (default linspace(−1, 1, B)).
    base : Values or array_like or None
        Values to tilt (default V*).

    Returns
    -------
    Values
        The tilted values.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import product_model, tilted_values, exact_values
    >>> m = product_model(3, 2.0)
    >>> bool(np.allclose(tilted_values(m, 0.0).log, exact_values(m).log))  # a = 0: V*
    True
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_nonnegative("tilt", tilt)
    if direction is not None:
        v.check_real("direction", direction)
    v.check_levels("base", base)
    T = model.T
    g = path_scores(model, direction)
    w = (T - jnp.arange(T + 1.0)) / T
    scale = lmap(lambda gt, wt: gt * wt, g, w[:, None] if model.is_markov else tuple(w))
    return _with_exponents(model, base, float(tilt), scale[:-1])


def noisy_values(key, model: Process, sigma: float, base=None) -> Values:
    """PRM-like values: V_t = V*_t exp(σ Z_t(node) − σ²/2), Z iid N(0, 1), t < T (E[V_t] = V*_t).

    Parameters
    ----------
    key : jax.Array
        PRNG key.
    model : Process
        The process.
    sigma : float
        Log-noise scale σ ≥ 0.
    base : Values or array_like or None
        Values to perturb (default V*).

    Returns
    -------
    Values
        The noisy values (V_T = r unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> import jax
    >>> from solvable.smc import noisy_values
    >>> float(noisy_values(jax.random.PRNGKey(0), m, 0.0).at(0)[0])  # σ = 0: V*_0
    2.0
    """
    v.check_key("key", key)
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_nonnegative("sigma", sigma)
    v.check_levels("base", base)
    u = _per_level(model, lambda k, s: jax.random.normal(k, s) - sigma / 2)(key)
    return _with_exponents(model, base, float(sigma), u)


def _residual_backward(lv_next, xs):
    lp, ch, shift = xs
    lv = jax.scipy.special.logsumexp(child_log_values(lp, ch, lv_next), axis=1) + shift
    return lv, (lv,)


def residual_values(model: Process, epsilon: float, exponents) -> Values:
    """V_T = r and V_t = (1+ε)^{u_t} E_p[V_{t+1} | s_{1:t}] for t < T, with ``exponents`` u a level
    container over t = 0..T−1 (a (T, S) array for Markov models) with entries in [−1, 1].

    Every residual log V_t − log E_p[V_{t+1}] equals u_t log(1+ε), so the Bellman error is
    (1+ε)^{max |u|} − 1 over reachable nodes, yet V_t/V*_t = E_p[r Π_{u≥t} (1+ε)^{u_u}]/E_p[r]
    (conditional on s_{1:t}) compounds the per-step errors along the paths.

    Parameters
    ----------
    model : Process
        The process.
    epsilon : float
        Residual size ε ≥ 0.
    exponents : tuple of array_like or array_like
        u_t per node of levels 0..T−1, entries in [−1, 1].

    Returns
    -------
    Values
        The values with the prescribed residuals.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import residual_values, bellman_error
    >>> vals = residual_values(m, 0.5, (np.array([1.0]),))
    >>> float(vals.at(0)[0]), round(bellman_error(m, vals).epsilon, 6)  # 1.5 · 2
    (3.0, 0.5)
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_nonnegative("epsilon", epsilon)
    if isinstance(exponents, tuple):
        for t, u in enumerate(exponents):
            v.check_real(f"exponents[{t}]", u)
    else:
        v.check_real("exponents", exponents)
    for t, u in enumerate(exponents if isinstance(exponents, tuple) else [exponents]):
        u = np.asarray(u, dtype=float)
        if np.any(~np.isfinite(u) | (np.abs(u) > 1)):
            raise ValueError(f"exponents{'' if model.is_markov else f'[{t}]'} must be in [-1, 1]")
    le = float(np.log1p(epsilon))
    if model.is_markov:
        exponents = jnp.asarray(exponents, dtype=jnp.float64)
        want = (model.T, model.sizes[0])
        shifts = le * exponents
    else:
        exponents = tuple(jnp.asarray(u, dtype=jnp.float64) for u in exponents)
        want = model.sizes[:-1]
        shifts = tuple(le * u for u in exponents)
    got = exponents.shape if model.is_markov else tuple(u.shape[0] for u in exponents)
    if got != want or (not model.is_markov and any(u.ndim != 1 for u in exponents)):
        raise ValueError(f"exponents must have shape {want} (per level, per node), got {got}")
    _, (outs,) = sweep(_residual_backward, model, model.log_reward, (shifts,), reverse=True)
    return Values(append(outs, model.log_reward))


def majority_values(model: Process, epsilon: float) -> Values:
    """`residual_values` on a `product_model` (state k = #ones) with u_t(k) = −sign(2k − t):
    the PRM under-values a prefix with more ones than zeros by (1+ε) per step, over-values one
    with fewer, and is exact-in-expectation on ties (Bellman error exactly ε for T ≥ 2).

    Parameters
    ----------
    model : Process
        A `product_model`.
    epsilon : float
        Per-step residual ε ≥ 0.

    Returns
    -------
    Values
        The majority-biased values.

    Examples
    --------
    >>> from solvable.smc import product_model, majority_values, bellman_error
    >>> m = product_model(4, 2.0)
    >>> round(bellman_error(m, majority_values(m, 0.1)).epsilon, 6)
    0.1
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_nonnegative("epsilon", epsilon)
    if not model.is_markov:
        raise ValueError("majority_values needs a product_model (Markov state = number of ones)")
    T, S = model.T, model.sizes[0]
    k, t = jnp.arange(S, dtype=jnp.float64), jnp.arange(T, dtype=jnp.float64)[:, None]
    return residual_values(model, epsilon, -jnp.sign(2 * k - t))

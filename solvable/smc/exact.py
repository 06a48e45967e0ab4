"""Exact laws on enumerable processes: target π, guided sampler, best-of-N, rejection.

Laws are over the nodes of a level (paths for trees; states for Markov models, where a TV
distance between state laws is a lower bound on the TV between path laws).

* π(s_{1:T}) ∝ p(s_{1:T}) r(s_{1:T});  intermediate targets π̃_t(s_{1:t}) ∝ p(s_{1:t}) V_t(s_{1:t}).
* Guided sampler (one particle, s_t ∝ p(s_t | s_{1:t−1}) V_t(s_{1:t})): its prefix law π̂_t is a
  forward pass. docs/theory.md §8 [verify]: TV(π̃_t, π̂_t) ≤ 2tε. Derived here: π̂_t/π̃_t is a
  normalising constant times Π_{u≤t} V_{u−1}/E_p[V_u | s_{1:u−1}] (each factor in
  (1+ε)^{±1}) and E_p[V_t]/V_0 ∈ (1+ε)^{±t}, so TV ≤ 1 − (1+ε)^{−2t} ≤ 2t log(1+ε) ≤ 2tε;
  V = V* gives π̂_T = π exactly.
* Best-of-N from p (keep the highest reward, ties uniform): P(out = x) =
  p(x)/p(r = r_x) · [F(r_x)^N − F(r_x^−)^N], F the reward CDF under p.
* Best-of-N by selection ∝ r (importance resampling: draw N paths from p, return one with
  probability r_i / Σ_j r_j; the soft best-of-N that samples π as N → ∞): with the Laplace
  form 1/a = ∫_0^∞ e^{−ua} du, P(out = x) = N p(x) r(x) ∫_0^∞ e^{−u r(x)} φ(u)^{N−1} du,
  φ(u) = E_p e^{−u r} (one-dimensional quadrature; exact to ~1e-10).
* Rejection from p with N proposals (accept x with probability r(x)/max r, return the last
  proposal if none is accepted): law = (1 − m^N) π + m^{N−1} p (1 − r/max r), m = 1 − a,
  a = E_p[r]/max r; so TV(law, π) ≤ m^N.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate as v
from ._levels import child_log_values, lmap, log_masses, push_forward
from .models import Process
from .values import as_values

__all__ = [
    "tv_distance",
    "base_law",
    "target_law",
    "intermediate_targets",
    "guided_law",
    "guided_tv",
    "acceptance_rate",
    "best_of_n_law",
    "rejection_law",
    "importance_resampling_law",
]


def tv_distance(p, q) -> float:
    """TV(p, q) = ½ Σ |p − q|.

    Parameters
    ----------
    p, q : array_like
        Two laws of the same shape.

    Returns
    -------
    float
        The total variation distance.

    Examples
    --------
    >>> from solvable.smc import tv_distance
    >>> tv_distance([1.0, 0.0], [0.5, 0.5])
    0.5
    """
    v.check_real("p", p)
    v.check_real("q", q)
    p, q = np.asarray(p, float), np.asarray(q, float)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return 0.5 * float(np.abs(p - q).sum())


def _normalise(lw):
    return jnp.exp(lw - jax.scipy.special.logsumexp(lw, axis=-1, keepdims=True))


def base_law(model: Process) -> np.ndarray:
    """p on the terminal nodes.

    Parameters
    ----------
    model : Process
        The process.

    Returns
    -------
    numpy.ndarray
        p on the n_T terminal nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import base_law
    >>> base_law(m).round(6).tolist()
    [0.5, 0.5]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    return np.asarray(jnp.exp(log_masses(model)[-1]))


def target_law(model: Process) -> np.ndarray:
    """π ∝ p r on the terminal nodes.

    Parameters
    ----------
    model : Process
        The process.

    Returns
    -------
    numpy.ndarray
        π on the n_T terminal nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import target_law
    >>> target_law(m).round(6).tolist()  # (1, 3) / 4
    [0.25, 0.75]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    return np.asarray(_normalise(log_masses(model)[-1] + model.log_reward))


def intermediate_targets(model: Process, values=None):
    """π̃_t ∝ p(s_{1:t}) V_t(s_{1:t}), t = 0..T (a level container; π̃_T = π).

    Parameters
    ----------
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.

    Returns
    -------
    tuple or jax.Array
        π̃_t per level (tuple for trees, (T+1, S) array for Markov models).

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import intermediate_targets, exact_values
    >>> [np.round(np.asarray(x), 6).tolist() for x in intermediate_targets(m, exact_values(m))]
    [[1.0], [0.25, 0.75]]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    vals = as_values(model, values)
    return lmap(lambda lm, lv: _normalise(lm + lv), log_masses(model), vals.log)


def _guided_kernel(lp, ch, lv_next):
    logits = child_log_values(lp, ch, lv_next)
    lk = logits - jax.scipy.special.logsumexp(logits, axis=-1, keepdims=True)
    return jnp.where(jnp.isnan(lk), lp, lk)  # all children worthless: fall back to p


def guided_law(model: Process, values=None):
    """Law π̂_t of the guided sampler's prefix s_{1:t}, t = 0..T (a level container).

    Parameters
    ----------
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.

    Returns
    -------
    tuple or jax.Array
        π̂_t per level.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import guided_law, exact_values
    >>> np.round(np.asarray(guided_law(m, exact_values(m))[1]), 6).tolist()  # V = V*: π
    [0.25, 0.75]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    vals = as_values(model, values)
    kern = jax.vmap(_guided_kernel) if model.is_markov else _guided_kernel
    kernels = lmap(kern, model.log_probs, model.children, vals.log[1:])
    return lmap(jnp.exp, push_forward(model, kernels))


def guided_tv(model: Process, values=None) -> np.ndarray:
    """TV(π̃_t, π̂_t) for t = 0..T; compare with 2tε (docs/theory.md §8) and 1 − (1+ε)^{−2t} [derived].

    Parameters
    ----------
    model : Process
        The process.
    values : Values, array_like or None
        Approximate values (see `as_values`); None uses ``model.values``.

    Returns
    -------
    numpy.ndarray
        The T+1 distances.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import guided_tv, exact_values
    >>> guided_tv(m, exact_values(m)).round(9).tolist()  # V = V*: exact
    [0.0, 0.0]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    a, b = intermediate_targets(model, values), guided_law(model, values)
    return np.array([tv_distance(x, y) for x, y in zip(a, b)])


def _terminal(model):
    lm = log_masses(model)[-1]
    return np.exp(np.asarray(lm)), np.asarray(model.log_reward), np.isfinite(np.asarray(lm))


def acceptance_rate(model: Process) -> float:
    """a = E_p[r] / max r (max over reachable terminal nodes): rejection's acceptance rate.

    Parameters
    ----------
    model : Process
        The process.

    Returns
    -------
    float
        The acceptance rate a in (0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import acceptance_rate
    >>> round(acceptance_rate(m), 6)  # E r / max r = 2/3
    0.666667
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    p, lr, reach = _terminal(model)
    return float(np.sum(p * np.exp(lr - lr[reach].max())))


def best_of_n_law(model: Process, n: int) -> np.ndarray:
    """Exact law of best-of-N from p (ties broken uniformly), see module docstring.

    Parameters
    ----------
    model : Process
        The process.
    n : int
        Number of draws N ≥ 1.

    Returns
    -------
    numpy.ndarray
        The law on the terminal nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import best_of_n_law
    >>> best_of_n_law(m, 2).round(6).tolist()  # the low leaf needs both draws: 1/4
    [0.25, 0.75]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_integer_at_least("n", n, 1)
    p, lr, _ = _terminal(model)
    order = np.argsort(lr, kind="stable")
    cdf = np.concatenate([[0.0], np.cumsum(p[order])])
    hi = cdf[np.searchsorted(lr[order], lr, side="right")]
    lo = cdf[np.searchsorted(lr[order], lr, side="left")]
    hi, lo = np.minimum(hi, 1.0), np.minimum(lo, 1.0)
    cls = hi - lo
    return np.where(cls > 0, p / np.where(cls > 0, cls, 1.0) * (hi**n - lo**n), 0.0)


def rejection_law(model: Process, n: int) -> np.ndarray:
    """Exact law of rejection sampling from p with at most n proposals (module docstring).

    Parameters
    ----------
    model : Process
        The process.
    n : int
        Maximum number of proposals ≥ 1.

    Returns
    -------
    numpy.ndarray
        The law on the terminal nodes.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> from solvable.smc import rejection_law
    >>> rejection_law(m, 1).round(6).tolist()  # one proposal: p
    [0.5, 0.5]
    >>> rejection_law(m, 2).round(6).tolist()  # (8/9) π + (1/3)(1/3, 0)
    [0.333333, 0.666667]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_integer_at_least("n", n, 1)
    m = 1.0 - acceptance_rate(model)
    p, lr, reach = _terminal(model)
    rejected = p * -np.expm1(np.where(reach, lr - lr[reach].max(), -np.inf))
    return (1.0 - m**n) * target_law(model) + m ** (n - 1) * rejected


def importance_resampling_law(model: Process, n: int, *, grid: int = 20001) -> np.ndarray:
    """Exact law of best-of-N by selection ∝ r: P(x) = N p(x) r(x) ∫_0^∞ e^{−u r(x)} φ(u)^{N−1} du.

    Draw N paths from p and return path i with probability r_i / Σ_j r_j (uniformly if every
    reward is 0). As N → ∞ the law tends to π with TV = O(χ²(π‖p)/N).

    Parameters
    ----------
    model : Process
        Any process (for Markov models the law is over terminal states, which is the law of
        the statistic when r depends on the path through the state only).
    n : int
        Number of draws N ≥ 1.
    grid : int
        Points of the trapezoid rule in s = log u (the integrand is smooth in s and decays
        doubly exponentially at both ends, so the rule converges geometrically).

    Returns
    -------
    numpy.ndarray
        The law on the terminal nodes (sums to 1 within ~1e-10).

    Notes
    -----
    docs/theory.md §8. With rewards scaled to max 1, u = e^s runs over
    s ∈ [log(1e-3/N) − 30, log(60/r_min) + 5]; zero rewards get p(x) p_0^{N−1} (all N draws
    worthless), and φ(∞) = p_0.

    Examples
    --------
    >>> import numpy as np
    >>> from solvable.smc import tree_model
    >>> m = tree_model([np.array([[0.5, 0.5]])], [1.0, 3.0])
    >>> [round(float(x), 6) for x in importance_resampling_law(m, 2)]  # by hand: 3/8, 5/8
    [0.375, 0.625]
    """
    v.check_instance("model", model, Process, "an smc Process (tree_model, markov_model, ...)")
    v.check_integer_at_least("n", n, 1)
    v.check_integer_at_least("grid", grid, 101)
    p, lr, reach = _terminal(model)
    top = lr[reach].max()
    rhat = np.where(reach, np.exp(lr - top), 0.0)
    pos = rhat > 0
    p0 = float(p[~pos].sum())
    rmin = rhat[pos & reach].min()
    s = np.linspace(np.log(1e-3 / n) - 30.0, np.log(60.0 / rmin) + 5.0, grid)
    u = np.exp(s)
    live = p > 0
    # log φ(u) = logsumexp_j(log p_j − u r_j), in blocks of grid points
    logp = np.log(p[live])
    lphi = np.empty(grid)
    for i in range(0, grid, 2048):  # blocks bound the (grid × states) temporary
        blk = logp[None, :] - u[i:i + 2048, None] * rhat[live][None, :]
        m = blk.max(1, keepdims=True)
        lphi[i:i + 2048] = (m + np.log(np.exp(blk - m).sum(1, keepdims=True)))[:, 0]
    out = np.where(pos, 0.0, p * p0 ** (n - 1))
    ds = s[1] - s[0]
    wts = np.full(grid, ds)
    wts[[0, -1]] = ds / 2
    for i in np.flatnonzero(pos & live):  # one quadrature per rewarded node (≤ a few 1e3)
        log_f = s - u * rhat[i] + (n - 1) * lphi
        mx = log_f.max()
        out[i] = n * p[i] * rhat[i] * np.exp(mx) * np.sum(wts * np.exp(log_f - mx))
    return out

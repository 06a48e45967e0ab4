"""Accuracy and cost of ∂δ/∂t: the derivative's own rule against differentiating the value.

Three ways to get ∂δ/∂t at (k, t, b, a), measured in the same run:

* the rule (what `jax.grad` / `jax.jvp` of `selection_error_normalized` use): the pair-term
  integral of `solvable.selection` (module docstring, docs/theory.md §3);
* baseline 1: automatic differentiation of the value's quadrature rule (what the package did
  before; `_schedule._sorted_blocks` differentiated directly);
* baseline 2: central finite differences of the value (step 1e-4 t).

Accuracy on random points of the extended domain (k ≤ 1e6, offsets ≤ 10 s), against two
independent routes of tests/reference.py: the direct two-candidate double integral (k = 2,
1e-3 ≤ t ≤ 1e3) and the covariance route without integration by parts (any k, t ≥ 0.05).
Cost: seconds for ∂δ/∂t at n points in one compiled call (forward mode), after compilation.

Run: PYTHONPATH=. python benchmarks/bench_gradient.py [--n 40]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from reference import dt_covariance, dt_two_candidates  # noqa: E402

from solvable import _schedule  # noqa: E402
from solvable.selection import selection_error_normalized  # noqa: E402


def _along_t(value):
    return jax.jit(lambda k, t, b, a: jax.jvp(lambda t: value(k, t, b, a), (t,),
                                              (jnp.ones_like(t),))[1])


RULE = _along_t(selection_error_normalized)
# the value's rule differentiated as it is (no custom derivative): the old ∂δ/∂t
AD_OF_VALUE = _along_t(lambda k, t, b, a: _schedule._sorted_blocks(
    k, t, b, a, jnp.ones(k.shape, bool), 1, True))


def finite_difference(k, t, b, a, h=1e-4):
    up = np.asarray(selection_error_normalized(k, t * (1 + h), b, a))
    down = np.asarray(selection_error_normalized(k, t * (1 - h), b, a))
    return (up - down) / (2 * h * t)


def points(n, seed, k_fixed=None, t_lo=1e-3):
    rng = np.random.default_rng(seed)
    k = np.full(n, k_fixed) if k_fixed else np.exp(rng.uniform(0, np.log(1e6), n))
    t = np.exp(rng.uniform(np.log(t_lo), np.log(1e3), n))
    return k, t, rng.uniform(-10, 10, n), rng.uniform(-10, 10, n)


def errors(pts, want):
    out = {}
    for name, fn in (("rule", lambda *p: np.asarray(RULE(*map(jnp.asarray, p)))),
                     ("AD of the value", lambda *p: np.asarray(AD_OF_VALUE(*map(jnp.asarray, p)))),
                     ("finite differences", finite_difference)):
        out[name] = np.abs(fn(*pts) / want - 1)
    return out


def seconds(fn, pts, repeats=3):
    args = [jnp.asarray(p) for p in pts]
    fn(*args).block_until_ready()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args).block_until_ready()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(n=40, n_cost=256):
    warnings.filterwarnings("ignore")
    two = points(n, 1, k_fixed=2.0)
    want_two = np.array([dt_two_candidates(*p[1:]) for p in tqdm(list(zip(*two)), desc="k = 2 ref")])
    any_k = points(n, 2, t_lo=0.05)
    want_any = np.array([dt_covariance(*p) for p in tqdm(list(zip(*any_k)), desc="covariance ref")])
    small = tuple(p[two[1] < 0.05] for p in two)
    want_small = want_two[two[1] < 0.05]
    print(f"relative error of ∂δ/∂t, extended domain ({n} random points per row)")
    print(f"{'':34s}{'rule':>22s}{'AD of the value':>22s}{'finite differences':>22s}")
    for label, pts, want in (("k = 2, 1e-3 ≤ t ≤ 1e3", two, want_two),
                             (f"k = 2, t < 0.05 ({len(want_small)} points)", small, want_small),
                             ("any k, 0.05 ≤ t ≤ 1e3", any_k, want_any)):
        err = errors(pts, want)
        cells = "".join(f"{'med %.0e max %.0e' % (np.median(e), e.max()):>22s}" for e in err.values())
        print(f"{label:34s}{cells}")
    cost = points(n_cost, 3)
    t_rule, t_ad = seconds(RULE, cost), seconds(AD_OF_VALUE, cost)
    t_value = seconds(jax.jit(selection_error_normalized), cost)
    print(f"cost at {n_cost} points (one compiled call, forward mode, median of 3): "
          f"rule {t_rule:.2f} s, AD of the value {t_ad:.2f} s, the value itself {t_value:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="random points per accuracy row")
    parser.add_argument("--n-cost", type=int, default=256, help="points of the timed call")
    args = parser.parse_args()
    main(args.n, args.n_cost)

"""Throughput and accuracy of `selection_error_normalized` against a fixed quadrature rule.

The fixed rule (a published reproduction's approach): 96 Gauss–Hermite nodes in y times
800 Gauss–Legendre nodes in q ∈ (0, 1), u = q/(1 − q), evaluated with NumPy point by point.
Both are timed in the same run (medians of five repeats) on the moderate domain (t ≥ 0.1,
k ≤ 1e4, |b|, |a| ≤ 5), and their max relative error is measured against the slow reference
of tests/reference.py.

Run: PYTHONPATH=. python benchmarks/bench_selection.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from make_reference_points import sample  # noqa: E402
from reference import reference_normalized  # noqa: E402

from solvable.selection import selection_error_normalized  # noqa: E402

_XH, _WH = np.polynomial.hermite_e.hermegauss(96)
_WH = _WH / np.sqrt(2 * np.pi)
_XL, _WL = np.polynomial.legendre.leggauss(800)
_Q = (_XL + 1) / 2
_U = _Q / (1 - _Q)
_DU = (_WL / 2) / (1 - _Q) ** 2


def fixed_rule(k, t, b, a):
    z = _XH + a  # z = y − μ_R ~ N(a, 1)
    w = np.exp(-(z**2) / (2 * t))
    e = np.exp(-np.outer(_U, w))
    A = e @ _WH
    B = (e * w) @ (_WH * (z + b - a) ** 2)
    return k * np.sum(_DU * B * A ** (k - 1))


def rate(fn, n, repeats=5):
    """Points per second of ``fn()`` over ``n`` points: the median of ``repeats`` timed runs
    (this machine's timings vary by about 10% from run to run)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return n / float(np.median(times))


def main(n_fast=20_000, n_fixed=1_000, n_ref=40):
    fast = selection_error_normalized     # concrete input: compiled blocks over a thread pool
    jitted = jax.jit(selection_error_normalized)  # traced input: one compiled call
    pts = tuple(sample("moderate", n_fast, 0).T)
    fast(*pts).block_until_ready()
    fast_rate = rate(lambda: fast(*pts).block_until_ready(), n_fast)
    quarter = [p[: n_fast // 4] for p in pts]
    jitted(*quarter).block_until_ready()
    jit_rate = rate(lambda: jitted(*quarter).block_until_ready(), n_fast // 4)

    zero = (pts[0], np.zeros(n_fast), pts[2], pts[3])  # best-of-k (T = 0): the step integral only
    fast(*zero).block_until_ready()
    zero_rate = rate(lambda: fast(*zero).block_until_ready(), n_fast)

    sub = [p[:n_fixed] for p in pts]

    def fixed_all():
        for i in range(n_fixed):
            fixed_rule(*(p[i] for p in sub))

    fixed_rate = rate(fixed_all, n_fixed)

    warnings.filterwarnings("ignore")
    err_fast = err_fixed = 0.0
    for i in range(n_ref):
        p = tuple(float(x[i]) for x in pts)
        ref = reference_normalized(*p)
        err_fast = max(err_fast, abs(float(fast(*p)) / ref - 1))
        err_fixed = max(err_fixed, abs(fixed_rule(*p) / ref - 1))

    print(f"selection_error_normalized: {fast_rate:12.0f} points/s  (one call, {n_fast} points, compiled)")
    print(f"  inside the caller's jit : {jit_rate:12.0f} points/s  (one compiled call, no thread pool)")
    print(f"  at T = 0 (best-of-k)    : {zero_rate:12.0f} points/s")
    print(f"fixed 96 GH x 800 GL rule : {fixed_rate:12.0f} points/s  (NumPy, point by point)")
    print(f"speed-up                   : {fast_rate / fixed_rate:12.1f} x")
    print(f"max rel. error vs reference on {n_ref} moderate points: "
          f"kernel {err_fast:.2e}, fixed rule {err_fixed:.2e}")
    p = (64.0, 0.01, 0.0, 0.0)
    ref = reference_normalized(*p)
    print(f"t = 0.01, k = 64, b = a = 0: reference {ref:.10g}, kernel {float(fast(*p)):.10g}, "
          f"fixed rule {fixed_rule(*p):.10g} (ratio {fixed_rule(*p) / ref:.3f})")


if __name__ == "__main__":
    main()

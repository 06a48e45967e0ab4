"""Throughput and accuracy of the discrete-answer accuracies (`solvable.answers`).

Timed in the same run (medians of three repeats, after a warm-up call that compiles):
the judge's accuracy `accuracy_normalized` at T > 0 and at T = 0 (best-of-k) on 256 random
points of the moderate domain (t ∈ [0.1, 100], k ≤ 1e4, |b|, |a| ≤ 3, η ∈ [0.05, 3]), beside
the squared-error kernel `selection_error_normalized` on the same points (the baseline: the
accuracy kernel is the same integral with the indicator of the correct interval instead of
the squared error); the exact plurality vote at k = 8, 64, 256, 1000 (η = 0.5); and the max
relative error against the stored slow reference (tests/data/answers_reference.npz).

Run: PYTHONPATH=. python benchmarks/bench_answers.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from solvable.answers import accuracy_normalized, bin_probabilities, majority_accuracy
from solvable.selection import selection_error_normalized


def _median_time(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    rng = np.random.default_rng(0)
    n = 256
    k = np.exp(rng.uniform(0, np.log(1e4), n))
    t = np.exp(rng.uniform(np.log(0.1), np.log(100.0), n))
    b, a = rng.uniform(-3, 3, (2, n))
    eta = np.exp(rng.uniform(np.log(0.05), np.log(3.0), n))
    for label, tt in (("softmax T > 0", t), ("best-of-k T = 0", np.zeros(n))):
        accuracy_normalized(k, tt, b, a, eta).block_until_ready()
        selection_error_normalized(k, tt, b, a).block_until_ready()
        acc = _median_time(lambda: accuracy_normalized(k, tt, b, a, eta).block_until_ready())
        sel = _median_time(lambda: selection_error_normalized(k, tt, b, a).block_until_ready())
        print(f"{label:18s} accuracy: {n / acc:9.0f} points/s   "
              f"baseline selection_error: {n / sel:9.0f} points/s   ratio {sel / acc:.3f}")
    q0, others = bin_probabilities(0.2, 0.5)
    for kk in (8, 64, 256, 1000):
        sec = _median_time(lambda: majority_accuracy(kk, q0, others), repeats=1 if kk > 300 else 3)
        print(f"plurality vote k = {kk:4d}: {sec * 1e3:9.1f} ms per point ({len(others) + 1} bins)")
    data = np.load(Path(__file__).resolve().parents[1] / "tests" / "data" / "answers_reference.npz")
    for name in data.files:
        kk, tt, bb, aa, ee, ref = data[name].T
        got = np.asarray(accuracy_normalized(kk, tt, bb, aa, ee))
        big = ref >= 1e-6
        rel = np.abs(got[big] - ref[big]) / ref[big]
        print(f"reference {name:20s}: max relative error {rel.max():.2e} "
              f"over {big.sum()} points ≥ 1e-6")


if __name__ == "__main__":
    main()

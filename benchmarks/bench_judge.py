"""Speed of the noisy judge (docs/theory.md §10): exact functions and pools with many calls.

    PYTHONPATH=. python3 benchmarks/bench_judge.py [--points 2000] [--questions 500]

1. Points per second of `selection_error` and `selection_accuracy` with a `Judge` of noisy
   calls (the centre's Gaussian integral on top of the exact kernel), at random
   (k, T, mean, reward) with best-of-k and softmax judges. Baseline in the same run: a direct
   route, SciPy's adaptive `quad` over the centre calling the noiseless function at one centre
   at a time (on a few points; its agreement with the fast rule is printed).
2. Best-of-k with per-candidate score noise: points per second of the exact route, against
   a NumPy Monte Carlo of the definition at a standard error of 1e-4 (same run).
3. A synthetic pool of Q questions × 64 samples × 16 calls (a call's verdict is the sample's
   correctness plus N(0, 1.5²) noise): best-of-k for every k = 1..64 and every m = 1..16
   shared calls, (a) with the defaults (exact over the C(16, m) call subsets where there are at
   most 256, random subsets otherwise, Monte Carlo error printed), (b) exact everywhere (every
   one of the 65,535 call subsets), against the generic loop over subsets that the other rules
   take, timed on m = 1, 2, 15, 16 and extrapolated.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import integrate

from solvable import pools, selection_accuracy, selection_error
from solvable.judge import Judge


def _points(n: int, rng):
    k = np.round(np.exp(rng.uniform(0.0, math.log(256.0), n)))
    mean = rng.normal(0.0, 0.6, n)
    reward = rng.normal(0.0, 0.6, n)
    return k, mean, reward


def bench_points(n: int) -> None:
    rng = np.random.default_rng(0)
    k, mean, reward = _points(n, rng)
    judge = Judge(calls=4, call_noise=0.8, floor=0.1)
    print(f"\n== the exact functions with a judge of 4 noisy calls, {n} random points ==")
    for name, fn in (("error", lambda T, **kw: selection_error(k, T, mean=mean, reward=reward,
                                                              **kw)),
                     ("accuracy", lambda T, **kw: selection_accuracy(
                         k, T, mean=mean, reward=reward, tolerance=0.5, **kw))):
        for T in (0.0, 0.3):
            np.asarray(fn(T, judge=judge))                  # compile / warm
            start = time.perf_counter()
            np.asarray(fn(T, judge=judge))
            dt = time.perf_counter() - start
            start = time.perf_counter()
            np.asarray(fn(T))
            plain = time.perf_counter() - start
            print(f"  {name:>8}, T = {T}: {n / dt:9.0f} points/s with the noisy judge "
                  f"({n / plain:9.0f} points/s without)")
    # baseline: adaptive quadrature over the centre, one noiseless call per centre
    sd = math.sqrt(judge.centre_variance)
    sub = 5
    for name, T in (("error", 0.0), ("accuracy", 0.0)):
        def at(e, i):
            if name == "error":
                return float(selection_error(k[i], T, mean=mean[i], reward=reward[i] + e))
            return float(selection_accuracy(k[i], T, mean=mean[i], reward=reward[i] + e,
                                             tolerance=0.5))
        start = time.perf_counter()
        direct = []
        for i in range(sub):
            f = lambda e: at(e, i) * math.exp(-0.5 * (e / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
            direct.append(integrate.quad(f, -9 * sd, 9 * sd, limit=200, epsabs=1e-11,
                                         epsrel=1e-10)[0])
        dt = time.perf_counter() - start
        fast = (selection_error(k[:sub], T, mean=mean[:sub], reward=reward[:sub], judge=judge)
                if name == "error" else
                selection_accuracy(k[:sub], T, mean=mean[:sub], reward=reward[:sub],
                                   tolerance=0.5, judge=judge))
        gap = np.max(np.abs(np.asarray(fast) - np.array(direct)))
        print(f"  baseline {name:>8}, T = {T}: adaptive quad over the centre {sub / dt:7.1f} "
              f"points/s; largest difference to the fast rule {gap:.1e}")


def bench_score_noise(n: int) -> None:
    """Best-of-k with per-candidate score noise (solvable._score_noise) against the NumPy Monte
    Carlo of the definition at the precision of the exact route's agreement (1e-4 here)."""
    rng = np.random.default_rng(2)
    k, mean, reward = _points(n, rng)
    judge = Judge(calls=4, score_noise=1.0)
    print(f"\n== best-of-k with per-candidate score noise (sigma = 1, m = 4), {n} points ==")
    for name, fn in (("error", selection_error), ("accuracy", selection_accuracy)):
        extra = {} if name == "error" else {"tolerance": 0.5}
        start = time.perf_counter()
        exact = np.asarray(fn(k, 0.0, mean=mean, reward=reward, judge=judge, **extra))
        dt = time.perf_counter() - start
        # baseline: Monte Carlo of the definition at one point, to a standard error of 1e-4
        i = int(np.argmax(k))
        draws = 200_000
        start = time.perf_counter()
        y = mean[i] + rng.normal(size=(draws, int(k[i])))
        scores = -(y - reward[i]) ** 2 + rng.normal(0.0, 0.5, y.shape)
        pick = y[np.arange(draws), np.argmax(scores, axis=1)]
        value = pick ** 2 if name == "error" else (np.abs(pick) < 0.5) * 1.0
        mc_dt = time.perf_counter() - start
        se = value.std() / math.sqrt(draws)
        per_point = mc_dt * (se / 1e-4) ** 2
        print(f"  {name:>8}: {n / dt:7.2f} points/s exact; Monte Carlo of the definition at "
              f"k = {int(k[i])}: {per_point:6.1f} s per point for a standard error of 1e-4 "
              f"(z = {(value.mean() - exact[i]) / se:+.2f} against the exact value)")


def bench_pool(q: int) -> None:
    rng = np.random.default_rng(1)
    n, M = 64, 16
    correct = (rng.random((q, n)) < rng.uniform(0.1, 0.7, (q, 1))).astype(float)
    calls = correct[:, :, None] + rng.normal(0.0, 1.5, (q, n, M))
    pool = pools.Pool(calls, correct)
    ks = np.arange(1, n + 1)
    print(f"\n== pool of {q} questions x {n} samples x {M} calls: best-of-k, every k, "
          f"m = 1..{M} shared calls ==")
    start = time.perf_counter()
    worst = 0.0
    for m in range(1, M + 1):
        c = pools.selection_curve(pool, "best_of_k", ks, calls=m)
        worst = max(worst, float(c.mc_stderr.max()))
    dt = time.perf_counter() - start
    print(f"  defaults (exact where C(16, m) <= 256, else 256 random subsets): {dt:.1f} s; "
          f"largest Monte Carlo s.e. {worst:.1e}")
    start = time.perf_counter()
    for m in range(1, M + 1):
        c = pools.selection_curve(pool, "best_of_k", ks, calls=m, max_call_subsets=10 ** 6)
        assert c.exact.all()
    dt = time.perf_counter() - start
    print(f"  exact everywhere (all {2 ** M - 1} call subsets enumerated): {dt:.1f} s")
    # baseline in the same run: the rounds loop that every other rule takes (each subset's
    # scores through the rule as extra questions), timed on m = 1, 2, 15, 16 and
    # extrapolated to all m by the number of subsets
    from solvable.pools import curves
    per_subset = []
    for m in (1, 2, 15, 16):
        def rule_values(p):
            return curves._best_of_k(p, ks, False), np.zeros((p.num_questions, ks.size))
        start = time.perf_counter()
        curves._over_calls(pool, m, True, rule_values, 10 ** 6, 256, 0)
        per_subset.append((time.perf_counter() - start) / math.comb(M, m))
    rate = float(np.mean(per_subset))
    total = rate * sum(math.comb(M, m) for m in range(1, M + 1))
    print(f"  baseline, the generic rounds loop: {1e3 * rate:.2f} ms per call subset, "
          f"{total:.0f} s for all (extrapolated from m = 1, 2, 15, 16)")

def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=2000)
    p.add_argument("--questions", type=int, default=500)
    args = p.parse_args()
    bench_points(args.points)
    bench_score_noise(max(2, args.points // 100))
    bench_pool(args.questions)


if __name__ == "__main__":
    main()

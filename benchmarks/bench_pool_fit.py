"""Held-out test of the answer-model fit: fit each RewardMATH judge on k ≤ 3, predict k = 10.

    PYTHONPATH=. python3 benchmarks/bench_pool_fit.py [--judges internlm2 gpt4o ...]

For each judge the model of `solvable.pools.model` (width, spread, misalignment, judge noise) is
fitted to the pass@k and best-of-k curves at k = 1, 2, 3 of the judge's pool with replacement
(its 10 candidates are a fixed set, so the plug-in law is the target; see the module), then
its best-of-k prediction at k = 4..10 is compared with the exact curve. Printed per judge:
the fitted parameters, χ² of the fit (2 degrees of freedom), the held-out error at k = 10 in
accuracy and in standard errors, whether the predicted best k (of 1..10) is the empirical
one, and the time. A model check on a pool simulated from the model itself comes first.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from solvable import pools


def held_out(pool, replacement, ks_fit=(1, 2, 3), k_top=10):
    start = time.perf_counter()
    f = pools.fit(pool, ks_fit, replacement=replacement)
    ks = np.arange(1, k_top + 1)
    obs = pools.selection_curve(pool, "best_of_k", ks, replacement=replacement)
    pred = f.predict("best_of_k", ks)
    return f, obs, pred, time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--judges", nargs="*", default=None)
    args = p.parse_args(argv)
    true = pools.ModelParams(width=1.0, spread=0.6, misalignment=0.5, judge_noise=0.3)
    f, obs, pred, dt = held_out(pools.simulate_pool(true, 400, 16, seed=1), False, k_top=16)
    print("model check: 400 questions x 16 samples drawn from", true)
    for name in ("width", "spread", "misalignment", "judge_noise"):
        got, se = getattr(f.params, name), f.stderr[name]
        print(f"  {name:>13}: fitted {got:.3f} ± {se:.3f} (true {getattr(true, name):.3f}, "
              f"z = {(got - getattr(true, name)) / se:+.2f})")
    print(f"  held-out best-of-k at k = 16: predicted {pred[-1]:.4f}, observed {obs.mean[-1]:.4f}"
          f" ± {obs.stderr[-1]:.4f}; fit {dt:.1f} s")
    judges = args.judges or pools.REWARDMATH_JUDGES
    print("\nRewardMATH, fit on k <= 3 (with replacement), best-of-k at k = 10:")
    print(f"{'judge':>16} {'width':>6} {'spread':>6} {'c':>6} {'noise':>6} {'chi2':>7} "
          f"{'obs10':>6} {'pred10':>6} {'err':>7} {'err/se':>6} {'best k obs/pred':>15} {'s':>5}")
    errs, match = [], 0
    for judge in judges:
        f, obs, pred, dt = held_out(pools.rewardmath(judge), True)
        err = pred[-1] - obs.mean[-1]
        errs.append(err)
        bo, bp = int(np.argmax(obs.mean)) + 1, int(np.argmax(pred)) + 1
        match += bo == bp
        pr = f.params
        print(f"{judge:>16} {pr.width:6.2f} {pr.spread:6.2f} {pr.misalignment:6.2f} "
              f"{pr.judge_noise:6.2f} {f.chi2:7.1f} {obs.mean[-1]:6.3f} {pred[-1]:6.3f} "
              f"{err:+7.3f} {err / obs.stderr[-1]:+6.1f} {bo:>7}/{bp:<7} {dt:5.0f}", flush=True)
    errs = np.abs(errs)
    print(f"held-out |error| at k = 10: median {np.median(errs):.3f}, max {errs.max():.3f}; "
          f"{np.sum(errs < 0.02)}/{errs.size} below 0.02; best k matches for {match}/{errs.size}")


if __name__ == "__main__":
    main()

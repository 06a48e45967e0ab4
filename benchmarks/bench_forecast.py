"""Held-out test of `pools.forecast`: forecast large k from a pilot of m0 = 4 samples per question.

    PYTHONPATH=. nice -n 10 python3 benchmarks/bench_forecast.py [--repeats 2] [--n-boot 50] [--quick]

Protocol (issue 23). Pilot = m0 samples per question: the first m0 and `--repeats` random
subsets of m0 (without replacement from a pool of samples of one model; with replacement from
RewardMATH's fixed 10 candidates, whose target is then the with-replacement curve). Truth = the
exact curve of the full pool (`selection_curve`; the weighted vote at 0 < T < ∞ on a pool of
100 is a Monte Carlo over subsets, its error is printed). Data:

* ``model-A``, ``model-B``: pools of 300 questions × 100 samples drawn from the answer model
  (`simulate_pool`), every rule including the weighted vote at T (the settings were chosen on
  these and on CodeT);
* ``codet``: CodeT HumanEval, 155 × 100 (the one real pool used to choose settings);
* ``rm-<judge>``: RewardMATH judges, 483 × 10 candidates, pass and best-of-k (held out);
* ``rm-panel``: the 22-judge RewardMATH panel (mean of standardised scores; held out).

Baselines in the same run: ``carry`` (the pilot's exact curve at k = m0, carried forward),
``betabin`` (beta-binomial maximum likelihood on the pilot's counts, pass@k = 1 − B(α, β + k)
/ B(α, β); Kazdan et al., arXiv 2510.05197), ``schaeffer`` (a beta law fitted by moments to the
per-question pass rates c/n, then the same formula; Schaeffer et al., arXiv 2502.17578) and
``poolfit`` (`pools.fit` on the pilot's k = 1..m0, extrapolated; pass, best-of-k, majority;
only on the first pilot of each data set, as it takes about a minute per fit on RewardMATH).

Printed: the error table (rules × data × k, median over pilots, with the baselines), coverage
of the 90% intervals and their widths at k = 16, the median |error| per method over all cells,
and run times.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import optimize
from scipy.special import betaln

from solvable import pools
from solvable.pools.curves import Pool
from solvable.pools.pilot import forecast

M0 = 4
T_WV = 2.0        # weighted-vote temperature on the model pools (judge units)


def sub_pool(pool: Pool, idx: np.ndarray) -> Pool:
    """The pool restricted to samples idx[q] of each question ([Q, m] index array)."""
    take = lambda a: np.take_along_axis(a, idx, axis=1)
    answers = None if pool.answers is None else take(pool.answers)
    return Pool(take(pool.scores), take(pool.correct), answers, mixed_labels=pool.mixed_labels)


def pilots(pool: Pool, repeats: int, replacement: bool, seed: int):
    Q, n = pool.scores.shape
    rng = np.random.default_rng(seed)
    out = []
    if not replacement:
        out.append(("first", np.tile(np.arange(M0), (Q, 1))))
    for i in range(repeats + (1 if replacement else 0)):
        if replacement:
            idx = rng.integers(0, n, size=(Q, M0))
        else:
            idx = np.argsort(rng.random((Q, n)), axis=1)[:, :M0]
        out.append((f"rand{i}", idx))
    return [(name, sub_pool(pool, idx)) for name, idx in out]


# ---------------------------------------------------------------- baselines

def beta_pass(a, b, ks):
    return np.array([1.0 - math.exp(betaln(a, b + k) - betaln(a, b)) for k in ks])


def betabin_fit(c, n):
    def nll(x):
        a, b = np.exp(x)
        return -np.sum(betaln(c + a, n - c + b) - betaln(a, b))
    res = optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 4000})
    return np.exp(res.x)


def schaeffer_fit(c, n):
    x = np.clip(c / n, 1e-6, 1 - 1e-6)
    m, v = x.mean(), x.var()
    s = m * (1 - m) / max(v, 1e-9) - 1
    return max(m * s, 1e-4), max((1 - m) * s, 1e-4)


def baselines(pilot: Pool, rules, ks, with_fit: bool):
    out = {}
    c = np.nansum(pilot.correct, axis=1)
    n = pilot.n.astype(float)
    out["betabin"] = {"pass": beta_pass(*betabin_fit(c, n), ks)}
    out["schaeffer"] = {"pass": beta_pass(*schaeffer_fit(c, n), ks)}
    out["carry"] = {r: np.full(len(ks), pools.selection_curve(
        pilot, r, [M0], temperature=T_WV if r == "weighted_vote" else 0.0).mean[0])
        for r in rules}
    if not with_fit:
        return out
    try:
        f = pools.fit(pilot, list(range(1, M0 + 1)))
        out["poolfit"] = {r: f.predict(r, ks) for r in rules if r in ("pass", "best_of_k",
                                                                          "majority")}
    except Exception as err:            # noqa: BLE001  (report, do not stop the benchmark)
        print("  pools.fit failed:", err)
        out["poolfit"] = {}
    return out


# ---------------------------------------------------------------- data

def datasets(quick: bool):
    model_a = pools.ModelParams(width=1.0, spread=0.8, misalignment=0.8, judge_noise=0.5)
    model_b = pools.ModelParams(width=2.0, spread=1.0, misalignment=-0.3, judge_noise=0.3)
    q = 200 if quick else 300
    yield ("model-A", pools.simulate_pool(model_a, q, 100, seed=11), False,
           ("pass", "best_of_k", "majority", "weighted_vote"), (16, 64), "choice")
    yield ("model-B", pools.simulate_pool(model_b, q, 100, seed=12), False,
           ("pass", "best_of_k", "majority", "weighted_vote"), (16, 64), "choice")
    yield ("codet", pools.codet_humaneval(), False, ("pass", "best_of_k", "majority"),
           (16, 64, 100), "choice")
    judges = ("internlm2", "gpt4o") if quick else ("internlm2", "ArmoRM", "gpt4o",
                                                    "Math_Shepherd", "llama3_70B")
    for j in judges:
        yield (f"rm-{j}", pools.rewardmath(j), True, ("pass", "best_of_k"), (16,), "held out")
    if not quick:
        p = pools.rewardmath_panel()
        yield ("rm-panel", Pool(p.scores, p.correct), True, ("pass", "best_of_k"), (16,),
               "held out")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--n-boot", type=int, default=50)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    start_all = time.perf_counter()
    rows = []          # (data, role, rule, k, pilot, truth, point, lo, hi, {baseline: value})
    times = []
    for name, pool, repl, rules, ks, role in datasets(args.quick):
        truth = {}
        for r in rules:
            cur = pools.selection_curve(pool, r, ks, replacement=repl,
                                        temperature=T_WV if r == "weighted_vote" else 0.0)
            truth[r] = cur.mean
            if not cur.exact.all():
                print(f"  {name} {r}: truth by Monte Carlo, s.e. {cur.mc_stderr.max():.4f}")
        for ip, (pname, pilot) in enumerate(pilots(pool, args.repeats, repl, seed=len(name))):
            t0 = time.perf_counter()
            f = forecast(pilot, ks, rules=rules, temperature=T_WV, n_boot=args.n_boot, seed=1,
                         n_mc=1000)
            times.append(time.perf_counter() - t0)
            base = baselines(pilot, rules, ks, with_fit=ip == 0)
            m = int(pilot.n.min())
            growth = np.maximum(0.0, np.log(np.asarray(ks) / m) / math.log(m / (m // 2)))
            widen = np.nan_to_num(np.abs(f.backtest_error))[:, None] * growth[None, :]
            base_lo, base_hi = f.lower + widen, f.upper - widen     # without the backtest
            quad_lo = f.point - np.hypot(f.point - base_lo, widen)
            quad_hi = f.point + np.hypot(base_hi - f.point, widen)
            for i, r in enumerate(rules):
                for j, k in enumerate(ks):
                    b = {m: v[r][j] for m, v in base.items() if r in v}
                    rows.append((name, role, r, k, pname, truth[r][j], f.point[i, j],
                                 f.lower[i, j], f.upper[i, j], b, f.mc_stderr[i, j],
                                 {"no backtest": (base_lo[i, j], base_hi[i, j]),
                                  "quadrature": (quad_lo[i, j], quad_hi[i, j])}))
        print(f"{name}: done ({len(rows)} cells so far, {time.perf_counter() - start_all:.0f} s)")

    methods = ["forecast", "carry", "betabin", "schaeffer", "poolfit"]
    print(f"\nerrors (forecast − truth), median over pilots; m0 = {M0}; "
          f"weighted vote at T = {T_WV}")
    print(f"{'data':16s} {'role':8s} {'rule':14s} {'k':>4s} {'truth':>7s} " +
          " ".join(f"{m:>9s}" for m in methods) + "   cover  width")
    keys = sorted({(r[0], r[1], r[2], r[3]) for r in rows}, key=lambda x: [
        x[0] not in ("model-A", "model-B"), x[0] != "codet", x[0], x[2], x[3]])
    all_err = {m: [] for m in methods}
    cover, widths16 = [], []
    for key in keys:
        cells = [r for r in rows if r[:4] == key]
        tr = np.median([c[5] for c in cells])
        errs = {"forecast": [c[6] - c[5] for c in cells]}
        for m in methods[1:]:
            vals = [c[9][m] - c[5] for c in cells if m in c[9]]
            if vals:
                errs[m] = vals
        for m, v in errs.items():
            all_err[m].extend(np.abs(v))
        cov = [c[7] <= c[5] <= c[8] for c in cells]
        cover.extend(cov)
        w = np.median([c[8] - c[7] for c in cells])
        if key[3] == 16:
            widths16.extend([c[8] - c[7] for c in cells])
        print(f"{key[0]:16s} {key[1]:8s} {key[2]:14s} {key[3]:4d} {tr:7.3f} " +
              " ".join(f"{np.median(errs[m]):+9.3f}" if m in errs else f"{'':>9s}"
                       for m in methods) + f"   {np.mean(cov):4.2f}  {w:.3f}")
    print("\nmedian |error| over all cells (rule, data, k, pilot) where the method applies:")
    for m in methods:
        if all_err[m]:
            print(f"  {m:10s} {np.median(all_err[m]):.4f}  (n = {len(all_err[m])})")
    print("\nsame, only the cells where every baseline applies (pass):")
    for m in methods:
        v = [abs((c[6] if m == "forecast" else c[9][m]) - c[5]) for c in rows
             if c[2] == "pass" and m in c[9] or (m == "forecast" and c[2] == "pass")]
        if v:
            print(f"  {m:10s} {np.median(v):.4f}  (n = {len(v)})")
    print("\nmedian |error| of forecast vs carry, per rule, k = 16:")
    for rule in ("pass", "best_of_k", "majority", "weighted_vote"):
        v = [(abs(c[6] - c[5]), abs(c[9]["carry"] - c[5])) for c in rows
             if c[2] == rule and c[3] == 16]
        if v:
            v = np.array(v)
            print(f"  {rule:14s} forecast {np.median(v[:, 0]):.4f}  carry {np.median(v[:, 1]):.4f}"
                  f"  max forecast {v[:, 0].max():.4f}")
    print(f"\n90% intervals: coverage {np.mean(cover):.3f} over {len(cover)} "
          f"(rule, k, data, pilot) cases; width at k = 16: median {np.median(widths16):.3f}, "
          f"max {np.max(widths16):.3f}; share <= 0.08: {np.mean(np.array(widths16) <= 0.08):.2f}")
    for role in ("choice", "held out"):
        cv = [c[7] <= c[5] <= c[8] for c in rows if c[1] == role]
        print(f"  coverage on {role} data: {np.mean(cv):.3f} ({len(cv)} cases)")
    print("interval variants (same forecasts): coverage all / choice / held out; width at "
          "k = 16 median, share <= 0.08")
    for var in ("no backtest", "quadrature"):
        cv = {role: [c[11][var][0] <= c[5] <= c[11][var][1] for c in rows
                     if role in ("all", c[1])] for role in ("all", "choice", "held out")}
        w16 = [c[11][var][1] - c[11][var][0] for c in rows if c[3] == 16]
        print(f"  {var:12s} {np.mean(cv['all']):.3f} / {np.mean(cv['choice']):.3f} / "
              f"{np.mean(cv['held out']):.3f};  {np.median(w16):.3f}, "
              f"{np.mean(np.array(w16) <= 0.08):.2f}")
    print("coverage per rule (default intervals):")
    for rule in ("pass", "best_of_k", "majority", "weighted_vote"):
        cv = [c[7] <= c[5] <= c[8] for c in rows if c[2] == rule]
        w16 = [c[8] - c[7] for c in rows if c[2] == rule and c[3] == 16]
        print(f"  {rule:14s} {np.mean(cv):.3f} ({len(cv)} cases), width at k = 16 median "
              f"{np.median(w16):.3f}")
    print(f"\nforecast time per pilot: median {np.median(times):.2f} s, max {np.max(times):.2f} s;"
          f" total run {time.perf_counter() - start_all:.0f} s")


if __name__ == "__main__":
    main()

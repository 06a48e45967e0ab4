"""Cost of the Monte Carlo "Expt." curves: `solvable.simulate` against a plain NumPy estimator.

Setting: the paper's Figure (Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically
Tractable Model for Inference-Time Scaling", arXiv 2512.19905): n = 1e4, d = 10, σ = 1e-4,
γ = 1e-3, w_T ~ N(0, 4 I) (here: ‖w_T‖² = 40, uniformly random direction), T/(2σ²) = 10,
knob reward c = 10, k = 1..100.

Default figures (what the README quotes): deterministic and posterior predictive, c = 10,
T/(2σ²) = 10, k = 1..32; each estimator's cost to equal precision, cost_k = wall time ×
(relative standard error at k)², against the plain NumPy estimator measured in the same run
(a Python loop over k with running log-sum-exp sums over batches of test inputs × trials),
compared k by k (median and minimum over k); the standard errors are within-trial (given each
trial's student). Estimators: ``sampling`` and ``control_variate`` (nested candidates),
``semi_analytic`` (the exact selection integral at each test input) with independent or
stratified (``--strata``) test inputs; plus the semi-analytic estimator's kernel points/s
against one concrete kernel call on random moderate-domain points.

``--k100``: the older figure, wall time to reach a relative standard error of 1e-3 on δ(k)
for every k ≤ 100 (extrapolated with stderr ∝ 1/√samples, standard error over per-trial
means), float64 and float32 sampling.

Usage (CPU, the default run prints everything below in a few minutes):

    python benchmarks/bench_simulate.py
    python benchmarks/bench_simulate.py --full   # 1e6 test inputs x 100 trials x k <= 100

GPU (one H100, goal ≥ 1e10 candidate samples/s; not measured in this task, no GPU lent):

    pip install -e ".[cuda]"
    python benchmarks/bench_simulate.py --full --skip-numpy --skip-semi

``--full`` uses float32 sampling with float64 accumulation and chunks of 2**20 test inputs;
``--n-test``/``--trials`` shrink it for a smoke run (``--full --n-test 20000 --trials 2``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.linalg

import solvable
from solvable import KnobReward, Problem
from solvable.simulation import simulate

TARGET = 1e-3
N, D, SIGMA, GAMMA, NORM2 = 10_000, 10, 1e-4, 1e-3, 40.0
T_OVER_2S2, C, K_MAX = 10.0, 10.0, 100


def numpy_estimator(n_test, trials, k_max, temperature, c, *, batch=50_000, seed=0,
                    predictive="posterior"):
    """The paper's estimator in plain NumPy: fit the BLR posterior of every trial (or take
    the DE predictive: mean map κ w_T, variance s̄², from `solvable.predictive_moments`), then
    for batches of test inputs × trials loop over k = 1..k_max keeping running log-sum-exp sums
    of w and w (y − μ_T)². Returns per-trial sums and sums of squares over the test inputs of
    the selection error, each of shape (trials, k_max)."""
    rng = np.random.default_rng(seed)
    w_t = rng.standard_normal((trials, D))
    w_t *= np.sqrt(NORM2) / np.linalg.norm(w_t, axis=1, keepdims=True)
    w_bar, chols = np.zeros((trials, D)), []
    if predictive == "deterministic":
        mom = solvable.predictive_moments(Problem(n=N, d=D, sigma=SIGMA, gamma=GAMMA,
                                                  teacher_norm2=NORM2))
        w_bar = float(mom.mean_scale) * w_t
        s_de = float(np.sqrt(mom.variance))
    else:
        for j in range(trials):
            x = rng.standard_normal((N, D)) / np.sqrt(D)
            y = x @ w_t[j] + SIGMA * rng.standard_normal(N)
            chol = scipy.linalg.cho_factor(x.T @ x / SIGMA**2 + np.eye(D) / GAMMA**2,
                                           lower=True)
            w_bar[j] = scipy.linalg.cho_solve(chol, x.T @ y / SIGMA**2)
            chols.append(chol[0])
    out = np.zeros((trials, k_max))
    out2 = np.zeros((trials, k_max))
    per = max(1, batch // trials)  # test inputs per trial in one batch
    for start in range(0, n_test, per):
        b = min(per, n_test - start)
        phi = rng.standard_normal((trials, b, D)) / np.sqrt(D)
        m = np.einsum("tbd,td->tb", phi, w_bar)
        mu_t = np.einsum("tbd,td->tb", phi, w_t)
        mu_r = mu_t - c * (m - mu_t)
        if predictive == "deterministic":
            s = np.full((trials, b), s_de)
        else:
            quad = np.stack([np.sum(scipy.linalg.solve_triangular(chols[j], phi[j].T,
                                                                  lower=True) ** 2, axis=0)
                             for j in range(trials)])
            s = np.sqrt(SIGMA**2 * (1.0 + quad))
        log_max = np.full((trials, b), -np.inf)
        sum_w = np.zeros((trials, b))
        sum_we = np.zeros((trials, b))
        for k in range(k_max):
            yk = m + s * rng.standard_normal((trials, b))
            log_w = -(yk - mu_r) ** 2 / temperature
            new_max = np.maximum(log_max, log_w)
            scale = np.exp(log_max - new_max)
            w = np.exp(log_w - new_max)
            sum_w = sum_w * scale + w
            sum_we = sum_we * scale + w * (yk - mu_t) ** 2
            log_max = new_max
            e = sum_we / sum_w
            out[:, k] += np.sum(e, axis=1)
            out2[:, k] += np.sum(e * e, axis=1)
    return out, out2


K_CMP = 32


def _kernel_rate(points, seed=0):
    """Points/s of one concrete call of the selection kernel on random points of the moderate
    domain (t in [0.1, 100], k in [1, 1e4], offsets within 5 s), after a warm-up call."""
    from solvable.selection import selection_error_normalized
    rng = np.random.default_rng(seed)
    k = np.exp(rng.uniform(0.0, np.log(1e4), points))
    t = np.exp(rng.uniform(np.log(0.1), np.log(100.0), points))
    b, a = rng.uniform(-5.0, 5.0, (2, points))
    selection_error_normalized(k[:64], t[:64], b[:64], a[:64]).block_until_ready()
    tick = time.perf_counter()
    selection_error_normalized(k, t, b, a).block_until_ready()
    return points / (time.perf_counter() - tick)


def _kernel_rate_paper(points, seed=0):
    """Points/s of one concrete kernel call on points like the semi-analytic estimator's in
    the paper's setting: k uniform in 1..32, t = T/(2 s̄²), offsets from the DE law."""
    from solvable.selection import selection_error_normalized
    problem = Problem(n=N, d=D, sigma=SIGMA, gamma=GAMMA, teacher_norm2=NORM2)
    law = solvable.offset_law(problem, KnobReward(C))
    s2 = float(law.predictive_var)
    rng = np.random.default_rng(seed)
    b = rng.standard_normal(points) * np.sqrt(float(law.var_teacher) / s2)
    k = rng.integers(1, K_CMP + 1, points).astype(float)
    t = np.full(points, T_OVER_2S2 * SIGMA**2 / s2)
    selection_error_normalized(k[:64], t[:64], b[:64], (1 + C) * b[:64]).block_until_ready()
    tick = time.perf_counter()
    selection_error_normalized(k, t, b, (1 + C) * b).block_until_ready()
    return points / (time.perf_counter() - tick)


def semi_throughput(semi_n, trials, strata):
    """Semi-analytic kernel points/s and one concrete kernel call's, in the same run."""
    problem = Problem(n=N, d=D, sigma=SIGMA, gamma=GAMMA, teacher_norm2=NORM2)
    temperature = 2 * T_OVER_2S2 * SIGMA**2
    points = semi_n * trials * K_CMP
    for predictive in ("deterministic", "posterior"):
        res = simulate(problem, KnobReward(C), K_CMP, temperature, n_test=semi_n,
                       trials=trials, seed=1, predictive=predictive, method="semi_analytic",
                       strata=strata, chunk_size=min(semi_n, 65536), compute_theory=False)
        print(f"semi_analytic ({predictive}, strata={strata}): "
              f"{points / res.wall_time:8.0f} kernel points/s", flush=True)
    print(f"kernel, one concrete call, {points} paper-setting points: "
          f"{_kernel_rate_paper(points):8.0f} points/s", flush=True)
    print(f"kernel, one concrete call, {points} moderate-domain points: "
          f"{_kernel_rate(points):8.0f} points/s", flush=True)


def compare_estimators(predictive, n_test, trials, semi_n, strata):
    """Cost to equal precision, k by k (k = 1..32), against the NumPy estimator in this run.

    cost_k = wall time × (standard error_k / mean_k)²; the standard error is the within-trial
    one (conditional on each trial's student, the part an estimator can reduce; with the DE
    predictive every trial has the same law). Ratios are NumPy's cost over the estimator's,
    median (and minimum) over k. Returns {name: ratios}.
    """
    problem = Problem(n=N, d=D, sigma=SIGMA, gamma=GAMMA, teacher_norm2=NORM2)
    temperature = 2 * T_OVER_2S2 * SIGMA**2
    print(f"\n{predictive} predictive, c = {C}, T/(2 sigma^2) = {T_OVER_2S2}, k <= {K_CMP}")
    tick = time.perf_counter()
    sums, sums2 = numpy_estimator(n_test, trials, K_CMP, temperature, C, predictive=predictive)
    wall = time.perf_counter() - tick
    mean_t = sums / n_test
    var_t = (sums2 - n_test * mean_t**2) / (n_test - 1)
    rel = np.sqrt(var_t.mean(0) / (n_test * trials)) / np.abs(mean_t.mean(0))
    base = wall * rel**2
    print(f"  {'numpy (plain loop over k)':40s} wall {wall:7.2f} s  median rel. se "
          f"{np.median(rel):.2e}  cost {np.median(base):.2e} s")
    runs = [("sampling", 0, n_test), ("control_variate", 0, n_test),
            ("semi_analytic", 0, semi_n), ("semi_analytic", strata, semi_n)]
    out = {}
    for method, st, n in runs:
        res = simulate(problem, KnobReward(C), K_CMP, temperature, n_test=n, trials=trials,
                       seed=1, predictive=predictive, method=method, strata=st,
                       chunk_size=min(n, 65536), compute_theory=False)
        rel = res.stderr_within / np.abs(res.mean)
        cost = res.wall_time * rel**2
        ratio = base / cost
        name = f"{method}" + (f", strata={st}" if st else "")
        out[name] = ratio
        extra = ""
        if method == "semi_analytic":
            extra = f"  {n * trials * K_CMP / res.wall_time:8.0f} kernel points/s"
        print(f"  {name:40s} wall {res.wall_time:7.2f} s  median rel. se {np.median(rel):.2e}  "
              f"cost {np.median(cost):.2e} s  numpy/this: median {np.median(ratio):7.1f}x "
              f"min {np.min(ratio):7.1f}x{extra}")
    return out


def cost_to_target(wall, rel_stderr):
    """Wall time to reach TARGET relative stderr at the worst k (stderr ∝ 1/√samples)."""
    return wall * (np.max(rel_stderr) / TARGET) ** 2


def report(name, wall, samples, rel_stderr):
    cost = cost_to_target(wall, rel_stderr)
    print(f"{name:34s} wall {wall:8.2f} s  samples/s {samples / wall:10.3e}  "
          f"max rel. stderr {np.max(rel_stderr):.2e}  -> time to 1e-3: {cost:9.1f} s")
    return cost


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="1e6 test inputs x 100 trials (GPU)")
    ap.add_argument("--n-test", type=int, default=None)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--skip-numpy", action="store_true")
    ap.add_argument("--skip-semi", action="store_true")
    ap.add_argument("--method", default="sampling", help="estimator of the --full run "
                    "(sampling or control_variate)")
    ap.add_argument("--k100", action="store_true", help="the older figure: time to a 1e-3 "
                    "relative standard error at every k <= 100 (float64 and float32)")
    ap.add_argument("--strata", type=int, default=64)
    ap.add_argument("--throughput", action="store_true", help="only the semi-analytic "
                    "estimator's kernel points/s against concrete kernel calls")
    ap.add_argument("--semi-n", type=int, default=1024)
    args = ap.parse_args(argv)

    import jax
    problem = Problem(n=N, d=D, sigma=SIGMA, gamma=GAMMA, teacher_norm2=NORM2)
    reward = KnobReward(C)
    temperature = 2 * T_OVER_2S2 * SIGMA**2
    print(f"devices: {jax.devices()}")
    print(f"setting: n={N} d={D} sigma={SIGMA} gamma={GAMMA} |w_T|^2={NORM2} "
          f"T/(2 sigma^2)={T_OVER_2S2} c={C} k<= {K_MAX}")

    if args.full:
        n_test, trials = args.n_test or 1_000_000, args.trials or 100
        res = simulate(problem, reward, K_MAX, temperature, n_test=n_test, trials=trials,
                       seed=0, sample_dtype="float32", chunk_size=min(n_test, 1 << 20),
                       method=args.method, progress=True, compute_theory=False)
        print(f"full run: {n_test} test inputs x {trials} trials x k <= {K_MAX} "
              f"({args.method}, float32): wall {res.wall_time:.2f} s (+ compile "
              f"{res.compile_time:.1f} s), {res.samples_per_second:.3e} candidate samples/s, "
              f"max rel. stderr {np.max(res.relative_stderr):.2e}")
        print("delta/sigma^2 at k = 1, 10, 100:", res.mean_over_sigma2[[0, 9, 99]])
        return

    if args.throughput:
        semi_throughput(args.semi_n, args.trials or 4, args.strata)
        return
    if not args.k100:
        n_test, trials = args.n_test or 40_000, args.trials or 4
        for predictive in ("deterministic", "posterior"):
            compare_estimators(predictive, n_test, trials, args.semi_n, args.strata)
        points = args.semi_n * trials * K_CMP
        print(f"\nkernel, one concrete call of {points} random moderate-domain points: "
              f"{_kernel_rate(points):8.0f} points/s (semi_analytic's points/s above are to be "
              f"compared with this)")
        return

    n_test, trials = args.n_test or 50_000, args.trials or 10
    costs = {}
    for method in ("sampling", "control_variate"):
        for dtype in ("float64", "float32"):
            res = simulate(problem, reward, K_MAX, temperature, n_test=n_test, trials=trials,
                           seed=0, sample_dtype=dtype, chunk_size=n_test, method=method,
                           compute_theory=(method, dtype) == ("sampling", "float64"))
            costs[f"jax {method} {dtype}"] = report(f"simulate {method} {dtype}",
                                                    res.wall_time, res.samples,
                                                    res.relative_stderr)
            if res.theory is not None:
                print(f"  (compile {res.compile_time:.1f} s, not counted)  "
                      f"delta/sigma^2 k=1,10,100: {res.mean_over_sigma2[[0, 9, 99]]}  "
                      f"DE: {res.theory_over_sigma2[[0, 9, 99]]}")

    if not args.skip_numpy:
        np_n = max(n_test // 5, 1000)
        tick = time.perf_counter()
        sums, _ = numpy_estimator(np_n, trials, K_MAX, temperature, C)
        trial_means = sums / np_n
        wall = time.perf_counter() - tick
        mean = trial_means.mean(0)
        rel = trial_means.std(0, ddof=1) / np.sqrt(trials) / np.abs(mean)
        costs["numpy"] = report("numpy baseline float64", wall, np_n * trials * K_MAX, rel)
        print(f"  delta/sigma^2 k=1,10,100: {mean[[0, 9, 99]] / SIGMA**2}")

    if not args.skip_semi:
        semi_n = 64
        res = simulate(problem, reward, K_MAX, temperature, n_test=semi_n, trials=trials,
                       seed=0, method="semi_analytic", chunk_size=semi_n, compute_theory=False)
        costs["semi"] = report("solvable.simulate semi_analytic", res.wall_time, res.samples,
                               res.relative_stderr)
        print("  (samples = test inputs: each costs 100 exact selection integrals)")

    if "numpy" in costs:
        for name, cost in costs.items():
            if name != "numpy":
                print(f"speed-up over numpy at equal stderr, {name}: "
                      f"{costs['numpy'] / cost:6.2f}x")


if __name__ == "__main__":
    main()

"""Cost of the Monte Carlo "Expt." curves: `solvable.simulate` against a plain NumPy estimator.

Setting: the paper's Figure (Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically
Tractable Model for Inference-Time Scaling", arXiv 2512.19905): n = 1e4, d = 10, σ = 1e-4,
γ = 1e-3, w_T ~ N(0, 4 I) (here: ‖w_T‖² = 40, uniformly random direction), T/(2σ²) = 10,
knob reward c = 10, k = 1..100.

Figure of merit: wall time to reach a relative standard error of 1e-3 on δ(k) for every
k ≤ 100. Each estimator runs on a fixed budget; the time is extrapolated with
stderr ∝ 1/√samples (standard error over per-trial means, the honest one). The NumPy baseline
is the paper's estimator written plainly: a Python loop over k with running log-sum-exp sums over
batches of test inputs × trials.

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
from solvable.simulate import simulate

TARGET = 1e-3
N, D, SIGMA, GAMMA, NORM2 = 10_000, 10, 1e-4, 1e-3, 40.0
T_OVER_2S2, C, K_MAX = 10.0, 10.0, 100


def numpy_estimator(n_test, trials, k_max, temperature, c, *, batch=50_000, seed=0):
    """The paper's estimator in plain NumPy: fit the BLR posterior of every trial, then for
    batches of test inputs × trials loop over k = 1..k_max keeping running log-sum-exp sums of
    w and w (y − μ_T)². Returns per-trial means of δ(k), shape (trials, k_max)."""
    rng = np.random.default_rng(seed)
    w_t = rng.standard_normal((trials, D))
    w_t *= np.sqrt(NORM2) / np.linalg.norm(w_t, axis=1, keepdims=True)
    w_bar, chols = np.zeros((trials, D)), []
    for j in range(trials):
        x = rng.standard_normal((N, D)) / np.sqrt(D)
        y = x @ w_t[j] + SIGMA * rng.standard_normal(N)
        chol = scipy.linalg.cho_factor(x.T @ x / SIGMA**2 + np.eye(D) / GAMMA**2, lower=True)
        w_bar[j] = scipy.linalg.cho_solve(chol, x.T @ y / SIGMA**2)
        chols.append(chol[0])
    out = np.zeros((trials, k_max))
    per = max(1, batch // trials)  # test inputs per trial in one batch
    for start in range(0, n_test, per):
        b = min(per, n_test - start)
        phi = rng.standard_normal((trials, b, D)) / np.sqrt(D)
        m = np.einsum("tbd,td->tb", phi, w_bar)
        mu_t = np.einsum("tbd,td->tb", phi, w_t)
        mu_r = mu_t - c * (m - mu_t)
        quad = np.stack([np.sum(scipy.linalg.solve_triangular(chols[j], phi[j].T, lower=True)
                                ** 2, axis=0) for j in range(trials)])
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
            out[:, k] += np.sum(sum_we / sum_w, axis=1)
    return out / n_test


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
        trial_means = numpy_estimator(np_n, trials, K_MAX, temperature, C)
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

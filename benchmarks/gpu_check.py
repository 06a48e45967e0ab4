"""One-call GPU check: kernel throughput and the simulator at the paper's full size, as JSON.

Install the project with JAX's CUDA wheels and run the script (nothing else by hand):

    python3 -m pip install -e ".[cuda]"
    python3 benchmarks/gpu_check.py --out gpu_check.json

Default sizes are the paper's (Halder & Pehlevan, "Demystifying LLM-as-a-Judge: Analytically
Tractable Model for Inference-Time Scaling", arXiv 2512.19905): n = 1e4, d = 10, σ = 1e-4,
γ = 1e-3, ‖w_T‖² = 40, knob reward c = 10, T/(2σ²) = 10; 1e6 test inputs × 100 trials ×
k ≤ 99 candidates, float32 sampling with float64 accumulation. Planned to take a few minutes
on one H100/H200 (most of it compilation); it has not yet run on a GPU. What it measures:

1. ``kernel``: `selection_error_normalized` points/s in one concrete call on random points of
   the moderate domain (t ∈ [0.1, 100], k ∈ [1, 1e4], offsets ≤ 5 s), after a warm-up call;
2. ``simulate_deterministic``: the DE predictive (the selection integral alone, where the DE
   is exact): candidate samples/s and the z-scores of the estimates against the exact DE
   `generalization_error` at every k (|z| < 5 expected);
3. ``simulate_posterior``: the finite model (the paper's "Expt." curves): samples/s, z-scores
   against the DE and against the same formula at the simulated offsets' moments
   (``theory_at_offsets``; the DE itself has a finite-size error of a few 1e-3 at d = 10,
   reported as ``de_finite_size``).

``--scale`` multiplies the default test inputs and kernel points (e.g. ``--scale 1e-3`` for
a smoke run); ``--n-test``, ``--trials``, ``--k-max``, ``--kernel-points`` set them directly.
The test suite runs it at a tiny size on CPU (tests/test_gpu_check.py).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

PAPER = dict(n=10_000, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
T_OVER_2S2, KNOB = 10.0, 10.0


def _device_info():
    import jax
    dev = jax.devices()[0]
    return dict(platform=dev.platform, device_kind=getattr(dev, "device_kind", str(dev)),
                device_count=jax.device_count(), jax=jax.__version__,
                python=platform.python_version(), machine=platform.machine())


def kernel_throughput(points: int, seed: int = 0):
    """Points/s of one concrete call of `selection_error_normalized` (after a warm-up)."""
    from solvable.selection import selection_error_normalized
    rng = np.random.default_rng(seed)
    k = np.exp(rng.uniform(0.0, math.log(1e4), points))
    t = np.exp(rng.uniform(math.log(0.1), math.log(100.0), points))
    b, a = rng.uniform(-5.0, 5.0, (2, points))
    tick = time.perf_counter()
    first = np.asarray(selection_error_normalized(k, t, b, a))   # compiles
    compile_s = time.perf_counter() - tick
    tick = time.perf_counter()
    vals = np.asarray(selection_error_normalized(k, t, b, a))
    wall = time.perf_counter() - tick
    return dict(points=points, wall_s=wall, first_call_s=compile_s, points_per_s=points / wall,
                finite=bool(np.all(np.isfinite(vals))),
                repeat_identical=bool(np.array_equal(first, vals)))


def simulate_check(predictive: str, n_test: int, trials: int, k_max: int, chunk: int,
                   method: str = "sampling", progress: bool = True):
    """Full-size simulation and its agreement with the exact DE."""
    from solvable import KnobReward, Problem
    from solvable.simulation import simulate
    problem = Problem(**PAPER)
    temperature = 2.0 * T_OVER_2S2 * PAPER["sigma"] ** 2
    tick = time.perf_counter()
    res = simulate(problem, KnobReward(KNOB), k_max, temperature, n_test=n_test, trials=trials,
                   seed=0, predictive=predictive, method=method, sample_dtype="float32",
                   chunk_size=min(n_test, chunk), progress=progress)
    total = time.perf_counter() - tick
    # deterministic predictive: test inputs are exchangeable across trials (sphere teacher,
    # isotropic inputs), so the within-trial error is the right one; posterior: between trials
    se = res.stderr_within if predictive == "deterministic" else res.stderr
    z_de = (res.mean - res.theory) / se
    out = dict(predictive=predictive, method=method, n_test=n_test, trials=trials,
               k_max=k_max, wall_s=res.wall_time, compile_s=res.compile_time, total_s=total,
               samples=res.samples, samples_per_s=res.samples_per_second,
               max_rel_stderr=float(np.max(se / np.abs(res.mean))),
               max_abs_z_vs_de=float(np.max(np.abs(z_de))),
               max_rel_gap_vs_de=float(np.max(np.abs(res.mean / res.theory - 1.0))),
               delta_over_sigma2_k1_10_kmax=[float(res.mean_over_sigma2[i])
                                             for i in (0, min(9, k_max - 1), k_max - 1)],
               de_over_sigma2_k1_10_kmax=[float(res.theory_over_sigma2[i])
                                          for i in (0, min(9, k_max - 1), k_max - 1)])
    if predictive == "posterior":
        z_off = (res.mean - res.theory_at_offsets) / se
        out.update(max_abs_z_vs_theory_at_offsets=float(np.max(np.abs(z_off))),
                   de_finite_size=float(np.max(np.abs(res.theory / res.theory_at_offsets
                                                      - 1.0))))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiplies the default test inputs and kernel points")
    ap.add_argument("--n-test", type=int, default=None)
    ap.add_argument("--trials", type=int, default=None)
    ap.add_argument("--k-max", type=int, default=99)
    ap.add_argument("--kernel-points", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=1 << 20, help="test inputs per block")
    ap.add_argument("--skip", action="append", default=[],
                    choices=("kernel", "deterministic", "posterior"))
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    import jax
    import solvable  # noqa: F401  (float64, compilation cache)
    n_test = args.n_test or max(int(1_000_000 * args.scale), 1)
    trials = args.trials or 100
    points = args.kernel_points or max(int(1_000_000 * args.scale), 8)
    report = dict(device=_device_info(), sizes=dict(n_test=n_test, trials=trials,
                                                    k_max=args.k_max, kernel_points=points),
                  setting=dict(PAPER, t_over_2s2=T_OVER_2S2, knob=KNOB))
    if jax.default_backend() != "gpu":
        print(f"warning: no GPU visible (backend {jax.default_backend()}); the figures are "
              f"not GPU figures", file=sys.stderr)
    start = time.perf_counter()

    def save():
        report["total_s"] = time.perf_counter() - start
        args.out.write_text(json.dumps(report, indent=1))

    if "kernel" not in args.skip:
        report["kernel"] = kernel_throughput(points)
        print("kernel:", report["kernel"], flush=True)
        save()
    for predictive in ("deterministic", "posterior"):
        if predictive in args.skip:
            continue
        key = f"simulate_{predictive}"
        report[key] = simulate_check(predictive, n_test, trials, args.k_max, args.chunk,
                                     progress=not args.no_progress)
        print(f"{key}:", report[key], flush=True)
        save()
    save()
    print(f"wrote {args.out} ({report['total_s']:.1f} s)")
    return report


if __name__ == "__main__":
    main()

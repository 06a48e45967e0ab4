"""Particles needed to sample π within TV δ against T, measured and bounded (docs/theory.md §8).

    PYTHONPATH=. python benchmarks/bench_smc.py [--quick]

Product model (binary uniform base, reward r^{#ones}) with `majority_values` (per-step Bellman
error exactly ε, errors compounding along π-typical paths) at ε = c/T and at constant ε, and
best-of-N / rejection from p (exact laws); prints the measured N, the bound, the looseness
bound/measured and the fitted growth rates (log N against T and against log T); then the
SMC bias against N with its fitted slope (≈ −1), and the guided sampler's TV against 2tε.
"""

import argparse
import time

import jax
import numpy as np

import solvable  # noqa: F401
from solvable import smc


def main(quick: bool) -> None:
    key = jax.random.key(0)
    Ts = (4, 6, 8, 10, 12, 14) if quick else (3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    runs = 500 if quick else 2000
    t0 = time.time()
    rows = smc.scaling_table(key, Ts, r=3.0, c=1.0, epsilon=0.5, tv=0.1, n_runs=runs,
                             n_max=4096, refine=2 if quick else 3)
    cols = ["T", "eps_poly", "L_poly", "N_poly", "bound_poly", "loose_poly", "eps_const",
            "L_const", "N_const", "bound_const", "loose_const", "N_best_of_n", "N_rejection",
            "bound_rejection", "loose_rejection"]
    print(smc.format_table(rows, cols))
    print("best-of-N TV at N = 2^20 (it converges to the all-ones path, not to π):",
          np.round([row["tv_best_of_n"] for row in rows], 3))
    for col in ("N_poly", "N_const", "N_rejection"):
        fit = smc.growth_rates(rows, col)
        print(f"{col:>12}: d log N / dT = {fit.exp_rate:.3f}   d log N / d log T = {fit.poly_degree:.2f}")
    print(f"reference: log(1+ε) = {np.log1p(0.5):.3f}, log(3/2) (rejection) = {np.log(1.5):.3f}")
    print(f"scaling table {time.time() - t0:.1f} s")
    model = smc.product_model(8, 3.0, normalized=True)
    fit = smc.bias_decay(key, model, None, (4, 8, 16, 32) if quick else (4, 8, 16, 32, 64),
                         n_runs=runs * 4)
    print("SMC bias (TV of E[output law]) against N:", dict(zip(fit.n.tolist(), np.round(fit.tv, 4))))
    print(f"fitted slope d log TV / d log N = {fit.slope:.2f} ± {fit.slope_stderr:.2f} (theory −1)")
    tree = smc.random_tree(key, 6, 2)
    curve = smc.guided_tv_curve(tree, smc.perturbed_values(key, tree, 0.05))
    print("guided TV(π̃_t, π̂_t):", np.round(curve["tv"], 4))
    print("bound 2tε:           ", np.round(curve["bound"], 4))
    print(f"total {time.time() - t0:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    main(parser.parse_args().quick)

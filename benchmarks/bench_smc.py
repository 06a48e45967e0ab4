"""Particles needed to sample π within TV δ against T, measured and bounded (THEORY §5).

    python benchmarks/bench_smc.py [--quick]

Product model (binary uniform base, reward r^{#ones}) with tilted values of Bellman error
ε ≈ c/T and constant ε, and rejection / best-of-N from p; prints the measured N, the bound
and the looseness bound/measured; then the SMC bias against N with its fitted slope (≈ −1),
and the guided sampler's TV against 2tε.
"""

import argparse
import time

import jax
import numpy as np

import solvable  # noqa: F401
from solvable import smc


def main(quick: bool) -> None:
    key = jax.random.key(0)
    Ts = (2, 4, 8) if quick else (2, 4, 8, 16, 32)
    runs = 500 if quick else 2000
    t0 = time.time()
    rows = smc.scaling_table(key, Ts, r=3.0, c=1.0, epsilon=0.5, tv=0.1, n_runs=runs, n_max=4096)
    cols = ["T", "eps_poly", "N_poly", "bound_poly", "loose_poly", "eps_const", "N_const",
            "bound_const", "loose_const", "N_rejection", "bound_rejection", "loose_rejection"]
    print(smc.format_table(rows, cols))
    model = smc.product_model(8, 3.0, normalized=True)
    fit = smc.bias_decay(key, model, None, (4, 8, 16, 32) if quick else (4, 8, 16, 32, 64),
                         n_runs=runs * 2)
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

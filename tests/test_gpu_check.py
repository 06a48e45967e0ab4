"""benchmarks/gpu_check.py at a tiny size on CPU: it runs end to end and writes its JSON.

The figures themselves are meant for a GPU (README); here only the plumbing is checked, plus
that the tiny simulation agrees with the exact DE (its z-scores are part of the JSON).
"""

import json
import os
import sys

import numpy as np

import solvable

ROOT = os.path.dirname(os.path.dirname(solvable.__file__))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import gpu_check  # noqa: E402


def test_gpu_check_runs_at_a_tiny_size(tmp_path):
    out = tmp_path / "check.json"
    gpu_check.main(["--out", str(out), "--n-test", "4000", "--trials", "2", "--k-max", "6",
                    "--kernel-points", "64", "--chunk", "2000", "--no-progress"])
    report = json.loads(out.read_text())
    assert report["device"]["platform"] == "cpu"
    assert report["sizes"] == dict(n_test=4000, trials=2, k_max=6, kernel_points=64)
    kern = report["kernel"]
    assert kern["points"] == 64 and kern["finite"] and kern["repeat_identical"]
    assert kern["points_per_s"] > 0
    det = report["simulate_deterministic"]
    assert det["samples"] == 4000 * 2 * 6
    # DE predictive: the DE is exact, so the estimates agree with it within their errors
    assert det["max_abs_z_vs_de"] < 5.0, det
    post = report["simulate_posterior"]
    assert post["max_abs_z_vs_theory_at_offsets"] < 5.0, post
    assert np.isfinite(post["de_finite_size"]) and post["de_finite_size"] < 0.05
    assert report["total_s"] > 0

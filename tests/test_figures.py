"""paper_repro.py and the figure functions: files, manifest, and agreement with the theory.

Every figure runs through ``paper_repro.main(["--tiny", "--only", NAME, ...])`` in-process;
the written CSV is then checked against the theory functions it claims to plot (exact DE,
expansions, slopes), and the simulated columns against the DE by a z-score test. The
committed quick-mode data in ``figures/`` are checked the same way.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

import solvable  # noqa: F401  (float64)
from solvable.average import generalization_error
from solvable.problem import KnobReward
from solvable.figures import FIGURES
from solvable.problem import paper_problem

ROOT = Path(__file__).resolve().parents[1]
SIGMA2 = 1e-8


def _load_repro():
    spec = importlib.util.spec_from_file_location("paper_repro", ROOT / "paper_repro.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


repro = _load_repro()


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    # one folder per process: a module-scoped one is made again when a worker comes back to
    # this module after other modules' tests, while `make` keeps the figures of the first
    return tmp_path_factory.mktemp("figures_tiny")


_made = {}


def make(name, out):
    """Run paper_repro for one figure at the tiny size (once per test session)."""
    if name not in _made:
        assert repro.main(["--tiny", "--only", name, "--out", str(out)]) == 0
        _made[name] = out
    out = _made[name]
    manifest = json.loads((out / "manifest.json").read_text())
    return repro.read_csv(out / f"{name}.csv"), manifest["figures"][name], manifest


def _rows(cols, **where):
    mask = np.ones(len(next(iter(cols.values()))), bool)
    for key, value in where.items():
        col = cols[key]
        mask &= (col == value) if col.dtype == object else np.isclose(col, value)
    return {k: v[mask] for k, v in cols.items()}


def _z_scores(cols, group_key):
    """(simulation − exact DE)/stderr at every simulated point; the DE is the CSV's exact
    column at the same k (which the tests check against `generalization_error`)."""
    zs = []
    for g in np.unique(cols[group_key][~np.isnan(cols[group_key])]):
        sim = _rows(cols, curve="simulation", **{group_key: g})
        ex = _rows(cols, curve="exact_de", **{group_key: g})
        idx = np.searchsorted(ex["k"], sim["k"])
        assert np.array_equal(ex["k"][idx], sim["k"])
        zs.append((sim["delta_over_sigma2"] - ex["delta_over_sigma2"][idx])
                  / sim["stderr_over_sigma2"])
    return np.concatenate(zs)


def _check_exact_column(cols, group_key, make_args, picks=(0, -1)):
    """The CSV's exact DE column equals `generalization_error` at a few points."""
    for g in np.unique(cols[group_key][~np.isnan(cols[group_key])])[[0, -1]]:
        ex = _rows(cols, curve="exact_de", **{group_key: g})
        problem, reward, temp = make_args(g)
        ks = ex["k"][list(picks)]
        de = np.asarray(generalization_error(problem, reward, ks, temp)) / SIGMA2
        np.testing.assert_allclose(ex["delta_over_sigma2"][list(picks)], de, rtol=1e-7)


def _k_scaling_args(c):
    return paper_problem(), KnobReward(c), 20 * SIGMA2


def _best_of_k_args(n):
    return paper_problem(n=n), KnobReward(0.0), 0.0


# --- the command line ---------------------------------------------------------------------

def test_list_and_unknown(capsys, tmp_path):
    assert repro.main(["--list"]) == 0
    out = capsys.readouterr().out
    for name in FIGURES:
        assert name in out
    assert repro.main(["--tiny", "--only", "no_such_figure", "--out", str(tmp_path)]) == 2


def test_parser_sizes():
    p = repro.build_parser()
    assert p.parse_args([]).size == "quick"
    assert p.parse_args(["--full"]).size == "full"
    assert p.parse_args(["--tiny"]).size == "tiny"
    assert p.parse_args(["--size", "tiny"]).size == "tiny"
    assert p.parse_args(["--only", "a", "--only", "b"]).only == ["a", "b"]
    with pytest.raises(SystemExit):
        p.parse_args(["--full", "--tiny"])


def test_csv_roundtrip(tmp_path):
    cols = {"x": np.array([1.0, np.nan, 1e-300]), "s": np.array(["a", "b", "c"], dtype=object)}
    repro.write_csv(tmp_path / "t.csv", cols)
    back = repro.read_csv(tmp_path / "t.csv")
    np.testing.assert_array_equal(back["x"], cols["x"])
    assert list(back["s"]) == ["a", "b", "c"]


# --- every figure at the tiny size --------------------------------------------------------

# figures whose tiny run is dominated by compiling the optimizers (tens of seconds each)
_HEAVY = {"optimal_temperature", "phase_diagram", "optimal_reward"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in _HEAVY else n
                                  for n in FIGURES])
def test_figure_files_and_manifest(name, tiny_dir):
    cols, entry, manifest = make(name, tiny_dir)
    out = _made[name]          # the folder the figure was written to
    for ext in ("png", "pdf", "csv"):
        path = out / f"{name}.{ext}"
        assert path.exists() and path.stat().st_size > 0, path
    assert (out / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    assert entry["size"] == "tiny" and entry["seed"] == 0
    assert entry["runtime_s"] > 0 and entry["rows"] == len(next(iter(cols.values())))
    for key in ("params", "versions", "device", "files", "notes"):
        assert key in entry
    assert entry["versions"]["jax"] and entry["device"]["platform"]
    numeric = {k: v for k, v in cols.items() if v.dtype != object}
    assert numeric
    for key, v in numeric.items():
        v = v[~np.isnan(v)]
        if key in ("k_star", "k") or key.startswith(("N_", "loose_", "bound_")):
            v = v[~np.isposinf(v)]  # k* = ∞ (δ decreasing), N = ∞ (target not reached)
        assert np.isfinite(v).all(), key


def test_k_scaling_matches_theory(tiny_dir):
    from solvable.asymptotics import high_temperature_expansion_averaged

    cols, entry, _ = make("k_scaling", tiny_dir)
    problem = paper_problem()
    _check_exact_column(cols, "c", _k_scaling_args, picks=(0, 9, 98))
    for c in (5.0, 15.0):
        assert len(_rows(cols, curve="exact_de", c=c)["k"]) == 99
        hte = _rows(cols, curve="expansion", c=c)
        want = high_temperature_expansion_averaged(problem, KnobReward(c), hte["k"],
                                                   20 * SIGMA2, order=2)
        np.testing.assert_allclose(hte["delta_over_sigma2"], np.asarray(want) / SIGMA2,
                                   rtol=1e-7)
    z = _z_scores(cols, "c")
    assert np.all(np.abs(z) < 6.0), z  # tiny: 6 trials, a t-distribution with 5 dof
    assert entry["params"]["t_over_2sigma2"] == 10.0


def test_best_of_k_matches_theory(tiny_dir):
    from solvable.asymptotics import best_of_k_asymptote_averaged

    cols, _, _ = make("best_of_k", tiny_dir)
    _check_exact_column(cols, "n", _best_of_k_args)
    for n in (1e4, 3e4):
        law = _rows(cols, curve="extreme_value_law", n=n)
        want = best_of_k_asymptote_averaged(paper_problem(n=n), law["k"])
        np.testing.assert_allclose(law["delta_over_sigma2"], np.asarray(want) / SIGMA2,
                                   rtol=1e-7)
    inset = _rows(cols, curve="inset_exact_de")
    assert inset["log_slope"][-1] == pytest.approx(-2.0, abs=0.01)
    z = _z_scores(cols, "n")
    assert np.all(np.abs(z) < 6.0), z


def test_compute_vs_data_slopes(tiny_dir):
    from solvable.asymptotics import scaling_slopes

    cols, entry, _ = make("compute_vs_data", tiny_dir)
    p = 4.0
    block = _rows(cols, teacher_power=p)
    ns, ks = np.unique(block["n"]), np.unique(block["k"])
    i, j = len(ns) // 2, len(ks) // 2
    row = _rows(block, n=ns[i], k=ks[j])
    problem = paper_problem(n=ns[i], teacher_norm2=p * 10)
    de = float(generalization_error(problem, KnobReward(0.0), ks[j], 0.0))
    assert row["delta_over_sigma2"][0] == pytest.approx(de / SIGMA2, rel=1e-8)
    slopes = scaling_slopes(problem, KnobReward(0.0), ks[j], 0.0)
    # finite differences on the tiny grid (log-spacing ~0.5) against autodiff
    assert row["gain_per_log_k"][0] == pytest.approx(-float(slopes.k), rel=0.1, abs=0.05)
    assert row["gain_per_log_n"][0] == pytest.approx(-float(slopes.n), rel=0.1, abs=0.05)
    shares = [np.mean(_rows(cols, teacher_power=q)["inference_wins"])
              for q in entry["params"]["teacher_powers"]]
    assert shares == sorted(shares, reverse=True)  # harder task: inference wins less


def test_smc_particles_data(tiny_dir):
    cols, _, _ = make("smc_particles", tiny_dir)
    part = _rows(cols, panel="particles")
    # measured particle counts never exceed the sufficient-N bound
    for name in ("poly", "const"):
        ok = np.isfinite(part[f"N_{name}"])
        assert np.all(part[f"N_{name}"][ok] <= part[f"bound_{name}"][ok])
    guided = _rows(cols, panel="guided_tv")
    assert np.all(guided["tv"] <= guided["bound"] + 1e-12)


# --- the committed quick-mode figures -----------------------------------------------------

QUICK = ROOT / "figures"


def _quick(name):
    path = QUICK / f"{name}.csv"
    if not path.exists():
        pytest.skip(f"{path} not generated")
    manifest = json.loads((QUICK / "manifest.json").read_text())
    return repro.read_csv(path), manifest["figures"][name]


@pytest.mark.parametrize("name,group,args", [("k_scaling", "c", _k_scaling_args),
                                             ("best_of_k", "n", _best_of_k_args)])
def test_quick_simulation_within_error_bars(name, group, args):
    cols, entry = _quick(name)
    assert entry["size"] == "quick"
    _check_exact_column(cols, group, args, picks=(0,))
    z = _z_scores(cols, group)
    # stderr from 10 per-trial means: z follows a t-distribution with 9 dof
    assert np.all(np.abs(z) < 5.0), z
    # the errors are honest: the mean square z-score is O(1)
    assert np.mean(z**2) < 3.0, np.mean(z**2)
    assert math.isclose(np.mean(z), 0.0, abs_tol=4.0 / math.sqrt(len(z)) + 0.5)


def test_quick_manifest_complete():
    if not (QUICK / "manifest.json").exists():
        pytest.skip("figures/ not generated")
    manifest = json.loads((QUICK / "manifest.json").read_text())
    assert set(FIGURES) <= set(manifest["figures"])
    for name, entry in manifest["figures"].items():
        for ext in ("png", "pdf", "csv"):
            assert (QUICK / entry["files"][ext]).exists()


def test_quick_optimal_temperature_is_a_minimum():
    cols, _ = _quick("optimal_temperature")
    for c in np.unique(cols["c"]):
        best = _rows(cols, curve="exact_optimum", c=c)["delta_over_sigma2"]
        curve = _rows(cols, curve="exact_de", c=c)["delta_over_sigma2"]
        t_star = _rows(cols, curve="expansion_t_star", c=c)
        if np.isfinite(best[0]):
            assert best[0] <= curve.min() * (1 + 1e-6)
            assert best[0] <= t_star["delta_over_sigma2"][0] * (1 + 1e-9)


def test_quick_optimal_reward_limits():
    cols, _ = _quick("optimal_reward")
    opt = _rows(cols, panel="delta_vs_c", curve="optimum")
    curve = _rows(cols, panel="delta_vs_c", curve="")
    assert opt["delta_over_sigma2"][0] <= curve["delta_over_sigma2"].min() * (1 + 1e-6)
    assert opt["c"][0] > 5  # the best judge is not the teacher
    big_k = _rows(cols, panel="c_star_vs_t", curve="exact_de", k=256.0)
    ok = np.isfinite(big_k["c"]) & (big_k["t"] > 2)
    np.testing.assert_allclose(big_k["c"][ok], big_k["t"][ok], rtol=0.15)


def test_quick_phase_diagram_consistent():
    cols, entry = _quick("phase_diagram")
    assert entry["params"]["tail_sign_agrees_with_exact_k_star"] >= 0.9
    grid = _rows(cols, curve="exact_k_star")
    assert np.all((grid["k_star"] >= 1) | np.isnan(grid["k_star"]))
    # the teacher (c = 0) never has a finite optimal k: more samples always help
    assert not np.any(grid["finite_optimum"][grid["c"] == 0])


def test_real_judges_data(tiny_dir):
    """The plotted best-of-k curves equal a brute-force enumeration of the k-subsets."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pool_reference import brute_force
    from solvable import pools

    cols, entry, _ = make("real_judges", tiny_dir)
    assert "grm_gemma" in entry["params"]["falling"]
    assert "internlm2" in entry["params"]["rising"]
    for judge in ("internlm2", "grm_gemma"):
        pool = pools.rewardmath(judge)
        rows = _rows(cols, judge=judge, panel="best_of_k")
        for k in (2, 9):
            ref = np.mean([brute_force("best_of_k", list(s), list(c), None, k)
                           for s, c in zip(pool.scores, pool.correct)])
            got = rows["accuracy"][np.isclose(rows["k"], k)][0]
            assert got == pytest.approx(ref, abs=1e-12)
    sm = _rows(cols, judge="internlm2", panel="softmax_k10")
    assert np.all(np.diff(sm["accuracy"]) < 0)        # hotter is closer to a random pick
    assert sm["accuracy"][-1] > 0.1 and sm["accuracy"][0] < 0.38


def test_answers_pools_panel(tiny_dir):
    """The real-judge panel: its data are the with-replacement best-of-k curves, by the closed
    form [((A + m)/n)^k − (A/n)^k]/m for the correct candidate with A candidates below it and m
    at its score; its prediction is the fitted model's, close to the data where fitted."""
    from solvable import pools

    cols, entry, _ = make("answers", tiny_dir)
    judge = "grm_gemma"
    s = pools.rewardmath(judge).scores
    data = _rows(cols, panel="pools_fit", judge=judge, curve="data")
    pred = _rows(cols, panel="pools_fit", judge=judge, curve="model_prediction")
    below = np.sum(s < s[:, :1], axis=1)
    at = np.sum(s == s[:, :1], axis=1)
    for k in (1, 4, 10):
        closed = (((below + at) / 10.0) ** k - (below / 10.0) ** k) / at
        got = data["accuracy"][np.isclose(data["k"], k)][0]
        assert got == pytest.approx(closed.mean(), abs=1e-12)
    fitted = entry["params"]["pools_fit"]["fits"][judge]
    # pass@k and best-of-k at k = 1, 2, 3; the tiny size fits 3 parameters (no judge noise)
    assert fitted["free"] == ["width", "spread", "misalignment"] and fitted["dof"] == 3
    assert np.all(np.abs(pred["accuracy"][:3] - data["accuracy"][:3]) < 0.03)


def test_quick_answers_within_error_bars():
    """The committed `answers` figure: simulated accuracies against the theory column at every
    k and rule (the weighted vote's theory is Monte Carlo: both errors enter), and the exact
    columns against `solvable.generalization_accuracy` at k = 1 (the pass rate)."""
    from solvable.answers import generalization_accuracy
    cols, entry = _quick("answers")
    assert entry["size"] == "quick"
    h, knob = entry["params"]["theory"]["tolerance"], entry["params"]["theory"]["knob"]
    for rule in ("best_of_k", "majority", "weighted_vote"):
        sim = _rows(cols, curve="simulation", rule=rule)
        th = _rows(cols, curve="exact_de" if rule != "weighted_vote" else "theory_mc", rule=rule)
        np.testing.assert_array_equal(sim["k"], th["k"])
        z = (sim["accuracy"] - th["accuracy"]) / np.hypot(sim["stderr"], th["stderr"])
        assert np.all(np.abs(z) < 5.0), (rule, z)
    q0 = generalization_accuracy(paper_problem(), KnobReward(knob), 1, 0.0, tolerance=h)
    first = _rows(cols, curve="exact_de", rule="best_of_k")["accuracy"][0]
    assert first == pytest.approx(q0, abs=1e-12)
    # the figure's vote curve uses 4 nodes per panel of the offsets' rule: 1.5e-8 at k = 1
    first = _rows(cols, curve="exact_de", rule="majority")["accuracy"][0]
    assert first == pytest.approx(q0, abs=1e-7)


def test_forecast_figure_data(tiny_dir):
    """The truth is the full pool's exact curve, the pilot's k = 1 pass rate is its mean
    correctness, the carried-forward baseline is the pilot's k = 4 value, and every forecast
    lies in its interval within [0, 1]."""
    from solvable import pools

    cols, entry, _ = make("forecast", tiny_dir)
    codet = pools.codet_humaneval()
    truth = _rows(cols, pool="CodeT HumanEval", rule="best_of_k", curve="truth")
    want = pools.selection_curve(codet, "best_of_k", truth["k"].astype(int))
    np.testing.assert_allclose(truth["accuracy"], want.mean, rtol=1e-12)
    first = _rows(cols, pool="CodeT HumanEval", rule="pass", curve="pilot")
    assert first["accuracy"][0] == pytest.approx(np.nanmean(codet.correct[:, :4]), abs=1e-12)
    for name in ("CodeT HumanEval", "RewardMATH, internlm2"):
        for rule in ("pass", "best_of_k"):
            own = _rows(cols, pool=name, rule=rule, curve="pilot")
            carry = _rows(cols, pool=name, rule=rule, curve="carry forward")
            assert np.all(carry["accuracy"] == own["accuracy"][-1])
    f = _rows(cols, curve="forecast")
    assert np.all((f["lower"] >= 0.0) & (f["upper"] <= 1.0))
    assert np.all((f["lower"] <= f["accuracy"] + 1e-12) & (f["accuracy"] <= f["upper"] + 1e-12))
    assert set(entry["params"]["error_at_16"]) == {
        f"{p}: {r}" for p in ("CodeT HumanEval", "RewardMATH, internlm2")
        for r in ("pass", "best_of_k")}

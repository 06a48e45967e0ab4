"""The shipped CodeT HumanEval pool, ``solvable/data/codet_humaneval.npz``.

* Re-derivation: ``solvable/data/derive_codet.py`` run as a subprocess on five problems of the
  original files (the first three, and two with few generated asserts) reproduces every array
  of the shipped archive for them. Skipped, saying why, where the original files are absent
  (they are expected in ``../shared/data/codet`` beside the repository).
* The sandbox: programs that loop past their limits (even swallowing the timeout), call
  ``os.system``, write a file, flood stdout or exit the interpreter are contained, and the
  results of the others still come back. The programs run in the sandbox worker, never here.
* The shipped arrays: shapes and types, labels that are exactly the distinct pass sets in order
  of first appearance, zero padding, and the headline numbers of ``solvable/data/README.md``
  (pass@k by the unbiased estimator, computed here independently with `math.comb`, and CodeT's
  dual execution agreement).
* The loader `solvable.pools.codet.codet_arrays`: NaN exactly beyond each problem's asserts.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from solvable.pools.codet import codet_arrays

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "codet"
DATA = ROOT / "solvable" / "data"
SHIPPED = DATA / "codet_humaneval.npz"
SCRIPT = DATA / "derive_codet.py"
REDERIVED = (0, 1, 2, 46, 49)      # the first three problems and two with few asserts
Q, N, WIDTH = 164, 100, 500

# measured on the shipped archive (solvable/data/README.md)
PASS_AT = {1: 0.22116, 10: 0.50379, 100: 0.73780}
CODET_AT_100 = 0.36528
MIXED_SOLUTIONS = 3186


def _shipped() -> dict[str, np.ndarray]:
    with np.load(SHIPPED) as f:
        return {name: f[name] for name in f.files}


def _derive_module():
    """``derive_codet.py`` as a module (it defines functions only; it runs no sampled code)."""
    spec = importlib.util.spec_from_file_location("derive_codet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["derive_codet"] = module      # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shipped() -> dict[str, np.ndarray]:
    return _shipped()


def test_rederived_problems_match_the_shipped_archive(tmp_path, shipped):
    if not SRC.is_dir():
        pytest.skip(f"the original CodeT files are not in {SRC}")
    out = tmp_path / "codet_part.npz"
    subprocess.run([sys.executable, str(SCRIPT), str(SRC), "--only",
                    ",".join(str(i) for i in REDERIVED), "--out", str(out)],
                   cwd=ROOT, check=True, timeout=120, capture_output=True)
    with np.load(out) as f:
        part = {name: f[name] for name in f.files}
    assert sorted(part) == sorted(shipped)
    rows = list(REDERIVED)
    for name, value in part.items():
        np.testing.assert_array_equal(value, shipped[name][rows], err_msg=name)
        if value.dtype.kind == "U":                   # string width follows the longest id
            assert shipped[name].dtype.kind == "U", name
        else:
            assert value.dtype == shipped[name].dtype, name


def test_the_sandbox_contains_misbehaving_programs(tmp_path):
    derive = _derive_module()
    marker = tmp_path / "written"
    programs = [
        "def f(x):\n    return x + 1\n",
        # swallows the timeout signal forever: only the worker's SIGKILL ends it
        "def f(x):\n    while True:\n        try:\n            while True:\n                pass\n"
        "        except BaseException:\n            pass\n",
        f"import os\ndef f(x):\n    os.system('touch {marker}')\n    return x + 1\n",
        f"def f(x):\n    open({str(marker)!r}, 'w').write('x')\n    return x + 1\n",
        "import sys\ndef f(x):\n    print('x' * 100000)\n    sys.stderr.write('y' * 100000)\n"
        "    return x + 1\n",
        "import os\ndef f(x):\n    os._exit(0)\n",
    ]
    asserts = ["assert f(1) == 2", "assert f(2) == 4", "assert f(3) == 4"]
    results = derive.run_sandboxed(programs, "assert f(1) == 2\n", asserts,
                                   check_limit=0.5, solution_cap=0.5)
    assert [r["correct"] for r in results] == [True, False, False, False, True, False]
    assert [r["bits"] for r in results] == ["101", "000", "000", "000", "101", "000"]
    assert [r["capped"] for r in results] == [False, True, False, False, False, False]
    assert not marker.exists()


def test_shapes_and_types(shipped):
    assert shipped["task_ids"].shape == (Q,)
    assert list(shipped["task_ids"]) == [f"HumanEval/{q}" for q in range(Q)]
    for name in ("correct", "labels", "capped"):
        assert shipped[name].shape == (Q, N), name
    assert shipped["passes"].shape == (Q, N, (WIDTH + 7) // 8)
    assert shipped["canonical_passes"].shape == (Q, (WIDTH + 7) // 8)
    assert shipped["passes"].dtype == shipped["canonical_passes"].dtype == np.uint8
    assert shipped["correct"].dtype == shipped["capped"].dtype == bool
    assert shipped["labels"].dtype == np.int16
    m = shipped["num_asserts"]
    assert m.shape == (Q,) and m.min() >= 0 and m.max() <= WIDTH
    assert np.all((shipped["num_programs"] >= 1) & (shipped["num_programs"] <= N))


def test_labels_are_the_distinct_pass_sets_in_order_of_first_appearance(shipped):
    bits = np.unpackbits(shipped["passes"], axis=-1)[..., :WIDTH]
    for q in range(Q):
        m = int(shipped["num_asserts"][q])
        assert not bits[q, :, m:].any(), "nonzero padding"
        rows = [r.tobytes() for r in bits[q, :, :m]]
        first: dict[bytes, int] = {}
        expected = [first.setdefault(r, len(first)) for r in rows]
        assert shipped["labels"][q].tolist() == expected
    canonical = np.unpackbits(shipped["canonical_passes"], axis=-1)
    assert not any(canonical[q, shipped["num_asserts"][q]:].any() for q in range(Q))


def _pass_at(correct: np.ndarray, k: int) -> float:
    n = correct.shape[1]
    values = [1.0 - math.comb(n - int(c), k) / math.comb(n, k) for c in correct.sum(axis=1)]
    return sum(values) / len(values)


def _dual_agreement(correct: np.ndarray, labels: np.ndarray, passes: np.ndarray) -> float:
    """CodeT's rule on all n samples: the label group of largest (size × asserts passed)."""
    per_problem = []
    for q in range(correct.shape[0]):
        scores, shares = [], []
        for label in np.unique(labels[q]):
            members = labels[q] == label
            passed = int(passes[q][members][0].sum())
            scores.append(int(members.sum()) * passed)
            shares.append(float(correct[q][members].mean()))
        top = max(scores)
        chosen = [s for s, score in zip(shares, scores) if score == top]
        per_problem.append(sum(chosen) / len(chosen))
    return sum(per_problem) / len(per_problem)


def test_headline_numbers(shipped):
    for k, value in PASS_AT.items():
        assert _pass_at(shipped["correct"], k) == pytest.approx(value, abs=5e-5), k
    bits = np.unpackbits(shipped["passes"], axis=-1)
    assert _dual_agreement(shipped["correct"], shipped["labels"], bits) == pytest.approx(
        CODET_AT_100, abs=5e-5)
    mixed = 0
    for q in range(Q):
        for label in np.unique(shipped["labels"][q]):
            members = shipped["correct"][q][shipped["labels"][q] == label]
            if members.any() and not members.all():
                mixed += members.size
    assert mixed == MIXED_SOLUTIONS


def test_the_loader_puts_nan_exactly_beyond_the_asserts(shipped):
    data = codet_arrays()
    m = data.num_asserts
    assert data.passes.shape == (Q, N, int(m.max()))
    beyond = np.arange(data.passes.shape[2])[None, :] >= m[:, None]
    nan = np.isnan(data.passes)
    assert np.array_equal(nan, np.broadcast_to(beyond[:, None, :], nan.shape))
    bits = np.unpackbits(shipped["passes"], axis=-1)[..., : data.passes.shape[2]]
    assert np.array_equal(np.where(nan, 0.0, data.passes), bits.astype(np.float64))
    assert np.array_equal(data.correct, shipped["correct"])
    assert np.array_equal(data.labels, shipped["labels"])
    assert data.task_ids == tuple(shipped["task_ids"].tolist())
    assert not data.passes.flags.writeable


def test_pool_loader_matches_the_arrays():
    """`pools.codet_humaneval`: the problems with at least one generated assert, the programs'
    correctness, the pass-set labels, and scores = fraction of the problem's asserts passed."""
    from solvable import pools
    data = codet_arrays()
    pool = pools.codet_humaneval()
    keep = data.num_asserts >= 1
    assert pool.num_questions == int(keep.sum()) == Q - 9
    assert np.array_equal(pool.correct, data.correct[keep].astype(float))
    assert np.array_equal(pool.answers, data.labels[keep]) and pool.mixed_labels
    fraction = np.nanmean(data.passes[keep], axis=2)
    assert np.allclose(pool.scores, fraction, rtol=0, atol=1e-15)
    assert np.array_equal(pool.num_calls, data.num_asserts[keep])
    assert pools.codet_humaneval(min_asserts=100).num_questions == int(
        np.sum(data.num_asserts >= 100))

"""Derive ``codet_humaneval.npz`` (shipped with `solvable.pools`) from the CodeT HumanEval files.

Run from the repository root with the folder of the original files as argument::

    python3 solvable/data/derive_codet.py ../shared/data/codet

Options: ``--problems N`` keeps the first N problems only, ``--only 0,5,17`` the problems of
these indices (both for tests), ``--out PATH`` sets the archive (default: ``codet_humaneval.npz``
beside this script).

Source. The three ``HumanEval_*.jsonl`` files of the folder ``CodeT/`` of the public repository
``microsoft/CodeT`` (commit 35f54d60b152), released under the MIT license (Copyright (c)
Microsoft Corporation; ``LICENSE.codet`` beside this script) with "CodeT: Code Generation with
Generated Tests" (Chen et al., ICLR 2023, arXiv 2207.10397). They hold OpenAI's 164 HumanEval
problems (MIT license), 100 function bodies sampled for each from CodeGen-Mono-16B (temperature
0.8, top-p 0.95), and 100 continuations of a prompt ending in ``assert `` sampled from the same
model for each problem: tests written by the model, which may themselves be wrong.

Processing, after the CodeT paper:

* a completion (code or test) is cut where the first of ``\\nclass``, ``\\ndef``, ``\\n#``,
  ``\\nif``, ``\\nprint`` begins; a program is the problem's prompt followed by its cut
  completion. Code lines are matched to problems by their exact prompt; a test line's prompt is
  the problem's prompt, a ``pass`` body, ``# check the correctness of <entry point>`` and
  ``assert ``, and is matched by that exact text (the test file lists the problems in the
  order of the code file, task ids sorted as strings, not in the order of the problems file);
* a test sample, prefixed with ``assert ``, is split at every ``assert ``; the non-empty parts
  that mention the entry point become single statements ``assert <part>``, cut like the code
  and stripped, kept if they compile inside a ``try`` block (compiling runs nothing). The first
  5 of each of the 100 samples are pooled, and repeats removed keeping first occurrences:
  M_q ≤ 500 generated asserts for problem q;
* each distinct program of a problem (identical programs share every result) is run twice, in
  the sandbox described below: with the hidden ``test`` and ``check(<entry point>)`` appended,
  within 3 s (as the human-eval harness), which decides whether it is *correct*; and against
  the generated asserts: its definitions once, then each assert in the same namespace within
  0.1 s, the whole run capped at 3 s (asserts not reached fail; the script counts the programs
  that hit the cap). If the definitions fail, every assert fails;
* the canonical solution of each problem runs the same way: the script checks that it is
  correct, and stores which generated asserts it passes (a proxy for which tests are right);
* the *label* of a sample is the set of generated asserts it passes: samples of one problem
  with the same set share a label, numbered 0, 1, ... in order of first appearance.

Isolation. Model-written code never runs in the process of this script (which only reads the
JSON files and compiles asserts): for each problem it starts ``_sandbox_runner.py`` (beside this
script) as a separate interpreter, ``python3 -S -s -B`` (the standard library only, so that the
results do not depend on what else is installed, and no user site or bytecode files), with an
environment that holds nothing but ``PATH``, ``LC_ALL`` and ``PYTHONHASHSEED=0`` (a fixed seed
for reproducible set orders, which rules out ``-I``: it would ignore that variable), in a
fresh, empty temporary folder as working directory, talking JSON through stdin and stdout only.
That worker lowers its resource limits (address space, file size, CPU time) and runs every
program in a forked child with stdin/stdout/stderr on ``/dev/null``, dangerous functions
removed, per-piece timers and a SIGKILL on overrun (see its docstring). This script waits for
the worker with its own timeout, the worker being the leader of a new session whose process
group is killed on overrun.

Stored (all arrays in the order of the problems file, Q problems by n = 100 samples):
``task_ids`` [Q] str, ``correct`` [Q, n] bool, ``labels`` [Q, n] int16, ``num_asserts`` [Q]
int16, ``passes`` [Q, n, 63] uint8 (the [Q, n, 500] pass matrix packed by ``np.packbits`` along
its last axis, zero beyond ``num_asserts``), ``capped`` [Q, n] bool (the sample's assert run hit
the 3 s cap), ``num_programs`` [Q] int16 (distinct programs), ``canonical_passes`` [Q, 63]
uint8 (the canonical solution's pass bits, packed the same way). No texts, timings or paths.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "_sandbox_runner.py"
PROBLEMS_FILE = "HumanEval_for_code_generation.jsonl"
CODE_FILE = "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_code_solution.jsonl"
TEST_FILE = "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_test_case.jsonl"

STOP_STRINGS = ("\nclass", "\ndef", "\n#", "\nif", "\nprint")
ASSERTS_PER_SAMPLE = 5
SAMPLES = 100
MAX_ASSERTS = ASSERTS_PER_SAMPLE * SAMPLES        # 500
ASSERT_LIMIT = 0.1      # seconds per generated assert (and for the program's definitions)
CHECK_LIMIT = 3.0       # seconds for the hidden check
SOLUTION_CAP = 3.0      # seconds for one program's whole run against the generated asserts
SHORT_CHECK = 0.1       # the script reports how many correct programs need longer than this


@dataclasses.dataclass(frozen=True)
class Problem:
    """One HumanEval problem with its sampled completions and sampled test continuations."""

    task_id: str
    prompt: str
    entry_point: str
    test: str
    canonical_solution: str
    completions: tuple[str, ...]
    test_samples: tuple[str, ...]


def cut(text: str) -> str:
    """`text` up to the earliest stop string (all of it if none occurs)."""
    end = len(text)
    for stop in STOP_STRINGS:
        i = text.find(stop)
        if i != -1:
            end = min(end, i)
    return text[:end]


def compiles(statement: str) -> bool:
    """Whether `statement` compiles as the body of a ``try`` block (nothing is executed)."""
    body = statement.replace("\n", "\n    ")
    try:
        compile(f"try:\n    {body}\nexcept:\n    pass\n", "<assert>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return False
    return True


def split_asserts(sample: str, entry_point: str) -> list[str]:
    """The single assert statements of one test continuation, in order (see the docstring)."""
    parts = ("assert " + sample).split("assert ")
    statements = [cut("assert " + p).strip() for p in parts if p.strip() and entry_point in p]
    return [s for s in statements if compiles(s)]


def pooled_asserts(problem: Problem) -> list[str]:
    """The first `ASSERTS_PER_SAMPLE` asserts of each test sample, repeats removed."""
    seen: dict[str, None] = {}
    for sample in problem.test_samples:
        for statement in split_asserts(sample, problem.entry_point)[:ASSERTS_PER_SAMPLE]:
            seen.setdefault(statement, None)
    return list(seen)


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def paired_test_prompt(prompt: str, entry_point: str) -> str:
    """The prompt the test file pairs with a problem."""
    return f"{prompt}    pass\n\n# check the correctness of {entry_point}\nassert "


def load(src: Path) -> list[Problem]:
    """The problems in the order of the problems file, each matched with its samples."""
    problems = _read_jsonl(src / PROBLEMS_FILE)
    code = {line["prompt"]: line["samples"] for line in _read_jsonl(src / CODE_FILE)}
    tests = {line["prompt"]: line["samples"] for line in _read_jsonl(src / TEST_FILE)}
    if not len(problems) == len(code) == len(tests):
        raise ValueError("the three files do not hold the same number of distinct problems")
    out = []
    for p in problems:
        key = paired_test_prompt(p["prompt"], p["entry_point"])
        if p["prompt"] not in code or key not in tests:
            raise ValueError(f"{p['task_id']}: no code or test line with its prompt")
        completions, test_samples = code[p["prompt"]], tests[key]
        if len(completions) != SAMPLES or len(test_samples) != SAMPLES:
            raise ValueError(f"{p['task_id']}: expected {SAMPLES} samples of each kind")
        out.append(Problem(p["task_id"], p["prompt"], p["entry_point"], p["test"],
                           p["canonical_solution"], tuple(completions), tuple(test_samples)))
    return out


def run_sandboxed(programs: list[str], check: str, asserts: list[str], *,
                  assert_limit: float = ASSERT_LIMIT, check_limit: float = CHECK_LIMIT,
                  solution_cap: float = SOLUTION_CAP) -> list[dict]:
    """Results of `programs` from a fresh sandbox worker (see the module docstring).

    Each result holds ``correct`` (the program followed by `check` ran without exception
    within `check_limit` seconds), ``check_seconds``, ``bits`` (one character ``0``/``1`` per
    assert of `asserts`) and ``capped`` (the assert run hit `solution_cap`).
    """
    job = json.dumps({"programs": programs, "check": check, "asserts": asserts,
                      "assert_limit": assert_limit, "check_limit": check_limit,
                      "solution_cap": solution_cap})
    timeout = 60.0 + len(programs) * (check_limit + solution_cap + 2.0)
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="codet-sandbox-") as scratch:
        proc = subprocess.Popen([sys.executable, "-S", "-s", "-B", str(RUNNER)], cwd=scratch,
                                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True, text=True)
        try:
            out, err = proc.communicate(job, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise RuntimeError(f"sandbox worker ran past {timeout:.0f} s") from None
        finally:
            try:                                  # leave no grandchild behind
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if proc.returncode != 0:
        raise RuntimeError(f"sandbox worker failed ({proc.returncode}): {err[-2000:]}")
    results = json.loads(out)["results"]
    if len(results) != len(programs):
        raise RuntimeError("sandbox worker returned the wrong number of results")
    return results


def _pack(bits: np.ndarray) -> np.ndarray:
    """Pack bool [..., m ≤ 500] into uint8 [..., 63], zero-padded beyond m."""
    full = np.zeros(bits.shape[:-1] + (MAX_ASSERTS,), dtype=bool)
    full[..., : bits.shape[-1]] = bits
    return np.packbits(full, axis=-1)


def first_appearance_labels(rows: list[bytes]) -> np.ndarray:
    """Integer ids of the distinct rows, 0, 1, ... in order of first appearance."""
    ids: dict[bytes, int] = {}
    return np.array([ids.setdefault(r, len(ids)) for r in rows], dtype=np.int16)


def derive_problem(problem: Problem) -> dict:
    """All stored arrays of one problem, and a few counts for the report."""
    asserts = pooled_asserts(problem)
    check = f"{problem.test}\ncheck({problem.entry_point})\n"
    programs = [problem.prompt + cut(c) for c in problem.completions]
    distinct = list(dict.fromkeys(programs))
    canonical = problem.prompt + problem.canonical_solution
    results = run_sandboxed(distinct + [canonical], check, asserts)
    by_program = dict(zip(distinct, results))
    ref = results[-1]
    if not ref["correct"]:
        raise RuntimeError(f"{problem.task_id}: the canonical solution fails the hidden check")
    rows = [by_program[p] for p in programs]
    bits = np.array([[c == "1" for c in r["bits"]] for r in rows], dtype=bool)
    bits = bits.reshape(SAMPLES, len(asserts))
    return {
        "correct": np.array([r["correct"] for r in rows], dtype=bool),
        "labels": first_appearance_labels([np.packbits(b).tobytes() for b in bits]),
        "num_asserts": len(asserts),
        "passes": _pack(bits),
        "capped": np.array([r["capped"] for r in rows], dtype=bool),
        "num_programs": len(distinct),
        "canonical_passes": _pack(np.array([c == "1" for c in ref["bits"]], dtype=bool)),
        "capped_programs": sum(r["capped"] for r in results[:-1]),
        "slow_correct_programs": sum(r["correct"] and r["check_seconds"] > SHORT_CHECK
                                     for r in results[:-1]),
        "canonical_capped": ref["capped"],
    }


def derive(src: Path, out: Path, indices: list[int] | None = None) -> dict:
    """Write the archive for the problems of `indices` (all by default); return a report."""
    problems = load(src)
    if indices is None:
        indices = list(range(len(problems)))
    start = time.perf_counter()
    per: list[dict] = []
    for i in indices:
        t0 = time.perf_counter()
        per.append(derive_problem(problems[i]))
        print(f"{problems[i].task_id}: {per[-1]['num_programs']} programs, "
              f"{per[-1]['num_asserts']} asserts, {int(per[-1]['correct'].sum())} correct, "
              f"{per[-1]['capped_programs']} capped, {time.perf_counter() - t0:.1f} s",
              flush=True)
    arrays = {
        "task_ids": np.array([problems[i].task_id for i in indices]),
        "correct": np.stack([r["correct"] for r in per]),
        "labels": np.stack([r["labels"] for r in per]),
        "num_asserts": np.array([r["num_asserts"] for r in per], dtype=np.int16),
        "passes": np.stack([r["passes"] for r in per]),
        "capped": np.stack([r["capped"] for r in per]),
        "num_programs": np.array([r["num_programs"] for r in per], dtype=np.int16),
        "canonical_passes": np.stack([r["canonical_passes"] for r in per]),
    }
    np.savez_compressed(out, **arrays)
    return {
        "problems": len(indices),
        "seconds": time.perf_counter() - start,
        "distinct_programs": int(arrays["num_programs"].sum()),
        "capped_programs": sum(r["capped_programs"] for r in per),
        "capped_samples": int(arrays["capped"].sum()),
        "canonical_capped": sum(r["canonical_capped"] for r in per),
        "correct_slower_than_short_check": sum(r["slow_correct_programs"] for r in per),
        "asserts_mean_min_max": (float(arrays["num_asserts"].mean()),
                                 int(arrays["num_asserts"].min()),
                                 int(arrays["num_asserts"].max())),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="folder of the CodeT HumanEval files")
    parser.add_argument("--problems", type=int, help="keep the first N problems only")
    parser.add_argument("--only", help="comma-separated problem indices to keep")
    parser.add_argument("--out", type=Path, default=HERE / "codet_humaneval.npz")
    args = parser.parse_args(argv)
    indices = None
    if args.only is not None:
        indices = [int(i) for i in args.only.split(",")]
    elif args.problems is not None:
        indices = list(range(args.problems))
    report = derive(args.src, args.out, indices)
    for key, value in report.items():
        print(f"{key}: {value}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()

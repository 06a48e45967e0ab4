"""Cold and warm start of a fresh process: one δ(k) curve, one optimiser call, paper_repro.

What a new user waits for: a fresh Python process that imports `solvable` and computes

* ``curve``: one δ(k) curve of the paper's problem (Halder & Pehlevan, arXiv 2512.19905:
  n = 1e4, d = 10, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 40, knob reward c = 10, T/(2σ²) = 10),
  `generalization_error` at k = 1..100;
* ``optimizer``: one `optimal_temperature_averaged` call on the same problem at k = 16;
* ``repro`` (with ``--repro``; minutes): ``paper_repro.py`` in its default quick mode.

Each task runs in fresh subprocesses in three states of JAX's persistent compilation cache
(`solvable._config`): ``off`` (``SOLVABLE_NO_COMPILE_CACHE=1``: every process compiles
everything, the behaviour before the cache was on by default), ``cold`` (an empty temporary
cache folder) and ``warm`` (the same folder again). Figures: the process's wall time from
start to exit and the time of the task after the import, medians over ``--repeat`` runs
(``cold`` uses a fresh folder each time), and the process's CPU time (user + system; less
sensitive than wall time to other load on a shared machine). ``--baseline PATH`` adds the same runs with another
checkout of `solvable` first on ``PYTHONPATH`` (e.g. ``git archive <commit> | tar -x -C
/tmp/base``), so that code changes are measured against their baseline in the same run.

    python benchmarks/bench_cold_start.py                # curve + optimizer, 3 repeats
    python benchmarks/bench_cold_start.py --repro        # also paper_repro.py quick mode
    python benchmarks/bench_cold_start.py --baseline /tmp/base

The 2-core machines this runs on are shared: compare figures of the same run only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

_TASKS = {
    "curve": """
import numpy as np
import solvable
from solvable import KnobReward, Problem
p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
d = solvable.generalization_error(p, KnobReward(10.0), np.arange(1.0, 101.0), 2e-8 * 10)
value = float(d[-1]) / 1e-8
""",
    "optimizer": """
from solvable import KnobReward, Problem
from solvable.optimize import optimal_temperature_averaged
p = Problem(n=1e4, d=10, sigma=1e-4, gamma=1e-3, teacher_norm2=40.0)
value = float(optimal_temperature_averaged(p, KnobReward(10.0), 16.0).argmin) / 2e-8
""",
}

_WRAP = """
import time, json
_t0 = time.perf_counter()
import solvable
_t1 = time.perf_counter()
{body}
_t2 = time.perf_counter()
print("RESULT " + json.dumps(dict(import_s=_t1 - _t0, task_s=_t2 - _t1, value=value)))
"""


def _env(state, cache, path):
    env = dict(os.environ)
    for name in ("JAX_COMPILATION_CACHE_DIR", "SOLVABLE_NO_COMPILE_CACHE"):
        env.pop(name, None)
    if state == "off":
        env["SOLVABLE_NO_COMPILE_CACHE"] = "1"
    else:
        env["JAX_COMPILATION_CACHE_DIR"] = cache
    env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")])
    return env


def run_once(task, state, cache, path):
    """One fresh process; returns (process wall s, process CPU s, task s after import, value)."""
    env = _env(state, cache, path)
    tick = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if task == "repro":
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([sys.executable, str(path / "paper_repro.py"), "--out", out],
                                  env=env, capture_output=True, text=True, cwd=path)
        wall = time.perf_counter() - tick
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        return wall, _cpu_since(usage), wall, float("nan")
    proc = subprocess.run([sys.executable, "-c", _WRAP.format(body=_TASKS[task])], env=env,
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - tick
    cpu = _cpu_since(usage)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")][-1]
    out = json.loads(line[len("RESULT "):])
    return wall, cpu, out["task_s"], out["value"]


def _cpu_since(before):
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(task, path, repeat):
    """Medians of (process wall, CPU, task time) in the states off, cold and warm; the warm
    runs reuse the folder the last cold run filled."""
    res = {}
    with tempfile.TemporaryDirectory() as cache:
        for state in ("off", "cold", "warm"):
            walls, cpus, tasks, values = [], [], [], []
            for _ in range(repeat):
                if state == "cold":   # an empty folder each time
                    for f in Path(cache).iterdir():
                        f.unlink()
                wall, cpu, t, v = run_once(task, state, cache, path)
                walls.append(wall)
                cpus.append(cpu)
                tasks.append(t)
                values.append(v)
            res[state] = dict(wall_s=statistics.median(walls), cpu_s=statistics.median(cpus),
                              task_s=statistics.median(tasks), value=values[-1], walls=walls)
            print(f"  {task:9s} {state:4s}  process {res[state]['wall_s']:6.2f} s  "
                  f"(CPU {res[state]['cpu_s']:6.2f} s)  "
                  f"task {res[state]['task_s']:6.2f} s  (runs: "
                  f"{', '.join(f'{w:.1f}' for w in walls)})  value {values[-1]:.6g}", flush=True)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--repro", action="store_true", help="also time paper_repro.py quick mode")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another checkout of the project, measured in the same run")
    ap.add_argument("--tasks", nargs="*", default=None)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = ap.parse_args(argv)
    tasks = args.tasks or (list(_TASKS) + (["repro"] if args.repro else []))
    paths = {"this checkout": HERE}
    if args.baseline is not None:
        paths["baseline"] = args.baseline.resolve()
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    out = {}
    for task in tasks:
        for label, path in paths.items():
            print(f"{task} ({label}: {path})", flush=True)
            out[f"{task} | {label}"] = measure(task, path, 1 if task == "repro" else args.repeat)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()

"""The persistent compilation cache switched on at import (`solvable._config`).

Each case imports `solvable` in a fresh process with a given environment and reports JAX's
cache settings (no timing: speed is measured in benchmarks/bench_cold_start.py).
"""

import json
import os
import subprocess
import sys

import solvable

ROOT = os.path.dirname(os.path.dirname(solvable.__file__))

_SCRIPT = """
import json, os, jax
import solvable
from solvable import _config
jax.jit(lambda x: x * 2.0 + 1.0)(jax.numpy.arange(3.0)).block_until_ready()
folder = jax.config.jax_compilation_cache_dir
files = sorted(os.listdir(folder)) if folder and os.path.isdir(folder) else []
print(json.dumps(dict(dir=folder, chosen=_config.CACHE_DIR, files=len(files),
                      min_time=jax.config.jax_persistent_cache_min_compile_time_secs,
                      x64=jax.config.jax_enable_x64)))
"""


def _run(tmp_path, **env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("JAX_COMPILATION_CACHE_DIR", "SOLVABLE_NO_COMPILE_CACHE",
                        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
                        "JAX_ENABLE_COMPILATION_CACHE")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path / "home"),
               JAX_PLATFORMS="cpu",
               PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_cache_is_a_per_user_folder_and_is_written(tmp_path):
    # a zero compile-time threshold makes even the tiny program above worth caching
    got = _run(tmp_path, JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")
    expected = str(tmp_path / "xdg" / "solvable" / "jax")
    assert got["dir"] == got["chosen"] == expected
    assert got["files"] >= 1            # the jitted program was stored there
    assert got["min_time"] == 0.0       # JAX's own variable is respected
    assert got["x64"]


def test_jax_cache_dir_setting_wins(tmp_path):
    mine = str(tmp_path / "mine")
    got = _run(tmp_path, JAX_COMPILATION_CACHE_DIR=mine)
    assert got["dir"] == got["chosen"] == mine
    assert not (tmp_path / "xdg" / "solvable").exists()
    from solvable._config import MIN_COMPILE_TIME_S
    assert got["min_time"] == MIN_COMPILE_TIME_S


def test_opt_out_leaves_jax_alone(tmp_path):
    got = _run(tmp_path, SOLVABLE_NO_COMPILE_CACHE="1")
    assert got["dir"] is None and got["chosen"] is None
    assert got["min_time"] == 1.0       # JAX's default, untouched
    assert not (tmp_path / "xdg" / "solvable").exists()


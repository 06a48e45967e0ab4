"""Sandbox worker of ``derive_codet.py``: runs model-written programs in forked, limited children.

Never import this file: ``derive_codet.py`` starts it as a separate interpreter (standard library
only, a controlled environment, a fresh empty scratch folder as working directory) and talks to
it through stdin and stdout only::

    stdin   one JSON job:  {"programs": [...], "check": str, "asserts": [...],
                            "assert_limit": s, "check_limit": s, "solution_cap": s}
    stdout  one JSON reply: {"results": [{"correct": bool, "check_seconds": float,
                                          "bits": "0110...", "capped": bool}, ...]}

Layers of isolation, outermost first:

1. this process (the *worker*) lowers its own resource limits at start-up (address space
   2 GiB, file size 1 MiB, CPU time), which its children inherit. It compiles the generated
   asserts (compiling runs nothing) but never executes model-written code itself;
2. every program runs in a child made by ``os.fork`` (twice per program: once for the hidden
   check, once for the generated asserts). Before any model-written code runs, the child points
   its stdin, stdout and stderr at ``/dev/null``, lowers its CPU-time limit, forbids further
   processes (``RLIMIT_NPROC`` = 0, not enforced for root) and file writes (``RLIMIT_FSIZE``
   = 0), seeds ``random``, and replaces the functions that open, delete or move files, start
   processes, send signals or change the working directory by ``None`` (in the spirit of the
   human-eval harness's "reliability guard");
3. each piece of code (the program's definitions, then each assert) runs under
   ``signal.setitimer(ITIMER_REAL, ...)``, whose handler raises an exception (re-raised every
   5 ms, in case the code swallows it with a bare ``except``);
4. the child writes one byte per assert to a pipe (``1`` pass, ``0`` fail), so that what it
   found survives if it is killed; the worker kills it with SIGKILL once it overruns its total
   time cap (code stuck in C does not see Python signals) or writes more than expected.

The parent script adds the outer layer: its own timeout on this worker, in a new session whose
whole process group it kills on overrun.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import random
import resource
import select
import signal
import sys
import time
from typing import Callable

# Standard-library modules imported once here, so that a program importing them does not pay
# the import inside its 0.1 s limit (imports are not what the limits are meant to measure).
import bisect  # noqa: F401
import collections  # noqa: F401
import copy  # noqa: F401
import fractions  # noqa: F401
import functools  # noqa: F401
import hashlib  # noqa: F401
import heapq  # noqa: F401
import itertools  # noqa: F401
import math  # noqa: F401
import re  # noqa: F401
import shutil
import statistics  # noqa: F401
import string  # noqa: F401
import subprocess
import typing  # noqa: F401

WORKER_ADDRESS_SPACE = 2 << 30     # bytes
WORKER_FILE_SIZE = 1 << 20         # bytes: model code may not write large files
WORKER_CPU_SECONDS = 1800          # the worker's own CPU time (its children count separately)
KILL_GRACE = 0.5                   # seconds past a child's time cap before SIGKILL
TIMER_REPEAT = 0.005               # seconds between repeated timeout signals


class _Timeout(BaseException):
    """Raised by the SIGALRM handler while a piece of code runs (not an ``Exception``, so that
    ``except Exception`` in model code does not catch it)."""


_armed = [False]


def _on_alarm(signum: int, frame: object) -> None:
    if _armed[0]:
        raise _Timeout()


def _timed_exec(code: object, namespace: dict, seconds: float) -> bool:
    """Execute `code` in `namespace` with a wall-clock limit; True iff it raised nothing."""
    try:
        _armed[0] = True
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-4), TIMER_REPEAT)
        try:
            exec(code, namespace)
        finally:
            _armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        return True
    except BaseException:
        return False


def _limit_worker() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_ADDRESS_SPACE, WORKER_ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_FSIZE, (WORKER_FILE_SIZE, WORKER_FILE_SIZE))
    resource.setrlimit(resource.RLIMIT_CPU, (WORKER_CPU_SECONDS, WORKER_CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _guard_child(cpu_seconds: int) -> None:
    """Prepare a freshly forked child for model-written code (layer 2 of the docstring)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))        # no byte written to any file
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    except (ValueError, OSError):
        pass
    random.seed(0)
    signal.signal(signal.SIGALRM, _on_alarm)
    for name in ("system", "kill", "killpg", "fork", "forkpty", "execv", "execve", "execvp",
                 "execvpe", "execl", "execle", "execlp", "execlpe", "spawnl", "spawnv",
                 "posix_spawn", "posix_spawnp", "popen", "remove", "unlink", "rmdir",
                 "removedirs", "rename", "renames", "replace", "truncate", "ftruncate",
                 "chdir", "fchdir", "chmod", "fchmod", "chown", "fchown", "lchown", "chroot",
                 "link", "symlink", "setuid", "setgid", "setsid", "setpgid", "putenv",
                 "unsetenv", "mkdir", "makedirs", "open"):
        if hasattr(os, name):
            setattr(os, name, None)
    builtins.open = None  # type: ignore[assignment]
    io.open = None  # type: ignore[assignment]
    for name in ("rmtree", "move", "chown", "copy", "copy2", "copyfile", "copytree"):
        setattr(shutil, name, None)
    for name in ("Popen", "run", "call", "check_call", "check_output", "getoutput",
                 "getstatusoutput"):
        setattr(subprocess, name, None)
    for name in ("ipdb", "joblib", "psutil", "tkinter", "resource"):
        sys.modules[name] = None  # type: ignore[assignment]


def _in_child(body: Callable[[int], None], cap: float, max_bytes: int) -> tuple[bytes, bool]:
    """Run ``body(write_fd)`` in a forked child; return what it wrote and whether it was killed.

    The child is killed with SIGKILL `KILL_GRACE` seconds after `cap`, or as soon as it has
    written more than `max_bytes`.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:                                      # the child: never returns
        try:
            os.close(read_fd)
            _guard_child(int(cap) + 2)
            body(write_fd)
        except BaseException:
            pass
        finally:
            os._exit(0)
    os.close(write_fd)
    data = bytearray()
    killed = False
    deadline = time.monotonic() + cap + KILL_GRACE
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or len(data) > max_bytes:
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    os.close(read_fd)
    os.waitpid(pid, 0)
    return bytes(data), killed


def _hidden_check(source: str, limit: float) -> tuple[bool, float]:
    """The program followed by the hidden test and ``check(entry_point)``, within `limit`."""
    def body(fd: int) -> None:
        start = time.perf_counter()
        ok = _timed_exec(source, {"__name__": "__candidate__"}, limit)
        elapsed = time.perf_counter() - start
        os.write(fd, f"{int(ok)} {elapsed:.6f}\n".encode())

    data, _ = _in_child(body, limit, 64)
    try:
        flag, seconds = data.decode().split()
        return flag == "1", float(seconds)
    except ValueError:
        return False, limit


def _generated_asserts(program: str, asserts: list, limit: float,
                       cap: float) -> tuple[str, bool]:
    """Pass bits of the program against each compiled assert, and whether the cap was hit.

    The program's definitions run once (within `limit`), then each assert in the same
    namespace within `limit`; the whole run is capped at `cap` seconds, and asserts not reached
    count as failed. If the definitions fail, every assert fails.
    """
    def body(fd: int) -> None:
        start = time.perf_counter()
        namespace: dict = {"__name__": "__candidate__"}
        if not _timed_exec(program, namespace, min(limit, cap)):
            os.write(fd, b"E")
            return
        for code in asserts:
            left = cap - (time.perf_counter() - start)
            if left <= 0:
                os.write(fd, b"C")
                return
            os.write(fd, b"1" if _timed_exec(code, namespace, min(limit, left)) else b"0")
        os.write(fd, b"C" if time.perf_counter() - start >= cap else b"E")

    data, killed = _in_child(body, cap, len(asserts) + 1)
    bits = "".join(chr(b) for b in data if b in b"01")[: len(asserts)]
    capped = killed or data.endswith(b"C")      # a child that exits early is not capped
    return bits.ljust(len(asserts), "0"), capped


def main() -> None:
    # the script's own folder must not shadow anything (the interpreter is started without -P)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p not in ("", here)]
    _limit_worker()
    job = json.loads(sys.stdin.read())
    asserts = [compile(a, "<generated assert>", "exec") for a in job["asserts"]]
    results = []
    for program in job["programs"]:
        correct, seconds = _hidden_check(program + "\n" + job["check"], job["check_limit"])
        bits, capped = _generated_asserts(program, asserts, job["assert_limit"],
                                          job["solution_cap"])
        results.append({"correct": correct, "check_seconds": seconds, "bits": bits,
                        "capped": capped})
    sys.stdout.write(json.dumps({"results": results}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Property tests cannot fail CI by chance: under CI the hypothesis profile is derandomized."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings


def test_ci_profile_is_derandomized_without_a_database():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.database is None


def test_ci_environment_loads_the_ci_profile():
    """What `.ci/run` gets (CI=true): the loaded default settings are the ci profile's."""
    code = ("import conftest, hypothesis; s = hypothesis.settings.default; "
            "print(s.derandomize, s.database is None)")
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    env["CI"] = "true"
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"]

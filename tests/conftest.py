"""Shared test fixtures and doctest settings.

The paper's problem (docs/theory.md §1) has one definition, `solvable.paper_problem`; the
fixtures below hand it to tests. ``SLOW`` is a doctest option: an example marked
``# doctest: +SLOW`` compiles a large kernel on its first call and is run by the slow doctest
test of ``tests/test_docs.py`` rather than by the per-module ones.

Hypothesis: under CI (the environment variable ``CI`` set, as `.ci/run` is run) the ``ci``
profile derandomizes every property test (a fixed sequence of examples, no example database),
so no test can fail CI by the luck of a draw; locally the ``dev`` profile draws afresh each run
and stores what it finds. Every example a run has found is kept in its test as an explicit
``@example``. ``HYPOTHESIS_PROFILE`` picks a profile by name.
"""

from __future__ import annotations

import doctest
import os

import pytest
from hypothesis import settings

import solvable

doctest.register_optionflag("SLOW")

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE")
                      or ("ci" if os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
                          else "dev"))


@pytest.fixture(scope="session")
def paper_problem():
    """The paper's setting: n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 40."""
    return solvable.paper_problem()


@pytest.fixture(scope="session")
def paper_sigma2(paper_problem):
    """σ² of the paper's setting (the unit of the figures' δ/σ²)."""
    return float(paper_problem.sigma) ** 2

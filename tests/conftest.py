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

Order: the long tests (marked ``slow``, the notebooks, figures and documentation builds) are
collected first, so that with ``-n 2`` the two workers start on them and the short ones fill
the gaps at the end, instead of one worker finishing a long test alone.
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


_LONG_FILES = ("test_notebooks.py", "test_figures.py", "test_docs.py")


def pytest_collection_modifyitems(config, items):
    """Long tests first (stable order otherwise); see the module docstring."""
    def long(item):
        return item.get_closest_marker("slow") is not None or item.path.name in _LONG_FILES

    items[:] = [i for i in items if long(i)] + [i for i in items if not long(i)]


@pytest.fixture(scope="session")
def paper_problem():
    """The paper's setting: n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 40."""
    return solvable.paper_problem()


@pytest.fixture(scope="session")
def paper_sigma2(paper_problem):
    """σ² of the paper's setting (the unit of the figures' δ/σ²)."""
    return float(paper_problem.sigma) ** 2

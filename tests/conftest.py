"""Shared test fixtures and doctest settings.

The paper's problem (docs/theory.md §1) has one definition, `solvable.paper_problem`; the
fixtures below hand it to tests. ``SLOW`` is a doctest option: an example marked
``# doctest: +SLOW`` compiles a large kernel on its first call and is run by the slow doctest
test of ``tests/test_docs.py`` rather than by the per-module ones.
"""

from __future__ import annotations

import doctest

import pytest

import solvable

doctest.register_optionflag("SLOW")


@pytest.fixture(scope="session")
def paper_problem():
    """The paper's setting: n = 1e4, d = 10, S = 1, σ = 1e-4, γ = 1e-3, ‖w_T‖² = 40."""
    return solvable.paper_problem()


@pytest.fixture(scope="session")
def paper_sigma2(paper_problem):
    """σ² of the paper's setting (the unit of the figures' δ/σ²)."""
    return float(paper_problem.sigma) ** 2

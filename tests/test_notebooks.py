"""The notebooks (jupytext percent scripts in notebooks/) execute headless on CPU.

Each is converted with jupytext and run with nbclient in a fresh kernel, from the repository
root on the path; widgets are built but never block (each notebook also calls its plotting
function directly). The notebooks are meant to run in well under a minute each on a 2-core
CPU; the limit asserted here is looser so that a loaded machine does not fail the suite.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
LIMIT_S = 180.0


def test_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"optimal_k_and_temperature", "compute_vs_data", "approximate_rewards_smc",
            "your_pool"} <= names


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    nb = jupytext.read(path)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(nb, timeout=LIMIT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert images, "the notebook should draw at least one figure"
    assert elapsed < LIMIT_S, f"{path.name} took {elapsed:.0f} s"

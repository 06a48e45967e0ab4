"""Sphinx configuration of the `solvable` documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    python3 -m sphinx -W -b html docs docs/_build/html

The API reference and the figure gallery are generated at build time (into
``docs/api/generated/`` and ``docs/_generated/``, both ignored by git) from two
sources that live in code: the module list ``API_MODULES`` below and the figure registry
`solvable.figures.FIGURES`. A module of ``API_MODULES`` that does not exist in this checkout
is skipped (a module that exists but fails to import fails the build).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

project = "solvable"
author = "the solvable authors"
copyright = "the solvable authors"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",   # MathJax 3 shipped with the pages: formulas render offline
    "numpydoc",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated"]
root_doc = "index"

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 2

autodoc_member_order = "bysource"
autosummary_generate = False         # the tables link to the entries on the same page
autodoc_typehints = "none"          # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False  # members are documented explicitly on each page
numpydoc_xref_param_type = False
default_role = "py:obj"              # `name` in a docstring links where it can

html_theme = "pydata_sphinx_theme"
html_title = "solvable"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list = []

# -- what the API reference documents ---------------------------------------------------------
# Each entry is a module whose public names (its ``__all__``) get a section of the reference.
# An object is documented once, under the first module of this list that exports it; later
# modules list it with a link. Modules that are not in this checkout are skipped, so entries
# for modules that another branch adds can stay here before the merge.
API_MODULES = [
    "solvable",
    "solvable.problem",
    "solvable.equivalents",
    "solvable.selection",
    "solvable.average",
    "solvable.asymptotics",
    "solvable.optimize",
    "solvable.simulation",
    "solvable.answers",    # discrete answers and votes (docs/theory.md §6); skipped until merged
    "solvable.pools",      # pools of real samples (docs/theory.md §7); skipped until merged
    "solvable.judge",      # repeated and noisy judge calls (docs/theory.md §10)
    "solvable.budget",     # the split between generating and judging (docs/theory.md §10)
    "solvable.smc",
    "solvable.figures",
]


def _exists(name: str) -> bool:
    """Whether module ``name`` is in this checkout: looked up on its parent package's path
    only, so that an installed copy of the package elsewhere (e.g. an editable install of
    another checkout) cannot stand in for a module this checkout lacks."""
    parent, _, leaf = name.rpartition(".")
    if not parent:
        return importlib.util.find_spec(name) is not None
    try:
        path = importlib.import_module(parent).__path__
    except (ImportError, AttributeError):
        return False
    return importlib.machinery.PathFinder.find_spec(leaf, path) is not None


def _public_names(module) -> list[str]:
    """The module's ``__all__``; without one, the functions and classes it defines (or, for a
    package, that its submodules define) whose names do not start with an underscore."""
    names = getattr(module, "__all__", None)
    if names is None:
        prefix = module.__name__
        names = [n for n, v in vars(module).items()
                 if not n.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v))
                 and (getattr(v, "__module__", "") == prefix
                      or getattr(v, "__module__", "").startswith(prefix + "."))]
    return list(names)


def _kind(obj) -> str | None:
    if inspect.ismodule(obj):
        return None
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_api_pages(out: Path = DOCS / "api" / "generated") -> list[str]:
    """Write one reStructuredText page per existing module of ``API_MODULES``."""
    out.mkdir(parents=True, exist_ok=True)
    seen: dict[int, str] = {}
    pages = []
    for modname in API_MODULES:
        if not _exists(modname):
            continue
        module = importlib.import_module(modname)
        lines = [f"``{modname}``", "=" * (len(modname) + 4), "",
                 f".. automodule:: {modname}", "   :no-members:", ""]
        also, documented, body = [], [], []
        for name in _public_names(module):
            obj = getattr(module, name)
            kind = _kind(obj)
            if kind is None:  # a submodule: it has its own page
                continue
            key = id(obj)
            if f"{modname}.{name}" in API_MODULES and not inspect.ismodule(obj):
                # e.g. the function solvable.simulate beside the module solvable.simulate:
                # documented on the module's page under its defining module's name
                also.append(f"- `{modname}.{name}`: see `{obj.__module__}.{name}`")
                continue
            if key in seen:
                also.append(f"- `{modname}.{name}`: see `{seen[key]}`")
                continue
            seen[key] = f"{modname}.{name}"
            documented.append(name)
            body += [f".. {kind}:: {modname}.{name}"]
            if kind == "autoclass":
                body += ["   :members:"]
            elif kind == "autodata":
                body += ["   :no-value:"]  # e.g. a lazily filled registry: its repr varies
            body += [""]
        if documented:
            lines += [".. autosummary::", "", *(f"   {n}" for n in documented), ""]
        lines += body
        if also:
            lines += ["Also exported here", "-" * 18, "", *also, ""]
        _write_if_changed(out / f"{modname}.rst", "\n".join(lines))
        pages.append(modname)
    toc = ["API reference", "=============", "",
           "Generated from the docstrings; every example runs in the test suite "
           "(``tests/test_docs.py``).", "", ".. toctree::", "   :maxdepth: 1", ""]
    toc += [f"   {p}" for p in pages]
    _write_if_changed(out / "index.rst", "\n".join(toc) + "\n")
    for stale in set(out.glob("*.rst")) - {out / f"{p}.rst" for p in pages} - {out / "index.rst"}:
        stale.unlink()  # a page of a module that is no longer listed or present
    return pages


def write_gallery(out: Path = DOCS / "_generated" / "gallery_body.md") -> list[str]:
    """The gallery: one section per registered figure (`solvable.figures.FIGURES`), with the
    stored PNG and the source of the function that draws it."""
    from solvable.figures import FIGURES, _FIGURES

    out.parent.mkdir(parents=True, exist_ok=True)
    parts = []
    for name in FIGURES:
        func = FIGURES[name]
        module_file = f"solvable/figures/{_FIGURES[name]}.py"
        summary = inspect.getdoc(func).split("\n\n")[0].replace("\n", " ")
        parts += [
            f"## `{name}`", "",
            f"{summary}", "",
            f"```{{image}} ../figures/{name}.png",
            f":alt: {name}",
            ":width: 100%",
            "```", "",
            f"Regenerate: `python3 paper_repro.py --only {name}` (data in `figures/{name}.csv`, "
            f"parameters in `figures/manifest.json`). Drawn by "
            f"{{py:func}}`solvable.figures.{name}` in `{module_file}`:", "",
            f"```{{literalinclude}} ../{module_file}",
            f":pyobject: {func.__name__}",
            ":language: python",
            "```", "",
        ]
    _write_if_changed(out, "\n".join(parts))
    return list(FIGURES)


def _check_images(app):
    from solvable.figures import FIGURES

    missing = [n for n in FIGURES if not (ROOT / "figures" / f"{n}.png").exists()]
    if missing:
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "figure(s) without a stored PNG in figures/: %s (run paper_repro.py --only NAME)",
            ", ".join(missing))


# Docstrings write absolute values as |x| in plain text; reStructuredText would read |x| as a
# substitution reference. Escape such bars outside ``literals`` (lines of grid tables and line
# blocks are left alone).
_ABS = re.compile(r"(?<![\\|\w`])\|(?=\S)([^|`\n]*?\S)\|(?![\w|])")


_TABLE_OR_BLOCK = re.compile(r"\s*(\+[-=]|\|\s|\|$)")


def _escape_abs(line: str) -> str:
    parts = line.split("``")
    for i in range(0, len(parts), 2):  # even parts are outside double-backtick literals
        parts[i] = _ABS.sub(lambda m: "\\|" + m.group(1) + "\\|", parts[i])
    return "``".join(parts)


def _escape_docstring(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        if "|" in line and not _TABLE_OR_BLOCK.match(line):
            lines[i] = _escape_abs(line)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_docstring)
    write_api_pages()
    write_gallery()
    app.connect("builder-inited", _check_images)

"""Sphinx configuration of the cortexlearn documentation.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` (the ``docs`` and
``notebooks`` extras): offline (no intersphinx), warnings as errors. The notebooks are executed
during the build (in a temporary folder, each in a fresh kernel), so the pages show their outputs;
``CORTEXLEARN_DOCS_EXECUTE=off`` renders them as stored, without outputs (the default test suite
does that, since it runs the notebooks separately). Pages that are generated at build time go to ``docs/_generated/``:
one gallery page per model (from ``cortexlearn.get_model(name).methods_table()``), one API page
per module listed in ``API_MODULES``, and copies of the notebooks.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import _gallery  # noqa: E402

project = "cortexlearn"
author = "the cortexlearn authors"
copyright = "2026, the cortexlearn authors"
try:
    import cortexlearn

    release = version = cortexlearn.__version__
except Exception:  # pragma: no cover - the build then fails on autodoc anyway
    release = version = "unknown"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "_templates", "templates"]
root_doc = "index"
language = "en"

# numpydoc: no autosummary member tables (they need stub pages), no validation noise.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_typehints = "none"
autodoc_preserve_defaults = True

# Notebooks are executed at build time so that the pages show their outputs ("force": every
# build; "off" renders them as stored). A notebook that raises fails the build.
nb_execution_mode = os.environ.get("CORTEXLEARN_DOCS_EXECUTE", "force")
nb_execution_in_temp = True
nb_execution_timeout = 900
nb_execution_raise_on_error = True
nb_execution_show_tb = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]

html_theme = "alabaster"
html_static_path = []
html_title = f"cortexlearn {release}"

#: Modules documented with autodoc. The warnings-as-errors build covers each of them; a module
#: whose docstrings do not build clean stays out of this list until they do.
API_MODULES = _gallery.API_MODULES


def _generate(app=None):
    out = os.path.join(HERE, "_generated")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    _gallery.write_models(os.path.join(out, "models"))
    _gallery.write_api(os.path.join(out, "api"), API_MODULES)
    _gallery.copy_notebooks(os.path.join(ROOT, "notebooks"), os.path.join(out, "notebooks"))


_generate()


def setup(app):
    return {"parallel_read_safe": True}

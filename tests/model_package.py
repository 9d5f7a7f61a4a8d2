"""A throw-away model package for sweep tests: written to a temporary folder that a sweep's
``model_path`` adds to ``cortexlearn.models``, and taken out of it again afterwards."""

import sys

import cortexlearn.models


def model_package(tmp_path_factory, name: str, source: str):
    """Yield the folder holding package ``name`` (its ``__init__.py`` is ``source``); on exit,
    remove the folder from ``cortexlearn.models`` and forget the imported module."""
    root = tmp_path_factory.mktemp("models")
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(source)
    yield str(root)
    if str(root) in cortexlearn.models.__path__:
        cortexlearn.models.__path__.remove(str(root))
    sys.modules.pop(f"cortexlearn.models.{name}", None)

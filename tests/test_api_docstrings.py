"""Every public function, class and method of the library has a numpydoc docstring: a summary,
and a ``Parameters`` section (or ``Attributes`` for a data class) when it takes arguments. A
method that overrides a documented method of a base class inherits its documentation, as
numpydoc renders it.

Read from the sources with ``ast``, so the check needs no import; every module of the package
is read.
"""

from __future__ import annotations

import ast
import pathlib
import re

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "cortexlearn"
EXCLUDED = ()


def _arguments(node: ast.FunctionDef) -> list[str]:
    a = node.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return [n for n in names if n not in ("self", "cls")]


def _has_section(doc: str | None, *titles: str) -> bool:
    return doc is not None and any(re.search(rf"^\s*{t}\n\s*-{{3,}}\s*$", doc, re.M) for t in titles)


def _is_dataclass(node: ast.ClassDef) -> bool:
    return any("dataclass" in ast.unparse(d) for d in node.decorator_list)


def _is_property_setter(node: ast.FunctionDef) -> bool:
    return any(ast.unparse(d).endswith((".setter", ".deleter")) for d in node.decorator_list)


def documented_methods(files) -> dict[str, tuple[list[str], set[str]]]:
    """Class name -> (names of its bases, names of its methods that have a docstring)."""
    out = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ClassDef):
                # two modules may hold classes of one name: keep the bases and methods of both
                bases, methods = out.setdefault(node.name, ([], set()))
                bases += [ast.unparse(b).rpartition(".")[2] for b in node.bases]
                methods |= {m.name for m in node.body if isinstance(m, ast.FunctionDef)
                            and ast.get_docstring(m)}
    return out


def _inherits_doc(classes, class_name: str, method: str, seen=()) -> bool:
    for base in classes.get(class_name, ([], set()))[0]:
        if base in seen:
            continue
        if method in classes.get(base, ([], set()))[1] or _inherits_doc(classes, base, method, (*seen, base)):
            return True
    return False


def undocumented(path: pathlib.Path, classes=None) -> list[str]:
    """What in one source file lacks a docstring, or the section its arguments need."""
    classes = classes or {}
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(PACKAGE.parent)
    found = []

    def check_function(node, name):
        doc = ast.get_docstring(node)
        if not doc:
            found.append(f"{where}:{node.lineno} {name}: no docstring")
        elif _arguments(node) and not _has_section(doc, "Parameters"):
            found.append(f"{where}:{node.lineno} {name}: no Parameters section")

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            check_function(node, node.name)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            doc = ast.get_docstring(node)
            init = next((b for b in node.body if isinstance(b, ast.FunctionDef) and b.name == "__init__"), None)
            if not doc:
                found.append(f"{where}:{node.lineno} {node.name}: no docstring")
            elif ((init is not None and _arguments(init)) or _is_dataclass(node)) and not _has_section(
                    doc, "Parameters", "Attributes"):
                found.append(f"{where}:{node.lineno} {node.name}: no Parameters or Attributes section")
            for member in node.body:
                if (isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)) and not member.name.startswith("_")
                        and not _is_property_setter(member)
                        and not (ast.get_docstring(member) is None
                                 and _inherits_doc(classes, node.name, member.name))):
                    check_function(member, f"{node.name}.{member.name}")
    return found


def library_files() -> list[pathlib.Path]:
    """The library's source files outside the excluded parts."""
    return [p for p in sorted(PACKAGE.rglob("*.py"))
            if not any(p.relative_to(PACKAGE).as_posix().startswith(e) for e in EXCLUDED)]


def test_the_checker_finds_what_is_missing(tmp_path):
    source = tmp_path / "example.py"
    source.write_text('def a(x):\n    """Summary."""\n\n\ndef b():\n    pass\n\n\n'
                      'def c(x):\n    """Summary.\n\n    Parameters\n    ----------\n    x : int\n    """\n\n\n'
                      'class Base:\n    """Base."""\n\n    def f(self):\n        """Documented."""\n\n\n'
                      'class Child(Base):\n    """Child."""\n\n    def f(self):\n        pass\n\n'
                      '    def g(self):\n        pass\n')
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path
    try:
        found = [f.split(" ", 1)[1] for f in undocumented(source, documented_methods([source]))]
        assert found == ["a: no Parameters section", "b: no docstring", "Child.g: no docstring"]
    finally:
        PACKAGE = saved


def test_every_public_function_and_class_is_documented():
    files = library_files()
    assert len(files) > 40, "the sources were not found"
    classes = documented_methods(files)
    missing = [line for path in files for line in undocumented(path, classes)]
    assert not missing, f"{len(missing)} without a numpydoc docstring:\n" + "\n".join(missing)

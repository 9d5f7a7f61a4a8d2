"""No library function runs over about 80 lines of code unless a comment in it says why.

Long functions hide their steps; where one is long on purpose (e.g. a reference simulation that
mirrors the compiled code's order line by line), a comment naming its length and the reason makes
that a decision rather than an accident. Read with ``ast``; every module of the package is read.
"""

from __future__ import annotations

import ast
import io
import pathlib
import re
import tokenize

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "cortexlearn"
EXCLUDED = ()
LIMIT = 80  # lines of the function without its docstring (documentation does not make it long)


def long_functions(source: str, limit: int = LIMIT) -> list[tuple[str, int, int, bool]]:
    """``(name, first line, length, has a reason comment)`` for each function over ``limit`` lines.

    A reason comment is a ``#`` comment inside the function that mentions its ``lines``.
    """
    comments = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                length -= first.end_lineno - first.lineno + 1
            if length > limit:
                reason = any(re.search(r"\blines\b", text) for line, text in comments.items()
                             if node.lineno <= line <= node.end_lineno)
                out.append((node.name, node.lineno, length, reason))
    return out


def test_the_length_check_sees_a_long_function_and_its_reason():
    body = "".join(f"    x{i} = {i}\n" for i in range(LIMIT))
    assert long_functions(f"def f():\n{body}") == [("f", 1, LIMIT + 1, False)]
    assert long_functions(f'def f():\n    """Doc."""\n{body[:-len(body.splitlines()[-1]) - 1]}') == []
    reason = "    # long on purpose: 81 lines that mirror the compiled code\n"
    assert long_functions(f"def f():\n{reason}{body}")[0][3]


def test_long_library_functions_say_why():
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix().startswith(EXCLUDED):
            continue
        for name, line, length, reason in long_functions(path.read_text()):
            if not reason:
                unexplained.append(f"{path.relative_to(PACKAGE.parent)}:{line} {name} ({length} lines)")
    assert not unexplained, "functions over ~80 lines without a reason comment:\n" + "\n".join(unexplained)

"""The C++ flags of the tests: ``-O1`` in the test process, Brian2's own flags on request.

The tests compile C++ (Cython extensions and standalone projects built in the test process) at
``-O1`` instead of Brian2's ``-O3``: the generated code, ``-ffast-math`` and ``-march=native``
stay, so what a test compares (a target against its NumPy oracle, to a stated tolerance) is the
same program, while most test programs run for milliseconds and compiling dominates their cost.
Processes a test starts (``cortexlearn run``, sweep units, notebooks) compile with Brian2's own
flags; a test whose program must be the one such a process builds (a build cache's key includes
the flags) compiles inside :func:`brian2_flags`.
"""

from __future__ import annotations

import contextlib

KEY = "codegen.cpp.extra_compile_args_gcc"
_FLAGS: dict[str, list] = {}


def use_test_flags() -> None:
    """Make ``-O1`` the preferences' initial state (:func:`brian2.restore_initial_state` returns
    to it); Brian2's own flags are kept for :func:`brian2_flags`."""
    from brian2 import prefs

    if "brian2" not in _FLAGS:
        _FLAGS["brian2"] = list(prefs[KEY])
        _FLAGS["tests"] = ["-O1" if arg == "-O3" else arg for arg in _FLAGS["brian2"]]
    prefs[KEY] = list(_FLAGS["tests"])
    prefs._backup()


@contextlib.contextmanager
def brian2_flags():
    """Brian2's own compiler flags inside the block, the tests' flags after it."""
    from brian2 import prefs

    prefs[KEY] = list(_FLAGS.get("brian2", prefs[KEY]))
    try:
        yield
    finally:
        prefs[KEY] = list(_FLAGS.get("tests", prefs[KEY]))

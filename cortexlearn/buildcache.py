"""Re-use compiled ``cpp_standalone`` programs between runs that generate the same code.

A seed sweep builds the same program again and again: the seed is read by the program at start-up
(see :class:`~cortexlearn.simulation.Simulation`), and initial values set from arrays travel as
data files (``static_arrays/``), so the generated C++ sources of two such runs are byte for byte
the same. A :class:`BuildCache` keeps one compiled binary per distinct set of sources:

1. Brian2 writes the project into the run's own build directory (code generation only);
2. :func:`project_key` hashes every generated source file (``.cpp``, ``.h``, ``makefile``, ...),
   the compiler's identity and the host, leaving out what the program only *reads*: the data
   files under ``static_arrays/`` (their names, sizes and types are written in ``objects.cpp``,
   so they are part of the key) and the ``results/`` folder;
3. under a lock on that key, the cache either copies its binary into the build directory (a hit,
   checked against the binary's recorded SHA-256) or compiles the project there and stores the
   binary (a miss). Other processes asking for the same key wait for that compilation and then
   re-use it.

Brian2 writes the clocks' start-up before each ``run()`` in the order of a set of clock objects,
which changes from process to process; :func:`project_key` reads those lines in sorted order
(:func:`canonical_main`), so the same network gives the same key in every process.

The run itself always happens in the run's own directory, with its own data files and results,
so concurrent runs never share a folder. A binary is only re-used for identical sources, so a
stale entry (other code, other compiler flags, another Brian2) can never be picked up; the cost
of a wrong guess is a compilation, never a wrong result.

Every look-up appends one JSON line to ``CACHE/log.jsonl`` (key, hit or compiled, seconds, the
build directory and the ``$CORTEXLEARN_SWEEP_UNIT`` tag of the process), which sweeps read to
report how many builds each unit re-used.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import time
import uuid
from typing import Callable

__all__ = ["BuildCache", "project_key", "CACHE_ENV", "UNIT_ENV", "read_log", "use_precompiled_header",
           "deps_from_compilation", "run_once_code_at_O1", "unity_code_objects", "append_spikes_in_one_pass",
           "prefetch_spiking_synapses"]

#: Environment variable naming a build-cache folder; every ``cpp_standalone`` Simulation of the
#: process then uses it (a sweep sets it in each unit's process).
CACHE_ENV = "CORTEXLEARN_BUILD_CACHE"
#: Environment variable whose value is written into the cache log with each look-up.
UNIT_ENV = "CORTEXLEARN_SWEEP_UNIT"

#: Folders of a project that hold data the program reads or writes, not code.
_DATA_DIRS = ("results", "static_arrays")
#: Build products and bookkeeping files: never part of the key.
_PRODUCTS = ("main", "main.exe", "make.deps", ".lock", "winmake.log", "main.ilk", "main.pdb")
_PRODUCT_SUFFIXES = (".o", ".d", ".obj", ".lock", ".gch")
_BINARY = "main"

_toolchain: str | None = None


def _toolchain_identity() -> str:
    """Compiler, host and machine: a binary built with ``-march=native`` belongs to its host."""
    global _toolchain
    if _toolchain is None:
        cxx = os.environ.get("CXX", "g++")
        try:
            version = subprocess.run([cxx, "--version"], capture_output=True, text=True,
                                     timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            version = "unknown"
        _toolchain = "\n".join([f"cxx={cxx}", f"path={shutil.which(cxx)}", version,
                                f"host={platform.node()}", f"machine={platform.machine()}",
                                f"system={platform.system()}"])
    return _toolchain


#: Name of the precompiled header of a ``cpp_standalone`` project.
PCH_NAME = "cortexlearn_pch.h"
#: What every translation unit of a Brian2 ``cpp_standalone`` project parses before its own code:
#: the project's declarations and the standard headers its code objects include (all guarded).
_PCH_HEADERS = ('"objects.h"', '"brianlib/common_math.h"', '"brianlib/stdint_compat.h"', "<chrono>",
                "<cmath>", "<ctime>", "<iostream>", "<fstream>", "<climits>", "<random>", "<vector>")


def use_precompiled_header(directory: str) -> bool:
    """Make the generated project compile its shared headers once (a GCC precompiled header).

    Brian2 writes one C++ file per code object (30-40 for a network with a few populations and
    projections), and each spends ~0.9 of its ~1 CPU-s in parsing the same headers (``objects.h``
    and the standard library); with the headers precompiled once (~3 CPU-s) a code object takes
    0.2-0.3 CPU-s. The makefile gains a rule that builds ``cortexlearn_pch.h.gch`` with the
    project's own flags before any object, and every C++ compilation is given
    ``-include cortexlearn_pch.h``. The included headers are guarded and are included by the code
    objects anyway. On the ``brunel_2000`` project 31 of 36 object files are byte for byte those of
    the plain build, four more disassemble to the same instructions, and ``synapses_classes.o``
    gains the ``<iostream>`` start-up object that every other file already has; run with the
    same seed, the two programs write byte-identical results (all 62 result files). The whole
    project took 21.9 instead of 45.1 CPU-s (2 cores under heavy load). :func:`deps_from_compilation`,
    :func:`run_once_code_at_O1` and :func:`unity_code_objects` take it further (to ~8 CPU-s).

    Returns False (and leaves the project as it is) when the makefile is not the one expected
    (another device, a Brian2 whose makefile differs) or ``objects.h`` is absent.

    Parameters
    ----------
    directory : str
        The generated standalone project (its ``makefile``).

    Returns
    -------
    bool
        True when the project now builds with the precompiled header.
    """
    makefile = os.path.join(directory, "makefile")
    if not (os.path.exists(makefile) and os.path.exists(os.path.join(directory, "objects.h"))):
        return False
    with open(makefile) as fh:
        text = fh.read()
    rule = "%.o : %.cpp makefile\n\t$(CXX) $(CXXFLAGS) $< -o $@"
    if rule not in text or PCH_NAME in text:
        return False
    with open(os.path.join(directory, PCH_NAME), "w") as fh:
        fh.write("".join(f"#include {h}\n" for h in _PCH_HEADERS))
    text = text.replace(rule, (f"{PCH_NAME}.gch : {PCH_NAME} $(H_SRCS) makefile\n"
                               f"\t$(CXX) $(CXXFLAGS) -x c++-header {PCH_NAME} -o $@\n\n"
                               f"%.o : %.cpp makefile {PCH_NAME}.gch\n"
                               f"\t$(CXX) $(CXXFLAGS) -include {PCH_NAME} $< -o $@"))
    with open(makefile, "w") as fh:
        fh.write(text)
    return True


def _read_makefile(directory: str) -> str | None:
    """The text of a generated project's ``makefile``, or None when it cannot be read."""
    try:
        with open(os.path.join(directory, "makefile")) as fh:
            return fh.read()
    except OSError:
        return None


#: Brian2's spike queue appends a spiking source's synapses to the queue of their (common) delay
#: by growing the vector, which writes zeros, and then copying the indices over them
_QUEUE_APPEND = """                homog_queue.resize(cur_homog_queue_size+num_indices);
                int32_t * __restrict hq = &(homog_queue[cur_homog_queue_size]);
                for(int idx_indices=0; idx_indices<num_indices; idx_indices++)
                {
                    hq[idx_indices] = cur_indices[idx_indices];
                }"""


def append_spikes_in_one_pass(directory: str) -> bool:
    """Let the spike queue copy a source's synapse indices once instead of zeroing then copying.

    In a network whose spikes each reach many synapses with one delay (Brunel's SR state: 10⁷
    synapse indices per synchronous volley) that append is one of the program's larger costs,
    and it streams the queue's memory twice. Here the indices are inserted in one pass
    (``std::vector::insert``): the same queue, the same order. A ``brianlib/spikequeue.h`` of
    another form is left as it is.

    Parameters
    ----------
    directory : str
        A generated ``cpp_standalone`` project.

    Returns
    -------
    bool
        True when the queue was changed.
    """
    path = os.path.join(directory, "brianlib", "spikequeue.h")
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        return False
    if text.count(_QUEUE_APPEND) != 1:
        return False
    one_pass = ("                homog_queue.insert(homog_queue.end(), cur_indices, "
                "cur_indices + num_indices);  // one pass over the new entries")
    with open(path, "w") as fh:
        fh.write(text.replace(_QUEUE_APPEND, one_pass))
    return True


#: How many spiking synapses ahead :func:`prefetch_spiking_synapses` asks the memory for.
PREFETCH_DISTANCE = 16

_SPIKING_SYNAPSE = re.compile(r"^( *)const size_t _idx = \(\*_spiking_synapses\)\[_spiking_synapse_idx\];\n", re.M)
_PER_SYNAPSE_READ = re.compile(r"(_ptr_array_\w+)\[_idx\]")
_POSTSYNAPTIC_QUEUE = re.compile(r"_spiking_synapses = \w+_post\.peek\(\);")


def prefetch_spiking_synapses(directory: str, distance: int = PREFETCH_DISTANCE) -> list[str]:
    """Let each postsynaptic pathway ask for its synapses' variables ``distance`` synapses ahead.

    A pathway's code visits the synapses of the spikes it receives in the order the spike queue
    lists them. Numbered by source (Brian2's ``connect``, and
    :func:`cortexlearn.build.circuit.numbered_by_source`), the synapses of a presynaptic spike lie
    side by side, but those of a *postsynaptic* spike (an ``on_post`` pathway, which Brian2 names
    ``<synapses>_post``: the potentiation of STDP) are scattered over the whole projection, one
    cache miss per synapse and per variable: in a plastic Brunel network of 10⁴ neurons that
    pathway was half of the program's time. The loop's iterations are independent, so the
    addresses of a later synapse are known early: a software prefetch (``__builtin_prefetch``;
    GCC and Clang, other compilers skip it) of every per-synapse array the loop reads lets
    those misses overlap. Nothing else changes: the same operations in the same order.
    Presynaptic pathways, whose synapses the hardware prefetcher already streams, are left as
    they are (a prefetch there only costs).

    Parameters
    ----------
    directory : str
        A generated ``cpp_standalone`` project.
    distance : int
        Synapses ahead.

    Returns
    -------
    list of str
        The code objects changed (file names under ``code_objects/``).
    """
    folder = os.path.join(directory, "code_objects")
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    changed = []
    for name in names:
        if not name.endswith(".cpp"):
            continue
        path = os.path.join(folder, name)
        with open(path) as fh:
            text = fh.read()
        if (len(_SPIKING_SYNAPSE.findall(text)) != 1 or "__builtin_prefetch" in text
                or not _POSTSYNAPTIC_QUEUE.search(text)):
            continue
        match = _SPIKING_SYNAPSE.search(text)
        arrays = list(dict.fromkeys(_PER_SYNAPSE_READ.findall(text[match.start():])))
        if not arrays:
            continue
        pad = match.group(1)
        block = "".join(["#if defined(__GNUC__) || defined(__clang__)\n",
                         f"{pad}if (_spiking_synapse_idx + {distance} < _num_spiking_synapses)\n",
                         f"{pad}{{\n",
                         f"{pad}    const size_t _ahead = (*_spiking_synapses)[_spiking_synapse_idx + {distance}];\n",
                         *(f"{pad}    __builtin_prefetch(&{a}[_ahead]);\n" for a in arrays),
                         f"{pad}}}\n",
                         "#endif\n"])
        with open(path, "w") as fh:
            fh.write(text[:match.start()] + block + text[match.start():])
        changed.append(name)
    return changed


_DEPS_RULE = "make.deps: $(SRCS) $(H_SRCS)\n\t$(CXX) $(CXXFLAGS) -MM $(SRCS) > make.deps"


def deps_from_compilation(directory: str) -> bool:
    """Let the compiler write the header dependencies while it compiles (``-MMD``).

    Brian2's makefile builds ``make.deps`` (which objects to rebuild when a header changes) with a
    separate ``$(CXX) -MM`` pass over every source file: it preprocesses all of them once more,
    2.6 of ~21 CPU-s of the ``brunel_2000`` project's first build. With ``-MMD`` each compilation
    writes its object's dependencies (``X.d`` beside ``X.o``) as a by-product, and ``make.deps``
    becomes their concatenation, written after the objects, so later builds in the same folder
    rebuild exactly what they rebuilt before. The object files themselves are unchanged (``-MMD``
    only adds an output).

    Apply after :func:`use_precompiled_header` (whose object rule it extends). Returns False and
    leaves the project as it is when the makefile is not the one expected.

    Parameters
    ----------
    directory : str
        The generated standalone project (its ``makefile``).

    Returns
    -------
    bool
        True when the makefile was changed.
    """
    makefile = os.path.join(directory, "makefile")
    rule = f"%.o : %.cpp makefile {PCH_NAME}.gch\n\t$(CXX) $(CXXFLAGS) -include {PCH_NAME} $< -o $@"
    text = _read_makefile(directory)
    if text is None or rule not in text or _DEPS_RULE not in text:
        return False
    text = text.replace(_DEPS_RULE, "make.deps: $(OBJS)\n\tcat $(OBJS:.o=.d) > make.deps")
    text = text.replace(rule, rule.replace("$(CXXFLAGS) -include", "$(CXXFLAGS) -MMD -include"))
    with open(makefile, "w") as fh:
        fh.write(text)
    return True


#: Object files of a ``cpp_standalone`` project whose code runs once per run of the program (array
#: set-up and file input/output, the main program, connectivity drawing, spike-queue preparation),
#: as opposed to the code objects called every time step and ``network.cpp``'s time-step loop.
_RUN_ONCE = re.compile(r"^(objects|main|run|synapses_classes|brianlib/spikequeue"
                       r"|code_objects/(before_run_|after_run_)\w+"
                       r"|code_objects/\w+_synapses_create_(array|generator)_codeobject)\.o$")


def run_once_code_at_O1(directory: str) -> list[str]:
    """Compile the code a program runs only once per run at ``-O1`` instead of ``-O3``.

    Compiling ``objects.cpp`` (array declarations, loading and writing every array) takes 3.4
    CPU-s at ``-O3`` and 2.4 at ``-O1``; connectivity drawing and spike-queue preparation,
    which run once before the first time step, are cheaper to compile at ``-O1`` too. The code
    called every time step (state updates, thresholds, resets, spike propagation, monitors) and
    ``network.cpp``'s loop keep the project's flags. All other flags (``-ffast-math``,
    ``-march=native``, ...) are unchanged, and the precompiled header built at ``-O3`` stays
    valid at ``-O1`` (GCC accepts it: both define ``__OPTIMIZE__``).

    Only for programs that run once per process: a resident program (``resident=True``,
    closed loop) draws connectivity and reads and writes its arrays again on every re-run, so its
    project should not be changed.

    Parameters
    ----------
    directory : str
        The generated standalone project (its ``makefile``).

    Returns
    -------
    list of str
        The object files now compiled at ``-O1`` (empty when the makefile has no ``-O3`` in its
        ``OPTIMISATIONS`` or no such objects, and then it is left as it is).
    """
    makefile = os.path.join(directory, "makefile")
    text = _read_makefile(directory)
    if text is None:
        return []
    srcs = re.search(r"^SRCS = (.*)$", text, re.M)
    opts = re.search(r"^OPTIMISATIONS = (.*)$", text, re.M)
    if srcs is None or opts is None or "-O3" not in opts.group(1).split() or "RUN_ONCE_OBJS" in text:
        return []
    objects = [name[:-4] + ".o" for name in srcs.group(1).split() if name.endswith(".cpp")]
    run_once = [obj for obj in objects if _RUN_ONCE.match(obj)]
    if not run_once:
        return []
    flags = " ".join("-O1" if flag == "-O3" else flag for flag in opts.group(1).split())
    text = text.replace(opts.group(0), opts.group(0) + "\nRUN_ONCE_OBJS = " + " ".join(run_once)
                        + "\n$(RUN_ONCE_OBJS) : private OPTIMISATIONS = " + flags, 1)
    with open(makefile, "w") as fh:
        fh.write(text)
    return run_once


_INCLUDE = re.compile(r"^\s*#\s*include\b.*$", re.M)
_DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)", re.M)
_HEADER_LINE = re.compile(r"^(#ifndef \w+|#define \w+|#endif|void (\w+)\(\);|)$")
#: Name of the files that compile a group of code objects as one translation unit.
UNITY_PREFIX = "cortexlearn_unity_"


def _unit_source(directory: str, source: str, index: int):
    """One code object as a part of a unity file: ``(includes, text)``, or None if it is not of the
    form expected (its header declares only ``void f();`` functions, all of them defined in it;
    its ``#include`` lines come before its code)."""
    try:
        with open(os.path.join(directory, source)) as fh:
            code = fh.read()
        with open(os.path.join(directory, source[:-4] + ".h")) as fh:
            header = fh.read()
    except OSError:
        return None
    functions = []
    for line in header.splitlines():
        match = _HEADER_LINE.match(line.strip())
        if match is None:
            return None
        if match.group(2):
            functions.append(match.group(2))
    includes = _INCLUDE.findall(code)
    first_code = re.search(r"^[^#\s/].*$", code, re.M)
    if not functions or (first_code is not None and includes
                         and code.rfind(includes[-1]) > first_code.start()):
        return None
    if any(not re.search(rf"^void {f}\(\)\s*$", code, re.M) for f in functions):
        return None
    body = _INCLUDE.sub("", code)
    macros = sorted(set(_DEFINE.findall(body)))
    space = f"_cortexlearn_unit_{index}"
    text = "".join(f'#pragma push_macro("{m}")\n' for m in macros)
    text += f"// {source}\nnamespace {space} {{\n{body}\n}}  // namespace {space}\n"
    text += "".join(f'#pragma pop_macro("{m}")\n' for m in macros)
    text += "".join(f"void {f}() {{ {space}::{f}(); }}\n" for f in functions)
    return [line.strip() for line in includes], text


def unity_code_objects(directory: str) -> list[str]:
    """Compile the code objects of a project as one or two translation units (a unity build).

    With the precompiled header (:func:`use_precompiled_header`) a code object compiles in
    0.2-0.4 CPU-s, ~0.18 of which is loading the header (48 MB for ``brunel_2000``): loading it
    once for all code objects saves most of that. Each code object's text (its ``#include``
    lines moved to the top of the unity file) is placed in a namespace of its own, so that the
    helpers every code object defines in its anonymous namespace (``_brian_mod``, ``_rand``, ...)
    do not clash; the macros it defines are saved and restored around it
    (``#pragma push_macro``); and the functions its header declares (``_run_X``,
    ``_before_run_X``, ...) are defined at global scope as calls of its own. The code of each
    function is unchanged.

    Code objects compiled at ``-O1`` (:func:`run_once_code_at_O1`, apply it first) form one unity
    file, the others another, so every function keeps its optimisation level.

    Returns an empty list and leaves the project as it is when any code object is not of the
    expected form (a header with more than ``void f();`` declarations, ``#include`` lines after
    code) or the makefile not the one expected.

    Parameters
    ----------
    directory : str
        The generated standalone project (its ``makefile``).

    Returns
    -------
    list of str
        The unity source files written (relative to ``directory``).
    """
    makefile = os.path.join(directory, "makefile")
    text = _read_makefile(directory)
    if text is None:
        return []
    srcs = re.search(r"^SRCS = (.*)$", text, re.M)
    if srcs is None or PCH_NAME not in text or UNITY_PREFIX in text:
        return []
    sources = srcs.group(1).split()
    code_objects = [s for s in sources if s.startswith("code_objects/") and s.endswith(".cpp")]
    once = re.search(r"^RUN_ONCE_OBJS = (.*)$", text, re.M)
    once_objs = set(once.group(1).split()) if once else set()
    groups = {"once": [s for s in code_objects if s[:-4] + ".o" in once_objs],
              "step": [s for s in code_objects if s[:-4] + ".o" not in once_objs]}
    units, index = {}, 0
    for name, members in groups.items():
        if len(members) < 2:
            continue
        includes, parts = [], []
        for source in members:
            part = _unit_source(directory, source, index)
            if part is None:
                return []
            index += 1
            includes += [i for i in part[0] if i not in includes]
            parts.append(part[1])
        units[name] = (members, "\n".join(includes) + "\n\n" + "\n".join(parts))
    if not units:
        return []
    written = []
    for name, (members, content) in units.items():
        unity = f"{UNITY_PREFIX}{name}.cpp"
        path = os.path.join(directory, unity)
        try:
            with open(path) as fh:
                unchanged = fh.read() == content
        except OSError:
            unchanged = False
        if not unchanged:  # rewritten only when changed: make then keeps an up-to-date object
            with open(path, "w") as fh:
                fh.write(content)
        sources = [s for s in sources if s not in members] + [unity]
        if name == "once":
            once_objs = (once_objs - {s[:-4] + ".o" for s in members}) | {unity[:-4] + ".o"}
        written.append(unity)
    text = text.replace(srcs.group(0), "SRCS = " + " ".join(sources), 1)
    if once is not None:
        text = text.replace(once.group(0), "RUN_ONCE_OBJS = " + " ".join(sorted(once_objs)), 1)
    with open(makefile, "w") as fh:
        fh.write(text)
    return written


def project_key(directory: str) -> str:
    """SHA-256 of a generated standalone project's sources, compiler and host.

    Everything under ``directory`` counts except the data folders (``static_arrays/``,
    ``results/``) and build products (object files, the binary, ``make.deps``, locks).

    Parameters
    ----------
    directory : str
        A project written by Brian2's ``device.build(..., compile=False)``.

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    digest = hashlib.sha256(_toolchain_identity().encode())
    directory = os.path.abspath(directory)
    for root, dirs, files in os.walk(directory):
        rel_root = os.path.relpath(root, directory)
        dirs[:] = sorted(d for d in dirs if not (rel_root == "." and d in _DATA_DIRS))
        for name in sorted(files):
            if name in _PRODUCTS or name.endswith(_PRODUCT_SUFFIXES):
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                content = fh.read()
            rel = os.path.normpath(os.path.join(rel_root, name))
            if rel == "main.cpp":
                content = canonical_main(content)
            digest.update(f"\0{rel}\0{len(content)}\0".encode())
            digest.update(content)
    return digest.hexdigest()


_CLOCK_START = re.compile(rb"^\s*_array_(\w*clock\w*)_(timestep|t)\[0\] = [^;]+;\s*$")


def canonical_main(content: bytes) -> bytes:
    """``main.cpp`` with each run of clock start-up lines in sorted order.

    Before every ``run()`` Brian2 writes ``_array_<clock>_timestep[0] = ...;`` and
    ``_array_<clock>_t[0] = ...;`` for each clock of the network, iterating over a set of clock
    objects: the order follows their memory addresses and changes from process to process. Such
    lines assign distinct variables, so any order is the same program; sorting each run of them
    (when no variable appears twice in it) gives every process the same key.

    Parameters
    ----------
    content : bytes
        The generated ``main.cpp``.

    Returns
    -------
    bytes
        The same program with the clock lines in a canonical order.
    """
    lines = content.split(b"\n")
    out, block = [], []

    def flush():
        targets = [_CLOCK_START.match(line).group(1, 2) for line in block]
        out.extend(sorted(block) if len(set(targets)) == len(targets) else block)
        block.clear()

    for line in lines:
        if _CLOCK_START.match(line):
            block.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return b"\n".join(out)


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _KeyLock:
    """An exclusive ``flock`` on ``CACHE/KEY.lock``, waited for (a compilation may hold it)."""

    def __init__(self, path: str, timeout: float):
        self.path, self.timeout, self._fh = path, timeout, None

    def __enter__(self) -> bool:
        fh = open(self.path, "a+")
        deadline = time.time() + self.timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fh = fh
                return True
            except BlockingIOError:
                if time.time() > deadline:
                    fh.close()
                    return False
                time.sleep(0.2)

    def __exit__(self, *exc):
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
        return False


class BuildCache:
    """A folder of compiled standalone binaries keyed by their projects' sources.

    Parameters
    ----------
    folder : str
        Where entries live (one per key: ``KEY/main`` and ``KEY/entry.json``). Use one folder per
        host, or a folder on local disk: the key holds the host name, so a shared folder is safe
        but only re-used by the host that built each entry.
    lock_timeout : float
        Seconds to wait for another process compiling the same key; after that the project is
        compiled without the cache.
    """

    def __init__(self, folder: str, lock_timeout: float = 3600.0):
        self.folder = os.path.abspath(os.path.expanduser(folder))
        self.lock_timeout = float(lock_timeout)

    def __repr__(self):
        return f"BuildCache({self.folder!r})"

    def entry(self, key: str) -> str:
        """The cache folder of one key.

        Parameters
        ----------
        key : str
            A project key (:func:`project_key`).

        Returns
        -------
        str
        """
        return os.path.join(self.folder, key[:32])

    def lookup(self, key: str) -> str | None:
        """The cached binary for ``key``, or None when absent, for another key or damaged.

        Parameters
        ----------
        key : str
            A project key.

        Returns
        -------
        str or None
            Path of the binary.
        """
        folder = self.entry(key)
        try:
            with open(os.path.join(folder, "entry.json")) as fh:
                meta = json.load(fh)
        except (OSError, ValueError):
            return None
        binary = os.path.join(folder, _BINARY)
        if meta.get("key") != key or not os.path.isfile(binary):
            return None
        if _sha256_file(binary) != meta.get("binary_sha256"):
            return None
        return binary

    def store(self, key: str, directory: str, build_time: float) -> None:
        """Copy the binary compiled in ``directory`` into the entry for ``key`` (atomically).

        Parameters
        ----------
        key : str
            The project key.
        directory : str
            The build folder holding ``main``.
        build_time : float
            Seconds the compilation took (recorded).
        """
        tmp = os.path.join(self.folder, f".tmp-{uuid.uuid4().hex}")
        os.makedirs(tmp)
        try:
            shutil.copyfile(os.path.join(directory, _BINARY), os.path.join(tmp, _BINARY))
            os.chmod(os.path.join(tmp, _BINARY), 0o755)
            meta = {"key": key, "binary_sha256": _sha256_file(os.path.join(tmp, _BINARY)),
                    "build_time_s": round(build_time, 3), "host": platform.node(),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "built_in": os.path.abspath(directory)}
            with open(os.path.join(tmp, "entry.json"), "w") as fh:
                json.dump(meta, fh, indent=1)
            final = self.entry(key)
            if os.path.isdir(final):  # a damaged entry: replace it
                shutil.rmtree(final, ignore_errors=True)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def compile(self, directory: str, compile_fn: Callable[[], None]) -> bool:
        """Provide ``directory/main`` for the project generated in ``directory``.

        Parameters
        ----------
        directory : str
            The build folder, with its generated sources.
        compile_fn : callable
            Compiles the project when no cached binary fits.

        Returns
        -------
        bool
            True when a cached binary was re-used, False when ``compile_fn`` compiled it.
        """
        os.makedirs(self.folder, exist_ok=True)
        start = time.time()
        key = project_key(directory)
        hit = False
        with _KeyLock(self.entry(key) + ".lock", self.lock_timeout) as locked:
            binary = self.lookup(key)
            if binary is not None:
                target = os.path.join(directory, _BINARY)
                tmp = f"{target}.tmp-{uuid.uuid4().hex[:8]}"
                shutil.copyfile(binary, tmp)
                os.chmod(tmp, 0o755)
                os.replace(tmp, target)
                hit = True
            else:
                t0 = time.time()
                compile_fn()
                if locked:
                    self.store(key, directory, time.time() - t0)
        self._log({"key": key[:32], "hit": hit, "seconds": round(time.time() - start, 3),
                   "directory": os.path.abspath(directory), "unit": os.environ.get(UNIT_ENV),
                   "pid": os.getpid(), "time": time.time()})
        return hit

    def _log(self, record: dict) -> None:
        line = json.dumps(record) + "\n"
        fd = os.open(os.path.join(self.folder, "log.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def read_log(folder: str, offset: int = 0) -> tuple[list[dict], int]:
    """Records of a cache's ``log.jsonl`` from byte ``offset`` on.

    Parameters
    ----------
    folder : str
        The cache folder.
    offset : int, optional
        Byte offset to start reading at (the value a previous call returned).

    Returns
    -------
    records : list of dict
        One per complete line (a partly written last line is left for the next call).
    offset : int
        The offset after the records read.
    """
    path = os.path.join(folder, "log.jsonl")
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n") + 1  # a line still being written is left for the next read
    records = []
    for line in data[:end].splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    return records, offset + end

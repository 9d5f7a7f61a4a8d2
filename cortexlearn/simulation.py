"""One object that chooses the code-generation target and owns everything global about a run.

A :class:`Simulation` is a context manager. Inside it, Brian2 objects are created (by the builders)
for the chosen target; on leaving it, every Brian2 preference, the device and ``defaultclock.dt``
are back to what they were, so notebooks can mix targets freely::

    with Simulation(target="cpp_standalone", seed=3) as sim:
        built = build(circuit)
        info = sim.run(built.network, 1 * second)
        counts = built.spike_monitors["E"].count[:]
        info2 = sim.rerun(seed=4)            # standalone: same binary, new seed, no recompile

A build cache (``Simulation(..., build_cache=FOLDER)`` or ``$CORTEXLEARN_BUILD_CACHE``) lets
another ``cpp_standalone`` Simulation whose generated code is identical, e.g. the same model with
another seed, in another process, re-use the compiled program instead of compiling it again
(:mod:`cortexlearn.buildcache`).

Targets: ``numpy`` and ``cython`` (runtime code generation), ``cpp_standalone`` (a C++ program,
built once into a unique directory that this object locks) and ``cuda_standalone`` (brian2cuda,
when it imports and a GPU is present).
"""

from __future__ import annotations

import dataclasses
import fcntl
import functools
import gc
import glob
import os
import shutil
import sys
import tempfile
import time
import uuid
from typing import Any

import numpy as np
from brian2 import defaultclock, ms, prefs, second
from brian2.core.network import Network
from brian2.core.operations import NetworkOperation
from brian2.devices.device import all_devices, get_device, reset_device, set_device
from brian2.units.fundamentalunits import Quantity

from .buildcache import (CACHE_ENV, BuildCache, append_spikes_in_one_pass, deps_from_compilation,
                         prefetch_spiking_synapses, run_once_code_at_O1, unity_code_objects, use_precompiled_header)
from .errors import DiskSpaceError, LockedError, NonFiniteError, SpecError, TargetError, UnitError
from .pipes import after_program_run
from .specs import check_weights, dale_synapses
from .units import as_quantity

__all__ = ["Simulation", "RunInfo", "TARGETS", "available_targets", "STANDALONE_TARGETS"]

TARGETS = ("numpy", "cython", "cpp_standalone", "cuda_standalone")
STANDALONE_TARGETS = ("cpp_standalone", "cuda_standalone")
#: Free space needed before a standalone build starts (a build takes ~20-100 MB).
MIN_FREE_BYTES = 200 * 1024 * 1024
_SEED_ENV = "CORTEXLEARN_SEED"


def _cuda_unavailable_reason() -> str | None:
    try:
        import brian2cuda  # noqa: F401
    except Exception as exc:  # pragma: no cover - depends on the machine
        return f"brian2cuda does not import ({exc.__class__.__name__}: {exc})"
    if shutil.which("nvcc") is None and not os.environ.get("CUDA_PATH"):
        return "no CUDA compiler (nvcc) found"
    if shutil.which("nvidia-smi") is None:
        return "no NVIDIA driver (nvidia-smi) found"
    return None


def _cuda_has_curand() -> bool:
    """True when cuRAND's header sits in a CUDA installation or a ``CPATH`` folder."""
    roots = [os.environ.get("CUDA_PATH", ""), "/usr/local/cuda"]
    nvcc = shutil.which("nvcc")
    if nvcc:
        roots.append(os.path.dirname(os.path.dirname(os.path.realpath(nvcc))))
    include_dirs = [os.path.join(r, "include") for r in roots if r]
    include_dirs += [d for d in os.environ.get("CPATH", "").split(os.pathsep) if d]
    return any(os.path.exists(os.path.join(d, "curand.h")) for d in include_dirs)


def _pip_curand() -> tuple[str, str, str] | None:
    """(include folder, library folder, library file) of a pip-installed cuRAND, or None."""
    for base in sys.path:
        for sub in ("nvidia/cu13", "nvidia/curand", "nvidia/cu12"):
            include = os.path.join(base or ".", sub, "include")
            if not os.path.exists(os.path.join(include, "curand.h")):
                continue
            for libdir in (os.path.join(base or ".", sub, "lib"), os.path.join(base or ".", sub, "lib64")):
                libs = sorted(glob.glob(os.path.join(libdir, "libcurand.so*")), key=len)
                if libs:
                    return include, libdir, libs[0]
    return None


def cuda_build_preferences(directory: str) -> dict[str, Any]:
    """Brian2 preferences that let brian2cuda 1.0b1 build with the CUDA found here.

    CUDA >= 13 ships Thrust, CUB and libcu++ that refuse to compile below C++17, while
    brian2cuda's makefile asks nvcc and the host compiler for C++11: nvcc keeps the last
    ``-std`` it is given, so ``-std=c++17`` goes last (every CUDA >= 11 accepts it). Where CUDA
    comes as pip packages without cuRAND in its include folder, the ``nvidia`` package's cuRAND is
    named; it ships only ``libcurand.so.N``, so a ``libcurand.so`` link is made in
    ``directory/cuda_libs`` for brian2cuda's ``-lcurand``.

    Parameters
    ----------
    directory : str
        The build folder.

    Returns
    -------
    dict
        The preferences to set (the caller saves and restores the old values).
    """
    import brian2cuda  # noqa: F401  (registers the devices.cuda_standalone preferences)

    nvcc_key = "devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc"
    gcc_key = "codegen.cpp.extra_compile_args_gcc"
    nvcc_args = [a for a in prefs[nvcc_key] if not a.startswith("-std=")] + ["-std=c++17"]
    gcc_args = ["-std=c++17" if a in ("-std=c++11", "-std=c++14") else a for a in prefs[gcc_key]]
    out: dict[str, Any] = {nvcc_key: nvcc_args, gcc_key: gcc_args}
    out.update(_curand_preferences(directory, None if _cuda_has_curand() else _pip_curand()))
    return out


def _curand_preferences(directory: str, found: tuple[str, str, str] | None) -> dict[str, Any]:
    """Include, link and run-time folders for a pip-installed cuRAND ``found`` (none if None);
    makes the ``libcurand.so`` link in ``directory/cuda_libs`` when the package lacks it."""
    if found is None:
        return {}
    include, libdir, libfile = found
    linkdir = libdir
    if os.path.basename(libfile) != "libcurand.so":
        linkdir = os.path.join(directory, "cuda_libs")
        os.makedirs(linkdir, exist_ok=True)
        link = os.path.join(linkdir, "libcurand.so")
        if not os.path.lexists(link):
            os.symlink(libfile, link)
    return {"codegen.cpp.include_dirs": list(prefs["codegen.cpp.include_dirs"]) + [include],
            "codegen.cpp.library_dirs": list(prefs["codegen.cpp.library_dirs"]) + [linkdir],
            "codegen.cpp.runtime_library_dirs": list(prefs["codegen.cpp.runtime_library_dirs"]) + [libdir]}


def available_targets() -> dict[str, str | None]:
    """Map each target to ``None`` when usable here, else to the reason it is not."""
    return {"numpy": None, "cython": None, "cpp_standalone": None,
            "cuda_standalone": _cuda_unavailable_reason()}


def _patch_with_precompiled_header(patch, directory):
    """``patch`` (if any), the one-pass spike queue and the postsynaptic prefetch of
    :mod:`cortexlearn.buildcache`, then its first-build savings.

    :func:`~cortexlearn.buildcache.use_precompiled_header` and
    :func:`~cortexlearn.buildcache.deps_from_compilation` always;
    :func:`~cortexlearn.buildcache.run_once_code_at_O1` and
    :func:`~cortexlearn.buildcache.unity_code_objects` only without ``patch`` (a resident or
    closed-loop program runs its set-up code again on every re-run, so it keeps ``-O3``, and its
    edited code objects keep their own files).
    """
    if patch is not None:
        patch(directory)
    append_spikes_in_one_pass(directory)
    prefetch_spiking_synapses(directory)
    if use_precompiled_header(directory):
        deps_from_compilation(directory)
        if patch is None:
            run_once_code_at_O1(directory)
            unity_code_objects(directory)


@dataclasses.dataclass(frozen=True)
class RunInfo:
    """What happened in one :meth:`Simulation.run` or :meth:`Simulation.rerun`.

    Attributes
    ----------
    status : str
        ``"complete"`` or ``"interrupted"`` (Ctrl-C / a Jupyter interrupt stops Brian2 early
        without an exception; this is how it is detected).
    completed_fraction : float
        Fraction of the requested biological time that was simulated.
    wall_time : float
        Seconds of wall-clock time for the simulation itself (standalone: the binary's run).
    build_time : float
        Seconds spent generating and compiling code (0 for a re-run).
    build_reused : bool or None
        True when the build copied a binary from the build cache instead of compiling, False when
        it compiled into the cache, None without a cache (or for a re-run).
    """

    status: str
    completed_fraction: float
    wall_time: float
    build_time: float = 0.0
    build_reused: bool | None = None

    @property
    def complete(self) -> bool:
        """True when the whole requested time was simulated."""
        return self.status == "complete"


class _DirectoryLock:
    """An exclusive ``flock`` on ``directory/.lock`` that names the holder's process id."""

    def __init__(self, directory: str):
        self.directory = directory
        self._fh = None

    def acquire(self):
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, ".lock")
        for _ in range(10):
            fh = open(path, "a+")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "unknown"
                fh.close()
                raise LockedError(f"{self.directory} is locked by a live run (process {holder}); "
                                  "use another directory or wait for that run to finish") from None
            try:  # the holder may have removed the file between our open and our lock
                same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            fh.close()
        else:  # pragma: no cover - a lock file replaced ten times in a row
            raise LockedError(f"{self.directory}: its lock file keeps changing; another run is starting")
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self, remove: bool = False):
        """Release the lock; ``remove`` deletes the lock file first (a finished results folder
        keeps no trace of the lock)."""
        if self._fh is not None:
            if remove:
                try:
                    os.unlink(os.path.join(self.directory, ".lock"))
                except OSError:
                    pass
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _default_build_root() -> str:
    return os.environ.get("CORTEXLEARN_BUILD_ROOT",
                          os.path.join(tempfile.gettempdir(), "cortexlearn-builds"))


class Simulation:
    """Target, seed, time step and build directory of a run, chosen in one place.

    Parameters
    ----------
    target : str
        ``"numpy"``, ``"cython"``, ``"cpp_standalone"`` or ``"cuda_standalone"``.
    seed : int or None
        Seed of Brian2's random number generators. On standalone targets the seed is read by the
        compiled program at start-up, so :meth:`rerun` can change it without recompiling.
    dt : Quantity
        Integration time step of ``defaultclock`` (default 0.1 ms).
    directory : str, optional
        Build directory for standalone targets. By default a new, unique directory under
        ``$CORTEXLEARN_BUILD_ROOT`` (or the system's temporary folder), removed on exit.
        Either way the directory is locked while the simulation is alive.
    threads : int
        OpenMP threads for ``cpp_standalone``. On small machines one thread is faster
        (measured on 2 cores: 0.47-1.0x), hence the default 1.
    float_dtype : numpy dtype
        ``float64`` (default) or ``float32``.
    progress : bool
        Show progress (tqdm on runtime targets, Brian2's text report on standalone targets).
    keep_build : bool
        Keep an automatically created build directory after exit (for inspection).
    build_cache : str, False or None
        Folder of compiled programs shared by runs whose generated code is identical
        (:class:`~cortexlearn.buildcache.BuildCache`): the first such run compiles, later ones copy
        its binary. ``None`` (default) takes ``$CORTEXLEARN_BUILD_CACHE`` when set; ``False`` turns
        it off. Only ``cpp_standalone`` uses it; elsewhere it is ignored.
    results_in_memory : bool
        Standalone targets: keep the program's result files in a folder of the memory file
        system (``/dev/shm``; a link ``results`` in the build directory points there), removed on
        exit. Writing every array at the end of a run is most of a short re-run's cost on a disk
        (COBA, 1,000 neurons, 50 ms: 7-22 ms of a 22-32 ms program, ~2 ms in memory). Off by
        default: a recording larger than the free memory would fail there. Ignored where
        ``/dev/shm`` is missing.
    resident : bool
        ``cpp_standalone``: keep the compiled program running between :meth:`rerun` calls
        (:mod:`cortexlearn.resident`): a re-run then re-draws and runs in the same process,
        with no program start, and writes a result file only when Python reads that variable
        (COBA, 1,000 neurons, 50 ms: see ``benchmarks/README.md``). Results equal a fresh
        process's; one run of one network.
    """

    def __init__(self, target: str = "numpy", seed: int | None = 0, dt=0.1 * ms,
                 directory: str | None = None, threads: int = 1, float_dtype=np.float64,
                 progress: bool = False, keep_build: bool = False, build_cache=None,
                 results_in_memory: bool = False, resident: bool = False):
        if target not in TARGETS:
            raise TargetError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
        if target == "cuda_standalone":
            reason = _cuda_unavailable_reason()
            if reason is not None:
                raise TargetError(f"cuda_standalone is not available here: {reason}")
        as_quantity(dt, second, "dt")
        if not (float(dt) > 0 and np.isfinite(float(dt))):
            raise SpecError(f"dt must be > 0 and finite, got {dt!r}")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise SpecError(f"seed must be a non-negative integer or None, got {seed!r}")
        if not isinstance(threads, (int, np.integer)) or threads < 1:
            raise SpecError(f"threads must be a positive integer, got {threads!r}")
        if np.dtype(float_dtype) not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise SpecError(f"float_dtype must be float64 or float32, got {float_dtype!r}")
        self.target = target
        self.seed = None if seed is None else int(seed)
        self.dt = dt
        self.threads = int(threads)
        self.float_dtype = np.dtype(float_dtype).type
        self.progress = progress
        self.keep_build = keep_build
        self.results_in_memory = bool(results_in_memory)
        if resident and target != "cpp_standalone":
            raise TargetError(f"resident=True keeps a cpp_standalone program running; not on {target}")
        self.resident = bool(resident)
        self._resident = None
        self._memory_results: str | None = None
        if build_cache is None:
            build_cache = os.environ.get(CACHE_ENV) or False
        if build_cache is not False and not isinstance(build_cache, (str, os.PathLike)):
            raise SpecError(f"build_cache must be a folder, False or None, got {build_cache!r}")
        self.build_cache = (BuildCache(os.fspath(build_cache))
                            if build_cache and target == "cpp_standalone" else None)
        #: True when the last build re-used a cached binary (None before a build, or without a cache)
        self.build_reused: bool | None = None
        self._given_directory = directory
        self.directory: str | None = None
        self._lock: _DirectoryLock | None = None
        self._saved: dict[str, Any] = {}
        self._active = False
        self._built = False
        self._pending: list[tuple[Network, Quantity]] = []
        self._first_run_args: dict | None = None
        self._first_deferred: list = []
        self._built_and_run = False
        #: names of the Synapses whose ``w`` is a Dale magnitude (see :func:`dale_synapses`)
        self._dale: set[str] = set()
        self.build_time = 0.0

    # ------------------------------------------------------------------ context management
    @property
    def standalone(self) -> bool:
        """True on a standalone target (cpp or cuda)."""
        return self.target in STANDALONE_TARGETS

    def __enter__(self) -> "Simulation":
        if self._active:
            raise RuntimeError("this Simulation is already active")
        self._saved = {}
        try:
            return self._enter()
        except BaseException:
            # leave nothing half-set: preferences, dt and the directory lock go back
            for key, value in self._saved.items():
                if key != "dt":
                    prefs[key] = value
            if "dt" in self._saved:
                defaultclock.dt = self._saved["dt"]
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            raise

    def _enter(self) -> "Simulation":
        if self._active:
            raise RuntimeError("this Simulation is already active")
        if get_device() is not all_devices["runtime"] and get_device().__class__.__name__ != "RuntimeDevice":
            raise TargetError("another standalone simulation is active in this process; "
                              "leave its `with Simulation(...)` block first")
        self._saved = {
            "codegen.target": prefs["codegen.target"],
            "core.default_float_dtype": prefs["core.default_float_dtype"],
            "devices.cpp_standalone.openmp_threads": prefs["devices.cpp_standalone.openmp_threads"],
            "dt": defaultclock.dt,
        }
        prefs["core.default_float_dtype"] = self.float_dtype
        if self.standalone:
            root = self._given_directory or _default_build_root()
            parent = os.path.dirname(os.path.abspath(root)) if self._given_directory else root
            os.makedirs(parent, exist_ok=True)
            free = shutil.disk_usage(parent).free
            if free < MIN_FREE_BYTES:
                raise DiskSpaceError(f"only {free / 2**20:.0f} MiB free under {parent}; a standalone "
                                     f"build needs about {MIN_FREE_BYTES / 2**20:.0f} MiB")
            if self._given_directory:
                self.directory = os.path.abspath(self._given_directory)
            else:
                self.directory = os.path.join(root, f"{self.target}-{os.getpid()}-{uuid.uuid4().hex[:12]}")
            self._lock = _DirectoryLock(self.directory)
            self._lock.acquire()
            prefs["devices.cpp_standalone.openmp_threads"] = self.threads if self.threads > 1 else 0
            # Brian2 numbers the code objects of a name still alive ("..._codeobject_1"): collect
            # the previous run's garbage so that the same network generates the same code
            gc.collect()
            if self.target == "cuda_standalone":  # pragma: no cover - needs a GPU
                for key, value in cuda_build_preferences(self.directory).items():
                    self._saved.setdefault(key, prefs[key])
                    prefs[key] = value
            set_device(self.target, build_on_run=False)
            get_device().reinit()
            get_device().activate(build_on_run=False)
            if self.target == "cpp_standalone":
                self._insert_seed_code()
            elif self.seed is not None:  # pragma: no cover - needs a GPU
                # brian2cuda seeds its own generator buffer: the seed is compiled in there
                from brian2 import seed as brian_seed
                brian_seed(self.seed)
        else:
            prefs["codegen.target"] = self.target
            if self.seed is not None:
                from brian2 import seed as brian_seed
                brian_seed(self.seed)
        defaultclock.dt = self.dt
        self._active = True
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def close(self):
        """Restore Brian2's device, preferences and ``dt``; release and clean the build directory."""
        if not self._active:
            return
        self._active = False
        try:
            if self._resident is not None:
                self._resident.close()
                self._resident = None
            if self.standalone:
                get_device().reinit()
                reset_device("runtime")
                get_device().activate()
        finally:
            for key, value in self._saved.items():
                if key != "dt":
                    prefs[key] = value
            defaultclock.dt = self._saved["dt"]
            if self._lock is not None:
                self._lock.release()
                self._lock = None
            if (self.standalone and not self.keep_build and not self._given_directory
                    and self.directory and os.path.isdir(self.directory)):
                shutil.rmtree(self.directory, ignore_errors=True)
            if self._memory_results:
                shutil.rmtree(self._memory_results, ignore_errors=True)
                link = os.path.join(self.directory or "", "results")
                if os.path.islink(link):
                    os.unlink(link)
                self._memory_results = None

    def _insert_seed_code(self):
        n_gen = max(self.threads, 1)
        code = ""
        if sys.platform.startswith("linux"):
            # the program dies with the process that started it: a SIGKILLed Python leaves no
            # orphan program running on (Linux, prctl(2) PR_SET_PDEATHSIG)
            get_device().headers.append("<sys/prctl.h>")
            code += "prctl(PR_SET_PDEATHSIG, SIGKILL);\n"
        code += (
            "{\n"
            f"    const char* _cl_seed = std::getenv(\"{_SEED_ENV}\");\n"
            "    if (_cl_seed != NULL) {\n"
            "        unsigned long _cl_s = std::strtoul(_cl_seed, NULL, 10);\n"
            f"        for (int _i = 0; _i < {n_gen}; _i++) brian::_random_generators[_i].seed(_cl_s + _i);\n"
            "    }\n"
            "}\n"
        )
        get_device().insert_code("main", code)

    def _require_active(self):
        if not self._active:
            raise RuntimeError("use the Simulation as a context manager: `with Simulation(...) as sim:`")

    # ------------------------------------------------------------------ running
    def run(self, network: Network, duration, namespace: dict | None = None,
            report_period=10 * second, build: bool = True, run_args: dict | None = None) -> RunInfo | None:
        """Simulate ``network`` for ``duration``.

        On standalone targets the run is queued; with ``build=True`` (default) the program is
        generated, compiled into this simulation's directory and executed, after which monitors
        can be read. Pass ``build=False`` to queue several runs and build on the last one.

        ``run_args`` (``{group.variable: value}``, as for :meth:`rerun`) set values when the
        program starts instead of compiling them in: the values written in the script are only
        placeholders, so runs that differ only in these values generate the same code and share
        one build through the build cache. Use it for ``(shared, constant)`` parameters a sweep
        changes. On runtime targets the values are simply assigned before the run; on standalone
        targets they apply to the program's first queued run (given with any of the queued calls).

        Parameters
        ----------
        network : brian2.Network
            The network.
        duration : Quantity
            Biological time.
        namespace : dict, optional
            Explicit namespace of the run.
        report_period : Quantity, optional
            Interval of progress reports.
        build : bool, optional
            Build and run now (standalone).
        run_args : dict, optional
            Values set at start-up (see above).

        Returns
        -------
        RunInfo or None
            None for a run queued with ``build=False``.

        Raises
        ------
        TargetError
            If the network holds a ``network_operation`` on a standalone target (Brian2 drops it
            silently there).
        """
        self._require_active()
        as_quantity(duration, second, "duration")
        if not (float(duration) > 0 and np.isfinite(float(duration))):
            raise SpecError(f"duration must be > 0 and finite, got {duration!r}")
        self._dale |= dale_synapses(network)
        deferred = self._check_run_args(run_args)
        if self.standalone:
            ops = [obj.name for obj in network.objects if isinstance(obj, NetworkOperation)]
            if ops:
                raise TargetError(
                    f"network_operation {', '.join(ops)} cannot run on {self.target} (Brian2 drops it "
                    "silently). Write the operation as equations: `run_regularly` on a group, summed "
                    "variables, or a TimedArray; or use the numpy/cython target.")
            if self._built:
                raise TargetError("this standalone program is already built; use rerun(), "
                                  "or a new Simulation for a different network")
        ns = dict(namespace or {})
        start = time.time()
        if not self.standalone:
            for key, value in (run_args or {}).items():
                if not hasattr(key, "set_item"):
                    raise TargetError(f"run_args key {key!r}: on {self.target} only group variables "
                                      "(group.name) can be set this way; give a TimedArray its values "
                                      "when creating it")
                key.set_item(slice(None), value)
            self._check_deferred(deferred)
            t0 = float(network.t)
            report = self._tqdm_report() if self.progress else None
            network.run(duration, namespace=ns, report=report, report_period=report_period)
            fraction = (float(network.t) - t0) / float(duration)
            return RunInfo(self._status(fraction), fraction, time.time() - start)
        network.run(duration, namespace=ns, report="text" if self.progress else None,
                    report_period=report_period)
        self._pending.append((network, duration))
        if run_args:
            self._first_run_args = run_args
            self._first_deferred = deferred
        if not build:
            return None
        return self._build_and_run()

    def _build_and_run(self) -> RunInfo:
        if self.resident:
            from .resident import resident_patch

            self._build(patch=resident_patch(get_device(), [net for net, _ in self._pending]))
        else:
            self._build()
        info = self.rerun(run_args=self._first_run_args, seed=self.seed, _checked=self._first_deferred)
        return dataclasses.replace(info, build_time=self.build_time, build_reused=self.build_reused)

    def _build(self, patch=None):
        """Generate and compile the queued runs; ``patch(directory)`` may edit the generated
        sources first (the closed-loop mode's trial loop)."""
        device = get_device()
        start = time.time()
        if self.target == "cpp_standalone":  # shared headers compiled once per build
            patch = functools.partial(_patch_with_precompiled_header, patch)
        link = os.path.join(self.directory, "results")
        if self.results_in_memory and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) \
                and not os.path.lexists(link):
            self._memory_results = tempfile.mkdtemp(prefix="cortexlearn-results-", dir="/dev/shm")
            os.symlink(self._memory_results, link)
        if self.build_cache is None and patch is None:
            device.build(directory=self.directory, compile=True, run=False, with_output=False)
        else:
            from brian2.codegen.cpp_prefs import get_compiler_and_args

            device.build(directory=self.directory, compile=False, run=False, with_output=False)
            if patch is not None:
                patch(self.directory)
            compiler = get_compiler_and_args()[0]
            compile_ = lambda: device.compile_source(self.directory, compiler, False, False)  # noqa: E731
            if self.build_cache is None:
                compile_()
            else:
                self.build_reused = self.build_cache.compile(self.directory, compile_)
        self.build_time = time.time() - start
        self._built = True

    def closed_loop(self, network: Network, trial, n_trials: int, read=(), namespace: dict | None = None,
                    spin: float = 2e-3):
        """Run ``network`` trial by trial with Python between trials.

        On ``cpp_standalone`` one resident compiled program, on runtime targets one ``run()`` per
        trial (:class:`cortexlearn.closedloop.ClosedLoop`).

        Parameters
        ----------
        network : brian2.Network
            The network.
        trial : Quantity
            Duration of one trial.
        n_trials : int
            Trials in the session.
        read : sequence of group variables, optional
            Read back after every step.
        namespace : dict, optional
            Explicit namespace.
        spin : float, optional
            Seconds the program polls its pipe without sleeping.

        Returns
        -------
        ClosedLoop
            A context manager.
        """
        from .closedloop import ClosedLoop

        return ClosedLoop(self, network, trial, n_trials, read=read, namespace=namespace, spin=spin)

    def rerun(self, run_args: dict | None = None, seed: int | None = None, _checked=None) -> RunInfo:
        """Run the compiled program again without recompiling (standalone targets only).

        Parameters
        ----------
        run_args : dict
            New values for ``(shared, constant)`` parameters, state variables, synaptic weights
            (``{synapses.w: array}``) or ``TimedArray`` values, as in Brian2's ``device.run``.
        seed : int, optional
            New seed for the random number generators (default: this simulation's seed).

        Every ``run_args`` value is checked before the program starts (:meth:`_check_run_args`):
        dimensions, finiteness, one value or one per element, and Dale's law (``w >= 0``) for the
        synapses of a circuit built from specs. A per-synapse array whose length the program
        only knows once it ran (the first run) is checked right after it: a wrong length raises
        instead of silently leaving the compiled-in weights in place.

        Raises
        ------
        SpecError, UnitError, DaleViolation
            A ``run_args`` value of the wrong size, dimensions or sign, or not finite; a negative
            or non-integer seed.
        """
        self._require_active()
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise SpecError(f"seed must be a non-negative integer, got {seed!r}")
        deferred = self._check_run_args(run_args) if _checked is None else _checked
        if not self.standalone:
            raise TargetError(f"rerun() needs a standalone target; on {self.target} build a new "
                              "network (runtime targets have no compiled program to re-run)")
        if not self._built:
            raise TargetError("nothing is built yet: call run() first")
        device = get_device()
        if self.target != "cpp_standalone" and seed is not None and seed != self.seed:
            raise TargetError(f"on {self.target} the seed is compiled into the program; build a new "
                              "Simulation to change it")
        seed = self.seed if seed is None else seed
        if self.resident:
            info = self._rerun_resident(run_args or {}, seed)
            self._check_deferred(deferred)
            return info
        # The seed reaches the program through its environment. Brian2 copies the device's
        # variables into this process's environment for good (and logs each change), so the seed
        # is set here for the one run and the previous environment restored after it: a later
        # run without a seed never inherits this one.
        device.run_environment_variables.pop(_SEED_ENV, None)
        previous = os.environ.pop(_SEED_ENV, None)
        if seed is not None and self.target == "cpp_standalone":
            os.environ[_SEED_ENV] = str(int(seed))
        device._last_run_completed_fraction = 0.0
        start = time.time()
        try:
            device.run(directory=self.directory, with_output=self.progress, run_args=run_args or {})
        finally:
            os.environ.pop(_SEED_ENV, None)
            if previous is not None:
                os.environ[_SEED_ENV] = previous
        wall = time.time() - start
        fraction = float(getattr(device, "_last_run_completed_fraction", 1.0))
        self._check_deferred(deferred)
        return RunInfo(self._status(fraction), fraction, wall)

    # ------------------------------------------------------------------ run_args
    def _check_run_args(self, run_args: dict | None) -> list:
        """Check every ``run_args`` value (the same rules as a spec's weights, see
        :func:`cortexlearn.specs.check_weights`); returns the per-synapse arrays whose expected
        length is known only after the program ran, as ``(key, size)`` pairs."""
        from brian2.units.fundamentalunits import DimensionMismatchError, fail_for_dimension_mismatch

        deferred = []
        for key, value in (run_args or {}).items():
            if hasattr(key, "values") and hasattr(key, "dt") and not hasattr(key, "variable"):
                label = f"run_args TimedArray {getattr(key, 'name', key)}"
                if not np.all(np.isfinite(np.asarray(value, dtype=float))):
                    raise SpecError(f"{label}: values must be finite (found NaN or inf)")
                try:
                    fail_for_dimension_mismatch(key.dim, value)
                except DimensionMismatchError:
                    raise UnitError(f"{label}: values must have the dimensions of the TimedArray "
                                    f"({key.dim}), got {value!r}"[:300]) from None
                continue
            if not (hasattr(key, "variable") and hasattr(key, "group_name")):
                continue  # Brian2 names the wrong key itself
            label = f"run_args {key.group_name}.{key.name}"
            try:
                fail_for_dimension_mismatch(key.dim, value)
            except DimensionMismatchError:
                raise UnitError(f"{label}: must have the dimensions of {key.group_name}.{key.name} "
                                f"({key.dim if key.dim is not None else 'dimensionless'})") from None
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise SpecError(f"{label}: values must be numbers") from None
            if key.group_name in self._dale and key.name == "w":
                check_weights(value, label)
            elif not np.all(np.isfinite(arr)):
                bad = ~np.isfinite(arr)
                raise SpecError(f"{label}: values must be finite; {int(bad.sum())} of {arr.size} are "
                                "NaN or infinite")
            if arr.size <= 1:
                continue
            if arr.ndim != 1:
                raise SpecError(f"{label}: give one value or a 1-D array, got shape {arr.shape}")
            size = self._size_of(key)
            if size is None:
                deferred.append((key, arr.size))
            elif arr.size != size:
                raise SpecError(f"{label}: {arr.size} values for {size} elements; give one value or "
                                f"exactly {size}")
        return deferred

    def _size_of(self, key):
        """Number of elements of a variable, or None where the program has not told yet."""
        if not key.variable.dynamic:
            return int(key.variable.size)
        if self.standalone and not self._built_and_run:
            return None
        try:
            return int(len(key.group))
        except Exception:
            return None

    def _check_deferred(self, deferred):
        self._built_and_run = True
        for key, given in deferred or ():
            size = self._size_of(key)
            if size is not None and size != given:
                raise SpecError(f"run_args {key.group_name}.{key.name}: {given} values for {size} "
                                f"synapses; the program ran with its compiled-in values instead, so "
                                "this run is not what was asked for. Give one value or exactly "
                                f"{size}")

    def _rerun_resident(self, run_args: dict, seed: int | None) -> RunInfo:
        from .resident import ResidentProgram

        device = get_device()
        lines, names = [], set()
        for key, value in run_args.items():
            if hasattr(key, "variable") and hasattr(key, "group_name"):
                name, text, file_name, values = device._prepare_variableview_run_arg(key, value)
            elif hasattr(key, "values") and hasattr(key, "dt"):
                name, text, file_name, values = device._prepare_timed_array_run_arg(key, value)
            else:
                raise TargetError(f"run_args key {key!r}: give group variables (group.name) or TimedArrays")
            if file_name:
                path = os.path.join(self.directory, "static_arrays", file_name)
                if not os.path.exists(path):
                    values.tofile(path)
            lines.append(f"set {name} {text}")
            names.add(name)
        if self._resident is None:
            results = os.path.join(os.path.abspath(os.path.join(self.directory, "results")), "")
            os.makedirs(results, exist_ok=True)
            device.results_dir = results
            env = dict(os.environ)
            env.update(device.run_environment_variables)
            env.pop(_SEED_ENV, None)
            self._resident = ResidentProgram(self.directory, results, env)
            self._resident.attach(device)
        wall = self._resident.run(lines, seed)
        fraction = after_program_run(device, names)
        return RunInfo(self._status(fraction), fraction, wall)

    @staticmethod
    def _status(fraction: float) -> str:
        return "complete" if fraction >= 1.0 - 1e-9 else "interrupted"

    @staticmethod
    def _tqdm_report():
        from tqdm.auto import tqdm

        bar = {}

        def report(elapsed, completed, start, duration):
            if "bar" not in bar:
                bar["bar"] = tqdm(total=float(duration), unit="s(bio)", leave=False)
            b = bar["bar"]
            b.update(float(completed) * float(duration) - b.n)
            if completed >= 1.0:
                b.close()

        return report

    # ------------------------------------------------------------------ checks
    @staticmethod
    def check_finite(*objects, variables: tuple[str, ...] | None = None):
        """Raise :class:`NonFiniteError` naming the first object and variable holding NaN or inf.

        Checks every float state variable of each group or synapse object (or only ``variables``).
        Call it after each chunk of a long run: Brian2 warns about NaN only once per message.

        Parameters
        ----------
        *objects : Group
            Neuron groups or synapses.
        variables : tuple of str, optional
            Only these variables.
        """
        for obj in objects:
            names = variables or [name for name, var in obj.variables.items()
                                  if getattr(var, "owner", None) is not None
                                  and getattr(var.owner, "name", None) == obj.name
                                  and not getattr(var, "read_only", False)
                                  and getattr(var, "dtype", None) is not None
                                  and np.issubdtype(var.dtype, np.floating)
                                  and not getattr(var, "scalar", False)
                                  and var.__class__.__name__ in ("ArrayVariable", "DynamicArrayVariable")]
            for name in names:
                values = np.asarray(obj.variables[name].get_value())
                bad = ~np.isfinite(values)
                if np.any(bad):
                    raise NonFiniteError(f"{obj.name}.{name} is not finite at {int(bad.sum())} of "
                                         f"{values.size} elements (first at index {int(np.argmax(bad))})")

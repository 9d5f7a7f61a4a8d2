"""Closed-loop mode: a network run trial by trial, with Python between trials.

Some tasks need Python between trials: an environment that answers the network's action, a
stimulus chosen from the last response, an adaptive curriculum. The usual way, one ``run()`` per
trial, pays Brian2's per-run set-up (and on runtime targets a Python loop over time steps) at every
trial. :class:`ClosedLoop` keeps the whole session in *one* compiled ``cpp_standalone`` program
that stays resident: after each trial it sends the variables named in ``read`` to Python and waits
for the values to set before the next trial. Learning still lives in the network's equations;
Python only reads and writes state between trials::

    with Simulation(target="cpp_standalone", seed=1) as sim:
        built = ...                                        # any network
        with sim.closed_loop(built.network, 50 * ms, n_trials=200,
                             read=[outputs.count]) as loop:
            for k in range(200):
                out = loop.step()                          # runs one trial
                rates = policy(out["outputs.count"])       # Python between trials
                loop.set(inputs.rate, rates)               # applies before the next trial
        curve = monitor.err[:]                             # monitors read as after sim.run()

On ``numpy`` and ``cython`` targets the same object runs one ``Network.run()`` per trial (with
``gc.freeze()`` after the first, so Brian2's collection per run scans only new objects); values
and results are the same as on ``cpp_standalone`` for deterministic networks.

Protocol of the resident program (two pipes, inherited file descriptors): Python writes text
lines ``set GROUP.VAR VALUE`` (a number, or a file of raw values, as Brian2's ``run_args``),
``run`` or ``run SECONDS``, and ``stop``; after each run the program writes, for each read
variable, its length (uint64) and its raw values.
"""

from __future__ import annotations

import gc
import os
import re
import select
import struct
import subprocess
import tempfile
import time
from typing import Any

import numpy as np
from brian2 import second
from brian2.devices.device import get_device

from .errors import SpecError, TargetError
from .pipes import CPP_INCLUDES, after_program_run, cpp_line_reader, write_all
from .units import as_quantity

__all__ = ["ClosedLoop"]

_CMD_ENV, _OUT_ENV, _SPIN_ENV = "CORTEXLEARN_LOOP_CMD", "CORTEXLEARN_LOOP_OUT", "CORTEXLEARN_LOOP_SPIN"
_INCLUDES = CPP_INCLUDES + "#include <cstdio>\n#include <cstdint>\n"


def _view_key(view) -> str:
    group = getattr(view, "group_name", None)
    name = getattr(view, "name", None)
    if group is None or name is None or not hasattr(view, "variable"):
        raise SpecError(f"{view!r} is not a group variable (pass e.g. `group.v`, not a value)")
    return f"{group}.{name}"


class ClosedLoop:
    """A network run trial by trial with Python between trials (see the module docstring).

    Parameters
    ----------
    sim : Simulation
        An active simulation (``numpy``, ``cython`` or ``cpp_standalone``); on ``cpp_standalone``
        nothing may be built yet.
    network : Network
    trial : Quantity
        Duration of one trial (a step may ask for another duration).
    n_trials : int
        Most steps the session will take (the resident program's loop bound).
    read : sequence of group variables, e.g. ``[outputs.count, syn.w]``
        Sent to Python after every step, as ``{"group.var": array}`` (SI values, no units).
    namespace : dict, optional
        As for :meth:`Simulation.run`.
    spin : float
        Seconds each side of the exchange polls without sleeping before it blocks
        (``cpp_standalone``; default 2 ms). A process that sleeps while it waits wakes up tens to
        hundreds of microseconds after the other side is done, as long as a short trial itself;
        polling costs CPU time on the other core, so set 0 on a crowded machine.

    Attributes
    ----------
    steps : int
        Steps run so far.
    step_time : float
        Wall time (s) of all :meth:`step` calls so far: the trials and the exchange with Python.
    """

    def __init__(self, sim, network, trial, n_trials: int, read=(), namespace: dict | None = None,
                 spin: float = 2e-3):
        sim._require_active()
        as_quantity(trial, second, "trial")
        if not float(trial) > 0:
            raise SpecError(f"trial must be > 0, got {trial!r}")
        if not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
            raise SpecError(f"n_trials must be a positive integer, got {n_trials!r}")
        if not spin >= 0:
            raise SpecError(f"spin must be >= 0 seconds, got {spin!r}")
        self.sim, self.network, self.trial, self.n_trials = sim, network, trial, int(n_trials)
        self.spin = float(spin)
        self.namespace = dict(namespace or {})
        self._read = [(_view_key(v), v) for v in read]
        self._pending: dict[str, Any] = {}
        self._set_names: set[str] = set()  # what Python cached for these is stale after the run
        self.steps, self.step_time = 0, 0.0
        self._proc = None
        self._closed = False
        if sim.standalone:
            if sim.target != "cpp_standalone":
                raise TargetError(f"closed-loop mode runs on cpp_standalone and the runtime targets, "
                                  f"not on {sim.target}")
            if sim.resident:
                raise TargetError("closed-loop mode runs its own loop; use a Simulation without resident=True")
            if sim._built:
                raise TargetError("this standalone program is already built; closed-loop mode needs "
                                  "a new Simulation")
            self._start_program()
        else:
            self._frozen = False

    # ------------------------------------------------------------------ public
    def set(self, view, value) -> None:
        """Give ``view`` a value before the next step.

        Parameters
        ----------
        view : VariableView
            A group variable, e.g. ``inputs.rate``.
        value : Quantity or array_like
            A scalar or one value per element, in the variable's units (checked).
        """
        from brian2.units.fundamentalunits import fail_for_dimension_mismatch

        key = _view_key(view)
        fail_for_dimension_mismatch(view.dim, value, f"value for {key}")
        arr = np.asarray(value, dtype=view.variable.dtype)
        if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
            raise SpecError(f"{key}: values must be finite (got NaN or inf)")
        if arr.size != 1:
            size = None if view.variable.dynamic else int(view.variable.size)
            if arr.ndim != 1 or (size is not None and arr.size != size):
                raise SpecError(f"{key} holds {size} values, got an array of shape {arr.shape}")
        self._pending[key] = (view, arr)
        self._set_names.add(key)

    def step(self, duration=None) -> dict[str, np.ndarray]:
        """Apply the values given with :meth:`set`, run one trial (or ``duration``), read back.

        Parameters
        ----------
        duration : Quantity, optional
            Length of this step (default: one trial).

        Returns
        -------
        dict of str to ndarray
            The read variables, ``{"group.var": array}``.
        """
        if self._closed:
            raise RuntimeError("this closed loop is closed")
        if self.steps >= self.n_trials:
            raise SpecError(f"the session has {self.n_trials} trials; all have run")
        length = self.trial if duration is None else duration
        as_quantity(length, second, "duration")
        if not float(length) > 0:
            raise SpecError(f"duration must be > 0, got {length!r}")
        start = time.perf_counter()
        out = self._step_standalone(duration) if self._proc is not None else self._step_runtime(length)
        self.step_time += time.perf_counter() - start
        self.steps += 1
        return out

    def close(self) -> None:
        """End the session (early if fewer than ``n_trials`` steps ran); on ``cpp_standalone``
        the program writes its results, after which monitors and variables can be read."""
        if self._closed:
            return
        self._closed = True
        if self._proc is not None:
            self._finish_program()
        elif self._frozen:
            gc.unfreeze()

    def __enter__(self) -> "ClosedLoop":
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and self._proc is not None and not self._closed:
            self._proc.kill()
            self._proc.wait()
            self._release()
            return None
        self.close()
        return None

    # ------------------------------------------------------------------ runtime targets
    def _step_runtime(self, length) -> dict[str, np.ndarray]:
        for key, (view, arr) in self._pending.items():
            view.variable.set_value(arr if arr.size != 1 else arr.item())
        self._pending.clear()
        self.network.run(length, namespace=self.namespace)
        if not self._frozen:
            gc.freeze()  # everything alive now is long-lived
            self._frozen = True
        return {key: np.array(view.variable.get_value(), copy=True) for key, view in self._read}

    # ------------------------------------------------------------------ cpp_standalone
    def _start_program(self):
        sim, device = self.sim, get_device()
        self._t_start, self._elapsed = float(self.network.t_), 0.0
        sim.run(self.network, self.trial, namespace=self.namespace, build=False)
        self._dtypes, sends = [], []
        for key, view in self._read:
            var = view.variable
            if getattr(var, "ndim", 1) != 1:
                raise SpecError(f"{key} is not a one-dimensional variable (read monitors after close())")
            if var.dynamic:
                name = device.get_array_name(var, access_data=False)
                sends.append(f"_cl_send_array(brian::{name}.data(), brian::{name}.size(), "
                             f"sizeof(brian::{name}[0]));")
            else:
                name = device.get_array_name(var)
                sends.append(f"_cl_send_array(brian::{name}, (size_t){int(var.size)}, sizeof(brian::{name}[0]));")
            self._dtypes.append(np.dtype(var.dtype))
        net_name = self.network.name

        def patch(directory):
            path = os.path.join(directory, "main.cpp")
            with open(path) as fh:
                text = fh.read()
            runs = list(re.finditer(rf"^([ \t]*){re.escape(net_name)}\.run\(([^;]*)\);[ \t]*\n"
                                    rf"((?:[ \t]*_after_run_\w+\(\);[ \t]*\n)*)", text, flags=re.M))
            if not runs:
                raise TargetError(f"closed-loop mode: no run of {net_name} in the generated program")
            m = runs[-1]
            trial, run_args = m.group(2).split(",", 1)  # keep the report function and period
            loop = _LOOP_CODE.format(sends="\n        ".join(sends), n=self.n_trials, net=net_name,
                                     trial=trial, run_args=run_args, after=m.group(3),
                                     reader=cpp_line_reader("_cl_line", "_cl_cmd", "_cl_buf", "_cl_spin"))
            text = _INCLUDES + text[:m.start()] + loop + text[m.end():]
            with open(path, "w") as fh:
                fh.write(text)

        sim._build(patch=patch)
        device.results_dir = os.path.join(os.path.abspath(os.path.join(sim.directory, "results")), "")
        os.makedirs(device.results_dir, exist_ok=True)
        self._files = tempfile.mkdtemp(prefix="closed-loop-", dir=sim.directory)
        cmd_r, cmd_w = os.pipe()
        out_r, out_w = os.pipe()
        env = dict(os.environ)
        env.update(device.run_environment_variables)
        if sim.seed is not None:
            env["CORTEXLEARN_SEED"] = str(int(sim.seed))
        env[_CMD_ENV], env[_OUT_ENV], env[_SPIN_ENV] = str(cmd_r), str(out_w), repr(self.spin)
        self._log = open(os.path.join(self._files, "stdout.txt"), "w")
        self._proc = subprocess.Popen(["./main", "--results_dir", device.results_dir], cwd=sim.directory,
                                      env=env, pass_fds=(cmd_r, out_w), stdout=self._log,
                                      stderr=subprocess.STDOUT)
        os.close(cmd_r)
        os.close(out_w)
        self._cmd, self._out = cmd_w, out_r
        os.set_blocking(out_r, False)
        self._received = bytearray()

    def _step_standalone(self, duration) -> dict[str, np.ndarray]:
        lines = []
        for k, (key, (view, arr)) in enumerate(self._pending.items()):
            if arr.size == 1:
                lines.append(f"set {key} {arr.item()!r}")
            else:
                path = os.path.join(self._files, f"v{k}.dat")
                arr.tofile(path)
                lines.append(f"set {key} {path}")
        self._pending.clear()
        lines.append("run" if duration is None else f"run {float(duration)!r}")
        self._elapsed += float(self.trial if duration is None else duration)
        try:
            self._send("\n".join(lines) + "\n")
        except BrokenPipeError:
            self._failed("stopped before the step")
        out = {}
        for (key, _), dtype in zip(self._read, self._dtypes):
            (n,) = struct.unpack("=Q", self._receive(8, "during the step"))
            data = self._receive(n * dtype.itemsize, "while sending its variables")
            out[key] = np.frombuffer(data, dtype=dtype).copy()
        self._receive(8, "during the step")  # the end of the step's message
        return out

    def _send(self, text: str):
        write_all(self._cmd, text.encode())

    def _receive(self, n: int, when: str) -> bytes:
        """``n`` bytes from the program: poll for ``spin`` seconds, then block in select()."""
        buf, since = self._received, None
        while len(buf) < n:
            try:
                chunk = os.read(self._out, 1 << 20)
            except BlockingIOError:
                now = time.perf_counter()
                if since is None:
                    since = now
                elif now - since > self.spin:
                    select.select([self._out], [], [])
                continue
            if not chunk:
                self._failed(f"stopped {when}")
            buf += chunk
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def _release(self):
        self._closed = True
        for fd in (self._cmd, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()

    def _failed(self, when: str):
        self._proc.wait()
        self._release()
        with open(self._log.name) as fh:
            tail = fh.read()[-2000:]
        raise RuntimeError(f"the closed-loop program {when} (exit status {self._proc.returncode}):\n{tail}")

    def _finish_program(self):
        try:
            self._send("stop\n")
        except BrokenPipeError:
            pass
        rc = self._proc.wait()
        self._release()
        if rc != 0:
            with open(self._log.name) as fh:
                tail = fh.read()[-2000:]
            raise RuntimeError(f"the closed-loop program failed (exit status {rc}):\n{tail}")
        after_program_run(get_device(), self._set_names)
        self.network.t_ = self._t_start + self._elapsed  # the queued run claimed one trial


#: the trial loop that replaces the generated program's run of the network. Waiting for Python,
#: the program polls its command pipe without sleeping for up to CORTEXLEARN_LOOP_SPIN seconds
#: (:func:`cortexlearn.pipes.cpp_line_reader`).
_LOOP_CODE = """\
    // closed-loop mode: commands from Python between runs, read variables back after each
    const int _cl_cmd = std::atoi(std::getenv("CORTEXLEARN_LOOP_CMD"));
    FILE* _cl_out = fdopen(std::atoi(std::getenv("CORTEXLEARN_LOOP_OUT")), "w");
    const double _cl_spin = std::atof(std::getenv("CORTEXLEARN_LOOP_SPIN"));
{reader}    double _cl_duration = 0.0;
    auto _cl_in = [&]() -> bool {{
        std::string _s;
        while (_cl_line(_s)) {{
            if (_s == "stop") return false;
            if (_s.rfind("run", 0) == 0) {{
                _cl_duration = _s.size() > 4 ? std::atof(_s.c_str() + 4) : -1.0;
                return true;
            }}
            if (_s.rfind("set ", 0) == 0) {{
                const size_t _sp = _s.find(' ', 4);
                brian::set_variable_by_name(_s.substr(4, _sp - 4), _s.substr(_sp + 1));
            }}
        }}
        return false;
    }};
    auto _cl_send_array = [&](const void* _data, size_t _n, size_t _size) {{
        const uint64_t _n64 = _n;
        std::fwrite(&_n64, sizeof(_n64), 1, _cl_out);
        if (_n) std::fwrite(_data, _size, _n, _cl_out);
    }};
    for (int _cl_k = 0; _cl_k < {n}; _cl_k++) {{
        if (!_cl_in()) break;
        {net}.run(_cl_duration > 0 ? _cl_duration : {trial},{run_args});
{after}        {sends}
        _cl_send_array(nullptr, 0, 1);
        std::fflush(_cl_out);
    }}
    std::fclose(_cl_out);
"""

"""A compiled program that stays resident between re-runs (``Simulation(resident=True)``).

:meth:`Simulation.rerun` normally starts the compiled program again: the operating system loads
it, the kernel hands it fresh memory page by page, and it exits after writing its results. For a
short model in a seed sweep that is most of a re-run (COBA, 1,000 neurons, 50 ms: ~12 of ~21 ms).
A resident program instead waits on a pipe after each run; a re-run sends it the values to set and
the seed, and it runs its whole sequence again in the same process: it frees and re-allocates its
arrays (re-using the memory it already has), empties its dynamic arrays (synapses, monitors),
re-draws its initial state and connectivity with the new seed and runs. The results are those of a
fresh process with the same seed and values (tested).

Result files are written when Python reads them: after a re-run the program writes only its run
information (``last_run_info.txt``); reading a variable (``monitor.t``, ``synapses.w`` ...) asks the
program for that variable's file first. A seed sweep that reads its spike monitors thus skips
writing the rest of the state (COBA, 1,000 neurons: ~1.3 MB per re-run, mostly synapse indices
and delays). When the program stops it writes every file of its last run, as a fresh process does.

Protocol (text lines on an inherited pipe): ``set GROUP.VAR VALUE`` (as Brian2's ``run_args``;
applied where the program applies its command-line values), then ``rerun`` or ``rerun SEED``;
``write NAME`` writes the named array's result file (an unknown name, e.g. ``*``: all of them);
``stop`` writes all files of the last run (if not yet written) and ends the program. The program
answers a run with one byte on a second pipe, and a ``write`` with one byte: 1 (the named file)
or 2 (all files).
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import time

from .errors import TargetError
from .pipes import CPP_INCLUDES, cpp_line_reader, write_all

__all__ = ["resident_patch", "ResidentProgram"]

CMD_ENV, DONE_ENV = "CORTEXLEARN_RESIDENT_CMD", "CORTEXLEARN_RESIDENT_DONE"

_HEAD = """\
    // resident program: run the whole sequence again for every "rerun" command
    const int _rp_cmd = std::atoi(std::getenv("CORTEXLEARN_RESIDENT_CMD"));
    const int _rp_done = std::atoi(std::getenv("CORTEXLEARN_RESIDENT_DONE"));
    std::vector<std::pair<std::string, std::string>> _rp_sets;
    bool _rp_dirty = false;  // result files of the last run not all written
%(reader)s    auto _rp_wait = [&]() -> bool {
        std::string _s;
        _rp_sets.clear();
        while (_rp_line(_s)) {
            if (_s == "stop") {
                if (_rp_dirty) _write_arrays();
                return false;
            }
            if (_s.rfind("write ", 0) == 0) {
                const bool _all = !_rp_write_one(_s.substr(6));
                if (_all) { _write_arrays(); _rp_dirty = false; }
                const char _rp_byte = _all ? 2 : 1;
                while (write(_rp_done, &_rp_byte, 1) < 0 && errno == EINTR) {}
                continue;
            }
            if (_s.rfind("set ", 0) == 0) {
                const size_t _sp = _s.find(' ', 4);
                _rp_sets.emplace_back(_s.substr(4, _sp - 4), _s.substr(_sp + 1));
            } else if (_s.rfind("rerun", 0) == 0) {
                if (_s.size() > 6) setenv("CORTEXLEARN_SEED", _s.c_str() + 6, 1);
                else unsetenv("CORTEXLEARN_SEED");
                return true;
            }
        }
        return false;
    };
    for (int _rp_k = 0; _rp_wait(); _rp_k++) {
        if (_rp_k > 0) {
%(reset)s
        }
	brian_start();
"""

_TAIL = """\
        {
            std::ofstream _rp_info(brian::results_dir + "last_run_info.txt", std::ios::out);
            _rp_info << Network::_last_run_time << " " << Network::_last_run_completed_fraction << std::endl;
        }
        _rp_dirty = true;
        const char _rp_byte = 1;
        while (write(_rp_done, &_rp_byte, 1) < 0 && errno == EINTR) {}
    }
	_dealloc_arrays();
"""

_INCLUDES = CPP_INCLUDES + "#include <cstdlib>\n#include <fstream>\n#include <utility>\n#include <vector>\n"


def _array_symbol(device, var) -> str | None:
    """The C++ name of ``var``'s array in the generated program, or None where the program
    writes it only with all others (2-d arrays of state monitors)."""
    if var in device.dynamic_arrays_2d:
        return None
    if var in device.dynamic_arrays:
        return device.dynamic_arrays[var]
    return device.arrays.get(var)


def _writer(device) -> str:
    """C++ ``_rp_write_one(name)``: write one array's result file (false: not a known name)."""
    lines = ["static void _rp_dump(const std::string& _path, const void* _data, size_t _bytes) {",
             "    std::ofstream _out(_path, std::ios::binary | std::ios::out);",
             "    if (!_out.is_open()) std::cout << \"Error writing output file \" << _path << std::endl;",
             "    else if (_bytes) _out.write(static_cast<const char*>(_data), _bytes);",
             "}",
             "static bool _rp_write_one(const std::string& _name) {",
             "    using namespace brian;"]
    for var in sorted(device.arrays, key=lambda v: device.arrays[v]):
        symbol = _array_symbol(device, var)
        if symbol is None:
            continue
        path = f'results_dir + "{device.get_array_filename(var)}"'
        if var in device.dynamic_arrays:
            data = f"({symbol}.empty() ? nullptr : &{symbol}[0]), {symbol}.size() * sizeof({symbol}[0])"
        else:
            data = f"{symbol}, _num_{symbol} * sizeof({symbol}[0])"
        lines.append(f'    if (_name == "{symbol}") {{ _rp_dump({path}, {data}); return true; }}')
    lines += ["    return false;", "}", ""]
    return "\n".join(lines)


def resident_patch(device, networks=()):
    """A function that rewrites a build folder's generated ``main.cpp`` into a resident program.

    See the module docstring.

    Parameters
    ----------
    device : CPPStandaloneDevice
        The active ``cpp_standalone`` device.
    networks : iterable of Network, optional
        The networks run; their synaptic pathways' spike queues are emptied per run.

    Returns
    -------
    callable
        ``patch(directory)``.
    """
    from brian2 import Synapses
    dyn_vars = set(device.dynamic_arrays) | set(device.dynamic_arrays_2d)
    static = sorted({name for var, name in device.arrays.items() if var not in dyn_vars})
    dynamic = sorted(set(device.dynamic_arrays.values()))
    dynamic_2d = sorted(set(device.dynamic_arrays_2d.values()))
    reset = [f"            delete[] brian::{name};" for name in static]
    reset += [f"            brian::{name}.clear();" for name in dynamic]
    reset += [f"            brian::{name}.resize((size_t)0, (size_t)brian::{name}.m);" for name in dynamic_2d]
    pathways = sorted({p.name for net in networks for obj in net.objects if isinstance(obj, Synapses)
                       for p in obj._pathways})
    # a network's own clock: Network::run starts where the last run ended
    reset += [f"            brian::{net.name}.t = 0.0;" for net in networks]
    # spikes still in flight at the end of a run must not reach the next one
    reset += [f"            for (auto* _q : brian::{name}.queue) {{ for (auto& _v : _q->queue) _v.clear(); "
              "_q->offset = 0; }" for name in pathways]

    writer = _writer(device)

    def patch(directory: str):
        path = os.path.join(directory, "main.cpp")
        with open(path) as fh:
            text = fh.read()
        start = list(re.finditer(r"^[ \t]*brian_start\(\);[ \t]*\n", text, flags=re.M))
        end = list(re.finditer(r"^[ \t]*brian_end\(\);[ \t]*\n", text, flags=re.M))
        sets = list(re.finditer(r"^([ \t]*)set_from_command_line\(args\);[ \t]*\n", text, flags=re.M))
        if len(start) != 1 or len(end) != 1 or len(sets) != 1:
            raise TargetError("resident program: the generated main.cpp has an unexpected layout "
                              "(one run of one network is supported)")
        s, e, a = start[0], end[0], sets[0]
        apply = (f"{a.group(1)}set_from_command_line(args);\n"
                 f"{a.group(1)}for (const auto& _kv : _rp_sets) brian::set_variable_by_name(_kv.first, _kv.second);\n")
        head = _HEAD % {"reset": "\n".join(reset),
                        "reader": cpp_line_reader("_rp_line", "_rp_cmd", "_rp_buf", "2e-3")}
        text = (_INCLUDES + text[:s.start()] + head
                + text[s.end():a.start()] + apply + text[a.end():e.start()] + _TAIL + text[e.end():])
        main = list(re.finditer(r"^int main\(", text, flags=re.M))
        if len(main) != 1:
            raise TargetError("resident program: the generated main.cpp has an unexpected layout")
        text = text[:main[0].start()] + writer + text[main[0].start():]
        with open(path, "w") as fh:
            fh.write(text)

    return patch


class ResidentProgram:
    """The running resident program of a build folder (started by :meth:`start`).

    Parameters
    ----------
    directory : str
        The build folder (holding ``main``).
    results_dir : str
        Folder the program writes its results into.
    env : dict
        Environment of the program.
    """

    def __init__(self, directory: str, results_dir: str, env: dict):
        cmd_r, cmd_w = os.pipe()
        done_r, done_w = os.pipe()
        env = {**env, CMD_ENV: str(cmd_r), DONE_ENV: str(done_w)}
        self._log = open(os.path.join(results_dir, "stdout.txt"), "w")
        self.proc = subprocess.Popen(["./main", "--results_dir", results_dir], cwd=directory, env=env,
                                     pass_fds=(cmd_r, done_w), stdout=self._log, stderr=subprocess.STDOUT)
        os.close(cmd_r)
        os.close(done_w)
        self._cmd, self._done = cmd_w, done_r
        os.set_blocking(done_r, False)
        self._expected = 0.0  # wall time of the last run (s)
        self._written, self._all_written = set(), True  # result files written since the last run
        self._device = None

    def run(self, lines: list[str], seed: int | None) -> float:
        """Send ``lines`` and a re-run with ``seed``; wait for it.

        Afterwards no result file of the run is written yet (see :meth:`ensure_written`).

        Parameters
        ----------
        lines : list of str
            ``set`` commands.
        seed : int or None
            Seed of the run.

        Returns
        -------
        float
            Wall time (s).
        """
        start = time.time()
        self._send([*lines, "rerun" if seed is None else f"rerun {int(seed)}"])
        self._wait(start, self._expected)
        self._expected = time.time() - start
        self._written, self._all_written = set(), False
        return self._expected

    def ensure_written(self, device, var):
        """Have the program write ``var``'s result file of the last run (once per run).

        Parameters
        ----------
        device : CPPStandaloneDevice
            The active device.
        var : Variable
            The variable about to be read.
        """
        if self._all_written or self.proc.poll() is not None:
            return
        symbol = _array_symbol(device, var)
        if symbol is not None and symbol in self._written:
            return
        self._send([f"write {symbol or '*'}"])
        if self._wait(time.time(), 0.0) == 2:
            self._all_written = True
        else:
            self._written.add(symbol)

    def attach(self, device):
        """Route ``device``'s reads of result files through :meth:`ensure_written` (until :meth:`close`).

        Parameters
        ----------
        device : CPPStandaloneDevice
            The active device.
        """
        cls_get_value = type(device).get_value

        def get_value(var, access_data=True):
            if device.has_been_run and device.array_cache.get(var, None) is None:
                self.ensure_written(device, var)
            return cls_get_value(device, var, access_data)

        device.get_value = get_value
        self._device = device

    def _send(self, lines: list[str]):
        try:
            write_all(self._cmd, ("\n".join(lines) + "\n").encode())
        except BrokenPipeError:
            self._fail()

    def _wait(self, start: float, expected: float) -> int:
        """The program's one-byte answer. Sleeps through most of the ``expected`` time, then polls
        without sleeping (a sleeping process wakes up late), and blocks again if the answer takes
        much longer than expected."""
        while True:
            try:
                chunk = os.read(self._done, 1)
            except BlockingIOError:
                elapsed = time.time() - start
                if elapsed < 0.7 * expected:
                    select.select([self._done], [], [], 0.7 * expected - elapsed)
                elif elapsed > expected + 2e-3:
                    select.select([self._done], [], [])
                continue
            if not chunk:
                self._fail()
            return chunk[0]

    def _fail(self):
        rc = self.proc.wait()
        self.close()
        with open(self._log.name) as fh:
            tail = fh.read()[-2000:]
        raise RuntimeError(f"the resident program stopped (exit status {rc}):\n{tail}")

    def close(self):
        """Tell the program to stop (it writes the result files of its last run) and wait for it."""
        device, self._device = self._device, None
        if device is not None:
            device.__dict__.pop("get_value", None)
        if self.proc.poll() is None:
            try:
                os.write(self._cmd, b"stop\n")
            except OSError:
                pass
        for fd in (self._cmd, self._done):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung program
            self.proc.kill()
            self.proc.wait()
        if not self._log.closed:
            self._log.close()

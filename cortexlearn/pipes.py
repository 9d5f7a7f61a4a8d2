"""Pipes between Python and a resident compiled program (closed-loop mode, resident re-runs).

Both modes send text commands to a running ``cpp_standalone`` program on an inherited pipe. A
process that sleeps while it waits wakes up tens to hundreds of microseconds late on a shared
machine, as long as a short trial, so the program polls its pipe without sleeping for a while
before it blocks (:func:`cpp_line_reader`).
"""

from __future__ import annotations

import os

__all__ = ["after_program_run", "cpp_line_reader", "write_all"]

CPP_INCLUDES = ("#include <cerrno>\n#include <chrono>\n#include <string>\n#include <fcntl.h>\n"
                "#include <poll.h>\n#include <unistd.h>\n")


def cpp_line_reader(name: str, fd: str, buffer: str, spin: str) -> str:
    """C++ code (statements inside ``main``) that reads lines from a pipe.

    It makes ``fd`` non-blocking and defines the lambda ``bool name(std::string& line)``: the next
    line read from ``fd`` (without its newline), false when the pipe is closed. It polls without
    sleeping for ``spin`` seconds, then blocks in ``poll()``.

    Parameters
    ----------
    name : str
        Name of the lambda.
    fd : str
        C++ expression of the file descriptor.
    buffer : str
        Name of the ``std::string`` the reader keeps.
    spin : str
        C++ expression of the seconds to poll before blocking.

    Returns
    -------
    str
        The C++ statements.
    """
    return f"""\
    fcntl({fd}, F_SETFL, fcntl({fd}, F_GETFL) | O_NONBLOCK);
    std::string {buffer};
    auto {name} = [&](std::string& _s) -> bool {{
        const auto _waiting = std::chrono::steady_clock::now();
        for (;;) {{
            const size_t _nl = {buffer}.find('\\n');
            if (_nl != std::string::npos) {{
                _s = {buffer}.substr(0, _nl);
                {buffer}.erase(0, _nl + 1);
                while (!_s.empty() && _s.back() == '\\r') _s.pop_back();
                return true;
            }}
            char _chunk[65536];
            const ssize_t _r = read({fd}, _chunk, sizeof(_chunk));
            if (_r > 0) {{ {buffer}.append(_chunk, _r); continue; }}
            if (_r == 0) return false;  // Python closed the pipe
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
            if (std::chrono::duration<double>(std::chrono::steady_clock::now() - _waiting).count() > {spin}) {{
                struct pollfd _p = {{{fd}, POLLIN, 0}};
                poll(&_p, 1, -1);
            }}
        }}
    }};
"""


def write_all(fd: int, data: bytes):
    """Write all of ``data`` to ``fd``.

    Parameters
    ----------
    fd : int
        File descriptor of the pipe.
    data : bytes
        What to write.

    Raises
    ------
    BrokenPipeError
        When the program at the other end is gone.
    """
    while data:
        data = data[os.write(fd, data):]


def after_program_run(device, set_names=()) -> float:
    """Bookkeeping after a standalone program ran outside ``device.run``.

    For the resident and closed-loop modes, as Brian2 does in ``device.run``: results become
    readable, the values Python had cached for the variables the program was told to set and for
    the clocks are dropped, and the program's own timer is read.

    Parameters
    ----------
    device : CPPStandaloneDevice
        The active device.
    set_names : iterable of str, optional
        ``"group.var"`` names of the variables the program was told to set.

    Returns
    -------
    float
        The completed fraction of the run (1 when the program wrote no timer).
    """
    device.has_been_run = True
    names = set(set_names)
    for var in list(device.array_cache):
        try:
            if getattr(var.owner, "name", None) is not None and f"{var.owner.name}.{var.name}" in names:
                device.array_cache[var] = None
        except ReferenceError:
            pass
    for clock in device.clocks:
        device.array_cache[clock.variables["t"]] = None
    fraction = 1.0
    info = os.path.join(device.results_dir, "last_run_info.txt")
    if os.path.isfile(info):
        with open(info) as fh:
            run_time, fraction_text = fh.read().split()
        device._last_run_time, fraction = float(run_time), float(fraction_text)
        device._last_run_completed_fraction = fraction
    return fraction

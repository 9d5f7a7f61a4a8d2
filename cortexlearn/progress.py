"""Progress for runs, epochs and sweeps: widgets in notebooks, bars in terminals, lines in logs.

:func:`progress_bar` picks the right display: ``tqdm``'s notebook widget inside Jupyter (when
ipywidgets is installed), a ``tqdm`` bar on a terminal, and plain, timestamped lines when the
output goes to a file or a cluster log (where carriage-return bars turn into megabytes of noise).

Standalone targets run a compiled program that reports its own progress as text
(``0.5 s (50%) simulated in 1s, estimated 1s remaining.``); :func:`parse_brian_report` reads
such a line and :class:`ReportFollower` tails the program's output file into a bar.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time

__all__ = ["progress_bar", "LineProgress", "in_notebook", "parse_brian_report", "ReportFollower"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


class LineProgress:
    """A progress display that writes one plain line per step of ``every`` percent, for logs.

    A line is written per ``every`` percent or per ``min_interval`` seconds, whichever comes
    later. Mirrors the small part of the ``tqdm`` interface used here: ``update``, ``close``,
    ``n``, ``total``, iteration.

    Parameters
    ----------
    iterable : iterable, optional
        Iterated over, counting each item.
    total : int, optional
        Number of steps (default: the length of ``iterable``).
    desc : str, optional
        Label at the start of each line.
    unit : str, optional
        Name of a step.
    every : float, optional
        Percent between lines.
    stream : file, optional
        Default ``sys.stderr``.
    min_interval : float, optional
        Seconds at least between lines.
    """

    def __init__(self, iterable=None, total=None, desc="", unit="it", every=10.0, stream=None,
                 min_interval=1.0):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self.every, self.min_interval = every, min_interval
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.time()
        self._last_pct, self._last_time, self.closed = -1e9, -1e9, False

    def _line(self) -> str:
        elapsed = time.time() - self.start
        if self.total:
            return (f"{self.desc}: {self.n}/{self.total} {self.unit} "
                    f"({100.0 * self.n / self.total:.0f}%) in {elapsed:.1f} s")
        return f"{self.desc}: {self.n} {self.unit} in {elapsed:.1f} s"

    def update(self, n=1):
        """Count ``n`` more steps, writing a line when due.

        Parameters
        ----------
        n : int, optional
            Steps done.
        """
        self.n += n
        pct = 100.0 * self.n / self.total if self.total else self.n
        now = time.time()
        done = self.total is not None and self.n >= self.total
        if done or (pct - self._last_pct >= self.every and now - self._last_time >= self.min_interval):
            self.stream.write(self._line() + "\n")
            self.stream.flush()
            self._last_pct, self._last_time = pct, now

    def close(self):
        """Stop the display."""
        self.closed = True

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Silent:
    n, total = 0, None

    def __init__(self, iterable=None, **_):
        self.iterable = iterable

    def update(self, n=1):
        self.n += n

    def close(self):
        pass

    def __iter__(self):
        return iter(self.iterable)


def progress_bar(iterable=None, total=None, desc="", unit="it", enabled=True, stream=None):
    """A progress display for ``iterable`` (or for ``total`` manual ``update`` calls).

    Parameters
    ----------
    iterable : iterable, optional
        Wrapped and yielded from.
    total : int, optional
        Number of steps when no sized iterable is given.
    desc, unit : str
        Label and unit name.
    enabled : bool
        ``False`` returns a silent stand-in with the same methods.
    stream : file, optional
        Where plain lines go (default ``sys.stderr``); forces plain lines when given.

    Returns
    -------
    A ``tqdm`` bar (widget in notebooks) or a :class:`LineProgress`.
    """
    if not enabled:
        return _Silent(iterable)
    if stream is None and in_notebook():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm
        except ImportError:
            from tqdm.std import tqdm
        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=True)
    target = stream if stream is not None else sys.stderr
    if stream is None and hasattr(target, "isatty") and target.isatty():
        from tqdm.std import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, leave=False)
    return LineProgress(iterable, total=total, desc=desc, unit=unit, stream=target)


_REPORT = re.compile(r"([0-9.eE+-]+)\s*s\s*\((\d+)%\)\s*simulated")
_START = re.compile(r"Starting simulation at t=([0-9.eE+-]+)\s*s for duration ([0-9.eE+-]+)\s*s")


def parse_brian_report(line: str) -> dict | None:
    """Read one line of Brian2's ``report="text"`` output.

    Parameters
    ----------
    line : str
        One line of the report.

    Returns
    -------
    dict or None
        ``{"duration": s}`` for the start line, ``{"simulated": s, "fraction": f}`` for a
        progress line and ``None`` otherwise.

    Examples
    --------
    >>> parse_brian_report("0.5 s (50%) simulated in 1s, estimated 1s remaining.")
    {'simulated': 0.5, 'fraction': 0.5}
    """
    match = _START.search(line)
    if match:
        return {"start": float(match.group(1)), "duration": float(match.group(2))}
    match = _REPORT.search(line)
    if match:
        return {"simulated": float(match.group(1)), "fraction": int(match.group(2)) / 100.0}
    return None


class ReportFollower:
    """Follow a standalone program's text report (e.g. ``BUILD/results/stdout.txt``) into a bar.

    Use as a context manager around ``device.run(..., with_output=False)``::

        with ReportFollower(os.path.join(directory, "results", "stdout.txt"), desc="run"):
            device.run(directory=directory, with_output=False)

    Parameters
    ----------
    path : str
        The report file.
    desc : str, optional
        Label of the bar.
    poll : float, optional
        Seconds between reads of the file.
    enabled : bool, optional
        False shows nothing.
    """

    def __init__(self, path: str, desc: str = "simulation", poll: float = 0.2, enabled: bool = True):
        self.path, self.poll = path, poll
        self.bar = progress_bar(total=100, desc=desc, unit="%", enabled=enabled)
        self.fraction = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def _follow(self):
        offset, buffer = 0, ""
        while True:
            stopping = self._stop.is_set()
            if os.path.exists(self.path):
                with open(self.path, errors="replace") as fh:
                    fh.seek(offset)
                    buffer += fh.read()
                    offset = fh.tell()
                *lines, buffer = buffer.split("\n")
                for line in lines:
                    self.feed(line)
            if stopping:
                return
            self._stop.wait(self.poll)

    def feed(self, line: str):
        """Advance the bar from one report line.

        Parameters
        ----------
        line : str
            A line of Brian2's text report.
        """
        parsed = parse_brian_report(line)
        if parsed and "fraction" in parsed and parsed["fraction"] > self.fraction:
            step = int(round(100 * parsed["fraction"])) - int(round(100 * self.fraction))
            self.fraction = parsed["fraction"]
            if step > 0:
                self.bar.update(step)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self.bar.close()
        return False

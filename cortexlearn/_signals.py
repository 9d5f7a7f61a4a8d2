"""Importing Brian2 safely from any thread and under any SIGINT disposition.

Brian2 installs a SIGINT handler when it is imported, which (a) fails with
``ValueError: signal only works in main thread`` when the first import happens in a worker
thread (a thread pool, a Dask worker) and (b) calls the previous handler on a second Ctrl-C even
when that handler is ``SIG_IGN``/``SIG_DFL``, which are not callable (``TypeError``). This
module, imported first by :mod:`cortexlearn`, imports Brian2 so that (a) cannot happen — off
the main thread the handler is simply not installed — and mends (b): a process started with
SIGINT ignored keeps ignoring it; one with the default disposition gets Python's
``KeyboardInterrupt``.
"""

from __future__ import annotations

import signal
import sys
import threading


def _import_brian2():
    if "brian2" in sys.modules or threading.current_thread() is threading.main_thread():
        import brian2  # noqa: F401
        return
    original = signal.signal

    def only_in_main_thread(signum, handler):
        try:
            return original(signum, handler)
        except ValueError:  # not the main thread: leave the process's handler as it is
            return signal.getsignal(signum)

    signal.signal = only_in_main_thread
    try:
        import brian2  # noqa: F401
    finally:
        signal.signal = original


def _mend_interrupt_handler():
    import brian2

    handler = getattr(brian2, "_int_handler", None)
    previous = getattr(handler, "previous_handler", None)
    if handler is None or callable(previous):
        return
    if previous == signal.SIG_IGN:
        handler.previous_handler = lambda signum, frame: None
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is handler:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the process asked to ignore Ctrl-C
    else:
        handler.previous_handler = signal.default_int_handler


_import_brian2()
_mend_interrupt_handler()

"""Run the small matrix products of the reference networks on one BLAS thread.

With matrices of ~100 x 100, a multithreaded BLAS spends its time waking threads: on a loaded
2-core machine one epoch of a 40-100-100-10 MLP took 3.5 s with OpenBLAS's default threads and
0.13 s with one thread. The limit applies only inside the ``with`` block.
"""

from __future__ import annotations

import contextlib

_controller = None


@contextlib.contextmanager
def single_threaded():
    """Limit BLAS libraries to one thread for the duration of the block (no-op without
    threadpoolctl)."""
    global _controller
    try:
        import threadpoolctl
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        yield
        return
    if _controller is None:
        _controller = threadpoolctl.ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield

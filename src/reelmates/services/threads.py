"""One BLAS thread on the request path.

A request's scoring is a few small matrix products; a BLAS thread pool per product buys nothing
there and, with several requests at once on a 2-core machine, oversubscribes the cores (each
request's products spread over every core while the others wait). So the services run their
scoring under :func:`one_blas_thread`.

The BLAS thread count is a setting of the whole process, not of a thread, so the limit is shared:
the first request in sets it, the last one out restores what was there before. Training (not a
request) keeps its own settings.

Measured with OpenBLAS 0.3.31 (numpy's and scipy's wheels): a thread count set from a worker
thread is ignored once the main thread has set one. A threaded web server whose main thread never
scores is fine; one that also scores on its main thread should enter :func:`one_blas_thread` there
for its whole life (or start with ``OPENBLAS_NUM_THREADS=1``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import ThreadpoolController


class _SharedLimit:
    """The process's BLAS limit, held while any request needs it (a lock guards the count)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._controller: Any = None
        self._limiter: Any = None
        self._depth = 0

    def enter(self) -> None:
        with self._lock:
            if self._depth == 0:
                # Built once: finding the loaded BLAS libraries costs about a millisecond, the
                # limit itself microseconds. Built on first use, once numpy and scipy are loaded.
                if self._controller is None:
                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._depth += 1

    def exit(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


_SHARED = _SharedLimit()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS limited to one thread (nested and concurrent uses share it)."""
    _SHARED.enter()
    try:
        yield
    finally:
        _SHARED.exit()

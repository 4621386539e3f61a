"""One BLAS thread on the request path, shared by concurrent requests."""

from __future__ import annotations

import threading

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from reelmates.services.threads import one_blas_thread


def _blas_threads() -> set[int]:
    np.dot(np.ones(2), np.ones(2))  # numpy's BLAS is loaded
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_one_thread_inside_and_the_old_setting_after() -> None:
    with threadpool_limits(limits=2, user_api="blas"):  # as on a 2-core machine
        assert _blas_threads() == {2}
        with one_blas_thread():
            assert _blas_threads() == {1}
            with one_blas_thread():  # nested: still one
                assert _blas_threads() == {1}
            assert _blas_threads() == {1}
        assert _blas_threads() == {2}


def test_the_first_request_leaving_keeps_the_limit_for_one_still_running() -> None:
    # Two requests at once: this thread's starts first and ends first; a worker's is still
    # running. Our leaving must not restore the old setting under the worker's feet. (The limit
    # is set here, by the first one in: OpenBLAS ignores a count set from another thread once the
    # main thread has set one, so the test does not lean on that.)
    entered, left = threading.Event(), threading.Event()
    seen: dict[str, set[int]] = {}

    def worker() -> None:
        with one_blas_thread():
            entered.set()
            left.wait(timeout=10)
            seen["worker, after the first left"] = _blas_threads()

    with threadpool_limits(limits=2, user_api="blas"):  # restores whatever happens inside
        thread = threading.Thread(target=worker)
        with one_blas_thread():
            thread.start()
            assert entered.wait(timeout=10)
        left.set()
        thread.join(timeout=10)
    assert seen == {"worker, after the first left": {1}}

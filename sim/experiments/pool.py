"""Worker process pools that die with their parent's command.

``ProcessPoolExecutor``'s own shutdown waits for running tasks: on Ctrl-C or SIGTERM the
workers would finish their (possibly long) simulations as orphans. :func:`process_pool`
terminates them instead when the block is left by any exception, so an interrupted command
leaves no process behind. (Python 3.14 has ``terminate_workers``; 3.12 needs the pool's
process table.)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

#: seconds a terminated worker gets before it is killed
_GRACE = 5.0


@contextlib.contextmanager
def process_pool(workers: int, start_method: str = "spawn") -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes; on any exception its workers are stopped at once."""
    ctx = multiprocessing.get_context(start_method)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent (which stops them): no traceback from each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel queued tasks and terminate (then kill) the running workers."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(_GRACE)
            if proc.is_alive():
                proc.kill()
                proc.join(_GRACE)

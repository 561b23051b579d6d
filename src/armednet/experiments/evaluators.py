"""Evaluators: where chunks run. All of them give identical results for the same spec.

Like the EMA Workbench's evaluators they are context managers; unlike them they yield
results as chunks finish, so the runner can commit each one at once (resumability).

- :class:`SequentialEvaluator`: in this process (tests, tiny experiments, notebooks).
- :class:`LocalEvaluator`: a pool of worker processes on this machine (default: all cores).
- :class:`DaskEvaluator`: tasks on a ``dask.distributed`` cluster, or a ``LocalCluster``
  when no scheduler address is given; tasks on a lost worker are retried.

Worker processes this machine starts (the local pool, a ``LocalCluster``) end with the
process that started them:

- each watches its parent's pid (:func:`exit_with_parent`) and ends within
  :data:`WATCH_SECONDS` once the parent is gone, whether it ended normally, by ``kill -9``
  or by a crash (a worker whose parent is gone is reparented, so ``os.getppid()`` changes);
- while an evaluator is open in the main thread, SIGTERM in the parent raises
  ``SystemExit(143)`` there, so the evaluator closes: its workers are stopped at once, not
  after their current chunk, and every chunk already stored stays stored;
- local-pool workers ignore SIGINT: Ctrl+C is the parent's to handle (it stops them);
- workers stay in the parent's process group, so ``kill -- -PGID`` reaches them all.

``prctl(PR_SET_PDEATHSIG)`` is not used: Linux sends it when the *thread* that started the
worker ends, not the process, and pools start workers from whichever thread submits work
(the dashboard's lab runs in a background thread), so it would kill healthy workers.
Watching the pid is portable to every POSIX system; on Windows the watch is off (a dead
parent's pid is still reported there) and the pool's broken pipes end the workers instead.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType, TracebackType
from typing import Any, Protocol, TypeVar

__all__ = ["WATCH_SECONDS", "DaskEvaluator", "Evaluator", "LocalEvaluator",
           "SequentialEvaluator", "exit_with_parent", "make_evaluator"]

WATCH_SECONDS = 0.25
"""How often a worker checks that its parent is alive."""

_watching: list[int] = []  # the parent pid this process watches (one watch per process)
_watch_lock = threading.Lock()


def exit_with_parent(parent: int, interval: float = WATCH_SECONDS) -> None:
    """End this process (exit code 1) soon after its parent ``parent`` is gone.

    A daemon thread polls ``os.getppid()`` every ``interval`` seconds: when the parent dies
    the process is reparented and its parent pid changes. If the parent is already gone
    (it died while this process was starting), the process ends at once. Calling it again
    is a no-op. Call it only in a process that ``parent`` started.

    Parameters
    ----------
    parent : int
        The pid of the process that started this one.
    interval : float
        Seconds between checks.
    """
    if sys.platform == "win32":  # pragma: no cover - getppid() outlives the parent there
        return
    with _watch_lock:
        if _watching:
            return
        if os.getppid() != parent:
            os._exit(1)  # the parent died before this process was ready
        _watching.append(parent)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)  # the parent is gone: no one will read what this process computes

    threading.Thread(target=watch, name="armednet-exit-with-parent", daemon=True).start()


def _init_pool_worker(parent: int) -> None:
    """Initializer of a local-pool worker: Ctrl+C is the parent's; end with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent(parent)


class _Watched:
    """A task function that first makes sure its worker ends with the parent (picklable)."""

    def __init__(self, fn: Callable[[Any], Any], parent: int) -> None:
        self.fn = fn
        self.parent = parent
        self.__name__ = getattr(fn, "__name__", "task")  # names the Dask tasks

    def __call__(self, task: Any) -> Any:
        exit_with_parent(self.parent)
        return self.fn(task)


class _TermAsExit:
    """While open (main thread only): SIGTERM raises ``SystemExit(143)`` in the main thread.

    Only a default SIGTERM disposition is replaced (an application's own handler is kept),
    and the previous one is restored on exit.
    """

    def __init__(self) -> None:
        self._old: Any = None

    def __enter__(self) -> _TermAsExit:
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
            self._old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
            self._old = None

T = TypeVar("T")
R = TypeVar("R")


class Evaluator(Protocol):
    name: str

    def __enter__(self) -> Evaluator: ...

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        ...


class SequentialEvaluator:
    """Evaluate chunks one after another in this process."""

    name = "sequential"

    def __enter__(self) -> SequentialEvaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        for task in tasks:
            yield task, fn(task)


class LocalEvaluator:
    """Evaluate chunks in a pool of ``workers`` processes (default: the number of CPUs).

    Workers are started with ``spawn``, which is safe in notebooks and with threads in the
    parent (DuckDB, BLAS) where ``fork`` is not. They end with the parent (see the module
    docstring); leaving the ``with`` block on an exception (Ctrl+C, SIGTERM, an error)
    stops them at once instead of waiting for their current chunk.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: Any = None
        self._term = _TermAsExit()

    def __enter__(self) -> LocalEvaluator:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._term.__enter__()
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_pool_worker,
                                         initargs=(os.getpid(),))
        return self

    def __exit__(self, et: type[BaseException] | None = None, *exc: object) -> None:
        pool, self._pool = self._pool, None
        try:
            if pool is not None:
                if et is not None:  # interrupted or failed: do not wait for running chunks
                    for proc in list((getattr(pool, "_processes", None) or {}).values()):
                        proc.terminate()
                pool.shutdown(wait=True, cancel_futures=True)
        finally:
            self._term.__exit__()

    def submit(self, fn: Callable[[T], R], task: T) -> Any:
        """Schedule ``fn(task)`` in a worker; a :class:`concurrent.futures.Future` (for
        callers that keep their own window of tasks, as the engine's shared pool does).

        Raises
        ------
        RuntimeError
            Outside the ``with`` block (no pool).
        """
        if self._pool is None:
            raise RuntimeError("LocalEvaluator.submit outside its `with` block")
        return self._pool.submit(fn, task)

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        pending: dict[Any, T] = {}
        queue = iter(tasks)
        # Keep two tasks per worker in flight: enough to stay busy, little lost on a kill.
        for task in queue:
            pending[self._pool.submit(fn, task)] = task
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                yield task, fut.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending[self._pool.submit(fn, nxt)] = nxt


class DaskEvaluator:
    """Evaluate chunks as tasks on a ``dask.distributed`` cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``). Without it a ``LocalCluster``
        of ``workers`` single-threaded processes is started and stopped with the evaluator.
    workers : int, optional
        Workers of the local cluster.
    retries : int
        How many times a task is resubmitted after an error. A task whose worker dies is
        rescheduled by the scheduler itself (up to its ``allowed-failures``).
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 retries: int = 2) -> None:
        self.scheduler = scheduler
        self.workers = workers or os.cpu_count() or 1
        self.retries = retries
        self._client: Any = None
        self._cluster: Any = None
        self._term = _TermAsExit()

    def __enter__(self) -> DaskEvaluator:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the installation
            from armednet.errors import InputError

            raise InputError("the dask evaluator needs dask.distributed: "
                             "pip install 'armednet[dask]'") from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="10s")
            except OSError as exc:
                from armednet.errors import InputError

                raise InputError(f"cannot reach the Dask scheduler at {self.scheduler} "
                                 f"({exc})") from None
        else:
            self._term.__enter__()
            try:
                # Task errors come back through their futures; what the workers log on
                # their own is shutdown noise (heartbeats to a scheduler that is going),
                # with tracebacks a user would take for a crash: keep only the critical.
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             silence_logs=logging.CRITICAL)
                self._client = Client(self._cluster)
                # the workers started now (our children: the nannies run in this process); a
                # worker restarted later watches from its first task
                self._client.run(exit_with_parent, os.getpid())
            except BaseException:
                self.__exit__()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._client is not None:
                self._client.close()
            if self._cluster is not None:
                self._cluster.close()
        finally:
            self._client = self._cluster = None
            self._term.__exit__()

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        from distributed import as_completed

        futures = {}
        run = _Watched(fn, os.getpid()) if self._cluster is not None else fn
        for task in tasks:
            fut = self._client.submit(run, task, pure=False, retries=self.retries)
            futures[fut.key] = (fut, task)
        for fut in as_completed([f for f, _ in futures.values()]):
            yield futures[fut.key][1], fut.result()
            fut.release()


def make_evaluator(kind: str, scheduler: str | None = None,
                   workers: int | None = None) -> Evaluator:
    """Build an evaluator by name: ``sequential``, ``local`` or ``dask``."""
    if kind == "sequential":
        return SequentialEvaluator()
    if kind == "local":
        return LocalEvaluator(workers)
    if kind == "dask":
        return DaskEvaluator(scheduler, workers)
    from armednet.errors import InputError

    raise InputError(f"unknown evaluator {kind!r}; expected local, dask or sequential")

"""Evaluators: where chunks run. All of them give identical results for the same spec.

Like the EMA Workbench's evaluators they are context managers; unlike them they yield
results as chunks finish, so the runner can commit each one at once (resumability).

- :class:`SequentialEvaluator`: in this process (tests, tiny experiments, notebooks).
- :class:`LocalEvaluator`: a pool of worker processes on this machine (default: all cores).
- :class:`DaskEvaluator`: tasks on a ``dask.distributed`` cluster, or a ``LocalCluster``
  when no scheduler address is given; tasks on a lost worker are retried.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol, TypeVar

__all__ = ["DaskEvaluator", "Evaluator", "LocalEvaluator", "SequentialEvaluator",
           "make_evaluator"]

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
    parent (DuckDB, BLAS) where ``fork`` is not.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: Any = None

    def __enter__(self) -> LocalEvaluator:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

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
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                         processes=True, dashboard_address=None)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[tuple[T, R]]:
        from distributed import as_completed

        futures = {}
        for task in tasks:
            fut = self._client.submit(fn, task, pure=False, retries=self.retries)
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

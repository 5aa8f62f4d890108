"""Where the work runs: in this process, in worker processes on this machine
(``--workers N``), or on a Dask cluster (``--scheduler ADDRESS``, or ``local`` for a
LocalCluster of ``--workers`` processes).

A stage hands the engine a pure function and its tasks (shards, chunks of a file); the
engine maps the function over them, retries a task that fails (a worker that dies
included), and gives back the results as they finish, with one progress bar across all
workers. A task that still fails is reported, never dropped: the stage gets a
:class:`Failed` in its place. This is the only module that imports dask.distributed.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from khabar.errors import KhabarError
from khabar.runtime.progress import bar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Failed:
    """A task that failed every attempt: what it was and the last error."""

    task: Any
    error: str


@dataclass(frozen=True, slots=True)
class Done(Generic[T, R]):
    index: int
    task: T
    result: R | Failed


@dataclass(frozen=True)
class Engine:
    """How many workers, and where: ``scheduler`` None runs processes on this machine
    (none at all with one worker); an address or ``local`` runs on Dask."""

    workers: int = 1
    scheduler: str | None = None
    retries: int = 2

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise KhabarError(f"--workers must be 1 or more, got {self.workers}")

    @property
    def parallel(self) -> bool:
        return self.workers > 1 or self.scheduler is not None

    def map(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        *,
        description: str,
        total: int,
        weight: Callable[[T], int] = lambda _: 1,
    ) -> Iterator[Done[T, R]]:
        """``fn`` over ``tasks`` (read lazily: a few per worker in flight, so a stream of
        tasks never sits in memory at once); results in the order they finish. ``total``
        is the sum of the tasks' ``weight`` for the progress bar."""
        with bar(description, total=total) as advance:
            if self.scheduler is not None:
                runs = _dask(fn, tasks, self)
            elif self.workers > 1:
                runs = _processes(fn, tasks, self)
            else:
                runs = _here(fn, tasks, self.retries)
            for done in runs:
                advance(weight(done.task))
                yield done


def _attempt(fn: Callable[[T], R], task: T, retries: int) -> R | Failed:
    for attempt in range(retries + 1):
        try:
            return fn(task)
        except KhabarError:
            raise  # the user's problem: the same on every attempt
        except Exception:  # any failure of a task is reported with the task
            if attempt == retries:
                return Failed(task, traceback.format_exc(limit=3).strip().splitlines()[-1])
    raise AssertionError("unreachable")


def _here(fn: Callable[[T], R], tasks: Iterable[T], retries: int) -> Iterator[Done[T, R]]:
    for index, task in enumerate(tasks):
        yield Done(index, task, _attempt(fn, task, retries))


def _processes(fn: Callable[[T], R], tasks: Iterable[T], engine: Engine) -> Iterator[Done[T, R]]:
    """A pool of ``engine.workers`` processes; a pool broken by a dying worker is replaced
    and its unfinished tasks go again (each counts an attempt)."""
    # fork: workers start with what this process loaded (name lists, scheme) instead of
    # loading it again; the progress bar draws without a thread, so none is forked mid-lock
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    stream = enumerate(tasks)
    again: list[tuple[int, T]] = []  # tasks to run again, with their index
    attempts: dict[int, int] = {}
    # a task's own error, kept: its last attempt may be lost with a worker that another
    # task killed, and "a worker process died" alone would hide what went wrong
    errors: dict[int, str] = {}
    in_flight = 2 * engine.workers
    while True:
        with cf.ProcessPoolExecutor(
            max_workers=engine.workers,
            mp_context=context,
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures: dict[cf.Future[R | Failed], tuple[int, T]] = {}
            broken = False

            _fill(pool, fn, futures, again, stream, in_flight)
            while futures:
                finished, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    index, task = futures.pop(future)
                    attempts[index] = attempts.get(index, 0) + 1
                    lost = False
                    try:
                        result = future.result()
                    except cf.process.BrokenProcessPool:
                        lost = broken = True
                        died = "a worker process died"
                        own = errors.get(index)
                        result = Failed(task, f"{own} (then {died})" if own else died)
                    except KhabarError:
                        raise
                    except Exception as err:  # reported with the task
                        result = Failed(task, f"{type(err).__name__}: {err}")
                    if isinstance(result, Failed) and not lost:
                        errors[index] = result.error
                    if isinstance(result, Failed) and attempts[index] <= engine.retries:
                        again.append((index, task))
                    else:
                        attempts.pop(index)
                        errors.pop(index, None)
                        yield Done(index, task, result)
                if broken:
                    again.extend(futures.values())  # the pool is gone: a new one runs them
                    break
                _fill(pool, fn, futures, again, stream, in_flight)
        if not broken:
            return


def _die_with_parent(parent: int) -> None:
    """In a worker: end when the process that started it ends, however it ends. A worker
    left behind by a killed ``khabar`` would wait on its task queue for ever."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _fill(
    pool: cf.ProcessPoolExecutor,
    fn: Callable[[T], R],
    futures: dict[cf.Future[R | Failed], tuple[int, T]],
    again: list[tuple[int, T]],
    stream: Iterator[tuple[int, T]],
    in_flight: int,
) -> None:
    """Submit tasks (those to run again first) until ``in_flight`` are running."""
    while len(futures) < in_flight:
        item = again.pop() if again else next(stream, None)
        if item is None:
            return
        futures[pool.submit(_attempt, fn, item[1], 0)] = item


def _dask(fn: Callable[[T], R], tasks: Iterable[T], engine: Engine) -> Iterator[Done[T, R]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as err:
        raise KhabarError(
            "running on Dask needs dask.distributed", hint="pip install 'khabar[cluster]'"
        ) from err
    cluster = None
    if engine.scheduler == "local":
        cluster = LocalCluster(
            n_workers=engine.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        address: Any = cluster
    else:
        address = engine.scheduler
    try:
        client = Client(address, timeout="30s")
    except OSError as err:
        if cluster is not None:
            cluster.close()
        raise KhabarError(
            f"cannot reach the Dask scheduler at {engine.scheduler} ({err})",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`",
        ) from err
    try:
        # a task that raises is retried inside its worker; one whose worker dies is
        # rescheduled by Dask itself (distributed.scheduler.allowed-failures)
        stream = enumerate(tasks)
        futures: dict[Any, tuple[int, T]] = {}

        def submit(count: int) -> list[Any]:
            made = []
            for index, task in itertools.islice(stream, count):
                future = client.submit(_attempt, fn, task, engine.retries, pure=False)
                futures[future] = (index, task)
                made.append(future)
            return made

        running = as_completed(submit(2 * max(engine.workers, len(client.scheduler_info()["workers"]))))
        for future in running:
            index, task = futures.pop(future)
            try:
                result = future.result()
            except KhabarError:
                raise
            except Exception as err:  # a worker lost for good
                result = Failed(task, f"{type(err).__name__}: {err}")
            yield Done(index, task, result)
            for more in submit(1):
                running.add(more)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# Garbage collection: khabar's loops make many short-lived objects beside long-lived
# tables; these helpers keep the collector from walking either again and again.


@contextmanager
def long_lived() -> Iterator[None]:
    """Exempt everything alive now (name lists, lexicons, caches) from garbage collection
    passes while a long loop runs: they live as long as the process, and traversing them
    on every pass cost a fifth of pre-annotation time."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def alive_for_good() -> None:
    """Exempt everything alive now from collections for the rest of the process (what a
    worker loads once: its annotator)."""
    gc.freeze()


@contextmanager
def few_collections() -> Iterator[None]:
    """No garbage collection passes while a batch of documents is worked on: its hundreds
    of thousands of young objects (words, rows, frames) would be walked again and again,
    a third of a release's time; reference counting frees them, and the next pass
    after the batch takes any cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def failures(failed: Sequence[Failed], what: str) -> KhabarError | None:
    """One error for the tasks that failed every attempt (None when none did)."""
    if not failed:
        return None
    listed = "; ".join(f"{f.task}: {f.error}" for f in failed[:3])
    more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
    return KhabarError(
        f"{len(failed)} {what} failed after retries ({listed}{more})",
        hint="what finished is kept; run the command again to do the rest",
    )

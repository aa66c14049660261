"""The one helper that runs every sweep: in process, or on any executor (docs/cluster.md).

A sweep (the rows of a phase diagram, blocks of seeds, chunks of networks) is a list of *tasks*:
keyword-argument dicts of small plain values (numbers, strings, short tuples; seeds included) for
one module-level *task function*, which returns a mapping of names to arrays. :func:`run_tasks`

* with ``executor=None`` calls the task function in this process, one task after the other, with
  numba's threads as configured: exactly the in-process path the sweeps always had;
* otherwise submits every task to the executor (any :class:`concurrent.futures.Executor`, or a
  ``distributed.Client``, recognised without importing dask), and inside each task limits numba to
  one thread unless the worker's environment sets ``NUMBA_NUM_THREADS`` (a worker per core with
  numba's default of all cores each oversubscribes the machine);
* places each result by its task index, so the order in which tasks finish does not matter and the
  arrays are bit-identical whichever executor ran them (seeds are derived in the parent, by
  :func:`derive_seed`, from the user's seed and the task's index);
* checks that every worker runs the same dltheory (version and a digest of its source): a worker
  with another version would compute other physics without saying so;
* shows a progress bar over tasks; a failing task, or Ctrl-C, cancels the tasks not yet started
  and re-raises, with a note naming the task;
* with a :class:`~sims._checkpoint.ChunkStore`, loads tasks finished by an earlier run and saves
  each new one as it arrives, so an interrupted sweep resumes.

The package never starts, owns or shuts down an executor it was given.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import hashlib
import importlib.metadata
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

__all__ = ["EXECUTOR_DOC", "EXECUTOR_KINDS", "check_task_function", "derive_seed", "package_fingerprint", "package_version", "resolve_executor",
           "run_tasks"]

#: What ``executor=`` accepts, for error messages and docstrings.
EXECUTOR_KINDS = ("None (run in this process)", "a concurrent.futures.Executor (process pool, loky, "
                  "mpi4py.futures, a Dask client's get_executor())", "a distributed.Client")

#: The docstring text every sweep entry point uses for its ``executor`` keyword.
EXECUTOR_DOC = """executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the sweep's tasks run. None: in this process with numba's threads, as always.
        Otherwise any ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or
        ``spawn`` context, loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a
        ``distributed.Client``. The result is bit-identical whichever ran it; the executor is not
        shut down (docs/cluster.md)."""


def package_version() -> str:
    """The installed dltheory version ("unknown" in a source tree that was never installed)."""
    try:
        return importlib.metadata.version("dltheory")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@functools.lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """``"<version>+<digest>"``: the version and a hash of the ``theory`` and ``sims`` sources.

    The digest tells two checkouts of the same version apart (a worker left on an older commit).
    """
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for root in (here.parent / "theory", here):
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(path.read_bytes())
    return f"{package_version()}+{digest.hexdigest()[:12]}"


def derive_seed(seed: int, *index: int) -> int:
    """A 63-bit seed for one task, from the user's seed and the task's index.

    ``numpy.random.SeedSequence([seed, *index])`` mixes the entries, so distinct (seed, index)
    pairs give unrelated streams: unlike ``seed + index``, seed 0's task 1 is not seed 1's task 0.
    63 bits, because numba types a Python int of 2⁶³ or more as an overflow.
    """
    entries = [int(seed), *(int(i) for i in index)]
    if any(e < 0 for e in entries):
        raise ValueError(f"seed and task indices must be >= 0; got {entries}")
    state = np.random.SeedSequence(entries).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))


def resolve_executor(executor) -> cf.Executor | None:
    """None, or the ``concurrent.futures.Executor`` to submit tasks to.

    A ``distributed.Client`` (anything with ``get_executor`` and ``scheduler_info``, so dask is
    never imported here) becomes ``client.get_executor(pure=False)``: with Dask's default
    ``pure=True``, two tasks with equal arguments would share one result.

    Raises
    ------
    TypeError
        For anything else, naming the accepted kinds.
    """
    if executor is None or isinstance(executor, cf.Executor):
        if isinstance(executor, cf.ProcessPoolExecutor):
            _warn_if_fork_after_openmp(executor)
        return executor
    if callable(getattr(executor, "get_executor", None)) and callable(getattr(executor, "scheduler_info", None)):
        return executor.get_executor(pure=False)
    raise TypeError(f"executor must be {', '.join(EXECUTOR_KINDS[:-1])} or {EXECUTOR_KINDS[-1]}; "
                    f"got {type(executor).__name__}")


def _warn_if_fork_after_openmp(executor) -> None:
    """A fork-started pool dies when numba's OpenMP threads already ran in this process."""
    context = getattr(executor, "_mp_context", None)
    if context is None or context.get_start_method() != "fork" or "numba" not in sys.modules:
        return
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet: nothing to inherit
        return
    if layer == "omp":
        warnings.warn("this ProcessPoolExecutor forks, and numba's OpenMP threading layer is already running "
                      "here: forked workers abort (GNU OpenMP is not fork-safe). Create the pool with "
                      "mp_context=multiprocessing.get_context('forkserver') (or 'spawn').",
                      RuntimeWarning, stacklevel=4)


def _numba_threads_for_task() -> int | None:
    """Threads a task may use on a worker: the worker's NUMBA_NUM_THREADS if set, else 1."""
    if os.environ.get("NUMBA_NUM_THREADS"):
        return None  # numba already read it at import: leave its default alone
    return 1


def _run_on_worker(task: Callable, spec: Mapping[str, Any]):
    """Run one task on a worker; return (the worker's package fingerprint, the task's output)."""
    threads = _numba_threads_for_task()
    if threads is None:
        return package_fingerprint(), task(**spec)
    import numba

    previous = numba.get_num_threads()  # per thread: restore it for whatever the worker runs next
    numba.set_num_threads(threads)
    try:
        return package_fingerprint(), task(**spec)
    finally:
        numba.set_num_threads(previous)


def check_task_function(task) -> None:
    """Workers import the task by name: it must be a module-level function, not a lambda or closure."""
    module = sys.modules.get(getattr(task, "__module__", None) or "")
    qualname = getattr(task, "__qualname__", "")
    found = module
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if found is not task or "<locals>" in qualname or "<lambda>" in qualname:
        raise ValueError(f"task must be a module-level function (workers import it by name); got {task!r}")


def _as_arrays(out, index: int) -> dict[str, np.ndarray]:
    if not isinstance(out, Mapping):
        raise TypeError(f"sweep task {index} returned {type(out).__name__}; a task returns a mapping name -> array")
    return {str(k): np.asarray(v) for k, v in out.items()}


def run_tasks(task: Callable[..., Mapping[str, Any]], tasks: Sequence[Mapping[str, Any]], *, executor=None,
              progress=None, desc: str = "sweep", store=None) -> list[dict[str, np.ndarray]]:
    """Run ``task(**kwargs)`` for every ``kwargs`` of ``tasks``; return the outputs in task order.

    Parameters
    ----------
    task : callable
        A module-level function (workers import it by name) returning a mapping name → array.
    tasks : sequence of mappings
        Keyword arguments of each task: small plain values, seeds included (derive them with
        :func:`derive_seed` here, never inside the task from shared state).
    executor : None, concurrent.futures.Executor or distributed.Client
        See :func:`resolve_executor`. None runs the tasks here, in order.
    progress : bool or None
        A bar over tasks; None shows it only on a terminal.
    desc : str
        The bar's label, also named in errors.
    store : sims._checkpoint.ChunkStore or None
        Tasks found in it are loaded, not run; each new result is saved when it arrives.

    Returns
    -------
    list of dict
        ``outputs[i]`` is task ``i``'s mapping, its values as NumPy arrays.

    Raises
    ------
    RuntimeError
        When a worker runs another dltheory (version or source) than this process.
    Exception
        A task's own exception, re-raised after the tasks not yet started are cancelled, with a
        note naming the task.
    """
    from tqdm.auto import tqdm

    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    executor = resolve_executor(executor)
    tasks = list(tasks)
    outputs: list[dict[str, np.ndarray] | None] = [None] * len(tasks)
    pending = []
    for i in range(len(tasks)):
        if store is not None and store.has(i):
            outputs[i] = store.load(i)
        else:
            pending.append(i)
    disable = (not sys.stderr.isatty()) if progress is None else not bool(progress)
    with tqdm(total=len(tasks), initial=len(tasks) - len(pending), desc=desc, unit="task", disable=disable) as bar:
        if executor is None:
            for i in pending:
                outputs[i] = _finish(task(**tasks[i]), i, store)
                bar.update()
        else:
            check_task_function(task)
            _run_submitted(executor, task, tasks, pending, outputs, store, bar, desc)
    return outputs  # type: ignore[return-value]


def _finish(out, i: int, store) -> dict[str, np.ndarray]:
    arrays = _as_arrays(out, i)
    if store is not None:
        store.save(i, arrays)
    return arrays


def _run_submitted(executor, task, tasks, pending, outputs, store, bar, desc) -> None:
    local = package_fingerprint()
    futures: dict[cf.Future, int] = {}
    try:
        for i in pending:
            futures[executor.submit(_run_on_worker, task, dict(tasks[i]))] = i
        for future in cf.as_completed(futures):
            i = futures[future]
            try:
                remote, out = future.result()
            except BaseException as exc:
                if isinstance(exc, Exception):
                    exc.add_note(f"while running {desc} task {i} of {len(tasks)} ({task.__name__}) on {executor!r}")
                raise
            if remote != local:
                raise RuntimeError(f"a worker runs dltheory {remote}, this process {local}: install the same "
                                   "dltheory on every worker (else the sweep would mix different code)")
            outputs[i] = _finish(out, i, store)
            bar.update()
    except BaseException:
        for future in futures:
            future.cancel()
        raise

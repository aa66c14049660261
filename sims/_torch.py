"""The torch bridge's shared machinery: one place for what every scaled-up experiment needs.

The experiments themselves live next to their theory (``sims/<theory>/_torch_*.py``); they take
their predictions from ``theory/`` like every other simulation. This module holds

* :func:`require_torch`: torch is an optional extra. ``import sims`` never imports it, and a
  bridge function called without it raises an ``ImportError`` that says how to install it.
* :func:`resolve_device` (``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``) and
  :func:`resolve_dtype` (float64 by default, float32 on request), with :func:`dtype_eps` so that
  tolerances can be keyed by the dtype that ran.
* :func:`plan_chunks`: items (chains, networks, grid cells) are split into chunks that fit a
  memory budget. Random numbers come in fixed blocks of items (the experiment's constant), each
  with its own generator (:func:`block_generator`), and a chunk is a whole number of blocks, so
  results do not depend on the budget.
* :class:`ChunkStore` and :func:`run_chunks`: every chunk is a task of :func:`sims._parallel.run_tasks`
  (in process, or on any executor: a process pool, a Dask cluster of CPU workers); finished chunks
  are written to disk (one ``.npz`` per chunk, atomically, in a directory named by the run's
  parameters), so an interrupted sweep resumes where it stopped; a progress bar counts the chunks.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from theory.validate import as_count, as_seed, format_value

from ._checkpoint import ChunkStore

__all__ = ["DEVICES", "DTYPES", "INSTALL_HINT", "STREAM_BLOCK", "ChunkPlan", "ChunkStore", "block_generator", "dtype_eps",
           "memory_budget_bytes", "plan_chunks", "require_torch", "resolve_device", "resolve_dtype", "run_chunks", "torch_available"]

#: How to install the CPU build on a machine without a GPU. Never a version range: a range lets
#: pip resolve a CUDA build of several GB.
INSTALL_HINT = "pip install torch==2.13.0"

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("float64", "float32")

#: Items (chains, networks, cells) per random-number stream. A chunk is a whole number of blocks.
STREAM_BLOCK = 1024

_DEFAULT_CPU_BUDGET = 2 * 2**30      # bytes a chunk may use on the CPU
_GPU_BUDGET_FRACTION = 0.5           # of the free device memory, for "auto" on a GPU


def torch_available() -> bool:
    """True when torch can be imported (checked without importing it)."""
    return importlib.util.find_spec("torch") is not None


def require_torch():
    """Import and return torch, or raise an ``ImportError`` that says how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError("this function runs on the torch bridge and needs PyTorch, which is not installed. "
                          f"On a machine without a GPU install the CPU build: `{INSTALL_HINT}`; with a GPU, "
                          "the CUDA build that matches your driver (https://pytorch.org). Pin an exact "
                          "version: a range lets pip pick a CUDA build of several GB.") from exc
    return torch


def resolve_device(device="auto"):
    """``torch.device`` for ``device``: "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".

    Raises
    ------
    ValueError
        Naming ``device``: an unknown name, or CUDA asked for where there is none.
    """
    torch = require_torch()
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise ValueError(f"device must be one of {DEVICES} or 'cuda:N'; got {format_value(device)}")
    name = device.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available here; use device='cpu' or 'auto'")
        index = int(name[5:]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) exist")
        return torch.device(name)
    raise ValueError(f"device must be one of {DEVICES} or 'cuda:N'; got {device!r}")


def resolve_dtype(dtype="float64"):
    """``torch.float64`` (default) or ``torch.float32`` from a name or a torch dtype."""
    torch = require_torch()
    table = {"float64": torch.float64, "float32": torch.float32}
    if isinstance(dtype, torch.dtype):
        for value in table.values():
            if dtype == value:
                return value
    elif isinstance(dtype, str) and dtype in table:
        return table[dtype]
    raise ValueError(f"dtype must be one of {DTYPES}; got {format_value(dtype)}")


def dtype_eps(dtype) -> float:
    """Machine epsilon of a bridge dtype (2.2e-16 for float64, 1.2e-7 for float32): tolerances scale with it."""
    torch = require_torch()
    return float(torch.finfo(resolve_dtype(dtype)).eps)


def block_generator(seed: int, block: int, device):
    """The ``torch.Generator`` of stream block ``block`` of a run seeded ``seed``, on ``device``.

    Its seed is drawn from ``numpy.random.SeedSequence([seed, block])``: 63 bits (torch seeds are
    signed 64-bit), distinct streams for distinct (seed, block) pairs up to hash collisions.
    """
    torch = require_torch()
    word = int(np.random.SeedSequence([as_seed(seed), int(block)]).generate_state(1, np.uint64)[0]) >> 1
    gen = torch.Generator(device=device)
    gen.manual_seed(word)
    return gen


@dataclass(frozen=True)
class ChunkPlan:
    """Items split into chunks of whole stream blocks: ``bounds[i] = (lo, hi)``, ``block`` items per stream."""

    total: int
    per_chunk: int
    block: int
    bounds: tuple

    def blocks(self, lo: int, hi: int):
        """The stream blocks of the chunk ``lo`` … ``hi − 1``: (block index, start, stop) with absolute item indices."""
        for start in range(lo, hi, self.block):
            yield start // self.block, start, min(start + self.block, hi)


def memory_budget_bytes(memory_budget, device=None) -> int:
    """Bytes a chunk may use: ``memory_budget`` validated, or for "auto" half the free CUDA memory (2 GiB on the CPU)."""
    if memory_budget is None or memory_budget == "auto":
        if getattr(device, "type", "cpu") == "cuda":
            torch = require_torch()
            free, _ = torch.cuda.mem_get_info(device)
            return int(_GPU_BUDGET_FRACTION * free)
        return _DEFAULT_CPU_BUDGET
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, (int, np.integer)) or memory_budget < 1:
        raise ValueError(f"memory_budget must be a number of bytes >= 1 or 'auto'; got {format_value(memory_budget)}")
    return int(memory_budget)


def plan_chunks(total, bytes_per_item, memory_budget="auto", device=None, *, block=STREAM_BLOCK) -> ChunkPlan:
    """Split ``total`` items into chunks of whole stream blocks within ``memory_budget`` bytes.

    An experiment fixes its ``block`` (items per random stream) once, as a constant: results then
    depend on the seed and the block, never on the budget or the device's memory. Time-stepping
    experiments draw one tensor per block per step, so large blocks (2^16 chains) keep the number
    of generator calls small.

    Parameters
    ----------
    total : int
        Items (>= 1).
    bytes_per_item : int
        Peak memory one item needs (>= 1 byte), as the experiment estimates it.
    memory_budget : int or "auto", default "auto"
        Bytes a chunk may use: "auto" is half the free memory of a CUDA device, 2 GiB on the CPU.
    device : torch.device, optional
        Where the chunk runs (for "auto").
    block : int, default STREAM_BLOCK
        Items per random-number stream.

    Raises
    ------
    ValueError
        When one stream block does not fit the budget (names ``memory_budget``).
    """
    total = as_count(total, "total")
    bytes_per_item = as_count(bytes_per_item, "bytes_per_item")
    block = as_count(block, "block")
    budget = memory_budget_bytes(memory_budget, device)
    block_bytes = bytes_per_item * min(block, total)
    if block_bytes > budget:
        raise ValueError(f"memory_budget of {budget} bytes is below one block of {min(block, total)} items "
                         f"({block_bytes} bytes); raise it")
    blocks = max(1, budget // (bytes_per_item * block))
    per_chunk = min(total, blocks * block)
    bounds = tuple((lo, min(lo + per_chunk, total)) for lo in range(0, total, per_chunk))
    return ChunkPlan(total=total, per_chunk=per_chunk, block=block, bounds=bounds)


def _torch_threads_for_task() -> int | None:
    """Threads torch may use in a chunk on a worker: 1, or None (torch's own default) when the worker's
    environment sets ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``, which torch reads at import."""
    if os.environ.get("OMP_NUM_THREADS") or os.environ.get("MKL_NUM_THREADS"):
        return None
    return 1


# Tasks running now in this process's threads with torch limited, and the count to restore after the last.
_THREADS_LOCK = threading.Lock()
_threads_state = {"active": 0, "restore": None}


def _run_chunk(*, task, lo, hi, settings, on_worker):
    """Run ``task(lo=lo, hi=hi, **settings)``: as is in process, with torch limited to one thread on a worker.

    A worker per core with torch's default of all cores each oversubscribes the machine. torch keeps
    the count per thread (OpenMP's and MKL's settings are thread-local), but a thread takes its
    count from a process-wide default on its first torch call, and ``torch.set_num_threads`` sets
    that default too. So, under a lock: every task first makes torch initialise its thread, the
    first of concurrent tasks records the process's count, each task sets its own thread to one,
    and each restores the recorded count (on its thread and as the default) when it ends.
    """
    threads = _torch_threads_for_task() if on_worker else None
    if threads is None:
        return task(lo=lo, hi=hi, **settings)
    torch = require_torch()
    with _THREADS_LOCK:
        current = torch.get_num_threads()          # initialises this thread before the default changes
        if _threads_state["active"] == 0:
            _threads_state["restore"] = current
        _threads_state["active"] += 1
        torch.set_num_threads(threads)
    try:
        return task(lo=lo, hi=hi, **settings)
    finally:
        with _THREADS_LOCK:
            _threads_state["active"] -= 1
            torch.set_num_threads(_threads_state["restore"])


def run_chunks(task: Callable[..., Mapping[str, np.ndarray]], plan: ChunkPlan, settings: Mapping | None = None, *,
               executor=None, store: ChunkStore | None = None, desc: str = "torch bridge", progress=None) -> dict:
    """Run ``task(lo=lo, hi=hi, **settings)`` for every chunk of ``plan``; concatenate its arrays along axis 0.

    A thin layer over :func:`sims._parallel.run_tasks`, which runs every sweep of the package: one
    task per chunk, placed by index, checkpointed through ``store`` (chunks on disk are loaded, each
    new one is saved as it arrives), on ``executor`` or, with None, here in order.

    ``task`` is a module-level function (workers import it by name) that rebuilds its tensors from
    ``settings``: small plain values (sizes, grid values, seeds, the device and dtype names), never
    big arrays. It returns a dict of NumPy arrays whose first axis has ``hi − lo`` entries.

    On an executor each task runs torch on one thread unless the worker's environment sets
    ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` (a Dask worker sets ``OMP_NUM_THREADS=1``), and
    restores the count after. Results on an executor equal the in-process ones bit for bit when
    this process runs torch on one thread too (``torch.set_num_threads(1)``). With more threads
    here they may differ by rounding: torch's elementwise kernels and reductions gave the same bits
    at 1 and 2 threads for every bridge sweep measured, but MKL's ``eigh`` and large matrix
    products did not (rf_risk Monte Carlo at n = 200, k = 300: test errors up to 3e-13 relative,
    train errors 4e-16 absolute).

    Parameters
    ----------
    task : callable
        Module-level ``task(*, lo, hi, **settings) -> dict`` of arrays.
    plan : ChunkPlan
        The chunks: ``plan.bounds[i] = (lo, hi)``.
    settings : mapping, optional
        The keyword arguments every chunk shares.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the chunks run (``sims._parallel.EXECUTOR_DOC``). The device named in ``settings`` is
        used on the worker: pass ``device="cpu"`` for CPU workers.
    store : ChunkStore, optional
        Finished chunks on disk.
    desc : str
        The progress bar's label (the bar counts chunks).
    progress : bool or None
        None: a bar only on a terminal.

    Raises
    ------
    RuntimeError
        When a chunk returns an array with other than ``hi − lo`` rows.
    TypeError
        When ``executor`` is not an executor.
    """
    from ._parallel import check_task_function, resolve_executor, run_tasks

    executor = resolve_executor(executor)
    if executor is not None:
        check_task_function(task)         # a closure cannot reach a worker: say so before submitting
    settings = {} if settings is None else dict(settings)
    specs = [dict(task=task, lo=lo, hi=hi, settings=settings, on_worker=executor is not None) for lo, hi in plan.bounds]
    parts = run_tasks(_run_chunk, specs, executor=executor, progress=progress, desc=desc, store=store)
    for i, ((lo, hi), out) in enumerate(zip(plan.bounds, parts)):
        for key, value in out.items():
            if value.shape[:1] != (hi - lo,):
                raise RuntimeError(f"chunk {i}: {key} has {value.shape[:1]} rows, expected {hi - lo}")
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}

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
* :class:`ChunkStore` and :func:`run_chunks`: finished chunks are written to disk (one ``.npz``
  per chunk, atomically, in a directory named by the run's parameters), so an interrupted sweep
  resumes where it stopped; a progress bar counts the items.
"""

from __future__ import annotations

import importlib.util
import sys
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


def run_chunks(compute: Callable[[int, int, int], Mapping[str, np.ndarray]], plan: ChunkPlan, *,
               store: ChunkStore | None = None, desc: str = "torch bridge", progress=None) -> dict:
    """Run ``compute(i, lo, hi)`` for every chunk of ``plan`` and concatenate its arrays along axis 0.

    ``compute`` returns a dict of NumPy arrays whose first axis has ``hi − lo`` entries. With a
    ``store``, chunks already on disk are loaded instead of computed and each new chunk is saved
    as soon as it is done. ``progress``: a bar over the items (None: only on a terminal).
    """
    from tqdm.auto import tqdm

    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    disable = (not sys.stderr.isatty()) if progress is None else not bool(progress)
    parts: list[Mapping[str, np.ndarray]] = []
    with tqdm(total=plan.total, desc=desc, disable=disable, unit="item") as bar:
        for i, (lo, hi) in enumerate(plan.bounds):
            if store is not None and store.has(i):
                out = store.load(i)
            else:
                out = {k: np.asarray(v) for k, v in compute(i, lo, hi).items()}
                if store is not None:
                    store.save(i, out)
            for key, value in out.items():
                if value.shape[:1] != (hi - lo,):
                    raise RuntimeError(f"chunk {i}: {key} has {value.shape[:1]} rows, expected {hi - lo}")
            parts.append(out)
            bar.update(hi - lo)
    return {k: np.concatenate([p[k] for p in parts], axis=0) for k in parts[0]}

"""Checkpoints of long sweeps: one on-disk format for every theory and every backend.

A sweep is a list of tasks (rows of a phase diagram, blocks of seeds, chunks of chains). Each finished
task is written as one ``.npz`` file, atomically, into a folder named by a hash of the run's
parameters; a rerun with the same parameters loads the finished tasks instead of recomputing them, and
a run with other parameters never reads them. :func:`sims._parallel.run_tasks` and the torch bridge's
:func:`sims._torch.run_chunks` both write through :class:`ChunkStore`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

__all__ = ["ChunkStore", "checkpoint_store"]


class ChunkStore:
    """Finished chunks of one run on disk, so that an interrupted run resumes.

    The directory is ``root / <name>-<hash of params>``; chunk ``i`` is ``chunk-<i>.npz`` written
    to a temporary file and renamed (a crash never leaves half a chunk). ``params`` (JSON-able:
    sizes, seeds, dtype, package version) name the run, so a changed setting never reads another
    run's chunks.
    """

    def __init__(self, root, name: str, params: Mapping[str, Any]):
        try:
            text = json.dumps(dict(params), sort_keys=True, default=str)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"params must be JSON-serialisable: {exc}") from None
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        self.path = Path(root) / f"{name}-{digest}"
        self.params = json.loads(text)

    def _file(self, i: int) -> Path:
        return self.path / f"chunk-{i:06d}.npz"

    def has(self, i: int) -> bool:
        return self._file(i).is_file()

    def load(self, i: int) -> dict:
        with np.load(self._file(i), allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    def save(self, i: int, arrays: Mapping[str, np.ndarray]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        meta = self.path / "params.json"
        if not meta.exists():
            meta.write_text(json.dumps(self.params, sort_keys=True, indent=1))
        fd, tmp = tempfile.mkstemp(dir=self.path, suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **{k: np.asarray(v) for k, v in arrays.items()})
            os.replace(tmp, self._file(i))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


def checkpoint_store(checkpoint_dir, name: str, params: Mapping[str, Any]) -> ChunkStore | None:
    """The :class:`ChunkStore` of a sweep under ``checkpoint_dir``, or None when it is None.

    ``params`` name the run (every setting that changes a result); the package version is added, so
    a newer dltheory never resumes from an older one's tasks.
    """
    if checkpoint_dir is None:
        return None
    if not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a str, os.PathLike or None; got {type(checkpoint_dir).__name__}")
    from ._parallel import package_version

    return ChunkStore(checkpoint_dir, name, {**dict(params), "dltheory_version": package_version()})

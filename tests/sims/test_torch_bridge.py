"""The torch bridge's shared machinery (sims._torch): import guard, device and dtype, chunk plans,
per-block random streams, resumable chunk stores.

CI installs torch==2.13.0 (CPU build) and sets DLTHEORY_REQUIRE_TORCH=1, so these tests fail
there instead of skipping; elsewhere they skip without torch.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import sims._torch as bridge

REQUIRED = os.environ.get("DLTHEORY_REQUIRE_TORCH") == "1"
if not bridge.torch_available():
    if REQUIRED:
        raise RuntimeError("DLTHEORY_REQUIRE_TORCH=1 but torch is not installed (pip install torch==2.13.0)")
    pytest.skip("torch is not installed", allow_module_level=True)

import torch  # noqa: E402


def test_import_sims_does_not_import_torch():
    code = "import sims, theory, proofs_check, sims._torch, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_torch_raises_an_install_hint():
    # a child process where torch cannot be imported
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] == 'torch':\n"
            "            raise ImportError('no torch here')\n"
            "sys.meta_path.insert(0, Block())\n"
            "import sims._torch as b\n"
            "try:\n    b.require_torch()\nexcept ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install torch==2.13.0" in out.stdout and "range" in out.stdout


def test_devices_and_dtypes():
    assert bridge.resolve_device("cpu") == torch.device("cpu")
    assert bridge.resolve_device("auto") == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert bridge.resolve_dtype("float64") is torch.float64 and bridge.resolve_dtype(torch.float32) is torch.float32
    assert bridge.dtype_eps("float64") == np.finfo(np.float64).eps
    assert bridge.dtype_eps("float32") == np.finfo(np.float32).eps
    for bad in ("gpu", 3, None, "cuda:x"):
        with pytest.raises(ValueError, match="device must be one of"):
            bridge.resolve_device(bad)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            bridge.resolve_device("cuda")
    for bad in ("float16", torch.int64, 64):
        with pytest.raises(ValueError, match="dtype must be one of"):
            bridge.resolve_dtype(bad)


def test_chunk_plan_covers_every_item_in_whole_blocks():
    plan = bridge.plan_chunks(5000, 100, memory_budget=300_000, block=1024)
    assert plan.per_chunk == 2048                     # 300 kB / (100 B × 1024) = 2 whole blocks
    assert plan.bounds == ((0, 2048), (2048, 4096), (4096, 5000))
    assert list(plan.blocks(4096, 5000)) == [(4, 4096, 5000)]
    small = bridge.plan_chunks(10, 8, memory_budget=80)
    assert small.bounds == ((0, 10),)
    with pytest.raises(ValueError, match="memory_budget of 100 bytes is below one block"):
        bridge.plan_chunks(5000, 100, memory_budget=100, block=1024)
    for bad in (0, -5, 2.5, True, "lots"):
        with pytest.raises(ValueError, match="memory_budget must be"):
            bridge.plan_chunks(10, 8, memory_budget=bad)
    with pytest.raises(ValueError, match="total must be an integer >= 1"):
        bridge.plan_chunks(0, 8)


def test_block_streams_depend_on_seed_and_block_only():
    a = torch.randn(5, generator=bridge.block_generator(7, 3, "cpu"), dtype=torch.float64)
    b = torch.randn(5, generator=bridge.block_generator(7, 3, "cpu"), dtype=torch.float64)
    c = torch.randn(5, generator=bridge.block_generator(7, 4, "cpu"), dtype=torch.float64)
    d = torch.randn(5, generator=bridge.block_generator(8, 3, "cpu"), dtype=torch.float64)
    assert torch.equal(a, b) and not torch.equal(a, c) and not torch.equal(a, d)
    bridge.block_generator(2**64 - 1, 0, "cpu")        # the largest seed is accepted (63-bit torch seed)


def _stream_chunk(*, lo, hi, block):
    """Items lo … hi − 1, each block of ``block`` items drawn from its own stream."""
    rows = [torch.randn(min(start + block, hi) - start, generator=bridge.block_generator(0, start // block, "cpu"),
                        dtype=torch.float64) for start in range(lo, hi, block)]
    return {"x": torch.cat(rows).numpy()}


def test_results_do_not_depend_on_the_memory_budget(tmp_path):
    def compute(plan):
        return bridge.run_chunks(_stream_chunk, plan, dict(block=plan.block), progress=False)["x"]

    one = compute(bridge.plan_chunks(3000, 8, memory_budget=10**9, block=512))
    many = compute(bridge.plan_chunks(3000, 8, memory_budget=8 * 512, block=512))
    assert len(bridge.plan_chunks(3000, 8, memory_budget=8 * 512, block=512).bounds) == 6
    np.testing.assert_array_equal(one, many)


_CALLS = []


def _counted_chunk(*, lo, hi, interrupt_at):
    """Records its chunk; the first time it reaches chunk ``interrupt_at`` it stops like Ctrl-C."""
    i = lo // 10
    _CALLS.append(i)
    if i == interrupt_at and _CALLS.count(i) == 1:
        raise KeyboardInterrupt
    return {"x": np.arange(lo, hi, dtype=float), "y": np.full((hi - lo, 2), i)}


def test_an_interrupted_run_resumes_from_its_finished_chunks(tmp_path):
    plan = bridge.plan_chunks(40, 8, memory_budget=8 * 10, block=10)
    _CALLS.clear()
    store = bridge.ChunkStore(tmp_path, "demo", {"n": 40, "seed": 0})
    with pytest.raises(KeyboardInterrupt):         # the first run stops in its third chunk
        bridge.run_chunks(_counted_chunk, plan, dict(interrupt_at=2), store=store, progress=False)
    assert store.has(0) and store.has(1) and not store.has(2)
    assert not list(store.path.glob("*.tmp"))
    out = bridge.run_chunks(_counted_chunk, plan, dict(interrupt_at=2), store=store, progress=False)
    assert _CALLS == [0, 1, 2, 2, 3]                  # chunks 0 and 1 were read back, not recomputed
    np.testing.assert_array_equal(out["x"], np.arange(40.0))
    assert out["y"].shape == (40, 2)
    other = bridge.ChunkStore(tmp_path, "demo", {"n": 40, "seed": 1})
    assert other.path != store.path and not other.has(0)       # another setting never reads these chunks
    with pytest.raises(ValueError, match="params must be JSON-serialisable"):
        bridge.ChunkStore(tmp_path, "demo", {"f": object.__new__(type("X", (), {"__str__": None}))})


def _three_rows(*, lo, hi):
    return {"x": np.zeros(3)}


def test_a_chunk_with_the_wrong_number_of_rows_is_an_error():
    plan = bridge.plan_chunks(20, 8, memory_budget=8 * 10, block=10)
    with pytest.raises(RuntimeError, match="chunk 0: x has"):
        bridge.run_chunks(_three_rows, plan, progress=False)

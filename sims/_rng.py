"""Per-chain random streams shared by every stochastic simulation kernel and its NumPy oracle.

Every simulated chain owns a xoshiro256** state (Blackman & Vigna 2021, "Scrambled linear
pseudorandom number generators", ACM TOMS 47) of four uint64 words, seeded from ``(seed, chain
index)`` through splitmix64. Normals come from Doornik's ziggurat (ZIGNOR, 256 layers; Doornik
2005, "An improved ziggurat method to generate normal random samples"), which on its fast path
(≈ 99 % of draws) costs one 64-bit draw, one table lookup and one multiply: the low 8 bits pick
the layer and the top 53 bits the abscissa, so the two are independent. Rademacher signs use the
top bit of a fresh draw.

The numba functions below take and return the state as four scalars, so a kernel keeps it in
registers. ``NumpyStreams`` is their vectorised twin: the same integer arithmetic on uint64
arrays of all chains, the same ziggurat tables, and, on the rare slow paths, the same libm
``exp``/``log`` (through :mod:`math`; NumPy's SIMD versions differ from libm in the last bit).
A kernel and its reference therefore draw bit-identical numbers for every chain, whatever the
number of threads or the order in which chains are visited. ``sign_normal`` also takes a
Rademacher sign from an unused bit of the ziggurat's first word (data model A).

Maintenance: numba's on-disk cache (``cache=True``) of a kernel is keyed on that kernel module's
source only; after editing this file delete the ``__pycache__/*.nbi``/``*.nbc`` files of the
kernel modules (``sims/*/__pycache__``), or the kernels keep the old generator.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from theory.validate import as_seed

__all__ = ["INV53", "NumpyStreams", "ZIG_R", "ZIG_X", "next_u64", "normal", "rademacher",
           "seed_streams", "sign_normal", "uniform", "ziggurat"]

_U = np.uint64
_GAMMA = _U(0x9E3779B97F4A7C15)
_MIX1 = _U(0xBF58476D1CE4E5B9)
_MIX2 = _U(0x94D049BB133111EB)
INV53 = 2.0 ** -53

# ZIGNOR tables, 256 layers: right edge R of the base strip and common layer area V
# (Marsaglia & Tsang 2000 constants). X[0] = V/f(R) is the base strip's width, X[1] = R,
# X[256] = 0; a draw in layer i is accepted at once if |u| < X[i+1]/X[i].
_ZIG_LAYERS = 256
_ZIG_TAIL = 3.6541528853610088
_ZIG_AREA = 0.00492867323399


def _zig_tables() -> tuple[np.ndarray, np.ndarray]:
    x = np.empty(_ZIG_LAYERS + 1)
    f = math.exp(-0.5 * _ZIG_TAIL * _ZIG_TAIL)
    x[0] = _ZIG_AREA / f
    x[1] = _ZIG_TAIL
    x[_ZIG_LAYERS] = 0.0
    for i in range(2, _ZIG_LAYERS):
        x[i] = math.sqrt(-2.0 * math.log(_ZIG_AREA / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    r = x[1:] / x[:-1]
    return x, r


ZIG_X, ZIG_R = _zig_tables()
ZIG_X.setflags(write=False)
ZIG_R.setflags(write=False)


# --------------------------------------------------------------------------------------------
# seeding (NumPy only: the kernels receive the seeded state)
# --------------------------------------------------------------------------------------------

def _mix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _U(30))) * _MIX1
    z = (z ^ (z >> _U(27))) * _MIX2
    return z ^ (z >> _U(31))


def seed_streams(seed: int, n_streams: int) -> np.ndarray:
    """xoshiro256** states of chains 0..n_streams−1, array of uint64 of shape (4, n_streams).

    A splitmix64 generator started at state mix64(seed) emits the words; chain c gets its
    outputs 4c+1, …, 4c+4. splitmix64 outputs are distinct for distinct counters (mix64 is a
    bijection), so no chain gets the all-zero state and no two chains of one seed share a state.
    """
    seed = as_seed(seed)
    with np.errstate(over="ignore"):
        base = _mix64(np.array([seed], dtype=np.uint64))[0]
        k = np.arange(1, 4 * n_streams + 1, dtype=np.uint64)
        words = _mix64(base + k * _GAMMA)
    return np.ascontiguousarray(words.reshape(n_streams, 4).T)


# --------------------------------------------------------------------------------------------
# numba generator (state as four scalars)
# --------------------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def next_u64(s0, s1, s2, s3):
    """One xoshiro256** step: returns (output, new state)."""
    t5 = s1 * _U(5)
    r = ((t5 << _U(7)) | (t5 >> _U(57))) * _U(9)
    t = s1 << _U(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U(45)) | (s3 >> _U(19))
    return r, s0, s1, s2, s3


@njit(cache=True, inline="always")
def uniform(s0, s1, s2, s3):
    """Uniform on [0, 1) with 53 random bits."""
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    return np.float64(r >> _U(11)) * INV53, s0, s1, s2, s3


@njit(cache=True, inline="always")
def rademacher(s0, s1, s2, s3):
    """±1.0 with probability ½ each (top bit of one draw)."""
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    return 2.0 * np.float64(r >> _U(63)) - 1.0, s0, s1, s2, s3


@njit(cache=True, inline="always")
def ziggurat(r, zx, zr, s0, s1, s2, s3):
    """Normal from a first 64-bit word r (already drawn), drawing more words only on rejection.

    Written inline (no call to a separate jitted function on the slow path: returning the
    state tuple from such a call, even on a rarely taken branch, made the fast path several
    times slower).
    """
    while True:
        i = np.intp(r & _U(255))
        u = 2.0 * (np.float64(r >> _U(11)) * INV53) - 1.0
        if abs(u) < zr[i]:                           # inside layer i's rectangle (≈ 99 %)
            return u * zx[i], s0, s1, s2, s3
        if i == 0:                                   # base strip: exact tail beyond R
            while True:
                r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                e1 = np.float64((r >> _U(11)) + _U(1)) * INV53    # (0, 1]: log is finite
                r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
                e2 = np.float64((r >> _U(11)) + _U(1)) * INV53
                x = math.log(e1) / _ZIG_TAIL
                y = math.log(e2)
                if not (-2.0 * y < x * x):
                    if u < 0.0:
                        return x - _ZIG_TAIL, s0, s1, s2, s3
                    return _ZIG_TAIL - x, s0, s1, s2, s3
        x = u * zx[i]                                # wedge of layer i
        f0 = math.exp(-0.5 * (zx[i] * zx[i] - x * x))
        f1 = math.exp(-0.5 * (zx[i + 1] * zx[i + 1] - x * x))
        r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
        v = np.float64(r >> _U(11)) * INV53
        if f1 + v * (f0 - f1) < 1.0:
            return x, s0, s1, s2, s3
        r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)   # rejected: start over


@njit(cache=True, inline="always")
def normal(zx, zr, s0, s1, s2, s3):
    """Standard normal by the ziggurat (zx, zr: ``ZIG_X``, ``ZIG_R``)."""
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    return ziggurat(r, zx, zr, s0, s1, s2, s3)


@njit(cache=True, inline="always")
def sign_normal(zx, zr, s0, s1, s2, s3):
    """Independent (±1 sign, standard normal) pair from one ziggurat draw.

    The sign is bit 8 of the ziggurat's first word, which the ziggurat does not read (bits 0–7
    pick the layer, bits 11–63 the abscissa; acceptance depends only on those and on later
    words), so it is independent of the normal. Saves a full draw per sample of data model A.
    """
    r, s0, s1, s2, s3 = next_u64(s0, s1, s2, s3)
    x = 2.0 * np.float64((r >> _U(8)) & _U(1)) - 1.0
    z, s0, s1, s2, s3 = ziggurat(r, zx, zr, s0, s1, s2, s3)
    return x, z, s0, s1, s2, s3


# --------------------------------------------------------------------------------------------
# NumPy twin, vectorised over chains
# --------------------------------------------------------------------------------------------

def _libm(fn, x: np.ndarray) -> np.ndarray:
    """Apply a :mod:`math` function elementwise (libm, as numba does; used on rare slow paths)."""
    return np.fromiter((fn(v) for v in x.tolist()), dtype=np.float64, count=x.size)


class NumpyStreams:
    """xoshiro256** states of C chains as uint64 arrays; draws are vectorised over chains.

    Bit-identical to the numba functions of this module for every chain. Methods take an
    optional index array ``idx`` of the chains that draw (the others keep their state).
    """

    def __init__(self, state: np.ndarray):
        self.s = np.array(state, dtype=np.uint64, copy=True)      # (4, C)

    @property
    def n_streams(self) -> int:
        return self.s.shape[1]

    def next_u64(self, idx=None) -> np.ndarray:
        s = self.s if idx is None else self.s[:, idx]
        s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
        t5 = s1 * _U(5)
        r = ((t5 << _U(7)) | (t5 >> _U(57))) * _U(9)
        t = s1 << _U(17)
        s2 = s2 ^ s0
        s3 = s3 ^ s1
        s1 = s1 ^ s2
        s0 = s0 ^ s3
        s2 = s2 ^ t
        s3 = (s3 << _U(45)) | (s3 >> _U(19))
        new = np.stack([s0, s1, s2, s3])
        if idx is None:
            self.s = new
        else:
            self.s[:, idx] = new
        return r

    def uniform(self, idx=None) -> np.ndarray:
        return (self.next_u64(idx) >> _U(11)).astype(np.float64) * INV53

    def rademacher(self, idx=None) -> np.ndarray:
        return 2.0 * (self.next_u64(idx) >> _U(63)).astype(np.float64) - 1.0

    def normal(self, idx=None) -> np.ndarray:
        chains = self._chains(idx)
        return self._ziggurat(self.next_u64(chains), chains)

    def sign_normal(self, idx=None) -> tuple[np.ndarray, np.ndarray]:
        """(±1 sign, normal) from one ziggurat draw, as ``sign_normal``."""
        chains = self._chains(idx)
        r = self.next_u64(chains)
        x = 2.0 * ((r >> _U(8)) & _U(1)).astype(np.float64) - 1.0
        return x, self._ziggurat(r, chains)

    def _chains(self, idx) -> np.ndarray:
        return np.arange(self.n_streams) if idx is None else np.asarray(idx, dtype=np.intp)

    def _ziggurat(self, r: np.ndarray, chains: np.ndarray) -> np.ndarray:
        out = np.empty(chains.size)
        pos = np.arange(chains.size)                 # positions in ``out`` still pending
        while True:
            i = (r & _U(255)).astype(np.intp)
            u = 2.0 * ((r >> _U(11)).astype(np.float64) * INV53) - 1.0
            fast = np.abs(u) < ZIG_R[i]
            out[pos[fast]] = u[fast] * ZIG_X[i[fast]]
            pos, i, u = pos[~fast], i[~fast], u[~fast]
            tail = i == 0                            # slow paths (≈ 1 % of draws)
            if tail.any():
                out[pos[tail]] = self._tail(chains[pos[tail]], u[tail])
            pos, i, u = pos[~tail], i[~tail], u[~tail]
            if not pos.size:
                return out
            x = u * ZIG_X[i]
            f0 = _libm(math.exp, -0.5 * (ZIG_X[i] * ZIG_X[i] - x * x))
            f1 = _libm(math.exp, -0.5 * (ZIG_X[i + 1] * ZIG_X[i + 1] - x * x))
            v = self.uniform(chains[pos])
            acc = f1 + v * (f0 - f1) < 1.0
            out[pos[acc]] = x[acc]
            pos = pos[~acc]
            if not pos.size:
                return out
            r = self.next_u64(chains[pos])

    def _tail(self, chains: np.ndarray, u: np.ndarray) -> np.ndarray:
        out = np.empty(chains.size)
        pos = np.arange(chains.size)
        while pos.size:
            e1 = ((self.next_u64(chains[pos]) >> _U(11)) + _U(1)).astype(np.float64) * INV53
            e2 = ((self.next_u64(chains[pos]) >> _U(11)) + _U(1)).astype(np.float64) * INV53
            x = _libm(math.log, e1) / _ZIG_TAIL
            y = _libm(math.log, e2)
            acc = ~(-2.0 * y < x * x)
            neg = u[pos] < 0.0
            out[pos[acc & neg]] = x[acc & neg] - _ZIG_TAIL
            out[pos[acc & ~neg]] = _ZIG_TAIL - x[acc & ~neg]
            pos = pos[~acc]
        return out

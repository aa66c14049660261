r"""Lazy vs rich in two-layer ReLU networks at scale: the (τ, δ) × seeds sweep of Kunin et al. 2024, Fig. 1.

Torch bridge (``sims._torch``): every network of the sweep trains in one batched full-batch GD,
tensors with a leading network axis, chunked over seeds (one seed's τ × δ grid is one stream
block) and checkpointed to disk so an interrupted sweep resumes. :func:`relu_sweep_torch`,
result :class:`ReluSweepResult`.

Setting (docs/lazy_rich.md#figure-settings; Kunin et al. 2024, arXiv 2406.06158, §5 and Fig. 1):
per seed, $n$ training and ``n_test`` test inputs uniform on the sphere $S^{d-1}$, a teacher
$f^*(x) = \sum_{j<m_0} b_j \operatorname{relu}(u_j^\top x)$ with unit directions $u_j$ and readouts $b_j = \pm1$, and a student
$f(x) = \sum_k a_k \operatorname{relu}(w_k^\top x)$ of width $m$ started from the $(\tau, \delta)$ family: $\lVert w_k\rVert = \tau\alpha$, $\lvert a_k\rvert = \tau/\alpha$ with
$\alpha$ from :func:`theory.lazy_rich.relu_init_scale`, so that every neuron has $a_k^2 - \lVert w_k\rVert^2 = \delta$ and
$\lvert a_k\rvert\lVert w_k\rVert = \tau^2$. Directions and readout signs are drawn per seed and shared by the whole $(\tau, \delta)$
grid; neurons $m/2 \ldots m - 1$ copy neurons $0 \ldots m/2 - 1$ with negated readouts, so $f \equiv 0$ at the start
(exactly: the forward pass adds the two halves' sums, which are exact negatives). GD on the mean
squared error $\frac1n\sum(f - y)^2$ at unit layer rates with step lr = ``lr_scale``$/\tau^2$.

The linearised (NTK) model $f_\text{lin}(\theta) = f(\theta_0) + J(\theta_0)(\theta - \theta_0)$ trains from the same start with the
same step; ``lin_gap`` is the RMS distance between the network and its linearisation on the test
set. Measures (docs/lazy_rich.md#lazy-and-rich-measures): kernel distance $S(0, t)$ of the plain
NTK Gram on the training set, activation Hamming distance, parameter distance; these are the torch
twins of :func:`sims.lazy_rich.relu_ntk_gram`, :func:`~sims.lazy_rich.kernel_distance_from_grams`,
:func:`~sims.lazy_rich.hamming_distance` and :func:`~sims.lazy_rich.parameter_distance` (the tests
compare them to 1e-12).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import numpy as np

from theory.lazy_rich import relu_init_scale
from theory.summary import compact_repr
from theory.validate import as_count, as_finite_array, as_positive_scalar, as_seed, check_work

__all__ = ["ReluSweepResult", "relu_sweep_torch"]

#: Sizes of Kunin et al. 2024, Fig. 1 (docs/lazy_rich.md#figure-settings).
PAPER_SIZE = dict(taus=np.logspace(-1.0, 0.3, 17).tolist(), deltas=np.linspace(-1.0, 1.0, 17).tolist(),
                  n_seeds=16, m=50, n=1000, d=100, m0=3, n_test=10_000, n_steps=10**6)
#: Reduced default: about a minute on one CPU core.
REDUCED_SIZE = dict(taus=np.logspace(-1.0, 0.3, 5).tolist(), deltas=np.linspace(-1.0, 1.0, 5).tolist(),
                    n_seeds=2, m=20, n=100, d=10, m0=3, n_test=1000, n_steps=1000)

_METRICS = ("train_loss", "test_loss", "kernel_distance", "hamming_distance", "parameter_distance",
            "lin_train_loss", "lin_test_loss", "lin_gap", "lin_parameter_distance")


@compact_repr
@dataclass(frozen=True)
class ReluSweepResult:
    r"""Checkpointed metrics of the batched (τ, δ) × seeds ReLU sweep (Kunin et al. 2024, Fig. 1).

    Arrays of metrics have shape (T, D, S, R): τ index, δ index, seed, checkpoint.

    Attributes
    ----------
    taus : ndarray of shape (T,)
        Init scales τ.
    deltas : ndarray of shape (D,)
        Per-neuron conserved quantities $\delta = a_k^2 - \lVert w_k\rVert^2$.
    lr : ndarray of shape (T,)
        Step sizes ``lr_scale``$/\tau^2$.
    steps : ndarray of int64, shape (R,)
        Checkpoint steps: 0, 10, 100, … and ``n_steps``.
    train_loss, test_loss : ndarray (T, D, S, R)
        Mean squared error $\frac1n\sum(f - y)^2$ on the training set and against the teacher on the test set.
    kernel_distance : ndarray (T, D, S, R)
        $S(0, t) = 1 - \langle K_0, K_t\rangle_F/(\lVert K_0\rVert_F\lVert K_t\rVert_F)$ of the plain NTK Gram on the training inputs.
    hamming_distance : ndarray (T, D, S, R)
        Flipped ReLU activations per training sample (0 … m).
    parameter_distance : ndarray (T, D, S, R)
        $\sqrt{\lVert W_t - W_0\rVert_F^2 + \lVert a_t - a_0\rVert^2}$.
    lin_train_loss, lin_test_loss, lin_parameter_distance : ndarray (T, D, S, R)
        The same for the linearised model.
    lin_gap : ndarray (T, D, S, R)
        RMS of $f(x; \theta_t) - f_\text{lin}(x; \theta_t^\text{lin})$ over the test inputs.
    delta : ndarray (T, D, S, R, m)
        Per-neuron $\delta_k = a_k^2 - \lVert w_k\rVert^2$ at the checkpoints.
    delta_gd_increment : ndarray (T, D, S, R, m)
        $\sum$ over the steps before the checkpoint of $h^2\big((\partial L/\partial a_k)^2 - \lVert\partial L/\partial w_k\rVert^2\big)$: the exact change of $\delta_k$
        under GD (zero under gradient flow).
    grad_sq_max : ndarray (T, D, S, R)
        Largest $\max\big((\partial L/\partial a_k)^2, \lVert\partial L/\partial w_k\rVert^2\big)$ over neurons and the steps before the checkpoint.
    diverged, lin_diverged : ndarray of bool, shape (T, D, S)
        Network (linearised model) left the finite region $\lVert\theta\rVert \le$ ``max_norm``; it is frozen at its last
        valid state and its metrics are those of that state.
    diverged_at, lin_diverged_at : ndarray of int64, shape (T, D, S)
        The step that would have produced the invalid state (−1 if none).
    m, n, d, m0, n_test, n_steps, seed : int
        Sizes and the run's seed.
    lr_scale : float
    device, dtype : str
        Where it ran and in which precision.
    """

    taus: np.ndarray
    deltas: np.ndarray
    lr: np.ndarray = field(repr=False)
    steps: np.ndarray
    train_loss: np.ndarray = field(repr=False)
    test_loss: np.ndarray
    kernel_distance: np.ndarray
    hamming_distance: np.ndarray = field(repr=False)
    parameter_distance: np.ndarray
    lin_train_loss: np.ndarray = field(repr=False)
    lin_test_loss: np.ndarray = field(repr=False)
    lin_gap: np.ndarray
    lin_parameter_distance: np.ndarray = field(repr=False)
    delta: np.ndarray = field(repr=False)
    delta_gd_increment: np.ndarray = field(repr=False)
    grad_sq_max: np.ndarray = field(repr=False)
    diverged: np.ndarray
    lin_diverged: np.ndarray = field(repr=False)
    diverged_at: np.ndarray = field(repr=False)
    lin_diverged_at: np.ndarray = field(repr=False)
    m: int
    n: int
    d: int
    m0: int = field(repr=False)
    n_test: int = field(repr=False)
    n_steps: int
    seed: int = field(repr=False)
    lr_scale: float = field(repr=False)
    device: str
    dtype: str


def checkpoint_steps(n_steps: int) -> np.ndarray:
    """0, 10, 100, …, 10^k ≤ ``n_steps``, and ``n_steps`` itself."""
    steps = {0, n_steps}
    k = 10
    while k < n_steps:
        steps.add(k)
        k *= 10
    return np.array(sorted(steps), dtype=np.int64)


# --------------------------------------------------------------------------------------------
# data and initialisation of one seed
# --------------------------------------------------------------------------------------------

def _sphere(torch, gen, rows, d):
    x = torch.randn(rows, d, generator=gen, dtype=torch.float64)
    return x / torch.linalg.vector_norm(x, dim=1, keepdim=True)


def _signs(torch, gen, size):
    return torch.randint(0, 2, (size,), generator=gen).to(torch.float64) * 2.0 - 1.0


def _seed_draws(seed, s, m, n, d, m0, n_test):
    """Data, teacher and student directions of seed index ``s`` (float64 on the CPU: device-independent)."""
    from .._torch import block_generator, require_torch

    torch = require_torch()
    gen = block_generator(seed, s, "cpu")
    U = _sphere(torch, gen, m0, d)                   # teacher directions
    b = _signs(torch, gen, m0)                       # teacher readouts ±1
    X = _sphere(torch, gen, n, d)
    Xt = _sphere(torch, gen, n_test, d)
    dirs = _sphere(torch, gen, m // 2, d)            # student directions (one per mirrored pair)
    sgn = _signs(torch, gen, m // 2)
    y = torch.relu(X @ U.T) @ b
    yt = torch.relu(Xt @ U.T) @ b
    return X, y, Xt, yt, dirs, sgn


def _init_grid(torch, dirs, sgn, taus, deltas):
    """Mirrored (τ, δ) initialisation: a0 (G, m), W0 (G, m, d) with G = T·D, τ-major."""
    alpha = relu_init_scale(taus[:, None], deltas[None, :]).reshape(-1)        # (G,)
    tau = np.repeat(taus, deltas.size)
    w_norm = torch.as_tensor(tau * alpha)[:, None, None]
    a_abs = torch.as_tensor(tau / alpha)[:, None]
    Wh = w_norm * dirs[None]                                                    # (G, m/2, d)
    ah = a_abs * sgn[None]
    return torch.cat([ah, -ah], dim=1), torch.cat([Wh, Wh], dim=1)


# --------------------------------------------------------------------------------------------
# the batched engine
# --------------------------------------------------------------------------------------------

def _pair_sum(torch, coef, F):
    """f = Σ_k coef_k F_k as (first-half sum) + (second-half sum), so mirrored halves cancel exactly.

    coef: (..., m), F: (..., m, p) -> (..., p).
    """
    h = coef.shape[-1] // 2
    if 2 * h != coef.shape[-1]:
        return (coef.unsqueeze(-2) @ F).squeeze(-2)
    return (coef[..., :h].unsqueeze(-2) @ F[..., :h, :]).squeeze(-2) + \
        (coef[..., h:].unsqueeze(-2) @ F[..., h:, :]).squeeze(-2)


def _preact(W, XT):
    """Z = W Xᵀ batched over seeds: W (S, G, m, d), XT (S, d, p) -> (S, G, m, p)."""
    S, G, m, d = W.shape
    return (W.reshape(S, G * m, d) @ XT).reshape(S, G, m, XT.shape[-1])


def _rowmat(P, X):
    """P X batched over seeds: P (S, G, m, p), X (S, p, d) -> (S, G, m, d)."""
    S, G, m, p = P.shape
    return (P.reshape(S, G * m, p) @ X).reshape(S, G, m, X.shape[-1])


def _linearised_output(torch, a, W, a0, W0, XT):
    """f_lin = f(θ0) + Σ_k relu(w0_kᵀx)(a_k − a0_k) + a0_k 1[w0_kᵀx > 0] (w_k − w0_k)ᵀx; shapes as in :func:`_preact`."""
    Z0 = _preact(W0, XT)
    S0 = torch.relu(Z0)
    D0 = (Z0 > 0).to(Z0.dtype)
    f0 = _pair_sum(torch, a0, S0)
    U = _preact(W - W0, XT)
    return f0 + _pair_sum(torch, a - a0, S0) + _pair_sum(torch, a0, D0 * U)


def _ntk_gram(torch, a, Z, XX):
    """Plain NTK Gram K = SᵀS + (XXᵀ) ⊙ (Dᵀ diag(a²) D) for S = relu(Z), D = 1[Z > 0]; Z (..., m, n).

    Torch twin of :func:`sims.lazy_rich.relu_ntk_gram` (leak 0, unweighted) in the (m, n) layout.
    """
    Sg = torch.relu(Z)
    D = (Z > 0).to(Z.dtype)
    return Sg.transpose(-1, -2) @ Sg + XX * ((D * (a * a).unsqueeze(-1)).transpose(-1, -2) @ D)


def _kernel_distance(torch, K0, Kt):
    """S = ½‖K0/‖K0‖_F − Kt/‖Kt‖_F‖_F², the evaluation of :func:`sims.lazy_rich.kernel_distance_from_grams`."""
    n0 = torch.sqrt(torch.sum(K0 * K0, dim=(-2, -1)))
    nt = torch.sqrt(torch.sum(Kt * Kt, dim=(-2, -1)))
    diff = K0 / n0[..., None, None] - Kt / nt[..., None, None]
    return 0.5 * torch.sum(diff * diff, dim=(-2, -1))


def _measure(torch, out, ri, state, data, group):
    """Fill checkpoint ``ri`` of ``out`` (dict of tensors (S, G, R, ...)) from the current state."""
    a, W, al, Wl, a0, W0, res, res_l = state
    X, XT, XtT, yt, XX = data
    S, G, m, d = W.shape
    n = XT.shape[-1]
    out["train_loss"][:, :, ri] = torch.mean(res * res, dim=-1)
    out["lin_train_loss"][:, :, ri] = torch.mean(res_l * res_l, dim=-1)
    out["parameter_distance"][:, :, ri] = torch.sqrt(torch.sum((a - a0) ** 2, -1) + torch.sum((W - W0) ** 2, (-2, -1)))
    out["lin_parameter_distance"][:, :, ri] = torch.sqrt(torch.sum((al - a0) ** 2, -1)
                                                        + torch.sum((Wl - W0) ** 2, (-2, -1)))
    out["delta"][:, :, ri] = a * a - torch.sum(W * W, dim=-1)
    for lo in range(0, G, group):                   # test set and n × n Grams, a group of networks at a time
        sl = slice(lo, min(lo + group, G))
        ft = _pair_sum(torch, a[:, sl], torch.relu(_preact(W[:, sl], XtT)))
        fl = _linearised_output(torch, al[:, sl], Wl[:, sl], a0[:, sl], W0[:, sl], XtT)
        out["test_loss"][:, sl, ri] = torch.mean((ft - yt[:, None]) ** 2, dim=-1)
        out["lin_test_loss"][:, sl, ri] = torch.mean((fl - yt[:, None]) ** 2, dim=-1)
        out["lin_gap"][:, sl, ri] = torch.sqrt(torch.mean((ft - fl) ** 2, dim=-1))
        Z0 = _preact(W0[:, sl], XT)
        Zt = _preact(W[:, sl], XT)
        out["hamming_distance"][:, sl, ri] = torch.sum((Z0 > 0) != (Zt > 0), dim=(-2, -1)).to(Z0.dtype) / n
        K0 = _ntk_gram(torch, a0[:, sl], Z0, XX[:, None])
        Kt = _ntk_gram(torch, a[:, sl], Zt, XX[:, None])
        out["kernel_distance"][:, sl, ri] = _kernel_distance(torch, K0, Kt)


def _train(torch, X, y, Xt, yt, a0, W0, lr, steps, bound2, group, keep_states=False, linearised=True, bar=None):
    """Batched full-batch GD of the networks and their linearisations.

    X (S, n, d), y (S, n), Xt (S, n_test, d), yt (S, n_test), a0 (S, G, m), W0 (S, G, m, d),
    lr (G,), steps: checkpoint steps (R,). Returns a dict of tensors with leading axes (S, G)
    (with ``keep_states`` also the parameters a, W, a_lin, W_lin at the checkpoints, for the tests).
    ``linearised=False`` leaves the linearised model at its start (the benchmark times the network alone).
    ``bar``: a tqdm bar advanced once per 1000 steps (a chunk can hold the whole sweep on a GPU).
    """
    S, G, m, d = W0.shape
    n = X.shape[1]
    R = steps.size
    dt = W0.dtype
    c = 2.0 / n                                       # gradient factor of the mean loss (1/n)Σr²
    XT, XtT = X.transpose(1, 2).contiguous(), Xt.transpose(1, 2).contiguous()
    data = (X, XT, XtT, yt, X @ XT)
    h = lr.to(dt)[None, :]                            # (1, G)
    out = {k: torch.zeros(S, G, R, dtype=dt, device=W0.device) for k in _METRICS}
    out["delta"] = torch.zeros(S, G, R, m, dtype=dt, device=W0.device)
    out["delta_gd_increment"] = torch.zeros(S, G, R, m, dtype=dt, device=W0.device)
    out["grad_sq_max"] = torch.zeros(S, G, R, dtype=dt, device=W0.device)
    a, W, al, Wl = a0.clone(), W0.clone(), a0.clone(), W0.clone()
    if keep_states:
        for k, v in (("a", a), ("W", W), ("a_lin", al), ("W_lin", Wl)):
            out[k] = torch.zeros((S, G, R) + tuple(v.shape[2:]), dtype=dt, device=W0.device)
    Z0 = _preact(W0, XT)
    S0, pos0 = torch.relu(Z0), Z0 > 0               # the start's features; a bool mask (1 byte per entry)
    f0 = _pair_sum(torch, a0, S0)
    inc = torch.zeros(S, G, m, dtype=dt, device=W0.device)
    gmax = torch.zeros(S, G, dtype=dt, device=W0.device)
    live = torch.ones(S, G, dtype=torch.bool, device=W0.device)
    live_l = live.clone()
    div_at = torch.full((S, G), -1, dtype=torch.int64, device=W0.device)
    div_at_l = div_at.clone()
    ri = 0
    for s in range(int(steps[-1]) + 1):
        # network: forward, f as the sum of the two mirrored halves
        Z = _preact(W, XT)
        Sg = torch.relu(Z)
        res = _pair_sum(torch, a, Sg) - y[:, None]
        # linearised model: f_lin = f0 + J(θ0)(θ − θ0)
        if linearised or s == steps[ri]:
            U = torch.where(pos0, _preact(Wl - W0, XT), 0.0)
            res_l = f0 + _pair_sum(torch, al - a0, S0) + _pair_sum(torch, a0, U) - y[:, None]
        if s == steps[ri]:
            out["delta_gd_increment"][:, :, ri] = inc
            out["grad_sq_max"][:, :, ri] = gmax
            _measure(torch, out, ri, (a, W, al, Wl, a0, W0, res, res_l), data, group)
            if keep_states:
                for k, v in (("a", a), ("W", W), ("a_lin", al), ("W_lin", Wl)):
                    out[k][:, :, ri] = v
            ri += 1
            if ri == R:
                break
        # network gradients: ∂L/∂a_k = c Σ_i r_i relu(z_ik), ∂L/∂w_k = c a_k Σ_i r_i 1[z_ik > 0] x_i
        ga = c * (Sg @ res.unsqueeze(-1)).squeeze(-1)
        # r_i 1[z_ik > 0] in one pass over Z (the same numbers as mask × r; fewer passes over m × n tensors)
        gW = (c * a).unsqueeze(-1) * _rowmat(torch.where(Z > 0, res.unsqueeze(-2), 0.0), X)
        a_new = a - h.unsqueeze(-1) * ga
        W_new = W - h[..., None, None] * gW
        norm2 = torch.sum(a_new * a_new, -1) + torch.sum(W_new * W_new, (-2, -1))
        ok = live & (norm2 <= bound2)                 # NaN compares False: non-finite states fail too
        div_at = torch.where(live & ~ok, s + 1, div_at)
        live = ok
        gsq_a, gsq_w = ga * ga, torch.sum(gW * gW, -1)
        inc = torch.where(ok.unsqueeze(-1), inc + (h * h).unsqueeze(-1) * (gsq_a - gsq_w), inc)
        gmax = torch.where(ok, torch.maximum(gmax, torch.amax(torch.maximum(gsq_a, gsq_w), -1)), gmax)
        a = torch.where(ok.unsqueeze(-1), a_new, a)
        W = torch.where(ok[..., None, None], W_new, W)
        if bar is not None and (s + 1) % 1000 == 0:
            bar.update(1000)
        if not linearised:
            continue
        # linearised gradients: ∂L/∂a_k = c Σ_i r_i relu(z0_ik), ∂L/∂w_k = c a0_k Σ_i r_i 1[z0_ik > 0] x_i
        ga_l = c * (S0 @ res_l.unsqueeze(-1)).squeeze(-1)
        gW_l = (c * a0).unsqueeze(-1) * _rowmat(torch.where(pos0, res_l.unsqueeze(-2), 0.0), X)
        al_new = al - h.unsqueeze(-1) * ga_l
        Wl_new = Wl - h[..., None, None] * gW_l
        norm2_l = torch.sum(al_new * al_new, -1) + torch.sum(Wl_new * Wl_new, (-2, -1))
        ok_l = live_l & (norm2_l <= bound2)
        div_at_l = torch.where(live_l & ~ok_l, s + 1, div_at_l)
        live_l = ok_l
        al = torch.where(ok_l.unsqueeze(-1), al_new, al)
        Wl = torch.where(ok_l[..., None, None], Wl_new, Wl)
    out["diverged"], out["diverged_at"] = ~live, div_at
    out["lin_diverged"], out["lin_diverged_at"] = ~live_l, div_at_l
    return out


def _bytes_per_network(m, n, d):
    """Peak bytes of one network in the time loop (parameters, pre-activations, masks, gradients), float64."""
    return 8 * (12 * m * (d + 1) + 10 * m * n + 4 * n)


def _measure_group(G, m, n, n_test, budget):
    """Networks per group in the checkpoint measures (test outputs and n × n Grams) within a quarter of the budget."""
    per = 8 * (6 * m * n_test + 6 * n * n + 4 * m * n)
    return int(max(1, min(G, (budget // 4) // per)))


def _as_grid(x, name, default, positive=False):
    arr = as_finite_array(default if x is None else x, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name} must contain at least one value")
    if positive and np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0; got min {format(float(arr.min()), 'g')}")
    return arr


def _relu_chunk(*, lo, hi, taus, deltas, seed, m, n, d, m0, n_test, n_steps, lr_scale, max_norm, device, dtype,
                group, step_bar):
    """Train the networks lo … hi − 1 of the sweep (whole seeds: G = T·D networks each), rebuilt from the settings.

    The task of :func:`relu_sweep_torch` (``sims._torch.run_chunks``): every argument is a plain
    value (grids as lists, device and dtype by name); the data of each seed are drawn here from
    ``block_generator(seed, s)``. Returns the metrics with leading axis hi − lo (seed-major, τ, δ).
    """
    from tqdm.auto import tqdm

    from .._torch import require_torch, resolve_device, resolve_dtype

    torch = require_torch()
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    taus, deltas = np.asarray(taus, dtype=np.float64), np.asarray(deltas, dtype=np.float64)
    G = taus.size * deltas.size
    lr = lr_scale / taus**2
    steps = checkpoint_steps(n_steps)
    draws = [_seed_draws(seed, s, m, n, d, m0, n_test) for s in range(lo // G, hi // G)]
    X, y, Xt, yt = (torch.stack([dr[j] for dr in draws]).to(dev, dt) for j in range(4))
    inits = [_init_grid(torch, dr[4], dr[5], taus, deltas) for dr in draws]
    a0 = torch.stack([p[0] for p in inits]).to(dev, dt)
    W0 = torch.stack([p[1] for p in inits]).to(dev, dt)
    with tqdm(total=n_steps, desc=f"seeds {lo // G}-{hi // G - 1}: GD steps", disable=not step_bar, leave=False,
              unit="step") as bar:
        res = _train(torch, X, y, Xt, yt, a0, W0, torch.as_tensor(lr).repeat_interleave(deltas.size).to(dev),
                     steps, max_norm * max_norm, group, bar=bar)
    return {k: v.reshape((-1,) + tuple(v.shape[2:])).cpu().numpy() for k, v in res.items()}


def relu_sweep_torch(taus=None, deltas=None, n_seeds=2, *, m=20, n=100, d=10, m0=3, n_test=1000,
                     n_steps=1000, lr_scale=5e-3, seed=0, max_norm=1e6, device="auto", dtype="float64",
                     memory_budget="auto", progress=None, checkpoint_dir=None, executor=None) -> ReluSweepResult:
    r"""Lazy vs rich sweep of two-layer ReLU networks over (τ, δ) × seeds, batched on the torch bridge.

    Kunin et al. (2024), arXiv 2406.06158, §5 and Fig. 1 (docs/lazy_rich.md#relu-networks,
    docs/lazy_rich.md#figure-settings). Each network $f(x) = \sum_k a_k \operatorname{relu}(w_k^\top x)$ starts from the mirrored
    $(\tau, \delta)$ initialisation ($\lVert w_k\rVert = \tau\alpha$, $\lvert a_k\rvert = \tau/\alpha$, $\delta = a_k^2 - \lVert w_k\rVert^2 = \tau^2(\alpha^{-2} - \alpha^2)$, $f \equiv 0$) and runs
    full-batch GD on $\frac1n\sum(f - y)^2$ at unit layer rates with step $h$ = ``lr_scale``$/\tau^2$:

    $$a_k \leftarrow a_k - h\tfrac2n\sum_i r_i\,\mathrm{relu}(w_k^\top x_i), \qquad
    w_k \leftarrow w_k - h\tfrac2n a_k\sum_i r_i 1[w_k^\top x_i > 0]\,x_i,$$

    the same update as :func:`sims.lazy_rich.gradient_descent_relu` (``loss="mean"``). The linearised
    model $f(\theta_0) + J(\theta_0)(\theta - \theta_0)$ trains alongside from the same start. Every checkpoint (0, 10, 10², …,
    ``n_steps``) records the metrics of :class:`ReluSweepResult`. Defaults are the reduced size
    (5 × 5 grid, 2 seeds, m = 20, n = 100, d = 10, 10³ steps: about a minute on one CPU core); the
    paper's size is ``PAPER_SIZE`` (17 × 17 grid, 16 seeds, m = 50, n = 1000, d = 100, 10⁴ test
    points, 10⁶ steps: a GPU run).

    Random numbers: seed index s draws its data, teacher and student directions from
    ``block_generator(seed, s)`` in float64 on the CPU, so results depend on ``seed`` only, not on the
    device, the budget or the chunking. A chunk is a whole number of seeds (one stream block = the
    T·D networks of one seed).

    Parameters
    ----------
    taus : array of shape (T,), optional
        Init scales τ > 0 (default logspace(−1, 0.3, 5); the paper: 17 points).
    deltas : array of shape (D,), optional
        δ values (default linspace(−1, 1, 5); the paper: 17 points).
    n_seeds : int, default 2
        Independent draws of data, teacher and student directions (the paper: 16).
    m : int, default 20
        Student width, even (mirrored pairs), >= 2.
    n, d, m0, n_test : int, default 100, 10, 3, 1000
        Training samples, input dimension, teacher width, test samples.
    n_steps : int, default 1000
        GD steps (>= 1).
    lr_scale : float, default 5e-3
        Step size $h$ = ``lr_scale``$/\tau^2$.
    seed : int, default 0
    max_norm : float, default 1e6
        A network whose parameter norm would exceed this (or become non-finite) is frozen and flagged.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default "auto"
    dtype : {"float64", "float32"}, default "float64"
    memory_budget : int or "auto", default "auto"
        Bytes a chunk may use ("auto": 2 GiB on the CPU, half the free memory of a GPU); results do not
        depend on it beyond roundoff.
    progress : bool or None, default None
        Progress bars over networks and, inside a chunk, over GD steps (None: only on a terminal).
    checkpoint_dir : path, optional
        Root directory of the run's chunk store: finished chunks (one seed's grid each) are saved there and
        reused when the same run is started again.
    executor : None, concurrent.futures.Executor or distributed.Client, default None
        Where the chunks run (one task per chunk of seeds). None: in this process, as always.
        Otherwise any ``concurrent.futures.Executor`` (a process pool with a ``forkserver`` or
        ``spawn`` context, loky, ``mpi4py.futures``, a Dask client's ``get_executor()``) or a
        ``distributed.Client``; the executor is not shut down (docs/cluster.md). ``device`` is
        resolved here and used on the workers: on CPU workers pass ``device="cpu"``. Each task runs
        torch on one thread unless the worker's environment sets ``OMP_NUM_THREADS`` or
        ``MKL_NUM_THREADS`` (``sims._torch.run_chunks``); the result equals the in-process one bit for
        bit when this process runs torch on one thread too. Chunks are the memory budget's: lower
        ``memory_budget`` for more, smaller tasks.

    Returns
    -------
    ReluSweepResult

    Raises
    ------
    ValueError
        Naming the argument on invalid input (or ``memory_budget`` when one seed's grid does not fit).
    TypeError
        When ``executor`` is not an executor.
    ImportError
        Without torch, with the install command.
    """
    from .._checkpoint import checkpoint_store
    from .._parallel import resolve_executor
    from .._torch import memory_budget_bytes, plan_chunks, require_torch, resolve_device, resolve_dtype, run_chunks

    taus = _as_grid(taus, "taus", REDUCED_SIZE["taus"], positive=True)
    deltas = _as_grid(deltas, "deltas", REDUCED_SIZE["deltas"])
    # the (τ, δ) family in float64: |a| = τ/α and ‖w‖ = τα with α² ~ τ²/|δ| must neither underflow nor overflow
    if np.any(taus < 1e-4) or np.any(taus > 1e4):
        raise ValueError(f"taus must lie in [1e-4, 1e4]; got range [{taus.min():g}, {taus.max():g}]")
    if np.any(np.abs(deltas) > 1e8):
        raise ValueError(f"deltas must lie in [-1e8, 1e8]; got range [{deltas.min():g}, {deltas.max():g}]")
    n_seeds = as_count(n_seeds, "n_seeds")
    m = as_count(m, "m", minimum=2)
    if m % 2:
        raise ValueError(f"m must be even (neurons come in mirrored pairs); got {m}")
    n, d, m0, n_test = (as_count(v, k) for v, k in ((n, "n"), (d, "d"), (m0, "m0"), (n_test, "n_test")))
    n_steps = as_count(n_steps, "n_steps")
    lr_scale = as_positive_scalar(lr_scale, "lr_scale")
    seed = as_seed(seed)
    max_norm = as_positive_scalar(max_norm, "max_norm")
    if max_norm > 1e150:
        raise ValueError(f"max_norm must be at most 1e150 (its square must stay finite); got {max_norm:g}")
    if checkpoint_dir is not None and not isinstance(checkpoint_dir, (str, os.PathLike)):
        raise ValueError(f"checkpoint_dir must be a path (str or os.PathLike) or None; got {type(checkpoint_dir).__name__}")
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool or None; got {type(progress).__name__}")
    G = taus.size * deltas.size
    check_work(n_seeds * G * n_steps * m * n * d, "networks x steps x m x n x d of relu_sweep_torch")
    torch = require_torch()
    dev = resolve_device(device)
    dt = resolve_dtype(dtype)
    dtype_name = "float64" if dt == torch.float64 else "float32"
    lr = lr_scale / taus**2
    steps = checkpoint_steps(n_steps)
    plan = plan_chunks(n_seeds * G, _bytes_per_network(m, n, d), memory_budget, dev, block=G)
    group = _measure_group(G, m, n, n_test, memory_budget_bytes(memory_budget, dev))   # the budget plan_chunks used

    executor = resolve_executor(executor)
    # the same rule as run_tasks: None shows the bars only on a terminal (run_tasks validates progress);
    # the per-chunk bar over GD steps only in process (a worker's stderr is not the user's terminal)
    step_bar = executor is None and (sys.stderr.isatty() if progress is None else bool(progress))
    params = dict(taus=taus.tolist(), deltas=deltas.tolist(), n_seeds=n_seeds, m=m, n=n, d=d, m0=m0, n_test=n_test,
                  n_steps=n_steps, lr_scale=lr_scale, seed=seed, max_norm=max_norm, dtype=dtype_name)
    store = checkpoint_store(checkpoint_dir, "lazy_rich_relu_sweep", dict(params, block=G, per_chunk=plan.per_chunk))
    settings = dict(params, device=str(dev), group=group, step_bar=step_bar)
    del settings["n_seeds"]
    flat = run_chunks(_relu_chunk, plan, settings, executor=executor, store=store, desc="lazy_rich ReLU sweep",
                      progress=progress)

    T, D = taus.size, deltas.size

    def grid(v):                                     # (S·T·D, ...) -> (T, D, S, ...)
        v = v.reshape((n_seeds, T, D) + v.shape[1:])
        return np.ascontiguousarray(np.moveaxis(v, 0, 2))

    fields = {k: grid(v) for k, v in flat.items()}
    for k in ("diverged", "lin_diverged"):
        fields[k] = fields[k].astype(bool)
    for k in ("diverged_at", "lin_diverged_at"):
        fields[k] = fields[k].astype(np.int64)
    return ReluSweepResult(taus=taus, deltas=deltas, lr=lr, steps=steps, **fields, m=m, n=n, d=d, m0=m0,
                           n_test=n_test, n_steps=n_steps, seed=seed, lr_scale=lr_scale, device=str(dev),
                           dtype=dtype_name)

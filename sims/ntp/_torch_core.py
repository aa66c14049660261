r"""The full-batch NTP step on torch, written once: the torch core of the shared engine and the bridge.

Two callers share it: the torch core of the engine's full-batch optimisers
(:func:`_full_batch_torch`, ``sims.ntp.gradient_descent(..., backend="torch")`` and its siblings)
and the vocabulary-scale bridge :func:`sims.ntp._torch_vocab.gradient_descent_torch`. One step is

$$L = WH, \qquad G = (S(L) - P)\,\Pi H^\top, \qquad W \leftarrow \text{update}(W, G),$$

(Thrampoulidis 2024, §2; docs/ntp.md#the-model-and-the-entropy-bound) with the residual $S - P$
formed without cancellation exactly as the numba kernel forms it (``sims/ntp/_train_kernels.py``:
stable softmax per context; on the support $s_z - p_z = p_z\,\mathrm{expm1}(\log s_z - \log p_z)$,
or $-s_z\,\mathrm{expm1}(\log p_z - \log s_z)$ when $s_z > p_z$; off it $e_v/Z$) and the same
optimiser updates (GD, normalised GD, heavy-ball momentum, bias-corrected Adam) elementwise in
the same order. Contexts may be split into chunks (the bridge's memory budget).

What differs from the numba kernel: the sums inside the two matrix products ($WH$ over d,
$R\Pi H^\top$ over contexts), the softmax normaliser (over V) and the squared norm of normalised GD
are reduced in BLAS / torch order instead of ascending order, and the in-support $s$ is $e/Z$
instead of $\exp(\log s)$ (an ulp apart). Elementwise operations are the same IEEE operations, so
the two backends agree to rounding, not bit for bit (the tolerance is declared with each
simulation in ``sims/ntp/_train.py``).

No torch at import: ``torch`` is passed in by the caller (:func:`sims._torch.require_torch`).
"""

from __future__ import annotations

import math

import numpy as np

from ._train_kernels import ADAM, GD, LOGIT_LIMIT, MOMENTUM, NGD

__all__ = ["FullBatchStep", "OptimizerState", "residual"]


def residual(torch, L, P, logP, S, w):
    r"""(S(L) − P)·diag(w), cancellation-free on the support (the kernel's ``_residual``).

    With $\delta = \log s - \log p$: $p\,\mathrm{expm1}(\delta)$ when $\delta \le 0$, else
    $-s\,\mathrm{expm1}(-\delta)$; one ``expm1`` of $-|\delta|$ serves both (argument <= 0, no overflow).
    """
    mx = L.amax(dim=0, keepdim=True)
    shifted = L - mx
    e = torch.exp(shifted)
    Z = e.sum(dim=0, keepdim=True)
    # in place where a temporary is not needed again: fewer tensor operations, the same values
    s = e.div_(Z)                               # s = e/Z where the kernel takes exp(log s): an ulp apart
    delta = shifted.sub_(torch.log(Z)).sub_(logP)
    em = torch.expm1(delta.abs().neg_())
    # −(s·em) = (−s)·em exactly (negation is exact)
    return torch.where(S, torch.where(delta <= 0.0, P, -s).mul_(em), s).mul_(w)


class FullBatchStep:
    """The data of one full-batch NTP problem on a device, and the two halves of a step.

    Parameters
    ----------
    torch : module
        The imported torch.
    H, P, logP, support, pi : numpy.ndarray
        The validated problem (``sims.ntp._history._problem``): embeddings (d, m), next-token
        distributions (V, m), their logarithms on the support (0 off it), the support (bool) and
        the context frequencies (m,).
    device : torch.device
        Where the tensors live.
    dtype : torch.dtype
        float64 (or float32 on the bridge, opt-in).
    bounds : sequence of (int, int), optional
        Context chunks ``(lo, hi)`` covering 0 … m − 1 (default: one chunk).
    """

    def __init__(self, torch, H, P, logP, support, pi, device, dtype, bounds=None):
        self.torch = torch
        m = H.shape[1]
        self.bounds = tuple(bounds) if bounds is not None else ((0, m),)
        self.H = torch.as_tensor(H, device=device, dtype=dtype)
        self.Ht = self.H.T.contiguous()
        self.P = torch.as_tensor(P, device=device, dtype=dtype)
        self.logP = torch.as_tensor(logP, device=device, dtype=dtype)
        self.S = torch.as_tensor(support, device=device)
        self.pi = torch.as_tensor(pi, device=device, dtype=dtype)
        # the kernel's limit in float64; in float32 a quarter of the largest float (loss stays finite)
        self.limit = LOGIT_LIMIT if dtype == torch.float64 else float(torch.finfo(dtype).max) / 4.0

    def logits(self, W):
        """Logits ``W H`` per chunk, or None when W is not finite or some |logit| exceeds the limit: not a valid state.

        A non-finite entry of row v of W makes every logit of row v NaN or infinite (inf·0 is NaN),
        so the check of the logits covers the check of W, as the kernel's two checks together.
        """
        torch = self.torch
        out = []
        for lo, hi in self.bounds:
            L = W @ self.H[:, lo:hi]
            if not float(torch.abs(L).amax()) <= self.limit:         # amax propagates NaN
                return None
            out.append(L)
        return out

    def gradient(self, Ls):
        r"""$\nabla CE(W) = (S(L) - P)\,\Pi H^\top$ from the chunks' logits (kept from the validity check)."""
        torch, G = self.torch, None
        for (lo, hi), L in zip(self.bounds, Ls):
            R = residual(torch, L, self.P[:, lo:hi], self.logP[:, lo:hi], self.S[:, lo:hi], self.pi[lo:hi])
            G = R @ self.Ht[lo:hi] if G is None else G.add_(R @ self.Ht[lo:hi])
        return G


class OptimizerState:
    """Optimiser state of the full-batch core: the update ``W ← update(W, G)`` of each method.

    The same updates as ``_full_batch_kernel`` (``sims/ntp/_train_kernels.py``), elementwise in
    the same order: GD $W - \\eta G$; normalised GD $W - (\\eta/\\|G\\|)G$ (W unchanged when
    $G = 0$ exactly); heavy-ball $M \\leftarrow \\beta M + G$, $W - \\eta M$; Adam with bias correction.
    """

    def __init__(self, torch, W, method, lr, beta1=0.0, beta2=0.0, eps=0.0):
        if method not in (GD, NGD, MOMENTUM, ADAM):
            raise ValueError(f"method must be one of GD, NGD, MOMENTUM, ADAM; got {method!r}")
        self.torch, self.method, self.lr = torch, method, float(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.c1, self.c2 = 1.0 - self.beta1, 1.0 - self.beta2
        self.b1t = self.b2t = 1.0
        self.M1 = torch.zeros_like(W) if method in (MOMENTUM, ADAM) else None
        self.M2 = torch.zeros_like(W) if method == ADAM else None

    def update(self, W, G):
        """The next W (a new tensor; W and G are not modified)."""
        torch, lr = self.torch, self.lr
        if self.method == GD:
            return W - lr * G
        if self.method == NGD:
            g2 = float(torch.sum(G * G))
            scale = lr / math.sqrt(g2) if g2 > 0.0 else 0.0          # G = 0 exactly: stay put
            return W - scale * G
        if self.method == MOMENTUM:
            self.M1 = self.beta1 * self.M1 + G
            return W - lr * self.M1
        self.b1t *= self.beta1
        self.b2t *= self.beta2
        k1, k2 = 1.0 - self.b1t, 1.0 - self.b2t
        self.M1 = self.beta1 * self.M1 + self.c1 * G
        self.M2 = self.beta2 * self.M2 + self.c2 * (G * G)
        return W - lr * (self.M1 / k1) / (torch.sqrt(self.M2 / k2) + self.eps)


def _full_batch_torch(H, Ht, P, logP, support, pi, W0, lr, method, beta1, beta2, eps, n_steps, record_steps, *,
                      device):
    """Torch core of the full-batch optimisers: the arguments and returns of ``_full_batch_kernel``.

    Returns ``(records, n_recorded, diverged, diverged_at, W)`` as NumPy float64 arrays, so the
    driver's metrics and result assembly (``sims.ntp._history._finish``) are shared with the numba
    path. Runs in float64 on ``device`` (a ``torch.device``, resolved by the engine).
    """
    from .._torch import require_torch

    torch = require_torch()
    del Ht                                   # the step forms Hᵀ on the device
    dt = torch.float64
    with torch.no_grad():
        step = FullBatchStep(torch, H, P, logP, support, pi, device, dt)
        W = torch.as_tensor(W0, device=device, dtype=dt).clone()
        opt = OptimizerState(torch, W, method, lr, beta1, beta2, eps)
        R = record_steps.shape[0]
        rec = np.empty((R,) + W0.shape)
        r = 0
        Ls = step.logits(W)
        if Ls is None:
            return rec, r, True, 0, np.array(W0, dtype=np.float64)
        for s in range(n_steps + 1):
            if r < R and record_steps[r] == s:
                rec[r] = W.cpu().numpy()
                r += 1
            if s == n_steps:
                break
            Wn = opt.update(W, step.gradient(Ls))
            Ln = step.logits(Wn)
            if Ln is None:
                return rec, r, True, s + 1, W.cpu().numpy().astype(np.float64)
            W, Ls = Wn, Ln
    return rec, r, False, -1, W.cpu().numpy().astype(np.float64)

r"""Torch core of :func:`sims.rf_risk.advani_saxe_gd`: the trials batched, torch's own random numbers.

The same model and the same GD steps as the numba kernel (``sims/rf_risk/_gd_linear.py``;
Advani, Saxe & Sompolinsky 2017, docs/rf_risk.md#advani-and-saxe): per trial
$X_{ij} \sim \mathcal N(0, 1/N)$, $\bar w \sim \mathcal N(0, \sigma_w^2 I)$,
$y = X\bar w + \varepsilon$, $w(0) \sim \mathcal N(0, \sigma_0^2 I)$, then
$w \leftarrow w + \eta X^\top(y - Xw)$, recording $E_g = \|w - \bar w\|^2/N + \sigma_\varepsilon^2$
and $E_t = \|y - Xw\|^2/P$; a trial whose update has some $|w_j| > 10^{100}$ (or NaN) stops and
reports the step. The trials are batched (``torch.bmm``) in chunks within a memory budget.

Random numbers: torch draws its own (``sims._torch.block_generator``, one generator per block of
:data:`TRIAL_BLOCK` trials, seeded from the run's first xoshiro state, so from ``seed``): the
results depend on the seed and not on the device's memory, but they are not the numba kernel's
draws, and the two backends agree in statistics (:func:`statistical_comparison`), not trial by
trial.
"""

from __future__ import annotations

import math

import numpy as np

from .._kernels import TorchComparison

__all__ = ["TRIAL_BLOCK", "statistical_comparison"]

#: Trials per random-number stream (a chunk is a whole number of blocks).
TRIAL_BLOCK = 256

#: Standard errors allowed between the two backends' means (see :func:`statistical_comparison`).
K_SE = 5.0


def _gd_torch(state, P, N, inv_sqrt_n, sd_w, sd_eps, sd_0, noise_var, lr, n_steps, record, *, device):
    """The arguments and returns of ``_gd_kernel``: (test, train, diverged_at) as NumPy arrays."""
    from .._torch import block_generator, plan_chunks, require_torch
    from ._gd_linear import W_LIMIT

    torch = require_torch()
    C = state.shape[1]
    R = record.shape[0]
    # one seed for the run, from the trial streams (themselves a function of ``seed`` only)
    seed = int(np.random.SeedSequence([int(x) for x in state[:, 0]]).generate_state(1, np.uint64)[0])
    # per trial: X, and a few N- and P-vectors, in float64
    plan = plan_chunks(C, 8 * (P * N + 4 * P + 6 * N), "auto", device, block=TRIAL_BLOCK)
    rec_steps = [int(s) for s in record]

    def chunk(lo, hi):
        Xs, wbars, ys, w0s = [], [], [], []
        for b, start, stop in plan.blocks(lo, hi):
            g = block_generator(seed, b, device)
            n = stop - start
            opts = dict(generator=g, device=device, dtype=torch.float64)
            Xs.append(torch.randn(n, P, N, **opts) * inv_sqrt_n)
            wbars.append(sd_w * torch.randn(n, N, **opts))
            eps = sd_eps * torch.randn(n, P, **opts)
            ys.append(torch.bmm(Xs[-1], wbars[-1][:, :, None])[:, :, 0] + eps)
            w0s.append(sd_0 * torch.randn(n, N, **opts))
        X, wbar, y, w = (torch.cat(a) for a in (Xs, wbars, ys, w0s))
        n = hi - lo
        test = torch.full((n, R), math.inf, dtype=torch.float64, device=device)
        train = torch.full((n, R), math.inf, dtype=torch.float64, device=device)
        div = torch.full((n,), -1, dtype=torch.int64, device=device)
        active = torch.ones(n, dtype=torch.bool, device=device)
        r = 0
        with torch.no_grad():
            for s in range(n_steps + 1):
                res = y - torch.bmm(X, w[:, :, None])[:, :, 0]
                if r < R and rec_steps[r] == s:
                    e = w - wbar
                    test[active, r] = ((e * e).sum(dim=1) / N + noise_var)[active]
                    train[active, r] = ((res * res).sum(dim=1) / P)[active]
                    r += 1
                if s == n_steps:
                    break
                wn = w + lr * torch.bmm(X.transpose(1, 2), res[:, :, None])[:, :, 0]
                bad = ~torch.all(torch.abs(wn) <= W_LIMIT, dim=1)          # also NaN
                div[active & bad] = s + 1
                active &= ~bad
                w = torch.where(active[:, None], wn, w)
                if not bool(active.any()):
                    break
        return {"test": test.cpu().numpy(), "train": train.cpu().numpy(), "div": div.cpu().numpy()}

    # chunks in order, here (the core is one call of the engine; the numba kernel has no executor either)
    parts = [chunk(lo, hi) for lo, hi in plan.bounds]
    return tuple(np.concatenate([p[k] for p in parts], axis=0) for k in ("test", "train", "div"))


def _statistical_compare(a, b, args, kwargs) -> list:
    """Means of E_g and E_t at every checkpoint, and the diverged fraction, within K_SE standard errors."""
    out = []
    if not np.array_equal(a.times, b.times):
        return [f"checkpoint times differ: {a.times} vs {b.times}"]
    C_a, C_b = a.diverged.size, b.diverged.size
    fa, fb = a.diverged.mean(), b.diverged.mean()
    pooled = (fa * C_a + fb * C_b) / (C_a + C_b)
    se_f = math.sqrt(pooled * (1.0 - pooled) * (1.0 / C_a + 1.0 / C_b))
    if abs(fa - fb) > K_SE * se_f:                 # se_f = 0 when both are all or none: equality
        out.append(f"diverged fraction: numba {fa:.3g}, torch {fb:.3g} (> {K_SE:g} SE = {K_SE * se_f:.3g})")
    for name in ("test", "train"):
        ma, sa = getattr(a, f"{name}_mean"), getattr(a, f"{name}_se")
        mb, sb = getattr(b, f"{name}_mean"), getattr(b, f"{name}_se")
        # where each backend has at least two finite trials (which trials diverge is compared above)
        both = np.isfinite(sa) & np.isfinite(sb)
        err, se = np.abs(ma - mb)[both], np.hypot(sa, sb)[both]
        if np.any(err > K_SE * se):
            i = int(np.argmax(err / np.maximum(se, np.finfo(float).tiny)))
            out.append(f"{name}_mean: {np.count_nonzero(err > K_SE * se)} checkpoint(s) beyond {K_SE:g} SE, "
                       f"worst {err[i]:.3g} vs SE {se[i]:.3g}")
    return out


#: The comparison of :func:`sims.rf_risk.advani_saxe_gd`'s torch core with its numba kernel.
statistical_comparison = TorchComparison(
    kind="statistical", compare=_statistical_compare,
    tolerance=f"|mean_torch − mean_numba| <= {K_SE:g}·√(SE_torch² + SE_numba²) for E_g and E_t at every "
              f"checkpoint, and the diverged fractions within {K_SE:g} binomial SE (independent draws: "
              f"the difference of two means is ~N(0, SE_a² + SE_b²) for ~100+ trials; {K_SE:g} SE is a "
              "two-sided tail of 6e-7 per comparison, 5e-5 over 80 checkpoint comparisons by Bonferroni)")

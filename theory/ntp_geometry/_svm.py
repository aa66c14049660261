r"""The logit SVMs of the NTP unconstrained-features model (Zhao et al. 2024), certified.

With unconstrained context embeddings the NTP-SVM lives in the logit matrix $L = W\bar H$
itself ($\bar H = I_m$ in the engine of :mod:`theory._maxmargin`): groups are the contexts,
options the tokens, scores $L_{z,j}$ and in-sets the supports. The nuclear-norm logit SVM

$$L^{\rm mm} = \mathrm{arg\,min}_L \|L\|_\ast \quad\text{s.t.}\quad L_{z,j} = L_{z',j}\ (z, z' \in S_j),
\qquad L_{z,j} - L_{v,j} \ge 1\ (z \in S_j,\ v \notin S_j)$$

is solved by the engine's nuclear variant (:mod:`theory._maxmargin_nuc`); the Frobenius one by
the engine itself, whose solution is the centred support matrix $\tilde S$. Derivations:
docs/ntp_geometry.md#the-logit-svms.
"""

from __future__ import annotations

import numpy as np

from .._maxmargin import kernel_design, solve
from .._maxmargin_nuc import certify_nuclear, solve_nuclear
from ..ntp._data import as_support
from ..validate import MAX_ENTRIES, as_bool, as_choice, as_finite_array, as_positive_scalar, check_work

__all__ = ["RANK_RTOL", "duplicated_support_instance", "logit_max_margin", "numerical_rank"]

_NORMS = ("nuc", "fro")

RANK_RTOL = 1e-3
"""Relative threshold of :func:`numerical_rank` for certified logit-SVM solutions. The nuclear program is
degenerate (a face of solutions meets the constraints), where interior-point solutions converge like the
square root of the gap: a certified relative gap <= 1e-6 (observed ~1e-9) leaves singular values that
should vanish at <= ~1e-3 relative in the worst case (observed <= 4e-9), while the nonzero singular values
of these small support patterns are >= 0.1 of the largest. 1e-3 separates the two."""


def _logit_design(S):
    if S.all():
        raise ValueError("support: every support is the whole vocabulary (degenerate case): there is no margin "
                         "constraint and L^mm is undefined")
    return kernel_design(np.eye(S.shape[1]), S.T)


def logit_max_margin(support, *, norm: str = "nuc", return_certificate: bool = False):
    r"""The logit SVM $L^{\rm mm}$ of a support pattern (Zhao et al. 2024, NTP-UFM), certified.

    $L^{\rm mm} = \mathrm{arg\,min}_L \|L\|$ subject to $L_{z,j} = L_{z',j}$ for $z, z' \in S_j$ and
    $L_{z,j} - L_{v,j} \ge 1$ for $z \in S_j$, $v \notin S_j$: the NTP-SVM of Thrampoulidis (2024,
    Def. 3) with $\bar H = I_m$, in the nuclear norm (``norm="nuc"``, the logit-domain problem of
    the unconstrained-features model, whose $\tfrac12(\|W\|_F^2 + \|H\|_F^2)$ penalty is
    $\|WH\|_\ast$) or the Frobenius norm (``norm="fro"``, whose solution is the centred support
    $\tilde S = (I - \mathbf 1\mathbf 1^\top/V)S$). It depends only on the support pattern.
    Columns are returned centred (column sums zero): the constraints compare entries of one column,
    and centring does not increase either norm.

    Parameters
    ----------
    support : array_like of bool, shape (V, m)
        $S_j$ as column $j$; every column non-empty, not every column full.
    norm : {"nuc", "fro"}, default "nuc"
        ``"nuc"``: CVXPY + Clarabel (an SDP cone of size about $V + m$), certified by a
        dual-feasible point of the spectral-norm-ball dual; ``"fro"``: the engine's fast method.
    return_certificate : bool, default False
        Also return the certificate (:class:`theory._maxmargin_nuc.NuclearCertificate` for
        ``"nuc"``, :class:`theory.ntp.MaxMarginCertificate` for ``"fro"``).

    Returns
    -------
    numpy.ndarray, shape (V, m), or tuple (numpy.ndarray, certificate)
        $L^{\rm mm}$ (and its certificate, which has passed; ``solve_time`` in seconds for "nuc").

    Raises
    ------
    ValueError
        Bad support, or every support is the whole vocabulary.
    theory.ntp.CertificateError
        The solver's answer fails its certificate.

    Examples
    --------
    >>> import numpy as np
    >>> from theory.ntp_geometry import logit_max_margin
    >>> S = np.array([[1, 0], [1, 1], [0, 1]], bool)
    >>> logit_max_margin(S).shape
    (3, 2)
    """
    S = as_support(support)
    check_work(S.size, "V * m", maximum=MAX_ENTRIES, why="the arrays would not fit in memory")
    norm = as_choice(norm, "norm", _NORMS)
    as_bool(return_certificate, "return_certificate")
    design = _logit_design(S)
    if norm == "fro":
        L, cert = solve(design, "auto", what="separable", data="(support) ")
        L = L - L.mean(axis=0, keepdims=True)
    else:
        check_work(S.size, "V * m (nuclear-norm SDP)", maximum=40_000,
                   why="the SDP cone of the nuclear norm grows like (V + m)^2")
        L, cert = solve_nuclear(design, data="(support) ")
        L = L - L.mean(axis=0, keepdims=True)
        cert = certify_nuclear(design, L, cert.multipliers, cert.method, cert.status, cert.tolerances,
                               cert.solve_time)
        if not cert.passed:                       # centring cannot break feasibility; guard regardless
            from .._maxmargin import CertificateError
            raise CertificateError("the centred nuclear max-margin solution of the data (support) fails its "
                                   "certificate: " + "; ".join(cert.failures()))
    return (L, cert) if return_certificate else L


def numerical_rank(M, *, rtol: float = RANK_RTOL) -> int:
    r"""The number of singular values of ``M`` above ``rtol`` times the largest.

    Parameters
    ----------
    M : array_like, shape (p, q)
        A finite matrix.
    rtol : float > 0, default :data:`RANK_RTOL`
        Relative threshold (its default is tied to the certified accuracy of
        :func:`logit_max_margin`).

    Returns
    -------
    int
        0 for the zero matrix.
    """
    M = as_finite_array(M, "M", ndim=2)
    rtol = as_positive_scalar(rtol, "rtol")
    if M.size == 0:
        return 0
    s = np.linalg.svd(M, compute_uv=False)
    return int(np.count_nonzero(s > rtol * s[0])) if s[0] > 0 else 0


def duplicated_support_instance() -> np.ndarray:
    r"""The support pattern on which $\operatorname{rank} L^{\rm mm} < \operatorname{rank}\tilde S$ (V = 6, m = 8).

    Four supports $\{0,1\}, \{2,3,4\}, \{1,5\}, \{0,3\}$, each used by two consecutive contexts.
    $\tilde S$ has rank 4; the nuclear logit SVM has rank 3 (certified; see
    docs/ntp_geometry.md#the-centred-support-proxy), so rank equality between the proxy and
    $L^{\rm mm}$ is not an invariant.

    Returns
    -------
    numpy.ndarray of bool, shape (6, 8)
    """
    S = np.zeros((6, 8), dtype=bool)
    for k, toks in enumerate(([0, 1], [2, 3, 4], [1, 5], [0, 3])):
        S[toks, 2 * k] = True
        S[toks, 2 * k + 1] = True
    return S

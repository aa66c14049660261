"""Symbolic identities of the next-token-prediction theory (Thrampoulidis 2024, arXiv 2402.18551);
the list is on the docs page, docs/ntp.md#symbolic-identities.

Each claim proves a family of identities with :mod:`proofs_check.symbolic`: sympy strategies
(recorded as ``simplified_to_zero``) plus an mpmath spot check at ``dps`` digits, which decides
pass/fail (tolerance ``10**(-dps/2)`` on the relative residual; see that module's docstring).
The formulas are written out here for small V, m, d with symbolic entries, independently of
``theory/``, so that a mistake in a derivation or in the theory code cannot hide in a shared helper.
Probabilities are written as normalised positive weights (``p_z = w_z / Σ w``), so every sampled
point is a valid distribution. Inequalities are proved as identities whose right-hand side is a
sum of terms that are non-negative by inspection (a certificate), with the inspection stated
beside each one.
"""

from __future__ import annotations

from proofs_check._claim import cite
from proofs_check.symbolic import SymbolicCheck, check_identity, difference, symbolic_claim


def _src(where: str, anchor: str) -> str:
    return (f"{cite('thrampoulidis2024', where)}; docs/ntp.md#{anchor}; "
            "docs/ntp.md#symbolic-identities")


def _weights_to_probs(ws):
    total = sum(ws)
    return [w / total for w in ws]


def _matrix(name: str, rows: int, cols: int):
    import sympy as sp

    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}{j}", real=True))


def _basis(V: int, v: int):
    import sympy as sp

    e = sp.zeros(V, 1)
    e[v] = 1
    return e


def _rotation(theta):
    import sympy as sp

    return sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])


def _softmax(logits):
    import sympy as sp

    den = sum(sp.exp(x) for x in logits)
    return [sp.exp(x) / den for x in logits]


def _well_conditioned(H, bound=0.3):
    """accept-predicate: |det H| >= bound (keeps the sample away from singular embeddings)."""
    import sympy as sp

    det = H.det()
    syms = sorted(det.free_symbols, key=lambda s: s.name)
    f = sp.lambdify(syms, det, "mpmath")
    return lambda pt: abs(f(*[pt[s] for s in syms])) >= bound


# ------------------------------------------------------------------------------------------
# §13 item 1: loss forms, entropy decomposition, gradient, smoothness


@symbolic_claim(
    "ntp.symbolic.entropy_decomposition",
    source=_src("loss, gradient and entropy lower bound", "the-model-and-the-entropy-bound"),
    statement="For symbolic W, H (V = 3, m = 2, d = 2) and distributions with one partial and one "
              "full support: the log-sum-exp and pairwise forms of CE agree (and equal the sample "
              "average for integer counts); CE = H + Σ_j π_j KL(p_j || S(W h_j)), with KL equal to "
              "Σ p (e^δ − 1 − δ) + off-support mass; the gradient (S(WH) − P)ΠHᵀ is the derivative of "
              "CE and 1ᵀ∇CE = 0; the expm1 form of the in-support gradient; and "
              "λ_max(diag(s) − ssᵀ) ≤ 1/2 for V = 2 and V = 3 (sum-of-squares / Schur certificates).")
def _entropy_decomposition(ck: SymbolicCheck):
    import sympy as sp

    V, m, d = 3, 2, 2
    W, H = _matrix("w", V, d), _matrix("h", d, m)
    supports = [(0, 1), (0, 1, 2)]
    wts = [sp.symbols(f"q{j}_0:{len(s)}", positive=True) for j, s in enumerate(supports)]
    a, b = sp.symbols("a b", positive=True)
    pi = _weights_to_probs([a, b])
    P = sp.zeros(V, m)
    for j, (s, w) in enumerate(zip(supports, wts)):
        for z, pz in zip(s, _weights_to_probs(list(w))):
            P[z, j] = pz
    L = W * H
    res = {}

    lse = [sp.log(sum(sp.exp(L[v, j]) for v in range(V))) for j in range(m)]
    ce_lse = sum(pi[j] * (lse[j] - sum(P[v, j] * L[v, j] for v in range(V))) for j in range(m))
    ce_pairs = sum(pi[j] * sum(P[z, j] * sp.log(1 + sum(sp.exp(-(L[z, j] - L[u, j])) for u in range(V) if u != z))
                               for z in supports[j]) for j in range(m))
    res["lse_form_eq_pairwise_form"] = ck.identity(difference(ce_lse, ce_pairs))

    # sample average with integer counts n_{jz}: -1/n Σ_i log S_{z_i}(W h_{x_i})
    counts = [{0: 2, 1: 1}, {0: 1, 1: 2, 2: 3}]
    n = sum(sum(c.values()) for c in counts)
    sample = -sp.Rational(1, n) * sum(c * (L[z, j] - lse[j]) for j in range(m) for z, c in counts[j].items())
    pi_c = [sp.Rational(sum(c.values()), n) for c in counts]
    ce_c = sum(pi_c[j] * (lse[j] - sum(sp.Rational(c, sum(counts[j].values())) * L[z, j]
                                       for z, c in counts[j].items())) for j in range(m))
    res["sample_average_eq_compact_form"] = ck.identity(difference(sample, ce_c))

    S = [_softmax([L[v, j] for v in range(V)]) for j in range(m)]
    entropy = -sum(pi[j] * sum(P[z, j] * sp.log(P[z, j]) for z in supports[j]) for j in range(m))
    kl = [sum(P[z, j] * sp.log(P[z, j] / S[j][z]) for z in supports[j]) for j in range(m)]
    res["ce_eq_entropy_plus_kl"] = ck.identity(difference(ce_lse, entropy + sum(pi[j] * kl[j] for j in range(m))))

    # KL as non-negative pieces: δ_z = log s_z − log p_z; e^δ − 1 − δ >= 0 and s_v >= 0.
    def delta(j, z):
        return sp.log(S[j][z]) - sp.log(P[z, j])

    kl_pieces = [sum(P[z, j] * (sp.exp(delta(j, z)) - 1 - delta(j, z)) for z in supports[j])
                 + sum(S[j][v] for v in range(V) if v not in supports[j]) for j in range(m)]
    res["kl_as_nonnegative_pieces"] = ck.identity([difference(kl[j], kl_pieces[j]) for j in range(m)])

    # gradient: the derivative of CE equals (S(WH) − P) Π Hᵀ, and its column sums vanish
    Smat = sp.Matrix(V, m, lambda v, j: S[j][v])
    grad = (Smat - P) * sp.diag(*pi) * H.T
    dce = sp.Matrix(V, d, lambda v, k: sp.diff(ce_lse, W[v, k]))
    res["gradient_formula"] = ck.identity(difference(dce, grad))
    res["ones_t_gradient_zero"] = ck.identity([sum(grad[v, k] for v in range(V)) for k in range(d)])
    res["expm1_in_support"] = ck.identity(
        [difference(S[j][z] - P[z, j], P[z, j] * (sp.exp(delta(j, z)) - 1))
         for j in range(m) for z in supports[j]])

    # λ_max(diag(s) − ssᵀ) <= 1/2. V = 2: eigenvectors (1, 1) (eigenvalue 0) and (1, −1)
    # (eigenvalue 2 s1 s2), and 1/2 − 2 s1 s2 = (s1 − s2)²/2 >= 0 since s1 + s2 = 1.
    x, y = sp.symbols("x y", positive=True)
    s2 = _weights_to_probs([x, y])
    A2 = sp.diag(*s2) - sp.Matrix(s2) * sp.Matrix(s2).T
    res["v2_eigenpairs"] = ck.identity(
        list(A2 * sp.Matrix([1, 1])) + list(difference(A2 * sp.Matrix([1, -1]), 2 * s2[0] * s2[1] * sp.Matrix([1, -1]))))
    res["v2_half_minus_lambda_is_square"] = ck.identity(difference(sp.Rational(1, 2) - 2 * s2[0] * s2[1],
                                                                   (s2[0] - s2[1]) ** 2 / 2))
    # V = 3: det(λI − A) = λ(λ² − e1 λ + e2), e1 = 1 − Σ s², e2 = 3 s1 s2 s3. Both roots of the
    # quadratic are <= 1/2 iff q(1/2) >= 0 and the vertex e1/2 <= 1/2 (true: e1 <= 1); and
    # 4 q(1/2) = 2Σs² − 1 + 12 s1s2s3 = Schur(s) + 3 s1s2s3, with Schur(s) = (s1 − s2)[s1(s1 − s3)
    # − s2(s2 − s3)] + s3(s1 − s3)(s2 − s3) >= 0 termwise when s1 >= s2 >= s3 >= 0 (WLOG by symmetry).
    w3 = sp.symbols("u0:3", positive=True)
    s3 = _weights_to_probs(list(w3))
    lam = sp.Symbol("lam", real=True)
    A3 = sp.diag(*s3) - sp.Matrix(s3) * sp.Matrix(s3).T
    e1 = 1 - sum(si**2 for si in s3)
    e2 = 3 * s3[0] * s3[1] * s3[2]
    res["v3_characteristic_polynomial"] = ck.identity(
        difference((lam * sp.eye(3) - A3).det(method="berkowitz"), lam * (lam**2 - e1 * lam + e2)))
    schur = sum(s3[i] * (s3[i] - s3[(i + 1) % 3]) * (s3[i] - s3[(i + 2) % 3]) for i in range(3))
    res["v3_quadratic_at_half_is_schur_plus"] = ck.identity(
        difference(4 * (sp.Rational(1, 4) - e1 / 2 + e2), schur + 3 * s3[0] * s3[1] * s3[2]))
    s1_, s2_, s3_ = sp.symbols("r1 r2 r3", real=True)
    res["schur_ordered_form"] = ck.identity(difference(
        sum(r * (r - o1) * (r - o2) for r, o1, o2 in [(s1_, s2_, s3_), (s2_, s3_, s1_), (s3_, s1_, s2_)]),
        (s1_ - s2_) * (s1_ * (s1_ - s3_) - s2_ * (s2_ - s3_)) + s3_ * (s1_ - s3_) * (s2_ - s3_)))

    # Control (numbers, not an identity): the largest eigenvalue at random simplex points, and
    # at the edge midpoint (1/2, 1/2, 0) where the bound is attained.
    import numpy as np

    rng = np.random.default_rng(ck.seed)
    worst = 0.0
    for _ in range(200):
        s = rng.dirichlet(np.ones(3))
        worst = max(worst, float(np.linalg.eigvalsh(np.diag(s) - np.outer(s, s))[-1]))
    edge = float(np.linalg.eigvalsh(np.diag([0.5, 0.5, 0.0]) - np.outer([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]))[-1])
    notes = {"V": V, "m": m, "d": d, "supports": supports, "counts": counts,
             "control_max_eigenvalue_random_simplex_points": worst,
             "control_max_eigenvalue_at_(1/2,1/2,0)": edge}
    return res, notes


# ------------------------------------------------------------------------------------------
# §13 item 2: Proposition 1's bound


@symbolic_claim(
    "ntp.symbolic.prop1_bound",
    source=_src("Prop. 1", "compatibility-and-separability"),
    statement="With equal in-support logits (6a) and off-support margins δ_v = 1 + t_v² >= 1 (6b), "
              "S_v(γ W^d h_j) = e^{−γδ_v}/(S_j + Σ_u e^{−γδ_u}) and e^{−γ} − S_v is a sum of "
              "non-negative terms; with W^p + γW^d (log-odds on the support) the in-support softmax "
              "is p_z(1 − ε), KL = −log(1 − ε), and p_a e^{−γ} Σ_v e^{c_v} − ε is non-negative termwise.")
def _prop1_bound(ck: SymbolicCheck):
    import sympy as sp

    # V = 4, support {0, 1} (S_j = 2), off-support {2, 3}.
    Sj, off = 2, (2, 3)
    c, g = sp.Symbol("c", real=True), sp.Symbol("gamma", positive=True)
    t = {v: sp.Symbol(f"t{v}", real=True) for v in off}
    dl = {v: 1 + t[v] ** 2 for v in off}
    iv = {"gamma": (0.2, 6.0)}
    res = {}

    logits = [g * c] * Sj + [g * (c - dl[v]) for v in off]
    s = _softmax(logits)
    den = Sj + sum(sp.exp(-g * dl[u]) for u in off)
    res["offsupport_softmax_closed_form"] = ck.identity(
        [difference(s[v], sp.exp(-g * dl[v]) / den) for v in off], intervals=iv)
    # e^{−γ} − S_v = e^{−γ} [(S_j − 1) + Σ_u e^{−γδ_u} + (1 − e^{−γ t_v²})] / den: every bracket
    # term is >= 0 (S_j >= 1, exponentials > 0, γ t_v² >= 0).
    res["bound_certificate"] = ck.identity(
        [difference(sp.exp(-g) - s[v], sp.exp(-g) * ((Sj - 1) + sum(sp.exp(-g * dl[u]) for u in off)
                                                     + (1 - sp.exp(-g * t[v] ** 2))) / den)
         for v in off], intervals=iv)

    # W^p + γW^d: in-support logits log p_z + c, off-support log p_a + c + c_v − γδ_v (anchor a = 0).
    w0, w1 = sp.symbols("q0 q1", positive=True)
    p = _weights_to_probs([w0, w1])
    cv = {v: sp.Symbol(f"c{v}", real=True) for v in off}
    logits2 = [sp.log(p[0]) + c, sp.log(p[1]) + c] + [sp.log(p[0]) + c + cv[v] - g * dl[v] for v in off]
    s2 = _softmax(logits2)
    eps = sum(s2[v] for v in off)
    X = p[0] * sum(sp.exp(cv[v] - g * dl[v]) for v in off)
    res["insupport_softmax_is_scaled_p"] = ck.identity(
        [difference(s2[z], p[z] * (1 - eps)) for z in range(Sj)] + [difference(eps, X / (1 + X))], intervals=iv)
    kl = sum(p[z] * sp.log(p[z] / s2[z]) for z in range(Sj))
    res["kl_is_minus_log_one_minus_eps"] = ck.identity(difference(kl, -sp.log(1 - eps)), intervals=iv)
    # p_a e^{−γ} Σ e^{c_v} − ε = p_a Σ_v e^{c_v} e^{−γ}(1 − e^{−γ t_v²}) + X²/(1 + X), both >= 0.
    res["eps_bound_certificate"] = ck.identity(difference(
        p[0] * sp.exp(-g) * sum(sp.exp(cv[v]) for v in off) - eps,
        p[0] * sum(sp.exp(cv[v]) * sp.exp(-g) * (1 - sp.exp(-g * t[v] ** 2)) for v in off) + X**2 / (1 + X)),
        intervals=iv)
    return res, {"V": 4, "support": (0, 1), "off_support": off}


# ------------------------------------------------------------------------------------------
# §13 item 3: Lemma 1's construction


@symbolic_claim(
    "ntp.symbolic.lemma1_construction",
    source=_src("Lemma 1", "compatibility-and-separability"),
    statement="For generic symbolic H with d = m = 2 (and d = 3 > m = 2 through H⁺ = (HᵀH)⁻¹Hᵀ), "
              "V = 3: W = L H⁺ with columns E_j⁺ r_j satisfies the log-odds equations (4) for every "
              "in-support pair, and 1_S H⁺ satisfies (6a) with every margin (6b) equal to 1.")
def _lemma1_construction(ck: SymbolicCheck):
    import sympy as sp

    V = 3
    supports = [(0, 1), (0, 1, 2)]  # anchors: the first index; context 0 has token 2 off-support
    wts = [sp.symbols(f"q{j}_0:{len(s)}", positive=True) for j, s in enumerate(supports)]
    probs = [_weights_to_probs(list(w)) for w in wts]
    res = {}
    for d in (2, 3):
        H = _matrix(f"h{d}_", d, 2)
        Hp = H.inv() if d == 2 else (H.T * H).inv() * H.T
        cols_p, cols_d = [], []
        for s, p in zip(supports, probs):
            a = s[0]
            E = sp.Matrix([(_basis(V, z) - _basis(V, a)).T for z in s[1:]])
            r = sp.Matrix([sp.log(p[k] / p[0]) for k in range(1, len(s))])
            cols_p.append(E.T * (E * E.T).inv() * r)  # E⁺ r (E has full row rank)
            cols_d.append(sp.Matrix([1 if v in s else 0 for v in range(V)]))
        Wp = sp.Matrix.hstack(*cols_p) * Hp
        Wd = sp.Matrix.hstack(*cols_d) * Hp
        eq4, eq6a, margins = [], [], []
        for j, (s, p) in enumerate(zip(supports, probs)):
            h = H[:, j]
            for i1, z in enumerate(s):
                for i2, z2 in enumerate(s):
                    if z != z2:
                        eq4.append(difference(((_basis(V, z) - _basis(V, z2)).T * Wp * h)[0], sp.log(p[i1] / p[i2])))
                        eq6a.append(difference((Wd[z, :] * h)[0], (Wd[z2, :] * h)[0]))
                for v in range(V):
                    if v not in s:
                        margins.append(difference(((_basis(V, z) - _basis(V, v)).T * Wd * h)[0], 1))
        # keep the sample away from singular embeddings (H⁺ blows up there)
        acc = _well_conditioned(H, 0.3) if d == 2 else _well_conditioned(H.T * H, 0.1)
        res[f"d{d}_compatibility_eq4"] = ck.identity(eq4, accept=acc)
        res[f"d{d}_separability_6a"] = ck.identity(eq6a, accept=acc)
        res[f"d{d}_margins_equal_one"] = ck.identity(margins, accept=acc)
    return res, {"V": V, "m": 2, "d": (2, 3), "supports": supports}


# ------------------------------------------------------------------------------------------
# §13 item 4: orthonormal closed forms


@symbolic_claim(
    "ntp.symbolic.orthonormal_closed_forms",
    source=_src("Def. 1-3 (orthonormal embeddings)", "orthonormal-embeddings"),
    statement="For H a 2x2 rotation (G = I), V = 4, supports {0,1} and {1,2,3}: W⋆ = L^in Hᵀ "
              "satisfies (4) and lies in F; W^mm = S̃Hᵀ satisfies (6a) with every margin equal to 1; "
              "the KKT multipliers λ = S_j/V, μ = (V − S_j)/V reproduce S̃ and the dual value equals "
              "the primal one; ‖S̃‖² = Σ_j S_j(V − S_j)/V (also for symbolic V, S); ⟨W⋆, W^mm⟩ = 0.")
def _orthonormal_closed_forms(ck: SymbolicCheck):
    import sympy as sp

    V, m = 4, 2
    supports = [(0, 1), (1, 2, 3)]
    theta = sp.Symbol("theta", real=True)
    H = _rotation(theta)
    iv = {"theta": (-3.1, 3.1)}
    wts = [sp.symbols(f"q{j}_0:{len(s)}", positive=True) for j, s in enumerate(supports)]
    probs = [_weights_to_probs(list(w)) for w in wts]
    res = {}

    Lin = sp.zeros(V, m)
    for j, (s, p) in enumerate(zip(supports, probs)):
        mean = sum(sp.log(pz) for pz in p) / len(s)
        for z, pz in zip(s, p):
            Lin[z, j] = sp.log(pz) - mean
    Wstar = Lin * H.T
    eq4, in_F = [], sp.zeros(V, 2)
    for j, (s, p) in enumerate(zip(supports, probs)):
        a, h = s[0], H[:, j]
        for k, z in enumerate(s[1:], start=1):
            u = _basis(V, z) - _basis(V, a)
            eq4.append(difference((u.T * Wstar * h)[0], sp.log(p[k] / p[0])))
            in_F += Lin[z, j] * u * h.T
    res["wstar_solves_eq4"] = ck.identity(eq4, intervals=iv)
    res["wstar_in_F"] = ck.identity(difference(Wstar, in_F), intervals=iv)

    Sind = sp.Matrix(V, m, lambda v, j: 1 if v in supports[j] else 0)
    Stil = (sp.eye(V) - sp.ones(V, V) / V) * Sind
    Wmm = Stil * H.T
    eq6a, margins = [], []
    for j, s in enumerate(supports):
        a, h = s[0], H[:, j]
        eq6a += [difference((Wmm[z, :] * h)[0], (Wmm[a, :] * h)[0]) for z in s[1:]]
        margins += [difference(((_basis(V, z) - _basis(V, v)).T * Wmm * h)[0], 1)
                    for z in s for v in range(V) if v not in s]
    res["wmm_satisfies_6a"] = ck.identity(eq6a, intervals=iv)
    res["wmm_margins_equal_one"] = ck.identity(margins, intervals=iv)

    # KKT: c_j = Σ_v λ_jv (e_a − e_v) + Σ_z μ_jz (e_z − e_a), λ = S_j/V, μ = (V − S_j)/V.
    C = sp.zeros(V, m)
    for j, s in enumerate(supports):
        a, Sj = s[0], len(s)
        lam, mu = sp.Rational(Sj, V), sp.Rational(V - Sj, V)
        col = sum(((_basis(V, a) - _basis(V, v)) * lam for v in range(V) if v not in s), sp.zeros(V, 1))
        col += sum(((_basis(V, z) - _basis(V, a)) * mu for z in s[1:]), sp.zeros(V, 1))
        C[:, j] = col
    res["kkt_multipliers_reproduce_Stilde"] = ck.identity(difference(C * H.T, Wmm), intervals=iv)
    sum_lambda = sum(sp.Rational(len(s) * (V - len(s)), V) for s in supports)
    G = H.T * H
    norm2 = sum(x**2 for x in Wmm)
    res["zero_duality_gap"] = ck.identity(
        difference(norm2 / 2, sum_lambda - (C * G * C.T).trace() / 2), intervals=iv)
    res["norm_Stilde_instance"] = ck.identity(
        difference(norm2, sum(sp.Rational(len(s) * (V - len(s)), V) for s in supports)), intervals=iv)
    Vs, Ss = sp.symbols("V S", positive=True)
    res["norm_Stilde_column_general"] = ck.identity(
        difference(Ss * ((Vs - Ss) / Vs) ** 2 + (Vs - Ss) * (Ss / Vs) ** 2, Ss * (Vs - Ss) / Vs))
    res["wstar_orthogonal_wmm"] = ck.identity((Wstar.T * Wmm).trace(), intervals=iv)
    return res, {"V": V, "m": m, "d": 2, "supports": supports}


# ------------------------------------------------------------------------------------------
# §13 item 6: scaling and rotation invariances


def _gram_form_wstar(H, supports, probs, V):
    """W⋆ by the Gram form: M β = b, M_{(j,z),(i,z')} = (u_jzᵀ u_iz') G_ji, W⋆ = Σ β u hᵀ."""
    import sympy as sp

    G = H.T * H
    rows = [(j, z) for j, s in enumerate(supports) for z in s[1:]]
    us = {(j, z): _basis(V, z) - _basis(V, supports[j][0]) for j, z in rows}
    M = sp.Matrix(len(rows), len(rows), lambda r, c: (us[rows[r]].T * us[rows[c]])[0] * G[rows[r][0], rows[c][0]])
    b = sp.Matrix([sp.log(probs[j][supports[j].index(z)] / probs[j][0]) for j, z in rows])
    beta = M.LUsolve(b)
    W = sp.zeros(V, H.shape[0])
    for k, (j, z) in enumerate(rows):
        W += beta[k] * us[(j, z)] * H[:, j].T
    return W


@symbolic_claim(
    "ntp.symbolic.invariances",
    source=_src("Def. 1, Def. 3", "the-finite-component"),
    statement="W⋆ from the Gram form (V = 3, m = d = 2, symbolic H) solves (4) and obeys "
              "W⋆(αH) = W⋆(H)/α and W⋆(QH) = W⋆(H)Qᵀ for a 2x2 rotation Q; the NTP-SVM constraint "
              "values and norm are preserved by (W, H) -> (WQᵀ, QH) and (W/α, αH) with ‖W/α‖ = ‖W‖/α, "
              "so W^mm obeys the same laws (uniqueness); the one-context closed form "
              "W^mm = u hᵀ/(‖u‖²‖h‖²) has margin 1 and obeys them.")
def _invariances(ck: SymbolicCheck):
    import sympy as sp

    V = 3
    supports = [(0, 1), (0, 1, 2)]
    wts = [sp.symbols(f"q{j}_0:{len(s)}", positive=True) for j, s in enumerate(supports)]
    probs = [_weights_to_probs(list(w)) for w in wts]
    H = _matrix("h", 2, 2)
    alpha = sp.Symbol("alpha", positive=True)
    theta = sp.Symbol("theta", real=True)
    Q = _rotation(theta)
    iv = {"theta": (-3.1, 3.1), "alpha": (0.3, 3.0)}
    acc = _well_conditioned(H, 0.3)
    res = {}

    W0 = _gram_form_wstar(H, supports, probs, V)
    eq4 = []
    for j, (s, p) in enumerate(zip(supports, probs)):
        for k, z in enumerate(s[1:], start=1):
            eq4.append(difference(((_basis(V, z) - _basis(V, s[0])).T * W0 * H[:, j])[0], sp.log(p[k] / p[0])))
    res["gram_form_solves_eq4"] = ck.identity(eq4, intervals=iv, accept=acc)
    res["wstar_scaling"] = ck.identity(difference(_gram_form_wstar(alpha * H, supports, probs, V), W0 / alpha),
                                       intervals=iv, accept=acc)
    res["wstar_rotation"] = ck.identity(difference(_gram_form_wstar(Q * H, supports, probs, V), W0 * Q.T),
                                        intervals=iv, accept=acc)

    # NTP-SVM: the constraint functionals (e_z − e_v)ᵀ W h_j for every pair, and the norm.
    W = _matrix("w", V, 2)

    def functionals(Wx, Hx):
        return [((_basis(V, z) - _basis(V, v)).T * Wx * Hx[:, j])[0]
                for j in range(2) for z in range(V) for v in range(V) if z != v]

    res["svm_constraints_rotation"] = ck.identity(difference(functionals(W * Q.T, Q * H), functionals(W, H)),
                                                  intervals=iv)
    res["svm_norm_rotation"] = ck.identity(difference(sum(x**2 for x in W * Q.T), sum(x**2 for x in W)),
                                           intervals=iv)
    res["svm_constraints_scaling"] = ck.identity(
        difference(functionals(W / alpha, alpha * H), functionals(W, H)), intervals=iv)

    # one context, V = 2, support {0}: W^mm = u hᵀ/(‖u‖²‖h‖²), u = e_0 − e_1 (one active constraint).
    h = sp.Matrix(sp.symbols("g0:2", real=True))
    u = sp.Matrix([1, -1])

    def wmm_one(hx):
        return u * hx.T / ((u.T * u)[0] * (hx.T * hx)[0])

    res["one_context_margin_one"] = ck.identity(difference((u.T * wmm_one(h) * h)[0], 1), intervals=iv)
    res["one_context_scaling"] = ck.identity(difference(wmm_one(alpha * h), wmm_one(h) / alpha), intervals=iv)
    res["one_context_rotation"] = ck.identity(difference(wmm_one(Q * h), wmm_one(h) * Q.T), intervals=iv)
    # control: the closed form is NOT invariant under a non-orthogonal map (shear): must fail
    shear = sp.Matrix([[1, sp.Rational(1, 2)], [0, 1]])
    ctrl = check_identity(difference(wmm_one(shear * h), wmm_one(h) * shear.T),
                          **ck.kw(simplify=False, intervals=iv))
    notes = {"V": V, "m": 2, "d": 2, "supports": supports,
             "control_shear_rel_residual": ctrl.max_rel_numeric,
             "control_detects_non_orthogonal_map": not ctrl.passed}
    return res, notes

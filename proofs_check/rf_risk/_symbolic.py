"""Symbolic identities of the random-feature risk theory (Simon et al. 2023, arXiv 2311.14646;
Simon et al. 2021, arXiv 2110.03922; Advani et al. 2017, arXiv 1710.03667); the list is on the
docs page, docs/rf_risk.md#symbolic-identities.

Each claim proves a family of identities with :mod:`proofs_check.symbolic`: sympy strategies
(recorded as ``simplified_to_zero``) plus an mpmath spot check at ``dps`` digits, which decides
pass/fail (tolerance ``10**(-dps/2)`` on the relative residual). The formulas are written out here
from the mathematics on the docs page, for three modes with symbolic eigenvalues and target
powers where a sum over modes enters, independently of ``theory/`` (a mistake in a derivation or in
the theory code cannot hide in a shared helper). Sample points are restricted to the admissible
branch of docs/rf_risk.md#the-fixed-point-equations (``q < z < n``, ``z < k``) by ``accept``
predicates, so every denominator is the positive one the derivation divides by.
"""

from __future__ import annotations

from proofs_check._claim import cite
from proofs_check.symbolic import SymbolicCheck, difference, symbolic_claim


def _src(key: str, where: str, anchor: str) -> str:
    return f"{cite(key, where)}; docs/rf_risk.md#{anchor}; docs/rf_risk.md#symbolic-identities"


def _lt(pt, a: str, b: str, margin: float = 0.9) -> bool:
    """accept-predicate piece: value(a) < margin * value(b) at a sample point (keys are Symbols);
    True when either symbol is absent (sympy may have cancelled it from the expression)."""
    v = {s.name: x for s, x in pt.items()}
    return a not in v or b not in v or v[a] < margin * v[b]


def _branch(pt) -> bool:
    """accept-predicate: q < z < n and z < k, with margins so no denominator is near 0 (a
    constraint on a symbol the expression does not contain is dropped)."""
    return _lt(pt, "q", "z") and _lt(pt, "z", "n") and _lt(pt, "z", "k")


# Intervals: n and k up to 40 so that z (up to 4) can sit well inside the branch.
_IV = {"z": (0.5, 4.0), "q": (0.1, 4.0), "n": (1.0, 40.0), "k": (1.0, 40.0), "L": (0.01, 0.99)}


def _overfitting_forms(z, q, n, k):
    e1 = 1 / (1 - q / n - (z - q) ** 2 / (n * (k - q)))
    e2 = n * (k - q) / ((n - q) * (k - q) - (z - q) ** 2)
    x = (q * (k - 2 * z) + z**2) / (n * (k - q))
    e3 = 1 / (1 - x)
    return e1, e2, e3


# ------------------------------------------------------------------------------------------
# the overfitting coefficient


@symbolic_claim(
    "rf_risk.symbolic.overfitting_coefficient",
    source=_src("simon2023", "RF eigenframework, overfitting coefficient E_0", "the-risk-formulas"),
    statement="For symbols z, q, n, k on the branch q < z < n, z < k: the three forms of E_0, "
              "1/(1 − q/n − (z − q)²/(n(k − q))) = n(k − q)/((n − q)(k − q) − (z − q)²) = 1/(1 − x) with "
              "x = [q(k − 2z) + z²]/(n(k − q)), agree; at z = n (ridgeless, n < k) E_0 = "
              "n(k − q)/((n − q)(k − n)) and at z = k (ridgeless, k < n) E_0 = n/(n − k); the variance "
              "(E_0 − 1)σ² at z = n is σ²(n² − 2nq + kq)/((n − q)(k − n)) and tends to σ²q/(n − q) as "
              "k → ∞.")
def _overfitting_coefficient(ck: SymbolicCheck):
    import sympy as sp

    z, q, n, k, s2 = sp.symbols("z q n k sigma2", positive=True)
    e1, e2, e3 = _overfitting_forms(z, q, n, k)
    res = {}
    res["three_forms_agree"] = ck.identity([difference(e1, e2), difference(e2, e3)], intervals=_IV,
                                           accept=_branch)

    def below_n(pt):  # ridgeless interpolation: z = n < k, q < n
        return _lt(pt, "q", "n") and _lt(pt, "n", "k")

    def below_k(pt):  # ridgeless, fewer features than samples: z = k < n, q < k
        return _lt(pt, "q", "k") and _lt(pt, "k", "n")

    iv = {"q": (0.1, 10.0), "n": (1.0, 40.0), "k": (1.0, 40.0)}
    res["ridgeless_z_eq_n"] = ck.identity(difference(e2.subs(z, n), n * (k - q) / ((n - q) * (k - n))),
                                          intervals=iv, accept=below_n)
    res["ridgeless_z_eq_k"] = ck.identity(difference(e2.subs(z, k), n / (n - k)), intervals=iv, accept=below_k)
    var_n = (n * (k - q) / ((n - q) * (k - n)) - 1) * s2
    res["ridgeless_variance_z_eq_n"] = ck.identity(
        difference(var_n, s2 * (n**2 - 2 * n * q + k * q) / ((n - q) * (k - n))), intervals=iv, accept=below_n)
    res["ridgeless_variance_k_to_infinity"] = ck.identity(
        difference(sp.limit(var_n, k, sp.oo), s2 * q / (n - q)), intervals=iv,
        accept=lambda pt: _lt(pt, "q", "n"))
    return res, {"branch": "q < 0.9 z, z < 0.9 n, z < 0.9 k"}


# ------------------------------------------------------------------------------------------
# the per-mode bias coefficient


@symbolic_claim(
    "rf_risk.symbolic.bias_coefficient",
    source=_src("simon2023", "RF eigenframework, bias term", "the-risk-formulas"),
    statement="For symbols L ∈ (0, 1), z, q, k on the branch and κ/γ = 1 − z/k: "
              "(1 − L)² + ((z − q)/(k − q))L(1 − L) = (1 − L)[1 − ((k − z)/(k − q))L] = "
              "(1 − L) − (κ/γ)(k/(k − q))L(1 − L); for three modes with symbolic λ_i, v_i², γ, "
              "Σ b_i v_i² = B_1 + B_2(z − q)/(k − q) with B_1 = Σ(1 − L_i)²v_i², B_2 = Σ L_i(1 − L_i)v_i²; "
              "at z = k the coefficient is the first power 1 − L.")
def _bias_coefficient(ck: SymbolicCheck):
    import sympy as sp

    L, z, q, k, n = sp.symbols("L z q k n", positive=True)
    ratio = 1 - z / k  # κ/γ from the feature equation
    b1 = (1 - L) ** 2 + (z - q) / (k - q) * L * (1 - L)
    b2 = (1 - L) * (1 - (k - z) / (k - q) * L)
    b3 = (1 - L) - ratio * k / (k - q) * L * (1 - L)
    res = {}
    res["three_forms_agree"] = ck.identity([difference(b1, b2), difference(b2, b3)], intervals=_IV,
                                           accept=_branch)
    res["first_power_at_z_eq_k"] = ck.identity(
        difference(b1.subs(z, k), 1 - L), intervals={"q": (0.1, 4.0), "k": (5.0, 40.0), "L": (0.01, 0.99)})

    lam = sp.symbols("lam0:3", positive=True)
    v2 = sp.symbols("v0:3", positive=True)
    g, kk = sp.symbols("gamma kk", positive=True)
    Ls = [li / (li + g) for li in lam]
    zz, qq = sum(Ls), sum(x**2 for x in Ls)
    B1 = sum((1 - x) ** 2 * w for x, w in zip(Ls, v2))
    B2 = sum(x * (1 - x) * w for x, w in zip(Ls, v2))
    per_mode = sum(((1 - x) ** 2 + (zz - qq) / (kk - qq) * x * (1 - x)) * w for x, w in zip(Ls, v2))
    res["fused_sum_form"] = ck.identity(difference(per_mode, B1 + B2 * (zz - qq) / (kk - qq)),
                                        intervals={"kk": (4.0, 40.0), "gamma": (0.1, 3.0)})
    return res, {"modes": 3}


# ------------------------------------------------------------------------------------------
# the fixed-point equations and their reduction to one equation


def _modes(m: int = 3):
    import sympy as sp

    lam = sp.symbols(f"lam0:{m}", positive=True)
    g = sp.Symbol("gamma", positive=True)
    Ls = [li / (li + g) for li in lam]
    return lam, g, sum(Ls), sum(x**2 for x in Ls)


@symbolic_claim(
    "rf_risk.symbolic.fixed_point_reduction",
    source=_src("simon2023", "RF eigenframework, the two fixed-point equations", "the-fixed-point-equations"),
    statement="For three modes with symbolic λ_i and γ > 0, z = Σ L_i, q = Σ L_i², L_i = λ_i/(λ_i + γ): "
              "κ = γ(1 − z/k) solves k = z + kκ/γ; with δ := Φ(γ) = γ(n − z)(1 − z/k) the sample "
              "equation n = z + δ/κ holds, κ = δ/(n − z) and δ/(nκ) = 1 − z/n; dz/dγ = −(z − q)/γ, "
              "dq/dγ = −2(q − Σ L_i³)/γ, and Φ′ = (n − z)(1 − z/k) + (z − q)[(1 − z/k) + (n − z)/k].")
def _fixed_point_reduction(ck: SymbolicCheck):
    import sympy as sp

    lam, g, z, q = _modes(3)
    n, k = sp.symbols("n k", positive=True)
    cube = sum((li / (li + g)) ** 3 for li in lam)
    kappa = g * (1 - z / k)
    delta = g * (n - z) * (1 - z / k)
    iv = {"n": (4.0, 40.0), "k": (4.0, 40.0), "gamma": (0.05, 3.0)}  # z < 3 < n, k: on the branch
    res = {}
    res["feature_equation"] = ck.identity(difference(z + k * kappa / g, k), intervals=iv)
    res["sample_equation"] = ck.identity(difference(z + delta / kappa, n), intervals=iv)
    res["kappa_two_forms"] = ck.identity(difference(kappa, delta / (n - z)), intervals=iv)
    res["fitting_factor"] = ck.identity(difference(delta / (n * kappa), 1 - z / n), intervals=iv)
    res["dz_dgamma"] = ck.identity(difference(sp.diff(z, g), -(z - q) / g), intervals=iv)
    res["dq_dgamma"] = ck.identity(difference(sp.diff(q, g), -2 * (q - cube) / g), intervals=iv)
    res["dphi_dgamma"] = ck.identity(
        difference(sp.diff(delta, g), (n - z) * (1 - z / k) + (z - q) * ((1 - z / k) + (n - z) / k)),
        intervals=iv)
    return res, {"modes": 3, "sampled": "n, k in (4, 40) > z, so every factor of Phi is positive"}


# ------------------------------------------------------------------------------------------
# the kernel limit k → ∞ and eigenlearning


@symbolic_claim(
    "rf_risk.symbolic.kernel_limit",
    source=_src("simon2021", "eigenlearning equations (KRR)", "the-kernel-limit"),
    statement="As k → ∞ with z, q, n fixed: E_0 → n/(n − q), the bias coefficient → (1 − L)², "
              "κ/γ → 1; the eigenlearning test risk E = n/(n − q)(Σ(1 − L_i)²v_i² + σ²) solves the "
              "consistency equation E = Σ(1 − L_i)²v_i² + (q/n)E + σ² (three modes, symbolic λ_i, v_i², "
              "κ, σ²); the variance part is (E_0 − 1)σ² = qσ²/(n − q).")
def _kernel_limit(ck: SymbolicCheck):
    import sympy as sp

    z, q, n, k, L = sp.symbols("z q n k L", positive=True)
    e1, _, _ = _overfitting_forms(z, q, n, k)
    b1 = (1 - L) ** 2 + (z - q) / (k - q) * L * (1 - L)
    res = {}
    # z drops out of the limit; q < n is the branch condition left
    res["e0_limit"] = ck.identity(difference(sp.limit(e1, k, sp.oo), n / (n - q)), intervals=_IV,
                                  accept=lambda pt: _lt(pt, "q", "n"))
    res["bias_limit"] = ck.identity(difference(sp.limit(b1, k, sp.oo), (1 - L) ** 2), intervals=_IV)
    res["kappa_over_gamma_limit"] = ck.identity(difference(sp.limit(1 - z / k, k, sp.oo) + z / n, 1 + z / n),
                                                intervals=_IV)

    lam = sp.symbols("lam0:3", positive=True)
    v2 = sp.symbols("v0:3", positive=True)
    kap, s2 = sp.symbols("kappa sigma2", positive=True)
    Ls = [li / (li + kap) for li in lam]
    qq = sum(x**2 for x in Ls)
    bias = sum((1 - x) ** 2 * w for x, w in zip(Ls, v2))
    E = n / (n - qq) * (bias + s2)
    iv = {"n": (3.5, 40.0), "kappa": (0.05, 3.0)}
    res["eigenlearning_consistency"] = ck.identity(difference(E, bias + qq / n * E + s2), intervals=iv)
    res["eigenlearning_variance"] = ck.identity(difference((n / (n - qq) - 1) * s2, qq * s2 / (n - qq)),
                                                intervals=iv)
    return res, {"modes": 3}


# ------------------------------------------------------------------------------------------
# power-law tasks in the continuum


def _f(s, a, b, r):
    return ((1 - s) ** (1 - b) + a * r) / (1 + (a - 1) * s)


@symbolic_claim(
    "rf_risk.symbolic.powerlaw_continuum",
    source=_src("simon2023", "powerlaw eigenstructure, optimal fitting ratio", "power-law-tasks"),
    statement="With z = Cγ^{−1/α}, q = (1 − 1/α)z, B = c_B γ^{(β−1)/α}, s = 1 − z/n and σ² = σ_rel² "
              "E^(0,0): E_0 = n/(n − q) = α/(1 + (α − 1)s); E_te/E^(0,0) = f(s) = [(1 − s)^{1−β} + "
              "ασ_rel²]/(1 + (α − 1)s) and E^(0,0) = αc_B C^{β−1} n^{1−β} equals A n^{1−β} with "
              "C = (π/α)/sin(π/α), c_B = π(α − β + 1)/(α² sin(π(β − 1)/α)); f′(s)(1 + (α − 1)s)²(1 − s)^β = "
              "(β − 1)(1 + (α − 1)s) − (α − 1)(1 − s)(1 + ασ_rel²(1 − s)^{β−1}); the right-hand side of the "
              "stationarity condition has derivative −(α − 1)(1 + αβσ_rel²(1 − s)^{β−1}) < 0; noiseless "
              "s* = (α − β)/(β(α − 1)) is stationary; f′(0) = α(α − 1)[(β − α)/(α(α − 1)) − σ_rel²]; and "
              "κ = (C/(n(1 − s)))^α gives δ = κ(n − z) = sC^α n^{1−α}/(1 − s)^α; the Beta-function values "
              "Γ(x)Γ(1 − x) = π/sin(πx) and Γ(x)Γ(2 − x) = (1 − x)π/sin(πx) behind C, q/z and c_B.",
    slow=True)  # ~8 s: five entries need the full sympy budget before the numeric check decides
def _powerlaw_continuum(ck: SymbolicCheck):
    import sympy as sp

    a, b, r, s, n, g = sp.symbols("alpha beta r s n gamma", positive=True)
    C = (sp.pi / a) / sp.sin(sp.pi / a)
    cB = sp.pi * (a - b + 1) / (a**2 * sp.sin(sp.pi * (b - 1) / a))
    A = sp.pi**b * (a - b + 1) / (a**b * sp.sin(sp.pi * (b - 1) / a) * sp.sin(sp.pi / a) ** (b - 1))
    # α in (1.1, 3), β in (1.05, 2α + 1) keeps every sine positive; s in (0, 0.95)
    iv = {"alpha": (1.1, 3.0), "beta": (1.05, 3.0), "s": (0.01, 0.95), "r": (0.01, 3.0), "n": (10.0, 1e4),
          "gamma": (1e-4, 1e-1)}

    def ok(pt):
        v = {x.name: y for x, y in pt.items()}
        return "beta" not in v or "alpha" not in v or v["beta"] < 2 * v["alpha"] + 1

    res = {}
    z = n * (1 - s)
    qv = (1 - 1 / a) * z
    res["e0_of_s"] = ck.identity(difference(n / (n - qv), a / (1 + (a - 1) * s)), intervals=iv, accept=ok)

    gam = (C / z) ** a  # γ at which Cγ^{-1/α} = n(1 - s)
    bias = cB * gam ** ((b - 1) / a)
    e00 = a * cB * C ** (b - 1) * n ** (1 - b)
    ete = a / (1 + (a - 1) * s) * (bias + r * e00)
    res["f_of_s"] = ck.identity(difference(ete / e00, _f(s, a, b, r)), intervals=iv, accept=ok)
    res["prefactor_A"] = ck.identity(difference(a * cB * C ** (b - 1), A), intervals=iv, accept=ok)
    res["z_at_gamma"] = ck.identity(difference(C * gam ** (-1 / a), z), intervals=iv, accept=ok)

    D = 1 + (a - 1) * s
    rhs = (a - 1) * (1 - s) * (1 + a * r * (1 - s) ** (b - 1))
    fp = sp.diff(_f(s, a, b, r), s)
    res["stationarity"] = ck.identity(difference(fp * D**2 * (1 - s) ** b, (b - 1) * D - rhs),
                                      intervals=iv, accept=ok)
    res["rhs_decreasing"] = ck.identity(difference(sp.diff(rhs, s), -(a - 1) * (1 + a * b * r * (1 - s) ** (b - 1))),
                                        intervals=iv, accept=ok)
    sstar = (a - b) / (b * (a - 1))
    res["noiseless_s_star"] = ck.identity(
        difference((b - 1) * (1 + (a - 1) * sstar), (a - 1) * (1 - sstar)),
        intervals={"alpha": (1.1, 3.0), "beta": (1.05, 3.0)})
    res["slope_at_zero"] = ck.identity(
        difference(fp.subs(s, 0), a * (a - 1) * ((b - a) / (a * (a - 1)) - r)), intervals=iv, accept=ok)
    kap = (C / (n * (1 - s))) ** a
    res["optimal_ridge_formula"] = ck.identity(
        difference(kap * (n - C * kap ** (-1 / a)), s * C**a * n ** (1 - a) / (1 - s) ** a), intervals=iv, accept=ok)
    # The continuum sums: u = γx^α turns ∫ dx u^m/(1 + u)^p x^{-β'} into (1/α)γ^{...} B(a, p − a); the
    # Beta values needed are Γ(a)Γ(1 − a) = π/sin(πa) (z) and Γ(b)Γ(2 − b) = (1 − b)π/sin(πb) (q, bias).
    x = sp.Symbol("x", positive=True)
    res["beta_function_values"] = ck.identity(
        [difference(sp.gamma(x) * sp.gamma(1 - x), sp.pi / sp.sin(sp.pi * x)),
         difference(sp.gamma(x) * sp.gamma(2 - x), (1 - x) * sp.pi / sp.sin(sp.pi * x))],
        intervals={"x": (0.05, 0.95)})
    res["beta_function_values_b_above_one"] = ck.identity(
        difference(sp.gamma(x) * sp.gamma(2 - x), (1 - x) * sp.pi / sp.sin(sp.pi * x)), intervals={"x": (1.05, 1.95)})

    # Control (numbers, not an identity): the three continuum integrals by quadrature against their
    # closed forms at a few (α, β, γ).
    import mpmath as mp

    worst = 0.0
    for al_, be_, g_ in [(1.5, 1.2, 0.01), (2.0, 1.5, 0.1), (1.17, 1.14, 0.003), (1.2, 3.0, 0.05)]:
        al_, be_, g_ = mp.mpf(al_), mp.mpf(be_), mp.mpf(g_)
        Cn = (mp.pi / al_) / mp.sin(mp.pi / al_)
        cBn = mp.pi * (al_ - be_ + 1) / (al_**2 * mp.sin(mp.pi * (be_ - 1) / al_))
        # in y = log x the slowly decaying power tails become exponential ones (quadrature to ~dps digits)
        u = lambda y: g_ * mp.e ** (al_ * y)  # noqa: E731  (γ x^α)
        zq = mp.quad(lambda y: mp.e**y / (1 + u(y)), [-mp.inf, 0, mp.inf])
        qq = mp.quad(lambda y: mp.e**y / (1 + u(y)) ** 2, [-mp.inf, 0, mp.inf])
        bq = mp.quad(lambda y: mp.e ** ((1 - be_) * y) * (u(y) / (1 + u(y))) ** 2, [-mp.inf, 0, mp.inf])
        zc = Cn * g_ ** (-1 / al_)
        for got, want in [(zq, zc), (qq, (1 - 1 / al_) * zc), (bq, cBn * g_ ** ((be_ - 1) / al_))]:
            worst = max(worst, float(abs(got / want - 1)))
    return res, {"domain": "1.1 < alpha < 3, 1.05 < beta < min(3, 2 alpha + 1), 0 < s < 0.95",
                 "control_continuum_integrals_vs_quadrature_max_rel": worst}


# ------------------------------------------------------------------------------------------
# Advani & Saxe


@symbolic_claim(
    "rf_risk.symbolic.advani_saxe",
    source=_src("advani2017", "linear student, Marchenko-Pastur integrals", "advani-and-saxe"),
    statement="m(ν) = [(1 − α − ν) + √((1 − α − ν)² + 4ν)]/(2ν) solves νm² − (1 − α − ν)m − 1 = 0; as "
              "ν → 0⁺, m → 1/(α − 1) for α > 1 and m − (1 − α)/ν → α/(1 − α) for α < 1 (the moments "
              "∫ρ/λ); the asymptotes E_g(∞) = σ_ε²α/(α − 1) (α > 1) and (1 − α)S + σ_ε²/(1 − α) (α < 1); "
              "E_t(0) = S + σ_ε² on both sides; at ν = σ_ε²/σ_w² the ridge integrand "
              "σ_w²ν²/(λ + ν)² + σ_ε²λ/(λ + ν)² equals σ_ε²/(λ + ν) and the frozen mass (1 − α)σ_w² equals "
              "σ_ε²(1 − α)/ν, so E_g* = σ_ε²(1 + m(ν*)); a mode e(t) = e_0e^{−λt} + (1 − e^{−λt})ξ/λ "
              "solves ė = −λe + ξ.")
def _advani_saxe(ck: SymbolicCheck):
    import sympy as sp

    al, nu, t, lam, se2, sw2, S, e0, xi = sp.symbols("alpha nu t lam se2 sw2 S e0 xi", positive=True)
    m = ((1 - al - nu) + sp.sqrt((1 - al - nu) ** 2 + 4 * nu)) / (2 * nu)
    iv = {"alpha": (0.05, 4.0), "nu": (0.01, 5.0)}
    res = {}
    res["stieltjes_quadratic"] = ck.identity(difference(nu * m**2 - (1 - al - nu) * m, 1), intervals=iv)
    u = sp.Symbol("u", positive=True)  # α = 1 + u (α > 1) or α = 1 − u (α < 1, u < 1)
    m_hi = m.subs(al, 1 + u)
    m_lo = m.subs(al, 1 - u)
    res["moment_alpha_above_one"] = ck.identity(difference(sp.limit(m_hi, nu, 0, "+"), 1 / u),
                                                intervals={"u": (0.05, 3.0)})
    res["moment_alpha_below_one"] = ck.identity(
        difference(sp.limit(m_lo - u / nu, nu, 0, "+"), (1 - u) / u), intervals={"u": (0.05, 0.95)})
    a_hi, a_lo = 1 + u, 1 - u
    res["asymptote_above_one"] = ck.identity(difference(se2 * (1 / (a_hi - 1)) + se2, se2 * a_hi / (a_hi - 1)),
                                             intervals={"u": (0.05, 3.0)})
    res["asymptote_below_one"] = ck.identity(
        difference((1 - a_lo) * S + se2 * a_lo / (1 - a_lo) + se2, (1 - a_lo) * S + se2 / (1 - a_lo)),
        intervals={"u": (0.05, 0.95)})
    # E_t(0) = (1/α)[σ_ε² ∫ρ + S ∫λρ] + σ_ε²(1 − 1/α)_+ with ∫ρ = min(1, α), ∫λρ = α
    res["train_at_zero_above_one"] = ck.identity(
        difference((se2 * 1 + S * a_hi) / a_hi + se2 * (1 - 1 / a_hi), S + se2), intervals={"u": (0.05, 3.0)})
    res["train_at_zero_below_one"] = ck.identity(
        difference((se2 * a_lo + S * a_lo) / a_lo, S + se2), intervals={"u": (0.05, 0.95)})
    nus = se2 / sw2
    res["bayes_ridge_integrand"] = ck.identity(
        difference(sw2 * nus**2 / (lam + nus) ** 2 + se2 * lam / (lam + nus) ** 2, se2 / (lam + nus)))
    res["bayes_ridge_frozen_mass"] = ck.identity(difference((1 - al) * sw2, se2 * (1 - al) / nus),
                                                 intervals={"alpha": (0.05, 0.95)})
    e = e0 * sp.exp(-lam * t) + (1 - sp.exp(-lam * t)) * xi / lam
    res["mode_solves_gradient_flow"] = ck.identity(difference(sp.diff(e, t) + lam * e, xi))

    # Control (numbers, not an identity): m(ν) against quadrature of the MP density plus the point mass.
    import mpmath as mp

    def mp_m(alpha, v):
        lo, hi = (1 - mp.sqrt(alpha)) ** 2, (1 + mp.sqrt(alpha)) ** 2
        rho = lambda x: mp.sqrt((hi - x) * (x - lo)) / (2 * mp.pi * x)  # noqa: E731
        return mp.quad(lambda x: rho(x) / (x + v), [lo, hi]) + max(0, 1 - alpha) / v

    f = sp.lambdify((al, nu), m, "mpmath")
    ctrl = max(abs(mp_m(a_, v_) / f(a_, v_) - 1) for a_, v_ in [(0.5, 0.25), (2.0, 0.25), (1.0, 0.5)])
    return res, {"control_stieltjes_vs_quadrature_max_rel": float(ctrl)}

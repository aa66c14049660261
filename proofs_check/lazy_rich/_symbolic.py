"""Symbolic identities of the lazy/rich theory (Kunin et al. 2024, arXiv 2406.06158); the list is
on the docs page, docs/lazy_rich.md#symbolic-identities.

Each claim proves a family of identities with :mod:`proofs_check.symbolic`: sympy strategies
(recorded as ``simplified_to_zero``) plus an mpmath spot check at ``dps`` digits, which decides
pass/fail (tolerance ``10**(-dps/2)`` on the relative residual; see that module's docstring).
The formulas are written out here independently of ``theory/`` so that a mistake in a
derivation or in the theory code cannot hide in a shared helper.

Run them all with ``proofs_check.run_all(names=[c.name for c in CLAIMS])``.
``check(setting={"simplify_timeout": 20})`` spends longer on the symbolic certificates (several
more identities then simplify to 0; the verdict does not change).
"""

from __future__ import annotations

from proofs_check._claim import cite
from proofs_check.symbolic import SymbolicCheck, check_identity, difference, symbolic_claim


def _norm2(v):
    return sum(x**2 for x in v)


def _sqrtm2(S):
    """Principal square root of a symmetric positive-definite 2x2 matrix, in closed form:
    √S = (S + √det S · I) / √(tr S + 2√det S)."""
    import sympy as sp

    r = sp.sqrt(S[0, 0] * S[1, 1] - S[0, 1] * S[1, 0])
    return (S + r * sp.eye(2)) / sp.sqrt(S.trace() + 2 * r)


def _rotation(theta):
    import sympy as sp

    return sp.Matrix([[sp.cos(theta), -sp.sin(theta)], [sp.sin(theta), sp.cos(theta)]])


def _grad_flow(loss, params, rates):
    """θ̇ = −η ∂L/∂θ for each parameter block (lists of symbols), sympy-differentiated."""
    import sympy as sp

    return [[-eta * sp.diff(loss, p) for p in block] for block, eta in zip(params, rates)]


def _time_derivative(expr, params, velocities):
    import sympy as sp

    return sum(sp.diff(expr, p) * v for block, vel in zip(params, velocities) for p, v in zip(block, vel))


# ------------------------------------------------------------------------------------------
# conservation


@symbolic_claim(
    "lazy_rich.symbolic.conservation",
    source=f"{cite('kunin2024', '§3, §5 (conserved quantities)')}; docs/lazy_rich.md#symbolic-identities",
    statement="Under gradient flow with layer rates, δ = η_w a² − η_a‖w‖² (single neuron), "
              "the matrix Δ = η_w AᵀA − η_a WWᵀ (wide), the layerwise deep-linear quantities and "
              "each leaky-ReLU neuron's δ_k have zero time derivative (ReLU cross terms do not).",
    setting={"d": 3, "n": 2, "wide_shape": (1, 2, 2), "relu_neurons": 2})
def _conservation(ck: SymbolicCheck):
    import sympy as sp

    d, n = int(ck.setting["d"]), int(ck.setting["n"])
    eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
    res = {}

    # Single neuron, loss ½‖X a w − y‖² with symbolic data.
    a = sp.Symbol("a", real=True)
    w = sp.Matrix(sp.symbols(f"w1:{d + 1}", real=True))
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))
    y = sp.Matrix(sp.symbols(f"y1:{n + 1}", real=True))
    loss = sum(r**2 for r in (X * (a * w) - y)) / 2
    (a_dot,), w_dot = _grad_flow(loss, [[a], list(w)], [eta_a, eta_w])
    delta = eta_w * a**2 - eta_a * _norm2(w)
    res["single_neuron_ddelta_dt"] = ck.identity(
        _time_derivative(delta, [[a], list(w)], [[a_dot], w_dot]))
    g = X.T * X * (a * w) - X.T * y  # gradient in β
    res["single_neuron_gradient_form"] = ck.identity(
        [a_dot + eta_a * (w.T * g)[0]] + [wd + eta_w * a * gi for wd, gi in zip(w_dot, g)])

    # Wide two-layer linear f(x) = A W x, conserved matrix Δ.
    c, h, dw = (int(v) for v in ck.setting["wide_shape"])
    A = sp.Matrix(c, h, lambda i, j: sp.Symbol(f"A{i}{j}", real=True))
    W = sp.Matrix(h, dw, lambda i, j: sp.Symbol(f"W{i}{j}", real=True))
    Xw = sp.Matrix(n, dw, lambda i, j: sp.Symbol(f"X{i}{j}", real=True))
    Y = sp.Matrix(n, c, lambda i, j: sp.Symbol(f"Y{i}{j}", real=True))
    loss_w = sum(r**2 for r in (Xw * W.T * A.T - Y)) / 2
    A_dot = (-eta_a * sp.Matrix(c, h, lambda i, j: sp.diff(loss_w, A[i, j])))
    W_dot = (-eta_w * sp.Matrix(h, dw, lambda i, j: sp.diff(loss_w, W[i, j])))
    Delta_dot = (eta_w * (A_dot.T * A + A.T * A_dot) - eta_a * (W_dot * W.T + W * W_dot.T))
    res["wide_dDelta_dt"] = ck.identity(Delta_dot)
    beta = A * W
    G = beta * Xw.T * Xw - Y.T * Xw
    beta_dot = A_dot * W + A * W_dot
    res["wide_gradient_form"] = ck.identity(
        [difference(W_dot, -eta_w * A.T * G), difference(A_dot, -eta_a * G * W.T),
         difference(beta_dot, -eta_w * A * A.T * G - eta_a * G * W.T * W)])

    # Deep linear chain f(x) = W3 W2 W1 x with rates η_l: (1/η_{l+1}) W_{l+1}ᵀW_{l+1} − (1/η_l) W_l W_lᵀ.
    etas = sp.symbols("eta1:4", positive=True)
    shapes = [(2, 2), (2, 2), (1, 2)]
    Ws = [sp.Matrix(r, cc, lambda i, j, l=l: sp.Symbol(f"V{l}{i}{j}", real=True))
          for l, (r, cc) in enumerate(shapes)]
    Xd = sp.Matrix(1, 2, sp.symbols("xd1:3", real=True))
    yd = sp.Symbol("yd", real=True)
    loss_d = ((Ws[2] * Ws[1] * Ws[0] * Xd.T)[0] - yd) ** 2 / 2
    dots = [-etas[l] * Ws[l].applyfunc(lambda v: sp.diff(loss_d, v)) for l in range(3)]
    deep = []
    for l in range(2):
        # Q_l = W_{l+1}ᵀW_{l+1}/η_{l+1} − W_l W_lᵀ/η_l; its derivative by the product rule:
        Q_dot = ((dots[l + 1].T * Ws[l + 1] + Ws[l + 1].T * dots[l + 1]) / etas[l + 1]
                 - (dots[l] * Ws[l].T + Ws[l] * dots[l].T) / etas[l])
        deep.append(Q_dot)
    res["deep_linear_layerwise"] = ck.identity(deep)

    # Leaky ReLU: σ with σ'(z) as a separate function, then zσ'(z) = σ(z) substituted.
    class sigma_prime(sp.Function):
        pass

    class sigma(sp.Function):
        def fdiff(self, argindex=1):
            return sigma_prime(self.args[0])

    m = int(ck.setting["relu_neurons"])
    ar = sp.symbols(f"ar1:{m + 1}", real=True)
    wr = [sp.Matrix(sp.symbols(f"wr{k}_1:3", real=True)) for k in range(m)]
    xr = [sp.Matrix(sp.symbols(f"xr{i}_1:3", real=True)) for i in range(n)]
    yr = sp.symbols(f"yr1:{n + 1}", real=True)
    pre = [[(wr[k].T * xr[i])[0] for k in range(m)] for i in range(n)]
    loss_r = sum((sum(ar[k] * sigma(pre[i][k]) for k in range(m)) - yr[i]) ** 2
                 for i in range(n)) / 2
    params = [[ar[k]] + list(wr[k]) for k in range(m)]
    vel = [[-eta_a * sp.diff(loss_r, ar[k])] + [-eta_w * sp.diff(loss_r, v) for v in wr[k]]
           for k in range(m)]
    # σ(z) = z σ'(z) (positive homogeneity), then σ'(z_ik) -> a free symbol p_ik per sample/neuron.
    p = {pre[i][k]: sp.Symbol(f"p{i}{k}", positive=True) for i in range(n) for k in range(m)}

    def to_symbols(e):
        e = e.replace(sigma, lambda z: z * sigma_prime(z))
        return e.replace(sigma_prime, lambda z: p[z])

    dk = [to_symbols(_time_derivative(eta_w * ar[k] ** 2 - eta_a * _norm2(wr[k]), params, vel))
          for k in range(m)]
    res["leaky_relu_per_neuron"] = ck.identity(dk, intervals={s: (0.1, 1.0) for s in p.values()})
    cross = to_symbols(_time_derivative(eta_w * ar[0] * ar[1] - eta_a * (wr[0].T * wr[1])[0],
                                        params, vel)) if m >= 2 else None
    notes = {"d": d, "n": n, "wide_shape": (c, h, dw), "deep_shapes": shapes}
    if cross is not None:
        ctrl = check_identity(cross, **ck.kw(simplify=False, intervals={s: (0.1, 1.0) for s in p.values()}))
        # Control: the cross term Δ_12 is NOT conserved; its residual must be O(1), showing the
        # check can fail on this very construction.
        notes["control_relu_cross_term_rel_residual"] = ctrl.max_rel_numeric
        notes["control_detects_nonconservation"] = not ctrl.passed
    return res, notes


# ------------------------------------------------------------------------------------------
# function-space metric


@symbolic_claim(
    "lazy_rich.symbolic.function_space_metric",
    source=f"{cite('kunin2024', '§3, function-space dynamics')}; docs/lazy_rich.md#function-space-metric-and-ntk; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="M = η_w a² I + η_a wwᵀ equals ½(R+δ)I + ½(R−δ)β̂β̂ᵀ with R = √(δ² + 4η_aη_w‖β‖²), "
              "η_w a² = (R+δ)/2, η_a‖w‖² = (R−δ)/2, β̇ = −M g, M has eigenvalue R along β̂ and "
              "(R+δ)/2 across; the init a0(β0, δ) of docs/lazy_rich.md#reduction-to-unit-rates reproduces β0 and δ.",
    setting={"d": 3})
def _function_space_metric(ck: SymbolicCheck):
    import sympy as sp

    d = int(ck.setting["d"])
    eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
    a = sp.Symbol("a", real=True)
    w = sp.Matrix(sp.symbols(f"w1:{d + 1}", real=True))
    beta = a * w
    delta = eta_w * a**2 - eta_a * _norm2(w)
    R = sp.sqrt(delta**2 + 4 * eta_a * eta_w * _norm2(beta))
    bb = beta * beta.T / _norm2(beta)
    M_param = eta_w * a**2 * sp.eye(d) + eta_a * w * w.T
    M_fs = (R + delta) / 2 * sp.eye(d) + (R - delta) / 2 * bb
    res = {}
    res["M_param_eq_M_function_space"] = ck.identity(M_param - M_fs)
    res["layer_norms_from_R"] = ck.identity(
        [eta_w * a**2 - (R + delta) / 2, eta_a * _norm2(w) - (R - delta) / 2])
    g = sp.Matrix(sp.symbols(f"g1:{d + 1}", real=True))
    a_dot, w_dot = -eta_a * (w.T * g)[0], -eta_w * a * g
    res["beta_dot_eq_minus_M_g"] = ck.identity(a_dot * w + a * w_dot + M_param * g)
    perp = sp.Matrix([-beta[1], beta[0]] + [0] * (d - 2))
    res["eigenvalues"] = ck.identity([M_fs * beta - R * beta, M_fs * perp - (R + delta) / 2 * perp])

    # init from (β0, δ, sign): a0 = sign √((δ + √(δ² + 4η_aη_w‖β0‖²))/(2η_w)), w0 = β0/a0.
    b = sp.Matrix(sp.symbols(f"b1:{d + 1}", real=True))
    dl = sp.Symbol("delta", real=True)
    for sgn in (1, -1):
        a0 = sgn * sp.sqrt((dl + sp.sqrt(dl**2 + 4 * eta_a * eta_w * _norm2(b))) / (2 * eta_w))
        w0 = b / a0
        res[f"init_from_beta_sign{sgn:+d}"] = ck.identity(
            [eta_w * a0**2 - eta_a * _norm2(w0) - dl] + list(a0 * w0 - b),
            intervals={dl: (-3.0, 3.0)})
    return res, {"d": d}


# ------------------------------------------------------------------------------------------
# mirror potential


@symbolic_claim(
    "lazy_rich.symbolic.mirror_potential",
    source=f"{cite('kunin2024', '§4, implicit bias / mirror flow')}; docs/lazy_rich.md#implicit-bias-for-general-x; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="With R = √(δ² + 4‖β‖²) and Φ_δ = (R − 2δ)√(R + δ)/(2√2) (unit rates): Φ₀ = ‖β‖^{3/2}, "
              "∇Φ_δ = (3/2)√((R−δ)/2) β̂, M·∇²Φ_δ = ∇²Φ_δ·M = (3/2)|a| I, and the explicit inverse "
              "mirror map inverts ∇Φ_δ.")
def _mirror_potential(ck: SymbolicCheck):
    import sympy as sp

    kw = dict(intervals={"delta": (-3.0, 3.0)})
    b1, b2 = sp.symbols("b1 b2", real=True)
    dl = sp.Symbol("delta", real=True)
    beta = sp.Matrix([b1, b2])
    nb2 = _norm2(beta)
    R = sp.sqrt(dl**2 + 4 * nb2)
    Phi = (R - 2 * dl) * sp.sqrt(R + dl) / (2 * sp.sqrt(2))
    res = {}
    res["Phi_0_eq_norm_pow_3_2"] = ck.identity(Phi.subs(dl, 0) - nb2 ** sp.Rational(3, 4), **kw)
    t = (R - dl) / 2  # = ‖w‖²
    res["Phi_alt_form"] = ck.identity(Phi - (2 * t - dl) * sp.sqrt(t + dl) / 2, **kw)
    grad = sp.Matrix([sp.diff(Phi, b1), sp.diff(Phi, b2)])
    beta_hat = beta / sp.sqrt(nb2)
    grad_formula = sp.Rational(3, 2) * sp.sqrt((R - dl) / 2) * beta_hat
    res["grad_Phi_formula"] = ck.identity(grad - grad_formula, **kw)
    H = sp.hessian(Phi, (b1, b2))
    M = (R + dl) / 2 * sp.eye(2) + (R - dl) / 2 * beta_hat * beta_hat.T
    abs_a = sp.sqrt((R + dl) / 2)
    res["M_times_hessian"] = ck.identity(
        [M * H - sp.Rational(3, 2) * abs_a * sp.eye(2), H * M - sp.Rational(3, 2) * abs_a * sp.eye(2)],
        **kw)

    def inverse(gv):
        tg = (2 * sp.sqrt(_norm2(gv)) / 3) ** 2
        r = sp.sqrt(tg * (tg + dl))  # max(0, ·) inactive on the range of ∇Φ_δ
        return r * gv / sp.sqrt(_norm2(gv))

    res["inverse_after_grad"] = ck.identity(inverse(grad_formula) - beta, **kw)
    g1, g2 = sp.symbols("g1 g2", real=True)
    gv = sp.Matrix([g1, g2])
    bg = inverse(gv)
    grad_at = grad_formula.xreplace({b1: bg[0], b2: bg[1]})

    def outside_kink(pt):  # ‖g‖ > (3/2)√max(0, −δ): below it the inverse maps to β = 0
        return pt[g1] ** 2 + pt[g2] ** 2 > 1.05 * (9 / 4) * max(0, -pt[dl])

    res["grad_after_inverse"] = ck.identity(
        grad_at - gv, **dict(intervals={"delta": (-3.0, 3.0), "g1": (-3, 3),
                                                      "g2": (-3, 3)}, accept=outside_kink))
    return res, {"Phi_normalization": "Phi_0 = ||beta||^(3/2) (prefactor 1/(2√2))"}


# ------------------------------------------------------------------------------------------
# ODE solutions


@symbolic_claim(
    "lazy_rich.symbolic.closed_form_ode",
    source=f"{cite('kunin2024', '§3, exact solution')}; docs/lazy_rich.md#exact-solution-for-whitened-input; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="The scalar form of ϑ(τ) = e^{Aτ}ϑ0/ρ(τ) (d = 2: q∥, q⊥, P) satisfies "
              "ϑ̇ = Aϑ − ½‖ϑ‖²ϑ with ϑ(0) = ϑ0, and on P0² − ‖Q0‖² = δ̃ it solves the unit-rate "
              "gradient flow Q̇ = −P(PQ − β*), Ṗ = −Qᵀ(PQ − β*); the unit-rate map reduces general rates "
              "to unit rates; the limit ϑ∞ is a fixed point with P∞² = (δ̃ + √(δ̃² + 4s²))/2.")
def _closed_form_ode(ck: SymbolicCheck):
    import sympy as sp

    tau = sp.Symbol("tau", nonnegative=True)
    q, r, P0, dt = sp.symbols("q_par r_perp P0 delta_t", real=True)
    s = sp.Symbol("s", positive=True)
    intervals = {"tau": (0.0, 3.0), "delta_t": (-3.0, 3.0)}

    def closed_form(dtil):
        om = sp.sqrt(s**2 + dtil**2 / 4)
        C, Sh = sp.cosh(om * tau), sp.sinh(om * tau) / om
        rho2 = (1 + r**2 * (1 - sp.exp(-dtil * tau)) / dtil
                + (q**2 + P0**2) * sp.sinh(2 * om * tau) / (2 * om)
                + (2 * s * q * P0 + dtil / 2 * (P0**2 - q**2)) * sp.sinh(om * tau) ** 2 / om**2)
        rho = sp.sqrt(rho2)
        return [(C * q + Sh * (-dtil / 2 * q + s * P0)) / rho,
                sp.exp(-dtil * tau / 2) * r / rho,
                (C * P0 + Sh * (s * q + dtil / 2 * P0)) / rho]

    x1, x2, x3 = sp.symbols("x1 x2 x3", real=True)
    nrm = x1**2 + x2**2 + x3**2
    rhs = [-dt / 2 * x1 + s * x3 - nrm * x1 / 2,
           -dt / 2 * x2 - nrm * x2 / 2,
           s * x1 + dt / 2 * x3 - nrm * x3 / 2]
    res = {}
    res["theta_ode_and_init"] = ck.ode(
        closed_form(dt), rhs, tau, state=[x1, x2, x3], initial=[q, r, P0],
        **dict(intervals=intervals))
    # Gradient flow with β* = s e1 on the constraint surface δ̃ = P0² − q² − r².
    sol = closed_form(P0**2 - q**2 - r**2)
    gf_rhs = [-x3 * (x3 * x1 - s), -x3 * (x3 * x2), -(x1 * (x3 * x1 - s) + x2 * x3 * x2)]
    res["unit_rate_gradient_flow"] = ck.ode(
        sol, gf_rhs, tau, state=[x1, x2, x3], initial=[q, r, P0],
        **dict(intervals=intervals))

    # limit: ϑ∞ = sign(c₊)(√(ω − δ̃/2), 0, √(ω + δ̃/2)) is a fixed point, with ‖ϑ∞‖² = 2ω and
    # P∞² = ω + δ̃/2 = (δ̃ + √(δ̃² + 4s²))/2.
    om = sp.sqrt(s**2 + dt**2 / 4)
    lim = [sp.sqrt(om - dt / 2), sp.Integer(0), sp.sqrt(om + dt / 2)]
    fixed = [r_.xreplace({x1: lim[0], x2: lim[1], x3: lim[2]}) for r_ in rhs]
    res["limit_is_fixed_point"] = ck.identity(
        fixed + [lim[2] ** 2 - (dt + sp.sqrt(dt**2 + 4 * s**2)) / 2],
        **dict(intervals=intervals))

    # unit-rate map: P = (η_w/η_a)^{1/4} a, Q = (η_a/η_w)^{1/4} w, τ = k t, k = √(η_aη_w).
    eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
    a = sp.Symbol("a", real=True)
    w = sp.Matrix(sp.symbols("w1 w2", real=True))
    bstar = sp.Matrix(sp.symbols("bs1 bs2", real=True))
    g = a * w - bstar
    a_dot, w_dot = -eta_a * (w.T * g)[0], -eta_w * a * g
    k = sp.sqrt(eta_a * eta_w)
    P = (eta_w / eta_a) ** sp.Rational(1, 4) * a
    Q = (eta_a / eta_w) ** sp.Rational(1, 4) * w
    unit = [(eta_w / eta_a) ** sp.Rational(1, 4) * a_dot / k + (Q.T * (P * Q - bstar))[0]]
    unit += list((eta_a / eta_w) ** sp.Rational(1, 4) * w_dot / k + P * (P * Q - bstar))
    unit += list(P * Q - a * w)
    unit += [P**2 - _norm2(Q) - (eta_w * a**2 - eta_a * _norm2(w)) / k]
    res["unit_rate_reduction"] = ck.identity(unit)
    return res, {"basis": "Q = q_par * beta_hat_star + r_perp * e_perp, beta_star = s e1"}


@symbolic_claim(
    "lazy_rich.symbolic.reduced_odes_from_flow",
    source=f"{cite('kunin2024', 'appendix (Riccati/Bernoulli forms)')}; docs/lazy_rich.md#riccati-and-bernoulli-forms; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="Along the whitened single-neuron flow with rates, μ = a‖w‖ obeys "
              "μ̇ = −R(μ)(μ − sφ), φ = cos∠(w, β*) obeys φ̇ = s(1 − φ²)(δ + R)/(2μ), "
              "ν = η_a wᵀβ*/a obeys ν̇ = η_aη_w s² − δν − ν², ȧ = a(δ + ν − η_w a²), "
              "q = 1/a² obeys q̇ = −2(δ + ν)q + 2η_w, and ẇ⊥ = −η_w a² w⊥.")
def _reduced_odes(ck: SymbolicCheck):
    import sympy as sp

    eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
    a = sp.Symbol("a", real=True)
    w1, w2, b1, b2 = sp.symbols("w1 w2 b1 b2", real=True)
    w, bstar = sp.Matrix([w1, w2]), sp.Matrix([b1, b2])
    g = a * w - bstar
    a_dot, w_dot = -eta_a * (w.T * g)[0], -eta_w * a * g
    params, vel = [[a, w1, w2]], [[a_dot, w_dot[0], w_dot[1]]]

    def ddt(e):
        return sum(sp.diff(e, p_) * v for p_, v in zip(params[0], vel[0]))

    s = sp.sqrt(_norm2(bstar))
    nw = sp.sqrt(_norm2(w))
    delta = eta_w * a**2 - eta_a * _norm2(w)
    mu = a * nw
    phi = (w.T * bstar)[0] / (nw * s)
    R = sp.sqrt(delta**2 + 4 * eta_a * eta_w * mu**2)
    nu = eta_a * (w.T * bstar)[0] / a
    res = {}
    res["mu_ode"] = ck.identity(ddt(mu) + R * (mu - s * phi))
    res["phi_ode"] = ck.identity(ddt(phi) - s * (1 - phi**2) * (delta + R) / (2 * mu))
    res["nu_riccati"] = ck.identity(ddt(nu) - (eta_a * eta_w * s**2 - delta * nu - nu**2))
    res["a_dot_form"] = ck.identity(a_dot - a * (delta + nu - eta_w * a**2))
    qa = 1 / a**2
    res["q_bernoulli"] = ck.identity(ddt(qa) - (-2 * (delta + nu) * qa + 2 * eta_w))
    perp = sp.Matrix([-b2, b1]) / s
    w_perp = (w.T * perp)[0]
    res["w_perp_decay"] = ck.identity(ddt(w_perp) + eta_w * a**2 * w_perp)
    return res


def _riccati_nu(t, dl, D, c):
    import sympy as sp

    return (-dl + D * sp.tanh(D * t / 2 + c)) / 2


@symbolic_claim(
    "lazy_rich.symbolic.riccati_solution",
    source=f"{cite('kunin2024', 'appendix (Riccati/Bernoulli forms)')}; docs/lazy_rich.md#riccati-and-bernoulli-forms; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="ν(t) = ½(−δ + D tanh(Dt/2 + c)), D = √(δ² + 4η_aη_w s²), solves "
              "ν̇ = η_aη_w s² − δν − ν² with ν(0) = ν0 for c = artanh((δ + 2ν0)/D) and, when "
              "|δ + 2ν0| > D, for c = arcoth((δ + 2ν0)/D) + iπ/2; at unit rates "
              "(ν0 − ν₋)·a0 = c₊, so ν0 < ν₋ ⇔ sign(c₊) ≠ sign(a0).")
def _riccati(ck: SymbolicCheck):
    import sympy as sp

    t = sp.Symbol("t", nonnegative=True)
    eta_a, eta_w, s = sp.symbols("eta_a eta_w s", positive=True)
    dl, nu0, x = sp.symbols("delta nu0 x", real=True)
    D = sp.sqrt(dl**2 + 4 * eta_a * eta_w * s**2)
    arg = (dl + 2 * nu0) / D
    rhs = eta_a * eta_w * s**2 - dl * x - x**2
    iv = {"t": (0.0, 2.0), "delta": (-3.0, 3.0), "nu0": (-4.0, 4.0)}

    def ratio(pt):
        Dv = (pt[dl] ** 2 + 4 * pt[eta_a] * pt[eta_w] * pt[s] ** 2) ** 0.5
        return abs(pt[dl] + 2 * pt[nu0]) / Dv

    res = {}
    res["real_branch"] = ck.ode(
        _riccati_nu(t, dl, D, sp.atanh(arg)), [rhs], t, state=[x], initial=[nu0],
        **dict(intervals=iv, accept=lambda pt: ratio(pt) < 0.95))
    res["complex_branch"] = ck.ode(
        _riccati_nu(t, dl, D, sp.acoth(arg) + sp.I * sp.pi / 2), [rhs], t, state=[x], initial=[nu0],
        **dict(intervals=iv, accept=lambda pt: ratio(pt) > 1.05))
    nu_plus, nu_minus = (-dl + D) / 2, (-dl - D) / 2
    res["fixed_points"] = ck.identity(
        [rhs.subs(x, nu_plus), rhs.subs(x, nu_minus)], **dict(intervals=iv))
    # Unit rates: ν0 = s q∥/P0, D = 2ω, c₊ = s q∥ + (ω + δ/2) P0.
    q, P0 = sp.symbols("q_par P0", real=True)
    om = sp.sqrt(s**2 + dl**2 / 4)
    nu_minus_unit = (-dl - 2 * om) / 2
    res["flip_criterion"] = ck.identity(
        (s * q / P0 - nu_minus_unit) * P0 - (s * q + (om + dl / 2) * P0))
    return res, {"branch": "complex branch checked on |δ + 2ν0| > 1.05 D"}


@symbolic_claim(
    "lazy_rich.symbolic.bernoulli_solution",
    source=f"{cite('kunin2024', 'appendix (Bernoulli form)')}; docs/lazy_rich.md#riccati-and-bernoulli-forms; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="q(t) = e^{−δt} cosh²c/cosh²(Dt/2 + c)·[q0 + (2η_w/cosh²c) I(t)] with "
              "I(t) = (e^{δt} − 1)/(2δ) + [E(t) − E(0)]/(2(δ² − D²)) solves "
              "q̇ = −2(δ + ν(t))q + 2η_w, q(0) = q0, on both branches of c, and with "
              "(e^{δt} − 1)/(2δ) → t/2 at δ = 0.",
    setting={"simplify_timeout": 0.5})
def _bernoulli(ck: SymbolicCheck):
    import sympy as sp

    t = sp.Symbol("t", nonnegative=True)
    eta_a, eta_w, s, q0 = sp.symbols("eta_a eta_w s q0", positive=True)
    dl, nu0, x = sp.symbols("delta nu0 x", real=True)
    iv = {"t": (0.0, 2.0), "delta": (-3.0, 3.0), "nu0": (-4.0, 4.0)}

    def q_formula(dlv, c, first_term):
        D = sp.sqrt(dlv**2 + 4 * eta_a * eta_w * s**2)

        def E(y):
            return sp.exp(dlv * y) * (dlv * sp.cosh(D * y + 2 * c) - D * sp.sinh(D * y + 2 * c))

        I_t = first_term + (E(t) - E(0)) / (2 * (dlv**2 - D**2))
        q = (sp.exp(-dlv * t) * sp.cosh(c) ** 2 / sp.cosh(D * t / 2 + c) ** 2
             * (q0 + 2 * eta_w / sp.cosh(c) ** 2 * I_t))
        nu = _riccati_nu(t, dlv, D, c)
        return q, -2 * (dlv + nu) * x + 2 * eta_w, D

    def ratio(pt, dlv=None):
        d_ = pt[dl] if dlv is None else dlv
        Dv = (d_**2 + 4 * pt[eta_a] * pt[eta_w] * pt[s] ** 2) ** 0.5
        return abs(d_ + 2 * pt[nu0]) / Dv

    res = {}
    first = (sp.exp(dl * t) - 1) / (2 * dl)
    D = sp.sqrt(dl**2 + 4 * eta_a * eta_w * s**2)
    for name, c, ok in (("real_branch", sp.atanh((dl + 2 * nu0) / D), lambda pt: ratio(pt) < 0.95),
                        ("complex_branch", sp.acoth((dl + 2 * nu0) / D) + sp.I * sp.pi / 2,
                         lambda pt: ratio(pt) > 1.05)):
        qf, rhs, _ = q_formula(dl, c, first)
        res[name] = ck.ode(qf, [rhs], t, state=[x], initial=[q0],
                                       **dict(intervals=iv, accept=ok))
    D0 = sp.sqrt(4 * eta_a * eta_w * s**2)
    qf0, rhs0, _ = q_formula(sp.Integer(0), sp.atanh(2 * nu0 / D0), t / 2)
    res["delta_zero"] = ck.ode(
        qf0, [rhs0], t, state=[x], initial=[q0],
        **dict(intervals=iv, accept=lambda pt: ratio(pt, 0.0) < 0.95))
    return res


@symbolic_claim(
    "lazy_rich.symbolic.delta_zero_solution",
    source=f"{cite('kunin2024', 'appendix (δ = 0 solution)')}; {cite('saxe2014')}; "
           "docs/lazy_rich.md#balanced-and-extreme-limits; docs/lazy_rich.md#symbolic-identities",
    statement="At δ = 0 (unit rates, μ0 > 0) z = artanh(φ0) + st, φ = tanh z, "
              "μ = s(1 + cosh 2z)/(2z + sinh 2z + C) and β̂(t) = tanh z β̂* + (cosh z0/cosh z)"
              "(β̂0 − tanh z0 β̂*) make β = μβ̂ solve β̇ = −‖β‖(I + β̂β̂ᵀ)(β − β*); Saxe's sigmoid "
              "solves τu̇ = 2u(s − u).")
def _delta_zero(ck: SymbolicCheck):
    import mpmath
    import sympy as sp

    t = sp.Symbol("t", nonnegative=True)
    s, mu0 = sp.symbols("s mu0", positive=True)
    th_s, th_0 = sp.symbols("theta_star theta_0", real=True)
    bs_hat = sp.Matrix([sp.cos(th_s), sp.sin(th_s)])
    b0_hat = sp.Matrix([sp.cos(th_0), sp.sin(th_0)])
    phi0 = (bs_hat.T * b0_hat)[0]
    z0 = sp.atanh(phi0)
    z = z0 + s * t
    C = s * (1 + sp.cosh(2 * z0)) / mu0 - 2 * z0 - sp.sinh(2 * z0)
    mu = s * (1 + sp.cosh(2 * z)) / (2 * z + sp.sinh(2 * z) + C)
    phi = sp.tanh(z)
    bhat = sp.tanh(z) * bs_hat + sp.cosh(z0) / sp.cosh(z) * (b0_hat - sp.tanh(z0) * bs_hat)
    beta = mu * bhat
    x1, x2, m, f = sp.symbols("x1 x2 m f", real=True)
    xv = sp.Matrix([x1, x2])
    nx = sp.sqrt(x1**2 + x2**2)
    rhs = -nx * (sp.eye(2) + xv * xv.T / nx**2) * (xv - s * bs_hat)

    def away_from_antialignment(pt):  # |φ0| < 1 with margin (z0 finite)
        return abs(mpmath.cos(pt[th_s] - pt[th_0])) < 0.95

    iv = {"t": (0.0, 2.0), "theta_star": (-3.1, 3.1), "theta_0": (-3.1, 3.1)}
    kw = dict(intervals=iv, accept=away_from_antialignment)
    res = {}
    res["beta_ode"] = ck.ode(list(beta), list(rhs), t, state=[x1, x2],
                                         initial=list(mu0 * b0_hat), **kw)
    res["mu_phi_odes"] = ck.ode([mu, phi], [-2 * m * (m - s * f), s * (1 - f**2)], t,
                                            state=[m, f], initial=[mu0, phi0], **kw)
    tau_s = sp.Symbol("tau_s", positive=True)
    u = s * sp.exp(2 * s * t / tau_s) / (sp.exp(2 * s * t / tau_s) - 1 + s / mu0)
    res["saxe_sigmoid"] = ck.ode(u, [2 * m * (s - m) / tau_s], t, state=[m],
                                             initial=[mu0], **dict(intervals=iv))
    return res


# ------------------------------------------------------------------------------------------
# discrete GD


@symbolic_claim(
    "lazy_rich.symbolic.gd_step_delta",
    source=f"{cite('kunin2024', '§3 (discrete-time identity ours)')}; docs/lazy_rich.md#numerics-and-tolerances; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="One GD step a ← a − hη_a∂_aL, w ← w − hη_w∂_wL changes δ by exactly "
              "h²η_aη_w(η_a(∂_aL)² − η_w‖∂_wL‖²); for the wide net Δ changes by "
              "h²η_aη_w(η_a ∂_AᵀL ∂_AL − η_w ∂_WL ∂_WLᵀ).",
    setting={"d": 3, "n": 2, "wide_shape": (2, 2, 2), "simplify_timeout": 3.0})
def _gd_step(ck: SymbolicCheck):
    import sympy as sp

    d, n = int(ck.setting["d"]), int(ck.setting["n"])
    eta_a, eta_w, h = sp.symbols("eta_a eta_w h", positive=True)
    a = sp.Symbol("a", real=True)
    w = sp.Matrix(sp.symbols(f"w1:{d + 1}", real=True))
    X = sp.Matrix(n, d, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))
    y = sp.Matrix(sp.symbols(f"y1:{n + 1}", real=True))
    loss = sum(r**2 for r in (X * (a * w) - y)) / 2
    La = sp.diff(loss, a)
    Lw = sp.Matrix([sp.diff(loss, v) for v in w])
    a1, w1 = a - h * eta_a * La, w - h * eta_w * Lw

    def delta(a_, w_):
        return eta_w * a_**2 - eta_a * _norm2(w_)

    res = {}
    res["single_neuron"] = ck.identity(
        difference(delta(a1, w1) - delta(a, w), h**2 * eta_a * eta_w * (eta_a * La**2 - eta_w * _norm2(Lw))))
    c, hh, dw = (int(v) for v in ck.setting["wide_shape"])
    A = sp.Matrix(c, hh, lambda i, j: sp.Symbol(f"A{i}{j}", real=True))
    W = sp.Matrix(hh, dw, lambda i, j: sp.Symbol(f"W{i}{j}", real=True))
    Xw = sp.Matrix(n, dw, lambda i, j: sp.Symbol(f"X{i}{j}", real=True))
    Y = sp.Matrix(n, c, lambda i, j: sp.Symbol(f"Y{i}{j}", real=True))
    loss_w = sum(r**2 for r in (Xw * W.T * A.T - Y)) / 2
    LA = A.applyfunc(lambda v: sp.diff(loss_w, v))
    LW = W.applyfunc(lambda v: sp.diff(loss_w, v))
    A1, W1 = A - h * eta_a * LA, W - h * eta_w * LW

    def Delta(A_, W_):
        return eta_w * A_.T * A_ - eta_a * W_ * W_.T

    res["wide_matrix"] = ck.identity(
        difference(Delta(A1, W1) - Delta(A, W), h**2 * eta_a * eta_w * (eta_a * LA.T * LA - eta_w * LW * LW.T)))
    return res, {"d": d, "n": n, "wide_shape": (c, hh, dw)}


# ------------------------------------------------------------------------------------------
# δ-balanced wide networks and the hyperbolic entropy


@symbolic_claim(
    "lazy_rich.symbolic.delta_balanced",
    source=f"{cite('kunin2024', '§5, wide/multi-output networks')}; docs/lazy_rich.md#wide-and-deep-linear-networks; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="For δ-balanced networks (Δ = AᵀA − WWᵀ = δI, unit rates) AAᵀ = ½(δI + √(δ²I + 4ββᵀ)) "
              "and WᵀW = ½(−δI + √(δ²I + 4βᵀβ)) (scalar, diagonal, rotated square, funnel δ < 0, "
              "inverted funnel δ > 0); the hyperbolic entropy has Φ″ = 1/√(δ² + 4σ²) and turns the "
              "mode law σ̇ = −√(δ² + 4σ²)(σ − s) into the mirror flow d/dt Φ′(σ) = −(σ − s).",
    setting={"simplify_timeout": 0.5})
def _delta_balanced(ck: SymbolicCheck):
    import sympy as sp

    dl = sp.Symbol("delta", real=True)
    res = {}

    def formulas(A, W):
        beta = A * W
        c, d = beta.shape
        sq = (lambda S: _sqrtm2(S)) if c == 2 else (lambda S: S.applyfunc(sp.sqrt))
        sq_d = (lambda S: _sqrtm2(S)) if d == 2 else (lambda S: S.applyfunc(sp.sqrt))
        AAt = (dl * sp.eye(c) + sq(dl**2 * sp.eye(c) + 4 * beta * beta.T)) / 2
        WtW = (-dl * sp.eye(d) + sq_d(dl**2 * sp.eye(d) + 4 * beta.T * beta)) / 2
        return [A * A.T - AAt, W.T * W - WtW]

    def balance(A, W):
        return A.T * A - W * W.T - dl * sp.eye(A.shape[1])

    # scalar: a² − w² = δ
    w = sp.Symbol("w", real=True)
    a = sp.sqrt(w**2 + dl)
    kw_pos = dict(intervals={"delta": (-3.0, 3.0)},
                 accept=lambda pt: pt[w] ** 2 + pt[dl] > 0.05)
    res["scalar"] = ck.identity(formulas(sp.Matrix([[a]]), sp.Matrix([[w]])), **kw_pos)

    # diagonal 2x2 and rotated square (h = c = d = 2): A = U diag(a) Oᵀ, W = O diag(w) Vᵀ
    w1, w2 = sp.symbols("w1 w2", real=True)
    ad = [sp.sqrt(w1**2 + dl), sp.sqrt(w2**2 + dl)]
    kw_sq = dict(intervals={"delta": (-3.0, 3.0)},
                accept=lambda pt: min(pt[w1] ** 2, pt[w2] ** 2) + pt[dl] > 0.05)
    A, W = sp.diag(*ad), sp.diag(w1, w2)
    res["diagonal"] = ck.identity(formulas(A, W) + [balance(A, W)], **kw_sq)
    th = sp.symbols("th1:4", real=True)
    U, O, V = (_rotation(x) for x in th)
    A, W = U * sp.diag(*ad) * O.T, O * sp.diag(w1, w2) * V.T
    res["rotated_square"] = ck.identity(formulas(A, W) + [balance(A, W)], **kw_sq)

    # funnel c = 1 < h = d = 2, δ < 0: W = chol(AᵀA − δI) Vᵀ so that AᵀA − WWᵀ = δI
    a1, a2 = sp.symbols("a1 a2", real=True)
    dneg = sp.Symbol("delta_neg", negative=True)
    A = sp.Matrix([[a1, a2]])
    S = A.T * A - dneg * sp.eye(2)
    L = sp.Matrix([[sp.sqrt(S[0, 0]), 0], [S[1, 0] / sp.sqrt(S[0, 0]),
                                           sp.sqrt(S[1, 1] - S[1, 0] ** 2 / S[0, 0])]])
    W = L * V.T
    res["funnel_delta_negative"] = ck.identity(
        [e.subs(dl, dneg) for e in formulas(A, W)] + [balance(A, W).subs(dl, dneg)],
        **dict(intervals={"delta_neg": (-3.0, -0.1)}))

    # inverted funnel d = 1 < h = c = 2, δ > 0: A = V Lᵀ with L Lᵀ = WWᵀ + δI
    v1, v2 = sp.symbols("v1 v2", real=True)
    dpos = sp.Symbol("delta_pos", positive=True)
    W = sp.Matrix([[v1], [v2]])
    S = W * W.T + dpos * sp.eye(2)
    L = sp.Matrix([[sp.sqrt(S[0, 0]), 0], [S[1, 0] / sp.sqrt(S[0, 0]),
                                           sp.sqrt(S[1, 1] - S[1, 0] ** 2 / S[0, 0])]])
    A = V * L.T
    res["inverted_funnel_delta_positive"] = ck.identity(
        [e.subs(dl, dpos) for e in formulas(A, W)] + [balance(A, W).subs(dl, dpos)],
        **dict(intervals={"delta_pos": (0.1, 3.0)}))

    # hyperbolic entropy Φ(σ) = ½[σ arcsinh(2σ/|δ|) − √(σ² + δ²/4)]
    sig, s = sp.symbols("sigma s", real=True)
    Phi = (sig * sp.asinh(2 * sig / sp.Abs(dl)) - sp.sqrt(sig**2 + dl**2 / 4)) / 2
    kw_h = dict(intervals={"delta": (-3.0, 3.0)}, accept=lambda pt: abs(pt[dl]) > 0.05)
    Phi2 = sp.diff(Phi, sig, 2)
    res["hyperbolic_entropy_second_derivative"] = ck.identity(
        [Phi2 - 1 / sp.sqrt(dl**2 + 4 * sig**2), sp.diff(Phi, sig) - sp.asinh(2 * sig / sp.Abs(dl)) / 2],
        **kw_h)
    res["mode_law_is_mirror_flow"] = ck.identity(
        Phi2 * (-sp.sqrt(dl**2 + 4 * sig**2) * (sig - s)) + (sig - s), **kw_h)
    # mode law from the scalar flow: σ = aw, ȧ = −w(σ − s), ẇ = −a(σ − s) ⇒ σ̇ = −(a² + w²)(σ − s)
    aa, ww = sp.symbols("aa ww", real=True)
    res["mode_law_from_scalar_flow"] = ck.identity(
        (aa**2 + ww**2) - sp.sqrt((aa**2 - ww**2) ** 2 + 4 * (aa * ww) ** 2))
    return res, {"matrix_sqrt": "2x2 closed form (S + √det S I)/√(tr S + 2√det S)"}


# ------------------------------------------------------------------------------------------
# rank-1 closed form


@symbolic_claim(
    "lazy_rich.symbolic.rank_one_limit",
    source=f"{cite('kunin2024', '§4 (rank-1 data in 2-D)')}; docs/lazy_rich.md#closed-form-bregman-projection; "
           "docs/lazy_rich.md#symbolic-identities",
    statement="For n = 1, d = 2 (unit rates, a > 0): a∞² = κ + √(κ² + c²), κ = (k² + δ)/2 solves "
              "a⁴ − (δ + k²)a² − c² = 0, which is conservation of δ at the interpolating limit "
              "w∞ = (c/a∞)x̂ + k n̂; the null component of w is conserved and "
              "k = √(√(‖β0‖² + δ²/4) − δ/2)(β̂0·n̂).")
def _rank_one(ck: SymbolicCheck):
    import sympy as sp

    kw = dict(intervals={"delta": (-3.0, 3.0)})
    k, dl = sp.symbols("k delta", real=True)
    c = sp.Symbol("c", positive=True)
    kappa = (k**2 + dl) / 2
    x_inf = kappa + sp.sqrt(kappa**2 + c**2)  # = a∞²
    a_inf = sp.sqrt(x_inf)
    res = {}
    res["quartic"] = ck.identity(x_inf**2 - (dl + k**2) * x_inf - c**2, **kw)
    res["delta_conserved_at_limit"] = ck.identity(a_inf**2 - ((c / a_inf) ** 2 + k**2) - dl, **kw)
    # null component conserved: L = ½(a wᵀx − y)², ẇ = −a(a wᵀx − y) x, n̂ ⟂ x
    a, w1, w2, x1, x2, y = sp.symbols("a w1 w2 x1 x2 y", real=True)
    w, xv = sp.Matrix([w1, w2]), sp.Matrix([x1, x2])
    loss = (a * (w.T * xv)[0] - y) ** 2 / 2
    w_dot = sp.Matrix([-sp.diff(loss, w1), -sp.diff(loss, w2)])
    n_hat = sp.Matrix([-x2, x1]) / sp.sqrt(x1**2 + x2**2)
    # unevaluated sum: the two products cancel exactly, which sympy would do on construction
    res["null_component_conserved"] = ck.identity(sp.Add(*(w_dot[i] * n_hat[i] for i in range(2)), evaluate=False),
                                                  **kw)
    # k formula from (β0, δ) with a0 > 0
    a0 = sp.Symbol("a0", positive=True)
    beta0 = a0 * w
    delta0 = a0**2 - _norm2(w)
    nb0 = sp.sqrt(_norm2(beta0))
    k_formula = sp.sqrt(sp.sqrt(nb0**2 + delta0**2 / 4) - delta0 / 2) * (beta0.T * n_hat)[0] / nb0
    res["k_formula"] = ck.identity((w.T * n_hat)[0] - k_formula, **kw)
    return res


CLAIMS = (_conservation, _function_space_metric, _mirror_potential, _closed_form_ode,
          _reduced_odes, _riccati, _bernoulli, _delta_zero, _gd_step, _delta_balanced, _rank_one)

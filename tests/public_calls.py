"""One valid call of every public callable of ``theory`` and ``sims`` (small, fast settings).

The negative and fuzz tests (``tests/test_fuzz_public_api.py``) perturb one argument of these
calls at a time. ``SKIPPED`` names the public callables left out, with the reason; a test
checks that every public callable is in exactly one of the two tables.
"""

from __future__ import annotations

import numpy as np

X3 = np.array([[1.0, 0.2], [0.1, 1.0], [0.5, -0.3]])
Y3 = np.array([1.0, -0.5, 0.3])
NTP_H = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, -0.5]])                     # d = 2, m = 3
NTP_P = np.array([[0.5, 0.0, 0.2], [0.5, 0.3, 0.0], [0.0, 0.7, 0.0], [0.0, 0.0, 0.8]])   # V = 4
NTP_PI = np.array([0.2, 0.3, 0.5])
NTP_W = np.array([[0.1, -0.2], [0.3, 0.0], [-0.1, 0.2], [0.0, 0.1]])
NTP_SIM_H = np.array([[1.0, 0.2], [0.3, -1.0], [0.5, 0.5]])                 # d = 3 > m = 2
NTP_SIM_P = np.array([[0.7, 0.0], [0.3, 0.4], [0.0, 0.6]])                  # V = 3
RF_LAM = np.array([1.0, 0.5, 0.25, 0.125, 0.0625, 0.03])                    # rf_risk: 6 modes
RF_V2 = np.array([1.0, 0.3, 0.2, 0.1, 0.05, 0.0])
SC_Y = np.array([0, 0, 1, 1, 2, 2])                                         # supcon_ufm: k = 3, m = 2
SC_H = np.array([[1.0, 0.8, -0.5, -0.6, -0.5, -0.4], [0.0, 0.6, 0.866, 0.8, -0.866, -0.9165]])
SC_H = SC_H / np.linalg.norm(SC_H, axis=0)
SC_G = SC_H.T @ SC_H
RF_K = X3 @ X3.T                                                            # a 3 x 3 Gram matrix
ATT_X = np.array([[[1.0, 0.0, 0.2], [0.0, 1.0, -0.3], [-0.5, 0.4, 1.0]],       # attention_svm: n = 2,
                  [[0.3, -1.0, 0.0], [1.0, 0.5, 0.5], [0.0, 0.2, -1.0]]])       # T = 3, d = 3
ATT_Z = np.array([[1.0, 0.5, -0.2], [0.2, -1.0, 0.7]])
ATT_V = np.array([1.0, -0.5, 0.3])
H2 = np.array([[[1.0, 0.1], [0.1, 0.5]], [[0.8, 0.0], [0.0, 1.2]], [[1.5, -0.2], [-0.2, 0.7]]])


def _finite_rows_law():
    from sims.sgd_stability import FiniteRowsLaw

    return FiniteRowsLaw(X=X3, batch_size=1)


# name -> (positional-or-keyword arguments as a dict). Every argument is passed by keyword.
CALLS: dict[str, dict] = {
    # ---------------------------------------------------------------- theory.lazy_rich
    "theory.lazy_rich.alignment": dict(w=[1.0, 0.5], beta_star=[0.0, 1.0]),
    "theory.lazy_rich.alignment_from_hyperbolic_angle": dict(nu=0.3, theta=0.2, s=1.0, delta=0.5),
    "theory.lazy_rich.balanced_solution": dict(a0=0.5, w0=[0.3, 0.4], beta_star=[0.0, 1.0], t=[0.0, 1.0, 2.0]),
    "theory.lazy_rich.conserved_delta": dict(a=0.5, w=[0.3, 0.4]),
    "theory.lazy_rich.conserved_matrix": dict(A=[[0.5, 0.2]], W=[[0.3, 0.4], [0.1, -0.2]]),
    "theory.lazy_rich.deep_linear_conserved": dict(weights=[np.eye(2), 0.5 * np.eye(2)]),
    "theory.lazy_rich.delta_balanced_factors": dict(beta=[[1.0, 0.5]], delta=0.5),
    "theory.lazy_rich.delta_balanced_weights": dict(beta0=[[1.0, 0.5]], delta=0.5, hidden=1),
    "theory.lazy_rich.downstream_limit_bias": dict(X=X3[:2], y=Y3[:2], beta0=[0.1, 0.2]),
    "theory.lazy_rich.exact_solution": dict(a0=0.3, w0=[0.2, 0.1], beta_star=[0.0, 1.0], t=[0.0, 1.0]),
    "theory.lazy_rich.flips_sign_riccati": dict(a0=0.3, w0=[0.2, 0.1], beta_star=[0.0, 1.0]),
    "theory.lazy_rich.from_hyperbolic_angle": dict(theta=0.3, delta=0.5),
    "theory.lazy_rich.function_space_metric": dict(beta=[0.5, 0.2], delta=0.5),
    "theory.lazy_rich.hyperbolic_angle": dict(a=0.8, w=[0.3, 0.2], delta=0.51),
    "theory.lazy_rich.hyperbolic_entropy": dict(sigma=[0.5, 1.0], delta=0.5),
    "theory.lazy_rich.hyperbolic_entropy_grad": dict(sigma=[0.5, 1.0], delta=0.5),
    "theory.lazy_rich.hyperbolic_entropy_hessian": dict(sigma=[0.5, 1.0], delta=0.5),
    "theory.lazy_rich.implicit_bias": dict(X=X3[:1], y=Y3[:1], beta0=[0.1, 0.2], delta=0.5),
    "theory.lazy_rich.implicit_bias_nlp": dict(X=X3[:1], y=Y3[:1], beta0=[0.1, 0.2], delta=0.5),
    "theory.lazy_rich.init_from_beta": dict(beta0=[0.1, 0.2], delta=0.5),
    "theory.lazy_rich.inverse_mirror_map": dict(z=[0.1, 0.2], delta=0.5),
    "theory.lazy_rich.kernel_distance": dict(a0=0.3, w0=[0.2, 0.1], a=[0.4, 0.5], w=[[0.2, 0.2], [0.3, 0.3]]),
    "theory.lazy_rich.lazy_limit_bias": dict(X=X3[:2], y=Y3[:2], beta0=[0.1, 0.2]),
    "theory.lazy_rich.limit_prediction": dict(a0=0.3, w0=[0.2, 0.1], beta_star=[0.0, 1.0]),
    "theory.lazy_rich.mirror_potential": dict(beta=[0.5, 0.2], delta=0.5),
    "theory.lazy_rich.mirror_potential_grad": dict(beta=[0.5, 0.2], delta=0.5),
    "theory.lazy_rich.mode_dynamics_rhs": dict(sigma=0.5, s=1.0, delta=0.5),
    "theory.lazy_rich.mode_solution": dict(sigma0=0.1, s=1.0, delta=0.5, t=[0.0, 1.0]),
    "theory.lazy_rich.mu_phi_rhs": dict(mu=0.3, phi=0.2, s=1.0, delta=0.5),
    "theory.lazy_rich.rank1_implicit_bias": dict(x=[1.0, 0.5], y=1.0, beta0=[0.1, 0.2], delta=0.5),
    "theory.lazy_rich.relaxation_rates": dict(beta_star=[0.0, 1.0], delta=0.5),
    "theory.lazy_rich.relu_delta": dict(tau=0.5, alpha=2.0),
    "theory.lazy_rich.relu_init_scale": dict(tau=0.5, delta=0.3),
    "theory.lazy_rich.riccati_fixed_points": dict(s=1.0, delta=0.5),
    "theory.lazy_rich.riccati_nu": dict(t=[0.0, 1.0], nu0=0.2, s=1.0, delta=0.5),
    "theory.lazy_rich.riccati_pole_time": dict(nu0=0.2, s=1.0, delta=0.5),
    "theory.lazy_rich.saxe_escape_time": dict(s=1.0, mu0=0.01),
    "theory.lazy_rich.saxe_sigmoid": dict(t=[0.0, 1.0], s=1.0, mu0=0.01),
    "theory.lazy_rich.signed_magnitude": dict(a=0.5, w=[0.3, 0.4]),
    "theory.lazy_rich.solution_via_riccati": dict(a0=0.3, w0=[0.2, 0.1], beta_star=[0.0, 1.0], t=[0.0, 1.0]),
    # ---------------------------------------------------------------- theory.sgd_stability
    "theory.sgd_stability.batch_factor": dict(n=3, batch_size=2),
    "theory.sgd_stability.classify_phase": dict(lr=[0.1, 0.6], c=[2.0, 1.5, -0.5]),
    "theory.sgd_stability.collapse_rate": dict(b=1.5, g=2.0),
    "theory.sgd_stability.critical_collapse_noise": dict(batch_size=1, model="A"),
    "theory.sgd_stability.effective_rank": dict(singular_values=[1.0, 0.5, 0.2], eta=0.01, sigma=10.0),
    "theory.sgd_stability.expected_log_abs": dict(a=1.0, b=-0.5, law=[1.0, 3.0]),
    "theory.sgd_stability.gaussian_expected_log_abs": dict(alpha=0.5, beta=1.0),
    "theory.sgd_stability.gd_threshold": dict(hessians=H2),
    "theory.sgd_stability.law_moment": dict(law=[1.0, 3.0], k=2),
    "theory.sgd_stability.log_expected_abs_power": dict(a=1.0, b=-1.0, p=2.0, law=[1.0, 3.0]),
    "theory.sgd_stability.log_norm_drift": dict(B=[[1.0]], G=[[2.0]], u=[1.0]),
    "theory.sgd_stability.lyapunov_exponent": dict(lr=0.5, h=[1.0, 3.0]),
    "theory.sgd_stability.max_log_norm_drift": dict(B=[[1.0, 0.0], [0.0, 0.5]], G=[[0.5, 0.0], [0.0, 1.0]],
                                                    n_grid=16, n_starts=2, seed=0),
    "theory.sgd_stability.mean_square_bounds": dict(hessians=H2, batch_size=1, n_starts=2, seed=0),
    "theory.sgd_stability.mean_square_threshold": dict(hessians=H2, batch_size=2),
    "theory.sgd_stability.mode_collapses": dict(singular_values=[1.0, 0.5, 0.2], eta=0.01, sigma=10.0),
    "theory.sgd_stability.mode_exponents": dict(singular_values=[1.0, 0.5, 0.2], eta=0.01, sigma=10.0),
    "theory.sgd_stability.model_a_law": dict(noise=1.0, batch_size=2),
    "theory.sgd_stability.model_b_law": dict(noise=1.0, batch_size=2),
    "theory.sgd_stability.model_c_law": dict(c=[2.0, 1.5, -0.5], batch_size=2),
    "theory.sgd_stability.moment_exponent": dict(p=2.0, lr=0.5, h=[1.0, 3.0]),
    "theory.sgd_stability.phase_boundaries": dict(noise_values=[0.5, 1.0], batch_size=1, lr_max=4.0, n_grid=40),
    "theory.sgd_stability.phase_exponents": dict(lr=[0.1, 0.6], c=[2.0, 1.5, -0.5]),
    "theory.sgd_stability.quartic_well_collapse_threshold": dict(mu=1.5),
    "theory.sgd_stability.quartic_well_em_exponent": dict(mu=1.5, zeta=1.0, dt=0.01),
    "theory.sgd_stability.quartic_well_em_threshold": dict(mu=1.5, dt=0.01),
    "theory.sgd_stability.quartic_well_stationary_density": dict(theta=[0.5, 1.0], mu=1.5, zeta=1.0),
    "theory.sgd_stability.second_moment_operator": dict(hessians=H2, batch_size=1, lr=0.5),
    "theory.sgd_stability.second_order_saddle_threshold": dict(h=[-2.0, 1.0]),
    "theory.sgd_stability.shrunk_singular_values": dict(singular_values=[1.0, 0.5, 0.2], eta=0.01, sigma=10.0),
    "theory.sgd_stability.small_lr_lyapunov": dict(lr=0.1, h=[1.0, 3.0], order=2),
    "theory.sgd_stability.spectral_radius_second_moment": dict(hessians=H2, batch_size=1, lr=0.5),
    "theory.sgd_stability.stable_learning_rates": dict(h=[1.0, 3.0], notion="mean_square"),
    "theory.sgd_stability.tail_index": dict(lr=1.1, h=[1.0, 3.0]),
    "theory.sgd_stability.tanh_neuron_collapses": dict(x=[1.0, -0.5], y=[0.5, 0.2], eta=0.1, zeta=1.0),
    "theory.sgd_stability.tanh_neuron_exponents": dict(x=[1.0, -0.5], y=[0.5, 0.2], eta=0.1, zeta=1.0),
    "theory.sgd_stability.GaussianInputLaw": dict(noise=1.0, batch_size=2),
    "theory.sgd_stability.WeightedFiniteLaw": dict(values=np.array([1.0, 2.0]), probabilities=np.array([0.5, 0.5])),
    # ---------------------------------------------------------------- theory.ntp (core: data, loss, subspace)
    "theory.ntp.as_data": dict(H=NTP_H, P=NTP_P, pi=NTP_PI, support=None),
    "theory.ntp.as_support": dict(support=NTP_P > 0, m=3),
    "theory.ntp.centered_log_probabilities": dict(P=NTP_P),
    "theory.ntp.centered_support": dict(support=NTP_P > 0),
    "theory.ntp.compatibility_residual": dict(H=NTP_H, P=NTP_P, method="auto"),
    "theory.ntp.entropy": dict(P=NTP_P, pi=NTP_PI),
    "theory.ntp.excess_loss": dict(W=NTP_W, H=NTP_H, P=NTP_P, pi=NTP_PI),
    "theory.ntp.finite_solution": dict(H=NTP_H, P=NTP_P, method="auto", require_compatible=True),
    "theory.ntp.from_sequences": dict(sequences=[[0, 1, 2], [0, 1, 1], [2, 0]], vocab_size=4),
    "theory.ntp.gradient": dict(W=NTP_W, H=NTP_H, P=NTP_P, pi=NTP_PI),
    "theory.ntp.is_compatible": dict(H=NTP_H, P=NTP_P, tol=1e-8, return_residual=False),
    "theory.ntp.is_degenerate": dict(support=NTP_P > 0),
    "theory.ntp.loss": dict(W=NTP_W, H=NTP_H, P=NTP_P, pi=NTP_PI),
    "theory.ntp.project_D": dict(W=NTP_W, H=NTP_H),
    "theory.ntp.project_F": dict(W=NTP_W, H=NTP_H, support=NTP_P > 0, method="auto"),
    "theory.ntp.project_F_perp": dict(W=NTP_W, H=NTP_H, support=NTP_P > 0, method="auto"),
    "theory.ntp.random_instance": dict(V=5, m=3, d=2, support_size=2, seed=0, embeddings="gaussian",
                                       concentration=1.0, n=None),
    "theory.ntp.step_size_bound": dict(H=NTP_H, pi=NTP_PI),
    "theory.ntp.toy_instance": dict(),
    # ---------------------------------------------------------------- theory.ntp (engine: max-margin)
    "theory.ntp.hard_margin_svm": dict(X=X3[:2], y=[1, -1], method="auto", return_certificate=False),
    "theory.ntp.is_separable": dict(H=NTP_H, support=NTP_P > 0, return_certificate=False),
    "theory.ntp.margins": dict(W=NTP_W, H=NTP_H, support=NTP_P > 0),
    "theory.ntp.max_margin": dict(H=NTP_H, support=NTP_P > 0, method="auto", return_certificate=False),
    "theory.ntp.min_margin": dict(W=NTP_W, H=NTP_H, support=NTP_P > 0),
    "theory.ntp.multiclass_svm": dict(X=X3[:2], y=[0, 1], n_classes=2, method="auto", return_certificate=False),
    "theory.ntp.optimal_margin": dict(H=NTP_H, support=NTP_P > 0),
    # ---------------------------------------------------------------- theory.ntp (Theorem 1 path)
    "theory.ntp.regularization_path": dict(H=[[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], P=[[0.6, 0.0], [0.4, 0.5],
                                           [0.0, 0.5]], pi=[0.5, 0.5], radii=[1.0, 2.0]),
    # ---------------------------------------------------------------- theory.validate, theory.catalog
    "theory.catalog.paper": dict(key="kunin2024"),
    "theory.catalog.theory_info": dict(name="lazy_rich"),
    "theory.catalog.phase_theory": dict(system="ntp_separability"),
    # ---------------------------------------------------------------- sims
    # ---------------------------------------------------------------- theory.rf_risk (THEORY helper: solver, grid,
    # power laws, estimators)
    "theory.rf_risk.risk": dict(eigenvalues=RF_LAM, target_power=RF_V2, n=4, k=6, ridge=0.1, noise=0.2,
                                multiplicities=None, learnabilities=True, allow_negative_ridge=False),
    "theory.rf_risk.optimal_ridge": dict(eigenvalues=RF_LAM, target_power=RF_V2, n=4, k=6, noise=0.2,
                                         multiplicities=None),
    "theory.rf_risk.eigenlearning": dict(eigenvalues=RF_LAM, target_power=RF_V2, n=4, ridge=0.1, noise=0.2,
                                         multiplicities=None),
    "theory.rf_risk.risk_grid": dict(eigenvalues=RF_LAM, target_power=RF_V2, n=np.array([[2.0], [4.0]]),
                                     k=np.array([3.0, np.inf]), ridge=0.1, noise=0.2, multiplicities=None),
    "theory.rf_risk.optimal_ridge_grid": dict(eigenvalues=RF_LAM, target_power=RF_V2, n=np.array([[2.0], [4.0]]),
                                              k=np.array([3.0, np.inf]), noise=0.2, multiplicities=None),
    "theory.rf_risk.powerlaw_constants": dict(alpha=1.5, beta=1.2),
    "theory.rf_risk.powerlaw_fitting_curve": dict(alpha=1.5, beta=1.2, s=[0.0, 0.5], noise_rel=0.1),
    "theory.rf_risk.powerlaw_optimal_fitting_ratio": dict(alpha=1.5, beta=1.2, noise_rel=0.1),
    "theory.rf_risk.powerlaw_optimal_ridge": dict(alpha=1.5, beta=1.2, n=100, noise_rel=0.1),
    "theory.rf_risk.powerlaw_optimal_s": dict(alpha=1.5, beta=1.2, noise_rel=0.1),
    "theory.rf_risk.powerlaw_spectrum": dict(alpha=1.5, beta=1.2, n_modes=20, tail=True, bin_ratio=2.0),
    "theory.rf_risk.powerlaw_zero_ridge_optimal": dict(alpha=1.5, beta=1.2, noise_rel=0.1),
    "theory.rf_risk.kappa_from_kernel": dict(K=RF_K, ridge=0.1),
    "theory.rf_risk.gcv_risk": dict(K=RF_K, y=Y3, ridge=0.1),
    "theory.rf_risk.empirical_spectrum": dict(K=RF_K, y=Y3),
    "sims.figure_registry": dict(theory="lazy_rich"),
    "sims.lazy_rich.delayed_rich_delta": dict(s=1.0, delay_ratio=0.1),
    "sims.lazy_rich.gradient_descent": dict(X=X3, y=Y3, a0=0.3, w0=[0.2, 0.1], lr=0.01, n_steps=5),
    "sims.lazy_rich.gradient_descent_reference": dict(X=X3, y=Y3, a0=0.3, w0=[0.2, 0.1], lr=0.01, n_steps=5),
    "sims.lazy_rich.gradient_descent_relu": dict(X=X3, y=Y3, a0=[0.3, -0.2], W0=[[0.2, 0.1], [0.1, 0.3]],
                                                 lr=0.01, n_steps=5),
    "sims.lazy_rich.gradient_descent_relu_reference": dict(X=X3, y=Y3, a0=[0.3, -0.2],
                                                           W0=[[0.2, 0.1], [0.1, 0.3]], lr=0.01, n_steps=5),
    "sims.lazy_rich.hamming_distance": dict(X=X3, W0=[[0.2, 0.1], [0.1, 0.3]], Wt=[[0.2, -0.1], [0.1, 0.3]]),
    "sims.lazy_rich.kernel_distance_from_grams": dict(K0=np.eye(2), Kt=[[1.0, 0.1], [0.1, 1.0]]),
    "sims.lazy_rich.ntk_gram": dict(X=X3, a=0.3, w=[0.2, 0.1]),
    "sims.lazy_rich.parameter_distance": dict(a0=[0.3, 0.1], W0=[[0.2, 0.1], [0.1, 0.3]], at=[0.4, 0.1],
                                              Wt=[[0.2, 0.2], [0.1, 0.3]]),
    "sims.lazy_rich.relu_ntk_gram": dict(X=X3, a=[0.3, -0.2], W=[[0.2, 0.1], [0.1, 0.3]]),
    # sims.ntp: V = 3, m = 2, d = 3 (d > m: separable and compatible)
    **{f"sims.ntp.{name}": dict(H=NTP_SIM_H, P=NTP_SIM_P, pi=[0.4, 0.6], lr=0.5, steps=5)
       for name in ("adam", "adam_reference", "gradient_descent", "gradient_descent_reference", "momentum_descent",
                    "momentum_descent_reference", "normalized_gradient_descent",
                    "normalized_gradient_descent_reference", "sgd_contexts", "sgd_contexts_reference")},
    "sims.ntp.default_checkpoints": dict(steps=100, n=10),
    "sims.ntp.soudry_data": dict(n_random=4, seed=0),
    "sims.ntp.logistic_gradient_descent": dict(X=X3, y=[1.0, -1.0, 1.0], lr=0.1, steps=5),
    "sims.ntp.logistic_gradient_descent_reference": dict(X=X3, y=[1.0, -1.0, 1.0], lr=0.1, steps=5),
    "sims.sgd_stability.lyapunov_monte_carlo": dict(lr=0.5, law=[1.0, 3.0], n_samples=256, seed=0),
    "sims.sgd_stability.lyapunov_qr": dict(lr=0.5, law=_finite_rows_law, n_steps=64, seed=0),
    "sims.sgd_stability.lyapunov_qr_reference": dict(lr=0.5, law=_finite_rows_law, n_steps=64, seed=0),
    "sims.sgd_stability.simulate_quartic_well": dict(zeta=1.0, n_steps=10, n_chains=4, seed=0),
    "sims.sgd_stability.simulate_quartic_well_reference": dict(zeta=1.0, n_steps=10, n_chains=4, seed=0),
    "sims.sgd_stability.simulate_tanh_neuron": dict(x=[1.0, -0.5], y=[0.5, 0.2], eta=0.1, n_steps=10,
                                                    n_chains=4, seed=0),
    "sims.sgd_stability.simulate_tanh_neuron_reference": dict(x=[1.0, -0.5], y=[0.5, 0.2], eta=0.1, n_steps=10,
                                                              n_chains=4, seed=0),
    "sims.sgd_stability.simulate_teacher_student_modes": dict(s_hat=[1.0, 0.5], noise=0.5, lr=0.05, n_steps=10,
                                                              n_chains=2, seed=0, n_samples=8),
    "sims.sgd_stability.simulate_teacher_student_modes_reference": dict(s_hat=[1.0, 0.5], noise=0.5, lr=0.05,
                                                                        n_steps=10, n_chains=2, seed=0,
                                                                        n_samples=8),
    "sims.sgd_stability.simulate_two_layer": dict(lr=0.1, noise=1.0, n_steps=10, n_chains=4, seed=0),
    "sims.sgd_stability.simulate_two_layer_reference": dict(lr=0.1, noise=1.0, n_steps=10, n_chains=4, seed=0),
    # ---------------------------------------------------------------- sgd_stability: torch collapse (TCOLLAPSE helper)
    "sims.sgd_stability.gelu_collapse_torch": dict(lrs=[0.01, 0.02], noises=[0.0, 1.0], n_seeds=2, n_steps=10,
                                                   n_samples=8, batch_size=4, record_every=5, seed=0, device="cpu"),
    "sims.sgd_stability.mlp_independent_neurons_torch": dict(lrs=[0.01], batch_sizes=[4], noises=[0.0, 1.0],
                                                             n_seeds=1, widths=[4], n_steps=2, n_test=100, seed=0,
                                                             device="cpu"),
    "sims.sgd_stability.count_independent_neurons": dict(w_in=X3, b_in=Y3, w_out=X3.T, vanish_tol=0.1,
                                                         duplicate_tol=0.1),
    "sims.sgd_stability.FiniteRowsLaw": dict(X=X3, batch_size=1),
    "sims.sgd_stability.GaussianRowsLaw": dict(dim=2, batch_size=1),
    "sims.sgd_stability.TwoLayerVectorLaw": dict(dim=2, noise=1.0, batch_size=1),
    "sims.testing.draw_kernel": dict(kind="normal", seed=0, n_streams=2, n_draws=4),
    "sims.testing.sweep_probe": dict(index=0, seed=1),
    # ---------------------------------------------------------------- sims.rf_risk (SIMS part: Monte Carlo, phase)
    "sims.rf_risk.monte_carlo_risk": dict(eigenvalues=[1.0, 0.5, 0.25], target_power=[1.0, 0.5, 0.25], n=4, k=6,
                                          ridges=[0.0, 0.1], noise=0.1, trials=2, seed=0),
    "sims.rf_risk.relu_features_risk": dict(n=4, k=6, ridges=[0.0, 0.1], d=3, pool_size=10, noise=0.1, trials=2,
                                            seed=0),
    "sims.rf_risk.arccos_kernel": dict(X=X3, Y=None),
    # ---------------------------------------------------------------- issue 11, helper pother: rf_risk (n, k) grid
    "sims.rf_risk.monte_carlo_risk_grid": dict(eigenvalues=[1.0, 0.5, 0.25], target_power=[1.0, 0.5, 0.25], ns=[3, 8],
                                               ks=[4, np.inf], ridges=[0.0, 0.1], noise=0.1, trials=2, seed=0,
                                               executor=None, checkpoint_dir=None, progress=False),
    "sims.rf_risk.rf_risk_phase_diagram": dict(x_values=[10.0, 20.0], y_values=[10.0, 30.0], ridge=0.01,
                                               n_modes=50, plot=False),
    # ---------------------------------------------------------------- rf_risk: Advani–Saxe (ADVANI helper)
    "theory.rf_risk.marchenko_pastur_density": dict(lam=[0.5, 1.0, 3.0], alpha=2.0),
    "theory.rf_risk.marchenko_pastur_stieltjes": dict(nu=0.25, alpha=2.0),
    "theory.rf_risk.advani_saxe_curves": dict(alpha=2.0, t=[0.0, 1.0, 10.0], sigma_w2=1.0, sigma_eps2=0.25,
                                              sigma_02=0.1, tau=1.0),
    "theory.rf_risk.advani_saxe_asymptotes": dict(alpha=0.5, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.1),
    "theory.rf_risk.advani_saxe_ridge_test_error": dict(alpha=2.0, ridge=0.3, sigma_w2=1.0, sigma_eps2=0.25),
    "theory.rf_risk.advani_saxe_optimal_ridge": dict(alpha=2.0, sigma_w2=1.0, sigma_eps2=0.25),
    "theory.rf_risk.advani_saxe_early_stopping": dict(alpha=2.0, sigma_w2=1.0, sigma_eps2=0.25, sigma_02=0.0, tau=1.0),
    "sims.rf_risk.advani_saxe_gd": dict(n_inputs=4, n_samples=6, lr=0.1, steps=5, sigma_w2=1.0, sigma_eps2=0.25,
                                        sigma_02=0.0, trials=2, seed=0, checkpoints=[0, 5]),
    "sims.rf_risk.advani_saxe_gd_reference": dict(n_inputs=4, n_samples=6, lr=0.1, steps=5, sigma_w2=1.0,
                                                  sigma_eps2=0.25, sigma_02=0.0, trials=2, seed=0,
                                                  checkpoints=[0, 5]),
    "sims.rf_risk.advani_saxe_modes": dict(n_inputs=4, n_samples=6, times=[0.0, 1.0], sigma_w2=1.0, sigma_eps2=0.25,
                                           sigma_02=0.0, trials=2, seed=0, lr=None, tau=1.0),
    # ---------------------------------------------------------------- issue 10, helper trelu: torch ReLU sweep
    "sims.lazy_rich.relu_sweep_torch": dict(taus=[0.5, 1.0], deltas=[0.0], n_seeds=1, m=4, n=6, d=3, n_test=5,
                                            n_steps=10, device="cpu", progress=False),
    # ---------------------------------------------------------------- sgd_stability on the torch bridge (TSGD helper)
    "sims.sgd_stability.lyapunov_chains_torch": dict(lr=[0.5, 1.0], noise=[1.0], n_steps=10, n_chains=8, seed=0,
                                                     data="B", batch_size=1, kappa=1.0, s1=1.0, device="cpu",
                                                     dtype="float64", memory_budget="auto", progress=False,
                                                     checkpoint_dir=None),
    # ---------------------------------------------------------------- torch bridge: NTP and rf_risk (TNTP helper)
    "sims.ntp.gradient_descent_torch": dict(H=NTP_SIM_H, P=NTP_SIM_P, pi=[0.5, 0.5], lr=0.1, steps=5, W0=None,
                                            checkpoints=None, device="cpu", dtype="float64", memory_budget="auto",
                                            progress=False, checkpoint_dir=None),
    "sims.rf_risk.monte_carlo_risk_torch": dict(eigenvalues=[1.0, 0.5, 0.25], target_power=[1.0, 0.5, 0.25], n=4,
                                                k=6, ridges=[0.0, 0.1], noise=0.1, trials=2, seed=0, device="cpu",
                                                dtype="float64", memory_budget="auto", progress=False),
    "sims.rf_risk.monte_carlo_risk_grid_torch": dict(eigenvalues=[1.0, 0.5, 0.25], target_power=[1.0, 0.5, 0.25],
                                                     n=[3, 8], k=[4], ridges=[0.0, 0.1], noise=0.1, trials=2, seed=0,
                                                     device="cpu", dtype="float64", memory_budget="auto",
                                                     progress=False, checkpoint_dir=None),
    # ---------------------------------------------------------------- ntp_geometry (issue 12, Zhao et al. 2024)
    "theory.ntp_geometry.logit_max_margin": dict(support=NTP_P > 0, norm="nuc", return_certificate=False),
    "theory.ntp_geometry.numerical_rank": dict(M=X3, rtol=1e-3),
    "theory.ntp_geometry.duplicated_support_instance": dict(),
    "theory.ntp_geometry.ufm_logits": dict(P=NTP_P, pi=NTP_PI, lam=0.1),
    "theory.ntp_geometry.ufm_objective": dict(L=NTP_P - 0.25, P=NTP_P, pi=NTP_PI, lam=0.1),
    "theory.ntp_geometry.ufm_lower_bound": dict(L=NTP_P - 0.25, P=NTP_P, pi=NTP_PI, lam=0.1),
    "theory.ntp_geometry.balanced_factors": dict(L=NTP_P - 0.25, d=3, return_grams=False),
    "theory.ntp_geometry.decompose_logits": dict(L=NTP_P - 0.25, P=NTP_P, L_mm=(NTP_P > 0) - 0.5),
    "theory.ntp_geometry.gram_geometry": dict(L=NTP_P - 0.25, L_mm=(NTP_P > 0) - 0.5, support=NTP_P > 0),
    "theory.ntp_geometry.identical_support_pairs": dict(support=NTP_P > 0),
    "theory.ntp_geometry.project_F_logits": dict(L=NTP_P - 0.25, support=NTP_P > 0),
    "sims.ntp_geometry.train_factorized_ufm": dict(P=NTP_P, pi=NTP_PI, lam=0.1, d=3, seed=0, init_scale=0.1,
                                                   max_iter=50, gtol=1e-8),
    # ---------------------------------------------------------------- supcon_ufm (theory and sims)
    **{f"theory.supcon_ufm.{name}": dict(G=SC_G, labels=SC_Y, tau=0.5)
       for name in ("gram_certificate", "gram_loss")},
    "theory.supcon_ufm.block_values": dict(G=SC_G, labels=SC_Y),
    "theory.supcon_ufm.as_labels": dict(labels=SC_Y),
    "theory.supcon_ufm.as_temperature": dict(tau=0.5),
    "theory.supcon_ufm.balanced_labels": dict(n_classes=3, per_class=2),
    "theory.supcon_ufm.etf_certificate": dict(n_classes=3, per_class=2, tau=0.5),
    "theory.supcon_ufm.etf_gram": dict(labels=SC_Y),
    "theory.supcon_ufm.etf_loss": dict(n_classes=3, per_class=2, tau=0.5),
    "theory.supcon_ufm.gram_gradient": dict(G=SC_G, labels=SC_Y, tau=0.5, symmetric=True),
    "theory.supcon_ufm.loss_lower_bound": dict(labels=SC_Y),
    "theory.supcon_ufm.numerical_rank": dict(G=SC_G, rel_tol=1e-4),
    "theory.supcon_ufm.optimal_gram": dict(labels=SC_Y, tau=0.5, solver="CLARABEL", return_certificate=False),
    "theory.supcon_ufm.sc_gradient": dict(H=SC_H, labels=SC_Y, tau=0.5, riemannian=False),
    "theory.supcon_ufm.sc_loss": dict(H=SC_H, labels=SC_Y, tau=0.5),
    "theory.supcon_ufm.step_labels": dict(n_classes=3, n_major_classes=1, n_major=4, ratio=2),
    "sims.supcon_ufm.default_checkpoints": dict(steps=100, n=10),
    "sims.supcon_ufm.random_features": dict(d=2, n=6, n_inits=2, seed=0),
    "sims.supcon_ufm.lbfgs_spheres": dict(labels=SC_Y, tau=0.5, d=2, n_inits=1, seed=0, tol=1e-5, max_iter=20),
    **{f"sims.supcon_ufm.{name}": dict(labels=SC_Y, tau=0.5, d=2, lr=0.05, steps=5, n_inits=2, seed=0, tol=1e-8,
                                       H0=None, checkpoints=None)
       for name in ("riemannian_gd", "riemannian_gd_reference")},
    # ---------------------------------------------------------------- attention_svm (issue 12): n = 2, T = 3, d = 3
    "theory.attention_svm.as_sequences": dict(X=ATT_X, z=ATT_Z),
    "theory.attention_svm.as_selection": dict(selection=[0, 2], n=2, T=3),
    "theory.softmax.log_softmax": dict(logits=[[1.0, 2.0, -1.0], [0.0, 50.0, 1.0]]),
    "theory.softmax.off_target_mass": dict(logits=[[1.0, 2.0, -1.0], [0.0, 50.0, 1.0]], target=[1, 1]),
    "theory.softmax.softmax_minus_target": dict(logits=[[1.0, 2.0, -1.0], [0.0, 50.0, 1.0]],
                                                target=[[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]),
    "theory.softmax.softmax_centered": dict(logits=[[1.0, 2.0, -1.0], [0.0, 50.0, 1.0]], values=[1.0, -0.5, 0.3]),
    "theory.attention_svm.max_margin": dict(X=ATT_X, z=ATT_Z, selection=[0, 1], norm="fro", method="auto",
                                            return_certificate=False),
    "theory.attention_svm.margins": dict(W=np.eye(3), X=ATT_X, z=ATT_Z, selection=[0, 1]),
    "theory.attention_svm.support_tokens": dict(X=ATT_X, z=ATT_Z, selection=[0, 1], norm="fro"),
    "theory.attention_svm.is_locally_optimal": dict(X=ATT_X, z=ATT_Z, selection=[0, 1], scores=ATT_X @ ATT_V,
                                                    norm="fro"),
    "theory.attention_svm.prompt_max_margin": dict(X=ATT_X, W=np.eye(3), selection=[0, 1], return_certificate=False),
    "theory.attention_svm.token_scores": dict(X=ATT_X, y=[1.0, -1.0], v=ATT_V),
    "theory.attention_svm.optimal_selection": dict(X=ATT_X, y=[1.0, -1.0], v=ATT_V),
    "theory.attention_svm.random_instance": dict(n=2, T=3, d=3, seed=0, unit=False, self_attention=False),
    "theory.attention_svm.attention_weights": dict(W=np.eye(3), X=ATT_X, z=ATT_Z),
    "theory.attention_svm.predictions": dict(W=np.eye(3), X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V),
    "theory.attention_svm.loss": dict(W=np.eye(3), X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V),
    "theory.attention_svm.excess_loss": dict(W=np.eye(3), X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V, reference=[0, 1]),
    "theory.attention_svm.gradient": dict(W=np.eye(3), X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V),
    "theory.attention_svm.project_ball": dict(W=np.eye(3), radius=1.5, norm="nuc"),
    "theory.attention_svm.balanced_factors": dict(W=[[1.0, 2.0], [0.0, 1.0]]),
    "theory.attention_svm.regularization_path": dict(X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V, radii=[1.0, 2.0],
                                                     norm="fro", steps=20, tol=1e-9),
    **{f"sims.attention_svm.{name}": dict(X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V, lr=0.1, steps=5)
       for name in ("gradient_descent", "gradient_descent_reference", "normalized_gradient_descent",
                    "normalized_gradient_descent_reference", "polyak_gradient_descent",
                    "polyak_gradient_descent_reference")},
    **{f"sims.attention_svm.{name}": dict(X=ATT_X, z=ATT_Z, y=[1.0, -1.0], v=ATT_V, lr=0.1, steps=5, m=None,
                                          init_scale=1e-3, normalized=True, seed=0, checkpoints=None)
       for name in ("kq_gradient_descent", "kq_gradient_descent_reference")},
}

# Public callables not in CALLS, and why.
SKIPPED = {
    "theory.softmax.softmax_centered_row": "a numba building block writing into caller-provided arrays; tested "
                                           "against mpmath in tests/theory/test_softmax_primitive.py",
    "sims.generate_figures": "draws every figure (minutes); its arguments are tested in test_figures_registry",
    "sims.make_figure": "draws a figure (seconds to minutes)",
    "sims.phase_diagram": "a full phase diagram; tests/sims/test_*_phase.py cover its arguments",
    "sims.warm_kernels": "runs each phase system's smallest sweep (seconds when numba's cache is cold); "
                         "tests/sims/test_warm_kernels.py",
    "sims.lazy_rich.lazy_rich_phase_diagram": "a full phase diagram (tests/sims/test_lazy_rich_phase.py)",
    "sims.sgd_stability.sgd_stability_phase_diagram": "a full phase diagram (tests/sims/test_sgd_stability_phase.py)",
    "sims.ntp.ntp_separability_phase_diagram": "a Monte-Carlo phase diagram (tests/sims/test_ntp_phase.py)",
    "sims.lazy_rich.gradient_flow": "gradient-flow simulators: validated by the engine branch",
    "sims.lazy_rich.gradient_flow_relu": "gradient-flow simulators: validated by the engine branch",
    "sims.lazy_rich.gradient_flow_wide": "gradient-flow simulators: validated by the engine branch",
    "sims.figures.register_figure": "mutates the global figure registry",
    "sims.figures.save_figure": "needs a matplotlib figure; tested in test_figures_registry",
    "theory.lazy_rich.implicit_bias_cvxpy": "imports cvxpy (seconds); tested in test_lazy_rich_implicit_bias",
    "theory.sgd_stability.small_lr_expansion": "symbolic (sympy); its one argument is a count",
    "theory.catalog.implemented_theories": "no arguments",
    "theory.catalog.phase_systems": "no arguments",
    "theory.catalog.theory_names": "no arguments",
}


# --------------------------------------------------------------------------------------------
# Optional packages. The torch bridge's functions (defined in sims/<theory>/_torch_*.py) need
# torch; some need more. Without them their calls are left out (CI installs them and sets
# DLTHEORY_REQUIRE_TORCH=1, so there they are called).
EXTRA_PACKAGES = {"sims.sgd_stability.mlp_independent_neurons_torch": ("sklearn",)}
REQUIRE_OPTIONAL = __import__("os").environ.get("DLTHEORY_REQUIRE_TORCH") == "1"


def missing_packages(qualname: str) -> tuple:
    """Optional packages the public callable ``qualname`` needs that are not installed here."""
    import importlib
    import importlib.util

    module, name = qualname.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    need = (("torch",) if "._torch" in getattr(fn, "__module__", "") else ()) + EXTRA_PACKAGES.get(qualname, ())
    return tuple(p for p in need if importlib.util.find_spec(p) is None)


def runnable_calls() -> dict:
    """CALLS without the callables whose optional packages are missing (all of them where CI requires them)."""
    return {q: kw for q, kw in CALLS.items() if REQUIRE_OPTIONAL or not missing_packages(q)}

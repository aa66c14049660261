"""The shared input validators (theory/validate.py): every error names the argument."""

import numpy as np
import pytest
from scipy import stats

from theory.validate import (
    MAX_COUNT,
    as_bool,
    as_choice,
    as_count,
    as_finite_array,
    as_finite_scalar,
    as_learning_rates,
    as_positive_array,
    as_positive_scalar,
    as_seed,
    as_sign,
    check_scipy_law,
    check_work,
    format_value,
    guard_numerics,
)


def test_accepts_and_converts():
    arr = as_finite_array([1, 2], "x", ndim=1, shape=(2,))
    assert arr.dtype == np.float64 and arr.shape == (2,)
    assert as_finite_array(np.ones((3, 2)), "x", shape=(None, 2)).shape == (3, 2)
    assert as_finite_scalar(np.float32(1.5), "x") == 1.5
    assert as_positive_scalar(2, "x") == 2.0
    assert as_learning_rates(0.5, 2) == (0.5, 2.0)
    assert as_sign(-1, "s") == -1


@pytest.mark.parametrize("call, match", [
    (lambda: as_finite_array([1.0, np.nan], "beta"), "beta must be finite"),
    (lambda: as_finite_array([[1.0]], "beta", ndim=1), "beta must have ndim"),
    (lambda: as_finite_array([1.0, 2.0], "beta", shape=(3,)), r"beta must have shape \(3\)"),
    (lambda: as_finite_array("abc", "beta"), "beta must be array-like"),
    (lambda: as_finite_scalar(True, "lr"), "lr must be a real number"),
    (lambda: as_finite_scalar([1.0, 2.0], "lr"), "lr must be a real number"),
    (lambda: as_finite_scalar(np.ones(2), "lr"), "lr must be a scalar"),
    (lambda: as_finite_scalar(np.inf, "lr"), "lr must be finite"),
    (lambda: as_positive_scalar(0.0, "eta"), "eta must be > 0"),
    (lambda: as_learning_rates(1.0, -1.0), "eta_w must be > 0"),
    (lambda: as_sign(0, "sign"), r"sign must be \+1 or -1"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------------------------------------
# counts, seeds, choices, flags, positive arrays, SciPy laws
# ------------------------------------------------------------------------------------------------


def test_count_rule_accepts_integers_only():
    assert as_count(3, "n") == 3 and type(as_count(np.int64(3), "n")) is int
    assert as_count(0, "n", minimum=0) == 0
    # one rule for every count: bool and every float (3.0 included) are rejected
    for bad in (3.0, np.float64(3.0), True, np.bool_(True), "3", None, [3]):
        with pytest.raises(ValueError, match="n must be an integer >= 1"):
            as_count(bad, "n")
    with pytest.raises(ValueError, match="n must be an integer >= 2; got 1"):
        as_count(1, "n", minimum=2)
    with pytest.raises(ValueError, match=f"n_steps must be <= {MAX_COUNT}"):
        as_count(10**20, "n_steps")          # fails at once instead of running for ever


def test_seed_rule():
    assert as_seed(2**64 - 1) == 2**64 - 1
    for bad, match in ((-1, r"seed must be in \[0, 2\*\*64\)"), (2**64, r"in \[0, 2\*\*64\)"),
                       (1.0, "seed must be a non-negative integer"), (True, "non-negative integer")):
        with pytest.raises(ValueError, match=match):
            as_seed(bad)


def test_choice_flag_and_positive_array():
    assert as_choice("gd", "notion", ("gd", "l2")) == "gd"
    with pytest.raises(ValueError, match=r"notion must be one of \('gd', 'l2'\); got 'GD'"):
        as_choice("GD", "notion", ("gd", "l2"))
    with pytest.raises(ValueError, match="notion must be one of"):
        as_choice(["gd"], "notion", ("gd", "l2"))          # unhashable: still a clear error
    assert as_bool(np.bool_(False), "discrete") is False
    for bad in ("no", 1, None, [0]):                       # truthy objects are not flags
        with pytest.raises(ValueError, match="discrete must be True or False"):
            as_bool(bad, "discrete")
    assert as_positive_array([1.0, 2.0], "sigma").tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="sigma must be > 0 everywhere; got -0.1$"):
        as_positive_array(np.array([1.0, -0.1]), "sigma")
    assert as_positive_array([0.0], "sigma", allow_zero=True).tolist() == [0.0]
    with pytest.raises(ValueError, match="sigma must not be empty"):
        as_positive_array([], "sigma", allow_empty=False)


def test_messages_write_plain_numbers():
    assert format_value(np.float64(-0.1)) == "-0.1" and format_value(np.int64(3)) == "3"
    with pytest.raises(ValueError) as info:
        as_sign(np.float64(0.5), "sign")
    assert "np.float64" not in str(info.value) and "0.5" in str(info.value)


def test_check_work_names_the_product():
    check_work(10, "n_steps * n_chains", maximum=10)
    with pytest.raises(ValueError, match=r"n_steps \* n_chains must be <= 10 \(the run would not finish\)"):
        check_work(11, "n_steps * n_chains", maximum=10)


def test_scipy_laws_with_bad_parameters_are_rejected():
    check_scipy_law(stats.norm(loc=1.0, scale=2.0), "h")
    check_scipy_law(np.array([1.0, 2.0]), "h")             # not a SciPy law: nothing to check
    for law, match in ((stats.norm(loc=np.nan), "parameters must be finite"),
                       (stats.uniform(scale=np.inf), "parameters must be finite"),
                       (stats.norm(scale=-1.0), "invalid parameters for the norm law"),
                       (stats.norm(loc=[0.0, 1.0]), "scalar parameters")):
        with pytest.raises(ValueError, match=f"h: .*{match}"):
            check_scipy_law(law, "h")


def test_guard_turns_numerical_breakdown_into_named_errors():
    @guard_numerics
    def square_ratio(x, y):
        return float(x) ** 2 / float(y)

    assert square_ratio(3.0, 2.0) == 4.5
    with pytest.raises(ValueError, match=r"square_ratio: float64 overflow .* x = 1e\+200"):
        square_ratio(1e200, 1.0)                           # OverflowError inside
    with pytest.raises(ValueError, match=r"y = 0.0"):
        square_ratio(1.0, 0.0)                             # ZeroDivisionError, no extreme argument

    @guard_numerics
    def nan_maker(x):
        return np.full(1, np.nan) * x

    with pytest.raises(ValueError, match=r"nan_maker: the result is NaN for x = 1.0"):
        nan_maker(1.0)
    assert np.isnan(guard_numerics(nan_ok=True)(lambda x: np.nan * x)(1.0))

    @guard_numerics
    def deep(x):
        return np.zeros(2).reshape(int(x))                 # NumPy's message names no argument

    with pytest.raises(ValueError, match=r"deep: cannot reshape .*\(arguments: x = 3.0\)"):
        deep(3.0)

    @guard_numerics
    def named(x):
        raise ValueError("x must be small")

    with pytest.raises(ValueError, match="^x must be small$"):     # already names x: unchanged
        named(1.0)
    with pytest.raises(TypeError):
        named(1.0, 2.0)                                     # a wrong call stays a TypeError

"""The shared input validators (theory/validate.py): every error names the argument."""

import numpy as np
import pytest

from theory.validate import (as_finite_array, as_finite_scalar, as_learning_rates, as_positive_scalar,
                              as_sign)


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

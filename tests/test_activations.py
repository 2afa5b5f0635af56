import numpy as np
import pytest
from scipy.special import expit, log_expit

from skenergy._activations import log_logistic, logistic, softplus


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_matches_expit_and_keeps_dtype(dtype):
    x = np.linspace(-60, 60, 1001).astype(dtype)
    out = logistic(x)
    assert out.dtype == dtype
    assert np.allclose(out, expit(x), atol=2 * np.finfo(dtype).eps)


def test_logistic_in_place():
    x = np.array([-1.0, 0.0, 2.0])
    expected = expit(x)
    assert logistic(x, out=x) is x
    assert np.allclose(x, expected)


def test_softplus_and_log_logistic_are_finite_at_extremes():
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    # log(1 + e^x) = x + log(1 + e^-x): the reference for large x without overflow.
    reference = np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(-np.abs(x))))
    assert np.allclose(softplus(x), reference, rtol=1e-12, atol=0)
    assert softplus(x)[-1] == 1000.0
    assert np.allclose(log_logistic(x), log_expit(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_matches_logaddexp_to_rounding_and_keeps_dtype(dtype):
    x = np.random.default_rng(0).standard_normal(10000).astype(dtype) * 20
    for mine, reference in ((softplus(x), np.logaddexp(0, x)), (log_logistic(x), log_expit(x))):
        assert mine.dtype == dtype
        np.testing.assert_allclose(mine, reference, rtol=4 * np.finfo(dtype).eps, atol=0)
    assert softplus(np.array(3)) == pytest.approx(np.logaddexp(0, 3))  # integers too

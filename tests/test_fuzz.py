"""Property-based tests over every public estimator: odd input gets a result or a clear error.

Hypothesis draws shapes, dtypes and values (NaN, inf, huge, tiny, constant
columns, one sample, non-binary values where binary are required). Each call
must either work, with no NaN in the output of finite input, or raise a
ValueError or TypeError whose message says something; the caller's array is
never modified and a fitted model is never changed by a failing call. The
search is derandomised with a bounded number of examples, so CI cannot turn red
on an unrelated commit.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from tests._fitted import configurations, fitted

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CONFIGURATIONS = configurations()
IDS = [f"{type(e).__name__}-{i}" for i, (e, _, _) in enumerate(CONFIGURATIONS)]
METHODS = (
    "predict",
    "predict_proba",
    "transform",
    "score_samples",
    "score",
    "energy",
    "predict_log_proba",
    "recall",
    "complete",
    "reconstruct",
    "free_energy",
    "gibbs",
    "inverse_transform",
)

VALUES = {
    "binary": lambda rng, shape: (rng.random(shape) < 0.5).astype(float),
    "spins": lambda rng, shape: np.where(rng.random(shape) < 0.5, 1.0, -1.0),
    "unit": lambda rng, shape: rng.random(shape),
    "normal": lambda rng, shape: rng.normal(size=shape),
    "huge": lambda rng, shape: rng.normal(size=shape) * 1e300,
    "tiny": lambda rng, shape: rng.normal(size=shape) * 1e-300,
    "constant": lambda rng, shape: np.ones(shape),
    "nan": lambda rng, shape: np.where(rng.random(shape) < 0.3, np.nan, 0.0),
    "inf": lambda rng, shape: np.where(rng.random(shape) < 0.3, np.inf, 1.0),
}
DTYPES = (np.float64, np.float32, np.int64, bool)


@st.composite
def arrays(draw, n_features=None):
    n_rows = draw(st.integers(1, 12))
    width = n_features if n_features is not None else draw(st.integers(1, 10))
    if n_features is not None and draw(st.booleans()) and draw(st.booleans()):
        width = draw(st.integers(1, 12))  # sometimes another width than fitted
    kind = draw(st.sampled_from(sorted(VALUES)))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**16))
    X = VALUES[kind](np.random.default_rng(seed), (n_rows, width))
    with np.errstate(all="ignore"):
        if dtype in (np.int64, bool) and not np.isfinite(X).all():
            dtype = np.float64  # NaN and inf exist only in floats
        return X.astype(dtype) if dtype is not bool else X > 0


def clear_error(error):
    return isinstance(error, (ValueError, TypeError)) and len(str(error)) > 10


def labels_for(X, y_template):
    if y_template is None:
        return None
    if y_template.ndim == 2:  # a multi-output regressor
        return np.resize(y_template, (len(X), y_template.shape[1]))
    return np.resize(np.unique(y_template), len(X))


def check_output(result, X):
    finite_input = np.issubdtype(X.dtype, np.bool_) or np.isfinite(X).all()
    values = np.asarray(result.toarray() if hasattr(result, "toarray") else result, dtype=float)
    if finite_input:
        assert not np.isnan(values).any(), "NaN output from finite input"


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_fit_gives_a_model_or_a_clear_error(configuration, data):
    template, _, y_template = configuration
    X = data.draw(arrays())
    saved = X.copy()
    estimator = clone(template)
    y = labels_for(X, y_template)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            estimator.fit(X) if y is None else estimator.fit(X, y)
        except Exception as error:  # noqa: BLE001 - the property is about which errors
            assert clear_error(error), f"{type(error).__name__}: {error}"
            return
        finally:
            np.testing.assert_array_equal(X, saved)  # the caller's array is untouched
        for method in METHODS[:4]:
            if hasattr(estimator, method):
                check_output(getattr(estimator, method)(X), X)


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=IDS)
@SETTINGS
@given(data=st.data())
def test_methods_give_results_or_clear_errors_and_never_change_the_model(configuration, data):
    template, X_fit, y_fit = configuration
    if not hasattr(test_methods_give_results_or_clear_errors_and_never_change_the_model, "_models"):
        test_methods_give_results_or_clear_errors_and_never_change_the_model._models = {}
    models = test_methods_give_results_or_clear_errors_and_never_change_the_model._models
    key = id(template)
    if key not in models:
        models[key] = fitted(clone(template), X_fit, y_fit)
    model = models[key]
    X = data.draw(arrays(n_features=X_fit.shape[1]))
    method = data.draw(st.sampled_from([m for m in METHODS if hasattr(model, m)]))
    saved, before = X.copy(), joblib.hash(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = getattr(model, method)(X)
        except Exception as error:  # noqa: BLE001
            assert clear_error(error), f"{method}: {type(error).__name__}: {error}"
            assert joblib.hash(model) == before, "a failing call changed the model"
        else:
            if method == "recall":
                result = result.states
            if method != "score":
                check_output(result, X)
    np.testing.assert_array_equal(X, saved)

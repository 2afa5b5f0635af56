"""A catalogue of bad inputs against every public method of every estimator.

Methods are found by introspection (every public method whose first argument is
``X``, and every count argument), so a new estimator or method is covered
without editing this module. Each bad input must be refused with a ValueError or
TypeError that says what is wrong, leaving the estimator exactly as it was
(generator included) and the caller's array untouched.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone

from ._fitted import configurations, fitted, outputs

#: Methods of scikit-learn's machinery, not of the models.
NOT_MODEL_METHODS = {"fit", "partial_fit", "fit_transform", "get_params", "set_params",
                     "get_metadata_routing", "set_output", "get_feature_names_out"}  # fmt: skip
#: Methods where NaN marks the unknown values to fill in: NaN is their input.
NAN_MEANS_UNKNOWN = {"complete"}


def public_methods(model, first_argument):
    names = []
    for name, function in inspect.getmembers(type(model), inspect.isfunction):
        if name.startswith("_") or name in NOT_MODEL_METHODS or name.startswith("set_"):
            continue
        if not hasattr(model, name):  # available_if hides it
            continue
        parameters = list(inspect.signature(function).parameters)[1:]
        if parameters and parameters[0] == first_argument:
            names.append(name)
    return names


def bad_rows(X, method):
    """(what is wrong, the array, words one of which the message must hold)."""
    n_features = X.shape[1]
    rows = np.array(X[:3], dtype=float)
    with_inf = rows.copy()
    with_inf[0, 0] = np.inf
    with_nan = rows.copy()
    with_nan[0, 0] = np.nan
    catalogue = [
        ("too wide", np.hstack([rows, rows[:, :1]]), ("features", "shape")),
        ("too narrow", rows[:, :-1], ("features", "shape")),
        ("one dimension", rows[0], ("2D", "2-D", "shape", "dimension")),
        ("three dimensions", rows[None], ("dim", "shape")),
        ("no rows", rows[:0], ("0 sample", "sample(s)", "empty")),
        ("infinite", with_inf, ("infinity", "inf")),
        ("text", np.full((2, n_features), "a", dtype=object), ("float", "string", "convert")),
        ("complex", rows + 1j, ("Complex", "complex")),
        ("huge", np.full_like(rows, -1e308), ("magnitude", "[0, 1]", "overflow", "binar")),
    ]
    if method not in NAN_MEANS_UNKNOWN:
        catalogue.append(("NaN", with_nan, ("NaN",)))
    return catalogue


def valid_rows(model, method, X):
    return model.transform(X) if method == "inverse_transform" else np.asarray(X, dtype=float)


def extra_arguments(model, method, y):
    parameters = inspect.signature(getattr(model, method)).parameters
    return {"y": y} if "y" in parameters and y is not None else {}


def state(model):
    return pickle.dumps(model.__dict__)


def row_cases():
    cases = []
    for estimator, X, y in configurations():
        model = fitted(clone(estimator), X, y)
        for method in public_methods(model, "X"):
            rows = valid_rows(model, method, X)
            for what, bad, words in bad_rows(rows, method):
                case_id = f"{type(model).__name__}.{method}-{what}"
                cases.append(pytest.param(model, method, y, bad, words, id=case_id))
    return cases


@pytest.mark.parametrize("model, method, y, bad, words", row_cases())
def test_bad_rows_are_refused_by_name_and_change_nothing(model, method, y, bad, words):
    before, caller = state(model), np.array(bad, copy=True)
    kwargs = extra_arguments(model, method, None if y is None else y[: len(bad)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)) as error:
            getattr(model, method)(bad, **kwargs)
    message = str(error.value)
    assert any(word in message for word in words), message
    assert state(model) == before
    np.testing.assert_array_equal(np.asarray(bad), caller)


BAD_COUNTS = [(0, ValueError), (-1, ValueError), (2.5, TypeError), ("3", TypeError),
              (True, TypeError), (None, TypeError)]  # fmt: skip


def count_cases():
    cases = []
    for estimator, X, y in configurations():
        model = fitted(clone(estimator), X, y)
        for name, function in inspect.getmembers(type(model), inspect.isfunction):
            if name.startswith("_") or name in NOT_MODEL_METHODS or not hasattr(model, name):
                continue
            for argument in ("n_samples", "n_steps"):
                if argument in inspect.signature(function).parameters:
                    case_id = f"{type(model).__name__}.{name}-{argument}"
                    cases.append(pytest.param(model, name, argument, X, id=case_id))
    return cases


@pytest.mark.parametrize("model, method, argument, X", count_cases())
def test_bad_counts_are_refused_by_name_and_change_nothing(model, method, argument, X):
    parameters = list(inspect.signature(getattr(model, method)).parameters)
    args = (np.asarray(X[:2], dtype=float),) if parameters[0] == "X" else ()
    others = {"n_samples": 2} if argument != "n_samples" and "n_samples" in parameters else {}
    before = state(model)
    for bad, error in BAD_COUNTS:
        if argument == "n_steps" and bad == 0:
            continue  # zero steps may be a valid request (the starting states)
        with pytest.raises(error, match=argument):
            getattr(model, method)(*args, **others, **{argument: bad})
        assert state(model) == before


BAD_PARAMETER_VALUES = [np.nan, np.inf, -np.inf, -1, 1e308, "a", [1]]


def parameter_cases():
    cases = []
    for estimator, X, y in configurations():
        for name in estimator._parameter_constraints:
            case_id = f"{type(estimator).__name__}-{name}"
            cases.append(pytest.param(estimator, X, y, name, id=case_id))
    return cases


@pytest.mark.parametrize("estimator, X, y, name", parameter_cases())
def test_bad_hyperparameters_are_refused_by_name_or_give_a_finite_model(estimator, X, y, name):
    # A value outside a parameter's domain is refused naming the parameter, and
    # the estimator stays unfitted; a value inside it (1e308 may be a valid
    # tolerance) trains a model whose outputs on clean data are finite, or the
    # fit is refused as diverged, naming the cause.
    for bad in BAD_PARAMETER_VALUES:
        model = clone(estimator).set_params(**{name: bad})
        before = state(model)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted(model, X, y)
        except (ValueError, TypeError) as error:
            message = str(error)
            assert name in message or "Training diverged" in message, (bad, message)
            assert state(model) == before, bad
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = outputs(model, X)
        for method, result in results.items():
            assert np.isfinite(result).all(), (bad, method)

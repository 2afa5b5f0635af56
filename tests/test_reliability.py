"""A fit that fails leaves the estimator exactly as it was, for every estimator.

One mechanism (``_validation.guarded_fit`` on every ``fit`` and ``partial_fit``)
keeps the promise; these tests enumerate every public estimator and every fitting
method, so a new one is covered without editing them.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.utils.validation
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from skenergy import ModernHopfieldMemory, retrieve
from skenergy.datasets import flip_bits, make_bars_and_stripes, make_random_spins, mask_block

from ._fitted import configurations, fitted, outputs


def fitting_cases():
    cases = []
    for estimator, X, y in configurations():
        for method in ("fit", "partial_fit"):
            if hasattr(estimator, method):
                name = f"{type(estimator).__name__}.{method}"
                cases.append(pytest.param(estimator, X, y, method, id=name))
    return cases


def call(model, method, X, y):
    kwargs = {}
    if method == "partial_fit" and type(model).__name__ == "BackpropMLPClassifier":
        kwargs["classes"] = np.unique(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", "X has feature names", UserWarning)
        return (
            getattr(model, method)(X, **kwargs)
            if y is None
            else getattr(model, method)(X, y, **kwargs)
        )


def state(model):
    """Everything the estimator holds, generators included, as bytes."""
    return pickle.dumps(model.__dict__)


def text_column(X, width):
    """X's first ``width`` columns as a DataFrame whose last column holds text:
    refused only after the feature names were read."""
    frame = pd.DataFrame(X[:, :width], columns=[f"f{i}" for i in range(width)])
    return frame.assign(**{f"f{width - 1}": "text"})


def assert_interrupt_in_validation_changes_nothing(monkeypatch, model, method, X, y):
    """Ctrl-C inside the call's first array check reaches the caller, and the
    estimator is as it was."""

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    before = state(model)
    with monkeypatch.context() as patch:
        patch.setattr(sklearn.utils.validation, "check_array", interrupted)
        with pytest.raises(KeyboardInterrupt):
            call(model, method, X, y)
    assert state(model) == before


@pytest.mark.parametrize("estimator, X, y, method", fitting_cases())
def test_a_refused_call_leaves_a_fitted_model_as_it_was(monkeypatch, estimator, X, y, method):
    model = fitted(clone(estimator), X, y)
    before = state(model)
    with pytest.raises(ValueError):
        call(model, method, text_column(X, X.shape[1] - 1), y)
    assert state(model) == before
    assert_interrupt_in_validation_changes_nothing(monkeypatch, model, method, X, y)


@pytest.mark.parametrize("estimator, X, y, method", fitting_cases())
def test_a_refused_first_call_leaves_an_unfitted_estimator(monkeypatch, estimator, X, y, method):
    model = clone(estimator)
    before = state(model)
    with pytest.raises(ValueError):
        call(model, method, text_column(X, X.shape[1]), y)
    assert state(model) == before
    assert_interrupt_in_validation_changes_nothing(monkeypatch, model, method, X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


def diverging(estimator, rate=1e10):
    """The estimator with a learning rate no model survives."""
    params = {"learning_rate": rate}
    if "learning_rate_schedule" in estimator.get_params():
        params["learning_rate_schedule"] = "constant"
    if "rule" in estimator.get_params():
        params["rule"] = "descent"  # the Hopfield rule that learns at a rate
    return clone(estimator).set_params(**params)


@pytest.mark.parametrize(
    "estimator, X, y, method",
    [
        c
        for c in fitting_cases()
        if "learning_rate" in c.values[0].get_params()
        and hasattr(diverging(c.values[0]), c.values[3])
    ],
)
@pytest.mark.parametrize("rate", [1e10, 1e308])
def test_a_diverging_fit_is_refused_or_stays_finite(estimator, X, y, method, rate):
    # Refused with the error that names the cause, the previous model kept; or,
    # where one epoch does not overflow anything, accepted with finite outputs.
    model = fitted(clone(estimator), X, y)
    before = state(model)
    model.set_params(**diverging(estimator, rate).get_params())
    try:
        call(model, method, X, y)
    except ValueError as error:
        assert "Training diverged: " in str(error) and type(model).__name__ in str(error)
        model.set_params(**estimator.get_params())
        assert state(model) == before
    else:
        for name, result in outputs(model, X).items():
            assert np.isfinite(result).all(), name


def numeric_parameters(estimator):
    return [
        name
        for name, constraints in estimator._parameter_constraints.items()
        if any(isinstance(c, Interval) for c in constraints) and "boolean" not in constraints
    ]


@pytest.mark.parametrize("estimator, X, y, method", fitting_cases())
def test_a_boolean_for_a_number_is_refused_by_name(estimator, X, y, method):
    for name in numeric_parameters(estimator):
        model = clone(estimator).set_params(**{name: True})
        with pytest.raises(TypeError, match=name):
            call(model, method, X, y)
        with pytest.raises(NotFittedError):
            check_is_fitted(model)


@pytest.mark.parametrize("estimator, X, y", [c[:3] for c in configurations()])
def test_a_fitted_model_keeps_no_reference_to_the_callers_arrays(estimator, X, y):
    X_caller = np.array(X)
    y_caller = None if y is None else np.array(y)
    model = fitted(clone(estimator), X_caller, y_caller)
    expected = outputs(model, X)
    X_caller[:] = 0.25
    if y_caller is not None:
        y_caller[:] = y_caller.flat[0]
    for name, result in outputs(model, X).items():
        np.testing.assert_array_equal(result, expected[name], err_msg=name)


@pytest.mark.parametrize(
    "estimator, X, y", [pytest.param(*c, id=type(c[0]).__name__) for c in configurations()]
)
def test_float32_data_give_float32_answers(estimator, X, y):
    # What a model computes from float32 rows comes back in float32, whatever it
    # computes in (class labels and likelihoods excepted: labels are the
    # targets', and log-likelihoods are sums of many terms, kept in float64).
    X32 = np.asarray(X, dtype=np.float32)
    model = fitted(clone(estimator), X32, y)
    answers = {}
    for method in ("predict", "predict_proba", "predict_log_proba", "transform", "reconstruct",
                   "encode"):  # fmt: skip
        if hasattr(model, method):
            answers[method] = np.asarray(getattr(model, method)(X32[:5]))
    if hasattr(model, "inverse_transform"):
        answers["inverse_transform"] = model.inverse_transform(model.transform(X32[:5]))
    floating = {m: a.dtype for m, a in answers.items() if np.issubdtype(a.dtype, np.floating)}
    assert floating and all(dtype == np.float32 for dtype in floating.values()), floating


@pytest.mark.parametrize("bad", [-1.0, 0.0, np.inf, np.nan, True, "hot"])
def test_sampling_temperatures_are_checked_by_name(bad):
    estimator, X, _ = next(c for c in configurations() if type(c[0]).__name__ == "BoltzmannMachine")
    model = fitted(clone(estimator), X, None)
    before = state(model)
    holes = X[:3].copy()
    holes[:, 0] = np.nan
    for name in ("annealing_temperature", "final_temperature"):
        with pytest.raises((ValueError, TypeError), match=name):
            model.sample(2, n_steps=2, **{name: bad})
    with pytest.raises((ValueError, TypeError), match="annealing_temperature"):
        model.complete(holes, n_steps=2, annealing_temperature=bad)
    assert state(model) == before


@pytest.mark.parametrize("estimator, X, y", [c[:3] for c in configurations()])
@pytest.mark.parametrize("huge", [1e308, -1e308, 1e200])
def test_huge_finite_inputs_are_refused_or_give_finite_outputs(estimator, X, y, huge):
    # Finite, so validation accepts them; a model must then either refuse them by
    # name (its domain check, or the magnitude check) or answer finitely.
    model = fitted(clone(estimator), X, y)
    before = state(model)
    bad = np.array(X)
    bad[0, 0] = huge
    try:
        results = outputs(model, bad)
    except ValueError as error:
        assert "X" in str(error) or "[0, 1]" in str(error) or "binar" in str(error)
    else:
        for name, result in results.items():
            assert np.isfinite(result).all(), name
    assert state(model) == before
    try:
        call(clone(estimator), "fit", bad, y)
    except ValueError as error:
        assert "Training diverged" not in str(error), "the input is the cause, not the rate"


def masked_calls():
    """Every public method taking a mask, on a fitted estimator: (name, call(mask))."""
    calls = []
    for estimator, X, y in configurations():
        model = fitted(clone(estimator), X, y)
        if "mask" in getattr(model, "sample", lambda: None).__code__.co_varnames:
            calls.append((model, lambda m, mask, X=X: m.sample(X=X[:2], mask=mask, n_steps=1)))
        for method in ("recall", "complete"):
            if hasattr(model, method) and "mask" in getattr(model, method).__code__.co_varnames:
                calls.append(
                    (
                        model,
                        lambda m, mask, X=X, method=method: getattr(m, method)(X[:2], mask=mask),
                    )
                )
    return calls


@pytest.mark.parametrize("bad", ["a", np.nan, 0.5, 2])
def test_masks_of_anything_but_flags_are_refused(bad):
    calls = masked_calls()
    assert calls, "some estimator takes a mask"
    for model, masked in calls:
        before = state(model)
        mask = np.full(model.n_features_in_, bad, dtype=object if bad == "a" else float)
        with pytest.raises(ValueError, match="mask must hold booleans"):
            masked(model, mask)
        assert state(model) == before
        masked(model, np.ones(model.n_features_in_, dtype=int))  # 0/1 numbers are flags


@pytest.mark.parametrize(
    "estimator, X, y", [c[:3] for c in configurations() if "binarize" in c[0].get_params()]
)
def test_a_nan_threshold_is_refused_by_name(estimator, X, y):
    with pytest.raises(ValueError, match="binarize must be a finite threshold"):
        call(clone(estimator).set_params(binarize=np.nan), "fit", X, y)


def _digits_classifier():
    estimator, X, y = next(
        c for c in configurations() if type(c[0]).__name__ == "BackpropMLPClassifier"
    )
    return clone(estimator), X, y


def _valued_memory():
    X = np.random.default_rng(0).random((20, 4))
    return ModernHopfieldMemory().fit(X, X[:, :2]), X


def _bad_calls():
    """(id, call, exception, words the message must hold): inputs a model used to
    take silently, or refused with a message naming the wrong cause."""
    model, X, y = _digits_classifier()
    unseen = np.where(y == 2, 11, y)
    weights = np.ones(len(y))
    memory, Q = _valued_memory()
    return [
        ("unseen-label", lambda: clone(model).partial_fit(X, unseen, classes=np.arange(10)),
         ValueError, "outside the classes"),
        ("other-classes", lambda: clone(model).partial_fit(X, y, classes=np.arange(10))
         .partial_fit(X, y, classes=np.arange(11)), ValueError, "classes="),
        ("negative-weights", lambda: clone(model).fit(X, y, sample_weight=-weights),
         ValueError, "sample_weight"),
        ("nan-weights", lambda: clone(model).fit(X, y, sample_weight=weights * np.nan),
         ValueError, "sample_weight"),
        ("zero-weights", lambda: clone(model).fit(X, y, sample_weight=0 * weights),
         ValueError, "ample weight"),
        ("score-without-y", lambda: memory.score(Q), ValueError, "needs the targets y"),
        ("complex-queries", lambda: retrieve(Q[:2] + 1j, Q), ValueError, "Complex"),
        ("negative-beta", lambda: retrieve(Q[:2], Q, beta=-1.0), ValueError, "beta"),
        ("probability", lambda: make_random_spins(3, 3, p=1.5), ValueError, "'p'"),
        ("encoding", lambda: make_bars_and_stripes(3, encoding="ternary"), ValueError,
         "encoding"),
        ("block-outside", lambda: mask_block(np.ones((1, 4)), (2, 2), (0, 3, 0, 1)),
         ValueError, "inside the 2 x 2 image"),
        ("fraction", lambda: flip_bits(np.ones((1, 4)), 1.5), ValueError, "fraction"),
    ]  # fmt: skip


@pytest.mark.parametrize("name, bad_call, error, words", _bad_calls(), ids=lambda c: c)
def test_bad_arguments_are_refused_by_name(name, bad_call, error, words):
    with pytest.raises(error, match=words):
        bad_call()


def test_extreme_sample_weights_do_not_end_a_fit():
    # Weights of 1e308 are rescaled (a loss is a weighted mean); a minibatch of
    # weight 0 is skipped: neither blames the learning rate.
    model, X, y = _digits_classifier()
    fitted(clone(model), X, y)
    huge = clone(model).fit(X, y, sample_weight=np.full(len(y), 1e308))
    assert np.isfinite(huge.predict_proba(X)).all()
    one_row = np.zeros(len(y))
    one_row[3] = 1.0
    skipping = clone(model).set_params(batch_size=1).fit(X, y, sample_weight=one_row)
    assert skipping.t_ == skipping.n_iter_  # one step an epoch: the other batches weigh 0

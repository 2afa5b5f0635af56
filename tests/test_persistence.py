"""Fitted estimators survive pickle, joblib and skops, and sample on identically."""

import inspect
import io
import pickle

import joblib
import numpy as np
import pytest

import skenergy
from tests._fitted import configurations, fitted, outputs, sampled

CONFIGURATIONS = configurations()
IDS = [f"{type(e).__name__}-{i}" for i, (e, _, _) in enumerate(CONFIGURATIONS)]


def test_every_public_estimator_is_covered():
    public = {
        name
        for name in skenergy.__all__
        if inspect.isclass(getattr(skenergy, name)) and hasattr(getattr(skenergy, name), "fit")
    }
    assert public == {type(estimator).__name__ for estimator, _, _ in CONFIGURATIONS}


def round_trips():
    skops_io = pytest.importorskip("skops.io")

    def with_pickle(model):
        return pickle.loads(pickle.dumps(model))

    def with_joblib(model):
        buffer = io.BytesIO()
        joblib.dump(model, buffer)
        buffer.seek(0)
        return joblib.load(buffer)

    def with_skops(model):
        data = skops_io.dumps(model)
        untrusted = skops_io.get_untrusted_types(data=data)
        # Only skenergy's own classes need trusting: the rest is arrays, NumPy
        # generators, scikit-learn objects and plain values.
        assert all(name.startswith("skenergy.") for name in untrusted), untrusted
        return skops_io.loads(data, trusted=untrusted)

    return {"pickle": with_pickle, "joblib": with_joblib, "skops": with_skops}


@pytest.mark.parametrize("fmt", ["pickle", "joblib", "skops"])
@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=IDS)
def test_round_trip_predicts_and_samples_identically(configuration, fmt):
    estimator, X, y = configuration
    model = fitted(estimator, X, y)
    if hasattr(model, "score") and y is None and hasattr(model, "log_partition"):
        model.score(X[:5])  # a cached log Z travels too
    restored = round_trips()[fmt](model)
    before, after = outputs(model, X[:20]), outputs(restored, X[:20])
    assert before.keys() == after.keys() and before
    for method in before:
        np.testing.assert_array_equal(before[method], after[method], err_msg=method)
    # Sampling continues from the same generator state in both copies.
    first, second = sampled(model), sampled(restored)
    if first is not None:
        np.testing.assert_array_equal(first, second)

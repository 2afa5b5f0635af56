"""dask-ml's Incremental trains RestrictedBM on a Dask array chunk by chunk.

dask-ml pulls in numba, so it has its own extra (``pip install ".[dask-ml]"``) and
its own CI step; without it this module is skipped.
"""

import numpy as np
import pytest

from skenergy import BackpropMLPClassifier, RestrictedBM

dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
da = pytest.importorskip("dask.array")


def test_incremental_trains_an_rbm_on_a_dask_array():
    rng = np.random.default_rng(0)
    values = (rng.random((4000, 20)) < 0.3).astype(float)
    X = da.from_array(values, chunks=(1000, 20))
    incremental = dask_ml_wrappers.Incremental(RestrictedBM(n_components=8, random_state=0))
    incremental.fit(X)
    assert incremental.estimator_.n_iter_ == 4  # one partial_fit per chunk
    features = incremental.transform(X).compute()
    np.testing.assert_allclose(features, incremental.estimator_.transform(values))


def test_incremental_classifier_with_classes():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(3000, 5))
    labels = (values[:, 0] > 0).astype(int)
    X = da.from_array(values, chunks=(500, 5))
    y = da.from_array(labels, chunks=500)
    model = BackpropMLPClassifier((8,), solver="sgd", batch_size=50, random_state=0)
    incremental = dask_ml_wrappers.Incremental(model)
    incremental.fit(X, y, classes=[0, 1])
    assert incremental.estimator_.n_iter_ == 6
    assert incremental.estimator_.score(values, labels) > 0.9

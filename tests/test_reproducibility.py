"""The same random_state gives bit-identical fits and samples; thread counts only round."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from skenergy import RestrictedBM
from tests._fitted import configurations, fitted, outputs, sampled

CONFIGURATIONS = configurations()
IDS = [f"{type(e).__name__}-{i}" for i, (e, _, _) in enumerate(CONFIGURATIONS)]


@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=IDS)
def test_same_seed_same_bits(configuration):
    template, X, y = configuration
    with threadpool_limits(limits=1, user_api="blas"):
        first = fitted(clone(template), X, y)
        second = fitted(clone(template), X, y)
        a, b = outputs(first, X[:20]), outputs(second, X[:20])
        for method in a:
            np.testing.assert_array_equal(a[method], b[method], err_msg=method)
        samples = sampled(first), sampled(second)
        if samples[0] is not None:
            np.testing.assert_array_equal(*samples)


def test_blas_thread_counts_agree_to_rounding():
    _, X, _ = CONFIGURATIONS[0]
    X32 = X.astype(np.float32)
    results = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            model = RestrictedBM(n_components=8, max_iter=2, random_state=0).fit(X32)
            results.append(model.transform(X32))
    np.testing.assert_allclose(results[0], results[1], atol=1e-4)


def test_grid_search_agrees_across_n_jobs():
    _, X, _ = CONFIGURATIONS[0]
    grid = {"learning_rate": [0.01, 0.05]}
    scores = []
    for n_jobs in (1, 2):
        search = GridSearchCV(
            RestrictedBM(n_components=4, max_iter=2, random_state=0), grid, cv=2, n_jobs=n_jobs
        )
        scores.append(search.fit(X).cv_results_["mean_test_score"])
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-6)

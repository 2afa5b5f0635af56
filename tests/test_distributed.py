"""Hyperparameter search over skenergy estimators on Dask's distributed scheduler.

The same code runs on a real cluster: connect a ``distributed.Client`` to its
scheduler address instead of starting a ``LocalCluster``.
"""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skenergy import HopfieldMemory, RestrictedBM

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.slow
def test_grid_search_runs_on_a_dask_cluster_and_agrees_with_local_runs(client):
    X, y = load_digits(return_X_y=True)
    pipe = Pipeline([
        ("rbm", RestrictedBM(n_components=16, max_iter=3, random_state=0)),
        ("clf", LogisticRegression(max_iter=500)),
    ])  # fmt: skip
    grid = {"rbm__learning_rate": [0.01, 0.05], "rbm__n_components": [8, 16]}
    with joblib.parallel_backend("dask"):
        remote = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X / 16, y)
    local = GridSearchCV(pipe, grid, cv=2, n_jobs=1).fit(X / 16, y)
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"], atol=1e-3
    )
    assert len(client.scheduler_info()["workers"]) == 2


def test_memory_rule_search_on_the_cluster(client):
    from skenergy.datasets import make_random_spins

    X = make_random_spins(40, 160, random_state=0)
    indices = np.arange(len(X))
    with joblib.parallel_backend("dask"):
        search = GridSearchCV(
            HopfieldMemory(random_state=0),
            {"rule": ["hebbian", "storkey", "pseudoinverse"]},
            cv=[(indices, indices)],
            n_jobs=-1,
        ).fit(X)
    assert search.best_params_["rule"] in ("storkey", "pseudoinverse")

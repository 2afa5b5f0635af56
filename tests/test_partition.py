import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.base import clone

from skenergy._partition import (
    LogPartition,
    annealed_importance_sampling,
    check_enumerable,
    exact_log_partition,
)
from skenergy._sampling import ais_betas, sample_bernoulli
from skenergy._units import binary_states
from skenergy.exceptions import AISWarning

from ._fitted import configurations


def test_exact_log_partition_in_chunks_matches_direct_sum():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(10)
    direct = logsumexp(binary_states(10, 0, 1024) @ w)
    chunked = exact_log_partition(lambda s: s @ w, 10, chunk=100)
    assert chunked.log_z == pytest.approx(direct, abs=1e-10)
    # Independent units: log Z = sum log(1 + e^w).
    assert chunked.log_z == pytest.approx(np.logaddexp(0, w).sum(), abs=1e-10)


def test_check_enumerable_names_the_limit():
    check_enumerable(20, "hidden layer")
    with pytest.raises(ValueError, match="2\\*\\*40 states"):
        check_enumerable(40, "hidden layer")


def test_ais_on_independent_units_recovers_log_z():
    """From uniform units to independent biased units: exact answer sum softplus(w)."""
    rng = np.random.default_rng(0)
    w = 2 * rng.standard_normal(15)

    def log_ratio(s, beta_from, beta_to):
        return (beta_to - beta_from) * (s @ w)

    def transition(s, beta, rng):
        return sample_bernoulli(np.broadcast_to(1 / (1 + np.exp(-beta * w)), s.shape).copy(), rng)

    start = (rng.random((300, 15)) < 0.5).astype(float)
    estimate = annealed_importance_sampling(
        start, 15 * np.log(2), log_ratio, transition, ais_betas(500), rng
    )
    exact = np.logaddexp(0, w).sum()
    assert abs(estimate.log_z - exact) < 4 * estimate.std + 1e-3
    assert estimate.lower <= exact <= estimate.upper
    assert estimate.method == "ais" and estimate.n_runs == 300


def test_log_partition_defaults_to_a_point_interval():
    exact = LogPartition(log_z=3.0)
    assert exact.lower == exact.upper == 3.0 and exact.std == 0.0


def through(estimator, **params):
    """The settings of log Z, given to a deep belief network's template RBM."""
    prefix = "rbm__" if "rbm__partition" in estimator.get_params() else ""
    return {prefix + name: value for name, value in params.items()}


@pytest.mark.parametrize(
    "estimator, X, y", [c for c in configurations() if hasattr(c[0], "log_partition")]
)
def test_every_log_partition_keeps_one_contract(estimator, X, y):
    # A LogPartition; AIS reproducible from a seed drawn at fit, cached, leaving the
    # sampling generator alone; cleared by partial_fit.
    def fitted():
        model = clone(estimator).set_params(**through(estimator, partition="ais", n_betas=50))
        model.set_params(**through(estimator, n_runs=10))
        return model.fit(X) if y is None else model.fit(X, y)

    model, twin = fitted(), fitted()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AISWarning)
        first = model.log_partition()
        assert isinstance(first, LogPartition) and first.method == "ais"
        assert model.log_partition() is first
        assert twin.log_partition() == first
        if hasattr(model, "sample"):
            assert np.array_equal(model.sample(3, n_steps=2), fitted().sample(3, n_steps=2))
        if hasattr(model, "partial_fit") and y is None:
            model.partial_fit(X)
            assert model.log_partition() is not first
    exact = clone(model).set_params(**through(estimator, partition="exact"))
    exact = exact.fit(X) if y is None else exact.fit(X, y)
    assert exact.log_partition().method == "exact" and exact.log_partition().std == 0.0

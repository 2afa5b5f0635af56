"""The memory budget: allocations that grow with a parameter or an argument are
estimated first and refused above the budget, before anything large is
allocated (tracemalloc peaks), and chunked computations stay within
scikit-learn's working_memory. Estimators are enumerated, so a new one is
covered without editing these tests.
"""

import threading
import tracemalloc
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import skenergy
from skenergy import BoltzmannMachine, HopfieldMemory, ModernHopfieldMemory
from skenergy.datasets import make_bars_and_stripes, make_random_spins
from skenergy.exceptions import MemoryBudgetError

from ._fitted import configurations, fitted

MiB = 2**20
#: Parameters whose value sets the size of what a fit or a method allocates.
SIZE_PARAMETERS = ("n_components", "batch_size", "n_chains", "hidden_layer_sizes")


def traced_peak(call):
    """``call()``'s result (or exception) and the peak of what it allocated, in bytes."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as error:  # noqa: BLE001 - returned to be asserted on
            result = error
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def quietly_fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X) if y is None else model.fit(X, y)


def size_cases():
    cases = []
    for estimator, X, y in configurations():
        for name in SIZE_PARAMETERS:
            if name in estimator.get_params():
                huge = (10**9,) if name == "hidden_layer_sizes" else 10**9
                cases.append(
                    pytest.param(
                        estimator, X, y, name, huge, id=f"{type(estimator).__name__}-{name}"
                    )
                )
    return cases


@pytest.mark.parametrize("estimator, X, y, name, huge", size_cases())
def test_a_huge_size_parameter_is_refused_before_allocating(estimator, X, y, name, huge):
    model = clone(estimator).set_params(**{name: huge})
    error, peak = traced_peak(lambda: quietly_fit(model, X, y))
    if name == "batch_size":
        # Minibatches and chains follow the rows, not batch_size: the fit runs.
        assert not isinstance(error, Exception), error
    else:
        assert isinstance(error, MemoryBudgetError), error
        assert name in str(error) and "GiB" in str(error) and "memory budget" in str(error)
        assert not hasattr(model, "n_features_in_")
    assert peak < 20 * MiB


def test_a_wide_classic_memory_is_refused_before_allocating():
    X = np.zeros((2, 60000))  # a 60000 x 60000 weight matrix: 27 GiB, several times over
    for model in (HopfieldMemory(), BoltzmannMachine()):
        error, peak = traced_peak(lambda model=model: model.fit(X))
        assert isinstance(error, MemoryBudgetError), error
        assert "60000 features" in str(error) and peak < 5 * MiB
    assert "ModernHopfieldMemory" in str(traced_peak(lambda: HopfieldMemory().fit(X))[0])


def sampling_models():
    return [
        pytest.param(estimator, X, y, id=type(estimator).__name__)
        for estimator, X, y in configurations()
        if hasattr(estimator, "sample")
    ]


@pytest.mark.parametrize("estimator, X, y", sampling_models())
def test_a_huge_sample_is_refused_before_drawing(estimator, X, y):
    model = fitted(clone(estimator), X, y)
    error, peak = traced_peak(lambda: model.sample(10**10, n_steps=1))
    assert isinstance(error, MemoryBudgetError) and "10000000000 rows" in str(error)
    assert peak < MiB


@pytest.mark.parametrize("estimator, X, y", [c[:3] for c in configurations()])
def test_every_method_on_rows_refuses_rows_beyond_the_budget(estimator, X, y):
    model = fitted(clone(estimator), X, y)
    rows = np.repeat(X, 40, axis=0)  # 2000 to 8000 rows
    for method in ("predict", "predict_proba", "transform", "score_samples", "recall"):
        if not hasattr(model, method):
            continue
        with skenergy.config_context(memory_limit=rows.nbytes / 4 / MiB):
            error, peak = traced_peak(lambda method=method: getattr(model, method)(rows))
        assert isinstance(error, MemoryBudgetError), (method, error)
        assert "rows" in str(error) and "smaller chunks" in str(error)
        assert peak < rows.nbytes + MiB  # the validated copy of X, nothing more


@pytest.mark.parametrize("n_betas, n_runs", [(10**9, 10), (100, 10**9)])
@pytest.mark.parametrize(
    "estimator, X, y", [c[:3] for c in configurations() if "n_betas" in c[0].get_params()]
)
def test_annealing_sizes_are_refused_before_allocating(estimator, X, y, n_betas, n_runs):
    model = fitted(clone(estimator).set_params(partition="ais"), X, y)
    model.set_params(n_betas=n_betas, n_runs=n_runs)
    error, peak = traced_peak(model.log_partition)
    assert isinstance(error, MemoryBudgetError), error
    assert ("n_betas" if n_betas > n_runs else "n_runs") in str(error) and peak < MiB


def shapes(estimator):
    """Training sets of growing rows and width, the width kept where it is fixed."""
    name = type(estimator).__name__
    if name in ("HopfieldMemory", "BoltzmannMachine", "BoltzmannClassifier"):
        return [(30, 12), (200, 40)]
    return [(300, 30), (1000, 64)]


@pytest.mark.parametrize(
    "estimator, X, y",
    [c[:3] for c in configurations() if hasattr(c[0], "_fit_bytes")],
)
def test_fit_peaks_stay_below_their_estimate(estimator, X, y):
    # The estimate is an upper bound of the real peak (chunked computations kept
    # to 1 MiB of working memory), and not a wildly loose one.
    rng = np.random.default_rng(0)
    for n_rows, n_features in shapes(estimator):
        data = (rng.random((n_rows, n_features)) < 0.5).astype(float)
        target = None if y is None else rng.integers(0, 3, n_rows)
        if type(estimator).__name__ == "BackpropMLPRegressor":
            target = rng.random((n_rows, 2))
        model = clone(estimator).set_params(
            **{"n_components": 40} if "n_components" in estimator.get_params() else {}
        )
        quietly_fit(model, data, target)  # a refit: the restore copy counts too
        with sklearn.config_context(working_memory=1):
            result, peak = traced_peak(lambda m=model, d=data, t=target: quietly_fit(m, d, t))
        assert not isinstance(result, Exception), result
        if hasattr(model, "coefs_"):
            sizes = [W.shape[0] for W in model.coefs_] + [model.coefs_[-1].shape[1]]
            estimate = model._fit_bytes(n_rows, sizes, 8)
        else:
            width = n_features + (3 if type(model).__name__ == "BoltzmannClassifier" else 0)
            estimate = model._fit_bytes(n_rows, width, 8)
        assert peak <= estimate + MiB, (n_rows, n_features, peak, estimate)
        assert estimate <= 30 * peak, (n_rows, n_features, peak, estimate)


def test_boltzmann_likelihoods_enumerate_hidden_states_in_blocks():
    # 18 coupled hidden units: the whole table of 2**18 states by 18 units is
    # 38 MiB; one row's log-likelihood must stay within working memory.
    X = (np.random.default_rng(0).random((20, 4)) < 0.5).astype(float)
    machine = BoltzmannMachine(n_components=18, max_iter=0, random_state=0).fit(X)
    machine.set_params(partition="ais", n_betas=10, n_runs=2)
    machine.log_partition()
    with sklearn.config_context(working_memory=2):
        result, peak = traced_peak(lambda: machine.score_samples(X[:1]))
    assert np.isfinite(result).all() and peak < 6 * MiB


def test_top_k_never_builds_the_dense_result():
    patterns = np.random.default_rng(0).standard_normal((2**15, 8))
    queries = patterns[:200]
    memory = ModernHopfieldMemory(top_k=5).fit(patterns)
    dense_bytes = 200 * 2**15 * 8  # 50 MiB
    with sklearn.config_context(working_memory=4):
        result, peak = traced_peak(lambda: memory.transform(queries))
    assert result.nnz == 1000 and peak < dense_bytes / 5
    with skenergy.config_context(memory_limit=16):
        with pytest.raises(MemoryBudgetError, match="top_k"):
            memory.set_params(top_k=None).transform(queries)


def test_dataset_helpers_refuse_sizes_beyond_the_budget():
    for call in (lambda: make_bars_and_stripes(40), lambda: make_random_spins(10**6, 10**6)):
        error, peak = traced_peak(call)
        assert isinstance(error, MemoryBudgetError) and peak < MiB


def test_the_budget_is_set_per_thread_and_restored():
    default = skenergy.get_config()["memory_limit"]
    seen = []
    with skenergy.config_context(memory_limit=3):
        thread = threading.Thread(target=lambda: seen.append(skenergy.get_config()))
        thread.start()
        thread.join()
        assert skenergy.get_config()["memory_limit"] == 3
    assert skenergy.get_config()["memory_limit"] == default
    assert seen == [{"memory_limit": default}]
    for bad, error in ((0, ValueError), (-1, ValueError), ("1G", TypeError), (True, TypeError)):
        with pytest.raises(error, match="memory_limit"):
            skenergy.set_config(memory_limit=bad)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_every_mlp_solver_peaks_below_its_estimate(solver):
    # L-BFGS holds the whole data's activations and its correction pairs.
    from skenergy import BackpropMLPClassifier

    rng = np.random.default_rng(0)
    X, y = rng.random((2000, 30)), rng.integers(0, 3, 2000)
    model = BackpropMLPClassifier((64,), solver=solver, max_iter=10, random_state=0)
    quietly_fit(model, X, y)
    with sklearn.config_context(working_memory=1):
        result, peak = traced_peak(lambda: quietly_fit(model, X, y))
    assert not isinstance(result, Exception), result
    estimate = model._fit_bytes(2000, [30, 64, 3], 8)
    assert peak <= estimate <= 5 * peak

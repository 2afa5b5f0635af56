"""Ctrl-C during fit stops after the current minibatch, warns, and leaves a usable model;
during partial_fit it reaches the caller, whose loop over chunks stops, and the model
is as it was after the last completed call."""

import os
import pickle
import signal
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

import skenergy._rbm_step
import skenergy.boltzmann
import skenergy.hopfield
import skenergy.mlp
from skenergy import (
    BackpropMLPClassifier,
    BoltzmannMachine,
    DenseHopfieldMemory,
    HopfieldMemory,
    RestrictedBM,
)

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals"
)


def press_ctrl_c_during(monkeypatch, owner, name, after_calls=5):
    """Send SIGINT to this process from inside training, at the n-th call of owner.name."""
    original = getattr(owner, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == after_calls:
            os.kill(os.getpid(), signal.SIGINT)  # delivered at once to the main thread
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapped)
    return calls


CASES = {
    "RestrictedBM": (
        RestrictedBM(n_components=64, max_iter=1000, random_state=0),
        (skenergy._rbm_step.FusedTrainer, "update"),
    ),
    "BoltzmannMachine": (
        BoltzmannMachine(n_components=4, method="pcd", max_iter=1000, random_state=0),
        (skenergy.boltzmann.BoltzmannMachine, "_update"),
    ),
    "BackpropMLPClassifier": (
        BackpropMLPClassifier(
            (32,), solver="sgd", max_iter=1000, n_iter_no_change=1000, random_state=0
        ),
        (skenergy.mlp, "momentum_step"),
    ),
}


def case(name):
    """The estimator, where to press Ctrl-C, its data, and whether it is supervised."""
    estimator, where = CASES[name]
    X, y = load_digits(return_X_y=True)
    supervised = isinstance(estimator, BackpropMLPClassifier)
    X = (X[:, :12] > 7).astype(float) if isinstance(estimator, BoltzmannMachine) else X / 16
    return estimator, where, X, y, supervised


@pytest.mark.parametrize("name", list(CASES))
def test_ctrl_c_stops_training_and_keeps_a_usable_model(monkeypatch, name):
    estimator, (owner, method), X, y, supervised = case(name)
    calls = press_ctrl_c_during(monkeypatch, owner, method)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y) if supervised else estimator.fit(X)
    interrupted = [w for w in caught if "interrupted" in str(w.message)]
    assert len(interrupted) == 1, "one warning says training was interrupted"
    assert estimator.n_iter_ == 0  # stopped in the first epoch: no epoch completed
    # The minibatch in flight finishes, and no other starts (the MLP steps four
    # parameter arrays per minibatch: two weight matrices, two bias vectors).
    per_minibatch = 4 if supervised else 1
    assert calls["n"] < 5 + per_minibatch
    result = estimator.predict(X) if supervised else estimator.transform(X)
    assert np.isfinite(result).all()
    # The usual Ctrl-C behaviour is back once fit returns.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("name", list(CASES))
def test_ctrl_c_stops_a_loop_of_partial_fit_calls(monkeypatch, name):
    estimator, (owner, method), X, y, supervised = case(name)
    chunks = np.array_split(np.arange(len(X)), 6)

    def partial_fit(rows):
        if supervised:
            return estimator.partial_fit(X[rows], y[rows], classes=np.unique(y))
        return estimator.partial_fit(X[rows])

    partial_fit(chunks[0])
    completed = pickle.dumps(estimator.__dict__)
    calls = press_ctrl_c_during(monkeypatch, owner, method, after_calls=2)
    finished = 1
    with pytest.raises(KeyboardInterrupt):
        for rows in chunks[1:]:
            partial_fit(rows)
            finished += 1
            completed = pickle.dumps(estimator.__dict__)
    assert finished < len(chunks), "the loop stopped"
    assert calls["n"] >= 2
    assert pickle.dumps(estimator.__dict__) == completed
    result = estimator.predict(X) if supervised else estimator.transform(X)
    assert np.isfinite(result).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize(
    "params, method, after_calls",
    [
        ({"rule": "descent", "max_iter": 50, "noise": 0.3}, "_settle", 2),
        ({"n_unlearning": 200, "unlearning_rate": 0.01}, "run_async", 3),
    ],
    ids=["descent", "unlearning"],
)
def test_ctrl_c_ends_a_hopfield_fit_with_a_usable_memory(monkeypatch, params, method, after_calls):
    X = (np.random.default_rng(0).random((30, 64)) < 0.5).astype(float)
    memory = HopfieldMemory(random_state=0, **params)
    owner = HopfieldMemory if method == "_settle" else skenergy.hopfield
    calls = press_ctrl_c_during(monkeypatch, owner, method, after_calls=after_calls)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        memory.fit(X)
    assert sum("interrupted" in str(w.message) for w in caught) == 1
    assert calls["n"] == after_calls  # nothing ran after the epoch or batch in flight
    if method == "_settle":
        assert memory.n_iter_ == after_calls  # the epochs completed, the last included
    assert np.isfinite(memory.weights_).all()
    assert memory.predict(X).shape == X.shape
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_a_hopfield_memory_stores_leaves_it_as_it_was(monkeypatch):
    X = (np.random.default_rng(0).random((30, 64)) < 0.5).astype(float)
    memory = HopfieldMemory(rule="storkey").fit(X[:10])
    before = pickle.dumps(memory.__dict__)
    press_ctrl_c_during(monkeypatch, np, "outer", after_calls=3)  # inside Storkey's loop
    with pytest.raises(KeyboardInterrupt):
        memory.fit(X)
    assert pickle.dumps(memory.__dict__) == before


def test_ctrl_c_in_descent_with_dont_care_units_keeps_a_usable_memory(monkeypatch):
    X = (np.random.default_rng(0).random((60, 40)) < 0.5).astype(float)
    memory = HopfieldMemory("descent", n_components=20, max_iter=50, noise=0.3, random_state=0)
    # Each epoch settles twice: the don't-care units of the probes, then the probes.
    calls = press_ctrl_c_during(monkeypatch, HopfieldMemory, "_settle", after_calls=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        memory.fit(X)
    assert sum("interrupted" in str(w.message) for w in caught) == 1
    assert memory.n_iter_ == 2 and calls["n"] == 4  # the second epoch finished, no third
    assert memory.weights_.shape == (60, 60) and np.isfinite(memory.weights_).all()
    assert memory.predict(X).shape == X.shape


def test_ctrl_c_while_a_dense_memory_adds_patterns_leaves_it_as_it_was(monkeypatch):
    X = (np.random.default_rng(0).random((30, 64)) < 0.5).astype(float)
    memory = DenseHopfieldMemory().fit(X[:10])
    before = pickle.dumps(memory.__dict__)
    press_ctrl_c_during(monkeypatch, np, "vstack", after_calls=1)
    with pytest.raises(KeyboardInterrupt):
        memory.partial_fit(X[10:])
    assert pickle.dumps(memory.__dict__) == before


def epoch_loop_configurations():
    """Every estimator whose fit runs the shared epoch loop, from the common list."""
    from ._fitted import configurations

    return [
        pytest.param(estimator, X, y, id=f"{type(estimator).__name__}-{i}")
        for i, (estimator, X, y) in enumerate(configurations())
        if "batch_size" in estimator.get_params()
    ]


@pytest.mark.parametrize("refit", [False, True], ids=["fit", "refit"])
@pytest.mark.parametrize("estimator, X, y", epoch_loop_configurations())
def test_ctrl_c_in_the_first_minibatch_of_any_fit_keeps_a_usable_model(
    monkeypatch, estimator, X, y, refit
):
    # Deterministic: SIGINT arrives while the first minibatch's learning rate is
    # computed, so that minibatch's update completes and no other starts.
    from sklearn.base import clone

    import skenergy._loop

    model = clone(estimator).set_params(max_iter=50)
    if refit:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X) if y is None else model.fit(X, y)
    calls = press_ctrl_c_during(monkeypatch, skenergy._loop, "learning_rate_at", after_calls=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X) if y is None else model.fit(X, y)
    assert sum("interrupted" in str(w.message) for w in caught) == 1
    assert calls["n"] == 1 and model.n_iter_ == 0
    for method in ("predict", "transform"):
        if hasattr(model, method):
            assert np.isfinite(getattr(model, method)(X)).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

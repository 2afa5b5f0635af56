"""A parameter name means the same thing in every skenergy estimator.

Estimators that share a name share its constraints, except where the model makes
a difference a user would expect; those are listed here with the reason.
"""

import inspect
import warnings
from collections import defaultdict

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

import skenergy
import skenergy._dynamics
import skenergy._loop
import skenergy._units
import skenergy.boltzmann
import skenergy.deep
import skenergy.mlp
import skenergy.rbm

from ._fitted import configurations

#: (name, estimator) pairs allowed to differ from the others, and why.
DIFFERENCES = {
    ("learning_rate", "BackpropMLPClassifier"): "None picks 0.1, the classifier's default step",
    ("learning_rate", "BackpropMLPRegressor"): "None picks 0.01 for squared errors",
    ("max_iter", "BackpropMLPClassifier"): "a network needs at least one epoch",
    ("max_iter", "BackpropMLPRegressor"): "a network needs at least one epoch",
    ("max_iter", "HopfieldMemory"): "epochs of the descent rule; the one-pass rules count one",
    ("method", "RestrictedBM"): "no enumeration option: exactness lives in partition",
    ("method", "DeepBoltzmannMachine"): "the chains move persistently, by Gibbs or tempering",
    ("n_components", "RestrictedBM"): "an RBM without hidden units has no features",
    ("update", "DenseHopfieldMemory"): "deterministic dynamics only: Glauber dynamics of "
    "the higher-order energy are not built (the capacity results use the deterministic)",
}


def describe(constraints):
    out = []
    for c in constraints:
        if isinstance(c, Interval):
            out.append(("interval", c.type.__name__, c.left, c.right, c.closed))
        elif isinstance(c, StrOptions):
            out.append(("options", tuple(sorted(c.options))))
        else:
            out.append(("other", str(c)))
    return tuple(sorted(out, key=str))


def test_shared_parameter_names_share_their_constraints():
    seen = defaultdict(dict)
    for name in skenergy.__all__:
        cls = getattr(skenergy, name)
        if inspect.isclass(cls) and hasattr(cls, "_parameter_constraints"):
            for param, constraints in cls._parameter_constraints.items():
                if (param, name) not in DIFFERENCES:
                    seen[param][name] = describe(constraints)
    for param, by_estimator in seen.items():
        assert len(set(by_estimator.values())) <= 1, (param, by_estimator)


def trained_through_the_loop(monkeypatch):
    """Record the rows of every minibatch step taken by the one epoch loop."""
    steps = []
    run_epochs = skenergy._loop.run_epochs

    def recording(estimator, training, *args, **kwargs):
        update = training.update

        def counted(rows, lr, momentum):
            steps.append(len(rows))
            return update(rows, lr, momentum)

        training.update = counted
        return run_epochs(estimator, training, *args, **kwargs)

    for module in (skenergy.rbm, skenergy.boltzmann, skenergy.deep, skenergy.mlp):
        monkeypatch.setattr(module, "run_epochs", recording)
    return steps


@pytest.mark.parametrize(
    "estimator, X, y", [c for c in configurations() if "batch_size" in c[0].get_params()]
)
def test_batch_size_caps_every_minibatch_of_every_epoch(monkeypatch, estimator, X, y):
    # One meaning everywhere: minibatches of batch_size rows, the last one holding the
    # rest, so an epoch over n rows is ceil(n / batch_size) steps. Every trainable
    # estimator trains through the one loop (else no step would be recorded).
    steps = trained_through_the_loop(monkeypatch)
    n_rows, batch_size = 45, 20
    X = X[:n_rows]
    estimator = clone(estimator).set_params(batch_size=batch_size, max_iter=2)
    if "pretrain" in estimator.get_params():  # pretraining runs epochs of its own
        estimator.set_params(pretrain=None)
    if "early_stopping" in estimator.get_params():
        estimator.set_params(early_stopping=False, validation_fraction=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X) if y is None else estimator.fit(X, y[:n_rows])
    assert steps == [20, 20, 5] * 2


#: Every public method with a ``random_state`` parameter, by what None means there
#: (see ``skenergy._sampling``): "answer" methods restart from the estimator's
#: ``random_state`` on every call, "draw" methods continue the model's generator.
RANDOM_METHODS = {
    ("RestrictedBM", "gibbs"): "draw",
    ("RestrictedBM", "sample"): "draw",
    ("RestrictedBM", "pseudo_log_likelihood"): "answer",
    ("BoltzmannMachine", "sample"): "draw",
    ("BoltzmannMachine", "complete"): "answer",
    ("DeepBeliefNetwork", "sample"): "draw",
    ("DeepBeliefClassifier", "sample"): "draw",
    ("DeepBoltzmannMachine", "sample"): "draw",
    ("HopfieldMemory", "recall"): "answer",
    ("DenseHopfieldMemory", "recall"): "answer",
}


def random_method_cases():
    found = set()
    for name in skenergy.__all__:
        cls = getattr(skenergy, name)
        if inspect.isclass(cls):
            for method, function in inspect.getmembers(cls, inspect.isfunction):
                if not method.startswith("_") and (
                    "random_state" in inspect.signature(function).parameters
                ):
                    found.add((name, method))
    assert found == set(RANDOM_METHODS), "classify every method that takes random_state"
    cases = []
    for estimator, X, y in configurations():
        for (name, method), kind in RANDOM_METHODS.items():
            if type(estimator).__name__ == name:
                case = (estimator, X, y, method, kind)
                cases.append(pytest.param(*case, id=f"{name}.{method}"))
    return cases


def call(model, X, method, **kwargs):
    """The method's result as an array, on a few rows (NaN holes for completions)."""
    if method == "sample":
        drawn = model.sample(4, n_steps=3, **kwargs)
        if isinstance(drawn, tuple):  # a classifier's rows and their classes
            return np.column_stack(drawn)
        return drawn
    X = X[:4].copy()
    if method == "complete":
        X[:, ::2] = float("nan")
    result = getattr(model, method)(X, **kwargs)
    return result.states if method == "recall" else result


def interrupt_after_drawing(monkeypatch):
    """Ctrl-C in the first sampler call, after it has drawn its random numbers."""

    def interrupting(function):
        def drawn_then_interrupted(*args, **kwargs):
            function(*args, **kwargs)
            raise KeyboardInterrupt

        return drawn_then_interrupted

    for module, name in [
        (skenergy._units, "uniform"),
        (skenergy._units, "sample_bernoulli"),
        (skenergy._dynamics, "uniform"),
    ]:
        monkeypatch.setattr(module, name, interrupting(getattr(module, name)))


@pytest.mark.parametrize("estimator, X, y, method, kind", random_method_cases())
def test_random_state_none_has_one_meaning_per_kind_of_method(
    monkeypatch, estimator, X, y, method, kind
):
    model = clone(estimator).set_params(random_state=3)
    targets = () if y is None else (y,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, *targets)
        twin = clone(model).fit(X, *targets)
        first, second = call(model, X, method), call(model, X, method)
        # An explicit seed gives that stream and leaves the model's own untouched.
        seeded = call(model, X, method, random_state=11)
        assert np.array_equal(seeded, call(model, X, method, random_state=11))
        third = call(model, X, method)
        # A call that fails, on a bad argument or interrupted mid-draw, changes nothing.
        with pytest.raises((ValueError, TypeError)):
            getattr(model, method)(X[:4, :-1])
        if kind == "draw":
            with monkeypatch.context() as patch:
                interrupt_after_drawing(patch)
                with pytest.raises(KeyboardInterrupt):
                    call(model, X, method)
        fourth = call(model, X, method)
        # The same estimator fitted again with the same seed repeats the sequence.
        twin_calls = [call(twin, X, method) for _ in range(4)]
    if kind == "answer":
        for result in (second, third, fourth):
            assert np.array_equal(result, first)
    else:
        assert not np.array_equal(first, second)
        assert not np.array_equal(second, third)
        for ours, theirs in zip([first, second, third, fourth], twin_calls, strict=True):
            assert np.array_equal(ours, theirs)

"""A parameter name means the same thing in every skenergy estimator.

Estimators that share a name share its constraints, except where the model makes
a difference a user would expect; those are listed here with the reason.
"""

import inspect
import warnings
from collections import defaultdict

import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

import skenergy
import skenergy._loop
import skenergy.boltzmann
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
    ("n_components", "RestrictedBM"): "an RBM without hidden units has no features",
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

    for module in (skenergy.rbm, skenergy.boltzmann, skenergy.mlp):
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
    if "early_stopping" in estimator.get_params():
        estimator.set_params(early_stopping=False, validation_fraction=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X) if y is None else estimator.fit(X, y[:n_rows])
    assert steps == [20, 20, 5] * 2

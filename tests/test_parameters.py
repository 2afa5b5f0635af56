"""A parameter name means the same thing in every skenergy estimator.

Estimators that share a name share its constraints, except where the model makes
a difference a user would expect; those are listed here with the reason.
"""

import inspect
from collections import defaultdict

from sklearn.utils._param_validation import Interval, StrOptions

import skenergy

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

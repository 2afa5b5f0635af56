"""Every public estimator fitted on small data: the subjects of the ecosystem tests.

A test asserts that this list covers ``skenergy.__all__``, so a new estimator
cannot be left out of persistence and fuzzing by accident.
"""

import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skenergy import (
    BackpropMLPClassifier,
    BackpropMLPRegressor,
    BoltzmannClassifier,
    BoltzmannMachine,
    DeepBeliefClassifier,
    DeepBeliefNetwork,
    DeepBoltzmannMachine,
    DenseHopfieldMemory,
    HopfieldMemory,
    ModernHopfieldClassifier,
    ModernHopfieldMemory,
    RestrictedBM,
)


def data():
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16, y[:200]


def configurations():
    """``(estimator, X, y)`` for every public estimator (y None when unsupervised)."""
    X, y = data()
    binary = (X > 0.5).astype(float)
    return [
        (RestrictedBM(n_components=8, max_iter=2, random_state=0), X, None),
        (RestrictedBM(n_components=8, visible="gaussian", max_iter=2, random_state=0), X, None),
        (RestrictedBM(n_components=8, centered=True, max_iter=2, random_state=0), X, None),
        (RestrictedBM(8, method="pt", n_temperatures=3, max_iter=2, random_state=0), X, None),
        (
            RestrictedBM(8, hidden="gaussian", learning_rate=0.001, max_iter=2, random_state=0),
            X[:, 20:36],  # log Z is enumerated over the visible units: 2**16 states
            None,
        ),
        (HopfieldMemory(random_state=0), binary[:8], None),
        (HopfieldMemory(n_components=16, random_state=0), binary[:8], None),
        (DenseHopfieldMemory(degree=4, random_state=0), binary[:30], None),
        (ModernHopfieldMemory(beta=5.0), X[:50], None),
        (ModernHopfieldClassifier(beta=5.0), X[:50], y[:50]),
        (BoltzmannMachine(n_components=2, max_iter=2, random_state=0), binary[:60, :10], None),
        (
            BoltzmannClassifier(n_components=2, max_iter=2, random_state=0),
            binary[:60, :10],
            y[:60],
        ),
        (
            DeepBeliefNetwork((8, 4), rbm=RestrictedBM(max_iter=2, batch_size=50), random_state=0),
            X,
            None,
        ),
        (
            DeepBeliefNetwork(
                (8, 4),
                rbm=RestrictedBM(max_iter=2, batch_size=50),
                fine_tune_iter=2,
                random_state=0,
            ),  # fmt: skip
            X,
            None,
        ),
        (DeepBeliefClassifier((8, 4), rbm=RestrictedBM(max_iter=2), random_state=0), X, y),
        (
            DeepBoltzmannMachine(
                (8, 4),
                pretrain=RestrictedBM(max_iter=1, batch_size=50),
                max_iter=2,
                batch_size=50,
                random_state=0,
            ),
            X,
            None,
        ),
        (BackpropMLPClassifier((16,), batch_size=50, max_iter=3, random_state=0), X, y),
        (BackpropMLPRegressor((16,), batch_size=50, max_iter=3, random_state=0), X, X[:, :2]),
    ]


def fitted(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X) if y is None else estimator.fit(X, y)


def outputs(estimator, X):
    """What a fitted estimator gives back for X, method by method."""
    results = {}
    for method in ("predict", "predict_proba", "transform", "score_samples"):
        if hasattr(estimator, method):
            result = getattr(estimator, method)(X)
            results[method] = result.toarray() if hasattr(result, "toarray") else result
    return results


def sampled(estimator):
    """Samples drawn from the estimator's own generator, when it samples."""
    if not hasattr(estimator, "sample"):
        return None
    drawn = estimator.sample(5, n_steps=5)
    if isinstance(drawn, tuple):  # a classifier's rows and their classes
        return np.column_stack(drawn)
    return np.asarray(drawn)

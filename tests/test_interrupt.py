"""Ctrl-C during fit stops after the current minibatch, warns, and leaves a usable model."""

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skenergy import BackpropMLPClassifier, BoltzmannMachine, RestrictedBM

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals"
)


def interrupted_fit(estimator, *args, delay=0.3):
    """Fit, with a SIGINT sent to this process after ``delay`` seconds."""
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimator.fit(*args)
    finally:
        timer.cancel()
    return [w for w in caught if "interrupted" in str(w.message)], time.perf_counter() - start


@pytest.mark.parametrize(
    "estimator, supervised",
    [
        (RestrictedBM(n_components=64, max_iter=10_000, random_state=0), False),
        (BoltzmannMachine(n_components=4, method="pcd", max_iter=10_000, random_state=0), False),
        (BackpropMLPClassifier((32,), max_iter=10_000, n_iter_no_change=10_000), True),
    ],
    ids=["RestrictedBM", "BoltzmannMachine", "BackpropMLPClassifier"],
)
def test_ctrl_c_stops_training_and_keeps_a_usable_model(estimator, supervised):
    X, y = load_digits(return_X_y=True)
    X = X / 16 if not isinstance(estimator, BoltzmannMachine) else (X[:, :12] > 0.5).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        caught, seconds = interrupted_fit(estimator, *((X, y) if supervised else (X,)))
    assert len(caught) == 1, "one warning says training was interrupted"
    assert seconds < 20  # it stopped long before its 10000 epochs
    assert 0 < estimator.n_iter_ < 10_000
    result = estimator.predict(X) if supervised else estimator.transform(X)
    assert np.isfinite(result).all()
    # The usual Ctrl-C behaviour is back once fit returns.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

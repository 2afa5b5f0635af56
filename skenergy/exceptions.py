"""Warnings and errors that skenergy's estimators emit, to filter or to catch."""

__all__ = ["AISWarning", "DataRangeWarning", "MemoryBudgetError", "TrainingFailedWarning"]


class MemoryBudgetError(ValueError, MemoryError):
    """A call would allocate more than skenergy's memory budget: refused before allocating.

    A ValueError (the arguments ask for too much) and a MemoryError, so either
    ``except`` catches it. The message names the size and what to change; the
    budget itself is set with :func:`skenergy.config_context`.

    Examples
    --------
    >>> from skenergy import RestrictedBM
    >>> from skenergy.exceptions import MemoryBudgetError
    >>> try:
    ...     RestrictedBM(n_components=10**9).fit([[0.0, 1.0], [1.0, 0.0]])
    ... except MemoryBudgetError as error:
    ...     print(str(error)[:41])
    RestrictedBM with n_components=1000000000
    """


class DataRangeWarning(UserWarning):
    """Values outside a model's domain were clipped into it (for example [0, 1]).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from skenergy import RestrictedBM
    >>> from skenergy.exceptions import DataRangeWarning
    >>> rbm = RestrictedBM(n_components=2, max_iter=1, random_state=0).fit(np.eye(3))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = rbm.transform([[1.2, 0.0, 0.0]])  # a test fold scaled on a training fold
    >>> caught[0].category is DataRangeWarning
    True
    """


class AISWarning(UserWarning):
    """An annealed importance sampling estimate of log Z rests on too few effective runs.

    Examples
    --------
    Three intermediate temperatures are far too few for a model of 200 hidden
    units: a handful of the 200 runs carry the estimate. Turned into an error, a
    doubtful estimate cannot pass silently:

    >>> import warnings
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import RestrictedBM
    >>> from skenergy.exceptions import AISWarning
    >>> X = (load_digits().data > 8).astype(float)
    >>> rbm = RestrictedBM(n_components=200, learning_rate=0.1, batch_size=100, max_iter=20,
    ...                    partition="ais", n_betas=3, n_runs=200, random_state=0).fit(X)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", AISWarning)
    ...     rbm.log_partition()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skenergy.exceptions.AISWarning: The AIS estimate of log Z (...) rests on ... effective runs ...
    """


class TrainingFailedWarning(UserWarning):
    """Training ended with predictions that do not depend on the inputs.

    Emitted by the backpropagation networks when a hidden layer ends with every
    unit at 0 on the training data: relu units pushed off for good, most often
    because the inputs were not scaled.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import BackpropMLPClassifier
    >>> from skenergy.exceptions import TrainingFailedWarning
    >>> X, y = load_digits(return_X_y=True)  # pixels in 0-16, not scaled
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = BackpropMLPClassifier(solver="sgd", max_iter=5, random_state=0).fit(X, y)
    >>> any(w.category is TrainingFailedWarning for w in caught)
    True
    """

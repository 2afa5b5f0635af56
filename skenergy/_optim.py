"""Stochastic gradient ascent with momentum or Adam, weight decay and schedules.

Parameters are updated in the velocity form of the practical guide to RBMs
(Hinton 2010, section 9)::

    velocity <- momentum * velocity + learning_rate * (gradient - l2 * w - l1 * sign(w))
    w        <- w + velocity

or by Adam (Kingma & Ba 2015), :func:`adam_step`, from the same penalised
gradient. Both take the ascent direction: a loss to minimise passes its negative
gradient.

Weight decay applies to weights only, never to biases (callers pass the
weights alone). Updates run in place as single passes of the BLAS that NumPy
itself uses (:mod:`skenergy._blas`), never SciPy's: alternating the two OpenBLAS
copies makes their thread pools spin against each other.
"""

import signal
import threading
import warnings

import numpy as np

from ._blas import axpby, axpy

#: Epochs over which momentum rises from 0.5 to its final value.
MOMENTUM_WARMUP_EPOCHS = 5


def momentum_at(epoch, momentum):
    """Momentum for epoch ``epoch`` (0-based): linear warm-up from 0.5.

    The practical guide starts at 0.5 while the parameters move far, then uses
    0.9; a final momentum below 0.5 is used from the start.
    """
    start = min(0.5, momentum)
    frac = min(1.0, epoch / MOMENTUM_WARMUP_EPOCHS)
    return start + frac * (momentum - start)


def learning_rate_at(step, n_steps, learning_rate, schedule):
    """Learning rate at update ``step`` of ``n_steps``.

    ``"constant"`` keeps it; ``"linear"`` decays it linearly to zero at the last
    update (Tieleman 2008 trains persistent chains this way).
    """
    if schedule == "linear" and n_steps:
        return learning_rate * (1.0 - step / n_steps)
    return learning_rate


def momentum_step(param, velocity, step, momentum, decay=0.0, l1=0.0, nesterov=False):
    """One velocity-form update of ``param``, in place.

    Parameters
    ----------
    param, velocity : ndarray
        Updated in place.
    step : ndarray
        ``learning_rate * gradient`` (the ascent direction). The penalties are
        subtracted from it in place.
    momentum : float
        With 0 the velocity is neither read nor written.
    decay : float
        ``learning_rate * l2``: the L2 weight decay of this step.
    l1 : float
        ``learning_rate * l1``: the L1 shrinkage of this step.
    nesterov : bool, default=False
        Nesterov's momentum in the form of Sutskever et al. (2013): after
        ``velocity = momentum * velocity + step`` the parameter moves by
        ``momentum * velocity + step``, a look-ahead along the velocity.

    Every line is one BLAS pass over the arrays (:mod:`skenergy._blas`): four at
    most, with no temporaries, where NumPy needed six and a scratch array.
    """
    add_penalties(step, param, decay, l1)
    if not momentum:
        return axpy(1.0, step, param)
    axpby(1.0, step, momentum, velocity)
    if not nesterov:
        return axpy(1.0, velocity, param)
    axpy(momentum, velocity, param)
    return axpy(1.0, step, param)


def adam_step(param, direction, moments, t, learning_rate, beta_1, beta_2, epsilon,
              decay=0.0, l1=0.0):  # fmt: skip
    """One Adam update of ``param`` along the ascent ``direction``, in place.

    ``m <- beta_1 m + (1 - beta_1) d``, ``v <- beta_2 v + (1 - beta_2) d^2``,
    ``param <- param + lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + eps)``:
    Kingma & Ba's algorithm 1 with the bias corrections folded into the step
    size (their section 2, as scikit-learn's MLP does), so ``epsilon`` is added
    to the uncorrected ``sqrt(v)``.

    Parameters
    ----------
    param : ndarray
        Updated in place.
    direction : ndarray
        The gradient of the objective to increase (the negative gradient of a
        loss); the penalties are subtracted from it, and it is then overwritten.
    moments : (ndarray, ndarray)
        The first and second moment estimates, updated in place.
    t : int
        The number of this update, from 1.
    learning_rate, beta_1, beta_2, epsilon : float
    decay, l1 : float
        The L2 and L1 penalties' coefficients, added to the gradient before the
        moments see it (not scaled by the learning rate, unlike momentum_step's).
    """
    add_penalties(direction, param, decay, l1)
    first, second = moments
    axpby(1.0 - beta_1, direction, beta_1, first)
    np.multiply(direction, direction, out=direction)
    axpby(1.0 - beta_2, direction, beta_2, second)
    step_size = learning_rate * np.sqrt(1.0 - beta_2**t) / (1.0 - beta_1**t)
    np.sqrt(second, out=direction)
    direction += epsilon
    np.divide(first, direction, out=direction)
    return axpy(step_size, direction, param)


def add_penalties(direction, param, decay=0.0, l1=0.0):
    """Subtract ``decay * param + l1 * sign(param)`` from ``direction``, in place.

    The decay is one BLAS ``axpy`` pass.
    """
    if decay:
        axpy(-decay, param, direction)
    if l1:
        direction -= l1 * np.sign(param)
    return direction


class interruptible:
    """Context manager for training loops: Ctrl-C stops after the current minibatch.

    While it is active in the main thread, SIGINT only sets :attr:`requested`;
    the loop checks it after each minibatch and stops, so the estimator keeps the
    last completed update, usable, and a warning says training was interrupted
    (scikit-learn's MLP does the same). In other threads (joblib workers) signals
    cannot be caught and Ctrl-C behaves as usual.

    Nested (a deep model training its layers one by one), a request reaches every
    enclosing context, so the whole fit stops, and only the outermost warns, with
    its ``consequence`` (set before it exits) saying what the model kept.
    """

    def __init__(self, estimator_name):
        self.estimator_name = estimator_name
        self.requested = False
        self.consequence = "the model keeps its last completed minibatch update."
        self._previous = self._outer = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._request)
            outer = getattr(self._previous, "__self__", None)
            self._outer = outer if isinstance(outer, interruptible) else None
        return self

    def _request(self, signum, frame):
        self.requested = True
        if self._outer is not None:
            self._outer._request(signum, frame)

    def __exit__(self, exc_type, exc, tb):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if self.requested and exc_type is None and self._outer is None:
            warnings.warn(
                f"{self.estimator_name}: training interrupted by the user; {self.consequence}",
                UserWarning,
                stacklevel=3,
            )
        return False

"""Activation functions and their stable logarithms, shared by every model.

The logistic function is evaluated as ``0.5 + 0.5 * tanh(x / 2)``: it is exact
algebraically, never overflows, and NumPy's vectorised ``tanh`` is faster than
:func:`scipy.special.expit` on float32 arrays, which matters because training
evaluates it on every minibatch (figures: docs/performance.rst).
"""

import numpy as np


def logistic(x, out=None):
    """Logistic sigmoid ``1 / (1 + exp(-x))``, optionally in place (``out=x``)."""
    out = np.multiply(x, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def softplus(x):
    """``log(1 + exp(x))`` without overflow, as ``max(x, 0) + log1p(exp(-|x|))``.

    Four vectorised passes, faster than ``np.logaddexp(0, x)`` (whose loop is not
    vectorised) to the same precision. Free energies, pseudo-likelihoods and AIS
    spend most of their time here.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    out = np.abs(x, out=np.empty(x.shape, x.dtype))  # an array even for 0-d input
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(x, 0)
    return out


def log_logistic(x):
    """``log(logistic(x))`` without overflow or ``log(0)``: ``-softplus(-x)``."""
    out = softplus(-np.asarray(x))
    return np.negative(out, out=out)


# Hidden-layer activations of the backprop networks: each applied in place to the
# pre-activations, with the derivative written from the pre-activation z and the
# activation a (whichever is cheaper), also in place into ``out``.


def _logistic_derivative(z, a, out):
    np.subtract(1, a, out=out)
    out *= a
    return out


def _tanh_derivative(z, a, out):
    np.multiply(a, a, out=out)
    np.subtract(1, out, out=out)
    return out


def _relu(x, out=None):
    return np.maximum(x, 0, out=out)


def _relu_derivative(z, a, out):
    return np.greater(z, 0, out=out, casting="unsafe")


def _arctan_derivative(z, a, out):
    np.multiply(z, z, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _identity(x, out=None):
    if out is None or out is x:
        return x
    out[...] = x
    return out


def _identity_derivative(z, a, out):
    out.fill(1)
    return out


#: name -> (activation(x, out), derivative(z, a, out)) for the hidden layers of the MLPs.
ACTIVATIONS = {
    "logistic": (logistic, _logistic_derivative),
    "tanh": (np.tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
    "arctan": (np.arctan, _arctan_derivative),
    "identity": (_identity, _identity_derivative),
}

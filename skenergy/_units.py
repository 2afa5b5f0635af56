"""Unit types: what one layer of an energy model knows about its own units.

A layer of ``n`` units with biases ``b`` receives from the rest of the model an
input ``eta = b + field`` (the field being what the other layers send through the
weights). Each unit type knows, for that input:

- ``mean(eta)``: the conditional expectation ``E[s | rest]``;
- ``sample(mean, rng)``: states drawn from the conditional, given its mean;
- ``log_partition(eta, bias)``: ``log sum_s exp(-E_own(s; bias) + s . field)``,
  summed over the layer's units (the last axis): what a layer contributes when it
  is summed out analytically (free energies, AIS, exact log Z);
- ``energy(s, bias)``: the layer's own energy term ``E_own(s; bias)``;
- ``entropy(eta)``: the entropy of the conditional of input ``eta``, per row;
- ``log_normaliser(log_weight, centre)``: normalises a one-dimensional conditional
  of one unit, given its unnormalised log weight as a function of the unit's
  value (pseudo-likelihood);
- for discrete types, ``states(n_units, start, stop)``: rows of the table of all
  states of a layer, for exact enumeration.

The types are stateless: biases are passed in, so the same object serves every
layer of its type and the parameters stay in the estimators' attributes. Adding
a type (say, rectified Gaussian units) means writing one class here; the layered
core and the AIS driver use any type through these methods.
"""

import math

import numpy as np
from scipy.special import logsumexp
from sklearn.utils.extmath import safe_sparse_dot

from ._activations import log_logistic, logistic, softplus
from ._sampling import sample_bernoulli, sample_gaussian, uniform
from ._validation import as_dense

_LOG_2PI = math.log(2 * math.pi)
# 40-point Gauss-Hermite rule (probabilists' weight exp(-t^2 / 2)) for the
# normaliser of a Gaussian unit's one-dimensional conditional.
_HERMITE_NODES, _HERMITE_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)


def binary_states(n_units, start, stop, dtype=np.float64):
    """Rows ``start .. stop - 1`` of the table of all ``2**n_units`` binary states."""
    codes = np.arange(start, stop, dtype=np.int64)[:, None]
    bits = (codes >> np.arange(n_units, dtype=np.int64)) & 1
    return bits.astype(dtype)


class Bernoulli:
    """Binary units in {0, 1}: ``E_own(s) = -b's``, ``P(s = 1 | rest) = logistic(eta)``."""

    name = "bernoulli"
    discrete = True

    def mean(self, eta, out=None):
        return logistic(eta, out=out)

    def sample(self, mean, rng, out=None):
        return sample_bernoulli(mean, rng, out=out)

    def log_partition(self, eta, bias=None):
        return softplus(eta).sum(axis=-1)

    def energy(self, states, bias):
        return -safe_sparse_dot(states, bias)

    def entropy(self, eta):
        """``sum softplus(eta) - p eta`` with ``p = logistic(eta)``: the conditional's entropy."""
        return (softplus(eta) - logistic(eta) * eta).sum(axis=-1)

    def unit_energy(self, value, bias):
        return -value * bias

    def log_normaliser(self, log_weight, centre=None):
        """``log(w(0) + w(1))`` for a unit of unnormalised log weights ``log_weight(t)``."""
        return np.logaddexp(log_weight(np.zeros_like(centre)), log_weight(np.ones_like(centre)))

    def log_conditional(self, log_weight, value, centre=None):
        """``log p(s = value | rest)``, stably: the log-logistic of the log-odds."""
        return log_logistic(log_weight(value) - log_weight(1 - value))

    def n_states(self, n_units):
        return 1 << n_units

    def states(self, n_units, start, stop, dtype=np.float64):
        return binary_states(n_units, start, stop, dtype)


class Gaussian:
    """Real units of unit variance: ``E_own(s) = |s - b|^2 / 2``, ``s | rest ~ N(eta, 1)``.

    With ``eta = b + field``, summing the unit out gives
    ``log integral exp(-(s - b)^2 / 2 + s field) ds = (eta^2 - b^2) / 2 + log(2 pi) / 2``.
    """

    name = "gaussian"
    discrete = False

    def mean(self, eta, out=None):
        if out is None or out is eta:
            return eta
        out[...] = eta
        return out

    def sample(self, mean, rng, out=None):
        return sample_gaussian(mean, rng, out=out)

    def log_partition(self, eta, bias):
        return (0.5 * (eta * eta - bias * bias) + 0.5 * _LOG_2PI).sum(axis=-1)

    def energy(self, states, bias):
        return 0.5 * ((as_dense(states) - bias) ** 2).sum(axis=1)

    def entropy(self, eta):
        """``n (1 + log 2 pi) / 2``: a unit-variance Gaussian's, whatever its mean."""
        return np.full(eta.shape[:-1], 0.5 * eta.shape[-1] * (1 + _LOG_2PI))

    def unit_energy(self, value, bias):
        return 0.5 * (value - bias) ** 2

    def log_normaliser(self, log_weight, centre):
        """``log integral exp(log_weight(t)) dt`` by 40-point Gauss-Hermite quadrature
        around ``centre`` (one value per row; accurate when the conditional is close
        to a unit Gaussian near it, as a Gaussian unit's conditional is)."""
        t = centre[:, None] + _HERMITE_NODES
        terms = log_weight(t) + np.log(_HERMITE_WEIGHTS) + 0.5 * _HERMITE_NODES**2
        return logsumexp(terms, axis=1)

    def log_conditional(self, log_weight, value, centre):
        return log_weight(value) - self.log_normaliser(log_weight, centre)


class Softmax:
    """One-hot units: exactly one unit of the layer is on; ``P(unit c on) = softmax(eta)_c``.

    ``E_own(s) = -b's``. A class label joined to a model is such a layer.
    """

    name = "softmax"
    discrete = True

    def mean(self, eta, out=None):
        out = np.subtract(eta, eta.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)
        return out

    def sample(self, mean, rng, out=None):
        """One-hot rows: unit c on with probability ``mean[..., c]`` (one uniform per row)."""
        cumulative = np.cumsum(mean, axis=-1)
        u = uniform(cumulative.shape[:-1] + (1,), mean.dtype, rng)
        u *= cumulative[..., -1:]
        choice = np.minimum((cumulative <= u).sum(axis=-1), mean.shape[-1] - 1)
        out = np.empty_like(mean) if out is None else out
        out[...] = 0
        np.put_along_axis(out, choice[..., None], 1, axis=-1)
        return out

    def log_partition(self, eta, bias=None):
        return logsumexp(eta, axis=-1)

    def entropy(self, eta):
        """``logsumexp(eta) - p . eta`` with ``p = softmax(eta)``."""
        return self.log_partition(eta) - (self.mean(eta) * eta).sum(axis=-1)

    def energy(self, states, bias):
        return -safe_sparse_dot(states, bias)

    def n_states(self, n_units):
        return n_units

    def states(self, n_units, start, stop, dtype=np.float64):
        return np.eye(n_units, dtype=dtype)[start:stop]


#: Unit types by the names the estimators' parameters use.
UNITS = {"bernoulli": Bernoulli(), "gaussian": Gaussian(), "softmax": Softmax()}

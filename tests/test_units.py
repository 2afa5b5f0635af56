"""Unit types against theory: log partitions by enumeration and integration, means as
derivatives of the log partition, samplers by chi-square and moment tests with power."""

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import logsumexp

from skenergy._units import UNITS, binary_states

FIELD = np.array([[-2.0, -0.3, 0.0, 0.7, 3.0]])
BIAS = np.array([0.5, -1.0, 0.2, 0.0, -0.4])


def test_binary_states_enumerates_every_state_once():
    table = binary_states(5, 0, 32)
    assert table.shape == (32, 5)
    assert len({tuple(r) for r in table}) == 32


def brute_log_partition(name, field, bias):
    """``log sum_s exp(-E_own(s; b) + s . field)`` over one unit's values (or a layer's)."""
    if name == "bernoulli":
        return sum(np.logaddexp(0.0, b + f) for f, b in zip(field, bias, strict=True))
    if name == "gaussian":
        total = 0.0
        for f, b in zip(field, bias, strict=True):
            weight = lambda s, f=f, b=b: np.exp(-0.5 * (s - b) ** 2 + s * f)  # noqa: E731
            value, _ = integrate.quad(weight, -60, 60)
            total += np.log(value)
        return total
    return logsumexp(bias + field)  # softmax: one unit of the layer on


@pytest.mark.parametrize("name", ["bernoulli", "gaussian", "softmax"])
def test_log_partition_is_the_sum_over_the_units_states(name):
    units = UNITS[name]
    eta = FIELD + BIAS
    got = units.log_partition(eta, BIAS)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(brute_log_partition(name, FIELD[0], BIAS), abs=1e-8)


@pytest.mark.parametrize("name", ["bernoulli", "gaussian", "softmax"])
def test_mean_is_the_gradient_of_the_log_partition(name):
    # d/d field  log Z(field) = E[s | field]: the exponential-family identity.
    units = UNITS[name]
    eta = FIELD + BIAS
    eps = 1e-6
    gradient = np.empty(eta.shape[1])
    for i in range(eta.shape[1]):
        up, down = eta.copy(), eta.copy()
        up[0, i] += eps
        down[0, i] -= eps
        gradient[i] = (units.log_partition(up, BIAS) - units.log_partition(down, BIAS))[0] / (
            2 * eps
        )
    np.testing.assert_allclose(units.mean(eta.copy())[0], gradient, atol=1e-6)


@pytest.mark.parametrize("name", ["bernoulli", "softmax"])
def test_energy_and_log_partition_normalise_the_conditional(name):
    # p(s | field) = exp(-E_own(s) + s . field - log Z): the probabilities of every
    # state of a small layer sum to one, and its mean is the model's mean.
    units = UNITS[name]
    n = 4
    bias, field = BIAS[:n], FIELD[:, :n]
    S = units.states(n, 0, units.n_states(n))
    log_p = -units.energy(S, bias) + S @ field[0] - units.log_partition(field + bias, bias)[0]
    assert logsumexp(log_p) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(np.exp(log_p) @ S, units.mean(field + bias)[0], atol=1e-12)


@pytest.mark.parametrize("name", ["bernoulli", "softmax"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_discrete_samplers_match_their_conditionals(name, dtype):
    units = UNITS[name]
    n, n_draws = 3, 60000
    eta = np.repeat((FIELD[:, :n] + BIAS[:n]).astype(dtype), n_draws, axis=0)
    mean = units.mean(eta.copy())
    samples = units.sample(mean.copy(), np.random.default_rng(0))
    assert samples.dtype == dtype
    S = units.states(n, 0, units.n_states(n))
    log_p = -units.energy(S, BIAS[:n]) + S @ FIELD[0, :n]
    p = np.exp(log_p - logsumexp(log_p))
    codes = samples @ (2 ** np.arange(n))
    counts = np.array([(codes == code).sum() for code in S @ (2 ** np.arange(n))])
    assert counts.sum() == n_draws  # every sample is one of the layer's states
    assert stats.chisquare(counts, n_draws * p).pvalue > 1e-3
    q = p * np.exp(0.1 * S[:, 0])  # power: a slightly wrong conditional is rejected
    assert stats.chisquare(counts, n_draws * q / q.sum()).pvalue < 1e-6


def test_gaussian_sampler_has_unit_variance_around_the_input():
    units = UNITS["gaussian"]
    eta = np.repeat(FIELD + BIAS, 40000, axis=0)
    samples = units.sample(units.mean(eta.copy()), np.random.default_rng(1))
    for column, centre in zip(samples.T, eta[0], strict=True):
        assert stats.kstest(column - centre, "norm").pvalue > 1e-3
        assert stats.kstest(column - centre - 0.03, "norm").pvalue < 1e-3  # power


@pytest.mark.parametrize("name", ["bernoulli", "gaussian"])
def test_one_coordinate_conditionals_are_normalised(name):
    # log p(s = t | rest) for a unit whose unnormalised log weight is a quadratic-plus-
    # softplus function of t (as for an RBM's visible unit given the others).
    units = UNITS[name]
    rest = np.array([[0.3, -1.2, 0.4], [1.0, 0.0, -0.5]])
    W_i = np.array([[0.8, -0.4, 0.2], [-0.3, 0.6, 0.1]])
    b_i = np.array([0.2, -0.7])

    def log_weight(t):
        t = np.asarray(t, dtype=float)
        if t.ndim == 1:
            return -units.unit_energy(t, b_i) + np.logaddexp(0, rest + t[:, None] * W_i).sum(1)
        inner = rest[:, None, :] + t[:, :, None] * W_i[:, None, :]
        return -units.unit_energy(t, b_i[:, None]) + np.logaddexp(0, inner).sum(-1)

    centre = b_i.copy()
    if name == "bernoulli":
        total = np.exp(units.log_conditional(log_weight, np.zeros(2), centre))
        total += np.exp(units.log_conditional(log_weight, np.ones(2), centre))
        np.testing.assert_allclose(total, 1.0, atol=1e-12)
    else:
        for row in range(2):

            def density(t, row=row):
                values = np.zeros(2)
                values[row] = t
                return np.exp(units.log_conditional(log_weight, values, centre)[row])

            total, _ = integrate.quad(density, -30, 30)
            assert total == pytest.approx(1.0, abs=1e-9)

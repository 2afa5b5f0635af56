"""The layered core against exact enumeration: block Gibbs sweeps keep the model's
distribution (free and clamped, chi-square with power), mean field reaches its
fixed point, free energies and log Z match brute-force sums over joint states."""

import itertools

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from skenergy._layered import Layers
from skenergy._sampling import ais_betas
from skenergy._units import UNITS


def random_stack(sizes, seed=0, scale=1.0, units=None):
    rng = np.random.default_rng(seed)
    units = units or ["bernoulli"] * len(sizes)
    biases = [scale * rng.standard_normal(n) for n in sizes]
    weights = [scale * rng.standard_normal((m, n)) for n, m in itertools.pairwise(sizes)]
    return Layers([UNITS[u] for u in units], biases, weights)


def joint_table(layers):
    """Every joint state of a stack of discrete layers, and its exact probability."""
    per_layer = [
        units.states(len(b), 0, units.n_states(len(b)))
        for units, b in zip(layers.units, layers.biases, strict=True)
    ]
    rows = list(itertools.product(*[range(len(s)) for s in per_layer]))
    states = [np.array([per_layer[k][row[k]] for row in rows]) for k in range(len(per_layer))]
    neg_energy = sum(
        -units.energy(s, b) for units, s, b in zip(layers.units, states, layers.biases, strict=True)
    )
    for k, W in enumerate(layers.weights):
        neg_energy = neg_energy + np.einsum("ij,ij->i", states[k] @ W.T, states[k + 1])
    log_z = logsumexp(neg_energy)
    return states, np.exp(neg_energy - log_z), log_z


def codes(states):
    flat = np.hstack(states)
    return (flat @ (2 ** np.arange(flat.shape[1]))).astype(int)


def test_sweeps_keep_the_joint_distribution_of_a_three_layer_stack():
    layers = random_stack([2, 2, 2], seed=1, scale=1.5)
    table, p, _ = joint_table(layers)
    n = 100000
    rng = np.random.default_rng(2)
    pick = rng.choice(len(p), size=n, p=p)
    states = [s[pick].copy() for s in table]  # chains started in the exact distribution
    layers.sweep(states, rng)
    counts = np.bincount(codes(states), minlength=64)[codes(table)]
    assert stats.chisquare(counts, n * p).pvalue > 1e-3
    q = p * np.exp(0.15 * table[0][:, 0])  # power: a slightly wrong target is rejected
    assert stats.chisquare(counts, n * q / q.sum()).pvalue < 1e-6


def test_clamped_sweeps_sample_the_posterior_of_the_free_layers():
    layers = random_stack([3, 2, 2], seed=3)
    table, p, _ = joint_table(layers)
    v = np.array([1.0, 0.0, 1.0])
    given = (table[0] == v).all(axis=1)
    posterior = p[given] / p[given].sum()
    n = 40000
    rng = np.random.default_rng(4)
    states = [np.tile(v, (n, 1)), np.zeros((n, 2)), np.zeros((n, 2))]
    clamp = {0: np.ones(3, dtype=bool)}
    for _ in range(30):
        layers.sweep(states, rng, clamp=clamp)
    assert (states[0] == v).all()
    hidden_codes = codes(states[1:])
    expected_codes = codes([table[1][given], table[2][given]])
    counts = np.bincount(hidden_codes, minlength=16)[expected_codes]
    assert counts.sum() == n
    assert stats.chisquare(counts, n * posterior).pvalue > 1e-3


def test_gibbs_from_visible_rows_samples_the_rbm():
    layers = random_stack([3, 4], seed=5)
    table, p, _ = joint_table(layers)
    visible_codes = codes([table[0]])
    p_v = np.bincount(visible_codes, weights=p, minlength=8)
    n = 40000
    rng = np.random.default_rng(6)
    V = (rng.random((n, 3)) < 0.5).astype(float)
    V = layers.gibbs(V, 20, rng)
    counts = np.bincount(codes([V]), minlength=8)
    assert stats.chisquare(counts, n * p_v).pvalue > 1e-3


def test_mean_field_reaches_a_fixed_point_and_is_exact_for_one_hidden_layer():
    layers = random_stack([4, 3, 2], seed=7)
    V = (np.random.default_rng(8).random((5, 4)) < 0.5).astype(float)
    states = [V, None, None]
    n_passes = layers.mean_field(states, fixed=(0,), n_iter=200, tol=1e-10, damping=0.3)
    assert n_passes < 200
    (_, b1, b2), (W0, W1) = layers.biases, layers.weights
    sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    mu1, mu2 = states[1], states[2]
    np.testing.assert_allclose(mu1, sigmoid(b1 + V @ W0.T + mu2 @ W1), atol=1e-8)
    np.testing.assert_allclose(mu2, sigmoid(b2 + mu1 @ W1.T), atol=1e-8)
    rbm = random_stack([4, 3], seed=9)
    states = [V, None]
    rbm.mean_field(states, fixed=(0,))
    table, p, _ = joint_table(rbm)
    for row, v in enumerate(V):
        given = (table[0] == v).all(axis=1)
        exact = (p[given] / p[given].sum()) @ table[1][given]
        np.testing.assert_allclose(states[1][row], exact, atol=1e-12)


@pytest.mark.parametrize("visible", ["bernoulli", "softmax"])
@pytest.mark.parametrize("layer", [0, 1])
def test_exact_log_partition_and_free_energy_match_the_joint_sum(visible, layer):
    layers = random_stack([4, 5], seed=10, units=[visible, "bernoulli"])
    table, _, log_z = joint_table(layers)
    assert layers.exact_log_partition(layer).log_z == pytest.approx(log_z, abs=1e-10)
    V = table[0][:: 2**5]  # one row per visible state
    free = layers.free_energy(V)
    assert logsumexp(-free) == pytest.approx(log_z, abs=1e-10)


@pytest.mark.parametrize("reverse", [False, True])
def test_ais_brackets_the_exact_log_partition(reverse):
    layers = random_stack([8, 6], seed=11)
    exact = layers.exact_log_partition(1).log_z
    base = np.zeros(8)
    rng = np.random.default_rng(12)
    start = None
    if reverse:  # exact samples of the model
        table, p, _ = joint_table(layers)
        start = table[0][rng.choice(len(p), size=200, p=p)].copy()
    estimate = layers.ais(base, 200, ais_betas(2000), rng, start=start)
    assert estimate.method == ("reverse ais" if reverse else "ais")
    assert abs(estimate.log_z - exact) < 4 * estimate.std + 0.02


@pytest.mark.parametrize("enumerated", [{0, 2}, {1, 3}])
def test_exact_log_partition_of_a_deep_stack_enumerates_one_parity(enumerated):
    layers = random_stack([3, 4, 3, 2], seed=13, scale=0.8)
    _, _, log_z = joint_table(layers)
    assert layers.exact_log_partition(enumerated).log_z == pytest.approx(log_z, abs=1e-10)


def test_log_marginal_sums_out_the_layers_it_is_told_to():
    layers = random_stack([3, 4, 2], seed=14)
    table, p, log_z = joint_table(layers)
    # p(v, h2) with h1 summed out, for every (v, h2) pair, against the joint sum
    V, H2 = table[0], table[2]
    marginal = np.exp(layers.log_marginal([V, None, H2], summed={1}) - log_z)
    for row in range(0, len(p), 7):
        same = (V == V[row]).all(axis=1) & (H2 == H2[row]).all(axis=1)
        assert marginal[row] == pytest.approx(p[same].sum(), rel=1e-10)
    softmax = random_stack([3, 2, 2], units=["softmax", "bernoulli", "softmax"])
    with pytest.raises(ValueError, match="binary"):
        softmax.exact_log_partition({0, 2})


@pytest.mark.parametrize("reverse", [False, True])
def test_ais_of_a_deep_stack_sums_the_odd_layers_and_brackets_log_z(reverse):
    # Three hidden layers: the chains carry v and h2; h1 and h3 are summed out.
    layers = random_stack([6, 5, 4, 3], seed=15, scale=0.7)
    _, _, exact = joint_table(layers)
    rng = np.random.default_rng(16)
    start = None
    if reverse:  # exact samples of the even layers
        table, p, _ = joint_table(layers)
        rows = rng.choice(len(p), size=200, p=p)
        start = [table[0][rows].copy(), None, table[2][rows].copy(), None]
    estimate = layers.ais(np.zeros(6), 200, ais_betas(2000), rng, start=start)
    assert abs(estimate.log_z - exact) < 4 * estimate.std + 0.02
    assert estimate.effective_runs > 20

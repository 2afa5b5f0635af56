"""Parallel tempering against theory on models small enough to enumerate: every
temperature's chains keep their exact tempered distribution, and swaps are accepted
with the exact Metropolis probability."""

import numpy as np
import pytest
from scipy.special import logsumexp

from skenergy._layered import Layers
from skenergy._tempering import LayeredPath, TemperedChains, default_ladder, tempered_layers
from skenergy._units import UNITS, binary_states

from .test_boltzmann import pooled_chisquare


def small_layers(sizes=(4, 3), scale=1.5, seed=0):
    rng = np.random.default_rng(seed)
    units = [UNITS["bernoulli"]] * len(sizes)
    biases = [scale * rng.standard_normal(n) for n in sizes]
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [scale * rng.standard_normal((b, a)) for a, b in pairs]
    return Layers(units, biases, weights), rng.standard_normal(sizes[0])


def joint_states(sizes):
    table = binary_states(sum(sizes), 0, 2 ** sum(sizes))
    return np.split(table, np.cumsum(sizes)[:-1], axis=1)


def tempered_log_p(layers, base_bias, beta):
    """Exact log-probabilities of every joint state at ``beta``, from the tempered
    energy ``beta E + (1 - beta) E_base`` written out by hand."""
    sizes = [len(b) for b in layers.biases]
    states = joint_states(sizes)
    energy = -sum(s @ b for s, b in zip(states, layers.biases, strict=True))
    energy -= sum(((s_up @ W) * s).sum(axis=1) for s, s_up, W in
                  zip(states[:-1], states[1:], layers.weights, strict=True))  # fmt: skip
    base_energy = -states[0] @ base_bias
    log_weight = -(beta * energy + (1 - beta) * base_energy)
    return states, log_weight - logsumexp(log_weight)


def codes(states):
    bits = np.hstack(states).astype(np.int64)
    return bits @ (1 << np.arange(bits.shape[1]))


def test_the_tempered_layers_are_the_tempered_energy():
    layers, base = small_layers()
    for beta in (0.0, 0.3, 1.0):
        states, log_p = tempered_log_p(layers, base, beta)
        tempered = tempered_layers(layers, beta, base)
        log_weight = tempered.log_marginal(states, summed=set())
        np.testing.assert_allclose(log_weight - logsumexp(log_weight), log_p, atol=1e-10)


@pytest.mark.parametrize("sizes", [(4, 3), (3, 2, 2)])
def test_every_temperature_keeps_its_exact_distribution(sizes):
    # Chains started from each temperature's exact distribution stay in it through
    # sweeps and swaps: a pooled chi-square over temperatures that a wrong
    # acceptance (or a wrong tempered conditional) fails.
    layers, base = small_layers(sizes, scale=1.5)
    betas = default_ladder(4)
    rng = np.random.default_rng(1)
    n_chains = 4000
    start, exact = [], []
    for beta in betas:
        states, log_p = tempered_log_p(layers, base, beta)
        p = np.exp(log_p)
        rows = rng.choice(len(p), size=n_chains, p=p / p.sum())
        start.append([s[rows].copy() for s in states])
        exact.append(p)
    chains = TemperedChains(betas, start)
    for _ in range(6):
        chains.step(LayeredPath(layers, base), rng)
    assert (chains.accepted > 0).all()  # the swaps did move states
    for states, p in zip(chains.states, exact, strict=True):
        observed = np.bincount(codes(states), minlength=len(p))
        assert pooled_chisquare(observed, n_chains * p) > 1e-3 / len(betas)


def test_swaps_are_accepted_with_the_exact_metropolis_probability():
    layers, base = small_layers(scale=1.0)
    betas = np.array([1.0, 0.6])
    states_table = joint_states([4, 3])
    log_p = {beta: tempered_log_p(layers, base, beta)[1] for beta in betas}
    rng = np.random.default_rng(2)
    n_chains = 20000
    cold_rows = rng.integers(len(log_p[1.0]), size=n_chains)
    hot_rows = rng.integers(len(log_p[1.0]), size=n_chains)
    # The exact probability of swapping x (cold) and y (hot), from the normalised
    # tables: min(1, p_cold(y) p_hot(x) / (p_cold(x) p_hot(y))).
    log_ratio = (log_p[1.0][hot_rows] + log_p[0.6][cold_rows]
                 - log_p[1.0][cold_rows] - log_p[0.6][hot_rows])  # fmt: skip
    expected = np.minimum(1.0, np.exp(log_ratio))
    chains = TemperedChains(
        betas, [[s[cold_rows].copy() for s in states_table],
                [s[hot_rows].copy() for s in states_table]],
    )  # fmt: skip
    chains.swap(LayeredPath(layers, base), rng)
    swapped = codes(chains.states[0]) != codes([s[cold_rows] for s in states_table])
    same = cold_rows == hot_rows
    # Each chain's swap is a Bernoulli draw of the expected probability: the total
    # agrees within a few standard deviations, and so does each half of the pairs.
    for part in (np.ones(n_chains, bool), expected < 0.5):
        part = part & ~same
        mean, sd = expected[part].sum(), np.sqrt((expected[part] * (1 - expected[part])).sum())
        assert abs(swapped[part].sum() - mean) < 4 * sd
    assert chains.proposed[0] == n_chains
    assert chains.acceptance_rates()[0] == pytest.approx(chains.accepted[0] / n_chains)


def test_the_ladder_is_checked():
    with pytest.raises(ValueError, match="decrease from an inverse temperature of 1"):
        TemperedChains([0.5, 1.0], [[], []])
    with pytest.raises(ValueError, match="one set of chains per temperature"):
        TemperedChains([1.0, 0.5], [[]])


@pytest.mark.parametrize("visible, hidden", [("bernoulli", "bernoulli"),
                                             ("gaussian", "bernoulli"),
                                             ("bernoulli", "gaussian")])  # fmt: skip
def test_the_swap_ratio_is_that_of_the_tempered_distributions(visible, hidden):
    # For any unit types: log p*_i(y) + log p*_j(x) - log p*_i(x) - log p*_j(y), from
    # the tempered layers' own energies, is (beta_i - beta_j) (D(x) - D(y)).
    rng = np.random.default_rng(4)
    units = [UNITS[visible], UNITS[hidden]]
    layers = Layers(units, [rng.standard_normal(4), rng.standard_normal(3)],
                    [rng.standard_normal((3, 4))])  # fmt: skip
    base = rng.standard_normal(4)
    x = [units[0].sample(np.full((5, 4), 0.5), rng), units[1].sample(np.full((5, 3), 0.5), rng)]
    y = [units[0].sample(np.full((5, 4), 0.5), rng), units[1].sample(np.full((5, 3), 0.5), rng)]
    path = LayeredPath(layers, base)
    for beta_i, beta_j in [(1.0, 0.7), (0.4, 0.0)]:
        log_p = {b: tempered_layers(layers, b, base).log_marginal for b in (beta_i, beta_j)}
        expected = (log_p[beta_i](y, set()) + log_p[beta_j](x, set())
                    - log_p[beta_i](x, set()) - log_p[beta_j](y, set()))  # fmt: skip
        ratio = (beta_i - beta_j) * (path.gap(x) - path.gap(y))
        np.testing.assert_allclose(ratio, expected, atol=1e-9)

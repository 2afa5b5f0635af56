import numpy as np
import pytest
from scipy import stats

from skenergy._sampling import (
    ais_betas,
    coarse_uniform,
    flip_spins,
    geometric_temperatures,
    make_generator,
    sample_bernoulli,
    sample_bernoulli_tanh,
    sample_gaussian,
    uniform,
)


def test_make_generator_accepts_sklearn_random_states():
    assert make_generator(3).random() == make_generator(3).random()
    a, b = np.random.RandomState(0), np.random.RandomState(0)
    assert make_generator(a).random() == make_generator(b).random()
    g = np.random.default_rng(0)
    assert make_generator(g) is g


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bernoulli_frequencies(dtype):
    p = np.array([0.0, 0.1, 0.5, 0.93, 1.0], dtype=dtype)
    draws = sample_bernoulli(np.tile(p, (40000, 1)), np.random.default_rng(0))
    assert draws.dtype == dtype
    counts = draws.sum(0)
    assert counts[0] == 0 and counts[-1] == 40000
    for count, prob in zip(counts[1:-1], p[1:-1], strict=True):
        assert stats.binomtest(int(count), 40000, float(prob)).pvalue > 1e-3


def test_bernoulli_in_place_with_scratch():
    p = np.full((3, 4), 0.5, dtype=np.float32)
    scratch = np.empty_like(p)
    out = sample_bernoulli(p, np.random.default_rng(0), out=p, scratch=scratch)
    assert out is p and set(np.unique(p)) <= {0.0, 1.0}


def test_gaussian_moments():
    mean = np.full((50000, 2), [1.0, -3.0])
    draws = sample_gaussian(mean, np.random.default_rng(0))
    assert np.allclose(draws.mean(0), [1.0, -3.0], atol=0.02)
    assert np.allclose(draws.std(0), 1.0, atol=0.02)


def test_ais_betas_span_zero_to_one_and_crowd_near_one():
    betas = ais_betas(14500)
    assert betas[0] == 0.0 and betas[-1] == 1.0
    assert len(betas) == 14500 and np.all(np.diff(betas) > 0)
    assert np.mean(betas >= 0.9) > 0.6


def test_geometric_temperatures():
    t = geometric_temperatures(10.0, 0.1, 5)
    assert np.allclose(t, [10, 10 / np.sqrt(10), 1, 1 / np.sqrt(10), 0.1])


def test_float32_uniforms_are_the_generators_own():
    # Bulk drawing gives exactly the values Generator.random(dtype=float32) gives.
    expected = np.random.default_rng(5).random((3, 7), dtype=np.float32)
    got = uniform((3, 7), np.float32, np.random.default_rng(5))
    assert np.array_equal(got, expected)
    out = np.empty((2, 2), np.float32)
    assert uniform((2, 2), np.float32, np.random.default_rng(0), out=out) is out
    assert 0 <= out.min() and out.max() < 1


@pytest.mark.parametrize("signed", [False, True])
def test_coarse_uniforms_are_uniform_on_their_grid(signed):
    u = coarse_uniform((200000,), np.float32, np.random.default_rng(0), signed=signed)
    low, step = (-1.0, 2.0**-15) if signed else (0.0, 2.0**-16)
    assert u.dtype == np.float32 and u.min() >= low and u.max() < 1
    assert np.array_equal((u - low) / step, np.round((u - low) / step))  # on the grid
    counts = np.histogram(u, bins=20, range=(low, 1.0))[0]
    assert stats.chisquare(counts).pvalue > 1e-3
    # The test has power: a uniform on a slightly narrower range is rejected.
    assert stats.chisquare(np.histogram(0.97 * u, bins=20, range=(low, 1.0))[0]).pvalue < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bernoulli_from_tanh_frequencies(dtype):
    x = np.array([-30.0, -2.0, 0.0, 1.5, 30.0])
    t = np.tile(np.tanh(x / 2), (40000, 1)).astype(dtype)
    scratch = np.empty_like(t)
    draws = sample_bernoulli_tanh(t, np.random.default_rng(0), out=t, scratch=scratch)
    assert draws is t and draws.dtype == dtype
    counts = draws.sum(0)
    assert counts[-1] == 40000
    # The 16-bit grid leaves at most 2**-16 of probability on an all but impossible state.
    assert stats.binomtest(int(counts[0]), 40000, 2.0**-16).pvalue > 1e-3
    for count, value in zip(counts[1:-1], x[1:-1], strict=True):
        prob = 1 / (1 + np.exp(-value))  # logistic(x): the probability it must reproduce
        assert stats.binomtest(int(count), 40000, prob).pvalue > 1e-3


def test_flip_spins_flips_exactly_the_fraction_asked():
    S = np.ones((50, 40))
    flipped = flip_spins(S, 0.1, np.random.default_rng(0))
    assert np.all((flipped == -1).sum(axis=1) == 4)
    assert np.all(S == 1)  # a copy
    assert np.array_equal(flip_spins(S, 0.0, np.random.default_rng(0)), S)

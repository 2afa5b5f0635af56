import numpy as np
import pytest
from scipy import stats

from skenergy._sampling import (
    ais_betas,
    geometric_temperatures,
    make_generator,
    sample_bernoulli,
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

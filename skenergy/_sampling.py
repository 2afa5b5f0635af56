"""Random number generators, unit sampling and annealing schedules.

Every sampler draws its uniforms or normals in the working dtype into a buffer and
compares them with the probabilities in place: no float64 temporaries on float32
models, and no new arrays per minibatch when the caller passes ``out``.
"""

import copy
import math
from contextlib import contextmanager

import numpy as np
from sklearn.utils import check_random_state

from ._config import check_memory


def make_generator(random_state):
    """A :class:`numpy.random.Generator` from scikit-learn's ``random_state``.

    ``None`` gives fresh entropy, an int a reproducible stream, a ``RandomState``
    seeds a new generator from its stream (so the caller's state advances and the
    result is reproducible), and a ``Generator`` is used as it is.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, np.random.RandomState):
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        return np.random.default_rng(seed)
    return np.random.default_rng(random_state)


# ``random_state`` of a method has one meaning everywhere: an int, RandomState or
# Generator gives that stream and leaves the model untouched; None means the
# estimator's own randomness, in the way the method's purpose needs. A method that
# *answers* about its input (predict, complete, score) must be a function of the
# model and the input, so it restarts from the estimator's ``random_state`` on
# every call; a method that *draws* samples (sample, gibbs) must give fresh draws
# on every call and let a chain be continued call after call, so it continues the
# generator that fit seeded. BernoulliRBM.gibbs and GaussianMixture.sample are the
# two halves of this rule in scikit-learn.


def answer_generator(estimator, random_state):
    """The generator of a method that answers about its input: ``random_state``,
    or when None a fresh one from the estimator's ``random_state`` on every call."""
    return make_generator(estimator.random_state if random_state is None else random_state)


@contextmanager
def draw_generator(estimator, random_state):
    """The generator of a method that draws samples: ``random_state``, or when
    None the model's own generator, continued; it advances only when the call
    returns (a call that fails or is interrupted leaves the model as it was)."""
    if random_state is not None:
        yield make_generator(random_state)
        return
    rng = copy.deepcopy(estimator._rng)
    yield rng
    estimator._rng = rng


def uniform(shape, dtype, rng, out=None):
    """Uniforms on [0, 1) in ``dtype``, as ``rng.random(shape, dtype, out)`` returns them.

    For float32 the same values (``k / 2**24`` from the top 24 bits of each 32-bit
    draw) are made from the bit generator's raw 64-bit output in bulk, faster than
    drawing them one by one (docs/performance.rst).
    """
    if np.dtype(dtype) != np.float32:
        return rng.random(shape, dtype=dtype, out=out)
    size = math.prod(shape)
    bits = rng.bit_generator.random_raw((size + 1) // 2).view(np.uint32)[:size]
    np.right_shift(bits, 8, out=bits)
    out = np.empty(shape, dtype=np.float32) if out is None else out
    out.reshape(size)[...] = bits
    out *= np.float32(2.0**-24)
    return out


def coarse_uniform(shape, dtype, rng, out=None, signed=False):
    """Uniforms ``k / 2**16`` on [0, 1) in ``dtype``, four from each 64-bit draw.

    ``signed`` gives uniforms ``k / 2**15`` on [-1, 1) instead, from the same bits.

    Drawing the random bits is most of the cost of sampling (the bit generator
    takes 1.6 ns per 64-bit word): a quarter of the draws makes the samplers of a
    training loop three times cheaper. A Bernoulli state sampled with these is off
    by less than ``2**-16`` in probability, far below the noise of a minibatch
    gradient, but not what a user-facing sampler should return.
    """
    size = math.prod(shape)
    words = rng.bit_generator.random_raw(-(-size // 4)).view(np.int16 if signed else np.uint16)
    dtype = np.dtype(dtype)
    scale = dtype.type(2.0**-15 if signed else 2.0**-16)
    return np.multiply(words[:size].reshape(shape), scale, out=out, dtype=dtype)


def sample_bernoulli(p, rng, out=None, scratch=None, coarse=False):
    """Binary states with ``P(s = 1) = p``, in ``p``'s dtype.

    ``out`` may be ``p`` itself; ``scratch`` (same shape and dtype, C-contiguous)
    receives the uniforms, so that a training loop allocates nothing. ``coarse``
    draws 16-bit uniforms (:func:`coarse_uniform`): for training loops only.
    """
    draw = coarse_uniform if coarse else uniform
    u = draw(p.shape, p.dtype, rng, out=scratch)
    return np.less(u, p, out=out if out is not None else np.empty_like(p))


def sample_bernoulli_tanh(t, rng, out=None, scratch=None):
    """Binary states with ``P(s = 1) = (1 + t) / 2``, from coarse uniforms; for training loops.

    With ``t = tanh(x / 2)`` that is ``P(s = 1) = logistic(x)``, and for spins at
    temperature T, ``t = tanh(h / T)`` is Glauber's rule: comparing ``t`` with
    uniforms on [-1, 1) skips the two passes that turn ``t`` into a probability.
    ``out`` may be ``t``; ``scratch`` (``t``'s shape and dtype) receives the uniforms.
    """
    u = coarse_uniform(t.shape, t.dtype, rng, out=scratch, signed=True)
    return np.less(u, t, out=out if out is not None else np.empty_like(t))


def sample_gaussian(mean, rng, out=None):
    """Unit-variance Gaussian states around ``mean`` (``out`` may be ``mean``)."""
    noise = rng.standard_normal(mean.shape, dtype=mean.dtype)
    return np.add(noise, mean, out=out)


def flip_spins(S, fraction, rng):
    """A copy of spin rows (+1/-1), ``round(fraction * n_units)`` random units flipped in each."""
    S = np.array(S)
    n_flip = int(round(fraction * S.shape[1]))
    if n_flip:
        cols = np.argsort(rng.random(S.shape), axis=1)[:, :n_flip]
        rows = np.arange(S.shape[0])[:, None]
        S[rows, cols] = -S[rows, cols]
    return S


def ais_betas(n_betas):
    """Inverse temperatures from 0 to 1 for annealed importance sampling.

    The spacing of Salakhutdinov & Murray (2008): about 3% of the steps spread
    evenly over [0, 0.5], 28% over [0.5, 0.9] and 69% over [0.9, 1], where the
    distributions change fastest for a trained model.
    """
    n_betas = int(n_betas)
    check_memory(
        3 * 8 * n_betas, f"Annealing over n_betas={n_betas} temperatures", "Lower n_betas."
    )  # the three spans and their concatenation
    n1 = max(1, round(n_betas * 500 / 14500))
    n2 = max(1, round(n_betas * 4000 / 14500))
    n3 = max(2, n_betas - n1 - n2)
    return np.concatenate(
        [
            np.linspace(0.0, 0.5, n1, endpoint=False),
            np.linspace(0.5, 0.9, n2, endpoint=False),
            np.linspace(0.9, 1.0, n3),
        ]
    )


def geometric_temperatures(start, stop, n_steps):
    """A simulated-annealing schedule: ``n_steps`` temperatures from start to stop."""
    return np.geomspace(start, stop, int(n_steps))

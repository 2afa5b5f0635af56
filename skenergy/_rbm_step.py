"""One training step of an RBM, twice: the plain textbook step and the fused fast path.

:func:`plain_step` is CD-k / PCD-k as the practical guide writes it (Hinton 2010),
on the layered core: sample, take the data and model statistics, update in the
velocity form of :mod:`skenergy._optim`. :class:`FusedTrainer` computes the same
step with three matrix products and no other pass over the parameters; the
training loop uses it for binary hidden units, and a test checks that both give
the same parameters, velocities and chains from the same random stream. Any
other hidden unit type (Gaussian) trains by the plain step, through
:class:`PlainTrainer`.

The fused step's conventions, explained once:

- Parameters are held as one augmented matrix of their halves,
  ``theta = [[W, c], [b', 0]] / 2``, and states as columns (one per chain or data
  row) with a last row of ones (a unit that is always on). A product of theta
  with states is a layer's input with its bias, halved.
- The tanh ``t`` of a halved input gives the logistic as ``(1 + t) / 2`` and
  Bernoulli states by comparing ``t`` with uniforms on [-1, 1): no pass adds
  biases or turns inputs into probabilities. Training chains draw coarse 16-bit
  uniforms (:func:`~skenergy._sampling.coarse_uniform`), unit by unit (a row of
  the column layout at a time).
- The hidden factors ``1 + t`` of the data and ``-(1 + t) n_pos / n_neg`` of the
  chains make one product, scaled by ``0.25 * learning_rate / n_pos``, the whole
  step of the weights and both biases, in halved units: the penalties are
  halved with it (``0.5 * lr * l1``, the sparsity push), and the L2 decay
  ``lr * alpha * theta`` is halved by theta itself.
- The product accumulates in place into the velocity (``beta = momentum``) or
  into theta (:func:`~skenergy._blas.gemm`).

- Centred training (``centered=True``) shifts the columns before the product:
  the visible states by the visible offset, the hidden tanh by twice the hidden
  offset, the always-on units left alone. The product is then the step of the
  centred parameters, whose bias rows are carried back to the uncentred ones
  (:func:`~skenergy._layered.centred_steps` is the plain step's form of the same).

The estimator's attributes are refreshed from this state by
:meth:`FusedTrainer.publish` at the end of each epoch; during an epoch they are stale.
"""

import copy
import math

import numpy as np
import scipy.sparse as sp

from ._blas import axpby, gemm
from ._layered import Layers, centred_steps, move_offsets
from ._optim import add_penalties, momentum_step
from ._sampling import sample_bernoulli_tanh, sample_gaussian
from ._tempering import LayeredPath


def plain_step(
    layers,
    batch,
    chains,
    velocities,
    rng,
    *,
    lr,
    momentum,
    k,
    persistent,
    alpha=0.0,
    l1=0.0,
    sparsity=None,
    offsets=None,
    tempered=None,
    sample=None,
    up=1.0,
    down=1.0,
):
    """One CD-k (``persistent=False``) or PCD-k step on a minibatch, in place.

    ``layers`` (visible, hidden) holds the parameters, updated in place with
    ``velocities`` ((W, b, c) shaped); ``chains`` are the persistent hidden states
    (PCD) or None. ``sparsity`` is None or ``(target, cost, mean_activation)``,
    the last updated in place (practical guide, section 11). ``offsets`` is None
    or ``(visible_offset, hidden_offset)``, moved in place towards the minibatch's
    data means before the step, which is then the centred one
    (:func:`~skenergy._layered.centred_steps`). ``tempered`` is None or
    ``(chains, base_bias)``: :class:`~skenergy._tempering.TemperedChains` that
    replace the persistent chains, ``k`` steps of parallel tempering per update,
    the model's statistics read at inverse temperature 1. ``sample(layer, mean)``
    draws a layer's states (the unit types' samplers by default). ``up`` and
    ``down`` scale the weights into the hidden and into the visible units: the
    modified RBMs that pretrain a deep Boltzmann machine (its ``_pretrain``; both
    1 for an RBM). Returns the chains' new hidden states.
    """
    sample = sample or (lambda layer, mean: layers.units[layer].sample(mean, rng))
    W, (b, c) = layers.weights[0], layers.biases

    def hidden_mean(v):  # the input is linear in the states: scale them, not W
        return layers.mean(1, [v if up == 1.0 else up * v, None])

    def visible_mean(h):
        return layers.mean(0, [None, h if down == 1.0 else down * h])

    h_data = hidden_mean(batch)
    if tempered is not None:
        chains, path = tempered[0], LayeredPath(layers, tempered[1])
        for _ in range(k):
            chains.step(path, rng)
        v, h = chains.model_states
        h_model = hidden_mean(v)
    else:
        h = chains if persistent else sample(1, h_data.copy())
        for step in range(k):
            v = sample(0, visible_mean(h))
            h_model = hidden_mean(v)
            if step + 1 < k:
                h = sample(1, h_model.copy())
        if persistent:
            h = sample(1, h_model.copy())
    n_pos, n_neg = len(batch), len(v)
    steps = [
        lr * (h_data.T @ batch / n_pos - h_model.T @ v / n_neg),
        lr * (batch.mean(axis=0) - v.mean(axis=0)),
        lr * (h_data.mean(axis=0) - h_model.mean(axis=0)),
    ]
    if offsets is not None:
        move_offsets(offsets, [batch.mean(axis=0), h_data.mean(axis=0)])
        (dW,), biases = centred_steps(steps[:1], steps[1:], offsets)
        steps = [dW, *biases]
    if sparsity is not None:
        target, cost, mean_activation = sparsity
        mean_activation *= 0.9
        mean_activation += 0.1 * h_data.mean(axis=0)
        excess = lr * cost * (mean_activation - target)
        steps[2] -= excess
        steps[0] -= np.outer(excess, batch.mean(axis=0))
    for param, velocity, step, penalised in zip(
        (W, b, c), velocities, steps, (1, 0, 0), strict=True
    ):
        decay, shrink = (lr * alpha, lr * l1) if penalised else (0.0, 0.0)
        momentum_step(param, velocity, step.astype(param.dtype), momentum, decay, shrink)
    return h


def minibatch(Z, rows):
    """The dense rows ``Z[rows]`` of the training data (sparse or dense)."""
    return Z[rows].toarray() if sp.issparse(Z) else np.take(Z, rows, axis=0)


class PlainTrainer:
    """The training loop's trainer that runs :func:`plain_step`, on copies of the
    estimator's parameters, velocities and chains that :meth:`publish` writes back
    (the interface of :class:`FusedTrainer`). It serves the hidden unit types that
    take no sparsity target (the estimator refuses one for Gaussian units)."""

    def __init__(self, rbm, max_batch):
        self.rbm = rbm
        self.persistent = rbm.method in ("pcd", "pt")
        W, b, c = (p.copy() for p in rbm._parameters())
        self.layers = Layers(rbm._layers().units, [b, c], [W])
        self.velocities = tuple(v.copy() for v in rbm._velocities)
        self.chains = rbm.h_samples_.copy() if self.persistent else None
        self.tempered = None
        if rbm.method == "pt":
            self.tempered = (copy.deepcopy(rbm._tempered), rbm._base_bias())
        self.offsets = None
        if rbm.centered:
            self.offsets = (rbm.visible_offset_.copy(), rbm.hidden_offset_.copy())

    def update(self, Z, rows, lr, momentum, rng):
        """One stochastic gradient step on the minibatch ``Z[rows]``."""
        rbm = self.rbm
        chains = plain_step(
            self.layers, minibatch(Z, rows), self.chains, self.velocities, rng, lr=lr,
            momentum=momentum, k=rbm.k, persistent=self.persistent, alpha=rbm.alpha, l1=rbm.l1,
            offsets=self.offsets, tempered=self.tempered,
        )  # fmt: skip
        if self.persistent:
            self.chains = chains

    def publish(self):
        """Write copies of the parameters, velocities and chains back to the estimator."""
        rbm, (b, c), W = self.rbm, self.layers.biases, self.layers.weights[0]
        rbm.components_ = W.copy()
        rbm.intercept_visible_, rbm.intercept_hidden_ = b.copy(), c.copy()
        rbm._velocities = tuple(v.copy() for v in self.velocities)
        if self.persistent:
            rbm.h_samples_ = self.chains.copy()
        if self.tempered is not None:
            rbm._tempered = copy.deepcopy(self.tempered[0])
        if self.offsets is not None:
            rbm.visible_offset_, rbm.hidden_offset_ = (o.copy() for o in self.offsets)


class FusedTrainer:
    """The state of a training call in the fused layout (see the module docstring):
    theta, its velocity, and the states of both phases side by side as columns.

    It reads the estimator's settings (method, k, visible units, penalties) and
    writes the parameters, velocities and chains back with :meth:`publish`.
    """

    def __init__(self, rbm, max_batch):
        self.rbm = rbm
        W = rbm.components_
        n_hidden, n_visible = W.shape
        self.persistent = rbm.method == "pcd"
        n_chains = rbm.h_samples_.shape[0] if self.persistent else max_batch
        dtype = W.dtype
        self.theta = _augmented(*rbm._parameters(), scale=0.5)
        self.velocity = _augmented(*rbm._velocities, scale=0.5)
        self.step = np.empty_like(self.theta)
        self.weights = np.s_[:n_hidden, :n_visible]
        # States are stored unit by row, one column per chain or data row: OpenBLAS
        # runs the products faster on this layout, more than the copy of each
        # minibatch into it costs (docs/performance.rst). Both phases side by side: the negative
        # chains first, then the data.
        n_columns = n_chains + max_batch
        self.visible = np.ones((n_visible + 1, n_columns), dtype)
        self.hidden = np.ones((n_hidden + 1, n_columns), dtype)
        self.chains = np.ones((n_hidden + 1, n_chains), dtype)  # hidden states of the chains
        if self.persistent:
            self.chains[:n_hidden] = rbm.h_samples_.T
        self.uniforms = np.empty(max(n_visible, n_hidden) * n_chains, dtype)
        self.offsets = None
        if rbm.centered:
            self.offsets = (rbm.visible_offset_.astype(dtype), rbm.hidden_offset_.astype(dtype))

    def update(self, Z, rows, lr, momentum, rng):
        """One stochastic gradient step on the minibatch ``Z[rows]``."""
        rbm = self.rbm
        n_hidden, n_visible = rbm.components_.shape
        n_pos = rows.shape[0]
        n_neg = self.chains.shape[1] if self.persistent else n_pos
        V, T = self.visible[:, : n_neg + n_pos], self.hidden[:, : n_neg + n_pos]
        V[:n_visible, n_neg:] = minibatch(Z, rows).T
        self._both_phases(V, T, n_neg, rng)
        if rbm.sparsity_target is not None or self.offsets is not None:
            # The data's means, before centring shifts the columns; the plain step needs neither.
            v_data_mean = V[:n_visible, n_neg:].mean(axis=1)
            mean_h_pos = 0.5 + 0.5 * T[:n_hidden, n_neg:].mean(axis=1)
        if self.offsets is not None:
            self._centre_factors(V, T, v_data_mean, mean_h_pos)
        self._weigh_columns(T, n_neg, n_pos)
        decay, l1 = lr * rbm.alpha, 0.5 * lr * rbm.l1
        # The product accumulates into the velocity (momentum * velocity + step),
        # or straight into theta when nothing else moves it. Centred, it is the step
        # in the centred parameters, read back in the uncentred ones first.
        if self.offsets is not None:
            gemm(T, V.T, self.step, alpha=0.25 * lr / n_pos, beta=0.0)
            self._uncentre(self.step)
            target = self.step
            if momentum:
                target = axpby(1.0, self.step, momentum, self.velocity)
        elif momentum:
            target = gemm(T, V.T, self.velocity, alpha=0.25 * lr / n_pos, beta=momentum)
        elif decay or l1:
            target = gemm(T, V.T, self.step, alpha=0.25 * lr / n_pos, beta=0.0)
        else:
            target = gemm(T, V.T, self.theta, alpha=0.25 * lr / n_pos, beta=1.0)
        if rbm.sparsity_target is not None:
            self._push_towards_sparsity(target, mean_h_pos, v_data_mean, lr)
        if target is not self.theta:
            self._penalise(target, decay, l1)
            self.theta += target

    def _centre_factors(self, V, T, v_data_mean, h_data_mean):
        """Move the offsets towards the minibatch's data means, then shift the columns
        of both phases by them: the visible states by ``mu``, the hidden tanh by
        ``2 lam`` (``1 + t - 2 lam = 2 (h - lam)`` once weighed). The always-on units'
        rows are left as they are, so the product is the centred step."""
        visible_offset, hidden_offset = self.offsets
        move_offsets(self.offsets, [v_data_mean, h_data_mean])
        n_visible, n_hidden = len(visible_offset), len(hidden_offset)
        V[:n_visible] -= visible_offset[:, None]
        T[:n_hidden] -= 2.0 * hidden_offset[:, None]

    def _uncentre(self, step):
        """The halved centred step of theta read back in the uncentred parameters
        (:func:`~skenergy._layered.centred_steps`): biases ``db - dW' lam`` and ``dc - dW mu``."""
        visible_offset, hidden_offset = self.offsets
        n_hidden, n_visible = len(hidden_offset), len(visible_offset)
        dW = step[:n_hidden, :n_visible]
        step[n_hidden, :n_visible] -= hidden_offset @ dW
        step[:n_hidden, n_visible] -= dW @ visible_offset

    def _both_phases(self, V, T, n_neg, rng):
        """Hidden tanh of the data (columns ``n_neg:`` of V) and of the negative chains
        (the first ``n_neg``), whose visible states the chains' Gibbs steps fill in."""
        chains = self.chains[:, :n_neg]
        if self.persistent:
            self._negative_chain(chains, V[:, :n_neg], rng)
            self._hidden_tanh(V, T)  # both phases in one product
            self._sample_hidden(T[:, :n_neg], chains, rng)
        else:  # CD starts its chains from the data's hidden states
            self._hidden_tanh(V[:, n_neg:], T[:, n_neg:])
            self._sample_hidden(T[:, n_neg:], chains, rng)
            self._negative_chain(chains, V[:, :n_neg], rng)
            self._hidden_tanh(V[:, :n_neg], T[:, :n_neg])

    def _weigh_columns(self, T, n_neg, n_pos):
        """Turn the tanh columns into the hidden factors of the step's product.

        With theta halved and the product scaled by ``0.25 lr / n_pos``, ``1 + t``
        for the data's columns and ``-(1 + t) n_pos / n_neg`` for the chains' make
        one product the step of every parameter; the always-on unit's row holds
        ``t = 1``.
        """
        T[self.rbm.n_components] = 1.0
        T[:, n_neg:] += 1.0
        if n_neg == n_pos:
            np.subtract(-1.0, T[:, :n_neg], out=T[:, :n_neg])
        else:
            T[:, :n_neg] += 1.0
            T[:, :n_neg] *= -n_pos / n_neg

    def _push_towards_sparsity(self, target, mean_h_pos, v_data_mean, lr):
        """The sparsity penalty of the practical guide (section 11), on the hidden
        biases and the weights, from a decaying mean of the hidden activities."""
        rbm, n_visible = self.rbm, v_data_mean.shape[0]
        rbm._mean_activation *= 0.9
        rbm._mean_activation += 0.1 * mean_h_pos
        excess = 0.5 * lr * rbm.sparsity_cost * (rbm._mean_activation - rbm.sparsity_target)
        target[: rbm.n_components, n_visible] -= excess.astype(target.dtype)
        target[self.weights] -= np.outer(excess, v_data_mean).astype(target.dtype)

    def _penalise(self, target, decay, l1):
        """``target -= decay W + l1 sign(W)`` on the weights; biases are never penalised.

        The leading rows of theta (the weights and the hidden biases' column) are
        one contiguous block: one pass over it, then the biases are put back, which
        is faster than a strided pass over the weights block alone.
        """
        n_hidden, n_visible = self.rbm.components_.shape
        hidden_bias = target[:n_hidden, n_visible].copy()
        add_penalties(target[:n_hidden], self.theta[:n_hidden], decay, l1)
        target[:n_hidden, n_visible] = hidden_bias

    def _hidden_tanh(self, V, T):
        """``T = tanh((c + W v) / 2)`` for the columns of V.

        The product covers the bias unit's row too (0.2% more work) so that
        BLAS writes one block; that row is set by the caller.
        """
        np.matmul(self.theta, V, out=T)
        np.tanh(T, out=T)

    def _scratch(self, shape):
        """A C-contiguous block of ``shape`` for the samplers' uniforms."""
        return self.uniforms[: math.prod(shape)].reshape(shape)

    def _sample_hidden(self, T, out, rng):
        n_hidden = self.rbm.n_components
        t = T[:n_hidden]
        sample_bernoulli_tanh(t, rng, out=out[:n_hidden], scratch=self._scratch(t.shape))

    def _negative_chain(self, chains, v_out, rng):
        """k down-up Gibbs steps from the hidden states ``chains`` (updated) into v_out."""
        rbm = self.rbm
        n_visible = v_out.shape[0] - 1
        mean = v_out[:n_visible]
        for step in range(rbm.k):
            np.matmul(self.theta.T, chains, out=v_out)  # (b + W'h) / 2
            v_out[n_visible] = 1.0  # the always-on unit, overwritten by the product
            if rbm.visible == "bernoulli":
                np.tanh(mean, out=mean)
                sample_bernoulli_tanh(mean, rng, out=mean, scratch=self._scratch(mean.shape))
            else:
                mean *= 2.0
                sample_gaussian(mean, rng, out=mean)
            if step + 1 < rbm.k:
                T = self.hidden[:, : v_out.shape[1]]
                self._hidden_tanh(v_out, T)
                self._sample_hidden(T, chains, rng)
        return v_out

    def publish(self):
        """Write the parameters, velocities and persistent chains back to the estimator."""
        rbm, n_hidden = self.rbm, self.rbm.n_components
        rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = _split_augmented(
            self.theta
        )
        rbm._velocities = _split_augmented(self.velocity)
        if self.persistent:
            rbm.h_samples_ = np.ascontiguousarray(self.chains[:n_hidden].T)
        if self.offsets is not None:
            rbm.visible_offset_, rbm.hidden_offset_ = (o.copy() for o in self.offsets)


def _augmented(W, b, c, scale):
    """``scale * [[W, c], [b', 0]]``: weights and both biases in one matrix."""
    n_hidden, n_visible = W.shape
    theta = np.zeros((n_hidden + 1, n_visible + 1), dtype=W.dtype)
    np.multiply(W, scale, out=theta[:n_hidden, :n_visible])
    np.multiply(c, scale, out=theta[:n_hidden, n_visible])
    np.multiply(b, scale, out=theta[n_hidden, :n_visible])
    return theta


def _split_augmented(theta):
    """``(W, b, c)`` as fresh arrays from a matrix built by :func:`_augmented` (scale 1/2)."""
    W = 2.0 * theta[:-1, :-1]
    return W, 2.0 * theta[-1, :-1], 2.0 * theta[:-1, -1]

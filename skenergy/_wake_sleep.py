"""Up-down fine-tuning of a deep belief network: contrastive wake-sleep.

Hinton, Osindero & Teh (2006), section 5 and appendix B. Greedy stacking ties
each layer's generative weights (downwards) to its recognition weights
(upwards); fine-tuning unties them below the top RBM and takes, per minibatch:

- a wake phase: the data's states up the recognition model, and a delta-rule
  step of each generative layer at those states, which climbs
  ``log p(h_{l-1} | h_l)``: the generative model learns to produce the states the
  recognition model infers;
- a contrastive step of the top RBM (CD-k) from the wake states of its visible
  layer;
- a sleep phase: from the top RBM's negative states, a dream down the
  generative layers (the data layer's means, as in the paper), and a delta-rule
  step of each recognition layer at the dreamed states, which climbs
  ``log Q(h_l | h_{l-1})``: the recognition model learns to invert the generative
  one.

The layers are :class:`~skenergy._layered.Layers` pairs whose arrays belong to the
network, updated in place.
"""

from ._rbm_step import plain_step


class UpDown:
    """The state of an up-down fine-tuning call.

    Parameters
    ----------
    recognition : list of Layers
        Pairs joining layer ``l`` (lower) to ``l + 1`` below the top RBM: their
        upward conditionals ``Q(h_{l+1} | h_l)``.
    generative : list of Layers
        The same pairs' downward conditionals ``p(h_l | h_{l+1})``.
    top : Layers
        The top RBM.
    k, alpha, l1 : int, float, float
        The top RBM's Gibbs steps per contrastive step and its weight penalties.
    """

    def __init__(self, recognition, generative, top, *, k, alpha, l1):
        self.recognition, self.generative, self.top = recognition, generative, top
        self.k, self.alpha, self.l1 = k, alpha, l1

    def step(self, batch, lr, rng):
        """One up-down step on the minibatch ``batch`` (dense, in model units)."""
        wake = [batch]
        for pair in self.recognition:
            wake.append(pair.sample_layer(1, [wake[-1], None], rng))
        negative = plain_step(  # plain SGD: at momentum 0 no velocity is read or written
            self.top, wake[-1], None, (None, None, None), rng, lr=lr, momentum=0.0,
            k=self.k, persistent=False, alpha=self.alpha, l1=self.l1,
        )  # fmt: skip
        dream = [self.top.sample_layer(0, [None, negative], rng)]
        for position in range(len(self.generative) - 1, -1, -1):
            pair = self.generative[position]
            dream.insert(0, pair.sample_layer(0, [None, dream[0]], rng, mean=position == 0))
        for pair, below, above in zip(self.generative, wake[:-1], wake[1:], strict=True):
            delta_step(pair, 0, below, above, lr)
        for pair, below, above in zip(self.recognition, dream[:-1], dream[1:], strict=True):
            delta_step(pair, 1, below, above, lr)


def delta_step(pair, layer, below, above, lr):
    """A step of ``lr`` along the gradient of the mean ``log p(s_layer | other layer)``
    of a pair's conditional (``layer`` 0: the lower layer given the upper, 1: the
    upper given the lower) at the states ``below`` and ``above``: with the
    conditional's mean ``m``, ``(s - m)`` times the given states for the weights
    and ``(s - m)`` for the layer's bias, averaged over the rows (for every unit
    type of the exponential family, whose natural parameter is the input)."""
    states = [below, None] if layer == 1 else [None, above]
    error = (above if layer == 1 else below) - pair.mean(layer, states)
    scale = lr / error.shape[0]
    W = pair.weights[0]  # (n_above, n_below)
    W += scale * (error.T @ below if layer == 1 else above.T @ error)
    pair.biases[layer] += lr * error.mean(axis=0)

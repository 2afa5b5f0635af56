"""Parallel tempering: persistent chains at a ladder of temperatures, swapped between
neighbours (Swendsen & Wang 1986; for RBMs, Desjardins et al. 2010 and Cho, Raiko &
Ilin 2010).

The tempered distributions are those of the AIS path of :meth:`Layers.ais`: at
inverse temperature ``beta`` the weights and hidden biases are multiplied by
``beta`` and the visible biases are ``(1 - beta) base + beta b``, that is,
``E_beta(s) = beta E(s) + (1 - beta) E_base(s)`` up to a constant, where the base
model has independent visible units (the data's base rates) and fair-coin hidden
units. ``beta = 1`` is the model; ``beta = 0`` is the base model, whose chains mix
at once. Each step sweeps every temperature's chains by block Gibbs sampling, then
proposes to swap the states of neighbouring temperatures, chain by chain, accepted
with the Metropolis probability ``min(1, exp((beta_i - beta_j) (D(x_i) - D(x_j))))``
where ``D = E - E_base``; even pairs are proposed at one step, odd pairs at the next.
Every temperature's chains keep its tempered distribution invariant, so states
that climbed to the hot end and came back carry the fast mixing of the base model
to the model's chains. The walk itself needs only a path, an object that sweeps
chains at any ``beta`` and gives ``D``: :class:`LayeredPath` for layered models;
the Boltzmann machine supplies its own (its energy at temperature ``T / beta``).
"""

import numpy as np

from ._layered import Layers, path_visible_bias
from ._sampling import uniform


def default_ladder(n_temperatures):
    """The documented rule: ``n_temperatures`` inverse temperatures evenly spaced from
    1 (the model) down to 0 (the base model), as Cho, Raiko & Ilin (2010) space
    theirs. One temperature is plain persistent chains."""
    if n_temperatures == 1:
        return np.ones(1)
    return np.linspace(1.0, 0.0, n_temperatures)


def tempered_layers(layers, beta, base_bias):
    """The model at inverse temperature ``beta`` on the AIS path (see the module
    docstring), as a new :class:`Layers` (the weights scaled copies)."""
    biases = [path_visible_bias(beta, base_bias, layers.biases[0])]
    biases += [beta * b for b in layers.biases[1:]]
    dtype = layers.dtype
    return Layers(
        layers.units,
        [b.astype(dtype, copy=False) for b in biases],
        [(beta * W).astype(dtype, copy=False) for W in layers.weights],
    )


def energy_gap(layers, base_bias, states):
    """``D(s) = E(s) - E_base(s)`` per chain: how much a state's energy changes along
    the path (its slope in ``beta``), which decides the swaps. The base energy is
    each layer's own: the visible units' at the base biases, the hidden units' at
    zero bias (nothing for binary units, ``|h|^2 / 2`` for Gaussian ones)."""
    energy = -layers.log_marginal(states, summed=set())
    biases = [base_bias.astype(np.float64)] + [np.zeros(len(b)) for b in layers.biases[1:]]
    for units, s, bias in zip(layers.units, states, biases, strict=True):
        energy = energy - units.energy(s, bias)
    return energy


class TemperedChains:
    """Persistent chains at each inverse temperature of ``betas`` (``betas[0] = 1``).

    Parameters
    ----------
    betas : array-like
        Decreasing inverse temperatures, the first 1.
    states : list of list of ndarray
        For each temperature, the states of every layer of its chains (one
        ``(n_chains, n_units)`` array per layer), updated in place.

    Attributes
    ----------
    proposed, accepted : ndarray of shape (len(betas) - 1,)
        Swaps proposed and accepted between temperatures ``i`` and ``i + 1``.
    """

    def __init__(self, betas, states):
        self.betas = np.asarray(betas, dtype=np.float64)
        if self.betas[0] != 1.0 or np.any(np.diff(self.betas) >= 0):
            raise ValueError("The ladder must decrease from an inverse temperature of 1.")
        if len(states) != len(self.betas):
            raise ValueError("Parallel tempering needs one set of chains per temperature.")
        self.states = states
        self.proposed = np.zeros(len(self.betas) - 1)
        self.accepted = np.zeros(len(self.betas) - 1)
        self.parity = 0

    @property
    def model_states(self):
        """The chains at ``beta = 1``: samples of the model."""
        return self.states[0]

    def acceptance_rates(self):
        """Accepted over proposed swaps per neighbouring pair (NaN where none was)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.accepted / self.proposed

    def step(self, path, rng, clamp=None):
        """One sweep at every temperature of ``path`` (:class:`LayeredPath`, or any
        object with its ``sweep`` and ``gap``; ``clamp`` is passed to the sweeps,
        the same units at every temperature), then one round of swaps."""
        for beta, states in zip(self.betas, self.states, strict=True):
            path.sweep(beta, states, rng, clamp)
        self.swap(path, rng)

    def swap(self, path, rng):
        """Propose swaps between temperatures ``i`` and ``i + 1`` for every ``i`` of this
        round's parity, chain by chain, with the Metropolis acceptance."""
        gaps = [path.gap(states) for states in self.states]
        for i in range(self.parity, len(self.betas) - 1, 2):
            log_ratio = (self.betas[i] - self.betas[i + 1]) * (gaps[i] - gaps[i + 1])
            u = uniform(log_ratio.shape, np.float64, rng)
            accept = np.log1p(-u) < log_ratio  # 1 - u in (0, 1]: no log of 0
            self.proposed[i] += accept.size
            self.accepted[i] += accept.sum()
            if accept.any():
                for hot, cold in zip(self.states[i + 1], self.states[i], strict=True):
                    kept = cold[accept].copy()
                    cold[accept] = hot[accept]
                    hot[accept] = kept
        self.parity = 1 - self.parity


class LayeredPath:
    """The AIS path of a layered model (see the module docstring) as parallel
    tempering walks it: a block Gibbs sweep at any ``beta`` (the tempered layers
    built once per ``beta`` and kept: the path lives for one update), and the
    energy gap that decides the swaps."""

    def __init__(self, layers, base_bias):
        self.layers, self.base_bias = layers, base_bias
        self._tempered = {}

    def sweep(self, beta, states, rng, clamp=None):
        if beta not in self._tempered:
            self._tempered[beta] = tempered_layers(self.layers, beta, self.base_bias)
        self._tempered[beta].sweep(states, rng, clamp)

    def gap(self, states):
        return energy_gap(self.layers, self.base_bias, states)


class TemperingMixin:
    """Persistent chains that ``method="pt"`` runs by parallel tempering, for an
    estimator with ``method`` and ``n_temperatures`` parameters: the chains live in
    ``_tempered`` (a :class:`TemperedChains`), which a warm start keeps."""

    def _start_tempered(self, fresh_states):
        """Chains at every temperature, each from ``fresh_states()`` (one rung's
        states), unless the estimator holds chains of the same ladder and shapes."""
        chains = getattr(self, "_tempered", None)
        if chains is not None and len(chains.betas) == self.n_temperatures:
            shapes = [None if s is None else s.shape for s in chains.model_states]
            fresh = fresh_states()
            if shapes == [None if s is None else s.shape for s in fresh]:
                return
        ladder = default_ladder(self.n_temperatures)
        self._tempered = TemperedChains(ladder, [fresh_states() for _ in ladder])

    def _sample_tempered(self, layers, states, n_steps, rng, clamp=None, mean=False):
        """``n_steps`` steps of parallel tempering on the estimator's ladder, every
        temperature started from ``states`` (one array per layer, None for layers
        the first sweep samples) and ``clamp`` (layer -> mask) held at all of them;
        the visible states (``mean``: their conditional means) at temperature 1."""
        ladder = default_ladder(self.n_temperatures)
        copies = [[None if s is None else s.copy() for s in states] for _ in ladder]
        chains, path = TemperedChains(ladder, copies), LayeredPath(layers, self._base_bias())
        for _ in range(n_steps):
            chains.step(path, rng, clamp)
        visible = chains.model_states[0]
        if mean and n_steps:
            sampled, visible = visible, layers.mean(0, chains.model_states)
            if clamp is not None:
                mask = np.broadcast_to(clamp[0], visible.shape)
                visible[mask] = sampled[mask]
        return visible

    @property
    def swap_acceptance_(self):
        """Share of accepted swaps between neighbouring temperatures over the training
        so far (``method="pt"`` only; None otherwise), hottest pair last."""
        chains = getattr(self, "_tempered", None)
        if self.method != "pt" or chains is None:
            return None
        return chains.acceptance_rates()

"""Boltzmann machines with hidden units and lateral connections (Ackley, Hinton, Sejnowski)."""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._activations import logistic, softplus
from ._classifier import LogProbaClassifierMixin
from ._config import chunk_rows
from ._dynamics import GibbsChains, energy
from ._loop import AdaptiveScheduleMixin, Training, run_epochs
from ._optim import momentum_step
from ._partition import (
    MAX_EXACT_UNITS,
    ais_bracket,
    annealed_importance_sampling,
    cached_log_partition,
    check_enumerable,
    draw_ais_seed,
    exact_log_partition,
    partition_method,
)
from ._sampling import (
    ais_betas,
    answer_generator,
    draw_generator,
    geometric_temperatures,
    make_generator,
)
from ._tempering import TemperingMixin
from ._units import binary_states
from ._validation import (
    check_binary,
    check_count,
    check_fit_memory,
    check_fitted_rows,
    check_rows_memory,
    check_temperature,
    from_spins,
    guarded_fit,
)

#: Learning by enumeration costs about 2**n_units * n_units**2 per update: with
#: ``method="auto"`` it is used up to this size (65536 states).
MAX_AUTO_EXACT_LEARNING_UNITS = 16
#: ``method="exact"`` holds all states at once: 2**20 states of 20 units are 168 MB.
MAX_EXACT_LEARNING_UNITS = 20
#: Largest block of enumerated (row, hidden state) pairs, in bytes: within
#: scikit-learn's working_memory, and no larger, where bigger blocks stop paying.
_ENUMERATION_BYTES = 1 << 25
#: With hidden-hidden couplings the clamped phase enumerates the hidden states of
#: each row up to this many hidden units (4096 states per row).
MAX_ENUMERATED_HIDDEN_UNITS = 12
#: Mean-field iterations for the hidden units given the visible ones, and their tolerance.
_MEAN_FIELD_STEPS, _MEAN_FIELD_TOL = 50, 1e-6


def coupling_mask(n_visible, n_hidden, connections):
    """Which couplings exist: True off the diagonal in the connected blocks.

    ``connections`` names the blocks (see BoltzmannMachine) or is a boolean
    matrix over the units, visible first, for any other topology.
    """
    n_units = n_visible + n_hidden
    if not isinstance(connections, str):
        mask = np.asarray(connections)
        if mask.dtype != bool or mask.shape != (n_units, n_units):
            raise ValueError(
                f"connections as a matrix must be boolean of shape ({n_units}, {n_units}) "
                f"({n_visible} visible + {n_hidden} hidden units), got dtype {mask.dtype} "
                f"and shape {mask.shape}."
            )
        if not np.array_equal(mask, mask.T):
            raise ValueError("connections as a matrix must be symmetric.")
        mask = mask.copy()
        np.fill_diagonal(mask, False)
        return mask
    mask = np.zeros((n_units, n_units), dtype=bool)
    visible, hidden = slice(0, n_visible), slice(n_visible, n_units)
    mask[visible, hidden] = mask[hidden, visible] = True
    if connections in ("full", "semi-restricted"):
        mask[visible, visible] = True
    if connections == "full":
        mask[hidden, hidden] = True
    np.fill_diagonal(mask, False)
    return mask


def _moments(S, weights=None):
    """First and second moments of the rows of S (weighted by ``weights`` summing to 1)."""
    if weights is None:
        return S.mean(axis=0), S.T @ S / len(S)
    return weights @ S, (S * weights[:, None]).T @ S


class _TemperingPath:
    """The path that parallel tempering walks for a Boltzmann machine, that of its
    AIS: the energy at temperature ``T / beta``, from the uniform distribution over
    the allowed states (``beta = 0``) to the machine (``beta = 1``). States travel
    as one array per rung (all units)."""

    def __init__(self, machine):
        self.machine = machine

    def sweep(self, beta, states, rng, clamp=None):
        S, machine = states[0], self.machine
        if beta <= 0:
            S[...] = machine._random_states(len(S), rng)
            return
        chains = machine._chains_for(S, rng)
        chains.sweep(machine.temperature / beta)
        S[...] = chains.states

    def gap(self, states):
        """``E(s) / T``: the slope in ``beta`` of the log-weight (the base is uniform)."""
        machine = self.machine
        return energy(states[0], machine.coupling_, machine.intercept_) / machine.temperature


class _BoltzmannBase(TemperingMixin, AdaptiveScheduleMixin, BaseEstimator):
    """Parameters, learning and exact computations shared by the Boltzmann estimators.

    Visible units may include softmax groups (``_groups``: index arrays of units
    of which exactly one is on, such as a class): the chains sample them jointly,
    and enumeration and annealed importance sampling visit only states where they
    are one-hot.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 0, None, closed="left")],
        "connections": [StrOptions({"full", "semi-restricted", "restricted"}), "array-like"],
        "method": [StrOptions({"auto", "exact", "pcd", "cd", "pt"})],
        "n_temperatures": [Interval(Integral, 2, None, closed="left")],
        "clamped_phase": [StrOptions({"mean_field", "gibbs"})],
        "k": [Interval(Integral, 1, None, closed="left")],
        "n_chains": [None, Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "annealing_temperature": [None, Interval(Real, 0, None, closed="neither")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions({"linear", "constant"})],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "partition": [StrOptions({"auto", "exact", "ais"})],
        "n_betas": [Interval(Integral, 3, None, closed="left")],
        "n_runs": [Interval(Integral, 2, None, closed="left")],
        "binarize": [None, Real],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=8,
        *,
        connections="full",
        method="auto",
        n_temperatures=10,
        clamped_phase="mean_field",
        k=3,
        n_chains=100,
        temperature=1.0,
        annealing_temperature=None,
        learning_rate=0.1,
        learning_rate_schedule="linear",
        batch_size=10,
        max_iter=200,
        momentum=0.9,
        alpha=1e-4,
        partition="auto",
        n_betas=10000,
        n_runs=100,
        binarize=None,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.connections = connections
        self.method = method
        self.n_temperatures = n_temperatures
        self.clamped_phase = clamped_phase
        self.k = k
        self.n_chains = n_chains
        self.temperature = temperature
        self.annealing_temperature = annealing_temperature
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.momentum = momentum
        self.alpha = alpha
        self.partition = partition
        self.n_betas = n_betas
        self.n_runs = n_runs
        self.binarize = binarize
        self.random_state = random_state
        self.verbose = verbose

    def _validate_training_data(self, X, reset):
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)
        spins, encoding = check_binary(X, type(self).__name__, self.binarize)
        if reset:
            self.encoding_ = encoding or "binary"
        return (spins > 0).astype(np.float64)

    def _initialise(self, V, rng, groups=()):
        n_visible = V.shape[1]
        n_units = n_visible + self.n_components
        check_fit_memory(
            self, self._fit_bytes(*V.shape, 8), *V.shape,
            ("n_components", "batch_size", "n_chains"),
            "Lower n_components, batch_size or n_chains, or use RestrictedBM, whose "
            "weights only join the two layers.",
        )  # fmt: skip
        self._rng = rng
        self._groups = [np.asarray(group) for group in groups]
        self._mask = coupling_mask(n_visible, self.n_components, self.connections)
        W = 0.01 * rng.standard_normal((n_units, n_units))
        self.coupling_ = np.where(self._mask, (W + W.T) / 2, 0.0)
        p = np.clip(V.mean(axis=0), 1e-3, 1 - 1e-3)
        self.intercept_ = np.concatenate([np.log(p / (1 - p)), np.zeros(self.n_components)])
        self.intercept_ *= self.temperature
        self._velocities = (np.zeros_like(self.coupling_), np.zeros_like(self.intercept_))
        self._chains = self._random_states(self._n_chains(len(V)), rng)
        self.n_iter_ = 0
        self.log_likelihood_curve_ = []
        self._log_partition_cache = {}

    def _fit_bytes(self, n_rows, n_visible, itemsize):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py): the
        couplings about 12 times (parameters, velocities, moments of both phases,
        steps, masks, the copy kept to restore on failure), the chains' and
        minibatch's states 4 times, the data twice, and the table of all states
        when learning is exact. Enumerating hidden states adds one block of at
        most working_memory."""
        n_units = n_visible + self.n_components
        batch = self._batch_rows(n_rows)
        elements = 12 * n_units**2 + 4 * n_units * (self._n_chains(n_rows) + batch)
        elements += 2 * n_rows * n_units
        exact = self.method == "exact" or (
            self.method == "auto" and n_units <= MAX_AUTO_EXACT_LEARNING_UNITS
        )
        if exact and n_units <= MAX_EXACT_LEARNING_UNITS:
            elements += 3 * (1 << n_units) * n_units
        return itemsize * elements

    def _bytes_per_row(self):
        """Per row of a call: the units' states and their temporaries."""
        return 4 * 8 * self._n_units

    def _enumeration_rows(self, n_states, n_columns):
        """Rows whose ``n_states`` enumerated states (``n_columns`` numbers each, and
        their weights) fit in one block."""
        return chunk_rows(
            8 * n_states * (n_columns + 2), None,
            f"Enumerating the 2**{self.n_components} hidden states of one row",
            "Use fewer hidden units, or connections='semi-restricted'.",
            largest=_ENUMERATION_BYTES,
        )  # fmt: skip

    def _random_states(self, n_states, rng):
        """Uniformly random states: each unit on with probability 1/2, groups one-hot."""
        states = (rng.random((n_states, self._n_units)) < 0.5).astype(np.float64)
        for group in self._groups:
            states[:, group] = np.eye(len(group))[rng.integers(len(group), size=n_states)]
        return states

    def _log_uniform_count(self):
        """``log`` of the number of states the groups allow (the log Z of p(s) = 1)."""
        grouped = sum(len(group) for group in self._groups)
        in_groups = sum(np.log(len(group)) for group in self._groups)
        return (self._n_units - grouped) * np.log(2) + in_groups

    def _allowed(self, states):
        """The states whose softmax groups are one-hot."""
        return states[self._one_hot(states)]

    def _one_hot(self, states):
        """Which states have exactly one unit on in each softmax group."""
        keep = np.ones(len(states), dtype=bool)
        for group in self._groups:
            keep &= states[:, group].sum(axis=1) == 1
        return keep

    def _chains_for(self, start, rng, clamp=None):
        return GibbsChains(
            start, self.coupling_, self.intercept_, rng, clamp=clamp, groups=self._groups,
            blocks=self._uncoupled_layers(),
        )  # fmt: skip

    def _uncoupled_layers(self):
        """The layers without lateral couplings: each is sampled at once."""
        n_visible = self._n_visible
        layers = [np.arange(n_visible), np.arange(n_visible, self._n_units)]
        return [
            layer for layer in layers if layer.size and not self._mask[np.ix_(layer, layer)].any()
        ]

    @property
    def _hidden_coupled(self):
        """Whether any two hidden units are coupled (else they are independent given v)."""
        hidden = slice(self._n_visible, None)
        return bool(self._mask[hidden, hidden].any())

    @property
    def _n_units(self):
        return self.coupling_.shape[0]

    @property
    def _n_visible(self):
        return self._n_units - self.n_components

    def _exact_learning(self):
        if self.method == "exact":
            if self._n_units > MAX_EXACT_LEARNING_UNITS:
                raise ValueError(
                    f"method='exact' learns by enumerating all 2**n_units states, which "
                    f"this machine of {self._n_units} units cannot afford (the limit is "
                    f"{MAX_EXACT_LEARNING_UNITS} units, 2**{MAX_EXACT_LEARNING_UNITS} "
                    "states). Use method='pcd' or 'auto'."
                )
            return True
        return self.method == "auto" and self._n_units <= MAX_AUTO_EXACT_LEARNING_UNITS

    def _train(self, V, n_epochs, rng, schedule, incremental=False):
        self._log_partition_cache = {}
        batch, n_epochs = self._schedule(V.shape[0], n_epochs)
        states = None
        if self._exact_learning():
            states = self._allowed(binary_states(self._n_units, 0, 1 << self._n_units))
        elif self.method == "pt":
            if self.annealing_temperature is not None:
                raise ValueError(
                    "method='pt' tempers the chains itself; leave annealing_temperature "
                    "None, or anneal with method='pcd'."
                )
            n_chains = len(self._chains)
            self._start_tempered(lambda: [self._random_states(n_chains, rng)])
        gaps = []

        def update(rows, lr, momentum):
            gaps.append(self._update(V[rows], lr, momentum, rng, states))

        def end_epoch(interrupted):
            """The exact log-likelihood when learning is exact; otherwise the mean over
            minibatches of the largest gap between clamped and free pair statistics,
            which learning drives down (noisy when the free phase is sampled)."""
            if states is None:
                gap = float(np.mean(gaps)) if gaps else 0.0
                gaps.clear()
                return {"clamped-free gap": gap}
            self.log_likelihood_curve_.append(float(np.mean(self._exact_log_likelihood(V))))
            return {"log-likelihood": self.log_likelihood_curve_[-1]}

        training = Training(
            update=update,
            end_epoch=end_epoch,
            parameters=lambda: [self.coupling_, self.intercept_],
            learning_rate=self.learning_rate,
            schedule=schedule,
            momentum=self.momentum,
            warm_up_momentum=True,
            multiply_adds=self._n_units**2
            * (len(states) if states is not None else max(batch, self.n_chains or 0)),
            divergence_hint=(
                f"lower it, or alpha={self.alpha}; a temperature far from 1 "
                f"(temperature={self.temperature}) scales every step too."
            ),
        )
        run_epochs(self, training, V.shape[0], n_epochs, batch, rng, incremental=incremental)

    def _update(self, V, lr, momentum, rng, states):
        """One gradient step on the minibatch V; returns the largest clamped-free gap."""
        clamped_mean, clamped_second, clamped_states = self._clamped_moments(V, rng)
        if states is not None:
            free_mean, free_second = _moments(states, self._distribution(states))
        elif self.method == "pt":
            path = _TemperingPath(self)
            for _ in range(self.k):
                self._tempered.step(path, rng)
            self._chains = self._tempered.model_states[0]
            free_mean, free_second = _moments(self._chains)
        else:
            start = clamped_states if self.method == "cd" else self._chains
            chains = self._run_chains(start, rng)
            if self.method != "cd":
                self._chains = chains
            free_mean, free_second = _moments(chains)
        step_W = (lr / self.temperature) * (clamped_second - free_second)
        step_W[~self._mask] = 0.0
        gap = float(np.abs(clamped_second - free_second)[self._mask].max(initial=0.0))
        step_b = (lr / self.temperature) * (clamped_mean - free_mean)
        vel_W, vel_b = self._velocities
        momentum_step(self.coupling_, vel_W, step_W, momentum, decay=lr * self.alpha)
        self.coupling_[~self._mask] = 0.0
        momentum_step(self.intercept_, vel_b, step_b, momentum)
        return gap

    def _run_chains(self, start, rng):
        """``k`` sweeps of Gibbs chains from ``start``, annealed if asked."""
        chains = self._chains_for(start, rng)
        for temperature in self._chain_temperatures():
            chains.sweep(temperature)
        return chains.states.copy()

    def _chain_temperatures(self, n_steps=None, start=None, stop=None):
        """The chains' temperatures: constant, or cooling geometrically from ``start``."""
        n_steps = self.k if n_steps is None else n_steps
        start = self.annealing_temperature if start is None else start
        stop = self.temperature if stop is None else stop
        if start is None:
            return np.full(n_steps, stop)
        return geometric_temperatures(start, stop, n_steps)

    # ----------------------------------------------------- the clamped phase

    def _clamped_moments(self, V, rng):
        """Moments of the units with V clamped, and one joint state per row (for CD)."""
        if not self.n_components:
            return V.mean(axis=0), V.T @ V / len(V), V
        if self._hidden_enumerated():
            return self._enumerated_clamped_moments(V, rng)
        means = self._hidden_means(V)
        if not self._hidden_coupled or self.clamped_phase == "mean_field":
            # Exact without hidden-hidden couplings (the hidden units are then
            # independent given v); the mean-field approximation otherwise.
            mu = np.concatenate([V, means], axis=1)
            second = mu.T @ mu / len(V)
            hidden = slice(self._n_visible, None)
            np.fill_diagonal(second[hidden, hidden], means.mean(axis=0))
            sample = (rng.random(means.shape) < means).astype(float)
            return mu.mean(axis=0), second, np.concatenate([V, sample], axis=1)
        start = np.concatenate([V, (rng.random(means.shape) < means).astype(float)], axis=1)
        clamp = np.arange(self._n_units) < self._n_visible
        chains = self._chains_for(start, rng, clamp=clamp)
        for _ in range(self.k):
            chains.sweep(self.temperature)
        S = chains.states.copy()
        mean, second = _moments(S)
        return mean, second, S

    def _enumerated_clamped_moments(self, V, rng):
        """Exact clamped moments by enumerating each row's hidden states, in row chunks."""
        n_states = 1 << self.n_components
        mean, second, samples = 0.0, 0.0, []
        for rows in gen_batches(len(V), self._enumeration_rows(n_states, 2 * self._n_units)):
            P, H = self._hidden_posterior(V[rows])  # (rows, 2**H) and (2**H, H)
            joint = np.hstack([np.repeat(V[rows], n_states, axis=0), np.tile(H, (len(P), 1))])
            chunk_mean, chunk_second = _moments(joint, P.ravel() / len(V))
            mean, second = mean + chunk_mean, second + chunk_second
            samples.append(self._sample_rows(joint, P, rng))
        return mean, second, np.concatenate(samples)

    def _hidden_enumerated(self):
        """Whether the clamped phase enumerates hidden states (hidden-hidden couplings)."""
        return self._hidden_coupled and (
            self.method == "exact" or self.n_components <= MAX_ENUMERATED_HIDDEN_UNITS
        )

    def _hidden_posterior(self, V):
        """``p(h | v)`` for every row of V and every hidden state, by enumeration."""
        check_enumerable(self.n_components, "hidden states of each row")
        H = binary_states(self.n_components, 0, 1 << self.n_components)
        log_weights = self._hidden_log_weights(V, H)
        return np.exp(log_weights - logsumexp(log_weights, axis=1, keepdims=True)), H

    def _hidden_log_weights(self, V, H):
        """``-E(v, h) / T`` up to terms in v alone: (rows, hidden states)."""
        n_visible, W, b = self._n_visible, self.coupling_, self.intercept_
        W_vh, W_hh = W[:n_visible, n_visible:], W[n_visible:, n_visible:]
        hidden_terms = 0.5 * np.einsum("ij,ij->i", H @ W_hh, H) + H @ b[n_visible:]
        return (V @ W_vh @ H.T + hidden_terms) / self.temperature

    @staticmethod
    def _sample_rows(joint, P, rng):
        """One joint state per row, drawn from its enumerated posterior."""
        n_states = P.shape[1]
        u = rng.random((P.shape[0], 1))
        choice = np.minimum((np.cumsum(P, axis=1) < u).sum(axis=1), n_states - 1)
        return joint[np.arange(P.shape[0]) * n_states + choice]

    def _hidden_means(self, V):
        """``P(h = 1 | v)``: exact without hidden-hidden couplings, mean field with them."""
        n_visible, W, b, T = self._n_visible, self.coupling_, self.intercept_, self.temperature
        drive = V @ W[:n_visible, n_visible:] + b[n_visible:]
        means = logistic(drive / T)
        if not self._hidden_coupled:
            return means
        W_hh = W[n_visible:, n_visible:]
        for _ in range(_MEAN_FIELD_STEPS):
            new = logistic((drive + means @ W_hh) / T)
            new = 0.5 * (new + means)  # damped: the undamped iteration can oscillate
            done = np.abs(new - means).max() < _MEAN_FIELD_TOL
            means = new
            if done:
                break
        return means

    # ------------------------------------------------------------ distribution

    def _distribution(self, states):
        """``p(s)`` of every enumerated state."""
        log_weights = -energy(states, self.coupling_, self.intercept_) / self.temperature
        return np.exp(log_weights - logsumexp(log_weights))

    def _exact_log_likelihood(self, V):
        return self._log_marginal(V) - self._exact_log_partition().log_z

    def _exact_log_partition(self):
        """Exact ``log Z`` (a :class:`LogPartition`), summing over the allowed states."""
        check_enumerable(self._n_units, "states of the machine")

        def log_weight(S):
            log_w = -energy(S, self.coupling_, self.intercept_) / self.temperature
            log_w[~self._one_hot(S)] = -np.inf  # states the softmax groups forbid
            return log_w

        return exact_log_partition(log_weight, self._n_units)

    def _log_marginal(self, V):
        """``log sum_h exp(-E(v, h) / T)`` for each row of V."""
        n_visible, W, b, T = self._n_visible, self.coupling_, self.intercept_, self.temperature
        visible_terms = (0.5 * np.einsum("ij,ij->i", V @ W[:n_visible, :n_visible], V)) / T
        visible_terms += V @ b[:n_visible] / T
        if not self.n_components:
            return visible_terms
        if not self._hidden_coupled:
            drive = (V @ W[:n_visible, n_visible:] + b[n_visible:]) / T
            return visible_terms + softplus(drive).sum(axis=1)
        if self.n_components > MAX_EXACT_UNITS:
            raise ValueError(
                f"Cannot compute log p(v): with hidden-hidden couplings it needs a sum "
                f"over the 2**{self.n_components} hidden states of every row, more than "
                f"2**{MAX_EXACT_UNITS}. Use connections='semi-restricted' or fewer hidden units."
            )
        return visible_terms + self._hidden_log_sums(V)

    def _hidden_log_sums(self, V):
        """``log sum_h exp(-E(v, h) / T)`` up to terms in v alone, for each row of V,
        by blocks of rows and of hidden states: never the whole 2**H table."""
        n_states = 1 << self.n_components
        # Blocks of states sized so that a few rows fit beside them, then rows.
        states = chunk_rows(
            8 * 4 * self.n_components, n_states, "One hidden state", "", largest=_ENUMERATION_BYTES
        )
        rows = self._enumeration_rows(states, self.n_components)
        sums = np.full(len(V), -np.inf)
        for start in range(0, n_states, states):
            H = binary_states(self.n_components, start, min(start + states, n_states))
            for batch in gen_batches(len(V), rows):
                block = logsumexp(self._hidden_log_weights(V[batch], H), axis=1)
                sums[batch] = np.logaddexp(sums[batch], block)
        return sums

    # ------------------------------------------------------------- shared inference

    def _fitted_rows(self, X, allow_nan=False):
        return check_fitted_rows(self, X, allow_nan=allow_nan)

    def _binary_visible(self, X):
        return self._binary_of(self._fitted_rows(X))

    def _binary_of(self, rows):
        """Validated rows as {0, 1} in float64 (the machine's dtype)."""
        spins, _ = check_binary(rows, type(self).__name__, self.binarize)
        return (spins > 0).astype(np.float64)

    def log_partition(self):
        """The log partition function ``log Z`` of the machine at its temperature.

        Exact by enumeration up to 20 units with ``partition="auto"`` (26 with
        ``"exact"``), annealed importance sampling from the uniform distribution
        otherwise. Computed once per fitted model and cached; the AIS estimate uses
        its own seed, drawn when the model was fitted, so it is reproducible and
        leaves the sampling generator alone.

        Returns
        -------
        estimate : LogPartition
            ``log_z``, its standard error ``std``, the 3-standard-error interval
            ``lower``, ``upper``, the ``method`` used and, for AIS, the effective
            number of runs (an :class:`~skenergy.exceptions.AISWarning` says when
            a few runs carry the estimate).
        """
        check_is_fitted(self)
        method = partition_method(self.partition, self._n_units, "states of the machine")
        return cached_log_partition(self, method, self._compute_log_partition)

    def _compute_log_partition(self, method):
        if method == "exact":
            return self._exact_log_partition()
        return self._ais_log_partition(np.random.default_rng(self._ais_seed))

    def log_partition_bounds(self, n_steps=1000):
        """Bracket ``log Z`` between forward and reverse AIS (bidirectional Monte Carlo).

        Forward AIS (:meth:`log_partition`'s estimate for large machines) is a
        stochastic lower bound on ``log Z``; reverse AIS anneals from samples of
        the machine down to the uniform distribution and is a stochastic upper
        bound when those samples are exact. They come from the persistent chains
        of training (random states for a machine trained exactly) run for
        ``n_steps`` more sweeps at the machine's temperature, so the bracket holds
        as far as the chains have mixed (Grosse, Ghahramani & Adams 2015).

        Parameters
        ----------
        n_steps : int, default=1000
            Gibbs sweeps before reverse annealing.

        Returns
        -------
        forward, reverse : LogPartition
            ``forward.log_z <= log Z <= reverse.log_z`` in expectation.
        """
        return ais_bracket(self, n_steps, self._reverse_ais)

    def _reverse_ais(self, n_steps, rng):
        chains = getattr(self, "_chains", None)
        if chains is None or not len(chains):
            start = self._random_states(self.n_runs, rng)
        else:
            start = chains[np.arange(self.n_runs) % len(chains)]
        chains = self._chains_for(start, rng)
        for _ in range(n_steps):
            chains.sweep(self.temperature)
        return self._ais_log_partition(rng, start=chains.states.copy())

    def _ais_log_partition(self, rng, start=None):
        """AIS from the uniform distribution over the allowed states (beta = 0), or
        reverse AIS from the machine's samples ``start`` down to it."""
        T, W, b = self.temperature, self.coupling_, self.intercept_

        def log_ratio(state, beta_from, beta_to):
            return -(beta_to - beta_from) * energy(state, W, b) / T

        def transition(state, beta, rng):
            if beta <= 0:
                return state
            chains = self._chains_for(state, rng)
            chains.sweep(T / beta)
            return chains.states.copy()

        check_rows_memory(self, self.n_runs, "n_runs")
        reverse = start is not None
        if not reverse:
            start = self._random_states(self.n_runs, rng)
        return annealed_importance_sampling(
            start, self._log_uniform_count(), log_ratio, transition, ais_betas(self.n_betas), rng,
            reverse=reverse,
        )  # fmt: skip


class BoltzmannMachine(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BoltzmannBase):
    """Boltzmann machine: binary units with hidden units and lateral connections.

    Units ``s`` in {0, 1}: the visible units first, then ``n_components`` hidden
    units, with the energy ``E(s) = -s'Ws/2 - b's`` (W symmetric, zero diagonal)
    and ``p(s) ~ exp(-E(s) / T)``, so that ``P(s_i = 1 | rest) = logistic(h_i / T)``
    with ``h = W s + b``. Learning ascends the log-likelihood of the visible data,
    whose gradient is ``(<s_i s_j>_clamped - <s_i s_j>_free) / T``: the first
    expectation with the visible units clamped to the data, the second under the
    model. Both are exact by enumeration for small machines; otherwise the clamped
    phase is exact (no hidden-hidden couplings), mean field or Gibbs sampling, and
    the free phase comes from persistent Gibbs chains.

    Parameters
    ----------
    n_components : int, default=8
        Number of hidden units (0: a fully visible machine).

    connections : {"full", "semi-restricted", "restricted"} or array of bool, default="full"
        Which blocks are coupled: ``"full"``, visible-visible, visible-hidden and
        hidden-hidden; ``"semi-restricted"``, no hidden-hidden couplings (hidden
        units are then independent given the visible ones, and the clamped phase
        is exact); ``"restricted"``, visible-hidden only (an RBM). A symmetric
        boolean matrix of shape (n_units, n_units), visible units first, gives
        any other topology (the diagonal is ignored).

    method : {"auto", "exact", "pcd", "cd", "pt"}, default="auto"
        How the expectations are computed. ``"exact"``: by enumerating all
        ``2**n_units`` states (and ``2**n_components`` hidden states per row).
        ``"pcd"``: the free phase from persistent chains; ``"cd"``: from chains
        restarted at the clamped states of the minibatch; ``"pt"``: persistent
        chains by parallel tempering, ``n_chains`` at each of ``n_temperatures``
        temperatures ``T / beta`` (beta evenly spaced from 1 to 0, where the
        chains are uniformly random: the path of the machine's AIS), swapped
        between neighbours after each sweep. ``"auto"``: exact up to 16 units,
        otherwise PCD. ``"exact"`` refuses machines of more than 20 units with a
        ValueError.

    n_temperatures : int, default=10
        Rungs of the parallel-tempering ladder (``method="pt"``);
        ``swap_acceptance_`` reports the share of accepted swaps per pair.

    clamped_phase : {"mean_field", "gibbs"}, default="mean_field"
        The clamped phase is exact in closed form without hidden-hidden couplings
        and by enumerating each row's hidden states with them, up to 12 hidden
        units (or any number with ``method="exact"``). Beyond, it is mean field
        (deterministic), or ``k`` Gibbs sweeps of the hidden units started from a
        sample of the mean-field solution.

    k : int, default=3
        Gibbs sweeps per update of the chains (the k of CD-k and PCD-k). With
        lateral connections the chains mix more slowly than an RBM's, hence a
        default above 1 (the user guide compares k on bars-and-stripes).

    n_chains : int or None, default=100
        Persistent chains (``"pcd"``); None uses ``batch_size``.

    temperature : float, default=1.0
        The temperature T of the model distribution.

    annealing_temperature : float or None, default=None
        Simulated annealing of the chains during learning: their ``k`` sweeps
        cool geometrically from this temperature to ``temperature``. None samples
        at ``temperature`` throughout.

    learning_rate : float, default=0.1
        Step size of the gradient ascent on the mean log-likelihood of a minibatch.

    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` decays the learning rate to zero over the ``max_iter`` epochs
        of ``fit``; ``partial_fit`` always uses the constant rate.

    batch_size : int or "auto", default=10
        Rows per minibatch, never more than the rows; ``"auto"``, as in
        RestrictedBM: a hundredth of the rows, between 10 and 100.

    max_iter : int or "auto", default=200
        Training epochs; ``"auto"``, as in RestrictedBM: those that make about
        10,000 minibatch updates, between 20 and 100.

    momentum : float, default=0.9
        Final momentum (from 0.5 over the first epochs), as in RestrictedBM.

    alpha : float, default=1e-4
        L2 penalty on the couplings (not the biases).

    partition : {"auto", "exact", "ais"}, default="auto"
        How :meth:`score_samples` gets ``log Z``: by enumeration (up to 26 units;
        ``"auto"`` up to 20) or annealed importance sampling.

    n_betas, n_runs : int, default=10000, 100
        Intermediate distributions and runs of annealed importance sampling.

    binarize : float or None, default=None
        Threshold for mapping real values to binary (values above it are on), as
        in BernoulliNB. None requires binary data, {0, 1} or {-1, +1}.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, minibatches, chains and sampling.

    verbose : int, default=0
        Progress lines: ``1``, a line per epoch (the training log-likelihood,
        when tracked, time, time elapsed and an estimate of the rest) and AIS
        estimates of log Z as they run; ``2`` adds the learning rate and
        momentum, and progress within long epochs.

    Attributes
    ----------
    coupling_ : ndarray of shape (n_units, n_units)
        Symmetric couplings W with a zero diagonal, visible units first.
    intercept_ : ndarray of shape (n_units,)
        Biases b.
    n_iter_ : int
        Training epochs run.
    log_likelihood_curve_ : list of float
        Exact mean log-likelihood of the training data after each epoch, for
        machines learned exactly (empty otherwise: sampled gradients are too
        noisy a curve, and the log-likelihood too costly to track per epoch).
    encoding_ : {"binary", "spin"}
        Encoding of the fitted data; samples and completions come back in it.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    References
    ----------
    Ackley, Hinton & Sejnowski (1985), "A learning algorithm for Boltzmann
    machines", Cognitive Science 9. Salakhutdinov & Hinton (2009), "Deep
    Boltzmann machines" (mean-field clamped phase, persistent free phase).

    Examples
    --------
    >>> from skenergy import BoltzmannMachine
    >>> from skenergy.datasets import make_bars_and_stripes
    >>> X = make_bars_and_stripes(3)
    >>> machine = BoltzmannMachine(n_components=4, random_state=0).fit(X)
    >>> machine.coupling_.shape
    (13, 13)
    >>> bool(machine.score(X) > -4.0)  # 14 patterns: log(1/14) = -2.64 is the best
    True
    """

    # ------------------------------------------------------------------ fitting

    @guarded_fit
    def fit(self, X, y=None):
        """Fit the machine to the binary rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data, {0, 1} or {-1, +1} (or real values with ``binarize``).

        y : None
            Ignored.

        Returns
        -------
        self : BoltzmannMachine
            The fitted machine.
        """
        V = self._validate_training_data(X, reset=True)
        rng = make_generator(self.random_state)
        self._initialise(V, rng)
        self._train(V, self.max_iter, rng, self.learning_rate_schedule)
        self._ais_seed = draw_ais_seed(rng)  # after training: its stream is unchanged
        return self

    @guarded_fit
    def partial_fit(self, X, y=None):
        """One epoch over X at the constant learning rate, keeping parameters and chains.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of binary training data.

        y : None
            Ignored.

        Returns
        -------
        self : BoltzmannMachine
            The updated machine.
        """
        first_call = not hasattr(self, "coupling_")
        V = self._validate_training_data(X, reset=first_call)
        if first_call:
            self._rng = make_generator(self.random_state)
            self._initialise(V, self._rng)
        self._train(V, 1, self._rng, "constant", incremental=True)
        if first_call:
            self._ais_seed = draw_ais_seed(self._rng)
        return self

    @property
    def _n_features_out(self):
        return self.coupling_.shape[0] - self.n_features_in_  # unfitted: AttributeError

    def transform(self, X):
        """Marginal probabilities of the hidden units given each row of X.

        Exact: in closed form without hidden-hidden couplings, by enumerating
        the hidden states with them (up to 12 hidden units); mean field beyond.
        Each row's result depends on that row alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data.

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
            In X's floating dtype (float32 stays float32; computed in float64).
        """
        rows = self._fitted_rows(X)
        V = self._binary_of(rows)
        if self.n_components and self._hidden_enumerated():
            P, H = self._hidden_posterior(V)
            return (P @ H).astype(rows.dtype, copy=False)
        return self._hidden_means(V).astype(rows.dtype, copy=False)

    def score_samples(self, X):
        """Log-likelihood ``log p(v)`` of each row of X, in nats.

        ``log sum_h exp(-E(v, h) / T)`` is exact (closed form without hidden-hidden
        couplings, enumeration of the hidden states with them); ``log Z`` is exact
        up to 20 units and an AIS estimate beyond (see ``partition``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data.

        Returns
        -------
        log_p : ndarray of shape (n_samples,)
        """
        V = self._binary_visible(X)
        return self._log_marginal(V) - self.log_partition().log_z

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of X (see :meth:`score_samples`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary data.

        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def sample(
        self,
        n_samples,
        *,
        n_steps=1000,
        annealing_temperature=None,
        final_temperature=None,
        random_state=None,
    ):
        """Visible states drawn from fresh Gibbs chains.

        Parameters
        ----------
        n_samples : int
            Number of chains, one sample each.

        n_steps : int, default=1000
            Gibbs sweeps from uniformly random states.

        annealing_temperature : float or None, default=None
            Cool the chains geometrically from this temperature to
            ``final_temperature`` over the sweeps; None samples at the final
            temperature throughout.

        final_temperature : float or None, default=None
            Temperature of the last sweep: None is the model's (samples of the
            model); a low one makes annealing a search for low-energy states.

        random_state : int, RandomState instance or None, default=None
            None continues the model's own generator (seeded by ``random_state``
            at fit), so successive calls draw afresh; it advances only when the
            call succeeds.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            Visible states in ``encoding_``.
        """
        check_is_fitted(self)
        check_count(n_samples, "n_samples", minimum=1)
        check_count(n_steps, "n_steps", minimum=0)
        check_rows_memory(self, n_samples, "n_samples")
        annealing_temperature = check_temperature(annealing_temperature, "annealing_temperature")
        final_temperature = check_temperature(final_temperature, "final_temperature")
        schedule = self._chain_temperatures(n_steps, annealing_temperature, final_temperature)
        with draw_generator(self, random_state) as rng:
            chains = self._chains_for(self._random_states(n_samples, rng), rng)
            for temperature in schedule:
                chains.sweep(temperature)
        return self._encode(chains.states[:, : self._n_visible])

    def _encode(self, V):
        return from_spins(2 * V - 1, self.encoding_)

    def complete(self, X, *, n_steps=200, annealing_temperature=2.0, random_state=None):
        """Fill in the unknown visible units (NaN) with their most probable values.

        The known units are clamped; the others (and the hidden units) are
        annealed from ``annealing_temperature`` to the model's temperature over
        the first half of ``n_steps`` sweeps and sampled over the second half,
        and each unknown unit gets the value it took most often then: its
        marginal most probable value.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary rows with NaN where values are unknown.

        n_steps : int, default=200
            Sweeps: half annealing, half counting.

        annealing_temperature : float or None, default=2.0
            Temperature the annealing starts from; None: the model's throughout.

        random_state : int, RandomState instance or None, default=None
            Seed of the starting states and sweeps; None starts afresh from the
            estimator's ``random_state`` on every call, so the same rows get the
            same completion.

        Returns
        -------
        completed : ndarray of shape (n_samples, n_features)
            In ``encoding_`` and X's floating dtype: the known values unchanged.
        """
        check_count(n_steps, "n_steps", minimum=1)
        annealing_temperature = check_temperature(annealing_temperature, "annealing_temperature")
        X = self._fitted_rows(X, allow_nan=True)
        known = ~np.isnan(X)
        spins, _ = check_binary(np.where(known, X, 1), type(self).__name__, self.binarize)
        rng = answer_generator(self, random_state)
        n_rows = X.shape[0]
        start = self._random_states(n_rows, rng)
        start[:, : self._n_visible] = np.where(known, spins > 0, start[:, : self._n_visible])
        clamp = np.zeros((n_rows, self._n_units), dtype=bool)
        clamp[:, : self._n_visible] = known
        chains = self._chains_for(start, rng, clamp=clamp)
        warm = n_steps // 2
        for temperature in self._chain_temperatures(warm, annealing_temperature):
            chains.sweep(temperature)
        on = np.zeros((n_rows, self._n_visible))
        for _ in range(n_steps - warm):
            chains.sweep(self.temperature)
            on += chains.states[:, : self._n_visible]
        most_probable = on > (n_steps - warm) / 2
        completed = self._encode(np.where(known, spins > 0, most_probable).astype(float))
        return completed.astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


class BoltzmannClassifier(LogProbaClassifierMixin, ClassifierMixin, _BoltzmannBase):
    """Classification by clamping: a Boltzmann machine of the features and the class.

    The machine's visible units are the binary features and one unit per class,
    a softmax group of which exactly one is on (the Gibbs sampler updates the
    group jointly, and enumeration visits only one-hot states); hidden units and
    lateral connections as in :class:`BoltzmannMachine`. It learns the joint
    distribution ``p(x, y)`` by the same clamped and free phases, and predicts by
    clamping the features and reading the class posterior, summed over the
    hidden states exactly::

        p(y = c | x) = softmax_c( log sum_h exp(-E(x, e_c, h) / T) )

    (in closed form without hidden-hidden couplings, by enumerating the hidden
    states with them). The parameters are those of :class:`BoltzmannMachine`.

    Parameters
    ----------
    n_components : int, default=8
        Hidden units.
    connections : {"full", "semi-restricted", "restricted"} or array of bool, default="full"
        Coupled blocks; a matrix covers features, then classes, then hidden units.
    method : {"auto", "exact", "pcd", "cd", "pt"}, default="auto"
    n_temperatures : int, default=10
    clamped_phase : {"mean_field", "gibbs"}, default="mean_field"
    k : int, default=3
    n_chains : int or None, default=100
    temperature : float, default=1.0
    annealing_temperature : float or None, default=None
    learning_rate : float, default=0.1
    learning_rate_schedule : {"linear", "constant"}, default="linear"
    batch_size : int or "auto", default=10
    max_iter : int or "auto", default=200
    momentum : float, default=0.9
    alpha : float, default=1e-4
    partition : {"auto", "exact", "ais"}, default="auto"
    n_betas : int, default=10000
    n_runs : int, default=100
    binarize : float or None, default=None
        Threshold mapping real features to binary; None requires binary features.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
        Progress lines: ``1``, a line per epoch with the time elapsed and an
        estimate of the rest; ``2`` adds the learning rate and momentum, and
        progress within long epochs.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coupling_ : ndarray of shape (n_units, n_units)
        Features first, then the class units, then the hidden units.
    intercept_ : ndarray of shape (n_units,)
    n_iter_ : int
    log_likelihood_curve_ : list of float
        Exact mean ``log p(x, y)`` of the training data per epoch (small machines).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy import BoltzmannClassifier
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 10)
    >>> y = X[:, 0] ^ X[:, 1]  # XOR: no linear model gets it
    >>> clf = BoltzmannClassifier(n_components=2, learning_rate=0.5, random_state=0)
    >>> clf.fit(X, y).score(X, y)
    1.0
    """

    @guarded_fit
    def fit(self, X, y):
        """Learn the joint distribution of the binary features and the class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary features (or real values with ``binarize``).

        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : BoltzmannClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        spins, _ = check_binary(X, type(self).__name__, self.binarize)
        self.classes_, codes = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        V = np.hstack([(spins > 0).astype(np.float64), np.eye(n_classes)[codes]])
        rng = make_generator(self.random_state)
        n_features = X.shape[1]
        self._initialise(V, rng, groups=[np.arange(n_features, n_features + n_classes)])
        self._train(V, self.max_iter, rng, self.learning_rate_schedule)
        self._ais_seed = draw_ais_seed(rng)  # after training: its stream is unchanged
        return self

    def predict_log_proba(self, X):
        """Log class posteriors ``log p(y | x)``, summed over the hidden states exactly.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary features.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        rows = self._fitted_rows(X)
        V = self._binary_of(rows)
        n_classes = len(self.classes_)
        scores = np.column_stack(
            [
                self._log_marginal(np.hstack([V, np.tile(np.eye(n_classes)[c], (len(V), 1))]))
                for c in range(n_classes)
            ]
        )
        # Computed in float64; returned in X's floating dtype, as transform does.
        return (scores - logsumexp(scores, axis=1, keepdims=True)).astype(rows.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A threshold keeps one bit of each real-valued feature: on the generic
        # checks' blobs (standardised, thresholded at 1.5) that is too little
        # information to reach their accuracy floor.
        tags.classifier_tags.poor_score = self.binarize is not None
        return tags

"""Deep energy models built on the layered core: deep belief networks.

A deep belief network (Hinton, Osindero & Teh 2006) is a stack of restricted
Boltzmann machines trained greedily (:mod:`skenergy._stack`), read as one
generative model: the top two layers form an undirected RBM, and each layer
below is generated from the one above through the downward (generative)
conditional of the RBM that joins them. Everything a layer computes (its
conditionals, samples, free energy, log partition function) comes from the
layered core, :class:`skenergy._layered.Layers`, through the fitted RBMs.
"""

from numbers import Integral

import numpy as np
from scipy.special import logsumexp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._config import chunk_rows
from ._optim import interruptible
from ._partition import (
    cached_log_partition,
    check_enumerable,
    draw_ais_seed,
    partition_method,
)
from ._sampling import draw_generator, make_generator
from ._stack import layer_rbm, leaves_unit_interval, stack_rbms
from ._units import binary_states
from ._validation import (
    as_dense,
    check_count,
    check_fit_memory,
    check_fitted_rows,
    check_layer_sizes,
    check_magnitude,
    check_mask,
    check_rows_memory,
    check_unit_interval,
    guarded_fit,
)
from .rbm import RestrictedBM

#: Hidden units below the top RBM up to which ``likelihood="auto"`` (and the
#: bound) sum over their joint states: 4096 states, a fraction of a second on
#: the digits; the cost grows with rows times states.
MAX_AUTO_SUMMED_UNITS = 12
#: Bytes of float64 temporaries per (row, hidden state) pair or per row of a
#: likelihood computation, per unit of the network.
_SCORE_BYTES_PER_UNIT = 8 * 6


class DeepBeliefNetwork(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Deep belief network: RBMs stacked greedily, read as a generative model.

    With hidden layers ``h_1 .. h_L`` above the visible layer ``v = h_0``, the
    model is::

        p(v, h_1, ..., h_L) = p(v | h_1) p(h_1 | h_2) ... p(h_{L-2} | h_{L-1}) p(h_{L-1}, h_L)

    where ``p(h_{L-1}, h_L)`` is the top RBM and each ``p(h_{l-1} | h_l)`` is the
    downward conditional of the RBM joining the two layers (logistic units, or
    unit-variance Gaussian visible units). ``fit`` trains the RBMs bottom up,
    each on the hidden probabilities of the one below (Hinton, Osindero & Teh
    2006); their upward conditionals then serve as the recognition model ``Q``
    that ``transform`` runs and the likelihood bound uses. One hidden layer is
    an RBM.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(256, 256)
        Units of each hidden layer, bottom first.

    rbm : RestrictedBM, default=None
        Template of every layer's RBM (``None``: ``RestrictedBM()``), cloned with
        ``n_components`` set to the layer's size; its parameters stay tunable
        through the usual names (``rbm__learning_rate``, ``rbm__max_iter``). The
        first layer gets Gaussian visible units when the data leave [0, 1]. The
        top RBM's ``partition``, ``n_betas`` and ``n_runs`` set how its ``log Z``
        is computed.

    likelihood : {"auto", "exact", "bound"}, default="auto"
        What ``score_samples`` returns. ``"exact"``: ``log p(v)``, summing over
        every joint state of the hidden layers below the top one (an error
        beyond 26 units in all), with the top RBM's exact ``log Z``. ``"bound"``:
        the variational lower bound of Salakhutdinov & Murray (2008), summed
        exactly over the same states when there are at most 12 units below the
        top, estimated from ``n_bound_samples`` draws of the recognition model
        otherwise. ``"auto"``: exact when both sums are small enough (12 units
        below the top, and a top RBM whose ``log Z`` is enumerated), the bound
        otherwise. A sum over ``2**n`` states costs ``2**n`` times a row's
        up-pass for every row: 16 units and 1797 rows take seconds.

    n_bound_samples : int, default=10
        Draws of the hidden layers per row for the Monte Carlo estimate of the
        bound (``score_samples(X, return_std=True)`` gives its standard error).

    warm_start : bool, default=False
        Keep the fitted layers (those whose sizes still match, bottom up) and
        train only the layers above them: with a longer ``hidden_layer_sizes``,
        ``fit`` adds layers to a fitted network; after an interrupted ``fit``, it
        trains the layers left out.

    random_state : int, RandomState instance or None, default=None
        Seeds the layers whose template leaves ``random_state`` None, the
        samplers and the bound's draws.

    verbose : int, default=0
        Print a line per layer, and the layers' own per-epoch lines.

    Attributes
    ----------
    rbms_ : list of RestrictedBM
        The fitted RBMs, bottom first: ``rbms_[l]`` joins hidden layer ``l``
        (the data for ``l = 0``) to layer ``l + 1``. Fewer than
        ``len(hidden_layer_sizes)`` after an interrupted ``fit``.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    RestrictedBM : the layers.
    BackpropMLPClassifier : ``pretrain`` initialises a network from the same stack.

    References
    ----------
    Hinton, G. E., Osindero, S. and Teh, Y. (2006). A fast learning algorithm for
    deep belief nets. Neural Computation 18(7).

    Salakhutdinov, R. and Murray, I. (2008). On the quantitative analysis of deep
    belief networks. ICML.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import DeepBeliefNetwork, RestrictedBM
    >>> X = (load_digits().data > 7).astype(float)
    >>> dbn = DeepBeliefNetwork(
    ...     (10, 8), rbm=RestrictedBM(max_iter=5), random_state=0
    ... ).fit(X)
    >>> dbn.transform(X[:2]).shape
    (2, 8)
    >>> dbn.sample(3, n_steps=100).shape
    (3, 64)
    >>> bool(dbn.score(X) < 0)  # log p(v) summed exactly over the 10 units below the top
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "rbm": [None, RestrictedBM],
        "likelihood": [StrOptions({"auto", "exact", "bound"})],
        "n_bound_samples": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        *,
        rbm=None,
        likelihood="auto",
        n_bound_samples=10,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.rbm = rbm
        self.likelihood = likelihood
        self.n_bound_samples = n_bound_samples
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    @guarded_fit
    def fit(self, X, y=None):
        """Train the RBMs greedily, bottom up.

        Ctrl-C stops after the current minibatch of the layer in training: the
        network keeps the layers trained so far (the last one cut short), and a
        ``fit`` with ``warm_start=True`` trains the rest.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (in [0, 1] for Bernoulli visible units).

        y : None
            Ignored.

        Returns
        -------
        self : DeepBeliefNetwork
            The fitted network.
        """
        sizes = check_layer_sizes(self.hidden_layer_sizes, minimum_layers=1)
        n_features_before = getattr(self, "n_features_in_", None)
        X = self._validate_training_data(X, reset=True)
        kept = self._kept_layers(X.shape[1] == n_features_before, sizes)
        self._check_fit_memory(X, sizes, kept)
        self._rng = make_generator(self.random_state)
        self._score_seed = draw_ais_seed(self._rng)
        with interruptible(type(self).__name__) as interrupt:
            rbms = stack_rbms(
                self._template(), X, sizes, self.random_state, fitted=kept,
                stop=lambda: interrupt.requested, report=self._report_layer,
            )  # fmt: skip
            if interrupt.requested:
                interrupt.consequence = (
                    f"the network keeps the {len(rbms)} of its {len(sizes)} layers trained "
                    "so far, the last one cut short; fit with warm_start=True trains the rest."
                )
        self.rbms_ = rbms
        return self

    @guarded_fit
    def partial_fit(self, X, y=None):
        """Run one epoch of every layer over X, bottom up.

        Each layer's RBM runs its own ``partial_fit`` on the hidden probabilities
        of the layer below (as they are after that layer's update): for data
        that arrive in chunks. The first call creates the layers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : None
            Ignored.

        Returns
        -------
        self : DeepBeliefNetwork
            The updated network.
        """
        first_call = not hasattr(self, "rbms_")
        sizes = check_layer_sizes(self.hidden_layer_sizes, minimum_layers=1)
        X = self._validate_training_data(X, reset=first_call)
        self._check_fit_memory(X, sizes, () if first_call else self.rbms_)
        if first_call:
            self._rng = make_generator(self.random_state)
            self._score_seed = draw_ais_seed(self._rng)
            gaussian = leaves_unit_interval(X)
            self.rbms_ = [
                layer_rbm(self._template(), size, self.random_state, gaussian and layer == 0)
                for layer, size in enumerate(sizes)
            ]
        features = X
        for rbm in self.rbms_:
            rbm.partial_fit(features)
            features = rbm.transform(features).astype(X.dtype)
        return self

    def _template(self):
        template = RestrictedBM() if self.rbm is None else self.rbm
        if self.verbose and not template.verbose:
            template = clone(template).set_params(verbose=self.verbose)
        return template

    def _report_layer(self, layer, n_inputs, size):
        if self.verbose:
            print(f"[{type(self).__name__}] Layer {layer + 1}: {n_inputs} -> {size} units")

    def _kept_layers(self, same_width, sizes):
        """With ``warm_start``, the fitted layers that stay: bottom up, while their
        sizes match, on data of the same width."""
        if not (self.warm_start and same_width and hasattr(self, "rbms_")):
            return ()
        kept = []
        for rbm, size in zip(self.rbms_, sizes, strict=False):
            if rbm.n_components != size:
                break
            kept.append(rbm)
        return kept

    def _validate_training_data(self, X, reset):
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=reset)
        return check_magnitude(X, "X", type(self).__name__)

    def _fit_bytes(self, n_rows, n_features, itemsize, sizes=None, kept=(), gaussian=False):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py):
        the largest layer's RBM fit, the features passed between layers (twice:
        the RBM's output and its cast), the data, and the layers already fitted."""
        sizes = check_layer_sizes(self.hidden_layer_sizes) if sizes is None else sizes
        widths = [n_features, *sizes]
        template = self._template()
        rbm_peak = max(
            layer_rbm(template, size, None, gaussian and layer == 0)._fit_bytes(
                n_rows, widths[layer], itemsize
            )
            for layer, size in enumerate(sizes)
        )
        features = 3 * n_rows * max(widths[1:]) + n_rows * n_features
        fitted = sum(4 * rbm.components_.size for rbm in kept)
        return rbm_peak + itemsize * (features + fitted)

    def _check_fit_memory(self, X, sizes, kept):
        check_fit_memory(
            self,
            self._fit_bytes(*X.shape, X.dtype.itemsize, sizes, kept, leaves_unit_interval(X)),
            *X.shape,
            ("hidden_layer_sizes",),
            "Use smaller hidden layers (or rbm=RestrictedBM(batch_size=...) with smaller "
            "batches), or train on float32 data.",
        )  # fmt: skip

    def _bytes_per_row(self):
        """Per row of a call: every layer's states and their float64 temporaries."""
        return _SCORE_BYTES_PER_UNIT * (self.n_features_in_ + sum(self._widths()[1:]))

    def _widths(self):
        return [self.n_features_in_, *(rbm.n_components for rbm in self.rbms_)]

    @property
    def _n_features_out(self):
        return self.rbms_[-1].n_components

    # ----------------------------------------------------------- transformation

    def _fitted_rows(self, X):
        """Rows given to the fitted network, validated, in the bottom RBM's units."""
        X = check_fitted_rows(self, X, accept_sparse=True)
        bottom = self.rbms_[0]
        if bottom.visible == "bernoulli":
            return check_unit_interval(X, type(self).__name__, clip=True)
        return bottom._standardise(X)

    def transform(self, X, *, layer=None):
        """Up-pass probabilities: ``Q(h_l = 1 | h_{l-1})`` applied layer after layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data (for Bernoulli visible units, values outside [0, 1] are clipped
            with a warning).

        layer : int, default=None
            Index into ``hidden_layer_sizes`` of the layer to read (negative
            counts from the top); None reads the top layer.

        Returns
        -------
        H : ndarray of shape (n_samples, n_units of the layer)
            Feature values in [0, 1].
        """
        H = self._fitted_rows(X)
        n_layers = len(self.rbms_)
        if layer is None:
            layer = n_layers - 1
        if not isinstance(layer, Integral) or isinstance(layer, bool):
            raise TypeError(f"layer must be an integer index of a hidden layer, got {layer!r}.")
        if not -n_layers <= layer < n_layers:
            raise ValueError(
                f"layer={layer} is not one of the network's {n_layers} hidden layers "
                f"(0 to {n_layers - 1}, or negative from the top)."
            )
        for rbm in self.rbms_[: layer % n_layers + 1]:
            H = rbm._layers().mean(1, [H, None])
        return H

    def inverse_transform(self, H):
        """Expected data given top-layer states: a deterministic down pass.

        The top RBM's visible means given ``H``, then each layer's downward
        conditional means in turn.

        Parameters
        ----------
        H : array-like of shape (n_samples, n_units of the top layer)
            Top-layer states, or probabilities from :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            In the units of the training data.
        """
        check_is_fitted(self)
        dtype = self.rbms_[-1].components_.dtype
        H = check_array(H, dtype=dtype)
        if H.shape[1] != self._n_features_out:
            raise ValueError(
                f"H must have shape (n_samples, {self._n_features_out}), got {H.shape}."
            )
        check_rows_memory(self, H.shape[0], "H")
        for rbm in reversed(self.rbms_):
            H = rbm._layers().mean(0, [None, H])
        return self.rbms_[0]._to_data_units(H)

    # ---------------------------------------------------------------- sampling

    def sample(
        self, n_samples=1, *, n_steps=1000, X=None, mask=None, mean=False, random_state=None
    ):
        """Draw samples of the generative model.

        The top RBM runs ``n_steps`` block Gibbs steps, then one directed pass
        samples each layer below from the one above (Hinton et al. 2006: "get an
        equilibrium sample from the top-level RBM, then perform a top-down pass").
        Chains start from the top RBM's visible base rates, or from the up-pass
        of the rows of ``X``.

        With ``mask``, the units it marks keep ``X``'s values (inpainting): each
        of the ``n_steps`` steps runs an up-pass of the current rows to the top
        RBM (sampled), one Gibbs step there, a down pass, and puts the clamped
        values back. The recognition weights stand in for the posterior of the
        directed layers, so this samples the completion approximately (exactly
        for one layer, an RBM).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (ignored when ``X`` is given: one per row).

        n_steps : int, default=1000
            Gibbs steps in the top RBM (burn-in) before the down pass.

        X : array-like of shape (n_rows, n_features), default=None
            Starting rows, and the clamped values where ``mask`` is True.

        mask : array-like of bool, shape (n_features,) or (n_rows, n_features), default=None
            True where a unit is clamped to ``X``'s value. Requires ``X``.

        mean : bool, default=False
            Return the expected data given the layer above in the last down pass
            instead of sampled states: smoother images.

        random_state : int, RandomState instance or None, default=None
            None continues the network's own generator (seeded by ``random_state``
            at fit); it advances only when the call succeeds.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            In the units of the training data.
        """
        check_is_fitted(self)
        check_count(n_samples, "n_samples", minimum=1)
        check_count(n_steps, "n_steps", minimum=0)
        if X is None:
            if mask is not None:
                raise ValueError("mask marks units clamped to X's values: pass X as well.")
            check_rows_memory(self, n_samples, "n_samples")
        else:
            V = np.array(as_dense(self._fitted_rows(X)), dtype=self.rbms_[0].components_.dtype)
            clamp = None if mask is None else np.broadcast_to(check_mask(mask, V.shape), V.shape)
        with draw_generator(self, random_state) as rng:
            if X is not None and clamp is not None:
                V = self._clamped_chains(V, clamp, n_steps, rng, mean)
            else:
                top = self.rbms_[-1]
                H = top._fresh_visible(n_samples, rng) if X is None else self._up_pass(V, rng)
                H = top._run_chains(H, n_steps, rng, mean=mean and len(self.rbms_) == 1)
                V = self._down_pass(H, rng, mean)
        return self.rbms_[0]._to_data_units(V)

    def _up_pass(self, V, rng):
        """Sampled states of the top RBM's visible layer, by the recognition model."""
        for rbm in self.rbms_[:-1]:
            V = rbm._layers().sample_layer(1, [V, None], rng)
        return V

    def _down_pass(self, H, rng, mean=False):
        """From states of the top RBM's visible layer down to the data layer, each
        layer sampled from ``p(h_{l-1} | h_l)``; the data layer's mean with ``mean``."""
        for position in range(len(self.rbms_) - 2, -1, -1):
            layers = self.rbms_[position]._layers()
            H = layers.sample_layer(0, [None, H], rng, mean=mean and position == 0)
        return H

    def _clamped_chains(self, V, clamp, n_steps, rng, mean):
        top = self.rbms_[-1]._layers()
        for step in range(n_steps):
            last = mean and step == n_steps - 1
            H = top.gibbs(self._up_pass(V, rng), 1, rng, mean_last=last and len(self.rbms_) == 1)
            V = np.where(clamp, V, self._down_pass(H, rng, mean=last))
        return V

    # ------------------------------------------------------------ likelihood

    def log_partition(self):
        """``log Z`` of the top RBM, the network's only normaliser (see
        :meth:`RestrictedBM.log_partition`), computed as the top RBM's ``partition``
        says and cached.

        Returns
        -------
        estimate : LogPartition
        """
        check_is_fitted(self)
        return self.rbms_[-1].log_partition()

    def score_samples(self, X, return_std=False):
        """Log-likelihood of each row, or its variational lower bound, in nats.

        With hidden layers ``h = (h_1, ..., h_{L-1})`` below the top RBM, whose
        unnormalised marginal is ``exp(-F(h_{L-1}))``, and the recognition model
        ``Q(h | v) = prod_l Q(h_l | h_{l-1})`` (the RBMs' upward conditionals)::

            log p(v) = log sum_h p(v | h_1) ... p(h_{L-2} | h_{L-1}) exp(-F(h_{L-1})) - log Z
                    >= E_Q[log p(v, h) - log Q(h | v)]

        (Salakhutdinov & Murray 2008). ``likelihood`` chooses which one is
        returned and how (exact sums, or Monte Carlo over ``Q`` with the entropy
        of each layer's ``Q`` taken analytically); ``log Z`` is the top RBM's
        (:meth:`log_partition`). For Gaussian visible units the density is that of
        the data in its own units. Values are deterministic for a fitted model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        return_std : bool, default=False
            Also return each value's standard error: the Monte Carlo error of
            the bound and the error of ``log Z``, combined.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)

        std : ndarray of shape (n_samples,)
            Only with ``return_std=True``.
        """
        V = as_dense(self._fitted_rows(X))
        kind, enumerated = self._likelihood_method()
        log_z = self._top_log_partition(kind)
        layers = [rbm._layers(np.float64) for rbm in self.rbms_]
        if enumerated:
            exact, bound = self._enumerated_likelihood(layers, V)
            values, std = (exact if kind == "exact" else bound), np.zeros(V.shape[0])
        else:
            values, std = self._sampled_bound(layers, V)
        values = values - log_z.log_z - self.rbms_[0]._log_jacobian()
        if return_std:
            return values, np.sqrt(std**2 + log_z.std**2)
        return values

    def score(self, X, y=None):
        """Mean of :meth:`score_samples` over the rows of X, in nats.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))

    def _n_enumerated_units(self):
        return sum(rbm.n_components for rbm in self.rbms_[:-1])

    def _likelihood_method(self):
        """``(kind, enumerated)``: ``"exact"`` or ``"bound"``, and whether the hidden
        states below the top are summed exactly."""
        n_units = self._n_enumerated_units()
        if self.likelihood == "exact":
            check_enumerable(n_units, "hidden layers below the top RBM")
            return "exact", True
        small = n_units <= MAX_AUTO_SUMMED_UNITS
        if self.likelihood == "bound":
            return "bound", small
        top = self.rbms_[-1]
        top_exact = top._partition_method() == "exact"
        return ("exact", True) if small and top_exact else ("bound", small)

    def _top_log_partition(self, kind):
        top = self.rbms_[-1]
        if kind != "exact":
            return top.log_partition()
        method = partition_method("exact", top._enumerated_layer_size(), "top RBM's smaller layer")
        return cached_log_partition(top, method, top._compute_log_partition)

    def _upper_terms(self, layers, hidden):
        """The terms of ``log p(v, h) + log Z`` and ``log Q(h | v)`` that leave ``v`` out,
        per row of the hidden states ``hidden = [h_1, ..., h_{L-1}]``: the directed
        conditionals above ``h_1`` and the top RBM's ``-F(h_{L-1})``, and the
        recognition conditionals above ``h_1``."""
        log_p = -layers[-1].free_energy(hidden[-1])
        log_q = np.zeros(hidden[0].shape[0])
        for pair, below, above in zip(layers[1:-1], hidden[:-1], hidden[1:], strict=True):
            log_p += pair.log_conditional(0, [below, above])
            log_q += pair.log_conditional(1, [below, above])
        return log_p, log_q

    def _enumerated_likelihood(self, layers, V):
        """Exact ``log p(v) + log Z`` and the exact bound (plus ``log Z``) per row, summing
        over every joint state of the hidden layers below the top, in blocks of
        states. The terms joining ``v`` and ``h_1`` are tables of (row, state)
        pairs (:meth:`Layers.log_conditional_table`), the others are per state."""
        if len(layers) == 1:
            log_p = -layers[0].free_energy(V)
            return log_p, log_p
        sizes = [rbm.n_components for rbm in self.rbms_[:-1]]
        n_units, n_rows = sum(sizes), V.shape[0]
        per_state = chunk_rows(
            _SCORE_BYTES_PER_UNIT * (sum(self._widths()) + n_rows), None,
            "the likelihood's sum over hidden states",
            "Score fewer rows at a time, use fewer hidden units below the top RBM, "
            "or likelihood='bound'.",
        )  # fmt: skip
        first = layers[0]
        V = np.asarray(V, dtype=np.float64)
        log_p, bound = np.full(n_rows, -np.inf), np.zeros(n_rows)
        for start in range(0, 1 << n_units, per_state):
            states = binary_states(n_units, start, min(start + per_state, 1 << n_units))
            hidden = np.split(states, np.cumsum(sizes)[:-1], axis=1)
            upper_p, upper_q = self._upper_terms(layers, hidden)
            joint = first.log_conditional_table(0, hidden[0], V).T + upper_p
            log_q = first.log_conditional_table(1, V, hidden[0]) + upper_q
            log_p = np.logaddexp(log_p, logsumexp(joint, axis=1))
            bound += (np.exp(log_q) * (joint - log_q)).sum(axis=1)
        return log_p, bound

    def _sampled_bound(self, layers, V):
        """Monte Carlo estimate of the bound (plus ``log Z``) and its standard error per
        row: hidden states drawn from ``Q`` layer by layer, each layer's ``-log Q``
        replaced by the entropy of its conditional (the same expectation, less noise).

        Every row uses the same uniforms (one vector per draw and layer), so a row's
        value does not depend on the rows scored with it.
        """
        rng = np.random.default_rng(self._score_seed)
        uniforms = [rng.random((self.n_bound_samples, rbm.n_components)) for rbm in self.rbms_]
        draws = np.empty((self.n_bound_samples, V.shape[0]))
        step = chunk_rows(
            _SCORE_BYTES_PER_UNIT * sum(self._widths()), V.shape[0], "the likelihood bound",
            "Score fewer rows at a time.",
        )  # fmt: skip
        for lo in range(0, V.shape[0], step):
            block = np.asarray(V[lo : lo + step], dtype=np.float64)
            for draw in range(self.n_bound_samples):
                hidden, entropy, below = [], 0.0, block
                for pair, u in zip(layers[:-1], uniforms, strict=False):
                    entropy = entropy + pair.conditional_entropy(1, [below, None])
                    below = (u[draw] < pair.mean(1, [below, None])).astype(np.float64)
                    hidden.append(below)
                log_p = self._upper_terms(layers, hidden)[0]
                log_p += layers[0].log_conditional(0, [block, hidden[0]])
                draws[draw, lo : lo + step] = log_p + entropy
        n = self.n_bound_samples
        std = draws.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(V.shape[0], np.inf)
        return draws.mean(axis=0), std

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

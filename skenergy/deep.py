"""Deep energy models built on the layered core: deep belief networks.

A deep belief network (Hinton, Osindero & Teh 2006) is a stack of restricted
Boltzmann machines trained greedily (:mod:`skenergy._stack`), read as one
generative model: the top two layers form an undirected RBM, and each layer
below is generated from the one above through the downward (generative)
conditional of the RBM that joins them. Everything a layer computes (its
conditionals, samples, free energy, log partition function) comes from the
layered core, :class:`skenergy._layered.Layers`, through the fitted RBMs.
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp, xlogy
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from ._classifier import LogProbaClassifierMixin
from ._config import chunk_rows
from ._layered import Layers, statistics_step
from ._loop import AdaptiveScheduleMixin, Training, run_epochs
from ._optim import interruptible
from ._partition import (
    ais_bracket,
    cached_log_partition,
    check_enumerable,
    draw_ais_seed,
    partition_method,
)
from ._rbm_step import minibatch, plain_step
from ._sampling import ais_betas, draw_generator, make_generator
from ._stack import (
    check_binary_hidden,
    decoder_layer,
    encoder_layer,
    layer_announcer,
    layer_features,
    layer_rbm,
    leaves_unit_interval,
    stack_rbms,
    verbose_template,
    visible_standardisation,
)
from ._tempering import LayeredPath, TemperingMixin
from ._units import UNITS, binary_states
from ._validation import (
    as_dense,
    check_fit_memory,
    check_fitted_rows,
    check_layer_sizes,
    check_magnitude,
    check_rows_memory,
    check_sampling,
    check_unit_interval,
    guarded_fit,
)
from ._wake_sleep import UpDown
from .rbm import RestrictedBM, _VisibleUnitsMixin, base_rate_logits

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

    fine_tune_iter : int, default=0
        Epochs of generative fine-tuning by the up-down algorithm (contrastive
        wake-sleep, Hinton, Osindero & Teh 2006) after the greedy stacking: the
        generative weights of the layers below the top RBM are untied from the
        recognition weights, and each minibatch takes a wake step of the
        generative layers, a CD-k step of the top RBM (the template's ``k`` and
        weight penalties) and a sleep step of the recognition layers. 0: none.
        Minibatches of the template's ``batch_size``; ``partial_fit`` runs one
        epoch per call.

    fine_tune_learning_rate : float, default=0.01
        Learning rate of the fine-tuning's plain gradient steps (no momentum),
        decaying as the template's ``learning_rate_schedule`` says.

    warm_start : bool, default=False
        Keep the fitted layers (those whose sizes still match, bottom up) and
        train only the layers above them: with a longer ``hidden_layer_sizes``,
        ``fit`` adds layers to a fitted network; after an interrupted ``fit``, it
        trains the layers left out.

    random_state : int, RandomState instance or None, default=None
        Seeds the layers whose template leaves ``random_state`` None, the
        samplers and the bound's draws.

    verbose : int, default=0
        Progress lines: ``1``, a line per layer, the layers' epochs with the
        time elapsed and an estimate of the rest, and AIS estimates of log Z
        as they run; ``2`` adds learning rates, momentum and progress within
        long epochs.

    Attributes
    ----------
    rbms_ : list of RestrictedBM
        The fitted RBMs, bottom first: ``rbms_[l]`` joins hidden layer ``l``
        (the data for ``l = 0``) to layer ``l + 1``. Fewer than
        ``len(hidden_layer_sizes)`` after an interrupted ``fit``. Below the top,
        their upward conditionals are the recognition model.

    generative_weights_ : list of ndarray or None
        None while the layers are tied (greedy training): each directed
        conditional ``p(h_l | h_{l+1})`` below the top RBM is then the downward
        conditional of ``rbms_[l]``. After fine-tuning (``fine_tune_iter``),
        ``generative_weights_[l]``, of shape (units of layer ``l + 1``, units of
        layer ``l``), and ...

    generative_intercepts_ : list of ndarray or None
        ... ``generative_intercepts_[l]``, of shape (units of layer ``l``,), are
        its weights and biases, which ``sample``, ``inverse_transform`` and the
        likelihood use; ``rbms_`` then hold the recognition weights below the
        top. ``partial_fit`` with ``fine_tune_iter=0`` ties the layers again.

    n_fine_tune_iter_ : int
        Epochs of up-down fine-tuning run by the last ``fit`` or ``partial_fit``.

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
        "fine_tune_iter": [Interval(Integral, 0, None, closed="left")],
        "fine_tune_learning_rate": [Interval(Real, 0, None, closed="neither")],
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
        fine_tune_iter=0,
        fine_tune_learning_rate=0.01,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.rbm = rbm
        self.likelihood = likelihood
        self.n_bound_samples = n_bound_samples
        self.fine_tune_iter = fine_tune_iter
        self.fine_tune_learning_rate = fine_tune_learning_rate
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    @guarded_fit
    def fit(self, X, y=None):
        """Train the RBMs greedily, bottom up, then fine-tune (``fine_tune_iter``).

        Ctrl-C stops after the current minibatch of the layer in training: the
        network keeps the layers trained so far (the last one cut short), and a
        ``fit`` with ``warm_start=True`` trains the rest. During fine-tuning, it
        keeps the network as the last minibatch left it.

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
                stop=lambda: interrupt.requested,
                report=layer_announcer(type(self).__name__, self.verbose),
            )  # fmt: skip
            if interrupt.requested:
                interrupt.consequence = (
                    f"the network keeps the {len(rbms)} of its {len(sizes)} layers trained "
                    "so far, the last one cut short; fit with warm_start=True trains the rest."
                )
        self._set_layers(rbms, n_untied=len(kept))
        self.n_fine_tune_iter_ = 0
        if self.fine_tune_iter and not interrupt.requested:
            self._fine_tune(X, self.fine_tune_iter, self._template().learning_rate_schedule)
        return self

    @guarded_fit
    def partial_fit(self, X, y=None):
        """Run one epoch of every layer over X, bottom up.

        Each layer's RBM runs its own ``partial_fit`` on the hidden probabilities
        of the layer below (as they are after that layer's update): for data
        that arrive in chunks. The first call creates the layers. With
        ``fine_tune_iter`` > 0, one epoch of up-down fine-tuning over the chunk
        follows (at the constant ``fine_tune_learning_rate``), and the generative
        weights it unties are kept from call to call; with 0, the layers are
        tied again (the generative weights are the RBMs').

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
            features = layer_features(rbm, features, X.dtype)
        self._set_layers(self.rbms_, n_untied=len(self.rbms_) if self.fine_tune_iter else 0)
        self.n_fine_tune_iter_ = 0
        if self.fine_tune_iter:
            self._fine_tune(X, 1, "constant", incremental=True)
        return self

    def _set_layers(self, rbms, n_untied=0):
        """Set the fitted RBMs. The generative layers below the top are the RBMs' own
        (tied: ``generative_weights_`` None) unless the network was fine-tuned and
        keeps its first ``n_untied`` layers (a warm start): those keep their
        generative weights, and the new layers below the top get copies of their
        RBMs'."""
        old_weights, old_intercepts = self._untied_layers()
        n_untied = min(n_untied, len(rbms) - 1, len(old_weights))
        self.rbms_ = rbms
        self.generative_weights_ = self.generative_intercepts_ = None
        if n_untied:
            self._untie(old_weights[:n_untied], old_intercepts[:n_untied])

    def _untied_layers(self):
        """The generative weights and intercepts of a fine-tuned network (empty lists
        for a tied one)."""
        if getattr(self, "generative_weights_", None) is None:
            return [], []
        return self.generative_weights_, self.generative_intercepts_

    def _untie(self, weights=(), intercepts=()):
        """Give the layers below the top their own generative weights: ``weights``
        and ``intercepts`` for the first ones, copies of the RBMs' for the rest."""
        lower = self.rbms_[len(weights) : -1]
        self.generative_weights_ = [*weights, *(rbm.components_.copy() for rbm in lower)]
        self.generative_intercepts_ = [
            *intercepts, *(rbm.intercept_visible_.copy() for rbm in lower)
        ]  # fmt: skip

    def _fine_tune(self, X, n_epochs, schedule, incremental=False):
        """Up-down fine-tuning (:mod:`skenergy._wake_sleep`) for ``n_epochs`` epochs
        in the epoch loop, on the rows of ``X`` in the bottom RBM's units."""
        V = _in_bottom_units(self.rbms_, X, type(self).__name__)  # X as fit validated it
        top = self.rbms_[-1]
        self._untie(*self._untied_layers())
        recognition, generative, top_layers = self._network()
        tuning = UpDown(recognition, generative, top_layers, k=top.k, alpha=top.alpha, l1=top.l1)
        batch_size = top._batch_rows(V.shape[0])
        monitor = as_dense(_spread_rows(V))
        rng = self._rng

        def end_epoch(interrupted):
            for rbm in self.rbms_:  # their parameters moved: no cached log Z holds
                rbm._log_partition_cache = {}
            return {"reconstruction error": self._reconstruction_error(monitor)}

        def parameters():
            pairs = [*recognition, *generative, top_layers]
            return [array for pair in pairs for array in (*pair.weights, *pair.biases)]

        training = Training(
            update=lambda rows, lr, momentum: tuning.step(minibatch(V, rows), lr, rng),
            end_epoch=end_epoch,
            parameters=parameters,
            learning_rate=self.fine_tune_learning_rate,
            schedule=schedule,
            divergence_hint="use a smaller fine_tune_learning_rate.",
            multiply_adds=batch_size * max(rbm.components_.size for rbm in self.rbms_),
        )
        stage = _Stage(f"{type(self).__name__} fine-tuning", self.verbose)
        run_epochs(stage, training, V.shape[0], n_epochs, batch_size, rng, incremental=incremental)
        self.n_fine_tune_iter_ = stage.n_iter_

    def _reconstruction_error(self, V):
        """Mean squared error per row of V's mean-field reconstruction: up the
        recognition model, through the top RBM and down the generative layers."""
        _, generative, top = self._network()
        H = _up_means(self.rbms_[:-1], V)
        H = top.mean(0, [None, top.mean(1, [H, None])])
        for pair in reversed(generative):
            H = pair.mean(0, [None, H])
        return float(((V - H) ** 2).sum(axis=1).mean())

    def _network(self, dtype=None):
        """``(recognition, generative, top)``: the pairs below the top RBM read
        upwards (the RBMs) and downwards (the generative weights), and the top
        RBM, as :class:`Layers` viewing the fitted arrays (or copies in ``dtype``)."""
        recognition = [rbm._layers(dtype) for rbm in self.rbms_[:-1]]
        if self.generative_weights_ is None:  # tied: the RBMs' own downward conditionals
            return recognition, recognition, self.rbms_[-1]._layers(dtype)
        generative = []
        for pair, W, b in zip(
            recognition, self.generative_weights_, self.generative_intercepts_, strict=True
        ):
            W, b = (W, b) if dtype is None else (W.astype(dtype), b.astype(dtype))
            generative.append(Layers(pair.units, [b, pair.biases[1]], [W]))  # reads b and W
        return recognition, generative, self.rbms_[-1]._layers(dtype)

    def _template(self):
        """The layers' RBM template: ``rbm`` (or the defaults), binary hidden units
        required, cloned with ``verbose`` where the owner asks for progress."""
        template = RestrictedBM() if self.rbm is None else self.rbm
        check_binary_hidden(template, type(self).__name__, "the rbm template")
        return verbose_template(template, self.verbose)

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
        the RBM's output and its cast), the data, the layers already fitted, and
        the generative copies that fine-tuning makes."""
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
        # The generative weights and intercepts below the top, once untied.
        untied = 0
        if self.fine_tune_iter:
            pairs = zip(widths[:-2], widths[1:-1], strict=True)
            untied = sum((low + 1) * high for low, high in pairs)
        return rbm_peak + itemsize * (features + fitted + untied)

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

    @property
    def _dtype(self):
        return self.rbms_[0].components_.dtype

    # ----------------------------------------------------------- transformation

    def _fitted_rows(self, X):
        """Rows given to the fitted network, validated, in the bottom RBM's units."""
        X = check_fitted_rows(self, X, accept_sparse=True)
        return _in_bottom_units(self.rbms_, X, type(self).__name__)

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
        return _up_means(self.rbms_[: _layer_index(layer, len(self.rbms_)) + 1], H)

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
        H = check_array(H, dtype=self._dtype)
        if H.shape[1] != self._n_features_out:
            raise ValueError(
                f"H must have shape (n_samples, {self._n_features_out}), got {H.shape}."
            )
        check_rows_memory(self, H.shape[0], "H")
        _, generative, top = self._network()
        for pair in [top, *reversed(generative)]:
            H = pair.mean(0, [None, H])
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
        V, clamp = check_sampling(self, n_samples, n_steps, X, mask)
        with draw_generator(self, random_state) as rng:
            if clamp is not None:
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
        return _down_pass(self._network()[1], H, rng, mean)

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

    def log_partition_bounds(self, n_steps=1000):
        """``log Z`` of the top RBM bracketed between forward and reverse AIS (see
        :meth:`RestrictedBM.log_partition_bounds`): the network's bound on
        ``log p(v)`` moves by the same amounts.

        Parameters
        ----------
        n_steps : int, default=1000
            Gibbs steps of the top RBM's persistent chains before reverse annealing.

        Returns
        -------
        forward, reverse : LogPartition
        """
        check_is_fitted(self)
        return self.rbms_[-1].log_partition_bounds(n_steps=n_steps)

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
        network = self._network(np.float64)
        if enumerated:
            exact, bound = self._enumerated_likelihood(network, V)
            values, std = (exact if kind == "exact" else bound), np.zeros(V.shape[0])
        else:
            values, std = self._sampled_bound(network, V)
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

    def _upper_terms(self, network, hidden):
        """The terms of ``log p(v, h) + log Z`` and ``log Q(h | v)`` that leave ``v`` out,
        per row of the hidden states ``hidden = [h_1, ..., h_{L-1}]``: the directed
        conditionals above ``h_1`` and the top RBM's ``-F(h_{L-1})``, and the
        recognition conditionals above ``h_1``."""
        recognition, generative, top = network
        log_p = -top.free_energy(hidden[-1])
        log_q = np.zeros(hidden[0].shape[0])
        for pair in range(1, len(generative)):  # joining h_pair and h_{pair+1}
            states = [hidden[pair - 1], hidden[pair]]
            log_p += generative[pair].log_conditional(0, states)
            log_q += recognition[pair].log_conditional(1, states)
        return log_p, log_q

    def _enumerated_likelihood(self, network, V):
        """Exact ``log p(v) + log Z`` and the exact bound (plus ``log Z``) per row, summing
        over every joint state of the hidden layers below the top, in blocks of
        states. The terms joining ``v`` and ``h_1`` are tables of (row, state)
        pairs (:meth:`Layers.log_conditional_table`), the others are per state."""
        recognition, generative, top = network
        if not generative:
            log_p = -top.free_energy(V)
            return log_p, log_p
        sizes = [rbm.n_components for rbm in self.rbms_[:-1]]
        n_units, n_rows = sum(sizes), V.shape[0]
        per_state = chunk_rows(
            _SCORE_BYTES_PER_UNIT * (sum(self._widths()) + n_rows), None,
            "the likelihood's sum over hidden states",
            "Score fewer rows at a time, use fewer hidden units below the top RBM, "
            "or likelihood='bound'.",
        )  # fmt: skip
        V = np.asarray(V, dtype=np.float64)
        log_p, bound = np.full(n_rows, -np.inf), np.zeros(n_rows)
        for start in range(0, 1 << n_units, per_state):
            states = binary_states(n_units, start, min(start + per_state, 1 << n_units))
            hidden = np.split(states, np.cumsum(sizes)[:-1], axis=1)
            upper_p, upper_q = self._upper_terms(network, hidden)
            joint = generative[0].log_conditional_table(0, hidden[0], V).T + upper_p
            log_q = recognition[0].log_conditional_table(1, V, hidden[0]) + upper_q
            log_p = np.logaddexp(log_p, logsumexp(joint, axis=1))
            bound += (np.exp(log_q) * (joint - log_q)).sum(axis=1)
        return log_p, bound

    def _sampled_bound(self, network, V):
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
        recognition, generative, _ = network
        for lo in range(0, V.shape[0], step):
            block = np.asarray(V[lo : lo + step], dtype=np.float64)
            for draw in range(self.n_bound_samples):
                hidden, entropy, below = [], 0.0, block
                for pair, u in zip(recognition, uniforms, strict=False):
                    entropy = entropy + pair.conditional_entropy(1, [below, None])
                    below = (u[draw] < pair.mean(1, [below, None])).astype(np.float64)
                    hidden.append(below)
                log_p = self._upper_terms(network, hidden)[0]
                log_p += generative[0].log_conditional(0, [block, hidden[0]])
                draws[draw, lo : lo + step] = log_p + entropy
        n = self.n_bound_samples
        std = draws.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(V.shape[0], np.inf)
        return draws.mean(axis=0), std

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class DeepBeliefClassifier(LogProbaClassifierMixin, ClassifierMixin, BaseEstimator):
    """Deep belief network with the class joined to its top RBM, as in the 2006 paper.

    The hidden layers below the top are a greedy stack of RBMs, as in
    :class:`DeepBeliefNetwork`. The top layer ``h_L`` is joined to the layer
    below it ``h_{L-1}`` and to a softmax group of one unit per class ``y`` (of
    which exactly one is on): an RBM whose visible layer is ``(h_{L-1}, y)``,
    with energy::

        E(h_{L-1}, h_L, y) = -b'h_{L-1} - c'h_L - d'y - h_L' W h_{L-1} - y' U h_L

    (Hinton, Osindero & Teh 2006, section 6). It is trained on the up-pass
    probabilities of the data and the one-hot classes, by persistent chains
    that sample ``h_L`` given ``(h_{L-1}, y)`` and then both given ``h_L``. A row
    is classified by clamping: its up-pass probabilities ``h`` fill ``h_{L-1}``
    and ``p(y | h) = exp(-F(h, y)) / sum_y' exp(-F(h, y'))``, with ``F`` the top
    RBM's free energy (``h_L`` summed out exactly). ``sample`` generates rows of
    a chosen class: the top RBM's chains run with the label units clamped, then
    a down pass through the stack. With one hidden layer it is a classification
    RBM of binary data.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(256, 256)
        Units of each hidden layer, bottom first; the last is the top layer,
        joined to the labels.

    rbm : RestrictedBM, default=None
        Template of every layer (``None``: ``RestrictedBM()``), tunable through
        ``rbm__<name>``: the layers below the top are its clones; the top is
        trained with its learning rate, schedule, momentum, weight decay
        (``alpha``), minibatches, epochs (``max_iter``), ``n_chains`` and ``k``,
        by persistent chains whatever its ``method``.

    random_state : int, RandomState instance or None, default=None
        Seeds the layers whose template leaves ``random_state`` None, the top
        layer's training and the samplers.

    verbose : int, default=0
        Progress lines: a line per layer and each epoch's training error.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    rbms_ : list of RestrictedBM
        The greedy stack below the top, bottom first (empty with one hidden layer).

    top_weights_ : list of ndarray
        ``[W, U]``: of shape (top units, units of the layer below) and
        (n_classes, top units).

    top_intercepts_ : list of ndarray
        ``[b, c, d]``: biases of the layer below the top, of the top layer and of
        the label units.

    n_iter_ : int
        Epochs of the top layer's training.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    DeepBeliefNetwork : the unsupervised network.
    BoltzmannClassifier : a Boltzmann machine with the class in its visible layer.

    References
    ----------
    Hinton, G. E., Osindero, S. and Teh, Y. (2006). A fast learning algorithm for
    deep belief nets. Neural Computation 18(7).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import DeepBeliefClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = DeepBeliefClassifier((64, 32), random_state=0).fit(X[:1400] / 16, y[:1400])
    >>> bool(clf.score(X[1400:] / 16, y[1400:]) > 0.8)  # 0.84 held out
    True
    >>> samples, labels = clf.sample(y=[3, 3, 7], n_steps=100)
    >>> samples.shape, labels.tolist()
    ((3, 64), [3, 3, 7])
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "rbm": [None, RestrictedBM],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, hidden_layer_sizes=(256, 256), *, rbm=None, random_state=None, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.rbm = rbm
        self.random_state = random_state
        self.verbose = verbose

    @guarded_fit
    def fit(self, X, y):
        """Train the stack greedily, then the top layer with the classes.

        Ctrl-C stops after the current minibatch: during the stack, the top layer
        joins the layers trained so far untrained (it predicts from the class
        frequencies); during the top layer's training, it keeps what it learned.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (in [0, 1] with one hidden layer, whose top RBM sees
            the data as binary units).

        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : DeepBeliefClassifier
            The fitted classifier.
        """
        sizes = check_layer_sizes(self.hidden_layer_sizes, minimum_layers=1)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=(np.float64, np.float32)
        )  # fmt: skip
        X = check_magnitude(X, "X", type(self).__name__)
        check_classification_targets(y)
        if len(sizes) == 1:
            check_unit_interval(X, type(self).__name__, clip=False)
        classes, codes = np.unique(y, return_inverse=True)
        self._check_fit_memory(X, sizes, len(classes))
        template = self._template()
        self.classes_ = classes
        rng = make_generator(self.random_state)
        name = type(self).__name__
        with interruptible(name) as interrupt:
            rbms = stack_rbms(
                template, X, sizes[:-1], self.random_state, stop=lambda: interrupt.requested,
                report=layer_announcer(name, self.verbose),
            )  # fmt: skip
            if interrupt.requested:
                interrupt.consequence = (
                    f"the classifier keeps the {len(rbms)} layers trained so far below an "
                    "untrained top layer, which predicts from the class frequencies; fit again."
                )
        self.rbms_ = rbms
        features = X
        for rbm in rbms:
            features = layer_features(rbm, features, X.dtype)
        labels = np.eye(len(self.classes_), dtype=X.dtype)[codes]
        self._initialise_top(features, labels, sizes[-1], template, rng)
        self.n_iter_ = 0
        if not interrupt.requested:
            self._train_top(features, labels, template, rng)
        self._rng = rng
        return self

    _template = DeepBeliefNetwork._template

    def _fit_bytes(self, n_rows, n_features, itemsize, sizes=None, n_classes=None):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py):
        the stack's (as a :class:`DeepBeliefNetwork` of the layers below the top) and
        the top's parameters, velocities, chains and minibatch states over the
        features and the one-hot classes (by default, the fitted ones)."""
        sizes = check_layer_sizes(self.hidden_layer_sizes) if sizes is None else sizes
        n_classes = len(self.classes_) if n_classes is None else n_classes
        template = self._template()
        below = DeepBeliefNetwork(sizes[:-1], rbm=template) if len(sizes) > 1 else None
        stack = below._fit_bytes(n_rows, n_features, itemsize) if below else 0
        width = [n_features, *sizes][-2] + n_classes
        top = sizes[-1]
        chains = template._n_chains(n_rows) + template._batch_rows(n_rows)
        arrays = 3 * (top * width + top + width) + 4 * chains * (top + width)
        return stack + itemsize * (arrays + n_rows * (2 * width + top))

    def _check_fit_memory(self, X, sizes, n_classes):
        check_fit_memory(
            self, self._fit_bytes(*X.shape, X.dtype.itemsize, sizes, n_classes), *X.shape,
            ("hidden_layer_sizes",),
            "Use smaller hidden layers, or train on float32 data.",
        )  # fmt: skip

    def _initialise_top(self, features, labels, n_top, template, rng):
        """Small random weights, base-rate biases for the layer below and the labels,
        fresh persistent chains and velocities."""
        dtype, n_below, n_classes = features.dtype, features.shape[1], labels.shape[1]
        self.top_weights_ = [
            (0.01 * rng.standard_normal(shape)).astype(dtype)
            for shape in ((n_top, n_below), (n_classes, n_top))
        ]
        frequencies = labels.mean(axis=0)
        self.top_intercepts_ = [
            base_rate_logits(features), np.zeros(n_top, dtype),
            np.log(frequencies).astype(dtype),
        ]  # fmt: skip
        self._velocities = [np.zeros_like(p) for p in (*self.top_weights_, *self.top_intercepts_)]
        n_chains = template._n_chains(features.shape[0])
        rows = rng.integers(features.shape[0], size=n_chains)
        self._chains = [as_dense(features[rows]).copy(), None, labels[rows].copy()]
        self._top_layers().sweep(self._chains, rng)

    def _top_layers(self, dtype=None):
        """The top RBM as a chain of layers: the layer below, the top, the labels
        (views of the fitted arrays, or copies in ``dtype``)."""
        weights, biases = self.top_weights_, self.top_intercepts_
        if dtype is not None:
            weights = [W.astype(dtype) for W in weights]
            biases = [b.astype(dtype) for b in biases]
        units = [UNITS["bernoulli"], UNITS["bernoulli"], UNITS["softmax"]]
        return Layers(units, list(biases), list(weights))

    def _train_top(self, features, labels, template, rng):
        """PCD-k on the top RBM in the epoch loop: the top layer's posterior given
        the layer below and the class is exact (one conditional mean)."""
        layers = self._top_layers()
        batch_size, n_epochs = template._schedule(features.shape[0], template.max_iter)
        monitor = _spread_rows(np.arange(features.shape[0]))

        def update(rows, lr, momentum):
            below, classes = minibatch(features, rows), labels[rows]
            positive = [below, layers.mean(1, [below, None, classes]), classes]
            for _ in range(template.k):
                layers.sweep(self._chains, rng)
            statistics_step(
                layers, positive, self._chains, self._velocities, lr, momentum,
                decay=lr * template.alpha,
            )  # fmt: skip

        def end_epoch(interrupted):
            predicted = self._log_posteriors(layers, features[monitor]).argmax(axis=1)
            return {"training error": float((predicted != labels[monitor].argmax(axis=1)).mean())}

        training = Training(
            update=update,
            end_epoch=end_epoch,
            parameters=lambda: [*layers.weights, *layers.biases],
            learning_rate=template.learning_rate,
            schedule=template.learning_rate_schedule,
            momentum=template.momentum,
            warm_up_momentum=True,
            divergence_hint="use a smaller rbm__learning_rate.",
            multiply_adds=batch_size * layers.weights[0].size,
        )
        stage = _Stage(f"{type(self).__name__} top layer", self.verbose)
        run_epochs(stage, training, features.shape[0], n_epochs, batch_size, rng)
        self.n_iter_ = stage.n_iter_

    def _log_posteriors(self, layers, below):
        """``log p(y | h_{L-1})`` per row and class: minus the free energies of the
        top RBM with each class clamped, normalised over the classes."""
        below = as_dense(below)
        n_classes = len(layers.biases[2])
        scores = np.empty((below.shape[0], n_classes), dtype=np.float64)
        for c in range(n_classes):
            one_hot = np.zeros((below.shape[0], n_classes), dtype=below.dtype)
            one_hot[:, c] = 1
            scores[:, c] = layers.log_marginal([below, None, one_hot], summed={1})
        return scores - logsumexp(scores, axis=1, keepdims=True)

    def _fitted_rows(self, X):
        """Rows given to the fitted classifier, validated, in the bottom layer's units."""
        X = check_fitted_rows(self, X, accept_sparse=True)
        return _in_bottom_units(self.rbms_, X, type(self).__name__)

    def _bytes_per_row(self):
        widths = [self.n_features_in_, *(rbm.n_components for rbm in self.rbms_)]
        top = self.top_weights_[0].shape[0] + len(self.classes_)
        return _SCORE_BYTES_PER_UNIT * (sum(widths) + top)

    def _below_top(self, X):
        """Up-pass probabilities of the rows of X: the states of the layer below the top."""
        H = self._fitted_rows(X)
        check_rows_memory(self, H.shape[0], "X")
        return _up_means(self.rbms_, H)

    def predict_log_proba(self, X):
        """Log class posteriors ``log p(y | h)`` of the top RBM given the up-pass.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        H = self._below_top(X)
        log_proba = self._log_posteriors(self._top_layers(np.float64), H)
        return log_proba.astype(self._dtype, copy=False)

    @property
    def _dtype(self):
        return self.top_weights_[0].dtype

    def sample(self, n_samples=1, *, y=None, n_steps=1000, mean=False, random_state=None):
        """Generate rows, of chosen classes or of the model's own.

        The top RBM's chains run ``n_steps`` block Gibbs steps, with the label
        units clamped to ``y`` when it is given, then a down pass through the
        stack samples each layer below from the one above (the downward
        conditionals of the RBMs).

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows (ignored when ``y`` is given: one per label).

        y : array-like of shape (n_rows,), default=None
            The class of each row, from ``classes_``; None lets the label units
            run free.

        n_steps : int, default=1000
            Gibbs steps of the top RBM.

        mean : bool, default=False
            Return the expected data given the layer above in the last down
            step instead of sampled states: smoother images.

        random_state : int, RandomState instance or None, default=None
            None continues the classifier's own generator (seeded by
            ``random_state`` at fit); it advances only when the call succeeds.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            In the units of the training data.

        labels : ndarray of shape (n_samples,)
            The class of each row (``y`` when given).
        """
        check_is_fitted(self)
        codes = None
        if y is not None:
            y = column_or_1d(np.asarray(y), warn=False)
            if y.size == 0:
                raise ValueError("y is empty: give one class label per row to generate.")
            unknown = np.setdiff1d(y, self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y holds labels the classifier was not fitted on: {unknown.tolist()}. "
                    f"Use labels from classes_: {self.classes_.tolist()}."
                )
            codes = np.searchsorted(self.classes_, y)
            n_samples = len(codes)
        check_sampling(self, n_samples, n_steps, None, None)
        layers = self._top_layers()
        n_classes = len(self.classes_)
        with draw_generator(self, random_state) as rng:
            below = self._base_rates(n_samples, rng)
            labels = np.eye(n_classes, dtype=self._dtype)[
                codes if codes is not None else rng.integers(n_classes, size=n_samples)
            ]
            states = [below, None, labels]
            clamp = {2: np.ones(n_classes, dtype=bool)} if codes is not None else None
            for step in range(n_steps):
                last = mean and not self.rbms_ and step == n_steps - 1
                layers.sweep(states, rng, clamp, mean_last=last)
            H = _down_pass([rbm._layers() for rbm in self.rbms_], states[0], rng, mean)
        X = self.rbms_[0]._to_data_units(H) if self.rbms_ else H
        return X, self.classes_[states[2].argmax(axis=1)]

    def _base_rates(self, n_rows, rng):
        """States of the layer below the top drawn from its biases alone."""
        b = self.top_intercepts_[0]
        return (rng.random((n_rows, len(b))) < 1 / (1 + np.exp(-b))).astype(self._dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # A generative classifier: no step of its training aims at the labels'
        # accuracy. On the generic checks' two standardised features (three blobs)
        # the Gaussian first layer's features barely vary within the checks' 300
        # rows and the top RBM predicts near its class frequencies; the accuracy
        # floor of 0.83 is out of its reach there (digits: 0.84 held out).
        tags.classifier_tags.poor_score = True
        return tags


class DeepBoltzmannMachine(
    _VisibleUnitsMixin,
    TemperingMixin,
    AdaptiveScheduleMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Deep Boltzmann machine: undirected layers trained jointly by mean field and PCD.

    With visible units ``v = h_0`` and binary hidden layers ``h_1 .. h_L``, each
    layer connected to its neighbours only::

        E(v, h) = E_own(v; b_0) - sum_l b_l'h_l - sum_l h_l' W_l h_{l-1}

    (``E_own(v) = -b_0'v`` for Bernoulli visible units, ``|v - b_0|^2 / 2`` for
    Gaussian ones on standardised data). Unlike a deep belief network every layer
    depends on both neighbours, so inference is approximate: ``transform`` runs
    mean field, the factorial ``Q(h) = prod q(h_l)`` that maximises the
    variational lower bound on ``log p(v)`` (Salakhutdinov & Hinton 2009).

    ``fit`` pretrains the layers greedily with the modified RBMs of the paper
    (``pretrain``), then trains all weights together: each minibatch's data
    statistics come from mean field (``mean_field_max_iter``,
    ``mean_field_tol``, ``mean_field_damping``), the model's from ``n_chains``
    persistent Gibbs chains that update the odd layers, then the even ones,
    ``k`` times per minibatch. The sampler, the mean field, the exact log Z and
    the AIS that sums the odd layers analytically are those of the layered core.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(256, 256)
        Units of each hidden layer, bottom first.

    visible : {"bernoulli", "gaussian"}, default="bernoulli"
        Type of the visible units (see :class:`RestrictedBM`).

    pretrain : "rbm", RestrictedBM, list of fitted RBMs or None, default="rbm"
        Greedy pretraining (Salakhutdinov & Hinton 2009, section 3.1): one RBM
        per layer, each on the hidden probabilities of the one below, the first
        with its upward weights doubled (its hidden units stand in for the
        missing input from above), the last with its downward weights doubled,
        the middle ones with both, so that the composed machine counts each
        layer's evidence once; a layer between two RBMs gets the mean of their
        two biases for it, as the paper's code does. ``"rbm"`` trains them with
        ``RestrictedBM()``'s method (PCD-1), learning rate, epochs, minibatches,
        momentum, weight cost, ``n_chains`` and ``k``; a ``RestrictedBM`` gives
        those settings (tunable as ``pretrain__max_iter``), ``method="cd"`` or
        ``"pcd"`` and ``centered`` included (the paper pretrains by CD; parallel
        tempering is refused, the modified RBMs having no energy to temper); a
        list of fitted RBMs, one per layer, gives the starting weights as they
        are, a None in it leaving that layer at small random weights (a machine
        that starts as one fitted RBM with a layer above it that is still
        free: ``[rbm, None]``); None starts from small random weights.

    learning_rate : float, default=0.001
        Step size of the joint training's gradient ascent (the paper's code's).

    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` decays the rate to zero over the ``max_iter`` epochs.

    average : float in [0, 1), default=0.0
        Fraction of the joint training's epochs, the last ones, over which the
        parameters are averaged (taken at the end of each epoch), as in
        :class:`~skenergy.RestrictedBM`: the machine is their mean. ``0`` keeps
        the last epoch's. Pretraining averages as its template says.

    batch_size : int or "auto", default="auto"
        Rows per minibatch of joint training. ``"auto"``, as in RestrictedBM: a
        hundredth of the rows, between 10 and 100.

    max_iter : int or "auto", default="auto"
        Epochs of joint training. ``"auto"``, as in RestrictedBM: those that make
        about 10,000 minibatch updates, between 20 and 100 (20 on MNIST).

    momentum : float, default=0.9
        Final momentum, reached from 0.5 over the first 5 epochs.

    alpha : float, default=1e-4
        L2 weight cost (biases are not decayed).

    n_chains : int, default=None
        Persistent chains ("fantasy particles"), started at training rows; None
        means ``batch_size``, or the number of training rows if that is smaller.

    method : {"pcd", "pt"}, default="pcd"
        How the persistent chains move: ``"pcd"``, block Gibbs sweeps;
        ``"pt"``, parallel tempering, ``n_chains`` chains at each of
        ``n_temperatures`` inverse temperatures on the AIS path, swapped between
        neighbours after each sweep (see :class:`RestrictedBM`), the model's
        statistics read at temperature 1.

    n_temperatures : int, default=10
        Rungs of the parallel-tempering ladder (``method="pt"`` and
        ``sample(tempered=True)``), evenly spaced from 1 to 0.

    k : int, default=1
        Gibbs sweeps (or tempering steps) of the chains per update.

    mean_field_max_iter : int, default=30
        Mean-field passes at most, per minibatch and per call of ``transform``.

    mean_field_tol : float, default=1e-4
        Mean field stops when no posterior mean moved by more than this in a pass.

    mean_field_damping : float, default=0.0
        Each pass mixes ``(1 - damping) * new + damping * old``: damping helps when
        the updates oscillate.

    centered : bool, default=False
        Train jointly by the centred gradient (Montavon & Mueller 2012; Melchior,
        Fischer & Wiskott 2016): the energy written in ``h_l - m_l``, with an
        offset per layer following the layer's mean on the data (the visible
        means, and the mean-field posterior means of the hidden layers; moving
        averages, 0.01 per minibatch). The same machines; a better-conditioned
        step. The fitted machine is held in the usual uncentred parameters.

    likelihood : {"auto", "exact", "bound"}, default="auto"
        What ``score_samples`` returns: ``"exact"`` log p(v), summing over every
        joint state of the odd hidden layers or of the even ones (whichever has
        fewer units; an error beyond 26); ``"bound"``: the mean-field lower bound;
        ``"auto"``: exact up to 12 summed units with an enumerated ``log Z``, the
        bound otherwise.

    partition : {"auto", "exact", "ais"}, default="auto"
        How ``log Z`` is computed: by enumerating the layers of one parity (the
        other summed out; ``"auto"`` up to 20 units), or by AIS with the odd
        layers summed out analytically.

    n_betas : int, default=20000
        Intermediate distributions of AIS.

    n_runs : int, default=100
        Independent AIS runs.

    warm_start : bool, default=False
        Continue training from the current parameters and chains, without
        pretraining, on a new call to ``fit`` with data of the same width.

    random_state : int, RandomState instance or None, default=None
        Seeds the weights, pretraining, minibatches, chains and (through a seed
        drawn at fit) the AIS estimate.

    verbose : int, default=0
        Progress lines: ``1``, a line per epoch of pretraining and of joint
        training with the time elapsed and an estimate of the rest, and AIS
        estimates of log Z as they run; ``2`` adds learning rates, momentum
        and progress within long epochs.

    Attributes
    ----------
    weights_ : list of ndarray
        ``weights_[l]`` of shape ``(n_{l+1}, n_l)`` joins layer ``l`` (the data for
        ``l = 0``) to layer ``l + 1``, one row per unit of the upper layer.

    intercepts_ : list of ndarray
        Biases of every layer, the visible layer's first (of standardised units
        for Gaussian visible units).

    chains_ : list of ndarray
        States of the persistent chains, one ``(n_chains, n_l)`` array per layer.

    offsets_ : list of ndarray or None
        The centring offsets reached, one per layer (``centered=True`` only).

    swap_acceptance_ : ndarray of shape (n_temperatures - 1,) or None
        Share of accepted swaps between neighbouring temperatures over the
        training so far (``method="pt"`` only), hottest pair last.

    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation of the data (Gaussian visible units only; None otherwise).

    n_iter_ : int
        Epochs of joint training run.

    reconstruction_error_curve_ : list of float
        Squared error per row of ``E[v | mean field]`` on up to 500 training rows,
        after each epoch.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    DeepBeliefNetwork : the directed deep model built from the same RBMs.

    References
    ----------
    Salakhutdinov, R. and Hinton, G. E. (2009). Deep Boltzmann machines. AISTATS.

    Salakhutdinov, R. and Hinton, G. E. (2012). An efficient learning procedure
    for deep Boltzmann machines. Neural Computation 24(8).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import DeepBoltzmannMachine, RestrictedBM
    >>> X = (load_digits().data > 7).astype(float)
    >>> dbm = DeepBoltzmannMachine(
    ...     (16, 8), pretrain=RestrictedBM(max_iter=3), max_iter=3, random_state=0
    ... ).fit(X)
    >>> dbm.transform(X[:2]).shape
    (2, 8)
    >>> dbm.sample(3, n_steps=50).shape
    (3, 64)
    >>> bool(dbm.score(X) < 0)  # exact: h_2 (8 units) enumerated, log Z over h_1 (16)
    True
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "visible": [StrOptions({"bernoulli", "gaussian"})],
        "pretrain": [None, StrOptions({"rbm"}), HasMethods(["fit", "transform"]), list],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions({"linear", "constant"})],
        "average": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "method": [StrOptions({"pcd", "pt"})],
        "n_temperatures": [Interval(Integral, 2, None, closed="left")],
        "k": [Interval(Integral, 1, None, closed="left")],
        "mean_field_max_iter": [Interval(Integral, 1, None, closed="left")],
        "mean_field_tol": [Interval(Real, 0, None, closed="left")],
        "mean_field_damping": [Interval(Real, 0, 1, closed="left")],
        "centered": ["boolean"],
        "likelihood": [StrOptions({"auto", "exact", "bound"})],
        "partition": [StrOptions({"auto", "exact", "ais"})],
        "n_betas": [Interval(Integral, 3, None, closed="left")],
        "n_runs": [Interval(Integral, 2, None, closed="left")],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        *,
        visible="bernoulli",
        pretrain="rbm",
        learning_rate=0.001,
        learning_rate_schedule="linear",
        average=0.0,
        batch_size="auto",
        max_iter="auto",
        momentum=0.9,
        alpha=1e-4,
        n_chains=None,
        method="pcd",
        n_temperatures=10,
        k=1,
        mean_field_max_iter=30,
        mean_field_tol=1e-4,
        mean_field_damping=0.0,
        centered=False,
        likelihood="auto",
        partition="auto",
        n_betas=20000,
        n_runs=100,
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.visible = visible
        self.pretrain = pretrain
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.average = average
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.momentum = momentum
        self.alpha = alpha
        self.n_chains = n_chains
        self.method = method
        self.n_temperatures = n_temperatures
        self.k = k
        self.mean_field_max_iter = mean_field_max_iter
        self.mean_field_tol = mean_field_tol
        self.mean_field_damping = mean_field_damping
        self.centered = centered
        self.likelihood = likelihood
        self.partition = partition
        self.n_betas = n_betas
        self.n_runs = n_runs
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    @guarded_fit
    def fit(self, X, y=None):
        """Pretrain the layers greedily, then train them jointly.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (in [0, 1] for Bernoulli visible units).

        y : None
            Ignored.

        Returns
        -------
        self : DeepBoltzmannMachine
            The fitted machine.
        """
        sizes = check_layer_sizes(self.hidden_layer_sizes, minimum_layers=1)
        X = self._validate_training_data(X, reset=True)
        continuing = (
            self.warm_start and hasattr(self, "weights_") and self._widths() == [X.shape[1], *sizes]
        )
        self._check_fit_memory(X, sizes)
        rng = self._rng if continuing else make_generator(self.random_state)
        self._rng = rng
        Z = self._standardise(X, refit=not continuing)
        with interruptible(type(self).__name__) as interrupt:
            if not continuing:
                stop = lambda: interrupt.requested  # noqa: E731
                self._initialise(Z, sizes, rng, pretrain=self.pretrain, stop=stop)
            self._initialise_offsets(Z)
            self._ais_seed = draw_ais_seed(rng)
            if interrupt.requested:
                interrupt.consequence = (
                    "pretraining stopped and joint training did not run: the machine holds "
                    "the pretrained weights reached so far (fit again to train it)."
                )
            else:
                self._train(Z, self.max_iter, rng, self.learning_rate_schedule, self.average)
        return self

    @guarded_fit
    def partial_fit(self, X, y=None):
        """Run one epoch of joint training over X, keeping parameters and chains.

        The first call starts from small random weights (pretraining needs
        the whole data: use ``fit`` for it). Each call uses the constant learning
        rate and counts as one epoch.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : None
            Ignored.

        Returns
        -------
        self : DeepBoltzmannMachine
            The updated machine.
        """
        first_call = not hasattr(self, "weights_")
        sizes = check_layer_sizes(self.hidden_layer_sizes, minimum_layers=1)
        X = self._validate_training_data(X, reset=first_call)
        self._check_fit_memory(X, sizes)
        if first_call:
            self._rng = make_generator(self.random_state)
            self._ais_seed = draw_ais_seed(self._rng)
            self._initialise(self._standardise(X, refit=True), sizes, self._rng, pretrain=None)
        Z = self._standardise(X)
        self._initialise_offsets(Z)
        self._train(Z, 1, self._rng, "constant", incremental=True)
        return self

    def _fit_bytes(self, n_rows, n_features, itemsize, sizes=None):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py):
        the weights 8 times (parameters, velocities, steps, the scaled copies of
        pretraining, the copy kept to restore on failure; 3 more to average them
        in joint training or pretraining), the states of a
        minibatch, the chains and the monitored rows 8 times, and the data and the
        features passed between pretrained layers 3 times."""
        sizes = check_layer_sizes(self.hidden_layer_sizes) if sizes is None else sizes
        widths = [n_features, *sizes]
        n_weights = sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))
        rows = self._batch_rows(n_rows) + self._n_chains(n_rows) + _MONITOR_ROWS
        averaging = self.average or getattr(self.pretrain, "average", 0)
        weight_copies = 8 + (3 if averaging else 0)
        elements = weight_copies * n_weights + 8 * rows * sum(widths) + 3 * n_rows * max(widths)
        return itemsize * elements

    def _check_fit_memory(self, X, sizes):
        check_fit_memory(
            self, self._fit_bytes(*X.shape, X.dtype.itemsize, sizes), *X.shape,
            ("hidden_layer_sizes", "batch_size", "n_chains"),
            "Use smaller hidden layers, batch_size or n_chains, or train on float32 data.",
        )  # fmt: skip

    def _bytes_per_row(self):
        """Per row of a call: every layer's states and their float64 temporaries."""
        return _SCORE_BYTES_PER_UNIT * sum(self._widths())

    def _widths(self):
        return [self.weights_[0].shape[1], *(W.shape[0] for W in self.weights_)]

    @property
    def _n_features_out(self):
        return self.weights_[-1].shape[0]

    @property
    def _dtype(self):
        return self.weights_[0].dtype

    def _layers(self, dtype=None):
        """The machine as a stack of unit layers (a view of its parameters, or copies
        in ``dtype``)."""
        units = [UNITS[self.visible]] + [UNITS["bernoulli"]] * len(self.weights_)
        weights, biases = self.weights_, self.intercepts_
        if dtype is not None:
            weights = [W.astype(dtype) for W in weights]
            biases = [b.astype(dtype) for b in biases]
        return Layers(units, list(biases), list(weights))

    def _initialise(self, Z, sizes, rng, pretrain, stop=None):
        """Small random weights (or pretrained ones, until ``stop()`` says so),
        base-rate visible biases, fresh chains, velocities and histories."""
        dtype, widths = Z.dtype, [Z.shape[1], *sizes]
        self.weights_ = [
            (0.01 * rng.standard_normal((upper, lower))).astype(dtype)
            for lower, upper in zip(widths[:-1], widths[1:], strict=True)
        ]
        self._visible_base = np.zeros(widths[0], dtype=dtype)
        if self.visible == "bernoulli":
            self._visible_base = base_rate_logits(Z)
            self.mean_ = self.scale_ = None
        self.intercepts_ = [self._visible_base.copy()] + [np.zeros(n, dtype) for n in sizes]
        if pretrain is not None:
            self._pretrain(Z, sizes, rng, stop)
        # The chains start at training rows (cycled when there are more chains), the
        # hidden layers sampled upwards: in the data's modes, as the paper's code does.
        rows = rng.permutation(Z.shape[0])[np.arange(self._n_chains(Z.shape[0])) % Z.shape[0]]
        self.chains_ = self._up_states(np.array(as_dense(Z[np.sort(rows)])), rng)
        parameters = self._parameters()
        self._velocities = [np.zeros_like(p) for p in parameters]
        self.n_iter_ = 0
        self.reconstruction_error_curve_ = []
        self.offsets_ = None

    def _initialise_offsets(self, Z):
        """Centring offsets from the data's means under the current machine (the
        visible means, the hidden layers' mean-field means), unless centred
        training already moved them (warm start, ``partial_fit``)."""
        if not self.centered:
            self.offsets_ = None
            return
        if getattr(self, "offsets_", None) is not None:
            return
        rows = as_dense(_spread_rows(Z))
        self.offsets_ = [layer.mean(axis=0) for layer in self._mean_field(self._layers(), rows)]

    def _pretrain(self, Z, sizes, rng, stop=None):
        """Greedy pretraining with the paper's modified RBMs (see ``pretrain``); no
        layer starts once ``stop()`` answers True (Ctrl-C)."""
        if isinstance(self.pretrain, list):
            self._use_fitted_rbms(self.pretrain, [Z.shape[1], *sizes])
            return
        template = RestrictedBM() if isinstance(self.pretrain, str) else self.pretrain
        check_binary_hidden(template, type(self).__name__, "the pretrain template")
        n_layers, features = len(sizes), Z
        for layer in range(n_layers):
            if stop is not None and stop():
                break
            up = 2.0 if layer < n_layers - 1 else 1.0
            down = 2.0 if layer > 0 else 1.0
            units = UNITS[self.visible] if layer == 0 else UNITS["bernoulli"]
            W, b, c = _train_modified_rbm(
                features, sizes[layer], up, down, units, template, rng,
                name=f"{type(self).__name__} pretraining, layer {layer + 1}",
                verbose=self.verbose,
            )  # fmt: skip
            self.weights_[layer] = W
            self.intercepts_[layer + 1] = c
            if layer == 0:
                self.intercepts_[0] = b
            else:
                # The layer below is this RBM's visible layer as well as the one below's
                # hidden layer: in the machine it takes half its input from each (the
                # doubled weights), so its bias is the mean of the two RBMs' biases.
                self.intercepts_[layer] = 0.5 * (self.intercepts_[layer] + b)
            if layer < n_layers - 1:
                features = Layers([units, UNITS["bernoulli"]], [b, c], [up * W]).mean(
                    1, [features, None]
                )

    def _use_fitted_rbms(self, rbms, widths):
        if len(rbms) != len(widths) - 1:
            raise ValueError(
                f"pretrain holds {len(rbms)} fitted RBMs for {len(widths) - 1} hidden layers."
            )
        for layer, rbm in enumerate(rbms):
            if rbm is None:  # this layer keeps its small random weights and zero biases
                continue
            rbm = getattr(rbm, "estimator", rbm)  # a FrozenEstimator wraps the fitted RBM
            if not hasattr(rbm, "components_"):
                raise TypeError(
                    "pretrain must hold fitted RestrictedBM instances (or None), one per "
                    f"hidden layer; got {rbm!r} at position {layer}."
                )
            check_binary_hidden(
                rbm, type(self).__name__, f"the RBM at position {layer} of pretrain"
            )
            shape = (widths[layer + 1], widths[layer])
            if rbm.components_.shape != shape:
                raise ValueError(
                    f"The RBM at position {layer} of pretrain has weights of shape "
                    f"{rbm.components_.shape}; layer {layer + 1} needs {shape}."
                )
            dtype = self.weights_[layer].dtype
            self.weights_[layer] = rbm.components_.astype(dtype)
            self.intercepts_[layer + 1] = rbm.intercept_hidden_.astype(dtype)
            if layer == 0:
                self.intercepts_[0] = rbm.intercept_visible_.astype(dtype)

    def _parameters(self):
        return [*self.weights_, *self.intercepts_]

    def _set_parameters(self, parameters):
        n = len(self.weights_)
        self.weights_, self.intercepts_ = list(parameters[:n]), list(parameters[n:])

    def _fresh_states(self, n_rows, rng):
        """Independent visible states of the base model (base rates, or N(b, I)), the
        hidden layers sampled upwards from them."""
        units = UNITS[self.visible]
        base = self._base_bias()
        centre = np.repeat(units.mean(base.astype(self._dtype))[None, :], n_rows, 0)
        return self._up_states(units.sample(centre, rng, out=centre), rng)

    def _up_states(self, V, rng):
        """``[V, h_1, ..., h_L]`` with each hidden layer sampled from the recognition pass
        (doubled upward weights below the top, as mean field starts)."""
        states = self._recognition(self._layers(), V)
        for layer in range(1, len(states)):
            states[layer] = UNITS["bernoulli"].sample(states[layer], rng, out=states[layer])
        return states

    # ------------------------------------------------------------- training

    def _train(self, Z, n_epochs, rng, schedule, average=0.0, incremental=False):
        self._log_partition_cache = {}
        if self.method == "pt":
            n_chains = self.chains_[0].shape[0]
            self._start_tempered(lambda: self._fresh_states(n_chains, rng))
        batch_size, n_epochs = self._schedule(Z.shape[0], n_epochs)
        monitor = Z[np.sort(rng.permutation(Z.shape[0])[:_MONITOR_ROWS])]

        def end_epoch(interrupted):
            error = self._reconstruction_error(as_dense(monitor))
            self.reconstruction_error_curve_.append(error)
            return {"reconstruction error": error}

        training = Training(
            update=lambda rows, lr, momentum: self._update(Z, rows, lr, momentum, rng),
            end_epoch=end_epoch,
            parameters=self._parameters,
            restore=self._set_parameters,
            learning_rate=self.learning_rate,
            schedule=schedule,
            average=average,
            momentum=self.momentum,
            warm_up_momentum=True,
            multiply_adds=batch_size * sum(W.size for W in self.weights_),
            divergence_hint="use a smaller one (Gaussian visible units need a smaller one).",
        )
        run_epochs(self, training, Z.shape[0], n_epochs, batch_size, rng, None, incremental)

    def _update(self, Z, rows, lr, momentum, rng):
        """One step: mean-field data statistics minus the persistent chains' statistics."""
        layers = self._layers()
        posterior = self._mean_field(layers, as_dense(Z[rows]))
        path = LayeredPath(layers, self._base_bias()) if self.method == "pt" else None
        for _ in range(self.k):
            if path is not None:
                self._tempered.step(path, rng)
            else:
                layers.sweep(self.chains_, rng)
        if self.method == "pt":
            self.chains_ = self._tempered.model_states
        statistics_step(
            layers, posterior, self.chains_, self._velocities, lr, momentum,
            decay=lr * self.alpha, offsets=self.offsets_,
        )  # fmt: skip

    def _recognition(self, layers, V):
        """The bottom-up pass that starts mean field: each hidden layer's mean given the
        one below, its input doubled below the top to stand in for the layer above."""
        states = [V]
        for layer in range(1, layers.n_layers):
            scale = 2.0 if layer < layers.n_layers - 1 else 1.0
            eta = scale * (states[-1] @ layers.weights[layer - 1].T)
            eta += layers.biases[layer]
            states.append(layers.units[layer].mean(eta, out=eta))
        return states

    def _feedforward_layers(self, linear_output=False):
        """The machine as the layers of a feed-forward network (the MLP's ``pretrain``).

        Returns ``(encoders, decoders)``: ``(W, c)`` per hidden layer, bottom first,
        acting on raw inputs, the recognition pass that mean field starts from
        (weights doubled below the top layer, standing in for the input from
        above); and ``(W, b)`` per layer of an unrolled decoder, top first, each
        layer's conditional given the one above (``linear_output``: the first-order
        expansion for a linear output layer, see :func:`decoder_layer`).
        """
        mean, scale = visible_standardisation(self)
        weights = [np.asarray(W, dtype=float) for W in self.weights_]
        biases = [np.asarray(b, dtype=float) for b in self.intercepts_]
        n_hidden = len(weights)
        encoders = [
            encoder_layer(
                (2.0 if layer < n_hidden - 1 else 1.0) * weights[layer].T,
                biases[layer + 1],
                *((mean, scale) if layer == 0 else (None, None)),
            )  # fmt: skip
            for layer in range(n_hidden)
        ]
        decoders = [
            decoder_layer(
                weights[layer],
                biases[layer],
                linear_output and layer == 0,
                *((mean, scale) if layer == 0 else (None, None)),
            )  # fmt: skip
            for layer in reversed(range(n_hidden))
        ]
        return encoders, decoders

    def _mean_field(self, layers, V):
        """``[V, mu_1, ..., mu_L]``: the mean-field posteriors of the hidden layers."""
        states = self._recognition(layers, V)
        layers.mean_field(
            states, fixed=(0,), n_iter=self.mean_field_max_iter, tol=self.mean_field_tol,
            damping=self.mean_field_damping,
        )  # fmt: skip
        return states

    def _reconstruction_error(self, V):
        layers = self._layers()
        posterior = self._mean_field(layers, V)
        reconstruction = layers.mean(0, posterior)
        return float(((V - reconstruction) ** 2).sum(axis=1).mean())

    # ----------------------------------------------------------- transformation

    def transform(self, X, *, layer=None):
        """Mean-field posterior means of a hidden layer: features for a Pipeline.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        layer : int, default=None
            Index into ``hidden_layer_sizes`` (negative counts from the top); None
            reads the top layer.

        Returns
        -------
        H : ndarray of shape (n_samples, n_units of the layer)
        """
        V = as_dense(self._fitted_rows(X))
        layer = _layer_index(layer, len(self.weights_))
        return self._mean_field(self._layers(), V)[layer + 1]

    # ---------------------------------------------------------------- sampling

    def sample(
        self,
        n_samples=1,
        *,
        n_steps=1000,
        X=None,
        mask=None,
        from_chains=False,
        mean=False,
        tempered=False,
        random_state=None,
    ):
        """Draw visible samples by block Gibbs sampling of all layers.

        Each step samples the odd layers given the even ones, then the even
        layers given the odd ones. Chains start from the visible base rates,
        from the persistent chains of training (``from_chains=True``), or from
        the rows of ``X``, the hidden layers sampled upwards. With ``mask`` the
        units it marks keep ``X``'s values: the chains then sample the rest from
        its exact conditional distribution (inpainting).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (ignored when ``X`` is given: one per row).

        n_steps : int, default=1000
            Gibbs steps before the samples are read.

        X : array-like of shape (n_rows, n_features), default=None
            Starting rows, and the clamped values where ``mask`` is True.

        mask : array-like of bool, shape (n_features,) or (n_rows, n_features), default=None
            True where a unit is clamped to ``X``'s value. Requires ``X``.

        from_chains : bool, default=False
            Start from the persistent chains (cycled when more samples are asked).

        mean : bool, default=False
            Return ``E[v | h_1]`` of the last step instead of sampled states.

        tempered : bool, default=False
            Run the chains by parallel tempering on the ladder of
            ``n_temperatures``, every temperature started from the same states,
            clamped units held at all of them; the samples are read at
            temperature 1.

        random_state : int, RandomState instance or None, default=None
            None continues the machine's own generator; it advances only when the
            call succeeds.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            In the units of the training data.
        """
        V, clamp = check_sampling(self, n_samples, n_steps, X, mask)
        clamp = None if clamp is None else {0: clamp}
        with draw_generator(self, random_state) as rng:
            if X is not None:
                states = self._up_states(V, rng)
            elif from_chains:
                rows = np.arange(n_samples) % self.chains_[0].shape[0]
                states = [s[rows].copy() for s in self.chains_]
            else:
                states = self._fresh_states(n_samples, rng)
            layers = self._layers()
            if tempered:
                V = self._sample_tempered(layers, states, n_steps, rng, clamp, mean)
                return self._to_data_units(V)
            for step in range(n_steps):
                layers.sweep(states, rng, clamp, mean_last=mean and step == n_steps - 1)
        return self._to_data_units(states[0])

    # ------------------------------------------------------------ likelihood

    def score_samples(self, X, return_std=False):
        """Log-likelihood of each row, or its mean-field lower bound, in nats.

        With ``mu`` the mean-field posteriors of the hidden layers (:meth:`transform`)::

            log p(v) >= -E(v, mu) + sum_l H(mu_l) - log Z

        (the energy is linear in each layer, so its expectation under the
        factorial ``Q`` is the energy at the means). ``likelihood`` chooses the
        bound, or the exact ``log p(v)`` of small machines: the hidden layers of
        one parity enumerated, those of the other summed out analytically. For
        Gaussian visible units the density is that of the data in its own units.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        return_std : bool, default=False
            Also return each value's standard error (that of ``log Z``).

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)

        std : ndarray of shape (n_samples,)
            Only with ``return_std=True``.
        """
        V = as_dense(self._fitted_rows(X))
        kind = self._likelihood_method()
        log_z = self._log_partition("exact" if kind == "exact" else self._partition_method())
        layers = self._layers(np.float64)
        V = np.asarray(V, dtype=np.float64)
        if kind == "exact":
            values = self._exact_log_marginal(layers, V)
        else:
            posterior = self._mean_field(layers, V)
            entropy = sum(_bernoulli_entropy(mu) for mu in posterior[1:])
            values = layers.log_marginal(posterior, summed=()) + entropy
        values = values - log_z.log_z - self._log_jacobian()
        if return_std:
            return values, np.full(V.shape[0], log_z.std)
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

    def _summed_hidden(self):
        """The hidden layers an exact ``log p*(v)`` enumerates (the parity with fewer
        units), and the total number of their units."""
        n_layers = len(self.weights_) + 1
        odd = list(range(1, n_layers, 2))
        even = list(range(2, n_layers, 2))
        widths = self._widths()

        def units(layers):
            return sum(widths[layer] for layer in layers)

        enumerated = even if units(even) < units(odd) else odd
        return enumerated, units(enumerated)

    def _likelihood_method(self):
        _, n_units = self._summed_hidden()
        if self.likelihood == "exact":
            check_enumerable(n_units, "hidden layers of one parity")
            return "exact"
        if self.likelihood == "bound":
            return "bound"
        small = n_units <= MAX_AUTO_SUMMED_UNITS
        return "exact" if small and self._partition_method() == "exact" else "bound"

    def _exact_log_marginal(self, layers, V):
        """``log p*(v) = log sum_h exp(-E(v, h))`` per row: every joint state of the hidden
        layers of one parity visited, the others summed out."""
        enumerated, n_units = self._summed_hidden()
        summed = {layer for layer in range(1, layers.n_layers) if layer not in enumerated}
        if not enumerated:  # one hidden layer: an RBM's -F(v)
            return layers.log_marginal([V] + [None] * (layers.n_layers - 1), summed)
        sizes = [len(layers.biases[layer]) for layer in enumerated]
        n_states, n_rows = 1 << n_units, V.shape[0]
        per_block = chunk_rows(
            _SCORE_BYTES_PER_UNIT * sum(self._widths()), None,
            "the likelihood's sum over hidden states",
            "Score fewer rows at a time, use smaller hidden layers, or likelihood='bound'.",
        )  # fmt: skip
        rows_per_block = max(1, per_block // n_states)
        states_per_block = min(n_states, per_block)
        log_p = np.full(n_rows, -np.inf)
        for lo in range(0, n_rows, rows_per_block):
            block = V[lo : lo + rows_per_block]
            for start in range(0, n_states, states_per_block):
                joint = binary_states(n_units, start, min(start + states_per_block, n_states))
                states = [np.repeat(block, joint.shape[0], axis=0)]
                states += [None] * (layers.n_layers - 1)
                parts = np.split(np.tile(joint, (block.shape[0], 1)), np.cumsum(sizes)[:-1], 1)
                for layer, part in zip(enumerated, parts, strict=True):
                    states[layer] = part
                weights = layers.log_marginal(states, summed).reshape(block.shape[0], -1)
                log_p[lo : lo + block.shape[0]] = np.logaddexp(
                    log_p[lo : lo + block.shape[0]], logsumexp(weights, axis=1)
                )
        return log_p

    def log_partition(self):
        """The log partition function ``log Z`` and its uncertainty.

        Exact by enumerating the layers of one parity (the other summed out) for
        small machines, otherwise AIS from the base-rate model with the odd layers
        summed out analytically (Salakhutdinov & Hinton 2009); computed once per
        fitted model and cached. See :meth:`RestrictedBM.log_partition` for what
        the uncertainty means.

        Returns
        -------
        estimate : LogPartition
        """
        check_is_fitted(self)
        return self._log_partition(self._partition_method())

    def log_partition_bounds(self, n_steps=1000):
        """Bracket ``log Z`` between forward and reverse AIS (see
        :meth:`RestrictedBM.log_partition_bounds`); reverse AIS starts from the
        persistent chains after ``n_steps`` more Gibbs steps.

        Parameters
        ----------
        n_steps : int, default=1000
            Gibbs steps from the persistent chains before reverse annealing.

        Returns
        -------
        forward, reverse : LogPartition
        """
        return ais_bracket(self, n_steps, self._reverse_ais)

    def _reverse_ais(self, n_steps, rng):
        rows = np.arange(self.n_runs) % self.chains_[0].shape[0]
        states = [s[rows].copy() for s in self.chains_]
        layers = self._layers()
        for _ in range(n_steps):
            layers.sweep(states, rng)
        start = [s if layer % 2 == 0 else None for layer, s in enumerate(states)]
        return self._ais(rng, start)

    def _log_partition(self, method):
        return cached_log_partition(self, method, self._compute_log_partition)

    def _partition_method(self):
        return partition_method(self.partition, self._enumerated_units()[1], "layers of one parity")

    def _enumerated_units(self):
        """The layers exact ``log Z`` enumerates: the odd ones, or the even ones when they
        have fewer units and are all binary."""
        widths = self._widths()
        odd = list(range(1, len(widths), 2))
        even = list(range(0, len(widths), 2))
        n_odd, n_even = sum(widths[i] for i in odd), sum(widths[i] for i in even)
        if self.visible == "bernoulli" and n_even < n_odd:
            return even, n_even
        return odd, n_odd

    def _compute_log_partition(self, method):
        if method == "exact":
            return self._layers(np.float64).exact_log_partition(self._enumerated_units()[0])
        return self._ais(np.random.default_rng(self._ais_seed))

    def _ais(self, rng, start=None):
        check_rows_memory(self, self.n_runs, "n_runs")
        return self._layers().ais(
            self._base_bias(), self.n_runs, ais_betas(self.n_betas), rng, start=start
        )

    def _base_bias(self):
        """Visible biases of the base model that AIS and tempering start from."""
        return self._visible_base if self.visible == "bernoulli" else self.intercepts_[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self.visible == "bernoulli"
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


#: Training rows on which the DBM's reconstruction curve is computed.
_MONITOR_ROWS = 500


def _layer_index(layer, n_layers):
    """A hidden layer's index from ``transform``'s ``layer`` argument (None: the top)."""
    if layer is None:
        return n_layers - 1
    if not isinstance(layer, Integral) or isinstance(layer, bool):
        raise TypeError(f"layer must be an integer index of a hidden layer, got {layer!r}.")
    if not -n_layers <= layer < n_layers:
        raise ValueError(
            f"layer={layer} is not one of the model's {n_layers} hidden layers "
            f"(0 to {n_layers - 1}, or negative from the top)."
        )
    return layer % n_layers


def _up_means(rbms, H):
    """The up-pass: each RBM's hidden means given the layer below, from the rows H."""
    for rbm in rbms:
        H = rbm._layers().mean(1, [H, None])
    return H


def _down_pass(pairs, H, rng, mean=False):
    """From states of the layer above ``pairs`` (bottom first) down to the data layer,
    each layer sampled from its pair's downward conditional; the data layer's
    mean with ``mean``."""
    for position in range(len(pairs) - 1, -1, -1):
        H = pairs[position].sample_layer(0, [None, H], rng, mean=mean and position == 0)
    return H


def _spread_rows(Z):
    """About :data:`_MONITOR_ROWS` rows spread evenly through Z (all of a smaller Z)."""
    return Z[:: max(1, Z.shape[0] // _MONITOR_ROWS)]


def _in_bottom_units(rbms, X, owner):
    """Validated rows in the units of a stack's bottom layer: Bernoulli units' (or,
    with no stack, the top RBM's) clipped into [0, 1] with a warning, Gaussian
    units' standardised."""
    if not rbms or rbms[0].visible == "bernoulli":
        return check_unit_interval(X, owner, clip=True)
    return rbms[0]._standardise(X)


def _bernoulli_entropy(p):
    """Entropy of factorial Bernoulli units of means ``p``, per row."""
    return -(xlogy(p, p) + xlogy(1 - p, 1 - p)).sum(axis=1)


class _Stage:
    """What the epoch loop needs of a training stage that is not an estimator."""

    def __init__(self, name, verbose):
        self.loop_name, self.verbose, self.n_iter_ = name, verbose, 0


def _train_modified_rbm(data, n_hidden, up, down, visible_units, template, rng, name, verbose):
    """Train one of the pretraining RBMs of a deep Boltzmann machine.

    Its hidden units get ``c + up * W v`` and its visible units ``b + down * W'h``
    (Salakhutdinov & Hinton 2009: ``up = 2`` for the first layer, ``down = 2`` for
    the last, both for the middle ones). The step is the RBM's
    (:func:`~skenergy._rbm_step.plain_step` with these scalings), with the
    template's method (CD-k, or PCD-k with ``n_chains`` persistent chains),
    centring, learning rate, schedule, parameter averaging, epochs, minibatches,
    momentum, weight cost and ``k``. Returns ``(W, b, c)``.
    """
    if template.method == "pt":
        raise ValueError(
            "Parallel tempering cannot pretrain a deep Boltzmann machine: its modified "
            "RBMs (doubled weights one way) have no energy to temper. Give the pretrain "
            "template method='pcd' or 'cd'; the joint training takes method='pt'."
        )
    dtype = data.dtype
    n_visible = data.shape[1]
    W = (0.01 * rng.standard_normal((n_hidden, n_visible))).astype(dtype)
    b = (base_rate_logits(data) if visible_units.name == "bernoulli"
         else np.zeros(n_visible, dtype))  # fmt: skip
    layers = Layers([visible_units, UNITS["bernoulli"]], [b, np.zeros(n_hidden, dtype)], [W])
    velocities = tuple(np.zeros_like(p) for p in (W, *layers.biases))
    batch_size, n_epochs = template._schedule(data.shape[0], template.max_iter)
    persistent = template.method == "pcd"
    chains = np.zeros((template._n_chains(data.shape[0]), n_hidden), dtype) if persistent else None
    offsets = None
    if template.centered:
        rows = as_dense(_spread_rows(data))
        offsets = (rows.mean(axis=0), layers.mean(1, [up * rows, None]).mean(axis=0))

    def update(rows, lr, momentum):
        nonlocal chains
        chains = plain_step(
            layers, minibatch(data, rows), chains, velocities, rng, lr=lr, momentum=momentum,
            k=template.k, persistent=persistent, alpha=template.alpha, l1=template.l1,
            offsets=offsets, up=up, down=down,
        )  # fmt: skip

    monitor = as_dense(data[:_MONITOR_ROWS])

    def end_epoch(interrupted):
        # Scaling the states scales the weights' input (as plain_step does): no copy of W.
        hidden = layers.mean(1, [up * monitor, None])
        reconstruction = layers.mean(0, [None, down * hidden])
        return {"reconstruction error": float(((monitor - reconstruction) ** 2).sum(1).mean())}

    def restore(parameters):  # in place: the step's closures hold these arrays
        for current, kept in zip([W, *layers.biases], parameters, strict=True):
            current[...] = kept

    stage = _Stage(name, verbose)
    training = Training(
        update=update,
        end_epoch=end_epoch,
        parameters=lambda: [W, *layers.biases],
        restore=restore,
        average=template.average,
        learning_rate=template.learning_rate,
        schedule=template.learning_rate_schedule,
        momentum=template.momentum,
        warm_up_momentum=True,
        multiply_adds=batch_size * W.size,
    )
    run_epochs(stage, training, data.shape[0], n_epochs, batch_size, rng)
    return W, b, layers.biases[1]

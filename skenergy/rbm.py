"""Restricted Boltzmann machines with Bernoulli or Gaussian visible and hidden units."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import deprecated
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._layered import Layers
from ._loop import AdaptiveScheduleMixin, EarlyStopping, Training, run_epochs
from ._partition import ais_bracket, cached_log_partition, draw_ais_seed, partition_method
from ._rbm_step import FusedTrainer, PlainTrainer
from ._sampling import ais_betas, answer_generator, draw_generator, make_generator
from ._tempering import TemperingMixin
from ._units import _HERMITE_NODES, UNITS
from ._validation import (
    DIVERGED_MAGNITUDE,
    as_dense,
    check_count,
    check_fit_memory,
    check_fitted_rows,
    check_magnitude,
    check_rows_memory,
    check_sampling,
    check_unit_interval,
    guarded_fit,
    standardisation,
)

#: Rows of training (and held-out) data on which the learning curves are computed:
#: at most 500, and of the training rows a tenth (at least 100), so that on small
#: data the curves cost a fraction of an epoch (bench_small_fits.py).
_MONITOR_ROWS = 500
_MIN_MONITOR_ROWS = 100
#: The early-stopping criterion: pseudo-log-likelihood of held-out rows.
_HELD_OUT_CRITERION = "held-out pseudo-log-likelihood"
#: Visible base rates are clipped into [eps, 1 - eps] before taking log-odds.
_BASE_RATE_EPS = 1e-3
#: Parameters beyond this magnitude mean that training with Gaussian hidden units
#: diverged: summed out, those units leave the energy ``-|c + W'v|^2 / 2``, whose
#: differences between visible states then reach millions of nats (a point mass).
#: Such a run stays finite (the Bernoulli visible units saturate), so NaN alone
#: would never say it.
_GAUSSIAN_HIDDEN_BOUND = 1e3
#: Rows (evenly spread) whose means start the centring offsets.
_OFFSET_ROWS = 1000


class _VisibleUnitsMixin:
    """Data in and out of a model whose visible units are ``visible`` ("bernoulli":
    values in [0, 1], checked; "gaussian": any values, standardised by the model's
    ``mean_`` and ``scale_``). The RBM and the deep Boltzmann machine share it."""

    def _validate_training_data(self, X, reset):
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=reset)
        if self.visible == "bernoulli":
            check_unit_interval(X, type(self).__name__)
        return check_magnitude(X, "X", type(self).__name__)

    def _standardise(self, X, refit=False):
        """Data in model units: as given (Bernoulli) or standardised (Gaussian)."""
        if self.visible == "bernoulli":
            return X
        if refit:
            self.mean_, self.scale_ = standardisation(X)
        return (as_dense(X) - self.mean_) / self.scale_

    def _fitted_rows(self, X):
        """Rows given to the fitted model, validated, in model units."""
        X = check_fitted_rows(self, X, accept_sparse=True)
        if self.visible == "bernoulli":
            return check_unit_interval(X, type(self).__name__, clip=True)
        return self._standardise(X)

    def _to_data_units(self, Z):
        return Z if self.visible == "bernoulli" else Z * self.scale_ + self.mean_

    def _log_jacobian(self):
        return 0.0 if self.visible == "bernoulli" else float(np.log(self.scale_).sum())


class RestrictedBM(
    _VisibleUnitsMixin,
    TemperingMixin,
    AdaptiveScheduleMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Restricted Boltzmann machine trained by contrastive divergence.

    A bipartite energy model over visible units ``v`` and hidden units ``h``::

        bernoulli visible:  E(v, h) = -b'v - c'h - v'Wh
        gaussian visible:   E(v, h) = |v - b|^2 / 2 - c'h - v'Wh
        gaussian hidden:    the term -c'h becomes |h - c|^2 / 2

    trained by stochastic gradient ascent on the log-likelihood, with the model
    expectation estimated by CD-k (chains restarted at the data) or PCD-k
    (persistent chains, Tieleman 2008). Gaussian visible units have unit variance
    on data that the model standardises itself (``mean_``, ``scale_``), so raw
    real-valued features can be passed as they are.

    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.

    visible : {"bernoulli", "gaussian"}, default="bernoulli"
        Type of the visible units. Bernoulli units take values in [0, 1]
        (binary data, or grey levels read as probabilities); Gaussian units
        take any real values.

    hidden : {"bernoulli", "gaussian"}, default="bernoulli"
        Type of the hidden units. Bernoulli units are binary and their
        features (:meth:`transform`) probabilities; Gaussian units are linear
        with unit-variance noise, ``h | v ~ N(c + W v, 1)``, and their features
        the real values ``c + W v``: the linear code layer of Hinton &
        Salakhutdinov's (2006) deep autoencoder. With Gaussian hidden units the
        visible units must be Bernoulli (two Gaussian layers have no
        normalisable distribution in general), ``sparsity_target`` does not
        apply, and a learning rate about 10 times smaller suits them; a fit
        whose parameters pass 1e3 in magnitude fails as diverged (with these
        units such a model is a point mass, though every number is finite).

    method : {"pcd", "cd", "pt"}, default="pcd"
        ``"pcd"``: persistent chains carried across updates; ``"cd"``: chains
        restarted at each minibatch; ``"pt"``: persistent chains by parallel
        tempering, ``n_chains`` at each of ``n_temperatures`` inverse
        temperatures, swapped between neighbours after each sweep (Desjardins et
        al. 2010; Cho, Raiko & Ilin 2010), which mix where plain persistent
        chains stick in one mode; each update costs about ``n_temperatures``
        times the sampling of PCD, and runs the plain (not the fused) step.

    n_temperatures : int, default=10
        Rungs of the parallel-tempering ladder (``method="pt"``, and
        ``sample(tempered=True)``): inverse temperatures evenly spaced from 1
        (the model) to 0 (the base model that AIS starts from, which samples
        exactly), on the AIS path. ``swap_acceptance_`` shows whether they are
        close enough: raise it where a rate falls near 0.

    k : int, default=1
        Gibbs steps per update of the negative chains (the k of CD-k and PCD-k).

    learning_rate : float, default=0.01
        Step size of the gradient ascent on the mean log-likelihood of a
        minibatch. With momentum 0.9 the effective step is ten times larger.
        Gaussian visible units usually want a learning rate 5 to 10 times smaller.
        Long fits for a density (a hundred epochs or more) end better at about
        half the default (user guide, "Settings by purpose").

    learning_rate_schedule : {"linear", "constant"}, default="linear"
        ``"linear"`` decays the learning rate to zero over the ``max_iter`` epochs
        of ``fit``, which lets persistent chains settle; ``"constant"`` keeps it.
        ``partial_fit`` always uses the constant rate.

    average : float in [0, 1), default=0.0
        Fraction of a fit's epochs, the last ones, over which the parameters
        are averaged (Polyak-Ruppert iterate averaging, taken at the end of
        each epoch): the fitted model is their mean, which carries less of the
        last steps' noise. ``0.1`` (the last tenth) raises the test
        log-likelihood of a PCD-trained model, more so with ``centered=True``
        (the user guide's density settings); ``0`` keeps the last epoch's
        parameters. A ``partial_fit`` call (one epoch) is not averaged, and
        early stopping, which keeps its best epoch instead, refuses it.

    batch_size : int or "auto", default="auto"
        Rows per minibatch (the last minibatch of an epoch holds the rest).
        ``"auto"`` takes a hundredth of the training rows, between 10 and 100:
        100 on MNIST, 14 on scikit-learn's digits. Never more than the rows.

    max_iter : int or "auto", default="auto"
        Training epochs (passes over the data) of ``fit``. ``"auto"`` runs the
        epochs that make about 10,000 minibatch updates, between 20 and 100: 20
        epochs on MNIST (the literature's setting), 98 on digits, where 20
        epochs would be 144 updates and leave the model barely trained.

    momentum : float, default=0.9
        Final momentum of the updates. It rises linearly from 0.5 over the
        first 5 epochs, as Hinton's practical guide advises.

    alpha : float, default=1e-4
        L2 weight decay (the practical guide's "weight cost"); biases are not decayed.

    l1 : float, default=0.0
        L1 penalty on the weights.

    n_chains : int, default=None
        Number of persistent chains for ``method="pcd"``; ``None`` means
        ``batch_size``, or the number of training rows if that is smaller.

    sparsity_target : float, default=None
        Target mean activation of the hidden units. ``None`` disables the
        sparsity penalty (practical guide, section 11).

    sparsity_cost : float, default=0.1
        Weight of the sparsity penalty when ``sparsity_target`` is set.

    centered : bool, default=False
        Train by the centred gradient (Montavon & Mueller 2012; Melchior,
        Fischer & Wiskott 2016): the energy written in ``v - mu`` and ``h - lam``,
        with offsets ``mu`` and ``lam`` that follow the data's visible and
        hidden means (moving averages, 0.01 per minibatch). It is the same
        model family; only the direction of each step changes, which is better
        conditioned: the weights' step no longer carries the units' mean
        activities. The fitted model is held and reported in the usual
        uncentred parameters, so every attribute and method is unchanged.

    validation_fraction : float, default=None
        Fraction of the training rows held out to monitor overfitting: the
        gap between the mean free energy of held-out and training rows
        (``free_energy_gap_curve_``) and the held-out pseudo-log-likelihood
        (``validation_scores_``). ``None`` trains on every row.

    early_stopping : bool, default=False
        Stop when the held-out pseudo-log-likelihood has not improved by
        ``tol`` for ``n_iter_no_change`` epochs, and keep the best parameters.
        Holds out ``validation_fraction`` of the rows, or 0.1 when it is ``None``.

    n_iter_no_change : int or np.inf, default=5
        Patience of early stopping, in epochs (``np.inf``: never stop early).

    tol : float, default=1e-3
        Improvement of the held-out score (nats per row) that resets the patience.

    warm_start : bool, default=False
        Continue from the current parameters and chains on a new call to ``fit``
        with data of the same width.

    partition : {"auto", "exact", "ais"}, default="auto"
        How ``log_partition`` (and so ``score_samples``) computes ``log Z``.
        ``"exact"`` enumerates a layer: the smaller one for Bernoulli visible
        units, the hidden layer for Gaussian ones (an error beyond 26 units).
        ``"ais"`` uses annealed importance sampling. ``"auto"`` enumerates up to
        20 units and uses AIS beyond.

    n_betas : int, default=20000
        Intermediate distributions of AIS. Its cost is about
        ``2 * n_betas * n_runs * n_features * n_components`` multiply-adds plus
        ``2 * n_betas * n_runs * n_components`` softplus evaluations, paid once
        per fitted model (the estimate is cached until the next ``fit`` or
        ``partial_fit``). Raise it until forward and reverse AIS agree
        (:meth:`log_partition_bounds`); the user guide says how close they came on
        MNIST.

    n_runs : int, default=100
        Independent AIS chains; the standard error of ``log Z`` shrinks as
        ``1 / sqrt(n_runs)``.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the minibatch order, the Gibbs chains, and
        (through a seed drawn once at ``fit``) the AIS estimate, which therefore
        does not disturb the generator that ``gibbs``, ``sample`` and ``partial_fit``
        advance.

    verbose : int, default=0
        Progress lines: ``1``, a line per epoch (reconstruction error,
        pseudo-log-likelihood, time, time elapsed and an estimate of the rest)
        and AIS estimates of log Z as they run (``score`` and
        ``log_partition``); ``2`` adds the learning rate and momentum, and
        progress within long epochs.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights ``W`` (transposed: one row per hidden unit), as in
        :class:`sklearn.neural_network.BernoulliRBM`.

    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases ``c``.

    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases ``b`` (of standardised units for Gaussian visible units).

    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains (``method="pcd"``; the chains at
        inverse temperature 1 for ``method="pt"``).

    swap_acceptance_ : ndarray of shape (n_temperatures - 1,) or None
        Share of accepted swaps between neighbouring temperatures over the
        training so far (``method="pt"`` only; None otherwise), hottest pair last.

    mean_, scale_ : ndarray of shape (n_features,)
        Per-feature mean and standard deviation used to standardise the data
        (Gaussian visible units only; ``None`` otherwise).

    visible_offset_, hidden_offset_ : ndarray of shape (n_features,) and (n_components,)
        The centring offsets ``mu`` and ``lam`` reached (``centered=True`` only;
        None otherwise); a warm start or ``partial_fit`` continues from them.

    n_iter_ : int
        Epochs run (accumulated over ``warm_start`` fits and ``partial_fit`` calls,
        each of which counts as one).

    reconstruction_error_curve_ : list of float
        Mean squared error per row of a mean-field up-down pass on a tenth of
        the training rows (at least 100, at most 500), after each epoch.

    pseudo_likelihood_curve_ : list of float
        Pseudo-log-likelihood per row on the same rows after each epoch: a
        proxy of the log-likelihood that needs no partition function (``n_features``
        times the log conditional probability of one coordinate per row, drawn
        once per fit).

    validation_scores_ : list of float
        Pseudo-log-likelihood of up to 500 held-out rows per epoch (empty without
        a validation split): the held-out score per epoch, under the name
        scikit-learn's MLP gives it. ``validation_score_curve_``, its former
        name, still reads it with a ``FutureWarning`` until 0.3.

    free_energy_gap_curve_ : list of float
        Mean free energy of held-out rows minus that of training rows per epoch;
        a growing gap means overfitting (empty without a validation split).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.neural_network.BernoulliRBM : PCD-1 with binary units and a
        pseudo-likelihood score.

    References
    ----------
    Hinton, G. E. (2010). A practical guide to training restricted Boltzmann
    machines. UTML TR 2010-003.

    Tieleman, T. (2008). Training restricted Boltzmann machines using
    approximations to the likelihood gradient. ICML.

    Salakhutdinov, R. and Murray, I. (2008). On the quantitative analysis of deep
    belief networks. ICML.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import RestrictedBM
    >>> X = load_digits().data / 16
    >>> rbm = RestrictedBM(n_components=16, max_iter=5, random_state=0).fit(X)
    >>> rbm.transform(X[:2]).shape
    (2, 16)
    >>> bool(rbm.score(X) < 0)  # mean log-likelihood in nats, log Z exact here
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "visible": [StrOptions({"bernoulli", "gaussian"})],
        "hidden": [StrOptions({"bernoulli", "gaussian"})],
        "method": [StrOptions({"pcd", "cd", "pt"})],
        "n_temperatures": [Interval(Integral, 2, None, closed="left")],
        "k": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions({"linear", "constant"})],
        "average": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "n_chains": [Interval(Integral, 1, None, closed="left"), None],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither"), None],
        "sparsity_cost": [Interval(Real, 0, None, closed="left")],
        "centered": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "partition": [StrOptions({"auto", "exact", "ais"})],
        "n_betas": [Interval(Integral, 3, None, closed="left")],
        "n_runs": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=256,
        *,
        visible="bernoulli",
        hidden="bernoulli",
        method="pcd",
        n_temperatures=10,
        k=1,
        learning_rate=0.01,
        learning_rate_schedule="linear",
        average=0.0,
        batch_size="auto",
        max_iter="auto",
        momentum=0.9,
        alpha=1e-4,
        l1=0.0,
        n_chains=None,
        sparsity_target=None,
        sparsity_cost=0.1,
        centered=False,
        validation_fraction=None,
        early_stopping=False,
        n_iter_no_change=5,
        tol=1e-3,
        warm_start=False,
        partition="auto",
        n_betas=20000,
        n_runs=100,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.visible = visible
        self.hidden = hidden
        self.method = method
        self.n_temperatures = n_temperatures
        self.k = k
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.average = average
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.momentum = momentum
        self.alpha = alpha
        self.l1 = l1
        self.n_chains = n_chains
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.centered = centered
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.warm_start = warm_start
        self.partition = partition
        self.n_betas = n_betas
        self.n_runs = n_runs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting

    @guarded_fit
    def fit(self, X, y=None):
        """Fit the model to the rows of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data, in [0, 1] for Bernoulli visible units.

        y : None
            Ignored.

        Returns
        -------
        self : RestrictedBM
            The fitted model.
        """
        self._check_unit_types()
        if self.average and self.early_stopping:
            raise ValueError(
                f"average={self.average} and early_stopping=True both choose the fitted "
                "parameters (the mean of the last epochs', or the best epoch's): set "
                "average=0 or early_stopping=False."
            )
        X = self._validate_training_data(X, reset=True)
        self._check_fit_memory(X)
        continuing = (
            self.warm_start
            and hasattr(self, "components_")
            and self.components_.shape[1] == X.shape[1]
        )
        rng = self._rng if continuing else make_generator(self.random_state)
        self._rng = rng
        Z = self._standardise(X, refit=not continuing)
        if not continuing:
            self._initialise(Z, rng)
        self._initialise_offsets(Z)
        self._ais_seed = draw_ais_seed(rng)
        train, held_out = self._split(Z, rng)
        self._train(train, held_out, self.max_iter, rng, self.learning_rate_schedule, self.average)
        return self

    @guarded_fit
    def partial_fit(self, X, y=None):
        """Run one epoch over X, keeping the parameters, momentum and chains.

        For streaming data: each call passes over X once in minibatches of
        ``batch_size`` with the constant learning rate, and counts as one epoch
        for the momentum warm-up and ``n_iter_``. The cached ``log Z`` is cleared.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training data.

        y : None
            Ignored.

        Returns
        -------
        self : RestrictedBM
            The updated model.
        """
        self._check_unit_types()
        first_call = not hasattr(self, "components_")
        X = self._validate_training_data(X, reset=first_call)
        self._check_fit_memory(X)
        if first_call:
            self._rng = make_generator(self.random_state)
            self._ais_seed = draw_ais_seed(self._rng)
            self._initialise(self._standardise(X, refit=True), self._rng)
        Z = self._standardise(X)
        self._initialise_offsets(Z)
        self._train(Z, None, 1, self._rng, "constant", incremental=True)
        return self

    def _check_unit_types(self):
        """Refuse the settings that Gaussian hidden units do not support."""
        if self.hidden != "gaussian":
            return
        if self.visible == "gaussian":
            raise ValueError(
                "visible='gaussian' with hidden='gaussian' defines no normalisable "
                "distribution in general; make one of the two layers 'bernoulli'."
            )
        if self.sparsity_target is not None:
            raise ValueError(
                "sparsity_target is a target probability of Bernoulli hidden units; "
                "with hidden='gaussian' leave it None."
            )

    def _fit_bytes(self, n_rows, n_features, itemsize):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py): the
        weights about 8 times (parameters, velocities, the fused step's copies,
        the copy kept to restore on failure; 3 more to average them), the chains'
        and minibatch's states of both layers 4 times, the standardised data and
        its hidden means, and for Gaussian units the learning curves' quadrature."""
        n_chains = self._n_chains(n_rows)
        if hasattr(self, "h_samples_"):  # partial_fit keeps the chains it has
            n_chains = max(n_chains, self.h_samples_.shape[0])
        units = n_features + self.n_components
        batch = self._batch_rows(n_rows)
        weight_copies = 8 + (3 if self.average else 0)
        elements = weight_copies * n_features * self.n_components + 4 * units * (n_chains + batch)
        peak = itemsize * (elements + 2 * n_rows * units)
        if self.visible == "gaussian":  # the curves' quadrature, training and held-out rows
            peak += 8 * 4 * len(_HERMITE_NODES) * 2 * _monitor_rows(n_rows) * self.n_components
        return peak

    def _bytes_per_row(self):
        """Per row of a call: visible and hidden states and their temporaries."""
        return 4 * self.components_.itemsize * sum(self.components_.shape)

    def _check_fit_memory(self, X):
        check_fit_memory(
            self, self._fit_bytes(*X.shape, X.dtype.itemsize), *X.shape,
            ("n_components", "batch_size", "n_chains"),
            "Lower n_components, batch_size or n_chains, or train on float32 data.",
        )  # fmt: skip

    def _initialise(self, Z, rng):
        """Fresh parameters as the practical guide advises, chains and histories."""
        n_features, dtype = Z.shape[1], Z.dtype
        self.components_ = (0.01 * rng.standard_normal((self.n_components, n_features))).astype(
            dtype
        )
        self.intercept_hidden_ = np.zeros(self.n_components, dtype=dtype)
        self._visible_base = np.zeros(n_features, dtype=dtype)
        if self.visible == "bernoulli":
            self._visible_base = base_rate_logits(Z)
        self.intercept_visible_ = self._visible_base.copy()
        self.h_samples_ = np.zeros((self._n_chains(Z.shape[0]), self.n_components), dtype=dtype)
        self._velocities = tuple(np.zeros_like(p) for p in self._parameters())
        self._mean_activation = np.zeros(self.n_components, dtype=np.float64)
        self.n_iter_ = 0
        self.reconstruction_error_curve_ = []
        self.pseudo_likelihood_curve_ = []
        self.validation_scores_ = []
        self.free_energy_gap_curve_ = []
        if self.visible == "bernoulli":
            self.mean_ = self.scale_ = None
        self.visible_offset_ = self.hidden_offset_ = None

    def _initialise_offsets(self, Z):
        """Centring offsets from the data's means under the current model, unless
        centred training already moved them (warm start, ``partial_fit``)."""
        if not self.centered:
            self.visible_offset_ = self.hidden_offset_ = None
            return
        if getattr(self, "visible_offset_", None) is not None:
            return
        rows = as_dense(Z[:: max(1, Z.shape[0] // _OFFSET_ROWS)])
        self.visible_offset_ = rows.mean(axis=0)
        self.hidden_offset_ = self._layers().mean(1, [rows, None]).mean(axis=0)

    def _split(self, Z, rng):
        fraction = self.validation_fraction
        if fraction is None and self.early_stopping:
            fraction = 0.1
        if fraction is None:
            return Z, None
        order = rng.permutation(Z.shape[0])
        n_held_out = int(round(fraction * Z.shape[0]))
        if n_held_out < 1 or n_held_out >= Z.shape[0]:
            raise ValueError(
                f"validation_fraction={fraction} of {Z.shape[0]} rows leaves "
                f"{n_held_out} rows held out: it needs at least one row on each side."
            )
        return Z[np.sort(order[n_held_out:])], Z[np.sort(order[:n_held_out])]

    # TODO(0.3): remove the alias.
    @deprecated("validation_score_curve_ is renamed validation_scores_ (removed in 0.3).")
    @property
    def validation_score_curve_(self):
        return self.validation_scores_

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    @property
    def _dtype(self):
        return self.components_.dtype

    def _parameters(self, dtype=None):
        """``(W, b, c)``: the arrays themselves, or copies in ``dtype``."""
        params = (self.components_, self.intercept_visible_, self.intercept_hidden_)
        return params if dtype is None else tuple(p.astype(dtype) for p in params)

    # ------------------------------------------------------------- training core

    def _train(self, Z, Z_held_out, n_epochs, rng, schedule, average=0.0, incremental=False):
        self._log_partition_cache = {}
        monitor = _Monitor(self, Z, Z_held_out, rng)
        batch_size, n_epochs = self._schedule(Z.shape[0], n_epochs)
        if self.method == "pt":
            n_chains = self.h_samples_.shape[0]
            self._start_tempered(
                lambda: [self._fresh_visible(n_chains, rng), self.h_samples_.copy()]
            )
        fused = self.hidden == "bernoulli" and self.method != "pt"
        trainer = (FusedTrainer if fused else PlainTrainer)(self, batch_size)

        def end_epoch(interrupted):
            trainer.publish()
            return monitor.record(self)

        training = Training(
            update=lambda rows, lr, momentum: trainer.update(Z, rows, lr, momentum, rng),
            end_epoch=end_epoch,
            parameters=self._parameters,
            restore=self._set_parameters,
            learning_rate=self.learning_rate,
            schedule=schedule,
            average=average,
            momentum=self.momentum,
            warm_up_momentum=True,
            multiply_adds=batch_size * (Z.shape[1] + 1) * (self.n_components + 1),
            parameter_bound=(
                _GAUSSIAN_HIDDEN_BOUND if self.hidden == "gaussian" else DIVERGED_MAGNITUDE
            ),
            divergence_hint=(
                "use a smaller one (Gaussian visible or hidden units need one 5 to 10 "
                "times smaller than Bernoulli units)."
            ),
        )
        stopping = None
        if self.early_stopping:
            stopping = EarlyStopping(_HELD_OUT_CRITERION, self.tol, self.n_iter_no_change)
        run_epochs(self, training, Z.shape[0], n_epochs, batch_size, rng, stopping, incremental)

    def _set_parameters(self, parameters):
        self.components_, self.intercept_visible_, self.intercept_hidden_ = parameters

    # ----------------------------------------------------------- transformation

    def transform(self, X):
        """Hidden unit probabilities ``P(h = 1 | v = X)``: the learned features.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data (for Bernoulli visible units, values outside [0, 1] are clipped
            with a warning).

        Returns
        -------
        H : ndarray of shape (n_samples, n_components)
            Feature values in [0, 1], in X's float dtype.
        """
        Z = self._fitted_rows(X)
        return self._layers().mean(1, [Z, None])

    def inverse_transform(self, H):
        """Expected visible values given hidden states or probabilities.

        Parameters
        ----------
        H : array-like of shape (n_samples, n_components)
            Hidden states, or probabilities from :meth:`transform`.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            ``E[v | h]`` in the units of the training data.
        """
        check_is_fitted(self)
        H = check_array(H, dtype=self.components_.dtype)
        if H.shape[1] != self.components_.shape[0]:
            raise ValueError(
                f"H must have shape (n_samples, {self.components_.shape[0]}), got {H.shape}."
            )
        return self._to_data_units(self._layers().mean(0, [None, H]))

    def reconstruct(self, X):
        """Mean-field reconstruction ``E[v | h = P(h | X)]``: one deterministic up-down pass.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
        """
        return self.inverse_transform(self.transform(X))

    # ---------------------------------------------------------------- sampling

    def gibbs(self, X, n_steps=1, random_state=None):
        """Run ``n_steps`` steps of block Gibbs sampling (v -> h -> v) from X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Visible states to start from.

        n_steps : int, default=1
            Gibbs steps.

        random_state : int, RandomState instance or None, default=None
            None continues the model's own generator (seeded by ``random_state``
            at fit), so successive calls draw afresh and a chain can be continued
            call by call; it advances only when the call succeeds.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            Sampled visible states.
        """
        check_count(n_steps, "n_steps", minimum=0)
        Z = self._chain_start(X)
        with draw_generator(self, random_state) as rng:
            return self._to_data_units(self._run_chains(Z, n_steps, rng))

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
        """Draw visible samples by block Gibbs sampling.

        Chains start from fresh states drawn from the visible base rates (or the
        unit Gaussian around the visible biases), from the model's persistent
        chains (``from_chains=True``), or from the rows of ``X``. With ``mask``,
        the units it marks keep ``X``'s values throughout: the chains sample the
        rest conditionally on them (inpainting).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples (ignored when ``X`` is given: one per row).

        n_steps : int, default=1000
            Gibbs steps (burn-in) before the samples are read.

        X : array-like of shape (n_rows, n_features), default=None
            Starting states, and the clamped values where ``mask`` is True.

        mask : array-like of bool, shape (n_features,) or (n_rows, n_features), default=None
            True where a unit is clamped to ``X``'s value. Requires ``X``.

        from_chains : bool, default=False
            Start from the persistent chains of PCD training (cycled when more
            samples than chains are asked for).

        mean : bool, default=False
            Return ``E[v | h]`` of the last step instead of sampled states: smoother
            images of what the model believes.

        tempered : bool, default=False
            Run the chains by parallel tempering on the ladder of
            ``n_temperatures`` (see ``method="pt"``), whatever the training
            method: every temperature starts from the same states, clamped units
            stay clamped at all of them, and the samples are read at inverse
            temperature 1. Each step costs ``n_temperatures`` Gibbs steps and
            visits the model's modes far more often than plain Gibbs sampling.

        random_state : int, RandomState instance or None, default=None
            None continues the model's own generator (seeded by ``random_state``
            at fit), so successive calls draw afresh and a chain can be continued
            call by call; it advances only when the call succeeds.

        Returns
        -------
        samples : ndarray of shape (n_samples, n_features)
            In the units of the training data.
        """
        Z, clamp = check_sampling(self, n_samples, n_steps, X, mask)
        with draw_generator(self, random_state) as rng:
            if X is None:
                Z = (self._chains_from_persistent if from_chains else self._fresh_visible)(
                    n_samples, rng
                )
            if tempered:
                clamp = None if clamp is None else {0: clamp}
                V = self._sample_tempered(self._layers(), [Z, None], n_steps, rng, clamp, mean)
                return self._to_data_units(V)
            return self._to_data_units(self._run_chains(Z, n_steps, rng, clamp, mean))

    def _chain_start(self, X):
        """Validated rows of X as a fresh dense array in model units: chains start there."""
        return check_sampling(self, 1, 0, X, None)[0]

    def _chains_from_persistent(self, n_samples, rng):
        """Visible states drawn from the persistent chains' hidden states (cycled)."""
        rows = np.arange(n_samples) % self.h_samples_.shape[0]
        Z = np.empty((n_samples, self.n_features_in_), dtype=self.components_.dtype)
        return self._layers().sample_layer(0, [None, self.h_samples_[rows]], rng, out=Z)

    def _fresh_visible(self, n_samples, rng):
        """Independent visible states of the base model: the visible base rates
        (Bernoulli) or N(b, I) (Gaussian), without hidden units."""
        units = UNITS[self.visible]
        centre = units.mean(self._base_bias().astype(self.components_.dtype))
        centre = np.repeat(centre[None, :], n_samples, axis=0)
        return units.sample(centre, rng, out=centre)

    def _base_bias(self):
        """Visible biases of the base model that AIS starts from (W = 0, c = 0)."""
        return self.intercept_visible_ if self.visible == "gaussian" else self._visible_base

    def _run_chains(self, Z, n_steps, rng, clamp=None, mean=False):
        return self._layers().gibbs(Z, n_steps, rng, clamp=clamp, mean_last=mean)

    def _layers(self, dtype=None):
        """The model as a stack of two unit layers (a view of its parameters, or
        copies in ``dtype``)."""
        W, b, c = self._parameters(dtype)
        return Layers([UNITS[self.visible], UNITS[self.hidden]], [b, c], [W])

    # ------------------------------------------------------------ likelihood

    def free_energy(self, X):
        """Free energy ``F(v) = -log sum_h exp(-E(v, h))`` of each row.

        For Gaussian visible units it is the free energy of the standardised row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        F : ndarray of shape (n_samples,)
        """
        return self._layers().free_energy(self._fitted_rows(X))

    def score_samples(self, X):
        """Log-likelihood ``log p(x)`` of each row, in nats.

        ``log p(x) = -F(x) - log Z``, with ``log Z`` from :meth:`log_partition`
        (exact for small models, AIS otherwise). For Gaussian visible units the
        density is that of the data in its own units (the standardisation's
        Jacobian ``-sum(log scale_)`` is included).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
        """
        free_energy = self.free_energy(X)  # validates X before log Z is estimated and cached
        return -free_energy - self.log_partition().log_z - self._log_jacobian()

    def score(self, X, y=None):
        """Mean log-likelihood of the rows of X, in nats (see :meth:`score_samples`).

        This is what ``GridSearchCV`` maximises by default: a true likelihood, so
        candidates with different ``n_components`` compare fairly (unlike
        BernoulliRBM's pseudo-likelihood). Beyond exact enumeration each fitted
        candidate pays one AIS estimate, ``n_betas x n_runs`` Gibbs sweeps of
        ``n_runs`` chains (``verbose=1`` shows its progress), often more than a
        fit of small data costs. Cheaper: a smaller ``n_betas`` (the estimate is
        cached per setting, and :meth:`log_partition_bounds` shows when it is too
        small), or a pipeline whose last step is scored instead (a classifier on
        the features pays no AIS). The user guide measures both.

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

    def log_partition(self):
        """The log partition function ``log Z`` and its uncertainty.

        Computed once per fitted model and cached until the next ``fit`` or
        ``partial_fit``; the AIS estimate uses its own seed (drawn at ``fit``), so it
        is reproducible and leaves the model's sampling generator alone.

        AIS underestimates ``log Z`` on average (so it overestimates the
        log-likelihood), badly so when its chains miss modes of a sharp model.
        The standard error only measures the spread of the importance weights: an
        :class:`~skenergy.exceptions.AISWarning` is raised when fewer than 3% of
        the runs carry the estimate. :meth:`log_partition_bounds` checks an estimate
        against reverse AIS; where the two disagree, raise ``n_betas``.

        Returns
        -------
        estimate : LogPartition
            ``log_z``, its standard error ``std``, the 3-standard-error interval
            ``lower``, ``upper``, the ``method`` used and, for AIS, the effective
            number of runs.
        """
        check_is_fitted(self)
        return cached_log_partition(self, self._partition_method(), self._compute_log_partition)

    def log_partition_bounds(self, n_steps=1000):
        """Bracket ``log Z`` between forward and reverse AIS (bidirectional Monte Carlo).

        Forward AIS (the estimate :meth:`log_partition` uses for large models) is a
        stochastic lower bound on ``log Z``. Reverse AIS anneals from samples of the
        model down to the base-rate model and is a stochastic upper bound when those
        samples are exact; here they come from the persistent chains run for
        ``n_steps`` more Gibbs steps, so the bracket holds as far as the chains have
        mixed (Grosse, Ghahramani & Adams 2015). A narrow bracket means both
        estimates can be trusted; a wide one means neither can. Costs two AIS runs
        (the forward one is cached and shared with :meth:`log_partition`).

        Parameters
        ----------
        n_steps : int, default=1000
            Gibbs steps from the persistent chains before reverse annealing.

        Returns
        -------
        forward, reverse : LogPartition
            ``forward.log_z <= log Z <= reverse.log_z`` in expectation.
        """
        return ais_bracket(self, n_steps, self._reverse_ais)

    def _reverse_ais(self, n_steps, rng):
        samples = self._run_chains(self._chains_from_persistent(self.n_runs, rng), n_steps, rng)
        return self._ais_log_partition(rng, start=samples)

    def _compute_log_partition(self, method):
        if method == "exact":
            return self._layers(np.float64).exact_log_partition(self._enumerated_layer())
        return self._ais_log_partition(np.random.default_rng(self._ais_seed))

    def _partition_method(self):
        layer = "visible layer" if self._enumerated_layer() == 0 else "hidden layer"
        return partition_method(self.partition, self._enumerated_layer_size(), layer)

    def _enumerated_layer(self):
        """The layer exact ``log Z`` enumerates: the smaller one, if it is binary."""
        n_hidden, n_visible = self.components_.shape
        if self.hidden == "gaussian":
            return 0
        return 0 if self.visible == "bernoulli" and n_visible < n_hidden else 1

    def _enumerated_layer_size(self):
        return self.components_.shape[1 - self._enumerated_layer()]

    def _ais_log_partition(self, rng, start=None):
        """AIS between the base model (W = 0) and this model: forward from exact base
        samples, or reverse from ``start``, model samples."""
        check_rows_memory(self, self.n_runs, "n_runs")
        return self._layers().ais(
            self._base_bias(), self.n_runs, ais_betas(self.n_betas), rng, start=start
        )

    def pseudo_log_likelihood(self, X, random_state=None):
        """Pseudo-log-likelihood of each row: ``n_features`` times ``log p(x_i | x_-i)``.

        One coordinate ``i`` per row is drawn from ``random_state``; the result is an
        unbiased estimate of ``sum_i log p(x_i | x_-i)``. For Bernoulli units the
        conditional is exact; for Gaussian units its normaliser is a 1-D integral
        computed by 40-point Gauss-Hermite quadrature. No partition function is
        needed, so it is cheap on any model size (the learning curves use it).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        random_state : int, RandomState instance or None, default=None
            Chooses the coordinates; None starts afresh from the estimator's
            ``random_state`` on every call, so the same rows get the same estimate.

        Returns
        -------
        pseudo_log_likelihood : ndarray of shape (n_samples,)
        """
        Z = self._fitted_rows(X)
        coords = answer_generator(self, random_state).integers(Z.shape[1], size=Z.shape[0])
        return self._pseudo_log_likelihood(Z, coords)

    def _pseudo_log_likelihood(self, Z, coords):
        pll = self._layers(np.float64).pseudo_log_likelihood(Z, coords)
        return pll - self._log_jacobian() if self.visible == "gaussian" else pll

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = self.visible == "bernoulli"
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def base_rate_logits(Z):
    """Visible biases of the base-rate model: the log-odds of each feature's mean,
    clipped into ``[eps, 1 - eps]`` (Hinton's practical guide), in Z's dtype. The
    RBM's and the deep Boltzmann machine's visible units start there, and AIS
    anneals from there."""
    p = np.clip(np.asarray(Z.mean(axis=0)).ravel(), _BASE_RATE_EPS, 1 - _BASE_RATE_EPS)
    return np.log(p / (1 - p)).astype(Z.dtype)


def _monitor_rows(n_rows):
    """Training rows the learning curves are computed on (see ``_MONITOR_ROWS``)."""
    return min(_MONITOR_ROWS, max(_MIN_MONITOR_ROWS, n_rows // 10))


class _Monitor:
    """The learning curves: fixed monitoring rows and coordinates, chosen once per call."""

    def __init__(self, rbm, Z, Z_held_out, rng):
        # The draws keep the size they had with 500 rows, so that the training
        # stream, which follows them, does not depend on how many rows are used.
        drawn = rng.permutation(Z.shape[0])[:_MONITOR_ROWS]
        coords = rng.integers(Z.shape[1], size=drawn.shape[0])
        n_rows = _monitor_rows(Z.shape[0])
        self.train = Z[np.sort(drawn[:n_rows])]
        self.coords = coords[:n_rows]
        self.held_out = None
        if Z_held_out is not None:
            self.held_out = Z_held_out[:_MONITOR_ROWS]
            self.held_out_coords = rng.integers(Z.shape[1], size=self.held_out.shape[0])

    def record(self, rbm):
        """Append this epoch's values to the curves; return them by name."""
        train = as_dense(self.train)
        layers = rbm._layers()
        recon = layers.mean(0, [None, layers.mean(1, [train, None])])
        rbm.reconstruction_error_curve_.append(float(((train - recon) ** 2).sum(1).mean()))
        rbm.pseudo_likelihood_curve_.append(
            float(rbm._pseudo_log_likelihood(train, self.coords).mean())
        )
        criteria = {
            "reconstruction error": rbm.reconstruction_error_curve_[-1],
            "pseudo-log-likelihood": rbm.pseudo_likelihood_curve_[-1],
        }
        if self.held_out is None:
            return criteria
        score = float(rbm._pseudo_log_likelihood(self.held_out, self.held_out_coords).mean())
        rbm.validation_scores_.append(score)
        gap = layers.free_energy(self.held_out).mean() - layers.free_energy(self.train).mean()
        rbm.free_energy_gap_curve_.append(float(gap))
        criteria[_HELD_OUT_CRITERION] = score
        criteria["free-energy gap"] = float(gap)
        return criteria

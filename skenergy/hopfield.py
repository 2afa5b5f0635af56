"""Hopfield networks: content-addressable memories, classic (binary) and modern (continuous)."""

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp, softmax
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._classifier import LogProbaClassifierMixin
from ._config import check_memory, chunk_rows
from ._dynamics import (
    DenseInteraction,
    energy,
    run_async,
    run_dense_async,
    run_glauber,
    run_parallel,
    run_sync,
)
from ._optim import interruptible
from ._sampling import answer_generator, flip_spins, geometric_temperatures, make_generator
from ._validation import (
    DIVERGED_MAGNITUDE,
    check_binary,
    check_fit_memory,
    check_fitted_rows,
    check_mask,
    check_not_diverged,
    from_spins,
    guarded_fit,
)

#: What to use instead of a classic memory too wide for its weight matrix.
_PAIRWISE_ALTERNATIVE = (
    "Reduce the number of features (or of don't-care units, n_components), or use "
    "ModernHopfieldMemory, which stores the "
    "patterns themselves (n_patterns x n_features) instead of weights between units."
)
#: Random states settled together between two unlearning steps.
_UNLEARNING_BATCH = 16
#: Largest block of query-pattern similarities a modern memory holds at once, in
#: bytes: within scikit-learn's working_memory, and no larger, where bigger blocks
#: stop paying.
_BLOCK_BYTES = 2**25
#: Peak of a fit in weight matrices, by rule, checked with tracemalloc
#: (tests/test_memory.py), the copy kept to restore on failure included.
_FIT_PEAK_MATRICES = {"hebbian": 4, "storkey": 7, "pseudoinverse": 4, "descent": 5}


@dataclass(frozen=True)
class Recall:
    """What a memory did with each probe: the result of ``recall``.

    Attributes
    ----------
    states : ndarray of shape (n_samples, n_features)
        The states reached: fixed points, in the encoding the memory was fitted
        with (:class:`HopfieldMemory`), or retrieved patterns or values
        (:class:`ModernHopfieldMemory`).
    n_steps : ndarray of int, shape (n_samples,)
        Sweeps over the units (asynchronous and stochastic dynamics), parallel
        steps (synchronous dynamics) or updates (modern memory) run for each probe.
    converged : ndarray of bool, shape (n_samples,)
        Whether the probe settled: a fixed point of deterministic dynamics, a
        state unchanged over the readout sweeps of stochastic dynamics, a last
        update smaller than ``tol`` (modern memory).
    cycled : ndarray of bool, shape (n_samples,)
        Whether the probe ended in a cycle of period 2 (synchronous dynamics).
    energy : ndarray of shape (n_samples,)
        The energy of the final states.

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy import HopfieldMemory
    >>> memory = HopfieldMemory(update="sync").fit([[1, -1], [-1, 1]])
    >>> recall = memory.recall([[1, 1], [1, -1]])  # two units that want to disagree
    >>> recall.converged.tolist(), recall.cycled.tolist()
    ([False, True], [True, False])
    """

    states: np.ndarray
    n_steps: np.ndarray
    converged: np.ndarray
    cycled: np.ndarray
    energy: np.ndarray


def hebbian_weights(S):
    """``W = S'S / N`` with a zero diagonal: Hebb's rule for the spin rows of S."""
    W = S.T @ S
    W /= S.shape[1]
    np.fill_diagonal(W, 0)
    return W


def add_storkey(W, S):
    """Store the spin rows of S one by one with Storkey's rule (1997), in place.

    ``w_ij += (x_i x_j - x_i h_ji - h_ij x_j) / N`` with the local field
    ``h_ij = sum_{k != i, j} w_ik x_k``: a Hebbian term corrected by what the
    weights already predict, which keeps the rule incremental and local while
    storing about ``N / sqrt(2 ln N)`` patterns instead of ``0.14 N``.
    """
    n_units = W.shape[0]
    for x in S:
        h = W @ x  # h_i = sum_{k != i} w_ik x_k (zero diagonal)
        local = h[:, None] - W * x[None, :]  # h_ij: leave out k = j
        step = np.outer(x, x)
        step -= x[:, None] * local.T
        step -= local * x[None, :]
        step /= n_units
        W += step
        np.fill_diagonal(W, 0)
    return W


def pseudoinverse_weights(S):
    """The projection rule: ``W = S' (S S')^+ S`` with a zero diagonal.

    W projects onto the span of the patterns, so linearly independent patterns
    are fixed points while the diagonal, ``p / N`` on average, stays below 1. At
    ``p = N`` the projection is the identity and the zeroed diagonal leaves nothing.
    """
    W = S.T @ np.linalg.pinv(S @ S.T, hermitian=True) @ S
    np.fill_diagonal(W, 0)
    return W.astype(S.dtype, copy=False)


class _BinaryMemory(BaseEstimator):
    """What the memories of binary patterns share: recall, completion and scoring
    of binary rows in either encoding. A memory provides ``_dtype()``,
    ``_recall(V, clamp, rng, known=None)`` (the dynamics from spin cues V, with
    ``clamp`` holding units and ``known`` the units a completion knows) and
    ``energy(X)``."""

    def _spins(self, X):
        return check_binary(X, type(self).__name__, self.binarize)

    def _fitted_rows(self, X, allow_nan=False):
        X = check_fitted_rows(self, X, allow_nan=allow_nan)
        return X.astype(self._dtype(), copy=False)

    def recall(self, X, mask=None, random_state=None):
        """Run the dynamics from each row of X, with what happened to each.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Probes: binary states in either encoding.

        mask : array-like of bool, shape (n_features,) or (n_samples, n_features), default=None
            True where units are clamped to their values in X (pattern
            completion); None lets every unit move.

        random_state : int, RandomState instance or None, default=None
            Seed of the asynchronous orders and stochastic dynamics; None starts
            afresh from the estimator's ``random_state`` on every call, so the
            same probes get the same recall.

        Returns
        -------
        recall : Recall
            Final states (in ``encoding_``), steps, convergence, cycles, energies.
        """
        S, _ = self._spins(self._fitted_rows(X))
        clamp = None if mask is None else check_mask(mask, S.shape)
        return self._recall(S, clamp, answer_generator(self, random_state))

    def predict(self, X):
        """The state recalled from each row of X: the fixed point it falls into.

        Warns with a :class:`~sklearn.exceptions.ConvergenceWarning` when probes
        did not settle in ``max_steps`` (deterministic dynamics), naming those that
        ended in a cycle of period 2; :meth:`recall` reports it per row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Probes: binary states in either encoding.

        Returns
        -------
        states : ndarray of shape (n_samples, n_features)
            Recalled states in ``encoding_``.
        """
        recall = self.recall(X)
        self._warn_unsettled(recall)
        return recall.states

    def complete(self, X, mask=None):
        """Fill in the unknown units of partial patterns, keeping the known ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Partial patterns. Known units hold binary values (either encoding);
            unknown units hold NaN, or anything when ``mask`` is given.

        mask : array-like of bool, shape (n_features,) or (n_samples, n_features), default=None
            True where units are known. None: the units that are not NaN.

        Returns
        -------
        states : ndarray of shape (n_samples, n_features)
            Completed patterns in ``encoding_``: the known units unchanged, the
            unknown ones filled in by the recall dynamics, started from random
            states seeded by ``random_state``.
        """
        X = self._fitted_rows(X, allow_nan=True)
        clamp = ~np.isnan(X) if mask is None else check_mask(mask, X.shape)
        known = np.broadcast_to(clamp, X.shape)
        if np.isnan(X[known]).any():
            raise ValueError("X holds NaN in units that mask marks as known.")
        S, _ = self._spins(np.where(known, X, 1))  # 1 stands in for unknown units
        rng = answer_generator(self, None)
        guess = np.where(rng.random(X.shape) < 0.5, 1, -1)
        S = np.where(known, S, guess).astype(X.dtype)
        recall = self._recall(S, clamp, rng, known=known)
        self._warn_unsettled(recall)
        return recall.states

    def _warn_unsettled(self, recall):
        if self.update == "stochastic" or recall.converged.all():
            return
        n_cycled = int(recall.cycled.sum())
        n_open = int((~recall.converged).sum()) - n_cycled
        parts = []
        if n_cycled:
            parts.append(
                f"{n_cycled} ended in a cycle of period 2 (synchronous updates can "
                "oscillate between two states; update='async' cannot)"
            )
        if n_open:
            parts.append(f"{n_open} did not reach a fixed point in max_steps={self.max_steps}")
        warnings.warn(
            f"Of {recall.converged.size} probes, {' and '.join(parts)}. Recall reports "
            "this per probe.",
            ConvergenceWarning,
            stacklevel=3,
        )

    def score_samples(self, X):
        """Negative energy of each row of X: higher for the states the memory holds.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary states in either encoding.

        Returns
        -------
        score : ndarray of shape (n_samples,)
        """
        return -self.energy(X)

    def score(self, X, y=None):
        """Mean overlap between the rows of X and what is recalled from noisy copies.

        Each row has a fraction ``noise`` of its bits flipped (seeded by
        ``random_state``), is recalled, and scored by its overlap
        ``m = s . x / N`` with the original, in [-1, 1] (1: perfect recall; 0.8:
        10% of the bits wrong). On the stored patterns this measures how far the
        memory corrects errors, which makes a grid search over rules, dynamics or
        unlearning meaningful: score on the patterns stored, e.g. with
        ``cv=[(indices, indices)]``. With ordinary folds it measures how well
        unseen patterns are kept, which suits memories of noisy examples of a few
        prototypes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary patterns in either encoding.

        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        V, _ = self._spins(self._fitted_rows(X))
        rng = answer_generator(self, None)
        recalled = self._recall(flip_spins(V, self.noise, rng), None, rng).states
        if self.encoding_ == "binary":
            recalled = 2 * recalled - 1
        overlap = np.einsum("ij,ij->i", recalled, V)
        return float(np.mean(overlap) / V.shape[1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags


class HopfieldMemory(_BinaryMemory):
    """Content-addressable memory of binary patterns: the classic Hopfield network.

    Patterns are stored in symmetric weights with a zero diagonal and recalled
    by dynamics that descend the energy ``E(s) = -s'Ws / 2 - b's`` over spins
    ``s`` in {-1, +1}: a probe near a stored pattern falls into it.

    Data come in either binary encoding, {0, 1} or {-1, +1} (0 maps to the spin
    -1); recalled states come back in the encoding the memory was fitted with.

    Parameters
    ----------
    rule : {"hebbian", "storkey", "pseudoinverse", "descent"}, default="hebbian"
        How patterns are stored. ``"hebbian"``: ``W = sum x x' / N``; recall from
        10% noise holds up to a load p/N of about 0.14 (exactly 0.138 for large N).
        ``"storkey"``: Storkey's incremental rule, which stores more.
        ``"pseudoinverse"``: the projection rule, which makes any p < N linearly
        independent patterns fixed points. ``"descent"``: starts from the Hebbian
        weights and descends the energy of the patterns while raising that of the
        states the dynamics reach from their neighbourhood (``noise`` flipped bits,
        ``k`` sweeps): ``W += learning_rate (x x' - y y') / N`` for each pattern
        x whose probe ended at y != x, for ``max_iter`` epochs or until every
        probe returns to its pattern. Only ``"descent"`` learns the biases; the
        other rules leave them at zero.

    update : {"async", "sync", "stochastic"}, default="async"
        Recall dynamics. ``"async"``: one unit at a time in a random order (the
        same for all probes), ``s_i = sign(h_i)``; the energy never rises and a
        fixed point is always reached. ``"sync"``: all units at once; faster per
        step but may end in a cycle of period 2, which is detected and reported.
        ``"stochastic"``: Glauber dynamics, ``P(s_i = +1) = logistic(2 h_i / T)``,
        annealed from ``temperature`` to ``final_temperature`` over ``max_steps``
        sweeps, reading out the sign of the mean of the last ``readout_steps``
        states: it can climb out of spurious minima. Its random numbers depend on
        the batch, so a probe's result does too (reproducibly for a given batch).
        A unit whose field is exactly zero keeps its state in the deterministic
        dynamics.

    max_steps : int, default=100
        Most sweeps (or parallel steps) of the recall dynamics; the stochastic
        dynamics always run all of them.

    temperature : float, default=0.3
        Starting temperature of the stochastic dynamics. A Hebbian memory at load
        a = p/N keeps its patterns below about ``1 - 1.95 sqrt(a)`` (Amit,
        Gutfreund & Sompolinsky: 0.56 at a = 0.05, 0.38 at 0.1), while the
        spurious mixtures of three patterns are unstable above 0.46: annealing
        from between the two (possible at low loads) leaves mixtures for
        patterns. The default is safe up to a load of about 0.1.

    final_temperature : float or None, default=0.05
        Temperature of the last stochastic sweep, reached geometrically. None
        keeps ``temperature`` throughout.

    readout_steps : int, default=5
        Sweeps at the end of the stochastic dynamics whose states are averaged.

    learning_rate : float, default=0.5
        Step of the ``"descent"`` rule, in units of one Hebbian imprint ``x x' / N``.

    max_iter : int, default=100
        Training epochs of the ``"descent"`` rule (one pass over the patterns each).

    k : int, default=3
        Sweeps of the dynamics from each probe during ``"descent"`` training (as
        the k of CD-k): enough for a probe to reach the valley it falls into. With
        one sweep, probes of an overloaded memory are still on their way, every
        epoch finds some of them away from their pattern, and training runs all
        ``max_iter`` epochs.

    noise : float in [0, 1], default=0.1
        The neighbourhood a memory should correct, as the fraction of bits
        flipped: in the probes of ``"descent"`` training and of :meth:`score`.

    unlearning_rate : float, default=0.01
        Amount of each unlearning step, in units of a Hebbian imprint: after
        storing, the memory settles from random states and subtracts
        ``unlearning_rate * y y' / N`` for each state y reached (Hopfield,
        Feinstein & Palmer 1983), which flattens spurious minima more than the
        stored ones. It helps only in a window (the user guide shows it): keep
        the rate small and the total ``unlearning_rate * n_unlearning`` below
        about half the number of stored patterns.

    n_unlearning : int, default=0
        Random states settled and unlearned after storing (0: no unlearning).

    binarize : float or None, default=None
        Threshold for mapping real values to binary (values above it are on), as
        in :class:`~sklearn.naive_bayes.BernoulliNB`. None requires binary data
        and refuses anything else with a ValueError.

    n_components : int, default=0
        "Don't-care" units added to the ``n_features`` the caller stores: each
        pattern is padded with ``n_components`` bits (see ``hidden_fill``) and
        the network of ``n_features + n_components`` units stores the padded
        patterns, which lets it hold more than ``n_features`` patterns (up to
        about ``n_features + n_components`` with the ``"pseudoinverse"`` and
        ``"descent"`` rules). Only the visible units are ever given or returned:
        recall infers the don't-care units from the cue (started from the sign
        of their field from the visible units, then settled with the visible
        units held at the cue) before every unit moves; states, energies and
        scores concern the patterns as stored.

    hidden_fill : {"projection", "random"}, default="projection"
        The bits that pad each pattern. ``"random"``: independent random bits
        (the textbook answer). ``"projection"``: the signs of fixed random
        projections of the pattern, ``sign(R x)`` with Gaussian ``R`` (stored in
        ``projection_``): a noisy cue has nearly the same projections, so the
        don't-care units are easier to infer and the padded patterns more
        memorable (the user guide measures both).

    random_state : int, RandomState instance or None, default=None
        Seeds the orders of asynchronous sweeps, the stochastic dynamics, the
        probes of ``"descent"`` training and of :meth:`score`, unlearning and
        the don't-care bits. Each recall starts from the same seed, so
        ``predict`` is reproducible.

    Attributes
    ----------
    weights_ : ndarray of shape (n_features + n_components, n_features + n_components)
        Symmetric weights with a zero diagonal, the visible units first.
    intercept_ : ndarray of shape (n_features + n_components,)
        Biases b (zero except for the ``"descent"`` rule).
    projection_ : ndarray of shape (n_components, n_features) or None
        ``R`` of ``hidden_fill="projection"`` (None otherwise, or without
        don't-care units).
    encoding_ : {"binary", "spin"}
        Encoding of the fitted data (and of recalled states): ``"binary"`` for
        {0, 1}, ``"spin"`` for {-1, +1}. Data of only ones count as binary.
    n_memories_ : int
        Patterns stored (counting those added by ``partial_fit``).
    n_iter_ : int
        Training epochs run: 1 for the one-pass rules.
    n_features_in_ : int
        Number of units.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    ModernHopfieldMemory : continuous patterns, softmax retrieval, far more capacity.

    Notes
    -----
    The dynamics move all probes together: a synchronous step is one matrix
    product; an asynchronous sweep visits each unit once for all probes and
    updates the fields of the probes where it flipped, so a sweep near a fixed
    point costs little more than reading the fields.

    References
    ----------
    Hopfield (1982), PNAS 79; Amit, Gutfreund & Sompolinsky (1985), PRL 55;
    Storkey (1997), ICANN; Personnaz, Guyon & Dreyfus (1985), J. Physique Lett. 46;
    Hopfield, Feinstein & Palmer (1983), Nature 304.

    Examples
    --------
    >>> from skenergy import HopfieldMemory
    >>> from skenergy.datasets import flip_bits, make_random_spins
    >>> patterns = make_random_spins(10, 200, random_state=0)
    >>> memory = HopfieldMemory(random_state=0).fit(patterns)
    >>> probes = flip_bits(patterns, 0.1, random_state=1)
    >>> bool((memory.predict(probes) == patterns).all())
    True
    >>> round(float(memory.energy(patterns[:1])[0]))  # near -N/2 for Hebbian storage
    -101
    """

    _parameter_constraints: dict = {
        "rule": [StrOptions({"hebbian", "storkey", "pseudoinverse", "descent"})],
        "update": [StrOptions({"async", "sync", "stochastic"})],
        "max_steps": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "final_temperature": [None, Interval(Real, 0, None, closed="neither")],
        "readout_steps": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "k": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, 1, closed="both")],
        "unlearning_rate": [Interval(Real, 0, None, closed="left")],
        "n_unlearning": [Interval(Integral, 0, None, closed="left")],
        "binarize": [None, Real],
        "n_components": [Interval(Integral, 0, None, closed="left")],
        "hidden_fill": [StrOptions({"projection", "random"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        rule="hebbian",
        *,
        update="async",
        max_steps=100,
        temperature=0.3,
        final_temperature=0.05,
        readout_steps=5,
        learning_rate=0.5,
        max_iter=100,
        k=3,
        noise=0.1,
        unlearning_rate=0.01,
        n_unlearning=0,
        binarize=None,
        n_components=0,
        hidden_fill="projection",
        random_state=None,
    ):
        self.rule = rule
        self.update = update
        self.max_steps = max_steps
        self.temperature = temperature
        self.final_temperature = final_temperature
        self.readout_steps = readout_steps
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.k = k
        self.noise = noise
        self.unlearning_rate = unlearning_rate
        self.n_unlearning = n_unlearning
        self.binarize = binarize
        self.n_components = n_components
        self.hidden_fill = hidden_fill
        self.random_state = random_state

    # ------------------------------------------------------------------ storing

    @guarded_fit
    def fit(self, X, y=None):
        """Store the rows of X as memories.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary patterns, {0, 1} or {-1, +1} (or real values with ``binarize``).

        y : None
            Ignored.

        Returns
        -------
        self : HopfieldMemory
            The fitted memory.
        """
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        self._check_fit_memory(X)
        V, encoding = self._spins(X)
        rng = make_generator(self.random_state)
        projection, padding_rng = self._padding_source(V.shape[1], V.dtype, rng)
        S = self._padded(V, projection, padding_rng)
        n_units = S.shape[1]
        W = np.zeros((n_units, n_units), dtype=S.dtype)
        b = np.zeros(n_units, dtype=S.dtype)
        n_iter = 1
        if self.rule == "hebbian":
            W = hebbian_weights(S)
        elif self.rule == "storkey":
            add_storkey(W, S)
        elif self.rule == "pseudoinverse":
            W = pseudoinverse_weights(S)
        else:
            W = hebbian_weights(S)
        # Ctrl-C while the patterns are stored reaches the caller (the guard puts
        # the memory back as it was); once they are, it ends the descent or the
        # unlearning after the current epoch or batch, keeping a usable memory.
        with interruptible(type(self).__name__) as interrupt:
            with np.errstate(over="ignore", invalid="ignore"):  # checked below
                if self.rule == "descent":
                    n_iter = self._descend(S, W, b, projection, rng, interrupt)
                if not interrupt.requested:
                    self._unlearn(W, b, rng, interrupt)
        check_not_diverged(
            type(self).__name__,
            [W, b],
            bound=DIVERGED_MAGNITUDE,
            cause=self._divergence_cause(),
        )
        self.weights_, self.intercept_ = W, b
        self.projection_, self._padding_rng = projection, padding_rng
        self.encoding_ = encoding or "binary"
        self.n_memories_, self.n_iter_ = S.shape[0], n_iter
        return self

    def _padding_source(self, n_features, dtype, rng):
        """Where a new memory's don't-care bits come from: ``(projection, generator)``,
        the matrix R of ``hidden_fill="projection"`` or a generator of random bits
        (kept, so that ``partial_fit`` continues its stream)."""
        if not self.n_components:
            return None, None
        padding_rng = np.random.default_rng(rng.integers(np.iinfo(np.int64).max))
        if self.hidden_fill == "random":
            return None, padding_rng
        R = padding_rng.standard_normal((self.n_components, n_features))
        return R.astype(dtype), None

    def _padded(self, V, projection, padding_rng):
        """The spin patterns V with their don't-care bits appended."""
        if not self.n_components:
            return V
        if projection is not None:
            H = np.where(V @ projection.T < 0, -1, 1)
        else:
            H = np.where(padding_rng.random((V.shape[0], self.n_components)) < 0.5, -1, 1)
        return np.hstack([V, H.astype(V.dtype)])

    def _fit_bytes(self, n_rows, n_features, itemsize):
        """Peak of a fit: the weight matrix as many times as the rule needs
        (``_FIT_PEAK_MATRICES``) and the patterns, as spins, a few times."""
        n_units = n_features + self.n_components
        matrices = _FIT_PEAK_MATRICES[self.rule] * n_units**2
        return itemsize * (matrices + 4 * n_rows * n_units)

    def _bytes_per_row(self):
        """Per row of a call: the states, their fields and temporaries."""
        return 4 * self.weights_.itemsize * self.weights_.shape[0]

    def _check_fit_memory(self, X):
        n_bytes = self._fit_bytes(*X.shape, X.dtype.itemsize)
        sizes = ("rule", "n_components") if self.n_components else ("rule",)
        check_fit_memory(self, n_bytes, *X.shape, sizes, _PAIRWISE_ALTERNATIVE)

    def _divergence_cause(self):
        """The settings that scale the weights' updates, to name in a divergence error."""
        settings = [f"learning_rate={self.learning_rate}"] if self.rule == "descent" else []
        if self.n_unlearning:
            settings.append(f"unlearning_rate={self.unlearning_rate}")
        return f"Lower {' or '.join(settings)}." if settings else ""

    def _incremental(self):
        return self.rule in ("hebbian", "storkey")

    @available_if(_incremental)
    @guarded_fit
    def partial_fit(self, X, y=None):
        """Add the rows of X to the memories (Hebbian and Storkey rules).

        Storing in several calls gives the same weights as one call with all
        the patterns. Unlearning is not applied here: ``fit`` applies it once
        the memories are stored.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary patterns in either encoding.

        y : None
            Ignored.

        Returns
        -------
        self : HopfieldMemory
            The memory, with the new patterns stored.
        """
        return self._store_more(X)

    def _store_more(self, X):
        first_call = not hasattr(self, "weights_")
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=first_call)
        self._check_fit_memory(X)
        V, encoding = self._spins(X)
        if first_call:
            rng = make_generator(self.random_state)
            self.projection_, self._padding_rng = self._padding_source(V.shape[1], V.dtype, rng)
            n_units = V.shape[1] + self.n_components
            self.weights_ = np.zeros((n_units, n_units), dtype=V.dtype)
            self.intercept_ = np.zeros(n_units, dtype=V.dtype)
            self.encoding_, self.n_memories_, self.n_iter_ = encoding or "binary", 0, 0
        V = V.astype(self.weights_.dtype, copy=False)
        S = self._padded(V, self.projection_, self._padding_rng)
        if self.rule == "hebbian":
            self.weights_ += hebbian_weights(S)
        else:
            add_storkey(self.weights_, S)
        self.n_memories_ += S.shape[0]
        self.n_iter_ += 1
        return self

    def _dtype(self):
        return self.weights_.dtype

    def _descend(self, S, W, b, projection, rng, interrupt):
        """Energy-descent training from the Hebbian weights; returns the epochs
        completed (fewer when ``interrupt`` is requested)."""
        rate = self.learning_rate / S.shape[1]
        n_visible = S.shape[1] - self.n_components
        for epoch in range(self.max_iter):
            # Probes as recall meets them: noisy visible bits, don't-care units inferred.
            cues = flip_spins(S[:, :n_visible], self.noise, rng)
            Y, _ = self._cued(cues, W, b, projection, rng, n_steps=self.k)
            self._settle(Y, W, b, rng, n_steps=self.k)
            missed = (Y != S).any(axis=1)
            if missed.any():
                X_missed, Y_missed = S[missed], Y[missed]
                W += rate * (X_missed.T @ X_missed - Y_missed.T @ Y_missed)
                np.fill_diagonal(W, 0)
                b += rate * (X_missed - Y_missed).sum(axis=0)
            if interrupt.requested or not missed.any():
                return epoch + 1
        return self.max_iter

    def _unlearn(self, W, b, rng, interrupt):
        """Settle from random states and subtract their imprints, in small batches
        (until ``interrupt`` is requested)."""
        rate = self.unlearning_rate / W.shape[0]
        remaining = self.n_unlearning
        while remaining and not interrupt.requested:
            batch = min(remaining, _UNLEARNING_BATCH)
            Y = np.where(rng.random((batch, W.shape[0])) < 0.5, 1, -1).astype(W.dtype)
            run_async(Y, W, b, self.max_steps, rng)
            W -= rate * (Y.T @ Y)
            np.fill_diagonal(W, 0)
            remaining -= batch

    # ---------------------------------------------------------------- recalling

    def _settle(self, S, W, b, rng, n_steps=None, clamp=None):
        """Run the recall dynamics on the spin rows of S in place."""
        n_steps = self.max_steps if n_steps is None else n_steps
        if self.update == "async":
            return run_async(S, W, b, n_steps, rng, clamp)
        if self.update == "sync":
            return run_sync(S, W, b, n_steps, clamp)
        final = self.temperature if self.final_temperature is None else self.final_temperature
        temperatures = geometric_temperatures(self.temperature, final, n_steps)
        return run_glauber(S, W, b, temperatures, rng, clamp, self.readout_steps)

    def _cued(self, V, W, b, projection, rng, n_steps=None, known=None):
        """The network's states for the visible cues V: ``(states, sweeps run)``.

        Without don't-care units, V itself. With them, those units start from the
        bits the fill gives the cue (``sign(R v)``; for random bits, the sign of
        their field from the visible units), computed from the ``known`` units
        only when given; when the whole cue is given they then settle with the
        visible units held at the cue, which infers them from it.
        """
        n_visible = V.shape[1]
        if W.shape[0] == n_visible:
            return V, 0
        cue = V if known is None else np.where(known, V, 0)
        if projection is not None:
            start = cue @ projection.T
        else:
            start = cue @ W[:n_visible, n_visible:]
            start += b[n_visible:]
        S = np.hstack([V, np.where(start < 0, -1, 1).astype(V.dtype)])
        if known is not None:
            return S, 0
        held = np.arange(W.shape[0]) < n_visible
        return S, self._settle(S, W, b, rng, n_steps=n_steps, clamp=held).n_steps

    def _recall(self, V, clamp, rng, known=None):
        """Recall from the visible cues V (spins, updated in place when there are
        no don't-care units); ``clamp`` holds visible units throughout."""
        W, b = self.weights_, self.intercept_
        S, inferring = self._cued(V, W, b, self.projection_, rng, known=known)
        if clamp is not None and S.shape[1] > V.shape[1]:
            free = np.zeros((*clamp.shape[:-1], S.shape[1] - V.shape[1]), dtype=bool)
            clamp = np.concatenate([clamp, free], axis=-1)
        settling = self._settle(S, W, b, rng, clamp=clamp)
        return Recall(
            from_spins(S[:, : V.shape[1]], self.encoding_),
            settling.n_steps + inferring,
            settling.converged,
            settling.cycled,
            energy(S, W, b),
        )

    # ------------------------------------------------------------------ scoring

    def energy(self, X):
        """``E(s) = -s'Ws / 2 - b's`` of each row of X, taken as spins.

        With don't-care units, ``s`` is the row with those units at the states
        recall infers for them from it (settled with the row held), the lowest
        energy the dynamics find for the visible pattern.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary states in either encoding.

        Returns
        -------
        energy : ndarray of shape (n_samples,)
        """
        V, _ = self._spins(self._fitted_rows(X))
        rng = answer_generator(self, None)
        S, _ = self._cued(V, self.weights_, self.intercept_, self.projection_, rng)
        return energy(S, self.weights_, self.intercept_)


class DenseHopfieldMemory(_BinaryMemory):
    """Dense associative memory of binary patterns (Krotov & Hopfield 2016).

    Stores the patterns themselves and recalls by dynamics that descend the
    higher-order energy ``E(s) = -sum_mu F(xi_mu . s)`` over spins ``s`` in
    {-1, +1}: with ``F(x) = x^n`` a network of N units holds about ``N^(n-1)``
    patterns instead of Hebb's 0.14 N (degree 2 is Hebb's network), with
    ``F(x) = exp(x)`` (Demircigil et al. 2017) about ``2^(N/2)``. Each update
    sets a unit to the value of lower energy. The same interface and input
    conventions as :class:`HopfieldMemory`: binary data in either encoding, recalled
    states in the encoding fitted.

    Parameters
    ----------
    interaction : {"polynomial", "exponential"}, default="polynomial"
        ``F``: ``x^degree`` or ``exp(x)``. Energies are reported divided by the
        constants ``N^degree`` or ``e^N`` (which changes no decision), so that
        they lie between ``-p`` and ``p`` (p patterns) for any degree and width.

    degree : int, default=3
        ``n`` of the polynomial interaction (at least 2).

    update : {"async", "sync"}, default="async"
        Recall dynamics: one unit at a time in a random order (the same for all
        probes; the energy never rises and a fixed point is always reached), or
        every unit at once (may end in a cycle of period 2, detected and reported).

    max_steps : int, default=100
        Most sweeps (or parallel steps) of the recall dynamics.

    noise : float in [0, 1], default=0.1
        Fraction of bits flipped in the probes of :meth:`score`.

    binarize : float or None, default=None
        Threshold for mapping real values to binary (values above it are on), as
        in :class:`~sklearn.naive_bayes.BernoulliNB`. None requires binary data.

    random_state : int, RandomState instance or None, default=None
        Seeds the orders of asynchronous sweeps, the probes of :meth:`score` and
        the starting guesses of :meth:`complete`; each recall starts from the
        same seed, so ``predict`` is reproducible.

    Attributes
    ----------
    patterns_ : ndarray of shape (`n_memories_`, n_features)
        The stored patterns, as spins.
    encoding_ : {"binary", "spin"}
        Encoding of the fitted data (and of recalled states).
    n_memories_ : int
        Patterns stored (counting those added by ``partial_fit``).
    n_features_in_ : int
        Number of units.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    HopfieldMemory : pairwise weights; don't-care units for more than N patterns.
    ModernHopfieldMemory : continuous states, softmax retrieval.

    Notes
    -----
    A unit's decision compares ``sum_mu F`` with the unit at +1 and at -1 for
    every probe at once; each probe's terms are divided by its largest before
    they are summed (the shift of a log-sum-exp), so neither large degrees nor
    the exponential overflow, and the nearest pattern's term never underflows.
    A sweep costs ``N`` updates of a probes x patterns array.

    References
    ----------
    Krotov & Hopfield (2016), "Dense associative memory for pattern
    recognition", NeurIPS; Demircigil, Heusel, Loewe, Upgang & Vermet (2017),
    "On a model of associative memory with huge storage capacity", J. Stat.
    Phys. 168.

    Examples
    --------
    >>> from skenergy import DenseHopfieldMemory
    >>> from skenergy.datasets import flip_bits, make_random_spins
    >>> patterns = make_random_spins(100, 50, random_state=0)  # p = 2 N
    >>> memory = DenseHopfieldMemory(degree=4, random_state=0).fit(patterns)
    >>> probes = flip_bits(patterns, 0.1, random_state=1)
    >>> bool((memory.predict(probes) == patterns).all())
    True
    """

    _parameter_constraints: dict = {
        "interaction": [StrOptions({"polynomial", "exponential"})],
        "degree": [Interval(Integral, 2, None, closed="left")],
        "update": [StrOptions({"async", "sync"})],
        "max_steps": [Interval(Integral, 1, None, closed="left")],
        "noise": [Interval(Real, 0, 1, closed="both")],
        "binarize": [None, Real],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        interaction="polynomial",
        *,
        degree=3,
        update="async",
        max_steps=100,
        noise=0.1,
        binarize=None,
        random_state=None,
    ):
        self.interaction = interaction
        self.degree = degree
        self.update = update
        self.max_steps = max_steps
        self.noise = noise
        self.binarize = binarize
        self.random_state = random_state

    @guarded_fit
    def fit(self, X, y=None):
        """Store the rows of X as memories.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary patterns, {0, 1} or {-1, +1} (or real values with ``binarize``).

        y : None
            Ignored.

        Returns
        -------
        self : DenseHopfieldMemory
            The fitted memory.
        """
        for attribute in ("patterns_", "encoding_", "n_memories_"):
            self.__dict__.pop(attribute, None)
        return self._store_more(X, reset=True)

    @guarded_fit
    def partial_fit(self, X, y=None):
        """Add the rows of X to the memories.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary patterns in either encoding.

        y : None
            Ignored.

        Returns
        -------
        self : DenseHopfieldMemory
            The memory, with the new patterns stored.
        """
        return self._store_more(X, reset=not hasattr(self, "patterns_"))

    def _store_more(self, X, reset):
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)
        n_stored = 0 if reset else self.n_memories_
        n_bytes = X.itemsize * 3 * (n_stored + X.shape[0]) * X.shape[1]
        check_fit_memory(
            self, n_bytes, *X.shape, ("interaction",), "Store fewer or narrower patterns."
        )
        S, encoding = self._spins(X)
        if reset:
            self.patterns_ = S
            self.encoding_ = encoding or "binary"
        else:
            self.patterns_ = np.vstack([self.patterns_, S.astype(self.patterns_.dtype)])
        self.n_memories_ = self.patterns_.shape[0]
        return self

    def _dtype(self):
        return self.patterns_.dtype

    def _bytes_per_row(self):
        """Per row of a call: the states, their overlaps with every pattern and the
        temporaries of one unit's decision."""
        return self.patterns_.itemsize * (4 * self.patterns_.shape[1] + 8 * self.n_memories_)

    def _interaction(self):
        return DenseInteraction(self.patterns_, self.interaction, self.degree)

    def _recall(self, V, clamp, rng, known=None):
        interaction = self._interaction()
        if self.update == "async":
            settling = run_dense_async(V, interaction, self.max_steps, rng, clamp)
        else:
            settling = run_parallel(V, interaction.parallel_step, self.max_steps, clamp)
        return Recall(
            from_spins(V, self.encoding_),
            settling.n_steps,
            settling.converged,
            settling.cycled,
            interaction.energy(V),
        )

    def energy(self, X):
        """The energy of each row of X, taken as spins: ``-sum_mu F(xi_mu s)``.

        ``F`` is divided by ``N^degree`` (polynomial) or ``e^N`` (exponential).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Binary states in either encoding.

        Returns
        -------
        energy : ndarray of shape (n_samples,)
        """
        S, _ = self._spins(self._fitted_rows(X))
        return self._interaction().energy(S)


class ModernHopfieldMemory(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Continuous Hopfield network with softmax retrieval (Ramsauer et al. 2020).

    Stores real-valued patterns (the rows of X, the matrix M) and retrieves by the update
    ``xi <- M' softmax(beta M xi)``, which descends the energy::

        E(xi) = -lse(beta, M xi) + xi'xi / 2 + log(N) / beta + m^2 / 2

    (``lse(beta, z) = log(sum_i exp(beta z_i)) / beta``, N stored patterns, m the
    largest pattern norm). With large ``beta`` a query close to a well-separated
    pattern retrieves it in one update, and exponentially many patterns fit in
    the dimension; with small ``beta`` every query goes to the global fixed point
    near the mean pattern; in between, queries go to metastable averages of
    similar patterns.

    With ``fit(X, Y)`` the memory associates keys (rows of X) with values (rows of
    Y): retrieval returns the softmax-weighted values, so one-hot labels make an
    attention-based classifier (:class:`ModernHopfieldClassifier` takes the labels
    themselves); retrieving from a memory whose values were class labels warns
    that it averages them.

    Parameters
    ----------
    beta : float, default=1.0
        Inverse temperature of the softmax. Its scale goes with the squared norm
        of the patterns: ``1 / sqrt(n_features)`` is transformer attention's
        choice for standardised data.

    max_steps : int, default=1
        Updates per retrieval: one is the usual, and enough at large ``beta``.

    tol : float, default=1e-6
        A retrieval has converged when its last update moved the state by less
        than ``tol`` times its norm.

    top_k : int or None, default=None
        ``transform`` returns a sparse matrix holding, per row, the ``top_k``
        largest association probabilities; None returns them all, densely.

    Attributes
    ----------
    memories_ : ndarray of shape (n_memories, n_features)
        The stored patterns (keys).
    values_ : ndarray of shape (n_memories, n_outputs) or None
        The values associated with the keys (``fit(X, Y)``), or None.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    HopfieldMemory : the classic binary memory.
    ModernHopfieldClassifier : the memory as a classifier, labels in.

    References
    ----------
    Ramsauer et al. (2020), "Hopfield Networks is All You Need", arXiv:2008.02217.

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy import ModernHopfieldMemory
    >>> rng = np.random.default_rng(0)
    >>> patterns = rng.standard_normal((1000, 32))
    >>> memory = ModernHopfieldMemory(beta=2.0).fit(patterns)
    >>> query = patterns[:5] + 0.3 * rng.standard_normal((5, 32))
    >>> np.allclose(memory.predict(query), patterns[:5], atol=1e-3)
    True
    >>> memory.transform(query).shape  # association probabilities
    (5, 1000)
    """

    _parameter_constraints: dict = {
        "beta": [Interval(Real, 0, None, closed="neither")],
        "max_steps": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "top_k": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, beta=1.0, *, max_steps=1, tol=1e-6, top_k=None):
        self.beta = beta
        self.max_steps = max_steps
        self.tol = tol
        self.top_k = top_k

    @guarded_fit
    def fit(self, X, y=None):
        """Store the rows of X, with the rows of y as their values if given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Patterns (keys).

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Values to associate with the patterns; None stores X for auto-association.

        Returns
        -------
        self : ModernHopfieldMemory
            The fitted memory.
        """
        if y is None:
            X = validate_data(self, X, dtype=(np.float64, np.float32))
            self.values_, self._labels_as_values = None, False
        else:
            self._labels_as_values = _class_labels(y)
            X, y = validate_data(
                self, X, y, dtype=(np.float64, np.float32), multi_output=True, y_numeric=True
            )
            self.values_ = np.array(y, dtype=X.dtype)  # a copy: the caller may edit y
        with np.errstate(over="ignore"):
            largest = float(np.max(np.einsum("ij,ij->i", X, X)))
        if not np.isfinite(self.beta * largest):
            raise ValueError(
                "beta * |x|^2 overflows: the patterns are too large for this beta (values "
                "near 1e150 or above). Scale the data, for example with "
                "sklearn.preprocessing.StandardScaler, or lower beta."
            )
        self.memories_ = np.array(X)
        return self

    @property
    def _n_features_out(self):
        return self.memories_.shape[0]

    def _fitted_rows(self, X):
        return check_fitted_rows(self, X).astype(self.memories_.dtype, copy=False)

    def _similarities(self, Q):
        return _similarities(Q, self.memories_, self.beta)

    def _association(self, Q):
        """Softmax of ``beta`` times the similarities of the rows of Q to the memories."""
        return softmax(self._similarities(Q), axis=1)

    def _last_logits(self, Q):
        """``max_steps - 1`` updates of the queries Q, then the last update's logits."""
        for _ in range(self.max_steps - 1):
            Q = self._association(Q) @ self.memories_
        return Q, self._similarities(Q)

    def _retrieve(self, Q):
        """``max_steps - 1`` updates of the queries Q, then the final association."""
        Q, logits = self._last_logits(Q)
        return Q, softmax(logits, axis=1)

    def recall(self, X):
        """Retrieve from each row of X, with what happened to each.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Queries.

        Returns
        -------
        recall : Recall
            Retrieved patterns (or values), updates run, convergence (the last
            update moved the state by less than ``tol`` times its norm), and the
            energy of the retrieved patterns (of the last query state when values
            are retrieved). ``cycled`` is always False: the update is a
            concave-convex procedure and cannot cycle.
        """
        Q = self._fitted_rows(X)
        blocks = [self._recall_block(Q[rows]) for rows in gen_batches(len(Q), self._block())]
        states, n_steps, converged, energies = map(np.concatenate, zip(*blocks, strict=True))
        return Recall(states, n_steps, converged, np.zeros(len(Q), dtype=bool), energies)

    def _recall_block(self, Q):
        Q, A = self._retrieve(Q)
        new = A @ self.memories_
        moved = np.linalg.norm(new - Q, axis=1)
        converged = moved <= self.tol * np.linalg.norm(Q, axis=1)
        n_steps = np.full(len(Q), self.max_steps)
        if self.values_ is None:
            return new, n_steps, converged, self._energy(new)
        values = A @ self.values_.reshape(self.values_.shape[0], -1)
        return values.reshape((-1, *self.values_.shape[1:])), n_steps, converged, self._energy(Q)

    def _block(self):
        return _query_rows(self.memories_)

    def _bytes_per_row(self):
        """Per row of a call: the query, what it retrieves, and their temporaries."""
        width = self.memories_.shape[1]
        if self.values_ is not None:
            width += self.values_.size // max(len(self.values_), 1)
        return 4 * self.memories_.itemsize * width

    def predict(self, X):
        """Retrieve: the softmax-weighted patterns, or values, for each row of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Queries.

        Returns
        -------
        retrieved : ndarray of shape (n_samples, n_features) or (n_samples, n_outputs)
            Patterns (auto-association) or values (``fit(X, Y)``).
        """
        if getattr(self, "_labels_as_values", False):
            warnings.warn(
                "This memory was fitted with class labels as values: it retrieves weighted "
                "averages of them, numbers between classes. For classification use "
                "ModernHopfieldClassifier (or fit one-hot labels). As a feature step of "
                "a pipeline (transform) the labels are not used.",
                UserWarning,
                stacklevel=2,
            )
        return self.recall(X).states

    def transform(self, X):
        """Association probabilities of each row of X over the stored patterns.

        The softmax of the last update: one column per stored pattern, which
        makes the memory a feature extractor. A dense result larger than 1 GiB
        is refused: set ``top_k`` to keep the largest probabilities per row in a
        sparse matrix.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Queries.

        Returns
        -------
        probabilities : ndarray or sparse matrix of shape (n_samples, n_memories)
        """
        Q = self._fitted_rows(X)
        n_memories = self.memories_.shape[0]
        if self.top_k is None:
            check_memory(
                Q.shape[0] * n_memories * Q.dtype.itemsize,
                f"ModernHopfieldMemory.transform's dense ({Q.shape[0]}, {n_memories}) "
                "result, one column per stored pattern,",
                "Set top_k to keep the k largest probabilities per row in a sparse "
                "matrix, or transform fewer rows at a time.",
            )
        # A generator: with top_k, each dense block is reduced before the next is made.
        blocks = (self._retrieve(Q[rows])[1] for rows in gen_batches(len(Q), self._block()))
        if self.top_k is None:
            return np.concatenate(list(blocks))
        return _top_k_rows(blocks, min(self.top_k, n_memories), n_memories)

    def _energy(self, Q):
        M = self.memories_
        largest_norm = np.linalg.norm(M, axis=1).max()
        with np.errstate(over="ignore"):
            squares = 0.5 * np.einsum("ij,ij->i", Q, Q)
        if not np.isfinite(squares).all():
            raise ValueError(
                "|xi|^2 overflows: the states are too large (values near 1e150 or above). "
                "Scale the data, for example with sklearn.preprocessing.StandardScaler."
            )
        return (
            -logsumexp(self._similarities(Q), axis=1) / self.beta
            + squares
            + np.log(M.shape[0]) / self.beta
            + 0.5 * largest_norm**2
        )

    def energy(self, X):
        """The energy of each row of X, taken as a state of the memory.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            States.

        Returns
        -------
        energy : ndarray of shape (n_samples,)
            Non-negative; lowest near the stored patterns at large ``beta``.
        """
        Q = self._fitted_rows(X)
        blocks = gen_batches(len(Q), self._block())
        return np.concatenate([self._energy(Q[rows]) for rows in blocks])

    def score(self, X, y=None):
        """Coefficient of determination R^2 of the retrieval.

        Of the retrieved values against y when the memory holds values
        (``fit(X, Y)``: a kernel regressor or, with one-hot labels, a classifier),
        otherwise of the retrieved patterns against X itself (y ignored): how
        well the memory reconstructs the queries from what it stores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Queries.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets, used when the memory holds values.

        Returns
        -------
        score : float
        """
        retrieved = self.predict(X)
        if self.values_ is None:
            return float(r2_score(self._fitted_rows(X), retrieved))
        if y is None:
            raise ValueError(
                "This memory holds values (it was fitted with fit(X, y)): score(X, y) "
                "needs the targets y to compare its retrieved values with."
            )
        y = check_array(y, ensure_2d=False, dtype=retrieved.dtype, input_name="y")
        return float(r2_score(y, retrieved))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class ModernHopfieldClassifier(LogProbaClassifierMixin, ClassifierMixin, BaseEstimator):
    """Classifier by attention: a modern Hopfield memory of the training rows, each
    associated with its one-hot label (Ramsauer et al. 2020).

    A query's class probabilities are the association probabilities of the last
    update, ``softmax(beta M xi)`` over the stored rows, summed per class: a
    soft nearest-neighbour rule whose sharpness ``beta`` sets (large: the nearest
    stored row decides; small: every row votes). The memory is a
    :class:`ModernHopfieldMemory` fitted on the rows and the one-hot labels.

    Parameters
    ----------
    beta : float, default=1.0
        Inverse temperature of the softmax. Its scale goes with the squared norm
        of the rows: normalised rows (``Normalizer``) take values of tens.

    max_steps : int, default=1
        Updates of the query before the labels are read (one: plain attention).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    memory_ : ModernHopfieldMemory
        The fitted memory: training rows as keys, one-hot labels as values.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when they are all strings.

    See Also
    --------
    ModernHopfieldMemory : the memory itself, for auto-association and regression.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import Normalizer
    >>> from skenergy import ModernHopfieldClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    >>> model = make_pipeline(Normalizer(), ModernHopfieldClassifier(beta=50.0))
    >>> bool(model.fit(X_train, y_train).score(X_test, y_test) > 0.95)
    True
    >>> model.predict_proba(X_test[:2]).shape
    (2, 10)
    """

    _parameter_constraints: dict = {
        "beta": [Interval(Real, 0, None, closed="neither")],
        "max_steps": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, beta=1.0, *, max_steps=1):
        self.beta = beta
        self.max_steps = max_steps

    @guarded_fit
    def fit(self, X, y):
        """Store the rows of X with their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.

        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : ModernHopfieldClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        one_hot = np.zeros((len(y), len(self.classes_)), dtype=X.dtype)
        one_hot[np.arange(len(y)), codes] = 1
        self.memory_ = ModernHopfieldMemory(beta=self.beta, max_steps=self.max_steps)
        self.memory_.fit(X, one_hot)
        return self

    def predict_log_proba(self, X):
        """Log class probabilities: the log of the association probabilities
        summed per class.

        Computed from the last update's logits, so a class far from the query
        keeps a finite log probability where its probability underflows to 0.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Queries.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False)
        X = self.memory_._fitted_rows(X)  # the memory's dtype, and its budget per row
        stored_class = self.memory_.values_.argmax(axis=1)
        blocks = []
        for rows in gen_batches(len(X), self.memory_._block()):
            logits = self.memory_._last_logits(X[rows])[1]
            per_class = [
                logsumexp(logits[:, stored_class == c], axis=1) for c in range(len(self.classes_))
            ]
            log_proba = np.stack(per_class, axis=1)
            blocks.append(log_proba - logsumexp(logits, axis=1, keepdims=True))
        return np.concatenate(blocks)


def _class_labels(y):
    """Whether values ``y`` look like class labels (1-D, integer or text, a few
    distinct values), which retrieval would average into numbers between classes."""
    y_array = np.asarray(y)
    if y_array.ndim != 1 or type_of_target(y_array) not in ("binary", "multiclass"):
        return False
    return bool(np.issubdtype(y_array.dtype, np.integer) or y_array.dtype.kind in "OUSb")


def _similarities(Q, patterns, beta):
    """``beta`` times the similarities of the rows of Q to the patterns, checked finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        logits = beta * (Q @ patterns.T)
    if not np.isfinite(logits).all():
        raise ValueError(
            f"beta * x'xi overflows {logits.dtype}: the patterns or queries are too "
            "large for this beta (values near 1e150 or above). Scale the data, for "
            "example with sklearn.preprocessing.StandardScaler, or lower beta."
        )
    return logits


@validate_params(
    {
        "queries": ["array-like"],
        "patterns": ["array-like"],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def retrieve(queries, patterns, beta=1.0, *, n_steps=1):
    """The modern Hopfield retrieval rule on its own: no estimator, no training.

    Each query moves ``n_steps`` times by ``xi <- X' softmax(beta X xi)`` towards
    the stored patterns X (Ramsauer et al. 2020); :class:`ModernHopfieldMemory`
    wraps the same rule as an estimator.

    Parameters
    ----------
    queries : array-like of shape (n_queries, n_features) or (n_features,)
    patterns : array-like of shape (n_patterns, n_features)
    beta : float, default=1.0
        Inverse temperature: large values retrieve single patterns, small ones
        averages.
    n_steps : int, default=1

    Returns
    -------
    retrieved : ndarray of the queries' shape

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy import retrieve
    >>> patterns = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> retrieve([0.9, 0.2], patterns, beta=5.0).round(4)
    array([0.9707, 0.0293])
    """
    Q = check_array(queries, ensure_2d=False, dtype=np.float64, input_name="queries")
    single = Q.ndim == 1
    Q = check_array(np.atleast_2d(Q), input_name="queries")
    X = check_array(patterns, dtype=np.float64, input_name="patterns")
    if Q.shape[1] != X.shape[1]:
        raise ValueError(
            f"queries have {Q.shape[1]} features, patterns {X.shape[1]}: they must match."
        )
    check_memory(
        4 * Q.itemsize * Q.size, f"retrieve on {len(Q)} queries", "Pass fewer queries at a time."
    )
    blocks = []
    for batch in gen_batches(len(Q), _query_rows(X)):
        block = Q[batch]
        for _ in range(n_steps):
            block = softmax(_similarities(block, X, beta), axis=1) @ X
        blocks.append(block)
    retrieved = np.concatenate(blocks)
    return retrieved[0] if single else retrieved


def _query_rows(patterns):
    """Queries retrieved together: their similarities to every pattern (and the
    softmax's temporaries) in one block of working memory."""
    return chunk_rows(
        3 * patterns.itemsize * patterns.shape[0], None,
        f"Retrieving one query from {patterns.shape[0]} patterns",
        "Store fewer patterns.", largest=_BLOCK_BYTES,
    )  # fmt: skip


def _top_k_rows(blocks, k, n_columns):
    """A CSR matrix holding the k largest entries of each row of the dense blocks."""
    matrices = []
    for A in blocks:
        top = np.argpartition(-A, k - 1, axis=1)[:, :k]
        data = np.take_along_axis(A, top, axis=1).ravel()
        indptr = np.arange(0, A.shape[0] * k + 1, k)
        matrices.append(sp.csr_matrix((data, top.ravel(), indptr), shape=(A.shape[0], n_columns)))
    return sp.vstack(matrices, format="csr")

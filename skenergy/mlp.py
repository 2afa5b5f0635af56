"""Multilayer perceptrons trained by backpropagation, optionally initialised from stacked RBMs.

The network computes ``a_0 = x``, ``z_l = a_{l-1} W_l + b_l``, ``a_l = f(z_l)`` for
the hidden layers and leaves the last ``z`` linear; the loss of the output layer
gives ``delta_L = dLoss / dz_L`` and backpropagation (Rumelhart, Hinton & Williams
1986) carries it down: ``grad W_l = a_{l-1}' delta_l``, ``grad b_l = sum delta_l``,
``delta_{l-1} = (delta_l W_l') * f'(z_{l-1})``. Every array of a minibatch lives
in buffers allocated once per fit, in the data's dtype.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import validate_data

from ._activations import ACTIVATIONS, logistic, softplus
from ._loop import EarlyStopping, Training, run_epochs
from ._optim import momentum_step
from ._sampling import make_generator
from ._validation import (
    check_fit_memory,
    check_fitted_rows,
    check_magnitude,
    check_sample_weight,
    guarded_fit,
)
from .exceptions import TrainingFailedWarning
from .rbm import RestrictedBM


def _softmax_cross_entropy(Z, Y, weights):
    """Mean weighted loss, and ``dLoss/dZ`` written into Z (the softmax minus Y).

    Log-sum-exp by hand: scipy's wrapper costs more than the arithmetic on
    minibatch-sized arrays.
    """
    Z -= Z.max(axis=1, keepdims=True)
    scores = np.einsum("ij,ij->i", Z, Y)
    np.exp(Z, out=Z)
    norm = Z.sum(axis=1, keepdims=True)
    loss = float(weights @ (np.log(norm[:, 0]) - scores))
    Z /= norm
    Z -= Y
    Z *= weights[:, None]
    return loss


def _logistic_cross_entropy(Z, Y, weights):
    """Binary and multilabel outputs: ``sum softplus(z) - y z``; gradient ``logistic(z) - y``."""
    loss = float(weights @ (softplus(Z) - Y * Z).sum(axis=1))
    logistic(Z, out=Z)
    Z -= Y
    Z *= weights[:, None]
    return loss


def _squared_error(Z, Y, weights):
    """Regression: ``|z - y|^2 / 2``; gradient ``z - y``."""
    Z -= Y
    loss = float(0.5 * weights @ np.einsum("ij,ij->i", Z, Z))
    Z *= weights[:, None]
    return loss


LOSSES = {
    "softmax": _softmax_cross_entropy,
    "logistic": _logistic_cross_entropy,
    "squared": _squared_error,
}


#: Training rows on which a fit checks that no hidden layer is entirely off.
_DEAD_CHECK_ROWS = 1000


class _Network:
    """Forward and backward passes of one minibatch, in preallocated buffers."""

    def __init__(self, coefs, intercepts, activation, dropout, max_rows, dtype):
        self.coefs, self.intercepts = coefs, intercepts
        self.activate, self.derivative = ACTIVATIONS[activation]
        self.dropout = dropout
        widths = [W.shape[1] for W in coefs]
        self.Z = [np.empty((max_rows, width), dtype) for width in widths]
        self.A = [np.empty((max_rows, width), dtype) for width in widths[:-1]]
        self.masks = [np.empty((max_rows, width), dtype) for width in widths[:-1]]
        self.deltas = [np.empty((max_rows, width), dtype) for width in widths[:-1]]
        self.grad_W = [np.empty_like(W) for W in coefs]
        self.grad_b = [np.empty_like(b) for b in intercepts]

    def forward(self, X, rng=None):
        """Output pre-activations for X (dropout on hidden units when rng is given)."""
        n = X.shape[0]
        inputs = X
        for layer, (W, b) in enumerate(zip(self.coefs, self.intercepts, strict=True)):
            Z = np.matmul(inputs, W, out=self.Z[layer][:n])
            Z += b
            if layer == len(self.coefs) - 1:
                return Z
            A = self.activate(Z, out=self.A[layer][:n])
            if rng is not None and self.dropout:
                mask = self.masks[layer][:n]
                keep = rng.random(mask.shape) >= self.dropout
                np.multiply(keep, 1.0 / (1.0 - self.dropout), out=mask)
                A *= mask  # inverted dropout: nothing to rescale at prediction
            inputs = A
        return inputs

    def backward(self, X, delta, rng=None):
        """Gradients of the loss from ``delta = dLoss/dz`` of the output layer."""
        n = X.shape[0]
        for layer in range(len(self.coefs) - 1, -1, -1):
            inputs = X if layer == 0 else self.A[layer - 1][:n]
            np.matmul(inputs.T, delta, out=self.grad_W[layer])
            np.sum(delta, axis=0, out=self.grad_b[layer])
            if layer == 0:
                break
            below = np.matmul(delta, self.coefs[layer].T, out=self.deltas[layer - 1][:n])
            if rng is not None and self.dropout:
                below *= self.masks[layer - 1][:n]
            z = self.Z[layer - 1][:n]  # no longer needed: the slope overwrites it
            below *= self.derivative(z, self.A[layer - 1][:n], z)
            delta = below
        return self.grad_W, self.grad_b


class _BaseMLP(BaseEstimator):
    """Parameters, training loop and pretraining shared by the classifier and regressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "learning_rate": [None, Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions({"constant", "linear"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [None, Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "pretrain": [None, StrOptions({"rbm"}), HasMethods(["fit", "transform"]), list],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        learning_rate=None,
        learning_rate_schedule="constant",
        momentum=0.9,
        nesterov=True,
        alpha=1e-4,
        l1=0.0,
        dropout=0.0,
        batch_size=32,
        max_iter=200,
        tol=1e-4,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=10,
        pretrain=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.alpha = alpha
        self.l1 = l1
        self.dropout = dropout
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.pretrain = pretrain
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start

    # ------------------------------------------------------------- structure

    def _layer_sizes(self, n_features, n_outputs):
        hidden = self.hidden_layer_sizes
        hidden = [hidden] if isinstance(hidden, Integral) else list(hidden)
        if any(not isinstance(size, Integral) or size < 1 for size in hidden):
            raise ValueError(f"hidden_layer_sizes must hold positive integers, got {hidden}.")
        return [n_features, *hidden, n_outputs]

    def _initialise(self, X, n_outputs, rng):
        """Glorot-uniform weights, zero biases, zero velocities.

        The bound ``sqrt(6 / (fan_in + fan_out))`` is scikit-learn's for relu, tanh
        and identity units (why not He's: docs/performance.rst).
        """
        sizes = self._layer_sizes(X.shape[1], n_outputs)
        check_fit_memory(
            self, self._fit_bytes(len(X), sizes, X.dtype.itemsize), *X.shape,
            ("hidden_layer_sizes", "batch_size"),
            "Use smaller hidden layers or batches, or train on float32 data.",
        )  # fmt: skip
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            self.coefs_.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(X.dtype))
            self.intercepts_.append(np.zeros(fan_out, dtype=X.dtype))
        if self.pretrain is not None:
            self._pretrain(X)
        self._velocities = [np.zeros_like(p) for p in (*self.coefs_, *self.intercepts_)]
        self.n_iter_, self.t_ = 0, 0
        self.loss_curve_, self.validation_loss_curve_, self.validation_scores_ = [], [], []
        self.best_loss_ = np.inf

    def _fit_bytes(self, n_rows, sizes, itemsize):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py): the
        weights 6 times (parameters, velocities, gradients, the best ones kept for
        early stopping, the copy kept to restore on failure), the activations and
        deltas of a minibatch 6 times, the hidden activations of the rows checked
        for dead layers 4 times, and the data and targets twice."""
        n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        batch = min(self.batch_size, n_rows)
        hidden = sum(sizes[1:-1])
        elements = 6 * n_weights + 6 * batch * sum(sizes)
        elements += 4 * min(n_rows, _DEAD_CHECK_ROWS) * hidden + 2 * n_rows * (sizes[0] + sizes[-1])
        return itemsize * elements

    def _bytes_per_row(self):
        """Per row of a call: the input, and the outputs (hidden layers run in blocks)."""
        return self.coefs_[0].itemsize * (self.coefs_[0].shape[0] + 2 * self.coefs_[-1].shape[1])

    # ------------------------------------------------------------ pretraining

    def _pretrain(self, X):
        """Initialise the hidden layers from RBMs stacked greedily (Hinton & Salakhutdinov).

        An autoencoder (a regressor from X to X on a mirrored stack of hidden
        layers) is unrolled as in the paper: RBMs are trained up to the code
        layer only, and the decoder layers start from their transposes.
        """
        n_hidden = len(self.coefs_) - 1
        hidden = [W.shape[1] for W in self.coefs_[:-1]]
        unroll = self._autoencoder(X.shape[1]) and hidden == hidden[::-1] and n_hidden % 2
        n_stacked = (n_hidden + 1) // 2 if unroll else n_hidden
        if isinstance(self.pretrain, list):
            rbms = list(self.pretrain)
            for position, rbm in enumerate(rbms):
                if not hasattr(rbm, "components_"):
                    raise TypeError(
                        f"pretrain must hold fitted RestrictedBM instances, one per hidden "
                        f"layer; got {rbm!r} at position {position}."
                    )
            if len(rbms) != n_stacked:
                raise ValueError(
                    f"pretrain holds {len(rbms)} fitted RBMs for {n_stacked} hidden layers."
                )
        else:
            template = RestrictedBM() if self.pretrain == "rbm" else self.pretrain
            rbms = [None] * n_stacked
        features = X
        for layer in range(n_stacked):
            size = self.coefs_[layer].shape[1]
            if rbms[layer] is None:
                rbms[layer] = self._fit_rbm(template, features, size, first=layer == 0)
            W, c = _rbm_as_layer(rbms[layer], features.shape[1], size)
            self.coefs_[layer] = W.astype(X.dtype)
            self.intercepts_[layer] = c.astype(X.dtype)
            features = rbms[layer].transform(features).astype(X.dtype)
        if unroll:
            for offset, rbm in enumerate(reversed(rbms)):
                W, b = _rbm_as_decoder(rbm, linear=offset == n_stacked - 1)
                self.coefs_[n_stacked + offset] = W.astype(X.dtype)
                self.intercepts_[n_stacked + offset] = b.astype(X.dtype)

    def _fit_rbm(self, template, features, size, first):
        rbm = clone(template).set_params(n_components=size)
        if first and (features.min() < 0 or features.max() > 1):
            rbm.set_params(visible="gaussian")
        if rbm.random_state is None and self.random_state is not None:
            rbm.set_params(random_state=self.random_state)
        return rbm.fit(features)

    def _autoencoder(self, n_features):
        return False

    # --------------------------------------------------------------- training

    #: The learning rate that ``learning_rate=None`` stands for.
    _default_learning_rate = 0.1
    #: Appended to the divergence error: regression targets have a scale too.
    _scale_targets_hint = ""

    def _rate(self):
        return self._default_learning_rate if self.learning_rate is None else self.learning_rate

    def _fit(self, X, Y, sample_weight, rng, n_epochs, incremental):
        """Run up to ``n_epochs`` of minibatch SGD on (X, Y)."""
        validation = None
        fraction = self.validation_fraction or (0.1 if self.early_stopping else None)
        if fraction is not None and not incremental:
            X, Y, sample_weight, validation = self._split(X, Y, sample_weight, fraction, rng)
        batch = min(self.batch_size, X.shape[0])
        network = _Network(
            self.coefs_, self.intercepts_, self.activation, self.dropout, batch, X.dtype
        )
        epoch_loss = {"total": 0.0, "weight": 0.0}

        def update(rows, lr, momentum):
            loss, share = self._step(X[rows], Y[rows], sample_weight[rows], network, lr, rng)
            epoch_loss["total"] += loss * share
            epoch_loss["weight"] += share

        def end_epoch(interrupted):
            penalty = sum(
                0.5 * self.alpha * float(np.vdot(W, W)) + self.l1 * float(np.abs(W).sum())
                for W in self.coefs_
            )
            loss = epoch_loss["total"] / epoch_loss["weight"] + penalty
            epoch_loss.update(total=0.0, weight=0.0)
            self.loss_curve_.append(loss)
            if validation is None:
                return {"loss": loss}
            return {"loss": loss, "validation loss": self._record_validation(*validation)}

        training = Training(
            update=update,
            end_epoch=end_epoch,
            parameters=lambda: [*self.coefs_, *self.intercepts_],
            restore=self._set_parameters,
            learning_rate=self._rate(),
            schedule=self.learning_rate_schedule,
            momentum=self.momentum,
            multiply_adds=batch * max(W.size for W in self.coefs_),
            divergence_hint=f"lower it, or scale the inputs{self._scale_targets_hint}.",
            parameter_bound=np.inf,
        )
        stopping = None
        if not incremental:
            stopping = EarlyStopping(
                "loss" if validation is None else "validation loss",
                self.tol,
                self.n_iter_no_change,
                higher_is_better=False,
                keep_best=validation is not None,
            )
        outcome = run_epochs(
            self, training, X.shape[0], n_epochs, batch, rng, stopping, incremental
        )
        if not (incremental or outcome.stopped_early or outcome.interrupted):
            warnings.warn(
                f"Stochastic optimizer: maximum iterations ({n_epochs}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else np.inf
        if not incremental:
            self._warn_if_a_layer_is_dead(X)

    def _set_parameters(self, parameters):
        n_layers = len(self.coefs_)
        self.coefs_[:], self.intercepts_[:] = parameters[:n_layers], parameters[n_layers:]

    def _warn_if_a_layer_is_dead(self, X):
        """Say so when a hidden layer ends with every unit at 0 on the training rows.

        The output is then a constant: the network learned nothing from its
        inputs. Unscaled inputs (pixels in 0-16 or 0-255) do this to relu layers in
        the first steps, by pushing every unit below zero for good.
        """
        rows = X[:_DEAD_CHECK_ROWS]
        network = _Network(self.coefs_, self.intercepts_, self.activation, 0.0, len(rows), X.dtype)
        network.forward(rows)
        for layer, A in enumerate(network.A):
            if not A.any():
                warnings.warn(
                    f"{type(self).__name__}: every unit of hidden layer {layer + 1} is "
                    f"off ({self.activation} output 0) on the training data, so the "
                    "predictions do not depend on the inputs: the network learned nothing. "
                    "Scale the inputs (StandardScaler, or MinMaxScaler for pixels), or lower "
                    f"learning_rate (now {self._rate()}).",
                    TrainingFailedWarning,
                    stacklevel=4,
                )
                return

    def _step(self, Xb, Yb, wb, network, lr, rng):
        """One SGD step on a minibatch; returns its mean loss and its weight."""
        share = float(wb.sum())
        if share == 0:  # rows of zero weight teach nothing: no step
            return 0.0, 0.0
        Z = network.forward(Xb, rng)
        loss = LOSSES[self._loss](Z, Yb, wb / share)  # the loss of a batch is its weighted mean
        # Scaled by -lr here, the small output delta makes every gradient a
        # descent step (momentum_step's ascent convention) without a pass over W.
        Z *= -lr
        grad_W, grad_b = network.backward(Xb, Z, rng)
        n_weights = len(self.coefs_)
        for k, (param, grad) in enumerate(
            zip((*self.coefs_, *self.intercepts_), (*grad_W, *grad_b), strict=True)
        ):
            penalised = k < n_weights
            momentum_step(
                param, self._velocities[k], grad, self.momentum,
                decay=lr * self.alpha if penalised else 0.0,
                l1=lr * self.l1 if penalised else 0.0,
                nesterov=self.nesterov,
            )  # fmt: skip
        self.t_ += 1
        return loss, share

    def _split(self, X, Y, sample_weight, fraction, rng):
        stratify = Y if self._loss == "softmax" else None
        seed = int(rng.integers(np.iinfo(np.int32).max))
        try:
            parts = train_test_split(
                X, Y, sample_weight, test_size=fraction, random_state=seed, stratify=stratify
            )
        except ValueError:  # a class too small to stratify
            parts = train_test_split(X, Y, sample_weight, test_size=fraction, random_state=seed)
        X_train, X_val, Y_train, Y_val, w_train, w_val = parts
        if X_val.shape[0] < 2:
            raise ValueError(
                f"validation_fraction={fraction} leaves {X_val.shape[0]} rows held out; "
                "it needs at least 2."
            )
        if not w_train.any():
            raise ValueError(
                "Every row left for training after the validation split has sample_weight "
                "0: give more rows a positive weight, or set validation_fraction=None."
            )
        return X_train, Y_train, w_train, (X_val, Y_val, w_val)

    def _record_validation(self, X, Y, weights):
        Z = self._output(X)  # one forward pass serves the score and the loss
        self.validation_scores_.append(self._validation_score(Z, Y))
        loss = LOSSES[self._loss](Z, Y, weights / weights.sum())
        self.validation_loss_curve_.append(loss)
        return loss

    def _output(self, X):
        """Output-layer pre-activations, without dropout, in blocks of rows."""
        network = _Network(
            self.coefs_, self.intercepts_, self.activation, 0.0, min(len(X), 4096), X.dtype
        )
        return np.concatenate(
            [network.forward(X[rows]).copy() for rows in gen_batches(len(X), 4096)]
        )

    def _fitted_rows(self, X):
        return check_fitted_rows(self, X).astype(self.coefs_[0].dtype, copy=False)


def _rbm_as_decoder(rbm, linear):
    """The transposed RBM as a layer from its hidden to its visible units.

    Bernoulli visible units give ``logit = b + h W``. A hidden decoder layer
    applies the logistic to it; the linear output layer of the regressor
    starts from its first-order expansion ``logistic(a) ~ 1/2 + a/4``. Gaussian
    visible units give standardised values, mapped back to the data's units.
    """
    estimator = getattr(rbm, "estimator", rbm)
    W = np.asarray(estimator.components_, dtype=float)
    b = np.asarray(estimator.intercept_visible_, dtype=float)
    if getattr(estimator, "visible", "bernoulli") == "gaussian":
        scale, mean = estimator.scale_.astype(float), estimator.mean_.astype(float)
        return W * scale, mean + b * scale
    if linear:
        return W / 4, 0.5 + b / 4
    return W, b


def _rbm_as_layer(rbm, n_inputs, n_outputs):
    """An RBM's hidden layer as ``(W, b)`` acting on raw inputs (Gaussian RBMs standardise)."""
    estimator = getattr(rbm, "estimator", rbm)  # a FrozenEstimator wraps the fitted RBM
    W = np.asarray(estimator.components_, dtype=float).T
    c = np.asarray(estimator.intercept_hidden_, dtype=float)
    if W.shape != (n_inputs, n_outputs):
        raise ValueError(
            f"A pretrained RBM has {W.shape[0]} visible and {W.shape[1]} hidden units; "
            f"its layer needs {n_inputs} and {n_outputs}."
        )
    if getattr(estimator, "visible", "bernoulli") == "gaussian":
        scale, mean = estimator.scale_.astype(float), estimator.mean_.astype(float)
        c = c - (mean / scale) @ W
        W = W / scale[:, None]
    return W, c


_SHARED_PARAMETERS = """
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer.

    activation : {"relu", "logistic", "tanh", "arctan", "identity"}, default="relu"
        Activation of the hidden units.

    learning_rate : float or None, default=None
        Step size of stochastic gradient descent. None: 0.1 for the classifier,
        0.01 for the regressor, whose squared errors on unscaled targets need
        smaller steps. With momentum 0.9 the effective step is ten times larger.

    learning_rate_schedule : {"constant", "linear"}, default="constant"
        ``"linear"`` decays the step to zero over the ``max_iter`` epochs.

    momentum : float, default=0.9
        Momentum of the velocity-form updates.

    nesterov : bool, default=True
        Nesterov's look-ahead momentum (Sutskever et al. 2013).

    alpha : float, default=1e-4
        L2 penalty ``alpha / 2 * |W|^2`` on the weights (not the biases).

    l1 : float, default=0.0
        L1 penalty ``l1 * |W|`` on the weights.

    dropout : float in [0, 1), default=0.0
        Probability of dropping each hidden unit during training; survivors are
        scaled by ``1 / (1 - dropout)`` so that prediction uses every unit as is.

    batch_size : int, default=32
        Rows per minibatch.

    max_iter : int, default=200
        Training epochs at most.

    tol : float, default=1e-4
        Training stops when the loss (the validation loss with a validation
        split) has not fallen by ``tol`` for ``n_iter_no_change`` epochs.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (10% by default), stop on its
        loss and keep the weights of its best epoch.

    validation_fraction : float or None, default=None
        Share of the data held out; with or without early stopping it gives
        ``validation_loss_curve_`` and ``validation_scores_``.

    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.

    pretrain : None, "rbm", RestrictedBM or list of fitted RBMs, default=None
        Initialise the hidden layers from restricted Boltzmann machines stacked
        greedily (Hinton & Salakhutdinov 2006), each trained on the hidden
        probabilities of the one below, then fine-tune the whole network by
        backpropagation, all in one ``fit``. ``"rbm"`` uses ``RestrictedBM()``
        defaults; an unfitted ``RestrictedBM`` is a template whose parameters stay
        tunable (``pretrain__learning_rate``); a list of fitted RBMs (wrapped in
        ``sklearn.frozen.FrozenEstimator`` so that cloning keeps them) gives the
        layers directly. The first RBM gets Gaussian visible units when the data
        leave [0, 1]. RBM hidden units are logistic, so ``activation="logistic"``
        keeps the pretrained features as they were learned. A regressor fitted
        from X to X on a mirrored stack (such as 256-64-256) is the deep
        autoencoder of the paper, unrolled: RBMs up to the code layer, the
        decoder from their transposes. Its code layer is logistic like the
        others (the paper's is linear, with Gaussian hidden units), and the
        linear output layer starts from the first-order expansion of the
        logistic visible units, ``1/2 + a/4``.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout, the validation split and pretraining.

    verbose : int, default=0
        Print the loss of every epoch.

    warm_start : bool, default=False
        Continue from the current weights when ``fit`` is called again.
"""

_SHARED_ATTRIBUTES = """
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[l]`` of shape (units in layer l, units in layer l + 1).

    intercepts_ : list of ndarray
        Bias vectors of layers 1 to L.

    n_iter_ : int
        Epochs run.

    loss_curve_ : list of float
        Training loss (with its penalties) per epoch.

    validation_loss_curve_ : list of float
        Held-out loss per epoch, when a validation split is used.

    validation_scores_ : list of float
        Held-out accuracy (classifier) or R^2 (regressor) per epoch, likewise.

    best_loss_ : float
        Lowest training loss reached.

    t_ : int
        Minibatch updates made.

    n_features_in_ : int

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
"""


class BackpropMLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multilayer perceptron classifier trained by backpropagation.

    Softmax cross-entropy for several classes, logistic cross-entropy for two
    classes (one output) and for multilabel indicator targets; minibatch SGD with
    (Nesterov) momentum, L2 and L1 penalties, dropout, early stopping, and
    optional initialisation from stacked RBMs. float32 data are trained and
    predicted in float32.

    Parameters
    ----------"""
        + _SHARED_PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, the label indices)."""
        + _SHARED_ATTRIBUTES
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import BackpropMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = BackpropMLPClassifier(random_state=0).fit(X[:1500] / 16, y[:1500])
    >>> bool(clf.score(X[1500:] / 16, y[1500:]) > 0.9)
    True
    """
    )

    @guarded_fit
    def fit(self, X, y, sample_weight=None):
        """Train on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multilabel indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BackpropMLPClassifier
        """
        return self._fit_classifier(X, y, sample_weight, classes=None, incremental=False)

    @guarded_fit
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), keeping weights and momentum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All classes, required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BackpropMLPClassifier
        """
        if not hasattr(self, "coefs_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit_classifier(X, y, sample_weight, classes=classes, incremental=True)

    def _fit_classifier(self, X, y, sample_weight, classes, incremental):
        first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), multi_output=True, reset=first
        )
        check_magnitude(X, "X", type(self).__name__)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]  # a column of labels, not a multilabel matrix
        if first:
            self._binarizer = LabelBinarizer()
            if type_of_target(y) == "multilabel-indicator":
                self._loss = "logistic"
                self._binarizer.fit(y)
            else:
                check_classification_targets(y)
                self._binarizer.fit(classes if classes is not None else y)
                if len(self._binarizer.classes_) < 2:
                    raise ValueError(
                        "BackpropMLPClassifier needs at least 2 classes; y holds only one "
                        f"class, {self._binarizer.classes_[0]!r}."
                    )
                self._loss = "softmax" if len(self._binarizer.classes_) > 2 else "logistic"
            self.classes_ = self._binarizer.classes_
        elif type_of_target(y) != "multilabel-indicator":
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.asarray(classes).tolist()!r} differs from the classes of "
                    f"the first call to partial_fit, {self.classes_.tolist()!r}: pass the "
                    "same ones, or refit with fit."
                )
        if type_of_target(y) != "multilabel-indicator":
            unseen = np.setdiff1d(np.unique(y), self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y holds classes {unseen.tolist()!r} outside the classes "
                    f"{self.classes_.tolist()!r} given to the first fit or partial_fit call: "
                    "pass every class in classes= on the first call."
                )
        Y = self._binarizer.transform(y).astype(X.dtype)
        sample_weight = check_sample_weight(sample_weight, X, type(self).__name__)
        if first:
            self._rng = make_generator(self.random_state)
            self._initialise(X, Y.shape[1], self._rng)
        n_epochs = 1 if incremental else self.max_iter
        self._fit(X, Y, sample_weight, self._rng, n_epochs, incremental)
        return self

    def _validation_score(self, Z, Y):
        """Accuracy of the outputs Z of held-out rows against their targets Y."""
        return accuracy_score(Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0], self._labels(Z))

    def _labels(self, Z):
        if self._loss == "softmax":
            return Z.argmax(axis=1)
        return (Z > 0).astype(int)[:, 0] if Z.shape[1] == 1 else (Z > 0).astype(int)

    def predict_log_proba(self, X):
        """Log-probabilities of the classes (of each label, for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._output(self._fitted_rows(X))
        if self._loss == "softmax":
            return Z - logsumexp(Z, axis=1, keepdims=True)
        if len(self.classes_) == 2 and Z.shape[1] == 1:
            Z = np.hstack([-Z, Z])
        return -softplus(-Z)

    def predict_proba(self, X):
        """Probabilities of the classes (of each label, for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Predicted classes (label indicator rows for multilabel targets).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        Z = self._output(self._fitted_rows(X))
        if self._loss == "softmax":
            return self.classes_[Z.argmax(axis=1)]
        if Z.shape[1] == 1:
            return self.classes_[(Z[:, 0] > 0).astype(int)]
        return (Z > 0).astype(int)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags


class BackpropMLPRegressor(RegressorMixin, _BaseMLP):
    _default_learning_rate = 0.01
    _scale_targets_hint = (
        " and the targets (TransformedTargetRegressor(regressor, transformer=StandardScaler()))"
    )

    __doc__ = (
        """Multilayer perceptron regressor trained by backpropagation.

    Squared error on one or several outputs, otherwise as
    :class:`BackpropMLPClassifier`; ``pretrain`` on a mirrored stack makes the
    deep autoencoder of Hinton & Salakhutdinov (2006) when fitted from X to X.

    Parameters
    ----------"""
        + _SHARED_PARAMETERS
        + """
    Attributes
    ----------"""
        + _SHARED_ATTRIBUTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from skenergy import BackpropMLPRegressor
    >>> X = np.random.default_rng(0).uniform(-1, 1, (500, 2))
    >>> y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2
    >>> model = BackpropMLPRegressor(hidden_layer_sizes=(32,), random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.95)
    True
    """
    )

    @guarded_fit
    def fit(self, X, y, sample_weight=None):
        """Train on (X, y).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BackpropMLPRegressor
        """
        return self._fit_regressor(X, y, sample_weight, incremental=False)

    @guarded_fit
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), keeping weights and momentum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : BackpropMLPRegressor
        """
        return self._fit_regressor(X, y, sample_weight, incremental=True)

    def _fit_regressor(self, X, y, sample_weight, incremental):
        first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), multi_output=True, y_numeric=True,
            reset=first,
        )  # fmt: skip
        Y = np.asarray(y, dtype=X.dtype)
        check_magnitude(X, "X", type(self).__name__)
        check_magnitude(Y.reshape(len(Y), -1), "y", type(self).__name__)
        if first:
            self._single_output = Y.ndim == 1
        Y = Y.reshape(len(Y), -1)
        sample_weight = check_sample_weight(sample_weight, X, type(self).__name__)
        if first:
            self._loss = "squared"
            self._targets_like_inputs = Y.shape == X.shape and np.array_equal(Y, X)
            self._rng = make_generator(self.random_state)
            self._initialise(X, Y.shape[1], self._rng)
        elif Y.shape[1] != self.coefs_[-1].shape[1]:
            raise ValueError(
                f"y has {Y.shape[1]} outputs; the network was fitted with "
                f"{self.coefs_[-1].shape[1]}."
            )
        n_epochs = 1 if incremental else self.max_iter
        self._fit(X, Y, sample_weight, self._rng, n_epochs, incremental)
        return self

    def _validation_score(self, Z, Y):
        """R^2 of the outputs Z of held-out rows against their targets Y."""
        return r2_score(Y, Z)

    def _autoencoder(self, n_features):
        """Fitted from X to X: targets as wide as the inputs (and pretraining unrolls)."""
        return self._targets_like_inputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        Z = self._output(self._fitted_rows(X))
        return Z[:, 0] if self._single_output else Z

"""Multilayer perceptrons trained by backpropagation, optionally initialised from stacked RBMs.

The network computes ``a_0 = x``, ``z_l = a_{l-1} W_l + b_l``, ``a_l = f(z_l)`` for
the hidden layers and leaves the last ``z`` linear; the loss of the output layer
gives ``delta_L = dLoss / dz_L`` and backpropagation (Rumelhart, Hinton & Williams
1986) carries it down: ``grad W_l = a_{l-1}' delta_l``, ``grad b_l = sum delta_l``,
``delta_{l-1} = (delta_l W_l') * f'(z_{l-1})``. Every array of a minibatch lives
in buffers allocated once per fit, in the data's dtype.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _is_fitted, check_is_fitted, validate_data

from ._activations import ACTIVATIONS, logistic, softplus
from ._classifier import LogProbaClassifierMixin
from ._loop import EarlyStopping, Training, batch_rows, report_epoch, run_epochs
from ._optim import adam_step, add_penalties, momentum_step
from ._progress import Progress
from ._sampling import make_generator
from ._stack import (
    layer_announcer,
    leaves_unit_interval,
    rbm_as_decoder,
    rbm_as_layer,
    stack_rbms,
    verbose_template,
)
from ._validation import (
    check_fit_memory,
    check_fitted_rows,
    check_layer_sizes,
    check_magnitude,
    check_not_diverged,
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


#: Training rows on which a fit checks that the network uses its inputs.
_DEAD_CHECK_ROWS = 1000
#: A hidden layer with this share of its units off on every row checked is dead.
_DEAD_UNIT_FRACTION = 0.9
#: A training loss this many times the loss the fit started from (or the best
#: constant prediction's, if larger) means divergence.
_DIVERGED_LOSS_RATIO = 1e6
#: A network whose loss is above this share of the best constant prediction's
#: learned (almost) nothing from its inputs.
_DEAD_LOSS_RATIO = 0.99


def _constant_prediction_loss(loss, Y, weights):
    """The mean loss of the best constant prediction: the entropy of the class
    (or label) frequencies, or half the targets' variance summed over outputs."""
    mean = np.clip(weights @ Y, 1e-12, None)
    if loss == "softmax":
        return float(-mean @ np.log(mean))
    if loss == "logistic":
        rest = np.clip(1 - mean, 1e-12, None)
        return float(-(mean @ np.log(mean) + rest @ np.log(rest)))
    return float(0.5 * (weights @ (Y - weights @ Y) ** 2).sum())


class _Network:
    """Forward and backward passes of one minibatch, in preallocated buffers."""

    def __init__(self, coefs, intercepts, activations, dropout, max_rows, dtype):
        self.coefs, self.intercepts = coefs, intercepts
        self.functions = [ACTIVATIONS[name] for name in activations]  # one per hidden layer
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
            Z = self.Z[layer][:n]
            if sp.issparse(inputs):  # CSR rows: the product is dense
                Z[...] = inputs @ W
            else:
                np.matmul(inputs, W, out=Z)
            Z += b
            if layer == len(self.coefs) - 1:
                return Z
            A = self.functions[layer][0](Z, out=self.A[layer][:n])
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
            if sp.issparse(inputs):
                self.grad_W[layer][...] = inputs.T @ delta
            else:
                np.matmul(inputs.T, delta, out=self.grad_W[layer])
            np.sum(delta, axis=0, out=self.grad_b[layer])
            if layer == 0:
                break
            below = np.matmul(delta, self.coefs[layer].T, out=self.deltas[layer - 1][:n])
            if rng is not None and self.dropout:
                below *= self.masks[layer - 1][:n]
            z = self.Z[layer - 1][:n]  # no longer needed: the slope overwrites it
            below *= self.functions[layer - 1][1](z, self.A[layer - 1][:n], z)
            delta = below
        return self.grad_W, self.grad_b


class _BaseMLP(BaseEstimator):
    """Parameters, training loop and pretraining shared by the classifier and regressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"adam", "sgd", "lbfgs"})],
        "learning_rate": [None, Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions({"constant", "linear"})],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterov": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [None, Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
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
        solver="adam",
        learning_rate=None,
        learning_rate_schedule="constant",
        momentum=0.9,
        nesterov=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        alpha=1e-4,
        l1=0.0,
        dropout=0.0,
        batch_size="auto",
        shuffle=True,
        max_iter=200,
        max_fun=15000,
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
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.alpha = alpha
        self.l1 = l1
        self.dropout = dropout
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.max_iter = max_iter
        self.max_fun = max_fun
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
        return [n_features, *check_layer_sizes(self.hidden_layer_sizes), n_outputs]

    def _activations(self):
        """The activation of each hidden layer of the network, by name."""
        n_hidden = len(self.coefs_) - 1
        if isinstance(self.activation, str):
            return [self.activation] * n_hidden
        names = list(self.activation)
        unknown = [name for name in names if name not in ACTIVATIONS]
        if unknown or len(names) != n_hidden:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, or a list of them with "
                f"one per hidden layer ({n_hidden} here); got {self.activation!r}."
            )
        return names

    def _initialise(self, X, n_outputs, rng):
        """Glorot-uniform weights, zero biases, zero velocities.

        The bound ``sqrt(6 / (fan_in + fan_out))`` is scikit-learn's for relu, tanh
        and identity units (why not He's: docs/performance.rst).
        """
        sizes = self._layer_sizes(X.shape[1], n_outputs)
        check_fit_memory(
            self, self._fit_bytes(X.shape[0], sizes, X.dtype.itemsize), *X.shape,
            ("hidden_layer_sizes", "batch_size"),
            "Use smaller hidden layers or batches, or train on float32 data.",
        )  # fmt: skip
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            self.coefs_.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(X.dtype))
            self.intercepts_.append(np.zeros(fan_out, dtype=X.dtype))
        self._activations()  # checked before any work
        self.pretrained_rbms_ = None
        if self.pretrain is not None:
            self._pretrain(X)
        self._velocities = [np.zeros_like(p) for p in (*self.coefs_, *self.intercepts_)]
        self._moments = [(np.zeros_like(p), np.zeros_like(p)) for p in self._velocities]
        self.n_iter_, self.t_ = 0, 0
        self.loss_curve_, self.validation_loss_curve_, self.validation_scores_ = [], [], []
        self.n_layers_, self.n_outputs_ = len(sizes), sizes[-1]
        self.out_activation_ = {"softmax": "softmax", "logistic": "logistic"}.get(
            self._loss, "identity"
        )

    def _fit_bytes(self, n_rows, sizes, itemsize):
        """Peak of a fit, an upper bound checked with tracemalloc (tests/test_memory.py): the
        weights 8 times (parameters, velocities, Adam's two moments, gradients, the
        best ones kept for early stopping, the copy kept to restore on failure), the activations and
        deltas of a minibatch 6 times, the hidden activations of the rows checked
        for dead layers 4 times, and the data and targets twice."""
        n_weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        batch = self._batch_rows(n_rows)
        hidden = sum(sizes[1:-1])
        elements = 8 * n_weights + 6 * batch * sum(sizes)
        elements += 4 * min(n_rows, _DEAD_CHECK_ROWS) * hidden + 2 * n_rows * (sizes[0] + sizes[-1])
        if self.solver == "lbfgs":  # the whole data's activations, and 10 correction pairs
            elements += 4 * n_rows * sum(sizes[1:]) + 24 * n_weights
        return itemsize * elements

    def _bytes_per_row(self):
        """Per row of a call: the input, and the outputs (hidden layers run in blocks)."""
        return self.coefs_[0].itemsize * (self.coefs_[0].shape[0] + 2 * self.coefs_[-1].shape[1])

    # ------------------------------------------------------------ pretraining

    def _pretrain(self, X):
        """Initialise the hidden layers from RBMs stacked greedily (Hinton & Salakhutdinov),
        or from a deep belief network or deep Boltzmann machine.

        An autoencoder (a regressor from X to X on a mirrored stack of hidden
        layers) is unrolled as in the paper: the generative model covers the layers
        up to the code layer only, and the decoder layers start from its downward
        conditionals.
        """
        n_hidden = len(self.coefs_) - 1
        hidden = [W.shape[1] for W in self.coefs_[:-1]]
        unroll = self._autoencoder(X.shape[1]) and hidden == hidden[::-1] and n_hidden % 2
        n_stacked = (n_hidden + 1) // 2 if unroll else n_hidden
        sizes = hidden[:n_stacked]
        linear = [layer for layer, name in enumerate(self._activations()) if name == "identity"]
        linear_output = self._loss == "squared"
        source = getattr(self.pretrain, "estimator", self.pretrain)
        if hasattr(source, "hidden_layer_sizes"):  # a DeepBeliefNetwork or DeepBoltzmannMachine
            model = self._fitted_deep_model(source, X, sizes, linear)
            rbms = getattr(model, "rbms_", None)
            if rbms is None:
                encoders, decoders = model._feedforward_layers(linear_output)
        else:
            rbms = self._fitted_rbms(n_stacked)
            template = self.pretrain if hasattr(self.pretrain, "fit") else RestrictedBM()
            rbms = stack_rbms(
                verbose_template(template, self.verbose), X, sizes, self.random_state,
                fitted=rbms, linear=linear,
                report=layer_announcer(type(self).__name__, self.verbose, "Pretraining layer"),
            )  # fmt: skip
        self.pretrained_rbms_ = rbms
        if rbms is not None:
            encoders = [
                rbm_as_layer(rbm, *self.coefs_[layer].shape) for layer, rbm in enumerate(rbms)
            ]
            decoders = [
                rbm_as_decoder(rbm, linear=linear_output and rbm is rbms[0])
                for rbm in reversed(rbms)
            ]
        for layer, (W, c) in enumerate(encoders):
            self.coefs_[layer], self.intercepts_[layer] = W.astype(X.dtype), c.astype(X.dtype)
        if unroll:
            for layer, (W, b) in enumerate(decoders, start=n_stacked):
                self.coefs_[layer], self.intercepts_[layer] = W.astype(X.dtype), b.astype(X.dtype)

    def _fitted_rbms(self, n_stacked):
        """The fitted RBMs a list ``pretrain`` holds (none for a template)."""
        if not isinstance(self.pretrain, list):
            return []
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
        return rbms

    def _fitted_deep_model(self, model, X, sizes, linear):
        """A fitted deep model as it is (its widths checked), or an unfitted one cloned
        with this network's hidden layer sizes and fitted on X."""
        name = type(model).__name__
        if linear:
            raise ValueError(
                f"An 'identity' layer is pretrained as an RBM with Gaussian hidden units, but "
                f"the hidden layers of a {name} are binary. Use pretrain='rbm' (or a "
                f"RestrictedBM), or logistic activations."
            )
        if not _is_fitted(model):
            model = clone(model).set_params(hidden_layer_sizes=sizes)
            if model.random_state is None and self.random_state is not None:
                model.set_params(random_state=self.random_state)
            if "visible" in model.get_params() and leaves_unit_interval(X):
                model.set_params(visible="gaussian")
            return model.fit(X)
        widths, needed = model._widths(), [X.shape[1], *sizes]
        if widths != needed:
            raise ValueError(
                f"pretrain is a fitted {name} with layer widths {widths}; this network's "
                f"input and pretrained hidden layers need {needed}. Refit it with "
                f"hidden_layer_sizes={tuple(sizes)}, or pass it unfitted."
            )
        return model

    def _autoencoder(self, n_features):
        return False

    # --------------------------------------------------------------- training

    #: The learning rate that ``learning_rate=None`` stands for with SGD (Adam: 1e-3).
    _default_learning_rate = 0.1
    #: Appended to the divergence error: regression targets have a scale too.
    _scale_targets_hint = ""

    def _rate(self):
        if self.learning_rate is not None:
            return self.learning_rate
        return self._default_learning_rate if self.solver == "sgd" else 1e-3

    def _batch_rows(self, n_rows):
        return batch_rows(self.batch_size, n_rows)

    def _fit(self, X, Y, sample_weight, rng, n_epochs, incremental):
        """Run up to ``n_epochs`` of minibatch Adam or SGD on (X, Y), or L-BFGS."""
        if self.solver == "lbfgs":
            return self._fit_lbfgs(X, Y, sample_weight)
        validation = None
        fraction = self.validation_fraction or (0.1 if self.early_stopping else None)
        if fraction is not None and not incremental:
            X, Y, sample_weight, validation = self._split(X, Y, sample_weight, fraction, rng)
        if not incremental:
            self.n_iter_ = 0  # the epochs of this fit, warm start or not
        for name in ("validation_scores_", "validation_loss_curve_"):
            if getattr(self, name, None) is None:
                setattr(self, name, [])
        batch = self._batch_rows(X.shape[0])
        network = _Network(
            self.coefs_, self.intercepts_, self._activations(), self.dropout, batch, X.dtype
        )
        epoch_loss = {"total": 0.0, "weight": 0.0, "batches": 0}

        def update(rows, lr, momentum):
            loss, share = self._step(X[rows], Y[rows], sample_weight[rows], network, lr, rng)
            epoch_loss["total"] += loss * share
            epoch_loss["weight"] += share
            epoch_loss["batches"] += share > 0

        def end_epoch(interrupted):
            # Each minibatch's loss carries the penalties divided by its weight, as
            # in scikit-learn: their weighted mean over the epoch's minibatches.
            weight = epoch_loss["weight"]
            loss = (epoch_loss["total"] + self._penalty() * epoch_loss["batches"]) / weight
            epoch_loss.update(total=0.0, weight=0.0, batches=0)
            self.loss_curve_.append(loss)
            if validation is None:
                return {"loss": loss}
            held_out_loss, score = self._record_validation(*validation)
            return {"loss": loss, "validation loss": held_out_loss, "validation score": score}

        training = Training(
            update=update,
            end_epoch=end_epoch,
            parameters=lambda: [*self.coefs_, *self.intercepts_],
            restore=self._set_parameters,
            learning_rate=self._rate(),
            schedule=self.learning_rate_schedule,
            momentum=self.momentum if self.solver == "sgd" else 0.0,
            multiply_adds=batch * max(W.size for W in self.coefs_),
            divergence_hint=f"lower it, or scale the inputs{self._scale_targets_hint}.",
            parameter_bound=np.inf,
            loss_bound=self._diverged_loss(X, Y, sample_weight),
            shuffle=self.shuffle,
        )
        stopping = None
        if not incremental and self.early_stopping:
            # As scikit-learn: on the held-out score, keeping the best epoch's weights.
            stopping = EarlyStopping("validation score", self.tol, self.n_iter_no_change)
        elif not incremental:
            stopping = EarlyStopping(
                "loss", self.tol, self.n_iter_no_change, higher_is_better=False, keep_best=False
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
        self._publish_results()
        if not incremental:
            self._warn_if_the_network_is_dead(X, Y, sample_weight)

    def _fit_lbfgs(self, X, Y, weights):
        """Full-batch L-BFGS (scipy's L-BFGS-B) on the penalised mean loss, as
        scikit-learn's ``solver="lbfgs"``: at most ``max_iter`` iterations and
        ``max_fun`` loss evaluations, stopping when the projected gradient falls
        below ``tol``. Ctrl-C reaches the caller and leaves the model as it was."""
        if self.dropout:
            raise ValueError(
                f"dropout={self.dropout} needs a minibatch solver: L-BFGS minimises a "
                "deterministic loss. Use solver='adam' or 'sgd', or dropout=0."
            )
        params = [*self.coefs_, *self.intercepts_]
        shapes, sizes = [p.shape for p in params], [p.size for p in params]
        network = _Network(
            self.coefs_, self.intercepts_, self._activations(), 0.0, X.shape[0], X.dtype
        )
        share = float(weights.sum())
        name, latest = type(self).__name__, {"time": time.perf_counter()}
        progress, started = Progress(name, self.verbose), latest["time"]

        def unpack(theta):
            pieces = np.split(theta.astype(X.dtype, copy=False), np.cumsum(sizes)[:-1])
            for param, piece, shape in zip(params, pieces, shapes, strict=True):
                param[...] = piece.reshape(shape)

        def loss_and_gradient(theta):
            unpack(theta)
            with np.errstate(over="ignore", invalid="ignore"):
                Z = network.forward(X)
                loss = LOSSES[self._loss](Z, Y, weights / share)
                Z *= -1.0  # the ascent direction, penalised as in _step
                directions, grad_b = network.backward(X, Z)
                for W, direction in zip(self.coefs_, directions, strict=True):
                    add_penalties(direction, W, self.alpha / share, self.l1 / share)
            latest["loss"] = loss + self._penalty() / share
            gradient = np.concatenate([-g.ravel() for g in (*directions, *grad_b)])
            return latest["loss"], gradient.astype(np.float64)

        def record(theta):
            self.loss_curve_.append(latest["loss"])
            if self.verbose:
                now, iteration = time.perf_counter(), len(self.loss_curve_)
                report_epoch(
                    progress, iteration, self.max_iter, (iteration, self.max_iter),
                    {"loss": latest["loss"]}, now - latest["time"], now - started,
                )  # fmt: skip
            latest["time"] = time.perf_counter()

        self.loss_curve_ = []
        start = np.concatenate([p.ravel() for p in params]).astype(np.float64)
        result = minimize(
            loss_and_gradient, start, method="L-BFGS-B", jac=True, callback=record,
            options={"maxiter": self.max_iter, "maxfun": self.max_fun, "gtol": self.tol},
        )  # fmt: skip
        unpack(result.x)
        self.n_iter_ = int(result.nit)
        self.t_ += int(result.nit)
        check_not_diverged(
            name, params, [result.fun],
            cause=f"The inputs{self._scale_targets_hint} may hold values too large: "
            "scale them.",
        )  # fmt: skip
        if not self.loss_curve_:
            self.loss_curve_.append(float(result.fun))
        if result.status != 0:
            warnings.warn(
                f"lbfgs failed to converge after {result.nit} iterations ({result.message}). "
                "Increase max_iter (or max_fun), or scale the data.",
                ConvergenceWarning,
                stacklevel=4,
            )
        self.validation_scores_ = []
        self._publish_results()
        self._warn_if_the_network_is_dead(X, Y, weights)

    def _penalty(self):
        """``alpha / 2 |W|^2 + l1 |W|_1`` over the weight matrices, before scikit-learn's
        division by a minibatch's (or the data's) total weight."""
        return sum(
            0.5 * self.alpha * float(np.vdot(W, W)) + self.l1 * float(np.abs(W).sum())
            for W in self.coefs_
        )

    def _publish_results(self):
        """The attributes scikit-learn's MLP users read, after each fit or partial_fit."""
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.best_loss_ = None if self.early_stopping else min(self.loss_curve_, default=None)
        if not self.validation_scores_:
            self.validation_scores_ = self.validation_loss_curve_ = None
            self.best_validation_score_ = None
        else:
            self.best_validation_score_ = max(self.validation_scores_)

    def _stratification(self, Y):
        """The labels the validation split keeps in proportion (regression: none)."""
        return None

    def _diverged_loss(self, X, Y, weights):
        """The training loss beyond which the fit has diverged: a million times the
        loss of the network it starts from or of the best constant prediction,
        whichever is larger, on the first training rows. (The outputs have the
        targets' scale, so the weights have no fixed bound.)"""
        n = min(X.shape[0], _DEAD_CHECK_ROWS)
        start, constant = self._checked_rows_losses(self._output(X[:n]), Y, weights)
        return _DIVERGED_LOSS_RATIO * max(start if np.isfinite(start) else 0.0, constant, 1.0)

    def _checked_rows_losses(self, Z, Y, weights):
        """The mean loss of the outputs Z of the first training rows, and the best
        constant prediction's on them, weighted as in training (uniformly if those
        rows weigh nothing). Z is overwritten."""
        n = Z.shape[0]
        w = weights[:n] / weights[:n].sum() if weights[:n].any() else np.full(n, 1.0 / n)
        with np.errstate(all="ignore"):
            loss = LOSSES[self._loss](Z, Y[:n], w)
        return loss, _constant_prediction_loss(self._loss, Y[:n], w)

    def _set_parameters(self, parameters):
        n_layers = len(self.coefs_)
        self.coefs_[:], self.intercepts_[:] = parameters[:n_layers], parameters[n_layers:]

    def _warn_if_the_network_is_dead(self, X, Y, weights):
        """Say so when the network ended unable to use its inputs: most units of a
        hidden layer off (output 0) on every training row checked, or a loss no
        better than the best constant prediction's.

        Unscaled inputs (pixels in 0-16 or 0-255) and too large a learning rate do
        this to relu layers in the first steps, by pushing units below zero for good.
        """
        n = min(X.shape[0], _DEAD_CHECK_ROWS)
        network = _Network(self.coefs_, self.intercepts_, self._activations(), 0.0, n, X.dtype)
        Z = network.forward(X[:n]).copy()
        problem = None
        for layer, A in enumerate(network.A):
            off = ~A[:n].any(axis=0)
            if off.mean() >= _DEAD_UNIT_FRACTION:
                problem = (
                    f"{off.sum()} of {off.size} units of hidden layer {layer + 1} are off "
                    f"({self._activations()[layer]} output 0) on every training row checked"
                )
                break
        if problem is None and weights[:n].any():
            loss, constant = self._checked_rows_losses(Z, Y, weights)
            # Targets that a constant predicts already leave nothing to learn.
            if constant > 1e-6 and loss >= _DEAD_LOSS_RATIO * constant:
                problem = (
                    f"its training loss ({loss:.4g}) is no better than predicting the "
                    f"same output for every row ({constant:.4g})"
                )
        if problem is not None:
            warnings.warn(
                f"{type(self).__name__}: {problem}, so the predictions barely depend on "
                "the inputs: the network learned little. Scale the inputs "
                "(StandardScaler, or MinMaxScaler for pixels), or lower learning_rate "
                f"(now {self._rate()}).",
                TrainingFailedWarning,
                stacklevel=4,
            )

    def _step(self, Xb, Yb, wb, network, lr, rng):
        """One SGD or Adam step on a minibatch; returns its mean loss and its weight."""
        share = float(wb.sum())
        if share == 0:  # rows of zero weight teach nothing: no step
            return 0.0, 0.0
        Z = network.forward(Xb, rng)
        loss = LOSSES[self._loss](Z, Yb, wb / share)  # the loss of a batch is its weighted mean
        sgd = self.solver == "sgd"
        # The optimisers take the ascent direction. Scaled by -lr here, the small
        # output delta makes every SGD gradient a descent step without a pass over W.
        Z *= -lr if sgd else -1.0
        grad_W, grad_b = network.backward(Xb, Z, rng)
        # The penalties are divided by the minibatch's weight (its rows, without
        # sample weights), as in scikit-learn, so alpha means the same in both.
        decay, l1 = self.alpha / share, self.l1 / share
        n_weights = len(self.coefs_)
        self.t_ += 1
        for k, (param, direction) in enumerate(
            zip((*self.coefs_, *self.intercepts_), (*grad_W, *grad_b), strict=True)
        ):
            penalty = (decay, l1) if k < n_weights else (0.0, 0.0)
            if sgd:
                momentum_step(
                    param, self._velocities[k], direction, self.momentum,
                    decay=lr * penalty[0], l1=lr * penalty[1], nesterov=self.nesterov,
                )  # fmt: skip
            else:
                adam_step(
                    param, direction, self._moments[k], self.t_, lr,
                    self.beta_1, self.beta_2, self.epsilon, *penalty,
                )  # fmt: skip
        return loss, share

    def _split(self, X, Y, sample_weight, fraction, rng):
        stratify = self._stratification(Y)
        seed = int(rng.integers(np.iinfo(np.int32).max))
        try:
            parts = train_test_split(
                X, Y, sample_weight, test_size=fraction, random_state=seed, stratify=stratify
            )
        except ValueError as error:
            if stratify is None:
                raise
            raise ValueError(
                f"The validation split (validation_fraction={fraction}) keeps every class's "
                f"share on both sides, and cannot here: {error} Give every class more rows, "
                "or fit without early_stopping and validation_fraction."
            ) from error
        X_train, X_val, Y_train, Y_val, w_train, w_val = parts
        if X_val.shape[0] < 2:
            raise ValueError(
                f"The validation set is too small: validation_fraction={fraction} leaves "
                f"{X_val.shape[0]} rows held out, and it needs at least 2. Raise "
                "validation_fraction, or fit without early_stopping and validation_fraction."
            )
        if not w_train.any():
            raise ValueError(
                "Every row left for training after the validation split has sample_weight "
                "0: give more rows a positive weight, or set validation_fraction=None."
            )
        return X_train, Y_train, w_train, (X_val, Y_val, w_val)

    def _record_validation(self, X, Y, weights):
        Z = self._output(X)  # one forward pass serves the score and the loss
        if not np.isfinite(Z).all():  # diverged: the loop's check names the cause
            self.validation_scores_.append(np.nan)
            self.validation_loss_curve_.append(np.nan)
            return np.nan, np.nan
        self.validation_scores_.append(self._validation_score(Z, Y))
        loss = LOSSES[self._loss](Z, Y, weights / weights.sum())
        self.validation_loss_curve_.append(loss)
        return loss, self.validation_scores_[-1]

    def _output(self, X):
        """Output-layer pre-activations, without dropout, in blocks of rows."""
        return self._forward_in_blocks(X, len(self.coefs_), np.copy)

    def _forward_in_blocks(self, X, n_layers, finish):
        """``finish(Z)`` of the pre-activations of layer ``n_layers`` (1 for the first
        hidden layer), through the network's first layers without dropout, in blocks
        of rows (``Z`` is a view of the network's buffer: ``finish`` copies it)."""
        network = _Network(
            self.coefs_[:n_layers], self.intercepts_[:n_layers],
            self._activations()[: n_layers - 1], 0.0, min(X.shape[0], 4096), X.dtype,
        )  # fmt: skip
        return np.concatenate(
            [finish(network.forward(X[rows])) for rows in gen_batches(X.shape[0], 4096)]
        )

    def _fitted_rows(self, X):
        X = check_fitted_rows(self, X, accept_sparse=True)
        return X.astype(self.coefs_[0].dtype, copy=False)

    def encode(self, X, layer=None):
        """The activations of a hidden layer: features, or an autoencoder's code.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        layer : int, default=None
            Hidden layer, 0 for the first (negative counts from the last). None:
            the code layer, the middle one of an odd number of hidden layers (an
            autoencoder's), else the last.

        Returns
        -------
        activations : ndarray of shape (n_samples, units of that layer)
            In the dtype of the weights (float32 for float32 training data).
        """
        check_is_fitted(self)
        n_hidden = len(self.coefs_) - 1
        if n_hidden == 0:
            raise ValueError("The network has no hidden layer to encode with.")
        if layer is None:
            layer = n_hidden // 2 if n_hidden % 2 else n_hidden - 1
        valid = isinstance(layer, Integral) and not isinstance(layer, bool)
        if not valid or not -n_hidden <= layer < n_hidden:
            raise ValueError(
                f"layer must be an integer from {-n_hidden} to {n_hidden - 1} (the network "
                f"has {n_hidden} hidden layers); got {layer!r}."
            )
        layer %= n_hidden
        activate = ACTIVATIONS[self._activations()[layer]][0]
        return self._forward_in_blocks(
            self._fitted_rows(X), layer + 1, lambda Z: activate(Z, out=np.empty_like(Z))
        )


def _stochastic_solver(estimator):
    """``partial_fit`` exists for the minibatch solvers only, as in scikit-learn."""
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit is only available for the stochastic solvers ('adam', 'sgd'); "
            "lbfgs works on the whole data at once."
        )
    return True


def _refuse_early_stopping_in_partial_fit(estimator):
    if estimator.early_stopping:
        raise ValueError(
            "partial_fit does not support early_stopping=True (each call is one epoch "
            "over its chunk, with no held-out rows): set early_stopping=False, or use fit."
        )


_SHARED_PARAMETERS = """
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Units of each hidden layer.

    activation : {"relu", "logistic", "tanh", "arctan", "identity"} or list, default="relu"
        Activation of the hidden units: one for every hidden layer, or a list of
        one per hidden layer (such as the linear code layer of a deep
        autoencoder, ``["logistic", "identity", "logistic"]``).

    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        ``"adam"``: Adam (Kingma & Ba 2015), scikit-learn's default, which works
        without tuning on most tables, unscaled regression targets included.
        ``"sgd"``: minibatch gradient descent with (Nesterov) momentum, the
        optimiser of the classic papers and of the course material.
        ``"lbfgs"``: full-batch L-BFGS (scipy's L-BFGS-B), often best on small
        data; no minibatches, no ``partial_fit``, no validation split, and
        Ctrl-C leaves the model as it was before the call.

    learning_rate : float or None, default=None
        Step size (scikit-learn's ``learning_rate_init``). None: 1e-3 for Adam,
        as in scikit-learn; for SGD 0.1 for the classifier and 1e-3 for the
        regressor, whose squared errors on unscaled targets need smaller steps.
        With momentum 0.9 an SGD step is effectively ten times larger.

    learning_rate_schedule : {"constant", "linear"}, default="constant"
        ``"linear"`` decays the step to zero over the ``max_iter`` epochs.

    momentum : float, default=0.9
        Momentum of the SGD updates (not used by Adam).

    nesterov : bool, default=True
        Nesterov's look-ahead momentum for SGD (Sutskever et al. 2013);
        scikit-learn's ``nesterovs_momentum``.

    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of Adam's first and second moment estimates.

    epsilon : float, default=1e-8
        Added to the square root of Adam's second moment, for stability.

    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases), with scikit-learn's meaning:
        each minibatch's mean loss carries ``alpha / (2 n) * |W|^2``, ``n`` its
        rows (its total sample weight), so a value tuned for ``MLPClassifier``
        carries over.

    l1 : float, default=0.0
        L1 penalty on the weights, scaled like ``alpha``: ``l1 / n * |W|_1``.

    dropout : float in [0, 1), default=0.0
        Probability of dropping each hidden unit during training; survivors are
        scaled by ``1 / (1 - dropout)`` so that prediction uses every unit as is.
        Minibatch solvers only (refused with ``solver="lbfgs"``, whose loss must
        be deterministic).

    batch_size : int or "auto", default="auto"
        Rows per minibatch; ``"auto"`` is ``min(200, n_samples)``, as in scikit-learn.

    shuffle : bool, default=True
        Visit the rows in a fresh random order each epoch; False keeps them in
        order, so the minibatches are consecutive slices of X.

    max_iter : int, default=200
        Training epochs at most (L-BFGS: iterations).

    max_fun : int, default=15000
        L-BFGS only: loss evaluations at most.

    tol : float, default=1e-4
        Training stops when the training loss has not fallen by ``tol`` for
        ``n_iter_no_change`` epochs, or with early stopping when the held-out
        score has not risen by ``tol``, as in scikit-learn.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (10% by default), stop on its
        score (accuracy or R^2) and keep the weights of its best epoch.

    validation_fraction : float or None, default=None
        Share of the data held out; without early stopping it only records
        ``validation_loss_curve_`` and ``validation_scores_``.

    n_iter_no_change : int or np.inf, default=10
        Epochs without improvement before stopping (``np.inf``: never stop early).

    pretrain : None, "rbm", RestrictedBM, list of fitted RBMs, DeepBeliefNetwork \
            or DeepBoltzmannMachine, default=None
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
        decoder from their transposes. A layer whose activation is
        ``"identity"`` (the paper's linear code layer, ``activation=["logistic",
        "identity", "logistic"]``) is pretrained as an RBM with Gaussian hidden
        units at a tenth of the template's learning rate, and the RBM above it
        gets Gaussian visible units. With the
        regressor's ``loss="cross_entropy"`` (the paper's) the logistic output
        layer is the exact transpose of the first RBM, and the network starts
        as the stack's mean-field up-down pass; with the squared error the
        linear output layer starts from the first-order expansion of the
        logistic visible units, ``1/2 + a/4``, a much worse start.
        A :class:`DeepBeliefNetwork` gives its RBMs as the layers; a
        :class:`DeepBoltzmannMachine` gives its recognition pass, the bottom-up
        start of its mean field (weights doubled below the top layer, standing
        in for the input from above; the paper's fine-tuning instead feeds the
        top layer's mean-field posterior back as extra inputs, which a
        feed-forward network has no place for), and an autoencoder's decoder
        from its downward conditionals. Unfitted, either is a template cloned
        with the network's hidden layer sizes and fitted on X (tunable as
        ``pretrain__max_iter``); fitted (wrapped in ``FrozenEstimator``), it is
        used as it is. Their hidden units are binary: ``"identity"`` layers
        need RBM pretraining.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout, the validation split and pretraining.

    verbose : int, default=0
        Progress lines: ``1``, the loss of every epoch with the time elapsed and
        an estimate of the rest (and each pretraining layer's epochs); ``2``
        adds the learning rate and momentum, and progress within long epochs.

    warm_start : bool, default=False
        Continue from the current weights when ``fit`` is called again.
"""

_SHARED_ATTRIBUTES = """
    pretrained_rbms_ : list of RestrictedBM or None
        The RBMs that pretraining fitted (or was given), bottom first; None
        without pretraining or when it came from a deep model.

    coefs_ : list of ndarray
        Weight matrices, ``coefs_[l]`` of shape (units in layer l, units in layer l + 1).

    intercepts_ : list of ndarray
        Bias vectors of layers 1 to L.

    n_iter_ : int
        Epochs run by the last ``fit`` (warm start included, as in scikit-learn);
        each ``partial_fit`` adds one.

    n_layers_ : int
        Layers, input and output included.

    n_outputs_ : int
        Output units.

    out_activation_ : {"softmax", "logistic", "identity"}
        Activation of the output layer.

    loss_ : float
        Training loss (with its penalties) of the last epoch.

    loss_curve_ : list of float
        Training loss (with its penalties) per epoch.

    validation_loss_curve_ : list of float or None
        Held-out loss per epoch when a validation split is used, else None.

    validation_scores_ : list of float or None
        Held-out accuracy (classifier; the share of rows with every label right,
        for multilabel targets) or R^2 (regressor) per epoch, likewise.

    best_validation_score_ : float or None
        Best of ``validation_scores_``, or None without a validation split.

    best_loss_ : float or None
        Lowest training loss reached; None with early stopping (the held-out
        loss chooses the weights then), as in scikit-learn.

    t_ : int
        Minibatch updates made (Adam's step count; scikit-learn's ``t_`` counts
        samples instead).

    n_features_in_ : int

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
"""


class BackpropMLPClassifier(LogProbaClassifierMixin, ClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multilayer perceptron classifier trained by backpropagation.

    Softmax cross-entropy for several classes, logistic cross-entropy for two
    classes (one output) and for multilabel indicator targets; Adam or
    minibatch SGD with (Nesterov) momentum, L2 and L1 penalties, dropout, early
    stopping, and optional initialisation from stacked RBMs. Dense or sparse
    input; float32 data are trained and predicted in float32. A drop-in for
    scikit-learn's ``MLPClassifier``: the same defaults (Adam at 1e-3, batches of
    ``min(200, n_samples)``, ``alpha=1e-4`` with the same meaning) and fitted
    attributes; the user guide's table lists every parameter and what differs.

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

    @available_if(_stochastic_solver)
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
        _refuse_early_stopping_in_partial_fit(self)
        if not hasattr(self, "coefs_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit_classifier(X, y, sample_weight, classes=classes, incremental=True)

    def _fit_classifier(self, X, y, sample_weight, classes, incremental):
        first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=(np.float64, np.float32), multi_output=True,
            reset=first,
        )  # fmt: skip
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
                # One class is taken, as scikit-learn's MLP takes it: every
                # prediction is that class (a fold may hold a single class).
                self._binarizer.fit(classes if classes is not None else y)
                self._loss = "softmax" if len(self._binarizer.classes_) > 2 else "logistic"
            self.classes_ = self._binarizer.classes_
        elif not incremental and type_of_target(y) != "multilabel-indicator":
            if not np.array_equal(np.unique(y), self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has "
                    f"{np.unique(y)}. Fit with warm_start=False for other classes."
                )
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
        """Accuracy of the outputs Z of held-out rows against their targets Y (for
        multilabel targets, the share of rows whose every label is right)."""
        if self._loss == "softmax":
            return accuracy_score(Y.argmax(axis=1), Z.argmax(axis=1))
        return accuracy_score(Y.astype(int), (Z > 0).astype(int))

    def _stratification(self, Y):
        """The labels the validation split keeps in proportion: the classes (as
        labels, so that an error names them), except for multilabel targets (as
        scikit-learn's MLP)."""
        if self._loss == "softmax":
            return self.classes_[Y.argmax(axis=1)]
        if Y.shape[1] == 1 and len(self.classes_) == 2:
            return self.classes_[Y[:, 0].astype(int)]
        return None

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
        if len(self.classes_) == 1:
            return np.zeros((Z.shape[0], 1), dtype=Z.dtype)
        if self._loss == "softmax":
            return Z - logsumexp(Z, axis=1, keepdims=True)
        if len(self.classes_) == 2 and Z.shape[1] == 1:
            Z = np.hstack([-Z, Z])
        return -softplus(-Z)

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
        if len(self.classes_) == 1:
            return np.repeat(self.classes_, Z.shape[0])
        if self._loss == "softmax":
            return self.classes_[Z.argmax(axis=1)]
        if Z.shape[1] == 1:
            return self.classes_[(Z[:, 0] > 0).astype(int)]
        return (Z > 0).astype(int)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        return tags


class BackpropMLPRegressor(RegressorMixin, _BaseMLP):
    _default_learning_rate = 1e-3
    _scale_targets_hint = (
        " and the targets (TransformedTargetRegressor(regressor, transformer=StandardScaler()))"
    )

    __doc__ = (
        """Multilayer perceptron regressor trained by backpropagation.

    Squared error (or cross-entropy, for targets in [0, 1]) on one or several
    outputs, otherwise as :class:`BackpropMLPClassifier`; ``pretrain`` on a
    mirrored stack makes the deep autoencoder of Hinton & Salakhutdinov (2006)
    when fitted from X to X.

    Parameters
    ----------"""
        + _SHARED_PARAMETERS.replace(
            "\n    activation :",
            """
    loss : {"squared_error", "cross_entropy"}, default="squared_error"
        ``"squared_error"``: linear outputs, half the squared error, as
        scikit-learn's ``MLPRegressor``. ``"cross_entropy"``: logistic outputs and
        the binary cross-entropy ``-y log p - (1 - y) log(1 - p)`` summed over the
        outputs, for targets in [0, 1] such as pixel intensities: the loss of the
        deep autoencoder of Hinton & Salakhutdinov (2006), whose pretrained
        decoder then starts as the exact transpose of the RBMs.

    activation :""",
            1,
        )
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
    >>> model = BackpropMLPRegressor((32,), max_iter=1000, random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.95)
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "cross_entropy"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        loss="squared_error",
        activation="relu",
        solver="adam",
        learning_rate=None,
        learning_rate_schedule="constant",
        momentum=0.9,
        nesterov=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        alpha=1e-4,
        l1=0.0,
        dropout=0.0,
        batch_size="auto",
        shuffle=True,
        max_iter=200,
        max_fun=15000,
        tol=1e-4,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=10,
        pretrain=None,
        random_state=None,
        verbose=0,
        warm_start=False,
    ):
        super().__init__(
            hidden_layer_sizes,
            activation=activation,
            solver=solver,
            learning_rate=learning_rate,
            learning_rate_schedule=learning_rate_schedule,
            momentum=momentum,
            nesterov=nesterov,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            alpha=alpha,
            l1=l1,
            dropout=dropout,
            batch_size=batch_size,
            shuffle=shuffle,
            max_iter=max_iter,
            max_fun=max_fun,
            tol=tol,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            pretrain=pretrain,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
        )
        self.loss = loss

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

    @available_if(_stochastic_solver)
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
        _refuse_early_stopping_in_partial_fit(self)
        return self._fit_regressor(X, y, sample_weight, incremental=True)

    def _fit_regressor(self, X, y, sample_weight, incremental):
        first = not (hasattr(self, "coefs_") and (incremental or self.warm_start))
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=(np.float64, np.float32), multi_output=True,
            y_numeric=True, reset=first,
        )  # fmt: skip
        Y = np.asarray(y, dtype=X.dtype)
        check_magnitude(X, "X", type(self).__name__)
        check_magnitude(Y.reshape(len(Y), -1), "y", type(self).__name__)
        if first:
            self._single_output = Y.ndim == 1
        Y = Y.reshape(len(Y), -1)
        sample_weight = check_sample_weight(sample_weight, X, type(self).__name__)
        if first and self.loss == "cross_entropy" and (Y.min() < 0 or Y.max() > 1):
            raise ValueError(
                "loss='cross_entropy' takes targets in [0, 1] (probabilities, pixel "
                f"intensities); got values in [{Y.min():.4g}, {Y.max():.4g}]. Scale the "
                "targets into [0, 1], or use loss='squared_error'."
            )
        if first:
            self._loss = "squared" if self.loss == "squared_error" else "logistic"
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
        """R^2 of the outputs of held-out rows (pre-activations Z) against their targets Y."""
        return r2_score(Y, self._activate(Z))

    def _activate(self, Z):
        """Predictions from output pre-activations: logistic for the cross-entropy."""
        return logistic(Z, out=Z) if self._loss == "logistic" else Z

    def _autoencoder(self, n_features):
        """Fitted from X to X: targets as wide as the inputs (and pretraining unrolls)."""
        return self._targets_like_inputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
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
        Z = self._activate(self._output(self._fitted_rows(X)))
        return Z[:, 0] if self._single_output else Z

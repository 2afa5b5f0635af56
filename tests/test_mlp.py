import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, cross_val_score

from skenergy import (
    BackpropMLPClassifier,
    BackpropMLPRegressor,
    DeepBeliefNetwork,
    DeepBoltzmannMachine,
    RestrictedBM,
)
from skenergy.exceptions import TrainingFailedWarning
from skenergy.mlp import LOSSES, _Network


def small_problem(kind, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3))
    if kind == "softmax":
        return X, np.arange(12) % 3
    if kind == "binary":
        return X, np.arange(12) % 2
    if kind == "multilabel":
        return X, (rng.random((12, 2)) < 0.5).astype(int)
    return X, rng.normal(size=(12, 2))


def objective(model, X, Y, weights):
    """The penalised loss that one SGD step descends, computed from scratch."""
    network = _Network(model.coefs_, model.intercepts_, model._activations(), 0.0, len(X), X.dtype)
    Z = network.forward(X).copy()
    loss = LOSSES[model._loss](Z, Y, weights)
    for W in model.coefs_:
        loss += 0.5 * model.alpha * np.sum(W * W) + model.l1 * np.abs(W).sum()
    return loss


@pytest.mark.parametrize(
    "activation", ["relu", "logistic", "tanh", "arctan", "identity", ["tanh", "identity"]]
)
@pytest.mark.parametrize("kind", ["softmax", "binary", "multilabel", "squared"])
@pytest.mark.parametrize("penalty", [{}, {"alpha": 0.3}, {"l1": 0.2}])
def test_backprop_gradient_matches_finite_differences(activation, kind, penalty):
    X, y = small_problem(kind)
    estimator = BackpropMLPRegressor if kind == "squared" else BackpropMLPClassifier
    params = {"alpha": 0.0, "l1": 0.0, **penalty}
    model = estimator(
        hidden_layer_sizes=(4, 3), activation=activation, max_iter=1, random_state=0, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    Y = model._binarizer.transform(y).astype(float) if kind != "squared" else y
    weights = np.full(len(X), 1 / len(X))
    if activation == "relu":  # keep away from the kink, where the derivative jumps
        for b in model.intercepts_[:-1]:
            b += 0.05
    network = _Network(model.coefs_, model.intercepts_, model._activations(), 0.0, len(X), X.dtype)
    delta = network.forward(X)
    LOSSES[model._loss](delta, Y, weights)
    grad_W, grad_b = ([g.copy() for g in grads] for grads in network.backward(X, delta))
    for W, g in zip(model.coefs_, grad_W, strict=True):
        g += model.alpha * W + model.l1 * np.sign(W)
    eps = 1e-6
    for params_list, grads in ((model.coefs_, grad_W), (model.intercepts_, grad_b)):
        for param, grad in zip(params_list, grads, strict=True):
            for index in np.ndindex(param.shape):
                saved = param[index]
                param[index] = saved + eps
                up = objective(model, X, Y, weights)
                param[index] = saved - eps
                down = objective(model, X, Y, weights)
                param[index] = saved
                assert (up - down) / (2 * eps) == pytest.approx(grad[index], abs=1e-6)


def test_dropout_is_off_at_prediction():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    model = BackpropMLPClassifier(dropout=0.5, solver="sgd", max_iter=5, random_state=0).fit(X, y)
    first = model.predict_proba(X)
    assert np.array_equal(first, model.predict_proba(X))  # no random masks
    network = _Network(model.coefs_, model.intercepts_, model._activations(), 0.0, len(X), X.dtype)
    Z = network.forward(X)
    expected = np.exp(Z - Z.max(axis=1, keepdims=True))
    assert np.allclose(first, expected / expected.sum(axis=1, keepdims=True))
    assert model.score(X, y) > 0.9


@pytest.mark.slow
def test_defaults_match_scikit_learns_mlp_on_digits():
    # Default against default, same folds (unshuffled): both near 0.939; seeds
    # move either by about 0.002.
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cross_val_score(BackpropMLPClassifier(random_state=0), X / 16, y, cv=5).mean()
        peer = cross_val_score(MLPClassifier(random_state=0), X / 16, y, cv=5).mean()
    assert ours >= peer - 0.005


def test_float32_end_to_end():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    model = BackpropMLPClassifier(max_iter=3, random_state=0).fit(X, y)
    assert all(W.dtype == np.float32 for W in model.coefs_)
    assert model.predict_proba(X).dtype == np.float32
    regressor = BackpropMLPRegressor(max_iter=3, random_state=0).fit(X, X[:, :2])
    assert regressor.predict(X).dtype == np.float32


def test_sample_weight_equals_repeating_rows_in_full_batch_descent():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4))
    y = (X[:, 0] > 0).astype(int)
    counts = rng.integers(1, 3, size=20)
    params = {"batch_size": 100, "max_iter": 10, "random_state": 0, "hidden_layer_sizes": (5,)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = BackpropMLPClassifier(**params).fit(X, y, sample_weight=counts)
        repeated = BackpropMLPClassifier(**params).fit(
            np.repeat(X, counts, axis=0), np.repeat(y, counts)
        )
    for a, b in zip(weighted.coefs_, repeated.coefs_, strict=True):
        assert np.allclose(a, b)


def test_early_stopping_keeps_the_best_validation_epoch():
    X, y = load_digits(return_X_y=True)
    model = BackpropMLPClassifier(early_stopping=True, max_iter=200, random_state=0)
    model.fit(X / 16, y)
    assert model.n_iter_ < 200
    assert len(model.validation_loss_curve_) == model.n_iter_ == len(model.loss_curve_)
    assert len(model.validation_scores_) == model.n_iter_
    assert max(model.validation_scores_) > 0.9


def test_validation_curves_without_early_stopping():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BackpropMLPClassifier(validation_fraction=0.2, max_iter=5, random_state=0)
        model.fit(X / 16, y)
    assert len(model.validation_loss_curve_) == 5


def test_multilabel_and_multioutput():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)
    clf = BackpropMLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    assert clf.predict(X).shape == (200, 2) and (clf.predict(X) == Y).mean() > 0.9
    assert np.all((clf.predict_proba(X) >= 0) & (clf.predict_proba(X) <= 1))
    targets = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] * 2])
    reg = BackpropMLPRegressor(hidden_layer_sizes=(16,), max_iter=1000, random_state=0)
    reg.fit(X, targets)
    assert reg.predict(X).shape == (200, 2) and reg.score(X, targets) > 0.9


def test_partial_fit_needs_classes_and_then_learns():
    X, y = load_digits(return_X_y=True)
    model = BackpropMLPClassifier(solver="sgd", random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X / 16, y)
    for _ in range(5):
        model.partial_fit(X / 16, y, classes=np.arange(10))
    assert model.n_iter_ == 5 and model.score(X / 16, y) > 0.9


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.array([[0.0, np.nan], [1.0, 1.0]]), np.array([0, 1]), "NaN"),
        (np.ones((2, 2)), np.array([0.0, np.nan]), "NaN"),
    ],
)
def test_bad_input_is_refused(X, y, message):
    with pytest.raises(ValueError, match=message):
        BackpropMLPClassifier(max_iter=1).fit(X, y)


def test_width_and_divergence_errors():
    X, y = load_digits(return_X_y=True)
    model = BackpropMLPClassifier(max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X / 16, y)
    coefs = [W.copy() for W in model.coefs_]
    with pytest.raises(ValueError, match="64 features"):
        model.predict(np.ones((2, 10)))
    with pytest.raises(ValueError, match="Training diverged.*and the targets"):
        BackpropMLPRegressor(solver="sgd", learning_rate=10.0, max_iter=5, random_state=0).fit(
            X, y * 1e3
        )
    assert all(np.array_equal(a, b) for a, b in zip(coefs, model.coefs_, strict=True))


# ----------------------------------------------------------------- pretraining


def digits01():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def test_pretrain_initialises_layers_from_stacked_rbms():
    X, y = digits01()
    template = RestrictedBM(max_iter=5, learning_rate=0.05, batch_size=20, random_state=0)
    model = BackpropMLPClassifier(
        hidden_layer_sizes=(32, 16), activation="logistic", pretrain=template, max_iter=1,
        random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    # The first layer starts as the first RBM: one backprop epoch moves it only a little.
    rbm = clone(template).set_params(n_components=32).fit(X)
    start = rbm.components_.T
    moved = np.abs(model.coefs_[0] - start).mean()
    assert moved < 0.2 * np.abs(start).mean()


def test_pretrain_from_fitted_rbms_in_frozen_estimators():
    X, y = digits01()
    first = RestrictedBM(n_components=32, max_iter=3, random_state=0).fit(X)
    second = RestrictedBM(n_components=16, max_iter=3, random_state=0).fit(first.transform(X))
    model = BackpropMLPClassifier(
        hidden_layer_sizes=(32, 16), activation="logistic", max_iter=0 + 1, random_state=0,
        pretrain=[FrozenEstimator(first), FrozenEstimator(second)], learning_rate=1e-9,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clone(model).fit(X, y)  # clone keeps the fitted RBMs
        model.fit(X, y)
    assert np.allclose(model.coefs_[0], first.components_.T, atol=1e-6)
    assert np.allclose(model.coefs_[1], second.components_.T, atol=1e-6)
    with pytest.raises(ValueError, match="holds 1 fitted RBMs for 2 hidden layers"):
        model.set_params(pretrain=[FrozenEstimator(first)]).fit(X, y)


def test_pretrain_template_is_tunable_in_a_grid_search():
    X, y = digits01()
    model = BackpropMLPClassifier(
        hidden_layer_sizes=(16,), activation="logistic", solver="sgd", batch_size=32,
        max_iter=3, random_state=0, pretrain=RestrictedBM(max_iter=2, random_state=0),
    )  # fmt: skip
    assert "pretrain__learning_rate" in model.get_params()
    grid = {"pretrain__learning_rate": [0.01, 0.05]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(model, grid, cv=2).fit(X[:400], y[:400])
        assert search.best_params_["pretrain__learning_rate"] in grid["pretrain__learning_rate"]
        # Each candidate's learning rate reaches the pretraining RBMs: the first
        # layers start, and end, elsewhere.
        first, second = (
            clone(model).set_params(pretrain__learning_rate=rate).fit(X[:400], y[:400])
            for rate in grid["pretrain__learning_rate"]
        )
    assert not np.allclose(first.coefs_[0], second.coefs_[0], rtol=0, atol=1e-4)


def test_pretraining_helps_on_unscaled_data_through_a_gaussian_first_layer():
    X, y = load_digits(return_X_y=True)  # 0..16: outside [0, 1], so Gaussian visible units
    params = {
        "hidden_layer_sizes": (16,), "activation": "logistic", "learning_rate": 0.01,
        "max_iter": 5, "random_state": 0,
    }  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        random_start = BackpropMLPClassifier(**params).fit(X, y).score(X, y)
        pretrained = BackpropMLPClassifier(
            pretrain=RestrictedBM(max_iter=2, random_state=0), **params
        ).fit(X, y)
    assert pretrained.score(X, y) > random_start + 0.01  # measured 0.974 against 0.944


def test_warm_start_continues_and_cold_start_restarts():
    X, y = digits01()
    model = BackpropMLPClassifier(max_iter=3, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        first = [W.copy() for W in model.coefs_]
        model.fit(X, y)
        # As in scikit-learn: n_iter_ counts this fit's epochs, the curve grows on.
        assert model.n_iter_ == 3 and len(model.loss_curve_) == 6
        assert not np.allclose(model.coefs_[0], first[0])
        model.set_params(warm_start=False).fit(X, y)
    assert model.n_iter_ == 3


@pytest.mark.parametrize("nesterov", [True, False])
def test_both_momentum_forms_learn(nesterov):
    X, y = digits01()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BackpropMLPClassifier(solver="sgd", nesterov=nesterov, max_iter=10, random_state=0)
        model.fit(X, y)
    assert model.score(X, y) > 0.95
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]


def test_autoencoder_pretraining_unrolls_the_stack():
    # Hinton & Salakhutdinov: RBMs up to the code layer, the decoder from their
    # transposes; the linear output starts from logistic(a) ~ 1/2 + a/4.
    X, _ = digits01()
    first = RestrictedBM(n_components=16, max_iter=3, random_state=0).fit(X)
    code = RestrictedBM(n_components=4, max_iter=3, random_state=0).fit(first.transform(X))
    model = BackpropMLPRegressor(
        (16, 4, 16), activation="logistic", max_iter=1, learning_rate=1e-12, random_state=0,
        pretrain=[FrozenEstimator(first), FrozenEstimator(code)],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X)
    assert np.allclose(model.coefs_[0], first.components_.T, atol=1e-6)
    assert np.allclose(model.coefs_[1], code.components_.T, atol=1e-6)
    assert np.allclose(model.coefs_[2], code.components_, atol=1e-6)
    assert np.allclose(model.intercepts_[2], code.intercept_visible_, atol=1e-6)
    assert np.allclose(model.coefs_[3], first.components_ / 4, atol=1e-6)
    assert np.allclose(model.intercepts_[3], 0.5 + first.intercept_visible_ / 4, atol=1e-6)
    with pytest.raises(ValueError, match="holds 1 fitted RBMs for 2 hidden layers"):
        clone(model).set_params(pretrain=[FrozenEstimator(first)]).fit(X, X)


def started(model, X, y):
    """``model`` fitted for one step too small to move it: its starting weights."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", TrainingFailedWarning)
        return model.set_params(max_iter=1, learning_rate=1e-12, random_state=0).fit(X, y)


def hidden_activity(model, X):
    for W, b in zip(model.coefs_[:-1], model.intercepts_[:-1], strict=True):
        X = 1 / (1 + np.exp(-(X @ W + b)))
    return X


@pytest.mark.parametrize("scaled", [True, False])
def test_pretrain_from_a_fitted_dbm_starts_as_its_recognition_pass(scaled):
    # Unscaled digits (0..16) give the machine Gaussian visible units on
    # standardised data: the network must fold the standardisation in.
    X, y = load_digits(return_X_y=True)
    X = X / 16 if scaled else X
    one = DeepBoltzmannMachine(12, pretrain=RestrictedBM(max_iter=2), max_iter=2, random_state=0)
    one.set_params(visible="bernoulli" if scaled else "gaussian").fit(X)
    model = started(BackpropMLPClassifier(12, pretrain=FrozenEstimator(one)), X, y)
    # One hidden layer: the recognition pass is the exact posterior, mean field's answer.
    np.testing.assert_allclose(hidden_activity(model, X), one.transform(X), atol=1e-6)
    two = clone(one).set_params(hidden_layer_sizes=(12, 6)).fit(X)
    model = started(BackpropMLPClassifier((12, 6), pretrain=FrozenEstimator(two)), X, y)
    # Two: the first layer's input doubled, standing in for the input from above.
    (W1, W2), (_, b1, b2) = two.weights_, two.intercepts_
    V = X if scaled else (X - two.mean_) / two.scale_
    h1 = 1 / (1 + np.exp(-(2 * V @ W1.T + b1)))
    h2 = 1 / (1 + np.exp(-(h1 @ W2.T + b2)))
    np.testing.assert_allclose(hidden_activity(model, X), h2, atol=1e-6)


def test_pretrain_from_a_fitted_dbn_reads_its_rbms():
    X, y = digits01()
    dbn = DeepBeliefNetwork((12, 6), rbm=RestrictedBM(max_iter=2), random_state=0).fit(X)
    model = started(BackpropMLPClassifier((12, 6), pretrain=FrozenEstimator(dbn)), X, y)
    for W, rbm in zip(model.coefs_[:-1], dbn.rbms_, strict=True):
        np.testing.assert_allclose(W, rbm.components_.T, atol=1e-9)
    np.testing.assert_allclose(hidden_activity(model, X), dbn.transform(X), atol=1e-6)


@pytest.mark.parametrize("deep_model", [DeepBeliefNetwork, DeepBoltzmannMachine])
def test_an_unfitted_deep_model_is_a_template_fitted_with_the_networks_layers(deep_model):
    X, y = digits01()
    params = {"rbm": RestrictedBM(max_iter=2)} if deep_model is DeepBeliefNetwork else {
        "pretrain": RestrictedBM(max_iter=2), "max_iter": 2}  # fmt: skip
    template = deep_model(**params, random_state=1)
    model = BackpropMLPClassifier((10, 5), pretrain=template)
    assert "pretrain__hidden_layer_sizes" in model.get_params()
    started(model, X, y)
    assert not hasattr(template, "n_features_in_")  # the template itself stays unfitted
    by_hand = clone(template).set_params(hidden_layer_sizes=(10, 5)).fit(X)
    from_fitted = started(BackpropMLPClassifier((10, 5), pretrain=FrozenEstimator(by_hand)), X, y)
    for W, W_expected in zip(model.coefs_[:-1], from_fitted.coefs_[:-1], strict=True):
        np.testing.assert_array_equal(W, W_expected)


def test_an_autoencoder_unrolls_a_dbm():
    X, _ = digits01()
    dbm = DeepBoltzmannMachine((16, 4), pretrain=RestrictedBM(max_iter=2), max_iter=2)
    dbm.set_params(random_state=0).fit(X)
    model = started(BackpropMLPRegressor((16, 4, 16), pretrain=FrozenEstimator(dbm)), X, X)
    (W1, W2), (b0, b1, _) = dbm.weights_, dbm.intercepts_
    expected = [(2 * W1.T, dbm.intercepts_[1]), (W2.T, dbm.intercepts_[2]), (W2, b1),
                (W1 / 4, 0.5 + b0 / 4)]  # fmt: skip
    for (W, b), (W_expected, b_expected) in zip(
        zip(model.coefs_, model.intercepts_, strict=True), expected, strict=True
    ):
        np.testing.assert_allclose(W, W_expected, atol=1e-9)
        np.testing.assert_allclose(b, b_expected, atol=1e-9)


def test_a_deep_model_that_does_not_fit_the_network_is_refused():
    X, y = digits01()
    dbm = DeepBoltzmannMachine((12, 6), pretrain=None, max_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"layer widths \[64, 12, 6\].*need \[64, 12, 8\]"):
        BackpropMLPClassifier((12, 8), pretrain=FrozenEstimator(dbm)).fit(X, y)
    with pytest.raises(ValueError, match="'identity' layer.*Use pretrain='rbm'"):
        BackpropMLPClassifier(
            (12, 6), activation=["logistic", "identity"], pretrain=DeepBeliefNetwork()
        ).fit(X, y)


def test_a_failing_call_leaves_the_fitted_model_as_it_was():
    X, y = digits01()
    model = BackpropMLPClassifier(solver="sgd", max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    saved = [W.copy() for W in model.coefs_], model.n_iter_
    with pytest.raises(ValueError, match="Training diverged"):
        model.set_params(learning_rate=1e6).fit(X * 1e3, y)  # continues, then diverges
    assert all(np.array_equal(a, b) for a, b in zip(saved[0], model.coefs_, strict=True))
    assert model.n_iter_ == saved[1]
    with pytest.raises(ValueError, match="outside the classes"):
        model.partial_fit(X, y + 10)
    assert all(np.array_equal(a, b) for a, b in zip(saved[0], model.coefs_, strict=True))


def test_a_network_that_learns_nothing_says_so():
    # Digits in 0-16 with SGD's defaults: the first steps kill every relu unit and
    # the output biases are left predicting the class frequencies.
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(TrainingFailedWarning, match="Scale the inputs"):
            BackpropMLPClassifier(solver="sgd", max_iter=20, random_state=0).fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("error", TrainingFailedWarning)
            BackpropMLPClassifier(max_iter=20, random_state=0).fit(X / 16, y)
            # Random labels: nothing to learn, but the network fits them: no warning.
            rng = np.random.default_rng(0)
            BackpropMLPClassifier(max_iter=50, random_state=0).fit(
                rng.random((300, 20)), rng.integers(0, 3, 300)
            )
            # Strong weight decay shrinks a network towards a constant: its choice.
            BackpropMLPRegressor(alpha=10.0, max_iter=20, random_state=0).fit(X / 16, y / 9)
        with pytest.warns(TrainingFailedWarning, match="hidden layer 1"):  # the regressor too
            BackpropMLPRegressor(learning_rate=0.1, max_iter=5, random_state=0).fit(X, y / 9)


@pytest.mark.parametrize("code_units", ["bernoulli", "gaussian"])
def test_a_cross_entropy_autoencoder_starts_as_the_rbm_stacks_mean_field_pass(code_units):
    # With logistic outputs the decoder is the exact transpose of the RBMs: before
    # fine-tuning, the network computes the stack's deterministic up-down pass. A
    # linear code layer is the mean of a Gaussian-hidden RBM's code units.
    X, _ = digits01()
    first = RestrictedBM(n_components=16, max_iter=3, random_state=0).fit(X)
    code = RestrictedBM(n_components=4, hidden=code_units, max_iter=3, random_state=0)
    code.set_params(learning_rate=0.001).fit(first.transform(X))
    code_activation = "identity" if code_units == "gaussian" else "logistic"
    model = BackpropMLPRegressor(
        (16, 4, 16), activation=["logistic", code_activation, "logistic"],
        loss="cross_entropy", max_iter=1, learning_rate=1e-12, random_state=0,
        pretrain=[FrozenEstimator(first), FrozenEstimator(code)],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X)
    up_down = first.inverse_transform(code.reconstruct(first.transform(X)))
    np.testing.assert_allclose(model.predict(X), up_down, atol=1e-6)
    assert model.out_activation_ == "logistic"


def test_the_cross_entropy_loss_is_the_binary_cross_entropy_of_the_predictions():
    X, _ = digits01()
    Y = X[:, :5]
    model = BackpropMLPRegressor((8,), loss="cross_entropy", solver="lbfgs", alpha=0.0)
    model.set_params(max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, Y)
    P = model.predict(X)
    assert ((P > 0) & (P < 1)).all()
    cross_entropy = -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1).mean()
    assert model.loss_ == pytest.approx(cross_entropy, rel=1e-6)
    with pytest.raises(ValueError, match="loss='cross_entropy' takes targets in \\[0, 1\\]"):
        clone(model).fit(X, 2 * Y)


def test_activation_takes_one_name_per_hidden_layer():
    X, _ = digits01()
    model = BackpropMLPRegressor((8, 3, 8), activation=["relu", "identity"], max_iter=1)
    with pytest.raises(ValueError, match="one per hidden layer \\(3 here\\)"):
        model.fit(X, X)
    with pytest.raises(ValueError, match="one per hidden layer"):
        model.set_params(activation=["relu", "identity", "softsign"]).fit(X, X)
    # The network applies each layer's own function: an identity code layer
    # outputs its pre-activations, the others their tanh.
    model.set_params(activation=("tanh", "identity", "tanh"), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X)
    hidden = np.tanh(X @ model.coefs_[0] + model.intercepts_[0])
    code = hidden @ model.coefs_[1] + model.intercepts_[1]
    top = np.tanh(code @ model.coefs_[2] + model.intercepts_[2])
    np.testing.assert_allclose(model.predict(X), top @ model.coefs_[3] + model.intercepts_[3])


def test_an_identity_layer_is_pretrained_as_a_gaussian_hidden_rbm():
    # Hinton & Salakhutdinov's linear code layer: Gaussian hidden units with
    # Bernoulli visible ones, at a tenth of the template's rate; the decoder above
    # reads real-valued codes through Gaussian visible units.
    X, _ = digits01()
    template = RestrictedBM(max_iter=2, learning_rate=0.02, random_state=0)
    model = BackpropMLPRegressor(
        (16, 4, 16), activation=["logistic", "identity", "logistic"], loss="cross_entropy",
        max_iter=1, learning_rate=1e-12, random_state=0, pretrain=template,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X)
    first = clone(template).set_params(n_components=16).fit(X)
    code = clone(template).set_params(n_components=4, hidden="gaussian", learning_rate=0.002)
    code.fit(first.transform(X))
    np.testing.assert_allclose(model.coefs_[1], code.components_.T, atol=1e-6)
    np.testing.assert_allclose(model.intercepts_[1], code.intercept_hidden_, atol=1e-6)


def test_encode_gives_the_code_layer_and_pretraining_keeps_its_rbms():
    from skenergy import RestrictedBM

    X = (load_digits().data[:300] / 16).astype(np.float32)
    autoencoder = BackpropMLPRegressor(
        (32, 8, 32), activation=["logistic", "identity", "logistic"], loss="cross_entropy",
        pretrain=RestrictedBM(max_iter=2), max_iter=3, random_state=0,
    ).fit(X, X)  # fmt: skip
    code = autoencoder.encode(X)
    # the middle layer, by hand: logistic, then identity
    first = 1 / (1 + np.exp(-(X @ autoencoder.coefs_[0] + autoencoder.intercepts_[0])))
    expected = first @ autoencoder.coefs_[1] + autoencoder.intercepts_[1]
    assert code.shape == (300, 8) and code.dtype == np.float32
    assert np.allclose(code, expected, atol=1e-5)
    assert np.allclose(autoencoder.encode(X, layer=0), first, atol=1e-6)
    assert autoencoder.encode(X, layer=-1).shape == (300, 32)
    rbms = autoencoder.pretrained_rbms_
    assert [rbm.n_components for rbm in rbms] == [32, 8]
    assert rbms[0].components_.shape == (32, 64) and rbms[1].components_.shape == (8, 32)
    for bad in (3, -4, 1.0, True):
        with pytest.raises(ValueError, match="layer must be an integer from -3 to 2"):
            autoencoder.encode(X, layer=bad)
    plain = BackpropMLPClassifier((16,), max_iter=2, random_state=0).fit(X, np.arange(300) % 3)
    assert plain.pretrained_rbms_ is None and plain.encode(X).shape == (300, 16)

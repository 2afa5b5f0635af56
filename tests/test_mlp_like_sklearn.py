"""The backpropagation networks hold to scikit-learn's MLP behaviour, point by point.

Written from scikit-learn's documentation of ``MLPClassifier``/``MLPRegressor``
(defaults, the meaning of ``alpha``, fitted attributes, ``partial_fit``,
``warm_start`` and early-stopping semantics), with scikit-learn's estimators run
beside ours where a behaviour can be compared directly.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, load_digits, make_friedman1, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor

import skenergy.mlp
from skenergy import BackpropMLPClassifier, BackpropMLPRegressor
from skenergy.exceptions import TrainingFailedWarning
from skenergy.mlp import LOSSES, _Network


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


# ------------------------------------------------------------------ defaults


def test_defaults_are_scikit_learns():
    for ours, theirs in ((BackpropMLPClassifier(), MLPClassifier()),
                         (BackpropMLPRegressor(), MLPRegressor())):  # fmt: skip
        assert ours.solver == theirs.solver == "adam"
        assert ours._rate() == theirs.learning_rate_init == 1e-3
        assert ours.batch_size == theirs.batch_size == "auto"
        assert ours.alpha == theirs.alpha
        assert (ours.beta_1, ours.beta_2, ours.epsilon) == (
            theirs.beta_1, theirs.beta_2, theirs.epsilon,
        )  # fmt: skip
        assert ours.hidden_layer_sizes == theirs.hidden_layer_sizes
        assert (ours.max_iter, ours.tol, ours.n_iter_no_change) == (
            theirs.max_iter, theirs.tol, theirs.n_iter_no_change,
        )  # fmt: skip


@pytest.mark.parametrize("n_rows, expected_batches", [(150, 1), (450, 3)])
def test_auto_batches_hold_min_200_rows(n_rows, expected_batches):
    X, y = digits()
    model = BackpropMLPClassifier((8,), max_iter=2, random_state=0).fit(X[:n_rows], y[:n_rows])
    assert model.t_ == 2 * expected_batches


@pytest.mark.parametrize(
    "data",
    [
        lambda: make_regression(n_samples=400, n_features=20, noise=1.0, random_state=0),
        lambda: make_friedman1(n_samples=600, random_state=0),
        lambda: load_diabetes(return_X_y=True),
    ],
    ids=["make_regression", "friedman1", "diabetes"],
)
def test_default_regressors_do_as_well_as_scikit_learns_on_unscaled_targets(data):
    X, y = data()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    ours = BackpropMLPRegressor(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    theirs = MLPRegressor(random_state=0).fit(X_train, y_train).score(X_test, y_test)
    assert np.isfinite(ours) and ours >= theirs - 0.05 * abs(theirs)


# ------------------------------------------------------------- alpha's meaning


def objective(model, X, Y, alpha):
    """The mean cross-entropy plus scikit-learn's penalty ``alpha / (2 n) |W|^2``."""
    network = _Network(model.coefs_, model.intercepts_, model._activations(), 0.0, len(X), X.dtype)
    Z = network.forward(X).copy()
    loss = LOSSES["softmax"](Z, Y, np.full(len(X), 1.0 / len(X)))
    return loss + alpha / (2 * len(X)) * sum(float((W**2).sum()) for W in model.coefs_)


def test_one_sgd_step_follows_the_gradient_of_scikit_learns_penalised_loss():
    # Finite differences of the objective as scikit-learn documents it, against
    # the step the network takes (one full-batch step, no momentum).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5))
    y = rng.integers(0, 3, 40)
    Y = np.eye(3)[y]
    alpha, lr = 5.0, 1e-3
    model = BackpropMLPClassifier(
        (4,), activation="tanh", solver="sgd", momentum=0.0, learning_rate=lr, alpha=alpha,
        batch_size=40, max_iter=1, random_state=0,
    )  # fmt: skip
    start = BackpropMLPClassifier(**model.get_params()).set_params(learning_rate=1e-300)
    start.fit(X, y)  # the same initial weights, practically unmoved
    model.fit(X, y)
    step = (model.coefs_[0] - start.coefs_[0]) / -lr
    numeric = np.zeros_like(step)
    h = 1e-6
    for i in range(step.shape[0]):
        for j in range(step.shape[1]):
            for sign in (1, -1):
                start.coefs_[0][i, j] += sign * h
                numeric[i, j] += sign * objective(start, X, Y, alpha) / (2 * h)
                start.coefs_[0][i, j] -= sign * h
    np.testing.assert_allclose(step, numeric, rtol=1e-4, atol=1e-7)


def test_the_training_loss_carries_scikit_learns_penalty():
    # A network whose inputs are all zero has a loss independent of its first
    # weights: what is left of them in loss_ is exactly alpha / (2 n) |W|^2.
    X = np.zeros((50, 3))
    y = np.arange(50) % 2
    for alpha in (0.0, 10.0):
        model = BackpropMLPClassifier(
            (4,), solver="sgd", learning_rate=1e-12, alpha=alpha, batch_size=50, max_iter=1,
            random_state=0,
        ).fit(X, y)  # fmt: skip
        penalty = alpha / (2 * 50) * sum(float((W**2).sum()) for W in model.coefs_)
        if alpha == 0.0:
            data_loss = model.loss_
        else:
            np.testing.assert_allclose(model.loss_, data_loss + penalty, rtol=1e-9)


# ------------------------------------------------------------------ inputs


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_trains_and_predicts_as_dense(fmt):
    X, y = digits()
    params = {"hidden_layer_sizes": (16,), "max_iter": 3, "random_state": 0}
    dense = BackpropMLPClassifier(**params).fit(X, y)
    sparse = BackpropMLPClassifier(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    for a, b in zip(dense.coefs_, sparse.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        dense.predict_proba(X), sparse.predict_proba(sp.csr_matrix(X).asformat(fmt)), atol=1e-12
    )


def test_float32_stays_float32():
    X, y = digits()
    model = BackpropMLPClassifier((8,), max_iter=2, random_state=0).fit(X.astype(np.float32), y)
    assert all(W.dtype == np.float32 for W in model.coefs_)
    assert model.predict_proba(X.astype(np.float32)).dtype == np.float32


def test_integer_sample_weights_equal_repeated_rows():
    # One full batch, the penalty divided by the batch's total weight: weighting a
    # row by 2 is repeating it.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), np.arange(30) % 2
    weights = rng.integers(0, 3, 30)
    params = {"hidden_layer_sizes": (5,), "solver": "sgd", "batch_size": 1000, "max_iter": 5,
              "alpha": 1.0, "random_state": 0}  # fmt: skip
    weighted = BackpropMLPClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = BackpropMLPClassifier(**params).fit(np.repeat(X, weights, 0), np.repeat(y, weights))
    for a, b in zip(weighted.coefs_, repeated.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------- fitted attributes


def test_fitted_attributes_match_scikit_learns():
    X, y = digits()
    for early_stopping in (False, True):
        params = {"hidden_layer_sizes": (8, 6), "max_iter": 4, "random_state": 0,
                  "early_stopping": early_stopping}  # fmt: skip
        ours = BackpropMLPClassifier(**params).fit(X, y)
        theirs = MLPClassifier(**params).fit(X, y)
        assert ours.n_layers_ == theirs.n_layers_ == 4
        assert ours.n_outputs_ == theirs.n_outputs_ == 10
        assert ours.out_activation_ == theirs.out_activation_ == "softmax"
        assert ours.loss_ == ours.loss_curve_[-1]
        if early_stopping:
            assert ours.best_loss_ is None and theirs.best_loss_ is None
            assert ours.best_validation_score_ == max(ours.validation_scores_)
        else:
            assert ours.best_loss_ == min(ours.loss_curve_)
            assert ours.validation_scores_ is None and theirs.validation_scores_ is None
            assert ours.best_validation_score_ is None
    binary = BackpropMLPClassifier((4,), max_iter=2).fit(X, y % 2)
    assert binary.out_activation_ == "logistic" and binary.n_outputs_ == 1
    regressor = BackpropMLPRegressor((4,), max_iter=2).fit(X, X[:, :3])
    assert regressor.out_activation_ == "identity" and regressor.n_outputs_ == 3


def test_n_iter_counts_the_epochs_of_the_last_fit_warm_start_or_not():
    X, y = digits()
    model = BackpropMLPClassifier((8,), max_iter=3, warm_start=True, random_state=0)
    assert model.fit(X, y).n_iter_ == 3
    assert model.fit(X, y).n_iter_ == 3
    for _ in range(2):
        model.partial_fit(X, y)
    assert model.n_iter_ == 5  # partial_fit adds an epoch to the last fit's


def test_an_infinite_patience_never_stops_early():
    X, y = digits()
    model = BackpropMLPClassifier((8,), max_iter=30, tol=1e9, n_iter_no_change=np.inf)
    assert model.fit(X[:300], y[:300]).n_iter_ == 30
    assert BackpropMLPClassifier((8,), max_iter=30, tol=1e9).fit(X[:300], y[:300]).n_iter_ == 11


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = digits()
    BackpropMLPClassifier((8,), max_iter=3, verbose=1, random_state=0).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if "Iteration" in line]
    assert len(lines) == 3 and all("loss = " in line for line in lines)


# ------------------------------------------------------- validation split


@pytest.mark.parametrize("split", [{"early_stopping": True}, {"validation_fraction": 0.2}])
def test_multilabel_targets_take_a_validation_split(split):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0]).astype(int)
    model = BackpropMLPClassifier((16,), max_iter=20, random_state=0, **split).fit(X, Y)
    assert all(0 <= score <= 1 for score in model.validation_scores_)


def test_the_validation_split_is_stratified_for_two_classes(monkeypatch):
    seen = {}
    original = skenergy.mlp.train_test_split

    def recording(*arrays, **kwargs):
        parts = original(*arrays, **kwargs)
        seen["stratify"], seen["held_out"] = kwargs.get("stratify"), parts[3]
        return parts

    monkeypatch.setattr(skenergy.mlp, "train_test_split", recording)
    X, y = digits()
    y = (y == 0).astype(int)  # about 10% positives
    BackpropMLPClassifier((8,), max_iter=2, early_stopping=True, random_state=0).fit(X, y)
    assert seen["stratify"] is not None
    share = seen["held_out"][:, 0].mean()
    assert abs(share - y.mean()) < 0.01


def test_a_class_too_small_to_stratify_is_refused():
    X, y = digits()
    y = y.copy()
    y[0] = 10  # one row of its class
    with pytest.raises(ValueError, match="validation split"):
        BackpropMLPClassifier((8,), max_iter=2, early_stopping=True).fit(X, y)


def test_a_diverging_fit_with_a_validation_split_names_the_cause():
    X, y = digits()
    model = BackpropMLPRegressor((8,), max_iter=2, random_state=0).fit(X, y)
    before = [W.copy() for W in model.coefs_]
    model.set_params(solver="sgd", learning_rate=1e3, early_stopping=True)
    with pytest.raises(ValueError, match="Training diverged"):
        model.fit(X, y * 1e3)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.coefs_, strict=True))


# ------------------------------------------------ partial_fit and warm_start


def test_partial_fit_refuses_what_scikit_learns_refuses():
    X, y = digits()
    for model in (BackpropMLPClassifier((8,)), MLPClassifier((8,))):
        model.partial_fit(X, y, classes=np.arange(10))
        with pytest.raises(ValueError):
            model.partial_fit(X, y, classes=np.arange(11))  # other classes
        with pytest.raises(ValueError):
            model.partial_fit(X, y + 1)  # a label absent from classes
    for model in (BackpropMLPClassifier((8,), max_iter=2, early_stopping=True),
                  MLPClassifier((8,), max_iter=2, early_stopping=True)):  # fmt: skip
        model.fit(X, y)
        with pytest.raises(ValueError, match="early_stopping"):
            model.partial_fit(X, y)
    with pytest.raises(ValueError, match="early_stopping"):
        BackpropMLPRegressor(early_stopping=True).partial_fit(X, y)


def test_a_warm_start_on_other_classes_is_refused():
    X, y = digits()
    model = BackpropMLPClassifier((8,), max_iter=2, warm_start=True).fit(X, y)
    before = [W.copy() for W in model.coefs_]
    with pytest.raises(ValueError, match="warm_start"):
        model.fit(X, y % 3)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.coefs_, strict=True))
    with pytest.raises(ValueError, match="warm_start"):
        MLPClassifier((8,), max_iter=2, warm_start=True).fit(X, y).fit(X, y % 3)


def test_a_single_class_is_taken_and_always_predicted():
    # scikit-learn's MLP fits a single class (a fold may hold one) and predicts it.
    X, _ = digits()
    y = np.full(len(X), 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingFailedWarning)  # nothing to learn: no alarm
        ours = BackpropMLPClassifier((4,), max_iter=2).fit(X, y)
    theirs = MLPClassifier((4,), max_iter=2).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X[:5]), theirs.predict(X[:5]))
    np.testing.assert_array_equal(ours.predict_proba(X[:5]), np.ones((5, 1)))


def test_shuffle_false_keeps_the_rows_in_order():
    # In order, an epoch's minibatches are consecutive slices of X: the same
    # steps as partial_fit on each slice in turn.
    X, y = digits()
    X, y = X[:600], y[:600]
    params = {"hidden_layer_sizes": (8,), "solver": "sgd", "batch_size": 200,
              "shuffle": False, "random_state": 0}  # fmt: skip
    fitted = BackpropMLPClassifier(max_iter=1, **params).fit(X, y)
    streamed = BackpropMLPClassifier(**params)
    for start in range(0, 600, 200):
        streamed.partial_fit(X[start : start + 200], y[start : start + 200], classes=np.arange(10))
    np.testing.assert_allclose(fitted.coefs_[0], streamed.coefs_[0], rtol=1e-12, atol=1e-15)
    shuffled = BackpropMLPClassifier(max_iter=1, **{**params, "shuffle": True}).fit(X, y)
    assert not np.allclose(fitted.coefs_[0], shuffled.coefs_[0])


# ------------------------------------------------------------------- L-BFGS


def test_lbfgs_reaches_scikit_learns_accuracy_and_stops_at_max_fun():
    X, y = digits()
    ours = BackpropMLPClassifier((32,), solver="lbfgs", max_iter=100, random_state=0)
    theirs = MLPClassifier((32,), solver="lbfgs", max_iter=100, random_state=0)
    scores = [m.fit(X[:1200], y[:1200]).score(X[1200:], y[1200:]) for m in (ours, theirs)]
    assert scores[0] >= scores[1] - 0.02
    assert ours.n_iter_ <= 100 and len(ours.loss_curve_) == ours.n_iter_
    assert ours.loss_ == ours.loss_curve_[-1]
    assert not hasattr(ours, "partial_fit") and not hasattr(theirs, "partial_fit")
    with pytest.warns(ConvergenceWarning, match="lbfgs"):
        BackpropMLPClassifier((32,), solver="lbfgs", max_fun=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="dropout=0.5 needs a minibatch solver"):
        BackpropMLPClassifier((8,), solver="lbfgs", dropout=0.5).fit(X, y)


def test_lbfgs_minimises_scikit_learns_penalised_loss():
    # At L-BFGS's optimum the gradient of the documented objective vanishes:
    # finite differences of it, taken at the fitted weights, are near zero.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    alpha = 2.0
    model = BackpropMLPClassifier(
        (3,), activation="tanh", solver="lbfgs", alpha=alpha, tol=1e-10, max_iter=2000,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    Y = np.eye(3)[np.searchsorted(model.classes_, y)]
    h = 1e-6
    for i, j in [(0, 0), (1, 2), (2, 1)]:
        model.coefs_[0][i, j] += h
        up = objective(model, X, Y, alpha)
        model.coefs_[0][i, j] -= 2 * h
        down = objective(model, X, Y, alpha)
        model.coefs_[0][i, j] += h
        assert abs(up - down) / (2 * h) < 1e-5


# ------------------------------------------------------------ dead networks


def test_a_mostly_dead_layer_is_reported():
    # 28 of 30 relu units pushed off for good (a dead unit gets no gradient):
    # the network can still predict, badly, and must say so.
    X, y = digits()
    model = BackpropMLPClassifier((30,), max_iter=2, warm_start=True, random_state=0).fit(X, y)
    model.intercepts_[0][:28] = -1e3
    model.set_params(max_iter=1)
    with pytest.warns(TrainingFailedWarning, match="28 of 30 units of hidden layer 1"):
        model.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingFailedWarning)
        BackpropMLPClassifier((30,), max_iter=20, random_state=0).fit(X, y)


def test_a_network_stuck_at_a_constant_is_reported():
    # Logistic units saturated by huge first weights: no unit is exactly off, but
    # the loss stays at the class frequencies' entropy.
    X, y = digits()
    model = BackpropMLPClassifier(
        (8,), activation="logistic", max_iter=1, warm_start=True, random_state=0
    ).fit(X, y)
    model.coefs_[0][:] = 0.0
    model.intercepts_[0][:] = 50.0
    model.coefs_[1][:] = 0.0
    with pytest.warns(TrainingFailedWarning, match="no better than predicting the same output"):
        model.set_params(learning_rate=1e-12).fit(X, y)

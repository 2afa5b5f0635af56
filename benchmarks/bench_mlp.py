"""BackpropMLPClassifier/Regressor against scikit-learn's MLP, in one process.

Speed, for each solver (Adam, and SGD with Nesterov momentum 0.9): identical
architecture (784-256-10 relu on MNIST, 100-256-1 relu on Friedman #1),
minibatches of 128, the same learning rate and L2 penalty (``alpha`` means the
same in both libraries), float32, a fixed number of epochs (no early stop); fits
timed alternately after a warm-up, median seconds per epoch and test
accuracy/R^2 side by side.

Defaults: each library's default estimator, default against default, on
digits, diabetes and make_regression (unscaled inputs and targets, as users
pass them): test score and fit time.

Pretraining: a deeper logistic net, initialised at random or from stacked RBMs
(Hinton & Salakhutdinov 2006), fine-tuned for the same few epochs.

Autoencoder: the deep autoencoder of the same paper, at the paper's sizes
(784-1000-500-250-30, mirrored), a regressor from X to X with the paper's
cross-entropy loss and linear code layer, started from stacked RBMs (the code
layer's with Gaussian hidden units; the decoder unrolled from their transposes)
or from random weights, fine-tuned by Adam for the same epochs; the test squared
reconstruction error per image of both, against PCA with the same 30 components.

    python benchmarks/bench_mlp.py --data ../shared/data/mnist
    python benchmarks/bench_mlp.py --data ../shared/data/mnist --parts speed
    python benchmarks/bench_mlp.py --parts regression defaults   # no data needed
"""

import argparse
import time
import warnings

import numpy as np
from _machine import describe
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skenergy import BackpropMLPClassifier, BackpropMLPRegressor, RestrictedBM
from skenergy.datasets import load_mnist


def timed_fit(model, X, y):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start


#: Each solver's settings in both libraries' names: scikit-learn's, then ours.
SOLVERS = {
    "adam": (
        {"solver": "adam", "learning_rate_init": 1e-3},
        {"solver": "adam", "learning_rate": 1e-3},
    ),
    "sgd": (
        {"solver": "sgd", "learning_rate_init": 0.01, "momentum": 0.9, "nesterovs_momentum": True},
        {"solver": "sgd", "learning_rate": 0.01, "momentum": 0.9, "nesterov": True},
    ),
}


def same_settings(peer, ours, solver, epochs, alpha):
    """The peer and skenergy's network, 256 relu units, the same solver and settings."""
    shared = {
        "hidden_layer_sizes": (256,), "batch_size": 128, "max_iter": epochs, "alpha": alpha,
        "n_iter_no_change": epochs + 1, "random_state": 0,
    }  # fmt: skip
    theirs, mine = SOLVERS[solver]
    return {
        peer.__name__: lambda: peer(**theirs, **shared),
        ours.__name__: lambda: ours(**mine, **shared),
    }


def alternating_fits(makers, args, X, y, X_test, y_test, score_label, aim=""):
    """Time the models' fits alternately after a warm-up; print seconds per epoch and score."""
    times, scores = {name: [] for name in makers}, {}
    for make in makers.values():  # warm-up on a slice
        timed_fit(make().set_params(max_iter=1), X[:5000], y[:5000])
    for _ in range(args.repeats):
        for name, make in makers.items():
            model = make()
            times[name].append(timed_fit(model, X, y) / args.epochs)
            scores[name] = model.score(X_test, y_test)
    seconds = {name: float(np.median(t)) for name, t in times.items()}
    for name in makers:
        print(f"  {name:<22} {seconds[name]:6.3f} s per epoch   {score_label} {scores[name]:.4f}")
    peer, ours = makers
    print(f"  time ratio {ours} / {peer}: {seconds[ours] / seconds[peer]:.2f}x{aim}")


def speed(args, X, y, X_test, y_test):
    for solver, (_, settings) in SOLVERS.items():
        print(
            f"\nspeed ({solver}): 784-256-10 relu, batch 128, lr {settings['learning_rate']}, "
            f"float32, {args.epochs} epochs, median of {args.repeats} alternating fits"
        )
        makers = same_settings(MLPClassifier, BackpropMLPClassifier, solver, args.epochs, 1e-4)
        alternating_fits(makers, args, X, y, X_test, y_test, "test accuracy", " (aim: <= 0.7x)")


def regression(args):
    """BackpropMLPRegressor against MLPRegressor on a synthetic nonlinear problem.

    The same work: squared error halved and averaged over the batch in both.
    """
    from sklearn.datasets import make_friedman1
    from sklearn.neural_network import MLPRegressor

    X, y = make_friedman1(n_samples=70000, n_features=100, noise=0.5, random_state=0)
    X, y = X.astype(np.float32), ((y - y.mean()) / y.std()).astype(np.float32)
    X, X_test, y, y_test = X[:60000], X[60000:], y[:60000], y[60000:]
    for solver in SOLVERS:
        print(
            f"\nregression ({solver}): Friedman #1 with 100 features (95 irrelevant), 60000 "
            f"rows, 100-256-1 relu, batch 128, no penalty, float32, {args.epochs} epochs"
        )
        makers = same_settings(MLPRegressor, BackpropMLPRegressor, solver, args.epochs, 0.0)
        alternating_fits(makers, args, X, y, X_test, y_test, "test R^2", " (aim: <= 0.7x)")


def defaults(args):
    """Default against default on small tables, unscaled, as users pass them."""
    from sklearn.datasets import load_diabetes, load_digits, make_regression
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPRegressor

    problems = {
        "digits (0-16 pixels)": (
            load_digits(return_X_y=True), MLPClassifier, BackpropMLPClassifier,
        ),
        "diabetes": (load_diabetes(return_X_y=True), MLPRegressor, BackpropMLPRegressor),
        "make_regression": (
            make_regression(n_samples=1000, n_features=20, noise=1.0, random_state=0),
            MLPRegressor, BackpropMLPRegressor,
        ),
    }  # fmt: skip
    print(f"\ndefaults: each library's default estimator, median of {args.repeats} fits")
    for name, ((X, y), peer, ours) in problems.items():
        X, X_test, y, y_test = train_test_split(X, y, random_state=0)
        times, scores = {}, {}
        for estimator in (peer, ours) * args.repeats:
            model = estimator(random_state=0)
            times.setdefault(estimator.__name__, []).append(timed_fit(model, X, y))
            scores[estimator.__name__] = model.score(X_test, y_test)
        print(f"  {name}")
        for estimator in (peer, ours):
            label = estimator.__name__
            print(
                f"    {label:<22} fit {np.median(times[label]):6.2f} s   "
                f"test score {scores[label]:.4f}"
            )


def from_both_starts(estimator, sizes, args, X, y, learning_rate):
    """Fit the same net from random weights and from stacked RBMs: (label, model, seconds)."""
    rbm = RestrictedBM(max_iter=args.rbm_epochs, learning_rate=0.05, random_state=0)
    for label, pretrain in [("random initialisation", None), ("stacked RBMs", rbm)]:
        model = estimator(
            sizes, activation="logistic", solver="sgd", learning_rate=learning_rate, batch_size=100,
            max_iter=args.fine_tune_epochs, n_iter_no_change=1000, pretrain=pretrain,
            random_state=0,
        )  # fmt: skip
        yield label, model, timed_fit(model, X, y)


def pretraining(args, X, y, X_test, y_test):
    sizes, n = (500, 500), args.pretrain_rows
    print(
        f"\npretraining: 784-{'-'.join(map(str, sizes))}-10 logistic, {n} training rows, "
        f"{args.fine_tune_epochs} epochs of backprop (lr 0.1, batch 100)"
    )
    fits = from_both_starts(BackpropMLPClassifier, sizes, args, X[:n], y[:n], 0.1)
    for label, model, seconds in fits:
        print(
            f"  {label:<22} test accuracy {model.score(X_test, y_test):.4f} "
            f"(fit {seconds:.0f} s, pretraining included)"
        )


def autoencoder(args, X, X_test):
    from sklearn.decomposition import PCA

    sizes, n, code = (1000, 500, 250, 30, 250, 500, 1000), args.autoencoder_rows, 3
    activation = ["identity" if layer == code else "logistic" for layer in range(len(sizes))]
    print(
        f"\nautoencoder: 784-{'-'.join(map(str, sizes))}-784 (linear code), {n} rows, X -> X, "
        f"cross-entropy, Adam 1e-3, batch 100, {args.autoencoder_epochs} epochs; "
        f"RBMs CD-1 lr 0.05 (code layer 0.005), {args.autoencoder_rbm_epochs} epochs each"
    )
    pca = PCA(30, random_state=0).fit(X[:n])
    error = squared_error(pca.inverse_transform(pca.transform(X_test)), X_test)
    print(f"  {'PCA, 30 components':<22} test squared reconstruction error {error:.2f} per image")
    rbm = RestrictedBM(
        method="cd", learning_rate=0.05, max_iter=args.autoencoder_rbm_epochs, random_state=0
    )
    for label, pretrain in [("random initialisation", None), ("stacked RBMs", rbm)]:
        model = BackpropMLPRegressor(
            sizes, activation=activation, loss="cross_entropy", batch_size=100,
            learning_rate=1e-3, max_iter=args.autoencoder_epochs, n_iter_no_change=10**6,
            pretrain=pretrain, random_state=0,
        )  # fmt: skip
        seconds = timed_fit(model, X[:n], X[:n])
        print(
            f"  {label:<22} test squared reconstruction error "
            f"{squared_error(model.predict(X_test), X_test):.2f} per image (fit {seconds:.0f} s)"
        )


def squared_error(reconstruction, X):
    return float(((reconstruction - X) ** 2).sum(axis=1).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", help="MNIST IDX folder (not needed for --parts regression)")
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["defaults", "speed", "regression", "pretraining", "autoencoder"],
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pretrain-rows", type=int, default=10000)
    parser.add_argument("--rbm-epochs", type=int, default=5)
    parser.add_argument("--fine-tune-epochs", type=int, default=5)
    parser.add_argument("--autoencoder-rows", type=int, default=60000)
    parser.add_argument("--autoencoder-epochs", type=int, default=30)
    parser.add_argument("--autoencoder-rbm-epochs", type=int, default=10)
    args = parser.parse_args()
    print(describe())
    if "defaults" in args.parts:
        defaults(args)
    if "regression" in args.parts:
        regression(args)
    if not set(args.parts) - {"regression", "defaults"}:
        return
    if args.data is None:
        parser.error("--data is required for the MNIST parts")
    X, y = load_mnist(args.data)
    X_test, y_test = load_mnist(args.data, subset="test")
    X, X_test = X.astype(np.float32), X_test.astype(np.float32)
    if "speed" in args.parts:
        speed(args, X, y, X_test, y_test)
    if "pretraining" in args.parts:
        pretraining(args, X, y, X_test, y_test)
    if "autoencoder" in args.parts:
        autoencoder(args, X, X_test)


if __name__ == "__main__":
    main()

"""The defaults on small and large data: RestrictedBM() against scikit-learn's
BernoulliRBM(), on scikit-learn's digits and on MNIST, side by side.

RestrictedBM's ``batch_size="auto"`` and ``max_iter="auto"`` adapt the schedule to
the rows (a hundredth of them per minibatch, between 10 and 100; epochs for about
10,000 updates, between 20 and 100). The schedule they replaced, 20 epochs of 100
rows, is run beside them: on MNIST the two are the same settings, on digits it
is 144 updates in all. Every model has 256 hidden units (both libraries' default).

For each model, default settings except the seed:

- the fit's seconds (binarised data);
- the held-out log-likelihood of the data binarised at 0.5, in nats, with log Z by
  forward and reverse AIS (skenergy's code for all models, BernoulliRBM's
  parameters copied into a RestrictedBM), printed as the bracket
  ``reverse .. forward``;
- the accuracy of a logistic regression (C=10) on the hidden probabilities of a
  model fitted to the grey levels scaled to [0, 1], against the raw pixels.

Digits: 1,437 training rows and 360 held out (stratified, seed 0). MNIST: the
60,000 training rows for the RBMs; the classifiers train on the first 20,000 of
them and are tested on the 10,000 test rows (the log-likelihood on the first 2,000).

    python benchmarks/bench_defaults.py                          # digits only
    python benchmarks/bench_defaults.py --mnist ../shared/data/mnist
"""

import argparse
import time
import warnings

import numpy as np
from _machine import describe
from bench_rbm import as_restricted_bm
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM

from skenergy import RestrictedBM
from skenergy.datasets import load_mnist

MODELS = {
    "RestrictedBM()": lambda: RestrictedBM(random_state=0),
    "RestrictedBM(batch_size=100, max_iter=20)": lambda: RestrictedBM(
        batch_size=100, max_iter=20, random_state=0
    ),
    "BernoulliRBM()": lambda: BernoulliRBM(random_state=0),
}


def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16, y, test_size=0.2, random_state=0, stratify=y
    )
    return X_train, y_train, X_test, y_test, X_train, y_train, X_test


def mnist(directory):
    X, y = load_mnist(directory)
    X_test, y_test = load_mnist(directory, subset="test")
    return X, y, X_test, y_test, X[:20_000], y[:20_000], X_test[:2000]


def held_out_log_likelihood(model, X_train, X_test, n_betas, n_runs):
    """``(reverse, forward)``: the bracket of the mean log-likelihood of X_test."""
    if isinstance(model, BernoulliRBM):
        model = as_restricted_bm(model, X_train)
    model.set_params(n_betas=n_betas, n_runs=n_runs)
    forward, reverse = model.log_partition_bounds()
    minus_free = float(np.mean(-model.free_energy(X_test)))
    return minus_free - reverse.log_z, minus_free - forward.log_z


def accuracy(features, X, y, X_test, y_test):
    classifier = LogisticRegression(C=10, max_iter=3000)
    if features is None:
        return classifier.fit(X, y).score(X_test, y_test)
    return classifier.fit(features.transform(X), y).score(features.transform(X_test), y_test)


def run(name, data, args):
    X, y, X_test, y_test, X_clf, y_clf, X_ll = data
    binary, binary_test = (X > 0.5).astype(np.float32), (X_ll > 0.5).astype(np.float32)
    print(f"\n{name}: {X.shape[0]} training rows, {X.shape[1]} pixels", flush=True)
    print(f"  raw pixels: accuracy {accuracy(None, X_clf, y_clf, X_test, y_test):.3f}")
    columns = f"{'fit s':>7s} {'log-likelihood (reverse .. forward)':>36s} {'accuracy':>9s}"
    print(f"  {'model':54s} {columns}")
    for label, make in MODELS.items():
        start = time.perf_counter()
        model = make().fit(binary)
        seconds = time.perf_counter() - start
        schedule = f" ({model.n_iter_} epochs)" if hasattr(model, "n_iter_") else ""
        low, high = held_out_log_likelihood(model, binary, binary_test, args.n_betas, args.n_runs)
        features = make().fit(X)
        score = accuracy(features, X_clf, y_clf, X_test, y_test)
        bracket = f"{low:17.2f} .. {high:7.2f}{'':8s}"
        print(f"  {label + schedule:54s} {seconds:7.1f} {bracket} {score:9.3f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist", help="directory of the MNIST IDX files")
    parser.add_argument("--n-betas", type=int, default=5000)
    parser.add_argument("--n-runs", type=int, default=100)
    args = parser.parse_args()
    print(describe())
    warnings.simplefilter("ignore")  # AIS and convergence warnings of the peers' settings
    run("digits", digits(), args)
    if args.mnist:
        run("MNIST", mnist(args.mnist), args)


if __name__ == "__main__":
    main()

"""BoltzmannMachine's Gibbs sampler against a plain NumPy per-unit loop, and learning times.

Sampling: sweeps per second of many chains over a fully connected machine, for
skenergy's ``GibbsChains`` (blocked sweeps: one product per block of units, then
corrections only where units flipped) against the textbook NumPy loop that
visits one unit at a time and computes its field from all units for all chains.
Both run the same chains from the same states, alternating after a warm-up, and
the benchmark checks that they sample the same distribution (unit means).

Learning: wall time and result (KL divergence from the data, by enumeration) for
the problems of the test suite: bars-and-stripes on a 3x3 grid and the 4-2-4
encoder of Ackley, Hinton & Sejnowski (1985), and the classifier on binarised
digits against Bernoulli naive Bayes and logistic regression.

    python benchmarks/bench_boltzmann.py
    python benchmarks/bench_boltzmann.py --parts sampling --n-units 50 200
"""

import argparse
import time

import numpy as np
from _machine import describe
from scipy.special import expit
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import BernoulliNB

from skenergy import BoltzmannClassifier, BoltzmannMachine
from skenergy._dynamics import GibbsChains
from skenergy.datasets import make_bars_and_stripes


def numpy_gibbs(S, W, b, n_sweeps, rng):
    """Textbook Gibbs sampling: one unit at a time, its field from all units."""
    S = S.copy()
    for _ in range(n_sweeps):
        for i in rng.permutation(S.shape[1]):
            p = expit(S @ W[:, i] + b[i])
            S[:, i] = rng.random(S.shape[0]) < p
    return S


def skenergy_gibbs(S, W, b, n_sweeps, rng):
    chains = GibbsChains(S, W, b, rng)
    for _ in range(n_sweeps):
        chains.sweep(1.0)
    return chains.states.copy()


def sampling(args):
    print(
        f"\nsampling: {args.n_chains} chains, fully connected random machine "
        f"(couplings N(0, 1/n)), {args.sweeps} sweeps, median of {args.repeats} "
        "alternating runs"
    )
    for n_units in args.n_units:
        rng = np.random.default_rng(0)
        W = rng.standard_normal((n_units, n_units)) / np.sqrt(n_units)
        W = (W + W.T) / 2
        np.fill_diagonal(W, 0)
        b = 0.1 * rng.standard_normal(n_units)
        S = (rng.random((args.n_chains, n_units)) < 0.5).astype(float)
        runs = {"NumPy per-unit loop": numpy_gibbs, "GibbsChains": skenergy_gibbs}
        times = {name: [] for name in runs}
        means = {}
        for name, fn in runs.items():  # warm-up
            means[name] = fn(S, W, b, args.sweeps, np.random.default_rng(1)).mean(axis=0)
        for _ in range(args.repeats):
            for name, fn in runs.items():
                start = time.perf_counter()
                fn(S, W, b, args.sweeps, np.random.default_rng(1))
                times[name].append(time.perf_counter() - start)
        medians = {name: float(np.median(t)) for name, t in times.items()}
        gap = np.abs(means["NumPy per-unit loop"] - means["GibbsChains"]).max()
        print(f"  {n_units} units:")
        for name, seconds in medians.items():
            print(f"    {name:<20} {args.sweeps / seconds:9.1f} sweeps per second")
        ratio = medians["NumPy per-unit loop"] / medians["GibbsChains"]
        print(f"    speed-up {ratio:.1f}x; largest difference of unit means {gap:.3f}")


def kl_from_data(machine, X):
    """KL(data || model) for data spread uniformly over its distinct rows."""
    n_patterns = len(np.unique(X, axis=0))
    return -np.log(n_patterns) - machine.score(np.unique(X, axis=0))


def learning(args):
    print("\nlearning (default settings unless stated)")
    X = make_bars_and_stripes(3)
    p = X.mean(axis=0)
    independent = -np.log(14) - np.mean((X * np.log(p) + (1 - X) * np.log(1 - p)).sum(axis=1))
    for label, params in [
        ("bars-and-stripes 3x3, defaults (PCD, 8 hidden)", {}),
        ("bars-and-stripes 3x3, 4 hidden (exact learning)", {"n_components": 4}),
        ("bars-and-stripes 3x3, fully visible", {"n_components": 0}),
    ]:
        start = time.perf_counter()
        machine = BoltzmannMachine(random_state=0, **params).fit(X)
        seconds = time.perf_counter() - start
        print(
            f"  {label:<50} KL {kl_from_data(machine, X):.3f} nats "
            f"(independent units: {independent:.3f}), {seconds:.1f} s"
        )
    eye = np.eye(4)
    X = np.hstack([eye, eye])
    groups = np.repeat([0, 1, 2], [4, 4, 2])
    topology = (groups[:, None] == groups[None, :]) | (groups[:, None] == 2) | (groups == 2)
    solved = []
    start = time.perf_counter()
    for seed in range(args.seeds):
        machine = BoltzmannMachine(
            n_components=2, connections=topology, learning_rate=0.5, max_iter=1000,
            random_state=seed,
        ).fit(np.repeat(X, 5, axis=0))  # fmt: skip
        completed = machine.complete(np.hstack([eye, np.full((4, 4), np.nan)]), random_state=0)
        solved.append(np.array_equal(completed, X))
    seconds = (time.perf_counter() - start) / args.seeds
    print(
        f"  {'4-2-4 encoder (1985 topology, 1000 epochs)':<50} completed V2 from V1 in "
        f"{sum(solved)} of {args.seeds} seeds, {seconds:.1f} s each"
    )
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X > 7, y, random_state=0)
    start = time.perf_counter()
    clf = BoltzmannClassifier(connections="semi-restricted", max_iter=10, random_state=0)
    accuracy = clf.fit(X_train, y_train).score(X_test, y_test)
    seconds = time.perf_counter() - start
    naive = BernoulliNB().fit(X_train, y_train).score(X_test, y_test)
    logistic = LogisticRegression(max_iter=2000).fit(X_train, y_train).score(X_test, y_test)
    print(
        f"  {'classifier, binarised digits (semi-restricted)':<50} accuracy {accuracy:.3f} "
        f"(BernoulliNB {naive:.3f}, logistic regression {logistic:.3f}), {seconds:.1f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parts", nargs="+", default=["sampling", "learning"])
    parser.add_argument("--n-units", nargs="+", type=int, default=[20, 100, 400])
    parser.add_argument("--n-chains", type=int, default=1000)
    parser.add_argument("--sweeps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print(describe())
    if "sampling" in args.parts:
        sampling(args)
    if "learning" in args.parts:
        learning(args)


if __name__ == "__main__":
    main()

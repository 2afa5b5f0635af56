"""Small fits, as GridSearchCV runs them by the hundred: RestrictedBM against BernoulliRBM
on scikit-learn's digits (1797 x 64), idle and with another process busy on a core.

Fit times: each model at equal settings (PCD-1, no momentum, no weight decay, a
constant learning rate, batch 100, 256 hidden units, 20 epochs) and with its own
defaults, timed alternately after a warm-up, with BLAS free to use every core (what
a user gets) and limited to one thread. "busy" runs the same fits while a second
process spins on a core, as ``GridSearchCV(n_jobs=2)`` does on two cores. The
figures show what the one-thread rule for small products (``skenergy._blas``)
buys: with two BLAS threads on a busy machine, every product waits for a core.

Fixed costs: the time of a fit that does not scale with its epochs (validation, the
domain check, initialisation, the learning curves' set-up), read off fits of 1 and
11 epochs, and where a profiled fit spends its time outside the minibatch steps.

    python benchmarks/bench_small_fits.py
    python benchmarks/bench_small_fits.py --parts fixed
"""

import argparse
import cProfile
import multiprocessing
import pstats
import time
import warnings
from contextlib import contextmanager, nullcontext
from functools import partial

import numpy as np
from _machine import describe
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM
from threadpoolctl import threadpool_limits

from skenergy import RestrictedBM


def equal_settings(n_epochs):
    """``(name, maker)`` pairs: each model at BernoulliRBM's settings, then its defaults."""
    shared = {"n_components": 256, "batch_size": 100, "random_state": 0}
    return [
        ("BernoulliRBM", lambda: BernoulliRBM(learning_rate=0.1, n_iter=n_epochs, **shared)),
        (
            "RestrictedBM",
            lambda: RestrictedBM(
                learning_rate=0.1,
                max_iter=n_epochs,
                momentum=0.0,
                alpha=0.0,
                learning_rate_schedule="constant",
                **shared,
            ),
        ),  # fmt: skip
        ("BernoulliRBM()", lambda: BernoulliRBM(random_state=0)),
        ("RestrictedBM()", lambda: RestrictedBM(random_state=0)),
    ]


def _spin():
    while True:
        pass


@contextmanager
def busy_core():
    """Another process keeping one core busy for the duration."""
    process = multiprocessing.Process(target=_spin, daemon=True)
    process.start()
    time.sleep(0.2)
    try:
        yield
    finally:
        process.terminate()
        process.join()


def fit_seconds(make, X):
    model = make()
    start = time.perf_counter()
    model.fit(X)
    return time.perf_counter() - start


def fit_times(X, repeats, n_epochs):
    print(
        f"\nfit times: digits {X.shape[0]} x {X.shape[1]}, {n_epochs} epochs at equal "
        f"settings, median of {repeats} alternating fits after a warm-up (seconds)"
    )
    makers = equal_settings(n_epochs)
    print(f"  {'':<13} {'BLAS threads':<13}" + "".join(f"{name:>16}" for name, _ in makers))
    for load in ("idle", "busy"):
        for threads in ("all", "1"):
            limit = nullcontext() if threads == "all" else threadpool_limits(1, "blas")
            with busy_core() if load == "busy" else nullcontext(), limit:
                for _, make in makers:  # warm-up
                    fit_seconds(make, X)
                runs = {name: [] for name, _ in makers}
                for _ in range(repeats):
                    for name, make in makers:
                        runs[name].append(fit_seconds(make, X))
            medians = [np.median(runs[name]) for name, _ in makers]
            print(f"  {load:<13} {threads:<13}" + "".join(f"{m:16.3f}" for m in medians))
            peer, ours = medians[0], medians[1]
            print(f"  {'':<27}RestrictedBM / BernoulliRBM at equal settings: {ours / peer:.2f}")


def fixed_costs(X, repeats):
    print("\nfixed costs per fit (seconds): a fit of 1 epoch minus one epoch's share")
    for name, make_model in [
        ("BernoulliRBM", lambda n: BernoulliRBM(256, learning_rate=0.1, batch_size=100,
                                                n_iter=n, random_state=0)),
        ("RestrictedBM", lambda n: RestrictedBM(256, learning_rate=0.1, batch_size=100,
                                                max_iter=n, momentum=0.0, alpha=0.0,
                                                random_state=0)),
    ]:  # fmt: skip
        one, eleven = [], []
        fit_seconds(partial(make_model, 1), X)  # warm-up
        for _ in range(repeats):
            one.append(fit_seconds(partial(make_model, 1), X))
            eleven.append(fit_seconds(partial(make_model, 11), X))
        epoch = (np.median(eleven) - np.median(one)) / 10
        fixed = np.median(one) - epoch
        print(f"  {name:<13} per epoch {epoch:.4f}, fixed {fixed:.4f} ({fixed / epoch:.1f} epochs)")

    profile = cProfile.Profile()
    model = RestrictedBM(256, learning_rate=0.1, batch_size=100, max_iter=20, random_state=0)
    profile.runcall(model.fit, X)
    stats = pstats.Stats(profile).stats
    total = max(entry[3] for entry in stats.values())

    def cumulative(function, filename=""):
        return sum(
            entry[3]
            for (path, _, name), entry in stats.items()
            if name == function and filename in path
        )

    parts = {
        "minibatch steps": cumulative("update", "_rbm_step"),
        "learning curves": cumulative("record", "rbm"),
        "input validation": cumulative("validate_data"),
        "domain check": cumulative("check_unit_interval"),
        "initialisation": cumulative("_initialise", "rbm"),
    }
    print(f"  where a profiled RestrictedBM fit of 20 epochs spends {total:.3f} s:")
    for part, seconds in parts.items():
        print(f"    {part:<18} {seconds:.4f} s ({100 * seconds / total:4.1f}%)")
    rest = total - sum(parts.values())
    print(f"    {'the rest':<18} {rest:.4f} s ({100 * rest / total:4.1f}%)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["times", "fixed"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    print(describe())
    X = load_digits().data / 16
    warnings.simplefilter("ignore")
    if "times" in args.parts:
        fit_times(X, args.repeats, args.epochs)
    if "fixed" in args.parts:
        fixed_costs(X, args.repeats)


if __name__ == "__main__":
    main()

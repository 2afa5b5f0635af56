"""RestrictedBM against scikit-learn's BernoulliRBM on binarised MNIST, in one process.

Speed: the same work (PCD-1, no momentum, no weight decay, constant learning rate,
as many persistent chains as rows per minibatch; and skenergy's CD-1 at the same
settings, which BernoulliRBM does not offer; and skenergy's defaults, with momentum
and weight decay, for reference) timed alternately after a warm-up;
the script prints the median seconds per epoch of each (a fit of ``--speed-epochs``
epochs, fixed costs included, divided by the epochs), their ratio, and the time of
the matrix products alone (the GEMM bound of one epoch).

Quality: the test-set log-likelihood of both models, with log Z estimated by the
same AIS code (skenergy's) for both, and the spread of log Z over independent AIS
runs. scikit-learn is trained with the settings quoted in the issue (5 epochs,
learning rate 0.01, batch 20); skenergy with its defaults.

Features: logistic regression on the hidden probabilities of each RBM (grey-level
MNIST scaled to [0, 1]) against logistic regression on the raw pixels.

    python benchmarks/bench_rbm.py --data ../shared/data/mnist            # all
    python benchmarks/bench_rbm.py --data ../shared/data/mnist --speed-only
    python benchmarks/bench_rbm.py --data ../shared/data/mnist --parts features
"""

import argparse
import time
import warnings
from functools import partial

import numpy as np
from _machine import describe
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline

from skenergy import RestrictedBM
from skenergy.datasets import load_mnist
from skenergy.exceptions import AISWarning


def binarised_mnist(directory):
    X, _ = load_mnist(directory)
    X_test, _ = load_mnist(directory, subset="test")
    return (X > 0.5).astype(np.float32), (X_test > 0.5).astype(np.float32)


def gemm_epoch(X, n_hidden, batch_size):
    """The five matrix products of one PCD-1 epoch, alone (BernoulliRBM's layout)."""
    rng = np.random.default_rng(0)
    W = (0.01 * rng.standard_normal((n_hidden, X.shape[1]))).astype(np.float32)
    h = (rng.random((batch_size, n_hidden)) < 0.5).astype(np.float32)
    start = time.perf_counter()
    for lo in range(0, X.shape[0], batch_size):
        v = X[lo : lo + batch_size]
        h_pos = v @ W.T
        v_neg = h @ W
        h_neg = v_neg @ W.T
        h_pos.T @ v
        h_neg.T @ v_neg
    return time.perf_counter() - start


def median_epoch_seconds(X, n_hidden, batch_size, epochs, repeats):
    shared = {"n_components": n_hidden, "batch_size": batch_size, "random_state": 0}
    # BernoulliRBM's settings: no momentum, no weight decay, a constant learning rate.
    equal = {
        "learning_rate": 0.01, "max_iter": epochs, "momentum": 0.0, "alpha": 0.0,
        "learning_rate_schedule": "constant", **shared,
    }  # fmt: skip
    models = {
        "BernoulliRBM": lambda: BernoulliRBM(learning_rate=0.01, n_iter=epochs, **shared),
        "RestrictedBM": lambda: RestrictedBM(method="pcd", **equal),
        "RestrictedBM CD-1": lambda: RestrictedBM(method="cd", **equal),
        # What users run: momentum 0.9 after a warm-up, weight cost 1e-4.
        "RestrictedBM defaults": lambda: RestrictedBM(max_iter=epochs, **shared),
    }

    def seconds_per_epoch(make):
        model = make()
        start = time.perf_counter()
        model.fit(X)
        return (time.perf_counter() - start) / epochs

    functions = {name: partial(seconds_per_epoch, make) for name, make in models.items()}
    functions["GEMM alone"] = partial(gemm_epoch, X, n_hidden, batch_size)
    runs = {name: [] for name in functions}
    for fn in functions.values():  # warm-up
        fn()
    for _ in range(repeats):
        for name, fn in functions.items():
            runs[name].append(fn())
    return {name: float(np.median(times)) for name, times in runs.items()}


def as_restricted_bm(peer, X):
    """A RestrictedBM holding a BernoulliRBM's parameters, to score it the same way."""
    model = RestrictedBM(n_components=peer.n_components, max_iter=0, random_state=0).fit(X)
    model.components_ = peer.components_.astype(np.float32)
    model.intercept_hidden_ = peer.intercept_hidden_.astype(np.float32)
    model.intercept_visible_ = peer.intercept_visible_.astype(np.float32)
    model.h_samples_ = peer.h_samples_.astype(np.float32)  # its persistent chains
    return model


def reconstruction_error(model, X):
    """Mean squared error per row of a mean-field up-down pass."""
    return float(((model.reconstruct(X) - X) ** 2).sum(axis=1).mean())


def log_z_estimates(model, n_betas, n_runs, seeds):
    """Forward AIS estimates of log Z, one per independent AIS seed."""
    model.set_params(n_betas=n_betas, n_runs=n_runs)
    estimates = []
    for seed in seeds:
        model._ais_seed = seed
        model._log_partition_cache = {}
        estimates.append(model.log_partition())
    return estimates


def speed(args, X):
    print(f"\nspeed: PCD-1, {args.n_components} hidden units, batch {args.batch_size}, "
          f"median of {args.repeats} alternating runs after a warm-up")  # fmt: skip
    seconds = median_epoch_seconds(
        X, args.n_components, args.batch_size, args.speed_epochs, args.repeats
    )
    for name, value in seconds.items():
        print(f"  {name:<21} {value:6.2f} s per epoch")
    peer, gemm = seconds["BernoulliRBM"], seconds["GEMM alone"]
    pcd, cd = seconds["RestrictedBM"], seconds["RestrictedBM CD-1"]
    print(
        f"  speed-up over BernoulliRBM: {peer / pcd:.2f}x (PCD-1), {peer / cd:.2f}x (CD-1); "
        f"RestrictedBM / GEMM bound: {pcd / gemm:.2f}x (PCD-1), {cd / gemm:.2f}x (CD-1)"
    )


def quality(args, X, X_test):
    print("\nquality: test log-likelihood in nats, log Z by AIS "
          f"({args.n_betas} betas, {args.n_runs} runs, {args.ais_seeds} seeds)")  # fmt: skip
    start = time.perf_counter()
    peer = BernoulliRBM(
        n_components=args.n_components, learning_rate=0.01, batch_size=20, n_iter=5,
        random_state=0,
    ).fit(X)  # fmt: skip
    peer_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ours = RestrictedBM(n_components=args.n_components, max_iter=args.max_iter, random_state=0)
    ours.fit(X)
    our_seconds = time.perf_counter() - start
    seeds = range(args.ais_seeds)
    for name, model, seconds_fit, settings in [
        ("BernoulliRBM", as_restricted_bm(peer, X), peer_seconds, "5 epochs, lr 0.01, batch 20"),
        ("RestrictedBM", ours, our_seconds, f"defaults, {args.max_iter} epochs"),
    ]:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AISWarning)  # reported below instead
            estimates = log_z_estimates(model, args.n_betas, args.n_runs, seeds)
        ais_seconds = (time.perf_counter() - start) / len(seeds)
        free = -model.free_energy(X_test).mean()
        log_z = np.array([e.log_z for e in estimates])
        stds = [round(e.std, 2) for e in estimates]
        effective = [round(e.effective_runs, 1) for e in estimates]
        ll = free - log_z.mean()
        print(f"  {name:<13} {ll:8.2f} nats  (log Z {np.round(log_z, 2).tolist()}, "
              f"spread {np.ptp(log_z):.2f}, std {stds}, effective "
              f"runs {effective} of {args.n_runs}; {settings}: fit {seconds_fit:.0f} s, "
              f"AIS {ais_seconds:.0f} s each)")  # fmt: skip
        print(f"  {'':<13} pseudo-log-likelihood {model.pseudo_log_likelihood(X_test).mean():.2f}"
              f", reconstruction error {reconstruction_error(model, X_test):.2f}")  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AISWarning)
            forward, reverse = model.log_partition_bounds(n_steps=args.reverse_steps)
        print(f"  {'':<13} bracket: forward AIS {free - forward.log_z:.2f} >= log-likelihood >= "
              f"reverse AIS {free - reverse.log_z:.2f} (reverse from the persistent chains "
              f"after {args.reverse_steps} Gibbs steps; effective runs "
              f"{reverse.effective_runs:.1f})")  # fmt: skip


def features(args):
    X, y = load_mnist(args.data)
    X_test, y_test = load_mnist(args.data, subset="test")
    print("\nfeatures: test accuracy of logistic regression, grey-level MNIST in [0, 1]")
    candidates = {
        "raw pixels": LogisticRegression(max_iter=1000),
        "BernoulliRBM features": make_pipeline(
            BernoulliRBM(n_components=args.n_components, learning_rate=0.01, batch_size=20,
                         n_iter=5, random_state=0),
            LogisticRegression(max_iter=1000),
        ),
        "RestrictedBM features": make_pipeline(
            RestrictedBM(n_components=args.n_components, max_iter=args.max_iter,
                         random_state=0),
            LogisticRegression(max_iter=1000),
        ),
        "centred RestrictedBM": make_pipeline(
            RestrictedBM(n_components=args.n_components, max_iter=args.max_iter,
                         centered=True, random_state=0),
            LogisticRegression(max_iter=1000),
        ),
    }  # fmt: skip
    for name, model in candidates.items():
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
        print(f"  {name:<22} {model.score(X_test, y_test):.4f}  (fit {seconds:.0f} s)")


def streaming(args, X, X_test):
    """partial_fit over chunks of a memory-mapped copy of MNIST against fit in memory."""
    import os
    import tempfile
    import tracemalloc

    chunk = args.chunk_size
    # Momentum warms up over "epochs", and partial_fit counts each chunk as one:
    # a constant momentum keeps the two runs to the same updates.
    params = {"n_components": args.n_components, "momentum": 0.5, "random_state": 0}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "mnist.npy")
        np.save(path, X)
        mapped = np.load(path, mmap_mode="r")
        streamed = RestrictedBM(**params)
        tracemalloc.start()
        start = time.perf_counter()
        for _ in range(args.stream_passes):
            for lo in range(0, len(mapped), chunk):
                streamed.partial_fit(np.asarray(mapped[lo : lo + chunk]))
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del mapped
    start = time.perf_counter()
    in_memory = RestrictedBM(max_iter=args.stream_passes, learning_rate_schedule="constant",
                             **params).fit(X)  # fmt: skip
    fit_seconds = time.perf_counter() - start
    print(
        f"\nstreaming: {args.stream_passes} passes over a memory-mapped MNIST "
        f"({X.nbytes / 2**20:.0f} MB) in chunks of {chunk} rows "
        f"({chunk * 784 * 4 / 2**20:.0f} MB), momentum 0.5, constant learning rate"
    )
    for label, model, secs, memory in [
        ("partial_fit from the memmap", streamed, seconds, f"peak {peak / 2**20:.0f} MB traced"),
        ("fit in memory (constant lr)", in_memory, fit_seconds, "data held in memory"),
    ]:
        pl = model.pseudo_log_likelihood(X_test[:2000]).mean()
        print(f"  {label:<30} {secs:6.1f} s, {memory}; test pseudo-log-likelihood {pl:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/mnist")
    parser.add_argument("--n-components", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--speed-epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=20, help="skenergy's training epochs")
    parser.add_argument("--n-betas", type=int, default=20000)
    parser.add_argument("--n-runs", type=int, default=100)
    parser.add_argument("--ais-seeds", type=int, default=2)
    parser.add_argument("--reverse-steps", type=int, default=1000)
    parser.add_argument("--chunk-size", type=int, default=10000)
    parser.add_argument("--stream-passes", type=int, default=3)
    parser.add_argument(
        "--parts", nargs="+", default=["speed", "quality", "features"],
        choices=["speed", "quality", "features", "streaming"],
    )  # fmt: skip
    parser.add_argument("--speed-only", action="store_true", help="same as --parts speed")
    args = parser.parse_args()
    print(describe())
    parts = ["speed"] if args.speed_only else args.parts

    X, X_test = binarised_mnist(args.data)
    print(f"binarised MNIST: {X.shape[0]} training, {X_test.shape[0]} test rows, float32")
    if "speed" in parts:
        speed(args, X)
    if "quality" in parts:
        quality(args, X, X_test)
    if "features" in parts:
        features(args)
    if "streaming" in parts:
        streaming(args, X, X_test)


if __name__ == "__main__":
    main()

"""Time to quality: RBMs' test log-likelihood on binarised MNIST against training seconds.

Each training method gets a fresh fit per epoch budget (``--epochs``; the learning
rate decays to zero over the budget, as it does for users), 500 hidden units, on
the 60000 training digits, scored on the 10000 test digits: ``-F(v) - log Z`` with
log Z bracketed by forward AIS (an estimate that errs low, so the likelihood errs
high) and reverse AIS from the model's own chains (errs the other way). Methods:
scikit-learn's ``BernoulliRBM`` (PCD-1, minibatches of 100 as ours, learning rate
0.05 as it has no momentum; scored by the same AIS), and ``RestrictedBM`` with CD-1, PCD-1
(the defaults), parallel tempering (``method="pt"``), centred PCD-1
(``centered=True``) and centred parallel tempering.

It prints a table, draws log-likelihood against seconds (``--figure``), tiles
samples of each method's longest fit (``--samples``; 1000 Gibbs steps from the
base rates, ``E[v | h]`` shown), and measures mixing: how many digit classes (by
a logistic regression on the raw pixels) one chain visits in ``--mixing-steps``
sweeps of plain Gibbs sampling and of parallel tempering, on the longest PCD fit.

    python bench_likelihood.py --data ../../shared/data/mnist
    python bench_likelihood.py --data ../../shared/data/mnist --binarisation sampled
"""

import argparse
import time
import warnings

import numpy as np
from _machine import describe
from _mnist import BINARISATIONS, binarised, run_each, save_image
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import BernoulliRBM

from skenergy import RestrictedBM
from skenergy._tempering import LayeredPath, TemperedChains, default_ladder
from skenergy.exceptions import AISWarning


def methods(args):
    shared = {"n_components": args.n_components, "n_betas": args.n_betas, "random_state": 0}
    pt = {"method": "pt", "n_temperatures": args.temperatures}
    return {
        "BernoulliRBM": None,
        "CD-1": {"method": "cd", **shared},
        "PCD-1": shared,
        "PT": {**pt, **shared},
        "centred PCD-1": {"centered": True, **shared},
        "centred PT": {"centered": True, **pt, **shared},
    }


def fit(params, epochs, X, n_components):
    """A fitted RestrictedBM (the peer's parameters copied into one to score it)."""
    if params is None:
        peer = BernoulliRBM(
            n_components=n_components,
            learning_rate=0.05,
            batch_size=100,
            n_iter=epochs,
            random_state=0,
        ).fit(X)
        model = RestrictedBM(n_components, max_iter=0, random_state=0).fit(X)
        model.components_ = peer.components_.astype(np.float32)
        model.intercept_hidden_ = peer.intercept_hidden_.astype(np.float32)
        model.intercept_visible_ = peer.intercept_visible_.astype(np.float32)
        model.h_samples_ = peer.h_samples_.astype(np.float32)
        return model
    return RestrictedBM(max_iter=epochs, **params).fit(X)


def log_likelihood_bracket(model, X_test, reverse_steps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AISWarning)  # the bracket says it instead
        forward, reverse = model.log_partition_bounds(n_steps=reverse_steps)
    free = float(-model.free_energy(X_test).mean())
    return free - forward.log_z, free - reverse.log_z, forward.std


def classes_visited(model, start, classifier, n_steps, tempered, n_temperatures, seed=0):
    """Distinct classes one chain's visible states fall in over ``n_steps`` sweeps."""
    rng = np.random.default_rng(seed)
    layers = model._layers()
    rungs = n_temperatures if tempered else 1
    chains = TemperedChains(default_ladder(rungs), [[start.copy(), None] for _ in range(rungs)])
    seen = []
    for _ in range(n_steps):
        if tempered:
            chains.step(LayeredPath(layers, model._base_bias()), rng)
        else:
            layers.sweep(chains.states[0], rng)
        seen.append(chains.model_states[0][0].copy())
    return len(set(classifier.predict(np.array(seen)).tolist()))


def run(args, how):
    X, X_test, y = binarised(args.data, how)
    print(f"\n{how} binarisation: {X.shape[0]} training rows, {X_test.shape[0]} test rows, "
          f"{args.n_components} hidden units; log-likelihood forward .. reverse AIS "
          f"({args.n_betas} temperatures, 100 runs)")  # fmt: skip
    print(f"  {'method':<15} {'epochs':>6} {'fit s':>7}   {'log p(v) test':>22}   log Z std")
    results, longest = {}, {}
    for name, params in methods(args).items():
        if args.only and name not in args.only:
            continue
        for epochs in args.epochs:
            start = time.perf_counter()
            model = fit(params, epochs, X, args.n_components)
            seconds = time.perf_counter() - start
            forward, reverse, std = log_likelihood_bracket(model, X_test, args.reverse_steps)
            results.setdefault(name, []).append((seconds, forward, reverse))
            longest[name] = model
            print(f"  {name:<15} {epochs:>6} {seconds:>7.0f}   {forward:9.2f} .. {reverse:9.2f}"
                  f"   {std:.2f}", flush=True)  # fmt: skip
    if args.figure:
        draw(results, f"{args.figure}_{how}.png", how)
    if args.samples:
        samples = [m.sample(10, n_steps=1000, mean=True, random_state=0) for m in longest.values()]
        save_image(np.vstack(samples), f"{args.samples}_{how}.png")
        print(f"  samples, a row per method ({', '.join(longest)}): {args.samples}_{how}.png")
    if args.mixing_steps and "PCD-1" in longest:
        classifier = LogisticRegression(max_iter=200).fit(X[:10000], y[:10000])
        model = longest["PCD-1"]
        for tempered in (False, True):
            counts = [
                classes_visited(model, X_test[i : i + 1], classifier, args.mixing_steps,
                                tempered, args.temperatures, seed=i)
                for i in range(5)
            ]  # fmt: skip
            label = "plain Gibbs"
            if tempered:
                label = f"parallel tempering ({args.temperatures} temperatures)"
            print(f"  mixing of the PCD-1 model, {label}: classes visited in "
                  f"{args.mixing_steps} sweeps by 5 chains from test digits: {counts}")  # fmt: skip


def draw(results, path, how):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, points in results.items():
        seconds, forward, reverse = (np.array(v) for v in zip(*points, strict=True))
        ax.plot(seconds, (forward + reverse) / 2, marker="o", label=name)
        ax.vlines(seconds, np.minimum(forward, reverse), np.maximum(forward, reverse))
    ax.set_xscale("log")
    ax.set_xlabel("training seconds (2 cores)")
    ax.set_ylabel("test log-likelihood (nats)")
    ax.set_title(f"RBM, 500 hidden units, MNIST ({how})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"  figure: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/mnist")
    parser.add_argument("--binarisation", nargs="+", default=BINARISATIONS, choices=BINARISATIONS)
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 20, 60])
    parser.add_argument("--n-components", type=int, default=500)
    parser.add_argument("--temperatures", type=int, default=5)
    parser.add_argument("--n-betas", type=int, default=10000)
    parser.add_argument("--reverse-steps", type=int, default=1000)
    parser.add_argument("--only", nargs="*", help="run these methods only")
    parser.add_argument("--figure", default="likelihood_time", help="file prefix; '' for none")
    parser.add_argument("--samples", default="likelihood_samples", help="prefix; '' for none")
    parser.add_argument("--mixing-steps", type=int, default=1000)
    run_each(parser.parse_args(), run, describe)


if __name__ == "__main__":
    main()

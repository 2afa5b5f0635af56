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
``--results`` adds the table, the samples and the machine to a ``.npz`` file per
binarisation (so methods can be measured one run at a time): the gallery's MNIST
figure is drawn from the ones in ``benchmarks/measured`` (``--results
measured/likelihood`` adds to them). ``--long-epochs`` adds budgets for the
methods in ``--long-methods``; ``--set name=value`` changes a ``RestrictedBM``
setting, the variant named after it.

    python bench_likelihood.py --data ../../shared/data/mnist
    python bench_likelihood.py --data ../../shared/data/mnist --binarisation sampled \
        --epochs 5 20 --long-epochs 60 150
    python bench_likelihood.py --binarisation sampled --only "centred PCD-1" \
        --set average=0.1 learning_rate=0.005 --epochs 190 --n-betas 30000
"""

import argparse
import os
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

METHODS = ["BernoulliRBM", "CD-1", "PCD-1", "PT", "centred PCD-1", "centred PT"]


def methods(args):
    """Name -> RestrictedBM parameters (None: the peer), ``--only`` and ``--set`` applied:
    settings changed by ``--set`` are named after the method."""
    shared = {"n_components": args.n_components, "n_betas": args.n_betas, "random_state": 0}
    changed = dict(setting.split("=", 1) for setting in args.set)
    shared.update({key: float(value) if "." in value else int(value)
                   for key, value in changed.items()})  # fmt: skip
    suffix = "".join(f", {setting}" for setting in args.set)
    pt = {"method": "pt", "n_temperatures": args.temperatures}
    table = {
        "BernoulliRBM": None,
        "CD-1": {"method": "cd", **shared},
        "PCD-1": shared,
        "PT": {**pt, **shared},
        "centred PCD-1": {"centered": True, **shared},
        "centred PT": {"centered": True, **pt, **shared},
    }
    return {
        name + ("" if params is None else suffix): params
        for name, params in table.items()
        if not args.only or name in args.only
    }


def method_order(name):
    """Sort key: the table's order, variants after their method."""
    return METHODS.index(name.split(",")[0]), name


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
    results, longest, acceptance = {}, {}, {}
    for name, params in methods(args).items():
        long = name.split(",")[0] in args.long_methods
        budgets = args.epochs + (args.long_epochs if long else [])
        for epochs in budgets:
            start = time.perf_counter()
            model = fit(params, epochs, X, args.n_components)
            seconds = time.perf_counter() - start
            forward, reverse, std = log_likelihood_bracket(model, X_test, args.reverse_steps)
            results.setdefault(name, []).append((epochs, seconds, forward, reverse))
            longest[name] = model
            print(f"  {name:<15} {epochs:>6} {seconds:>7.0f}   {forward:9.2f} .. {reverse:9.2f}"
                  f"   {std:.2f}", flush=True)  # fmt: skip
        if name in longest and longest[name].swap_acceptance_ is not None:
            acceptance[name] = longest[name].swap_acceptance_
            print(f"  {name}: swap acceptance, coldest pair first: "
                  f"{np.round(acceptance[name], 3).tolist()}")  # fmt: skip
    if args.figure:
        draw(results, f"{args.figure}_{how}.png", how)
    samples = {}
    if args.samples or args.results:
        samples = {name: m.sample(10, n_steps=1000, mean=True, random_state=0)
                   for name, m in longest.items()}  # fmt: skip
    if args.samples:
        save_image(np.vstack(list(samples.values())), f"{args.samples}_{how}.png")
        print(f"  samples, a row per method ({', '.join(longest)}): {args.samples}_{how}.png")
    mixing = {}
    if args.mixing_steps and "PCD-1" in longest:
        mixing = measure_mixing(longest["PCD-1"], X, X_test, y, args)
    if args.results:
        save_results(f"{args.results}_{how}.npz", results, samples, acceptance, mixing)


def measure_mixing(model, X, X_test, y, args):
    """Classes visited by 5 chains from test digits, plain Gibbs and each ladder."""
    classifier = LogisticRegression(max_iter=200).fit(X[:10000], y[:10000])
    mixing = {}
    for rungs in [1, *args.mixing_temperatures]:
        counts = [
            classes_visited(model, X_test[i : i + 1], classifier, args.mixing_steps,
                            rungs > 1, rungs, seed=i)
            for i in range(5)
        ]  # fmt: skip
        label = "plain Gibbs" if rungs == 1 else f"parallel tempering ({rungs} temperatures)"
        mixing[label] = counts
        print(f"  mixing of the PCD-1 model, {label}: classes visited in "
              f"{args.mixing_steps} sweeps by 5 chains from test digits: {counts}")  # fmt: skip
    return mixing


def save_results(path, results, samples, acceptance, mixing):
    """Add this run to the ``.npz`` at ``path`` (kept across runs, so the methods
    can be measured one at a time): a row per fit (method, epochs, seconds,
    forward, reverse; a fit measured again replaces its row), ten samples per
    method from its longest fit so far (grey levels 0-255), the swap acceptance
    and mixing counts last measured, and the machines the rows came from."""
    rows, blocks, notes = {}, {}, {"swap_acceptance": {}, "mixing": {}}
    machines = set()
    if os.path.exists(path):
        with np.load(path) as old:
            for name, fit in zip(old["method"], old["fit"], strict=True):
                rows[name, fit[0]] = fit
            kept = zip(old["sample_epochs"], old["samples"], strict=True)
            blocks = dict(zip(old["sample_methods"], kept, strict=True))
            for key in notes:
                notes[key] = dict(line.split(": ", 1) for line in old[key])
            machines = set(old["machine"])
    for name, points in results.items():
        for point in points:
            rows[name, point[0]] = np.array(point, dtype=np.float64)
        epochs = points[-1][0]  # the fit ``longest`` holds
        if name not in blocks or blocks[name][0] <= epochs:
            blocks[name] = (epochs, np.round(255 * samples[name]).astype(np.uint8))
    rates = {name: str(np.round(rate, 3).tolist()) for name, rate in acceptance.items()}
    notes["swap_acceptance"].update(rates)
    notes["mixing"].update({k: str(v) for k, v in mixing.items()})
    machines.add(f"{describe()}, {time.strftime('%Y-%m-%d')}")
    order = sorted(rows, key=lambda key: (method_order(key[0]), key[1]))
    names = sorted(blocks, key=method_order)
    np.savez_compressed(
        path,
        method=[name for name, _ in order],
        fit=np.array([rows[key] for key in order]),
        sample_methods=names,
        sample_epochs=[blocks[name][0] for name in names],
        samples=np.array([blocks[name][1] for name in names]),
        **{key: [f"{k}: {v}" for k, v in lines.items()] for key, lines in notes.items()},
        machine=sorted(machines),
    )
    print(f"  results: {path}")


def draw(results, path, how):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, points in results.items():
        _, seconds, forward, reverse = (np.array(v) for v in zip(*points, strict=True))
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
    parser.add_argument("--long-epochs", type=int, nargs="*", default=[], help="more budgets")
    parser.add_argument("--long-methods", nargs="*", default=["PCD-1", "centred PCD-1"])
    parser.add_argument("--n-components", type=int, default=500)
    parser.add_argument("--temperatures", type=int, default=5)
    parser.add_argument("--n-betas", type=int, default=10000)
    parser.add_argument("--reverse-steps", type=int, default=1000)
    parser.add_argument("--only", nargs="*", help="run these methods only")
    parser.add_argument("--set", nargs="*", default=[], help="RestrictedBM settings: name=value")
    parser.add_argument("--figure", default="likelihood_time", help="file prefix; '' for none")
    parser.add_argument("--samples", default="likelihood_samples", help="prefix; '' for none")
    parser.add_argument("--results", default="likelihood", help="prefix of .npz; '' for none")
    parser.add_argument("--mixing-steps", type=int, default=1000)
    parser.add_argument("--mixing-temperatures", type=int, nargs="*", default=[5, 10, 20])
    run_each(parser.parse_args(), run, describe)


if __name__ == "__main__":
    main()

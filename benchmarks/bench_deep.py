"""Deep belief networks and deep Boltzmann machines against the single RBM on MNIST.

For each binarisation (threshold at 0.5, and sampled once with a fixed seed, the
protocol of the papers' tables), the script trains a RestrictedBM of the first
layer's size and a DeepBeliefNetwork whose first layer is that same RBM (the
network is the RBM with layers added by ``warm_start``, so the comparison is
the greedy guarantee measured), and prints for the test set:

- the RBM's log-likelihood, with log Z bracketed by forward and reverse AIS;
- the DBN's variational lower bound (Salakhutdinov & Murray 2008), its Monte
  Carlo standard error, and the bound with the top RBM's log Z from forward and
  from reverse AIS (the bracket on log Z, carried into the bound);
- training and scoring times;

- a DeepBoltzmannMachine's mean-field bound with log Z by forward and by
  reverse AIS (odd layers summed out), and its training time;

and saves samples of the three models as an image. Published anchors (sampled
binarisation): RBM 500 units -86.34 (CD-25) and DBN 500-500-2000 -86.22
(Salakhutdinov & Murray 2008); DBM 500-1000 -84.62 (Salakhutdinov & Hinton
2009), -86.37 in a TensorFlow reproduction (yell/boltzmann-machines).

    python benchmarks/bench_deep.py --data ../shared/data/mnist
    python benchmarks/bench_deep.py --sizes 500 2000 --epochs 20 --binarisation sampled
    python benchmarks/bench_deep.py --models dbm --dbm-epochs 30
    python benchmarks/bench_deep.py --models dbm --binarisation sampled --dbm-pretrain-epochs 60 \
        --dbm-pretrain-learning-rate 0.01 --dbm-pretrain-centered --dbm-epochs 50 \
        --dbm-learning-rate 0.002 --dbm-centered --dbm-average 0.1 --dbm-mean-field-iter 10
"""

import argparse
import time
import warnings

import numpy as np
from _machine import describe
from _mnist import BINARISATIONS, binarised, run_each, save_image

from skenergy import DeepBeliefNetwork, DeepBoltzmannMachine, RestrictedBM
from skenergy.exceptions import AISWarning


def log_z_bracket(rbm, n_steps):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AISWarning)  # the bracket says it instead
        return rbm.log_partition_bounds(n_steps=n_steps)


def report_rbm(rbm, X_test, args, seconds):
    start = time.perf_counter()
    forward, reverse = log_z_bracket(rbm, args.reverse_steps)
    free = float(-rbm.free_energy(X_test).mean())
    print(f"  RBM {rbm.n_components:<5}         log p(v) {free - forward.log_z:8.2f} "
          f"(forward AIS, std {forward.std:.2f}) .. {free - reverse.log_z:8.2f} (reverse AIS); "
          f"fit {seconds:.0f} s, AIS {time.perf_counter() - start:.0f} s")  # fmt: skip


def report_dbn(dbn, X_test, args, seconds):
    top = dbn.rbms_[-1]
    start = time.perf_counter()
    forward, reverse = log_z_bracket(top, args.reverse_steps)
    ais_seconds = time.perf_counter() - start
    start = time.perf_counter()
    bound, std = dbn.score_samples(X_test, return_std=True)
    bound_seconds = time.perf_counter() - start
    with_reverse = bound.mean() + forward.log_z - reverse.log_z
    mc_error = np.sqrt((std**2 - forward.std**2).clip(0).mean() / len(std))
    sizes = "-".join(str(r.n_components) for r in dbn.rbms_)
    print(f"  DBN {sizes:<17} bound {bound.mean():8.2f} (forward AIS, Monte Carlo error "
          f"{mc_error:.2f}, log Z std {forward.std:.2f}) .. {with_reverse:8.2f} (reverse AIS); "
          f"fit {seconds:.0f} s, AIS {ais_seconds:.0f} s, bound {bound_seconds:.0f} s "
          f"({dbn.n_bound_samples} draws per row)")  # fmt: skip


def report_dbm(dbm, X_test, args, seconds):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AISWarning)
        forward, reverse = dbm.log_partition_bounds(n_steps=args.reverse_steps)
    ais_seconds = time.perf_counter() - start
    sizes = "-".join(str(W.shape[0]) for W in dbm.weights_)
    print(f"  DBM {sizes}: fit {seconds:.0f} s ({args.dbm_pretrain_epochs} pretraining + "
          f"{args.dbm_epochs} joint epochs), AIS {ais_seconds:.0f} s, log Z std "
          f"{forward.std:.2f} ({forward.effective_runs:.0f} effective runs)")  # fmt: skip
    # Each mean-field pass maximises the bound over one parity of layers given the
    # other, so more passes from the same start can only tighten it; log Z is cached.
    passes = {
        "as trained": (dbm.mean_field_max_iter, dbm.mean_field_tol),
        "converged": (args.dbm_score_mean_field_iter, 1e-6),
    }
    for name, (n_iter, tol) in passes.items():
        dbm.set_params(likelihood="bound", mean_field_max_iter=n_iter, mean_field_tol=tol)
        bound = dbm.score_samples(X_test).mean()
        print(f"    bound, mean field {name} (<= {n_iter} passes): {bound:8.2f} (forward AIS) .. "
              f"{bound + forward.log_z - reverse.log_z:8.2f} (reverse AIS)")  # fmt: skip


def run(args, how):
    X, X_test, _ = binarised(args.data, how)
    X, X_test = X[: args.n_train], X_test[: args.n_test]
    print(f"\n{how} binarisation: {X.shape[0]} training rows, {X_test.shape[0]} test rows")
    samples = []
    if "dbn" in args.models:
        samples += fit_rbm_and_dbn(args, X, X_test)
    if "dbm" in args.models:
        start = time.perf_counter()
        dbm = DeepBoltzmannMachine(
            args.dbm_sizes, max_iter=args.dbm_epochs, learning_rate=args.dbm_learning_rate,
            k=args.dbm_k, n_chains=100, n_betas=args.n_betas, n_runs=args.n_runs,
            centered=args.dbm_centered, method=args.dbm_method, average=args.dbm_average,
            mean_field_max_iter=args.dbm_mean_field_iter,
            pretrain=RestrictedBM(
                max_iter=args.dbm_pretrain_epochs, learning_rate=args.dbm_pretrain_learning_rate,
                centered=args.dbm_pretrain_centered,
            ),
            random_state=0, verbose=args.verbose,
        ).fit(X)  # fmt: skip
        report_dbm(dbm, X_test, args, time.perf_counter() - start)
        samples.append(dbm.sample(10, n_steps=args.sample_steps, random_state=0, mean=True))
    if args.images and samples:
        path = f"{args.images}_{how}.png"
        save_image(np.vstack(samples), path)
        print(f"  samples (a row per model: {', '.join(args.models)}; "
              f"{args.sample_steps} Gibbs steps): {path}")  # fmt: skip


def fit_rbm_and_dbn(args, X, X_test):
    """The RBM, then the DBN grown from it by warm start; their samples."""
    template = RestrictedBM(
        max_iter=args.epochs, learning_rate=args.learning_rate, k=args.k,
        n_betas=args.n_betas, n_runs=args.n_runs,
    )  # fmt: skip
    start = time.perf_counter()
    dbn = DeepBeliefNetwork(
        args.sizes[:1], rbm=template, n_bound_samples=args.bound_samples,
        warm_start=True, random_state=0,
    ).fit(X)  # fmt: skip
    rbm_seconds = time.perf_counter() - start
    rbm = dbn.rbms_[0]
    report_rbm(rbm, X_test, args, rbm_seconds)
    start = time.perf_counter()
    dbn.set_params(hidden_layer_sizes=args.sizes).fit(X)
    report_dbn(dbn, X_test, args, rbm_seconds + time.perf_counter() - start)
    return [rbm.sample(10, n_steps=args.sample_steps, random_state=0, mean=True),
            dbn.sample(10, n_steps=args.sample_steps, random_state=0, mean=True)]  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/mnist")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 500, 2000])
    parser.add_argument("--epochs", type=int, default=20, help="epochs of every layer")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--k", type=int, default=1, help="Gibbs steps per PCD update")
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--n-betas", type=int, default=20000)
    parser.add_argument("--n-runs", type=int, default=100)
    parser.add_argument("--reverse-steps", type=int, default=1000)
    parser.add_argument("--bound-samples", type=int, default=10)
    parser.add_argument("--sample-steps", type=int, default=1000)
    parser.add_argument("--images", default="deep_samples", help="file prefix; '' for none")
    parser.add_argument("--models", nargs="+", default=["dbn", "dbm"], choices=["dbn", "dbm"])
    parser.add_argument("--dbm-sizes", type=int, nargs="+", default=[500, 1000])
    parser.add_argument("--dbm-pretrain-epochs", type=int, default=20)
    parser.add_argument("--dbm-epochs", type=int, default=20)
    parser.add_argument("--dbm-learning-rate", type=float, default=0.001)
    parser.add_argument("--dbm-k", type=int, default=1)
    parser.add_argument("--dbm-centered", action="store_true", help="centred joint training")
    parser.add_argument("--dbm-average", type=float, default=0.0, help="joint epochs averaged")
    parser.add_argument("--dbm-mean-field-iter", type=int, default=30)
    parser.add_argument("--dbm-score-mean-field-iter", type=int, default=100,
                        help="mean-field passes of the test bound")  # fmt: skip
    parser.add_argument("--dbm-pretrain-learning-rate", type=float, default=0.05)
    parser.add_argument("--dbm-pretrain-centered", action="store_true")
    parser.add_argument("--dbm-method", default="pcd", choices=["pcd", "pt"])
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--binarisation", nargs="+", default=BINARISATIONS, choices=BINARISATIONS)
    run_each(parser.parse_args(), run, describe)


if __name__ == "__main__":
    main()

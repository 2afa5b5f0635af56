"""The tour that `python -m skenergy` runs: each model fitted on digits, and what it did.

python -m skenergy                     # every model
python -m skenergy --model rbm hopfield
python -m skenergy --quick             # fewer epochs, no likelihood estimate
"""

import argparse
import contextlib
import io
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import BernoulliNB
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import FunctionTransformer, Normalizer

from skenergy import (
    BackpropMLPClassifier,
    BoltzmannClassifier,
    BoltzmannMachine,
    DenseHopfieldMemory,
    HopfieldMemory,
    ModernHopfieldClassifier,
    RestrictedBM,
)
from skenergy.datasets import flip_bits, make_bars_and_stripes

_SHADES = " .:-=+*#%@"
#: The classic memory's storage rules, in the tour's order.
RULES = ("hebbian", "storkey", "pseudoinverse", "descent")


def ascii_images(images, shape=(8, 8)):
    """Flattened images in [0, 1] side by side, as lines of text."""
    rows = []
    for r in range(shape[0]):
        cells = []
        for image in images:
            values = np.clip(image.reshape(shape)[r], 0, 1)
            cells.append("".join(_SHADES[int(v * (len(_SHADES) - 1))] * 2 for v in values))
        rows.append("   ".join(cells))
    return "\n".join(rows)


def tour_rbm(X_train, X_test, y_train, y_test, quick=False):
    print("RestrictedBM(): its defaults (256 hidden units, PCD-1) on 8x8 digits scaled to [0, 1]")
    rbm = RestrictedBM(max_iter=20 if quick else "auto", n_betas=5000, random_state=0)
    start = time.perf_counter()
    rbm.fit(X_train)
    print(
        f"  fitted in {time.perf_counter() - start:.1f} s: {rbm.n_iter_} epochs of "
        f"{rbm.h_samples_.shape[0]} rows, the schedule batch_size='auto' and "
        "max_iter='auto' choose for this many rows"
    )
    # The RBM's features beside the pixels: frozen (fitted above), a logistic
    # regression on top. Alone, they lose a little to the pixels of these small,
    # centred digits, which a linear model already separates well (MNIST's
    # figures: benchmarks/bench_defaults.py).
    frozen = FunctionTransformer(rbm.transform)
    scores = {}
    for label, features in [
        ("raw pixels", FunctionTransformer()),
        ("RBM features", frozen),
        ("raw pixels and RBM features", make_union(FunctionTransformer(), frozen)),
    ]:
        model = make_pipeline(features, LogisticRegression(C=10, max_iter=3000))
        scores[label] = model.fit(X_train, y_train).score(X_test, y_test)
    print("  test accuracy of a logistic regression (C=10) on")
    for label, score in scores.items():
        print(f"    {label + ':':<30} {score:.3f}")
    print(
        "  (the features add what the pixels miss; alone they serve best where the raw "
        "pixels separate the classes less well, such as MNIST's: 0.902 -> 0.951)"
    )
    if not quick:
        print("  estimating log Z by AIS, 5000 temperatures x 100 runs:")
        start = time.perf_counter()
        rbm.set_params(verbose=1)  # AIS reports its progress
        with _indented_output():
            log_z = rbm.log_partition()
        rbm.set_params(verbose=0)
        seconds = time.perf_counter() - start
        print(
            f"  log Z = {log_z.log_z:.2f} +/- {log_z.std:.2f} ({seconds:.1f} s); test "
            f"log-likelihood {rbm.score(X_test):.2f} nats per digit (independent pixels at "
            f"the training means: {_independent_pixels(X_train, X_test):.2f})"
        )
    print("  originals (top) and mean-field reconstructions (bottom) of four test digits:")
    print(_indent(ascii_images(X_test[:4])))
    print()
    print(_indent(ascii_images(rbm.reconstruct(X_test[:4]))))
    print("  four digits dreamed by the model (1000 Gibbs steps from noise):")
    print(_indent(ascii_images(rbm.sample(4, n_steps=1000, mean=True, random_state=1))))


def tour_hopfield(X_train, y_train, quick=False):
    print(
        "HopfieldMemory: 10 binarised digits (one per class) stored in 64 units; "
        "200 probes, 10% of pixels flipped"
    )
    memories = np.concatenate([X_train[y_train == digit][:1] for digit in range(10)]) > 0.5
    memories = memories.astype(float)
    targets = np.repeat(memories, 20, axis=0)
    probes = flip_bits(targets, 0.1, random_state=0)
    memories_by_label = {
        **{rule: HopfieldMemory(rule, random_state=0) for rule in RULES},
        "dense, degree 4": DenseHopfieldMemory(degree=4, random_state=0),
        "dense, exponential": DenseHopfieldMemory("exponential", random_state=0),
    }
    for label, memory in memories_by_label.items():
        start = time.perf_counter()
        recall = memory.fit(memories).recall(probes)
        seconds = time.perf_counter() - start
        exact = np.mean((recall.states == targets).all(axis=1))
        print(
            f"  {label:<19} exact recall: {exact:.2f} "
            f"(mean {recall.n_steps.mean():.1f} sweeps; fit and recall {seconds * 1e3:.0f} ms)"
        )
    print(
        "  (digits are correlated patterns: Hebb's rule, the default, mixes them; the "
        "projection rule\n   and the exponential dense memory keep them apart)"
    )
    memory = HopfieldMemory("pseudoinverse", random_state=0).fit(memories)
    partial = memories[[2, 3, 5]].copy()
    partial[:, 32:] = np.nan  # the bottom half unknown
    completed = memory.complete(partial)
    print("  completing the bottom halves of three stored digits (top: what was given):")
    print(_indent(ascii_images(np.nan_to_num(partial, nan=0.0))))
    print()
    print(_indent(ascii_images(completed)))


def tour_modern_hopfield(X_train, X_test, y_train, y_test, quick=False):
    print("ModernHopfieldClassifier: the training digits as keys of an attention (beta 50)")
    start = time.perf_counter()
    attention = make_pipeline(Normalizer(), ModernHopfieldClassifier(beta=50.0))
    accuracy = attention.fit(X_train, y_train).score(X_test, y_test)
    seconds = time.perf_counter() - start
    print(
        f"  test accuracy {accuracy:.3f} ({len(X_train)} stored patterns, one softmax "
        f"step, {seconds * 1e3:.0f} ms)"
    )


def tour_boltzmann(X_train, X_test, y_train, y_test, quick=False):
    print("BoltzmannMachine: bars-and-stripes on a 3x3 grid (14 patterns), 8 hidden units")
    X = make_bars_and_stripes(3)
    start = time.perf_counter()
    machine = BoltzmannMachine(random_state=0).fit(X)
    seconds = time.perf_counter() - start
    p = X.mean(axis=0)
    independent = np.mean((X * np.log(p) + (1 - X) * np.log(1 - p)).sum(axis=1))
    print(
        f"  KL(data || model) = {-np.log(14) - machine.score(X):.3f} nats, exact by enumeration "
        f"(independent units: {-np.log(14) - independent:.3f}); fitted in {seconds:.1f} s"
    )
    partial = np.full((2, 9), np.nan)
    partial[0, :3] = [1, 1, 1]  # a top row of ones: a horizontal-bar pattern
    partial[1, [0, 3]] = [1, 0]  # a left column of 1, 0: stripes
    completed = machine.complete(partial, random_state=0)
    shown = np.where(np.isnan(partial), 0.5, partial)
    print("  completions (left: what was given, grey unknown; right: filled in):")
    print(_indent(ascii_images(np.vstack([shown, completed]), shape=(3, 3))))
    print()
    print(
        "BoltzmannClassifier: binarised digits, the class a softmax group of 10 units, "
        "semi-restricted, 5 epochs"
    )
    start = time.perf_counter()
    classifier = BoltzmannClassifier(connections="semi-restricted", max_iter=5, random_state=0)
    accuracy = classifier.fit(X_train > 0.5, y_train).score(X_test > 0.5, y_test)
    seconds = time.perf_counter() - start
    naive = BernoulliNB().fit(X_train > 0.5, y_train).score(X_test > 0.5, y_test)
    print(
        f"  test accuracy {accuracy:.3f} (Bernoulli naive Bayes: {naive:.3f}); "
        f"fitted in {seconds:.1f} s"
    )


def tour_mlp(X_train, X_test, y_train, y_test, quick=False):
    print("BackpropMLPClassifier: 64-100-10 relu, defaults (SGD with Nesterov momentum)")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = BackpropMLPClassifier(random_state=0).fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(
        f"  test accuracy {mlp.score(X_test, y_test):.3f} after {mlp.n_iter_} epochs, "
        f"{seconds:.1f} s"
    )
    epochs = 30 if quick else 100
    print(f"  and 64-64-10 logistic, from random weights and from an RBM ({epochs} epochs):")
    for label, pretrain in (("random start", None), ("RBM start", "rbm")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net = BackpropMLPClassifier(
                (64,), activation="logistic", max_iter=epochs, pretrain=pretrain, random_state=0
            ).fit(X_train, y_train)
        print(
            f"    {label:<13} test accuracy {net.score(X_test, y_test):.3f}, "
            f"training loss {net.loss_curve_[-1]:.3f}"
        )
    print(
        "  (the RBM's features, learned without labels, are a start that backpropagation "
        "fits faster and that generalises better)"
    )


def _independent_pixels(X_train, X_test):
    p = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float((X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(axis=1).mean())


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())


class _Indenting(io.TextIOBase):
    """A stream that indents each line under the tour's own before passing it on."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        self.stream.write("\n".join("    " + line if line else line for line in text.split("\n")))
        self.stream.flush()
        return len(text)


def _indented_output():
    """Indents what is printed inside (progress lines of long steps)."""
    return contextlib.redirect_stdout(_Indenting(sys.stdout))


#: The tour's parts: what ``--model`` names, in the order they run.
TOURS = {
    "rbm": lambda data, quick: tour_rbm(*data, quick=quick),
    "hopfield": lambda data, quick: tour_hopfield(data[0], data[2], quick=quick),
    "modern": lambda data, quick: tour_modern_hopfield(*data, quick=quick),
    "boltzmann": lambda data, quick: tour_boltzmann(*data, quick=quick),
    "mlp": lambda data, quick: tour_mlp(*data, quick=quick),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skenergy",
        description=(
            "A tour of skenergy's models on scikit-learn's digits: each one fitted, "
            "and what it did, with the time each step took and the total."
        ),
    )
    parser.add_argument(
        "--model", nargs="+", choices=list(TOURS), default=list(TOURS), metavar="NAME",
        help=f"the parts to run, of {', '.join(TOURS)} (default: all, in that order)",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true",
        help="fewer epochs for the RBM and no likelihood estimate (its AIS takes most of the time)",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    data = train_test_split(X / 16, y, test_size=0.25, random_state=0)
    print(f"skenergy tour on scikit-learn's digits: {len(data[0])} training, {len(data[1])} test")
    for name in TOURS:
        if name in args.model:
            print()
            TOURS[name](data, args.quick)
    print()
    print(f"tour finished in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()

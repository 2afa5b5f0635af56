"""The tour that `python -m skenergy` runs: each model fitted on digits, and what it did."""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skenergy import RestrictedBM

_SHADES = " .:-=+*#%@"


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


def tour_rbm(X_train, X_test, y_train, y_test):
    print("RestrictedBM: 256 hidden units, CD-1, on 8x8 digits scaled to [0, 1]")
    rbm = RestrictedBM(
        n_components=256, method="cd", learning_rate=0.05, batch_size=10, max_iter=40,
        n_betas=5000, random_state=0,
    )  # fmt: skip
    classifier = LogisticRegression(C=10, max_iter=3000)
    start = time.perf_counter()
    features = make_pipeline(rbm, classifier).fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    raw = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    print(f"  fitted RBM + logistic regression in {fit_seconds:.1f} s")
    print(
        f"  test accuracy, RBM features + logistic regression: {features.score(X_test, y_test):.3f}"
    )
    print(f"  test accuracy, logistic regression on raw pixels:  {raw.score(X_test, y_test):.3f}")

    start = time.perf_counter()
    log_z = rbm.log_partition()
    seconds = time.perf_counter() - start
    print(
        f"  log Z = {log_z.log_z:.2f} +/- {log_z.std:.2f} ({log_z.method.upper()}, "
        f"{seconds:.1f} s); test log-likelihood {rbm.score(X_test):.2f} nats per digit "
        f"(independent pixels at the training means: {_independent_pixels(X_train, X_test):.2f})"
    )
    print("  originals (top) and mean-field reconstructions (bottom) of four test digits:")
    print(_indent(ascii_images(X_test[:4])))
    print()
    print(_indent(ascii_images(rbm.reconstruct(X_test[:4]))))
    print("  four digits dreamed by the model (1000 Gibbs steps from noise):")
    print(_indent(ascii_images(rbm.sample(4, n_steps=1000, mean=True, random_state=1))))


def _independent_pixels(X_train, X_test):
    p = np.clip(X_train.mean(axis=0), 1e-3, 1 - 1e-3)
    return float((X_test * np.log(p) + (1 - X_test) * np.log(1 - p)).sum(axis=1).mean())


def _indent(text):
    return "\n".join("    " + line for line in text.splitlines())


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.25, random_state=0)
    print(f"skenergy tour on scikit-learn's digits: {len(X_train)} training, {len(X_test)} test")
    print()
    tour_rbm(X_train, X_test, y_train, y_test)


if __name__ == "__main__":
    main()

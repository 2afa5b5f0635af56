"""MNIST for the likelihood benchmarks: the two binarisations of the papers' tables,
and samples saved as a tiled image."""

import numpy as np

from skenergy.datasets import load_mnist
from skenergy.plotting import tile_images

BINARISATIONS = ["threshold", "sampled"]


def binarised(directory, how):
    """Training and test digits (float32) and the training labels, thresholded at 0.5
    or sampled once with a fixed seed (the protocol of Salakhutdinov & Murray 2008)."""
    X, y = load_mnist(directory)
    X_test, _ = load_mnist(directory, subset="test")
    if how == "threshold":
        return (X > 0.5).astype(np.float32), (X_test > 0.5).astype(np.float32), y
    rng = np.random.default_rng(0)
    sampled = [(rng.random(A.shape) < A).astype(np.float32) for A in (X, X_test)]
    return sampled[0], sampled[1], y


def save_image(samples, path):
    """Rows of 28 x 28 digits, ten to a row, as a grey-level image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tiles = np.nan_to_num(tile_images(samples, (28, 28), n_cols=10), nan=1.0)  # NaN: the gaps
    plt.imsave(path, tiles, cmap="gray", vmin=0.0, vmax=1.0)


def run_each(args, run, describe):
    """Print the machine, then run the benchmark for each binarisation asked for."""
    print(describe())
    for how in args.binarisation:
        run(args, how)

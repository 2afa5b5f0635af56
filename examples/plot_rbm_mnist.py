"""
RBM filters and samples on MNIST
================================

A :class:`~skenergy.RestrictedBM` with 200 hidden units trained by PCD on 20000
binarised MNIST digits: its filters, its samples, and its test log-likelihood
estimated by annealed importance sampling.

The IDX files are read from the folder named by the ``SKENERGY_MNIST``
environment variable (``train-images-idx3-ubyte.gz`` and friends, from
http://yann.lecun.com/exdb/mnist/ or any mirror); without it this story says so
and stops.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from skenergy import RestrictedBM
from skenergy.datasets import load_mnist
from skenergy.plotting import ImageGridDisplay

folder = os.environ.get("SKENERGY_MNIST")
if not folder:
    print("Set SKENERGY_MNIST to a folder holding the MNIST IDX files to run this story.")
else:
    X, _ = load_mnist(folder)
    X_test, _ = load_mnist(folder, subset="test")
    X, X_test = (X[:20000] > 0.5).astype(np.float32), (X_test > 0.5).astype(np.float32)
    rbm = RestrictedBM(
        n_components=200, learning_rate=0.02, max_iter=5, random_state=0, n_betas=5000, n_runs=50
    ).fit(X)
    print(f"test log-likelihood (AIS): {rbm.score(X_test[:2000]):.1f} nats per digit")

    # %%
    ImageGridDisplay.from_filters(rbm, (28, 28), n_images=64).plot()
    ImageGridDisplay.from_samples(
        rbm, 16, (28, 28), sample_kwargs={"n_steps": 500, "mean": True, "random_state": 0}
    ).plot()
    plt.show()

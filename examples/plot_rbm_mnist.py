"""
RBM filters and samples on MNIST
================================

A :class:`~skenergy.RestrictedBM` with 200 hidden units trained by PCD on 20000
binarised MNIST digits: its filters, its samples, and its test log-likelihood
estimated by annealed importance sampling; then its features for a classifier,
against the raw pixels.

The IDX files are read from the folder named by the ``SKENERGY_MNIST``
environment variable (``train-images-idx3-ubyte.gz`` and friends, from
http://yann.lecun.com/exdb/mnist/ or any mirror); without it this story says so
and stops.
"""

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from skenergy import RestrictedBM
from skenergy.datasets import load_mnist
from skenergy.plotting import ImageGridDisplay

folder = os.environ.get("SKENERGY_MNIST")
if not folder:
    print("Set SKENERGY_MNIST to a folder holding the MNIST IDX files to run this story.")
else:
    grey, y = load_mnist(folder)
    grey_test, y_test = load_mnist(folder, subset="test")
    grey, y = grey[:20000], y[:20000]
    X, X_test = (grey > 0.5).astype(np.float32), (grey_test > 0.5).astype(np.float32)
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

    # %%
    # Features for a classifier: an RBM fitted to the grey levels (in [0, 1]), and a
    # logistic regression on its features against one on the raw pixels. Unlike
    # the 8x8 digits of scikit-learn, whose pixels a linear model already
    # separates well, MNIST's raw pixels leave room, and the features, learned
    # without labels, take much of it.
    features = RestrictedBM(n_components=200, learning_rate=0.02, max_iter=5, random_state=0)
    features.fit(grey)
    for label, train, test in [
        ("raw pixels", grey, grey_test),
        ("RBM features", features.transform(grey), features.transform(grey_test)),
    ]:
        classifier = LogisticRegression(max_iter=1000).fit(train, y)
        print(f"{label + ':':14s} test accuracy {classifier.score(test, y_test):.3f}")

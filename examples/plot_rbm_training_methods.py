"""
Likelihood per second: CD, PCD, parallel tempering and centring
===============================================================

How fast do the ways of training an RBM reach a good density model? On the
digits thresholded at 0.5, an RBM of 20 hidden units is small enough for its
exact log-likelihood (``log Z`` by enumerating the hidden layer), so each point
below is exact: the mean log-likelihood of held-out digits after a fit of a
given number of epochs, against the seconds that fit took. The learning rate
(0.05, minibatches of 20) is brisk: plain persistent chains then lag behind the
model, which parallel tempering (``method="pt"``) and centring
(``centered=True``) cure in their own ways. scikit-learn's ``BernoulliRBM``
(PCD-1, no momentum, learning rate 0.05 as it has no momentum to amplify it) is
scored by the same exact ``log Z``. ``benchmarks/bench_likelihood.py`` runs the
same comparison on MNIST with 500 hidden units; the user guide has its table.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM

from skenergy import RestrictedBM
from skenergy.plotting import tile_images

X = (load_digits().data > 7).astype(float)
rng = np.random.default_rng(0)
order = rng.permutation(len(X))
X_train, X_test = X[order[:1500]], X[order[1500:]]
shared = {"n_components": 20, "learning_rate": 0.05, "batch_size": 20, "random_state": 0}
methods = {
    "CD-1": {"method": "cd"},
    "PCD-1": {},
    "parallel tempering": {"method": "pt", "n_temperatures": 5},
    "centred PCD-1": {"centered": True},
    "centred PT": {"method": "pt", "n_temperatures": 5, "centered": True},
}


def peer(epochs):
    """BernoulliRBM's parameters in a RestrictedBM, to score them the same way."""
    fitted = BernoulliRBM(20, learning_rate=0.05, batch_size=20, n_iter=epochs, random_state=0)
    fitted.fit(X_train)
    model = RestrictedBM(20, max_iter=0).fit(X_train)
    model.components_ = fitted.components_
    model.intercept_visible_ = fitted.intercept_visible_
    model.intercept_hidden_ = fitted.intercept_hidden_
    return model


curves, models = {}, {}
for name, params in [*methods.items(), ("BernoulliRBM", None)]:
    for epochs in (5, 10, 20, 40):
        start = time.perf_counter()
        if params is None:
            model = peer(epochs)
        else:
            model = RestrictedBM(max_iter=epochs, **shared, **params).fit(X_train)
        seconds = time.perf_counter() - start
        curves.setdefault(name, []).append((seconds, model.score(X_test)))
        models[name] = model
    print(f"{name:>20}: " + ", ".join(f"{ll:.2f} ({s:.1f} s)" for s, ll in curves[name]))

# %%
# Held-out log-likelihood against training time. Each point is a fit of 5, 10,
# 20 and 40 epochs; log Z is exact, so the differences are the models'.
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, points in curves.items():
    seconds, scores = zip(*points, strict=True)
    ax.plot(seconds, scores, marker="o", label=name)
ax.set_xscale("log")
ax.set_xlabel("training seconds")
ax.set_ylabel("held-out log-likelihood (nats)")
ax.legend()
plt.show()

# %%
# Samples of each 40-epoch model (a row per method, in the order of the legend):
# 1000 Gibbs steps from the base rates, ``E[v | h]`` of the last step shown.
samples = [m.sample(8, n_steps=1000, mean=True, random_state=0) for m in models.values()]
tiles = tile_images(np.vstack(samples), (8, 8), n_cols=8)
fig, ax = plt.subplots(figsize=(5, 4))
ax.imshow(np.nan_to_num(tiles, nan=1.0), cmap="gray", vmin=0, vmax=1)
ax.set_yticks(4.5 + 9 * np.arange(len(models)), list(models))
ax.set_xticks([])
plt.show()

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
scored by the same exact ``log Z``. The last part draws the same comparison on
MNIST with 500 hidden units, from the measurements that
``benchmarks/bench_likelihood.py`` kept (too long to rerun when the docs build).
"""

# %%
import time

import matplotlib
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

# %%
# On MNIST
# --------
# ``benchmarks/bench_likelihood.py`` runs the comparison at full size: 500 hidden
# units, the 60000 training digits binarised both ways of the literature
# (thresholded at 0.5; sampled once with a fixed seed, the protocol of
# Salakhutdinov & Murray 2008), a fresh fit per epoch budget, and the test
# log-likelihood with ``log Z`` bracketed by forward and reverse AIS (10000
# temperatures, 100 runs): the bar spans the bracket, the dot is its middle.
# Its results are kept in ``benchmarks/measured``; the machines they were measured
# on are printed with them. Two published anchors are marked: a centred RBM of the same
# size after 200 epochs, -76.0 by AIS (Melchior, Fischer & Wiskott 2016,
# thresholded), and CD-25, -86.34 (Salakhutdinov & Murray 2008, sampled).
anchors = {"threshold": (-76.0, "centred PCD-1, 200 epochs"), "sampled": (-86.34, "CD-25")}
measured = {how: np.load(f"../benchmarks/measured/likelihood_{how}.npz") for how in anchors}
names = list(dict.fromkeys(name for r in measured.values() for name in r["sample_methods"]))
colors = {name: f"C{i}" for i, name in enumerate(names)}  # a method's colour in both panels
fig, axes = plt.subplots(1, 2, figsize=(11, 5.5), sharey=True)
lines = {}
for ax, (how, results) in zip(axes, measured.items(), strict=True):
    for name in results["sample_methods"]:
        rows = results["fit"][results["method"] == name]
        rows = rows[np.argsort(rows[:, 1])]  # by seconds: fits ran at different speeds
        seconds, forward, reverse = rows[:, 1], rows[:, 2], rows[:, 3]
        color = colors[name]
        lines[name] = ax.plot(seconds, (forward + reverse) / 2, marker="o", color=color)[0]
        ax.vlines(seconds, np.minimum(forward, reverse), np.maximum(forward, reverse),
                  color=color)  # fmt: skip
    value, label = anchors[how]
    ax.axhline(value, color="grey", linestyle=":")
    ax.text(0.02, value + 1, f"published: {label}", color="grey",
            transform=ax.get_yaxis_transform())  # fmt: skip
    ax.set_xscale("log")
    ax.set_xticks([10, 30, 100, 300, 1000], ["10", "30", "100", "300", "1000"])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("training seconds (2 cores)")
    ax.set_title(f"MNIST, {how}")
    print(f"{how}:", *results["machine"], sep="\n  ")
axes[0].set_ylabel("test log-likelihood (nats)")
axes[0].set_ylim(-210, -65)
fig.legend([lines[name] for name in names], names, loc="lower center", ncol=4)
fig.subplots_adjust(bottom=0.25)
plt.show()

# %%
# Centring leads on both: on thresholded digits it passes the published centred
# RBM within four minutes (60 epochs) and keeps a bracket that holds; on sampled
# digits it comes within 0.2 nats of CD-25 in under ten minutes (200 epochs) and
# passes it in under twenty (390 epochs: -86.04 .. -86.05). CD-1's
# likelihood falls as it trains (its short chains, started at the data, never
# see the model's spurious modes), and parallel tempering with five
# temperatures gains a little per epoch at several times the cost of one.

# %%
# Samples of each method's longest fit on MNIST, a row per method (1000 Gibbs
# steps from the base rates, ``E[v | h]`` shown), thresholded digits above,
# sampled ones below.
fig, axes = plt.subplots(2, 1, figsize=(7, 9))
for ax, (how, results) in zip(axes, measured.items(), strict=True):
    shown = results["sample_methods"]
    tiles = tile_images(results["samples"].reshape(-1, 784) / 255.0, (28, 28), n_cols=10)
    ax.imshow(np.nan_to_num(tiles, nan=1.0), cmap="gray", vmin=0, vmax=1)
    labels = [name.replace(", learning_rate=", "\nlearning rate ") for name in shown]
    ax.set_yticks(14 + 29 * np.arange(len(shown)), labels, fontsize="small")
    ax.set_xticks([])
    ax.set_title(how)
fig.tight_layout()
plt.show()

# %%
# How well one persistent chain mixes: the digit classes (by a logistic
# regression on the pixels) that one chain of the PCD-1 model visits in 1000
# sweeps, started from five test digits, by plain Gibbs sampling and by
# parallel tempering with ladders of 5, 10 and 20 temperatures; and the swap
# acceptance of the tempered training runs, coldest pair first.
for how, results in measured.items():
    print(how)
    for line in [*results["mixing"], *results["swap_acceptance"]]:
        print(f"  {line}")

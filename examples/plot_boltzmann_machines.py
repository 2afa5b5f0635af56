"""
Boltzmann machines: bars-and-stripes and the 4-2-4 encoder
==========================================================

A :class:`~skenergy.BoltzmannMachine` with 4 hidden units learns the 14
bars-and-stripes patterns of a 3x3 grid, its exact log-likelihood rising epoch
by epoch, and its samples are drawn. Then the encoder problem of Ackley, Hinton
& Sejnowski (1985): two groups of four visible units see the same one-hot
pattern and can only talk through two hidden units.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skenergy import BoltzmannMachine
from skenergy.datasets import make_bars_and_stripes
from skenergy.plotting import ImageGridDisplay

X = make_bars_and_stripes(3)
machine = BoltzmannMachine(n_components=4, max_iter=300, random_state=0).fit(X)
fig, ax = plt.subplots()
ax.plot(machine.log_likelihood_curve_)
ax.axhline(-np.log(14), color="grey", linestyle=":", label="the best possible: log(1/14)")
ax.set_xlabel("epoch")
ax.set_ylabel("mean log-likelihood (exact)")
ax.legend()
samples = machine.sample(16, n_steps=200, random_state=0)
ImageGridDisplay(samples, (3, 3), n_cols=8, title="samples").plot(cmap="gray_r")

# %%
eye = np.eye(4)
groups = np.repeat([0, 1, 2], [4, 4, 2])  # V1, V2, hidden
topology = (groups[:, None] == groups[None, :]) | (groups[:, None] == 2) | (groups == 2)
encoder = BoltzmannMachine(
    n_components=2, connections=topology, learning_rate=0.5, max_iter=1000, random_state=0
).fit(np.repeat(np.hstack([eye, eye]), 5, 0))
completed = encoder.complete(np.hstack([eye, np.full((4, 4), np.nan)]), random_state=0)
print("V2 completed from V1:\n", completed[:, 4:].astype(int))
print("hidden codes:\n", np.round(encoder.transform(np.hstack([eye, eye])), 2))
plt.show()

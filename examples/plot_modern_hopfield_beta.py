"""
Modern Hopfield retrieval and the inverse temperature
=====================================================

A :class:`~skenergy.ModernHopfieldMemory` stores 100 unit vectors in five
clusters. Depending on ``beta`` a query near a stored pattern goes to that
pattern (large beta), to the average of its cluster (a metastable state), or to
the average of everything (small beta: the global fixed point).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skenergy import ModernHopfieldMemory

rng = np.random.default_rng(0)
centres = rng.standard_normal((5, 32))
centres /= np.linalg.norm(centres, axis=1, keepdims=True)
X = np.repeat(centres, 20, axis=0) + 0.15 * rng.standard_normal((100, 32)) / np.sqrt(32)
X /= np.linalg.norm(X, axis=1, keepdims=True)
cluster_means = np.repeat(X.reshape(5, 20, 32).mean(axis=1), 20, axis=0)
queries = X + 0.02 * rng.standard_normal(X.shape) / np.sqrt(32)

betas = np.geomspace(0.01, 3000, 30)
distances = {"stored pattern": [], "cluster average": [], "global average": []}
for beta in betas:
    retrieved = ModernHopfieldMemory(beta=beta, max_steps=30).fit(X).predict(queries)
    for name, target in zip(distances, (X, cluster_means, X.mean(axis=0)), strict=True):
        distances[name].append(np.linalg.norm(retrieved - target, axis=1).mean())

fig, ax = plt.subplots()
for name, values in distances.items():
    ax.plot(betas, values, label=f"distance to the {name}")
ax.set_xscale("log")
ax.set_xlabel("beta")
ax.set_ylabel("mean distance after retrieval")
ax.legend()
plt.show()

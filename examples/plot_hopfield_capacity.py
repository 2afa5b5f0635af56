"""
How many patterns a Hopfield memory stores
==========================================

Random patterns of 100 units are stored at growing loads and recalled from 10%
of flipped bits. Hebb's rule fails near the theoretical 0.138 patterns per unit;
unlearning pushes it a little further; Storkey's rule and the pseudo-inverse
store far more, but no pairwise network of N units holds more than N patterns.
Two ways past that limit follow: "don't-care" units, and the higher-order
energy of dense associative memories.
"""

# %%
import matplotlib.pyplot as plt

from skenergy import DenseHopfieldMemory, HopfieldMemory
from skenergy.plotting import CapacityCurveDisplay

loads = [0.05, 0.1, 0.14, 0.2, 0.3, 0.4]
memories = {
    "hebbian": HopfieldMemory("hebbian", random_state=0),
    "hebbian + unlearning": HopfieldMemory(unlearning_rate=0.02, n_unlearning=60, random_state=0),
    "storkey": HopfieldMemory("storkey", random_state=0),
    "pseudoinverse": HopfieldMemory("pseudoinverse", random_state=0),
}
fig, ax = plt.subplots()
for label, memory in memories.items():
    CapacityCurveDisplay.from_estimator(
        memory, n_units=100, loads=loads, n_trials=3, label=label
    ).plot(ax=ax, metric="overlaps")
ax.axvline(0.138, color="grey", linestyle=":")
ax.set_title("mean overlap of the recall with the stored pattern")
plt.show()

# %%
# Don't-care units
# ----------------
#
# ``n_components`` adds K units whose values nobody asks for: the patterns are
# padded with K bits (here the signs of random projections of the pattern) and
# the network of N + K units stores the padded patterns. A cue gives only the N
# visible bits; recall infers the K others from it, then lets every unit move,
# and returns the visible ones. With the projection rule the padded patterns
# are fixed points up to p = N + K; the basins around them shrink sooner, and
# the exact recall from 10% noise moves right with K.
loads = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2]
fig, ax = plt.subplots()
for n_components in (0, 50, 100):
    memory = HopfieldMemory("pseudoinverse", n_components=n_components, random_state=0)
    usable = [load for load in loads if load * 100 < 100 + n_components]
    CapacityCurveDisplay.from_estimator(
        memory, n_units=100, loads=usable, n_trials=3, label=f"K = {n_components}"
    ).plot(ax=ax)
ax.axvline(1.0, color="grey", linestyle=":")
ax.set_title("pseudo-inverse storage, N = 100 visible units")
plt.show()

# %%
# Dense associative memories
# --------------------------
#
# :class:`~skenergy.DenseHopfieldMemory` replaces the pairwise energy by
# :math:`-\sum_\mu F(\xi_\mu \cdot s)`. With :math:`F(x) = x^n` it stores about
# :math:`N^{n-1}` patterns (degree 2 is Hebb's network), with :math:`F(x) = e^x`
# exponentially many. Note the logarithmic axis: degree 4 and the exponential
# interaction still recall every probe at 20 patterns per unit. (Each curve
# stops once it has fallen to nothing.)
loads = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
fig, ax = plt.subplots()
dense = {
    "degree 2 (Hebb)": (DenseHopfieldMemory(degree=2, random_state=0), 0.5),
    "degree 3": (DenseHopfieldMemory(degree=3, random_state=0), 5),
    "degree 4": (DenseHopfieldMemory(degree=4, random_state=0), 20),
    "exponential": (DenseHopfieldMemory("exponential", random_state=0), 20),
}
for label, (memory, highest) in dense.items():
    CapacityCurveDisplay.from_estimator(
        memory,
        n_units=100,
        loads=[load for load in loads if load <= highest],
        n_trials=2,
        n_probes=50,
        label=label,
    ).plot(ax=ax)
ax.set_xscale("log")
ax.set_title("dense associative memories, N = 100 units")
plt.show()

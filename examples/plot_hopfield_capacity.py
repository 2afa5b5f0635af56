"""
How many patterns a Hopfield memory stores
==========================================

Random patterns of 100 units are stored at growing loads and recalled from 10%
of flipped bits. Hebb's rule fails near the theoretical 0.138 patterns per unit;
unlearning pushes it a little further; Storkey's rule and the pseudo-inverse
store far more.
"""

# %%
import matplotlib.pyplot as plt

from skenergy import HopfieldMemory
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

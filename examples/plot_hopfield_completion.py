"""
Completing images with a Hopfield memory
========================================

Ten binarised digits are stored in a :class:`~skenergy.HopfieldMemory` with the
pseudo-inverse rule (digits are correlated patterns, which Hebb's rule mixes).
Half of each image is hidden, and the memory fills it in; the recall of one noisy
cue is followed sweep by sweep, its energy falling.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from skenergy import HopfieldMemory
from skenergy.datasets import flip_bits
from skenergy.plotting import ImageGridDisplay, RecallDisplay

X, y = load_digits(return_X_y=True)
patterns = np.array([X[y == digit][0] for digit in range(10)]) > 7
patterns = patterns.astype(float)
memory = HopfieldMemory("pseudoinverse", random_state=0).fit(patterns)

partial = patterns.copy()
partial[:, 32:] = np.nan  # the bottom half is unknown
completed = memory.complete(partial)
print("completed exactly:", int((completed == patterns).all(axis=1).sum()), "of 10")
shown = np.vstack([np.nan_to_num(partial, nan=0.5), completed])
ImageGridDisplay(shown, (8, 8), n_cols=10, title="given (top), completed (bottom)").plot(
    cmap="gray_r"
)

# %%
cue = flip_bits(patterns[3], 0.2, random_state=0)
RecallDisplay.from_estimator(memory, cue, image_shape=(8, 8)).plot()
plt.show()

"""
RBM features for a classifier
=============================

A :class:`~skenergy.RestrictedBM` learns 100 binary features of 8x8 digits
without labels; a logistic regression on them is compared with one on the raw
pixels, and the features' receptive fields are drawn.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skenergy import RestrictedBM
from skenergy.plotting import ImageGridDisplay

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)

rbm = RestrictedBM(
    n_components=100, learning_rate=0.05, batch_size=10, max_iter=30, method="cd", random_state=0
)
features = make_pipeline(rbm, LogisticRegression(C=10, max_iter=3000)).fit(X_train, y_train)
pixels = LogisticRegression(max_iter=3000).fit(X_train, y_train)
print(f"RBM features + logistic regression: {features.score(X_test, y_test):.3f}")
print(f"raw pixels + logistic regression:   {pixels.score(X_test, y_test):.3f}")

# %%
# Each hidden unit's weights, drawn as an image: strokes and blobs of digits.
ImageGridDisplay.from_filters(rbm, (8, 8), n_images=100).plot()
plt.show()

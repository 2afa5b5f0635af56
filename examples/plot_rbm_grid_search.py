"""
Searching RBM hyperparameters
=============================

An RBM inside a pipeline is tuned like any estimator: ``GridSearchCV`` searches
the number of hidden units and the learning rate for the classification accuracy
of the features.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skenergy import RestrictedBM

X, y = load_digits(return_X_y=True)
pipe = Pipeline(
    [
        ("rbm", RestrictedBM(method="cd", batch_size=20, max_iter=10, random_state=0)),
        ("clf", LogisticRegression(C=10, max_iter=2000)),
    ]
)
grid = {"rbm__n_components": [32, 64, 128], "rbm__learning_rate": [0.01, 0.05]}
search = GridSearchCV(pipe, grid, cv=3).fit(X / 16, y)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# %%
scores = search.cv_results_["mean_test_score"].reshape(3, 2)
fig, ax = plt.subplots()
for column, rate in enumerate(grid["rbm__learning_rate"]):
    ax.plot(grid["rbm__n_components"], scores[:, column], marker="o", label=f"lr {rate}")
ax.set_xlabel("hidden units")
ax.set_ylabel("cross-validated accuracy")
ax.set_xscale("log", base=2)
ax.legend()
plt.show()
print(np.round(scores, 3))

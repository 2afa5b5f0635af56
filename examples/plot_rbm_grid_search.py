"""
Searching RBM hyperparameters
=============================

An RBM inside a pipeline is tuned like any estimator: ``GridSearchCV`` searches
the number of hidden units and the learning rate of a
:class:`~skenergy.RestrictedBM` whose features a logistic regression reads beside
the raw pixels, for the cross-validated accuracy. The raw pixels alone are the
line to beat.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from skenergy import RestrictedBM

X, y = load_digits(return_X_y=True)
X = X / 16
classifier = LogisticRegression(C=10, max_iter=3000)
features = FeatureUnion([("pixels", FunctionTransformer()), ("rbm", RestrictedBM(random_state=0))])
pipe = Pipeline([("features", features), ("clf", classifier)])
grid = {
    "features__rbm__n_components": [32, 64, 128],
    "features__rbm__learning_rate": [0.01, 0.05],
}
search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
pixels = cross_val_score(classifier, X, y, cv=3).mean()
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")
print(f"raw pixels alone: accuracy {pixels:.3f}")

# %%
# Parameters of a step inside a step are reached by joining the names with
# double underscores (``features__rbm__n_components``), as for any scikit-learn
# estimator. The RBM's features alone would score below the pixels on these
# small, centred digits, which a linear model already separates well (see "RBM
# features for a classifier"); beside the pixels they add which strokes occur
# together, and the best candidates beat the pixels alone. On data this small
# the candidates differ by about as much as the folds do (``cv_results_`` keeps
# each fold's score): a search here says which settings are good enough, not
# which one is best.
scores = search.cv_results_["mean_test_score"].reshape(3, 2)
fig, ax = plt.subplots()
for column, rate in enumerate(grid["features__rbm__learning_rate"]):
    ax.plot(grid["features__rbm__n_components"], scores[:, column], marker="o", label=f"lr {rate}")
ax.axhline(pixels, color="grey", linestyle=":", label="raw pixels alone")
ax.set_xlabel("hidden units")
ax.set_ylabel("cross-validated accuracy")
ax.set_xscale("log", base=2)
ax.legend()
plt.show()
print(np.round(scores, 3))

"""
Backpropagation from random weights and from stacked RBMs
=========================================================

The same logistic network, 64-64-10, trained by backpropagation on digits from
random weights and from a greedily trained stack of RBMs (Hinton & Salakhutdinov
2006), both in one ``fit``. The training loss curves and test accuracies are
compared.
"""

# %%
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skenergy import BackpropMLPClassifier, RestrictedBM

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
fig, ax = plt.subplots()
for label, pretrain in (
    ("random start", None),
    ("RBM start", RestrictedBM(random_state=0)),
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net = BackpropMLPClassifier(
            (64,), activation="logistic", max_iter=100, pretrain=pretrain, random_state=0
        ).fit(X_train, y_train)
    print(f"{label}: test accuracy {net.score(X_test, y_test):.3f}")
    ax.plot(net.loss_curve_, label=label)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.legend()
plt.show()

# %%
# The pretrained net fits the training set faster (its loss is lower from the
# first epochs on) and generalises better: the features the RBM learned without
# labels are a start that backpropagation only has to adjust, the effect Hinton &
# Salakhutdinov reported for deep networks. Both nets are trained the same way
# (SGD, 100 epochs); the RBM has its default settings, which adapt its schedule
# to the 1,347 training rows.

"""
Digits dreamed by an RBM, a deep belief network and a deep Boltzmann machine
============================================================================

Three generative models of binarised 8x8 digits: a :class:`~skenergy.RestrictedBM`,
a :class:`~skenergy.DeepBeliefNetwork` grown from that same RBM by adding a layer
(``warm_start``), and a :class:`~skenergy.DeepBoltzmannMachine` with two hidden
layers trained jointly. Each draws digits from its own distribution, and each
reports a test log-likelihood: the RBM's exact, the DBN's and the DBM's lower
bounds (variational: they sit below the models' true log-likelihoods), all with
an exactly enumerated ``log Z`` at this size; the DBM's exact log-likelihood
too, its second hidden layer being small enough to sum over.

The DBN's bound starts where the RBM's likelihood is (the greedy guarantee) and
can only add what its second layer models better. The DBM, pretrained with the
same RBM settings and then trained jointly for 50 more epochs, learns the
digits' strokes much better: its samples are crisp where the others blur.

Last, the DBN fine-tuned by the up-down algorithm (``fine_tune_iter``), and a
:class:`~skenergy.DeepBeliefClassifier` whose top RBM also holds the class:
asked for digits of each class, it draws them.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skenergy import DeepBeliefClassifier, DeepBeliefNetwork, DeepBoltzmannMachine, RestrictedBM
from skenergy.plotting import ImageGridDisplay

digits = load_digits()
X = (digits.data > 7).astype(float)
X_train, X_test, y_train, y_test = train_test_split(X, digits.target, random_state=0)
template = RestrictedBM(learning_rate=0.05, batch_size=20, max_iter=50)

dbn = DeepBeliefNetwork(20, rbm=template, warm_start=True, random_state=0).fit(X_train)
rbm = dbn.rbms_[0]
rbm_score = rbm.score(X_test)
dbn.set_params(hidden_layer_sizes=(20, 10)).fit(X_train)  # the RBM stays the first layer
dbm = DeepBoltzmannMachine(
    (20, 10), pretrain=template, learning_rate=0.01, batch_size=20, max_iter=50, k=3,
    random_state=0,
).fit(X_train)  # fmt: skip

print("test log-likelihood per digit, in nats")
print(f"  RBM 64-20      exact          {rbm_score:8.2f}")
print(f"  DBN 64-20-10   lower bound    {dbn.score(X_test):8.2f}")
print(f"  DBM 64-20-10   lower bound    {dbm.set_params(likelihood='bound').score(X_test):8.2f}")
print(f"  DBM 64-20-10   exact          {dbm.set_params(likelihood='exact').score(X_test):8.2f}")

# %%
# Samples after 1000 Gibbs steps: the RBM's and the DBM's chains run on the whole
# model; the DBN's run in its top RBM, then one directed pass brings them down.
# Drawn as probabilities of the last step (``mean=True``).
rows = [model.sample(10, n_steps=1000, mean=True, random_state=0) for model in (rbm, dbn, dbm)]
ImageGridDisplay(
    np.vstack(rows), (8, 8), n_cols=10, title="RBM (top), DBN (middle), DBM (bottom)"
).plot(cmap="gray_r")
plt.show()

# %%
# Fine-tuning and labels. Up-down fine-tuning unties the DBN's generative weights
# from its recognition weights and trains both (the wake and sleep phases); the
# classifier joins a softmax group of ten label units to its top RBM, classifies
# by the top RBM's free energy with each label clamped, and generates a digit of
# any class by running its top RBM with that label clamped.
tuned = clone(dbn).set_params(warm_start=False, fine_tune_iter=50, fine_tune_learning_rate=0.05)
tuned.fit(X_train)
classifier = DeepBeliefClassifier((64, 64), random_state=0).fit(X_train, y_train)  # defaults
print(f"  DBN fine-tuned lower bound    {tuned.score(X_test):8.2f}")
print(f"classifier's test accuracy: {classifier.score(X_test, y_test):.3f}")

samples, labels = classifier.sample(y=np.repeat(np.arange(10), 2), n_steps=1000, mean=True)
ImageGridDisplay(
    samples[np.argsort(np.tile([0, 1], 10), kind="stable")],
    (8, 8),
    n_cols=10,
    title="DeepBeliefClassifier: two digits of each class, asked for",
).plot(cmap="gray_r")
plt.show()

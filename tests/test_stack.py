"""The greedy stack of RBMs that the MLP's pretraining (and the deep models) share."""

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits

from skenergy import RestrictedBM
from skenergy._stack import rbm_as_layer, stack_rbms


def test_each_rbm_is_trained_on_the_hidden_probabilities_of_the_one_below():
    X = load_digits().data[:300]  # 0-16: the first layer must get Gaussian visible units
    template = RestrictedBM(max_iter=2)
    first, second = stack_rbms(template, X, [12, 5], random_state=3)
    assert first.visible == "gaussian" and second.visible == "bernoulli"
    assert (first.n_components, second.n_components) == (12, 5)
    # By hand: the same clones, the same data, the same seeds.
    by_hand = clone(template).set_params(n_components=12, visible="gaussian", random_state=3)
    by_hand.fit(X)
    np.testing.assert_array_equal(first.components_, by_hand.components_)
    top = clone(template).set_params(n_components=5, random_state=3).fit(by_hand.transform(X))
    np.testing.assert_array_equal(second.components_, top.components_)
    # Read upwards, a layer computes the RBM's hidden probabilities from raw data.
    W, c = rbm_as_layer(first, 64, 12)
    logistic = 1 / (1 + np.exp(-(X @ W + c)))
    np.testing.assert_allclose(logistic, first.transform(X), rtol=1e-10)


def test_fitted_layers_are_used_as_given():
    X = load_digits().data[:200] / 16
    bottom = RestrictedBM(n_components=6, max_iter=1, random_state=0).fit(X)
    stack = stack_rbms(RestrictedBM(max_iter=1), X, [6, 4], random_state=0, fitted=[bottom])
    assert stack[0] is bottom and stack[1].n_features_in_ == 6


def test_a_linear_layer_is_a_gaussian_hidden_rbm_and_the_one_above_reads_reals():
    X = load_digits().data[:300] / 16
    template = RestrictedBM(max_iter=2, learning_rate=0.02)
    first, code, top = stack_rbms(template, X, [12, 3, 6], random_state=0, linear=[1])
    assert (first.visible, first.hidden) == ("bernoulli", "bernoulli")
    assert (code.visible, code.hidden, code.learning_rate) == ("bernoulli", "gaussian", 0.002)
    assert (top.visible, top.hidden) == ("gaussian", "bernoulli")  # codes leave [0, 1]
    by_hand = clone(template).set_params(
        n_components=3, hidden="gaussian", learning_rate=0.002, random_state=0
    )
    np.testing.assert_array_equal(code.components_, by_hand.fit(first.transform(X)).components_)

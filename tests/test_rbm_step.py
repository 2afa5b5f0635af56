"""The fused RBM step against the plain textbook step, from the same random stream,
and the plain step against the velocity form of the practical guide."""

import numpy as np
import pytest
from sklearn.base import clone

from skenergy import RestrictedBM
from skenergy._rbm_step import FusedTrainer, plain_step
from skenergy._sampling import coarse_uniform


def fitted_model(visible, method, k, n_visible=6, n_hidden=4, n_chains=7, seed=0, **params):
    rng = np.random.default_rng(seed)
    X = (rng.random((30, n_visible)) < 0.4).astype(float)
    if visible == "gaussian":
        X = rng.standard_normal((30, n_visible))
    model = RestrictedBM(
        n_components=n_hidden, visible=visible, method=method, k=k, n_chains=n_chains,
        max_iter=0, random_state=seed, **params,
    ).fit(X)  # fmt: skip
    model.components_[:] = rng.standard_normal(model.components_.shape)
    model.intercept_visible_[:] = rng.standard_normal(n_visible)
    model.intercept_hidden_[:] = rng.standard_normal(n_hidden)
    model._velocities = tuple(0.1 * rng.standard_normal(p.shape) for p in model._parameters())
    model.h_samples_[:] = rng.random(model.h_samples_.shape) < 0.5
    model._mean_activation[:] = rng.random(n_hidden)
    if model.centered:  # offsets away from any mean, so that every term of the step counts
        model.visible_offset_ = rng.random(n_visible)
        model.hidden_offset_ = rng.random(n_hidden)
    return model, X[:9] if visible == "bernoulli" else X[:9] * 0.5


def column_sampler(layers, rng):
    """The draws of the fused step, for states held by row: random numbers are drawn
    unit by unit (the fused layout is a column per chain), Bernoulli states from
    coarse 16-bit uniforms on [-1, 1) compared with ``2 p - 1 = tanh(x / 2)``."""

    def sample(layer, mean):
        if layers.units[layer].name == "gaussian":
            return mean + rng.standard_normal(mean.T.shape, dtype=mean.dtype).T
        u = coarse_uniform(mean.T.shape, mean.dtype, rng, signed=True).T
        return (u < 2 * mean - 1).astype(mean.dtype)

    return sample


CASES = [
    ("bernoulli", "cd", 1, {}),
    ("bernoulli", "cd", 3, {"alpha": 0.1, "l1": 0.05}),
    ("bernoulli", "pcd", 1, {}),
    ("bernoulli", "pcd", 2, {"alpha": 0.1, "l1": 0.05, "sparsity_target": 0.1}),
    ("gaussian", "pcd", 2, {"alpha": 0.1}),
    ("gaussian", "cd", 1, {"sparsity_target": 0.2, "sparsity_cost": 0.5}),
    ("bernoulli", "pcd", 1, {"centered": True}),
    ("bernoulli", "cd", 2, {"centered": True, "alpha": 0.1, "l1": 0.05}),
    ("gaussian", "pcd", 1, {"centered": True, "sparsity_target": 0.2}),
]


@pytest.mark.parametrize("momentum", [0.0, 0.7])
@pytest.mark.parametrize("visible, method, k, params", CASES)
def test_fused_step_equals_the_plain_step(visible, method, k, params, momentum):
    model, batch = fitted_model(visible, method, k, **params)
    plain = clone(model)
    plain.__dict__.update({key: np.copy(v) for key, v in model.__dict__.items() if key[-1] == "_"})
    plain._velocities = tuple(v.copy() for v in model._velocities)
    plain._mean_activation = model._mean_activation.copy()
    offsets = None
    if model.centered:
        offsets = (model.visible_offset_.copy(), model.hidden_offset_.copy())
    lr = 0.3

    trainer = FusedTrainer(model, len(batch))
    trainer.update(batch, np.arange(len(batch)), lr, momentum, np.random.default_rng(5))
    trainer.publish()

    rng = np.random.default_rng(5)
    layers = plain._layers()
    sparsity = None
    if plain.sparsity_target is not None:
        sparsity = (plain.sparsity_target, plain.sparsity_cost, plain._mean_activation)
    chains = plain_step(
        layers, batch, plain.h_samples_ if method == "pcd" else None, plain._velocities, rng,
        lr=lr, momentum=momentum, k=k, persistent=method == "pcd", alpha=plain.alpha,
        l1=plain.l1, sparsity=sparsity, offsets=offsets, sample=column_sampler(layers, rng),
    )  # fmt: skip

    for fused, reference in zip(model._parameters(), plain._parameters(), strict=True):
        np.testing.assert_allclose(fused, reference, rtol=0, atol=1e-12)
    if momentum:
        for fused, reference in zip(model._velocities, plain._velocities, strict=True):
            np.testing.assert_allclose(fused, reference, rtol=0, atol=1e-12)
    if method == "pcd":
        np.testing.assert_array_equal(model.h_samples_, chains)
    np.testing.assert_allclose(model._mean_activation, plain._mean_activation, atol=1e-12)
    if model.centered:
        np.testing.assert_allclose(model.visible_offset_, offsets[0], atol=1e-12)
        np.testing.assert_allclose(model.hidden_offset_, offsets[1], atol=1e-12)


@pytest.mark.parametrize(
    "momentum, alpha, l1", [(0.0, 0.1, 0.0), (0.0, 0.0, 0.05), (0.7, 0.0, 0.0), (0.7, 0.1, 0.05)]
)
def test_plain_step_is_the_velocity_form_of_the_practical_guide(momentum, alpha, l1):
    # velocity <- momentum velocity + lr (gradient - alpha W - l1 sign(W)), W <- W + velocity,
    # with no penalty on biases. The bare step lr * gradient comes from a step without
    # momentum or penalties from the same parameters and random stream.
    model, batch = fitted_model("bernoulli", "cd", 1)
    start = [p.copy() for p in model._parameters()]
    velocities = [v.copy() for v in model._velocities]
    lr = 0.2

    def step(momentum, alpha, l1):
        layers = model._layers(np.float64)  # copies: the model itself is not moved
        moved = [v.copy() for v in velocities]
        plain_step(
            layers, batch, None, moved, np.random.default_rng(3), lr=lr, momentum=momentum,
            k=1, persistent=False, alpha=alpha, l1=l1,
        )  # fmt: skip
        return [layers.weights[0], *layers.biases], moved

    bare, _ = step(0.0, 0.0, 0.0)
    params, new_velocities = step(momentum, alpha, l1)
    W = start[0]
    penalties = (lr * (alpha * W + l1 * np.sign(W)), 0.0, 0.0)
    for param, before, after_bare, velocity, new_velocity, penalty in zip(
        params, start, bare, velocities, new_velocities, penalties, strict=True
    ):
        direction = momentum * velocity + (after_bare - before) - penalty
        np.testing.assert_allclose(param, before + direction, atol=1e-12)
        if momentum:
            np.testing.assert_allclose(new_velocity, direction, atol=1e-12)

import numpy as np
import pytest

from skenergy._optim import adam_step, learning_rate_at, momentum_at, momentum_step


def test_momentum_warm_up():
    assert momentum_at(0, 0.9) == 0.5
    assert momentum_at(5, 0.9) == pytest.approx(0.9)
    assert momentum_at(100, 0.9) == pytest.approx(0.9)
    assert momentum_at(0, 0.2) == momentum_at(9, 0.2) == 0.2


def test_linear_schedule_reaches_zero():
    assert learning_rate_at(0, 10, 0.1, "linear") == 0.1
    assert learning_rate_at(10, 10, 0.1, "linear") == 0.0
    assert learning_rate_at(7, 10, 0.1, "constant") == 0.1


def reference_step(w, v, grad, lr, m, l2, l1):
    v = m * v + lr * (grad - l2 * w - l1 * np.sign(w))
    return w + v, v


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("l2, l1", [(0.0, 0.0), (0.1, 0.0), (0.0, 0.05), (0.1, 0.05)])
def test_momentum_step_matches_the_practical_guide(momentum, l2, l1):
    rng = np.random.default_rng(0)
    w, v, g = rng.standard_normal((3, 4, 5))
    lr = 0.3
    expected_w, expected_v = reference_step(w, v, g, lr, momentum, l2, l1)
    momentum_step(w, v, lr * g, momentum, decay=lr * l2, l1=lr * l1)
    assert np.allclose(w, expected_w)
    if momentum:
        assert np.allclose(v, expected_v)


def test_minimising_a_quadratic_converges():
    w, v = np.array([5.0, -3.0]), np.zeros(2)
    for _ in range(300):
        momentum_step(w, v, -0.05 * w, 0.9)  # ascent on -|w|^2 / 2
    assert np.allclose(w, 0, atol=1e-3)


def test_nesterov_step_is_the_look_ahead_form():
    # Sutskever et al.: v' = m v + d with d = lr (g - l2 w), w' = w + m v' + d.
    rng = np.random.default_rng(0)
    w, v, g = rng.standard_normal(5), rng.standard_normal(5), rng.standard_normal(5)
    m, lr, l2 = 0.9, 0.1, 0.01
    d = lr * g - lr * l2 * w
    expected_v = m * v + d
    expected_w = w + m * expected_v + d
    param, velocity, step = w.copy(), v.copy(), lr * g
    momentum_step(param, velocity, step, m, decay=lr * l2, nesterov=True)
    assert np.allclose(velocity, expected_v) and np.allclose(param, expected_w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_steps_match_scikit_learns_adam_optimizer(dtype):
    # scikit-learn's AdamOptimizer is an independent implementation of Kingma &
    # Ba's algorithm with the same folded bias correction: ten steps along
    # changing gradients, penalties included, must agree.
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    rng = np.random.default_rng(0)
    ours = rng.normal(size=(6, 5)).astype(dtype)
    theirs = ours.astype(np.float64)
    reference = AdamOptimizer([theirs], learning_rate_init=0.01, beta_1=0.8, beta_2=0.99,
                              epsilon=1e-6)  # fmt: skip
    moments = (np.zeros_like(ours), np.zeros_like(ours))
    decay = 0.1
    for t in range(1, 11):
        gradient = rng.normal(size=ours.shape)
        # theirs descends a loss; ours ascends its negative, penalty added the same way
        reference.update_params([theirs], [gradient + decay * theirs])
        adam_step(ours, (-gradient).astype(dtype), moments, t, 0.01, 0.8, 0.99, 1e-6, decay)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, theirs, rtol=tolerance, atol=tolerance)


class _Counter:
    """A model whose one parameter counts the minibatch updates: after epoch ``e`` of
    ``n_batches`` minibatches it holds ``e * n_batches``."""

    verbose = 0
    n_iter_ = 0

    def training(self, average):
        from skenergy._loop import Training

        self.theta = np.zeros(2)

        def update(rows, lr, momentum):
            self.theta = self.theta + 1.0

        def restore(parameters):
            (self.theta,) = parameters

        return Training(
            update=update, end_epoch=lambda interrupted: {}, parameters=lambda: [self.theta],
            restore=restore, learning_rate=0.1, average=average,
        )  # fmt: skip


@pytest.mark.parametrize(
    "average, n_epochs, expected",
    # 4 minibatches an epoch: the parameter after epoch e is 4 e. The window is the
    # last ceil(average * n_epochs) epochs; a window of one epoch changes nothing.
    [(0.0, 10, 40.0), (0.1, 10, 40.0), (0.2, 10, (36 + 40) / 2), (0.25, 10, (32 + 36 + 40) / 3),
     (0.5, 4, (12 + 16) / 2), (0.99, 3, (4 + 8 + 12) / 3)],
)  # fmt: skip
def test_parameter_average_is_the_mean_of_the_last_epochs(average, n_epochs, expected):
    from skenergy._loop import run_epochs

    model = _Counter()
    training = model.training(average)
    run_epochs(model, training, 8, n_epochs, 2, np.random.default_rng(0))
    assert model.n_iter_ == n_epochs
    np.testing.assert_array_equal(model.theta, [expected, expected])

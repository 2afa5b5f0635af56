"""RestrictedBM against theory: enumeration, finite differences, chi-square, known results."""

import itertools
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import integrate, stats
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skenergy import RestrictedBM
from skenergy._layered import Layers, centred_steps
from skenergy._loop import batch_rows, epochs_for
from skenergy.datasets import make_bars_and_stripes
from skenergy.exceptions import AISWarning, DataRangeWarning

PARAMETERS = ("components_", "intercept_visible_", "intercept_hidden_")


def states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def random_model(
    n_visible,
    n_hidden,
    visible="bernoulli",
    scale=1.0,
    seed=0,
    dtype=np.float64,
    hidden="bernoulli",
):
    """A fitted RestrictedBM whose parameters are then set to random values."""
    rng = np.random.default_rng(seed)
    X = (rng.random((20, n_visible)) < 0.5).astype(dtype)
    if visible == "gaussian":
        X = rng.standard_normal((20, n_visible)).astype(dtype)
    model = RestrictedBM(n_hidden, visible=visible, hidden=hidden, max_iter=0, random_state=seed)
    model.fit(X)
    if visible == "gaussian":  # identity standardisation: model units = data units
        model.mean_[:] = 0
        model.scale_[:] = 1
    model.components_[:] = scale * rng.standard_normal((n_hidden, n_visible))
    model.intercept_visible_[:] = scale * rng.standard_normal(n_visible)
    model.intercept_hidden_[:] = scale * rng.standard_normal(n_hidden)
    return model


def joint_log_z(model):
    """log Z by brute force over every joint state (v, h) of a Bernoulli RBM."""
    W, b, c = model.components_, model.intercept_visible_, model.intercept_hidden_
    V, H = states(W.shape[1]), states(W.shape[0])
    neg_energy = (V @ b)[:, None] + (H @ c)[None, :] + V @ W.T @ H.T
    return logsumexp(neg_energy)


def exact_gradient(model, X):
    """Gradient of the mean log-likelihood: <v h'>_data - <v h'>_model by enumeration
    (``E[h | v]``: the logistic of the input for binary hidden units, the input itself
    for Gaussian ones)."""
    W, c = model.components_, model.intercept_hidden_
    V = states(W.shape[1])
    log_p = model.score_samples(V)
    p = np.exp(log_p)
    mean = lambda x: 1 / (1 + np.exp(-x)) if model.hidden == "bernoulli" else x  # noqa: E731
    h_data, h_model = mean(X @ W.T + c), mean(V @ W.T + c)
    grad_W = h_data.T @ X / len(X) - (h_model * p[:, None]).T @ V
    grad_b = X.mean(0) - p @ V
    grad_c = h_data.mean(0) - p @ h_model
    return grad_W, grad_b, grad_c


# ----------------------------------------------------------------- partition


@pytest.mark.parametrize("shape", [(4, 6), (6, 4)])  # enumerate visible, then hidden
def test_exact_log_partition_matches_joint_enumeration(shape):
    model = random_model(*shape, scale=1.5)
    assert model.log_partition().method == "exact"
    assert model.log_partition().log_z == pytest.approx(joint_log_z(model), abs=1e-9)


def test_bernoulli_probabilities_sum_to_one():
    model = random_model(7, 5, scale=1.0)
    assert logsumexp(model.score_samples(states(7))) == pytest.approx(0.0, abs=1e-9)


def test_gaussian_density_integrates_to_one():
    model = random_model(1, 3, visible="gaussian", scale=1.0)
    model.mean_[:], model.scale_[:] = 0.5, 2.0  # the Jacobian of the standardisation counts
    density = lambda x: np.exp(model.score_samples(np.array([[x]])))[0]  # noqa: E731
    total, _ = integrate.quad(density, -40, 40, limit=200)
    assert total == pytest.approx(1.0, abs=1e-6)


@pytest.mark.slow
def test_gaussian_log_partition_matches_2d_integral():
    model = random_model(2, 3, visible="gaussian", scale=0.7)
    log_z = model.log_partition().log_z
    free = lambda y, x: np.exp(-model.free_energy(np.array([[x, y]]))[0] - log_z)  # noqa: E731
    total, _ = integrate.dblquad(free, -15, 15, -15, 15, epsabs=1e-8)
    assert total == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_gaussian_hidden_log_partition_matches_integrals_over_the_hidden_units():
    # log Z = log sum_v integral exp(-E(v, h)) dh, the hidden integrals by quadrature.
    model = random_model(3, 2, scale=0.8, hidden="gaussian")
    assert model.log_partition().method == "exact"
    W, b, c = model._parameters()
    total = 0.0
    for v in states(3):
        field = W @ v

        def weight(h2, h1, v=v, field=field):
            h = np.array([h1, h2])
            return np.exp(b @ v - 0.5 * ((h - c) ** 2).sum() + h @ field)

        total += integrate.dblquad(weight, -30, 30, -30, 30, epsabs=1e-10)[0]
    assert model.log_partition().log_z == pytest.approx(np.log(total), abs=1e-7)
    assert logsumexp(model.score_samples(states(3))) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    "visible, hidden, scale",
    [
        ("bernoulli", "bernoulli", 1.0),
        ("gaussian", "bernoulli", 0.6),
        ("bernoulli", "gaussian", 0.3),
    ],
)
def test_ais_matches_exact_log_partition(visible, hidden, scale):
    model = random_model(12, 10, visible=visible, scale=scale, hidden=hidden)
    exact = model.log_partition().log_z
    model.set_params(partition="ais", n_betas=3000, n_runs=200)
    estimate = model.log_partition()
    assert estimate.method == "ais"
    assert estimate.std > 0
    # Within 4 standard errors (plus a small allowance for AIS's bias).
    assert abs(estimate.log_z - exact) < 4 * estimate.std + 0.02
    assert estimate.lower <= exact + 0.02 and exact - 0.02 <= estimate.upper


def test_ais_is_cached_and_does_not_touch_the_sampling_generator():
    model = random_model(12, 25, scale=0.3)  # 25 hidden and 12 visible: auto enumerates visible
    model.set_params(partition="ais", n_betas=200, n_runs=10)
    twin = pickle.loads(pickle.dumps(model))
    first = model.log_partition()
    assert model.log_partition() is first
    # The AIS estimate has its own seed: the sampling stream is unchanged by it.
    assert np.array_equal(model.sample(3, n_steps=2), twin.sample(3, n_steps=2))
    model.partial_fit(np.zeros((2, 12)))
    assert model.log_partition() is not first  # cleared by partial_fit


def test_ais_chains_stay_in_the_models_dtype(monkeypatch):
    # NumPy 2 makes float64 scalar * float32 array a float64 array: an inverse
    # temperature taken from the float64 schedule once turned every AIS state into
    # float64, and each product cast the weights (twice the time on MNIST).
    model = random_model(12, 25, scale=0.3, dtype=np.float32).set_params(
        partition="ais", n_betas=50, n_runs=10
    )
    seen = []
    original = Layers.input

    def recording(self, layer, states, out=None):
        seen.append(np.result_type(*(s for s in states if s is not None), self.weights[0]))
        return original(self, layer, states, out)

    monkeypatch.setattr(Layers, "input", recording)
    model.log_partition()
    assert seen and set(seen) == {np.dtype(np.float32)}


def test_exact_refuses_a_model_too_large_to_enumerate():
    model = random_model(30, 30, scale=0.1).set_params(partition="exact")
    with pytest.raises(ValueError, match="Cannot enumerate the hidden layer: 30 units"):
        model.log_partition()


# ------------------------------------------------------------------- gradient


@pytest.mark.parametrize("hidden", ["bernoulli", "gaussian"])
def test_exact_gradient_matches_finite_differences(hidden):
    model = random_model(5, 3, scale=0.8, hidden=hidden)
    X = (np.random.default_rng(1).random((30, 5)) < 0.4).astype(float)
    analytic = exact_gradient(model, X)
    params = (model.components_, model.intercept_visible_, model.intercept_hidden_)
    eps = 1e-5
    for param, grad in zip(params, analytic, strict=True):
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            model._log_partition_cache = {}
            up = model.score(X)
            param[index] = saved - eps
            model._log_partition_cache = {}
            down = model.score(X)
            param[index] = saved
            assert (up - down) / (2 * eps) == pytest.approx(grad[index], abs=1e-7)


def cd_gradient(source, X, k, n_repeats, seed, method="cd", n_chains=None):
    """The library's CD-k (or PCD-k) step of (W, b, c) at learning rate 1, no momentum:
    one ``partial_fit`` on a single minibatch of every row, from source's parameters."""
    data = np.repeat(X, n_repeats, axis=0)
    model = clone(source).set_params(
        method=method, k=k, n_chains=n_chains, momentum=0.0, alpha=0.0, learning_rate=1.0,
        batch_size=len(data), max_iter=0, random_state=seed,
    )  # fmt: skip
    model.fit(data)  # the chains and the generator
    for name, param in zip(PARAMETERS, source._parameters(), strict=True):
        setattr(model, name, param.copy())
    model.partial_fit(data)
    return [a - b for a, b in zip(model._parameters(), source._parameters(), strict=True)]


def test_cd_k_approaches_the_exact_gradient_as_k_grows():
    model = random_model(5, 3, scale=2.0)  # strong weights: slow mixing, biased CD-1
    X = (np.random.default_rng(1).random((8, 5)) < 0.4).astype(float)
    exact = exact_gradient(model, X)
    steps = {k: cd_gradient(model, X, k, n_repeats=4000, seed=k) for k in (1, 30)}
    errors = {k: np.abs(steps[k][0] - exact[0]).max() for k in (1, 30)}
    # The bias steps come from the same product: CD-30 gets them right as well.
    for step, gradient in zip(steps[30][1:], exact[1:], strict=True):
        assert np.abs(step - gradient).max() < 0.01
    # CD-1 is biased; CD-30 agrees with the exact gradient within Monte Carlo error
    # (32000 chains: a standard error of about 0.002 per entry, so 0.01 is 5 of them).
    assert errors[1] > 0.03
    assert errors[30] < 0.01
    assert errors[1] > 5 * errors[30]


def centred_log_likelihood(model, X, W, b, c, mu, lam):
    """Mean exact log-likelihood of the centred parameters (W, b, c) with offsets
    (mu, lam): the uncentred model with biases b - W' lam and c - W mu."""
    probe = clone(model).set_params(max_iter=0).fit(X)
    probe.components_, probe.intercept_visible_ = W.copy(), b - lam @ W
    probe.intercept_hidden_ = c - W @ mu
    return probe.score(X)


@pytest.mark.parametrize("hidden", ["bernoulli", "gaussian"])
def test_the_centred_step_is_the_gradient_of_the_centred_parameters(hidden):
    # Montavon & Mueller (2012): the same likelihood, differentiated in the centred
    # parameters by finite differences, then carried back to the uncentred ones
    # (W unchanged, biases b - W' lam and c - W mu) is what centred_step makes of
    # the plain gradient.
    model = random_model(5, 3, scale=0.8, hidden=hidden)
    X = (np.random.default_rng(1).random((30, 5)) < 0.4).astype(float)
    rng = np.random.default_rng(2)
    mu, lam = rng.random(5), rng.random(3)
    W = model.components_.copy()
    b = model.intercept_visible_ + lam @ W  # the same model in centred parameters
    c = model.intercept_hidden_ + W @ mu
    assert centred_log_likelihood(model, X, W, b, c, mu, lam) == pytest.approx(model.score(X))
    eps, centred = 1e-5, []
    for param in (W, b, c):
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            up = centred_log_likelihood(model, X, W, b, c, mu, lam)
            param[index] = saved - eps
            down = centred_log_likelihood(model, X, W, b, c, mu, lam)
            param[index] = saved
            grad[index] = (up - down) / (2 * eps)
        centred.append(grad)
    dW, db, dc = centred
    carried_back = (dW, db - lam @ dW, dc - dW @ mu)
    plain = exact_gradient(model, X)
    (step_W,), step_biases = centred_steps(plain[:1], plain[1:], [mu, lam])
    step = [step_W, *step_biases]
    for ours, expected in zip(step, carried_back, strict=True):
        np.testing.assert_allclose(ours, expected, atol=1e-7)
    # It is another direction than the plain gradient, yet still an ascent one.
    assert not np.allclose(step[0], plain[0], atol=1e-3)
    assert sum((s * g).sum() for s, g in zip(step, plain, strict=True)) > 0


@pytest.mark.slow
def test_centred_training_is_invariant_to_flipping_the_data_and_better():
    # Melchior, Fischer & Wiskott (2016, section 4): centred updates of flipped
    # data (1 - v) move the flipped model as the updates of the data move the
    # model, so the two fits score alike; the plain gradient lacks that invariance.
    # With PCD at a brisk rate the plain fits also fall behind (exact log Z, 20
    # hidden units: measured -19.8 and -24.3 plain, -17.6 and -17.5 centred).
    X = (load_digits().data > 7).astype(float)
    scores = {}
    for centered in (False, True):
        model = RestrictedBM(
            20, learning_rate=0.05, max_iter=30, batch_size=20, centered=centered, random_state=0
        )
        scores[centered] = [clone(model).fit(data).score(data) for data in (X, 1 - X)]
    assert abs(scores[True][0] - scores[True][1]) < 0.3
    assert abs(scores[False][0] - scores[False][1]) > 1.0
    assert min(scores[True]) > max(scores[False]) + 1.0


def test_gaussian_hidden_units_train_by_the_exact_gradient():
    # The plain step that Gaussian hidden units train by: CD-30 (chains well mixed at
    # these weights) agrees with the exact gradient within Monte Carlo error, and CD-1,
    # started at the data, is biased. Linear hidden units make the bias term c + Wv.
    model = random_model(5, 3, scale=0.7, hidden="gaussian")
    X = (np.random.default_rng(1).random((8, 5)) < 0.4).astype(float)
    exact = exact_gradient(model, X)
    steps = {k: cd_gradient(model, X, k, n_repeats=4000, seed=k) for k in (1, 30)}
    for step, gradient in zip(steps[30], exact, strict=True):
        assert np.abs(step - gradient).max() < 0.02
    errors = {k: np.abs(steps[k][0] - exact[0]).max() for k in (1, 30)}
    assert errors[1] > 10 * errors[30]


def test_pcd_with_more_chains_than_rows_weights_both_phases_as_means():
    # 20000 persistent chains against 4000 data rows: each phase must be averaged over
    # its own count. After 30 Gibbs steps the chains sample the model, so the step is
    # the exact gradient within Monte Carlo error (as for CD-30 above).
    model = random_model(5, 3, scale=1.0)
    X = (np.random.default_rng(1).random((8, 5)) < 0.4).astype(float)
    exact = exact_gradient(model, X)
    steps = cd_gradient(model, X, 30, n_repeats=500, seed=0, method="pcd", n_chains=20000)
    for step, gradient in zip(steps, exact, strict=True):
        assert np.abs(step - gradient).max() < 0.015


# ----------------------------------------------------------------- sampling


@pytest.mark.parametrize("hidden", ["bernoulli", "gaussian"])
def test_block_gibbs_sampler_has_the_model_distribution_as_stationary_distribution(hidden):
    model = random_model(4, 3, scale=1.0 if hidden == "bernoulli" else 0.5, seed=3, hidden=hidden)
    V = states(4)
    p = np.exp(model.score_samples(V))
    n_chains = 20000
    start = (np.random.default_rng(0).random((n_chains, 4)) < 0.5).astype(float)
    samples = model.gibbs(start, n_steps=30, random_state=0)
    codes = (samples @ (2 ** np.arange(4)[::-1])).astype(int)
    counts = np.bincount(codes, minlength=16)
    result = stats.chisquare(counts, n_chains * p)
    assert result.pvalue > 1e-3
    # The test has power: a slightly wrong target distribution is rejected.
    q = p * np.exp(0.15 * V[:, 0])
    assert stats.chisquare(counts, n_chains * q / q.sum()).pvalue < 1e-6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_chains_started_in_the_model_distribution_stay_in_it(dtype):
    # The training loop's own sampler (states by column, coarse 16-bit uniforms):
    # persistent hidden states drawn from the exact marginal p(h), then one PCD-2
    # update (down, up, down, up). A correct sampler keeps the chains at h ~ p(h).
    model = random_model(4, 3, scale=1.0, seed=3, dtype=dtype)
    V, H = states(4), states(3)
    W, b, c = model._parameters(np.float64)
    log_joint = (V @ b)[:, None] + (H @ c)[None, :] + V @ W.T @ H.T
    p_h = np.exp(logsumexp(log_joint, axis=0) - logsumexp(log_joint))
    n = 40000
    rng = np.random.default_rng(4)
    model.set_params(method="pcd", n_chains=n, k=2, batch_size=1)
    model.h_samples_ = H[rng.choice(8, size=n, p=p_h)].astype(dtype)
    model.partial_fit(V[:1].astype(dtype))  # the chains move under the parameters before it
    codes = (2 ** np.arange(3)[::-1]) @ model.h_samples_.T
    counts = np.bincount(codes.astype(int), minlength=len(H))
    assert stats.chisquare(counts, n * p_h).pvalue > 1e-3
    q = p_h * np.exp(0.15 * H[:, 0])  # power: a slightly wrong target is rejected
    assert stats.chisquare(counts, n * q / q.sum()).pvalue < 1e-6


def test_sample_clamps_the_masked_units_and_fills_the_rest():
    X = make_bars_and_stripes(4)
    model = RestrictedBM(n_components=16, learning_rate=0.05, batch_size=30, max_iter=2000)
    model.set_params(n_chains=100, random_state=0).fit(X)
    patterns = {tuple(row) for row in X}
    start = X.copy()
    mask = np.zeros(16, dtype=bool)
    mask[:8] = True  # the top two rows are known
    start[:, ~mask] = 0.5
    filled = model.sample(X=np.repeat(start, 10, axis=0), mask=mask, n_steps=100, random_state=0)
    assert np.array_equal(filled[:, mask], np.repeat(X[:, mask], 10, axis=0))
    # The completions are bars-and-stripes patterns (not always the original: the
    # top rows of a stripes pattern leave the bottom rows free).
    # By chance at most 4 of the 256 fillings of the bottom rows would be valid.
    valid = np.mean([tuple(row) in patterns for row in filled])
    assert valid > 0.6
    assert np.array_equal(start[:, ~mask], np.full((len(X), 8), 0.5))  # input untouched


def test_sample_shapes_and_sources():
    model = RestrictedBM(n_components=6, max_iter=2, random_state=0).fit(load_digits().data / 16)
    assert model.sample(5, n_steps=3).shape == (5, 64)
    assert model.sample(150, n_steps=1, from_chains=True).shape == (150, 64)
    binary = model.sample(4, n_steps=2, random_state=0)
    assert set(np.unique(binary)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="pass X as well"):
        model.sample(2, mask=np.ones(64, dtype=bool))


# ----------------------------------------------------------- pseudo-likelihood


def test_bernoulli_pseudo_likelihood_is_exact_conditional():
    model = random_model(6, 4, scale=1.0)
    V = states(6)[[3, 17, 40]]
    log_p_all = model.score_samples(states(6))
    expected = []
    coords = np.random.default_rng(0).integers(6, size=3)
    for v, i in zip(V, coords, strict=True):
        flipped = v.copy()
        flipped[i] = 1 - v[i]
        index = lambda s: int(s @ (2 ** np.arange(6)[::-1]))  # noqa: E731
        expected.append(
            6 * (log_p_all[index(v)] - np.logaddexp(log_p_all[index(v)], log_p_all[index(flipped)]))
        )
    assert model._pseudo_log_likelihood(V, coords) == pytest.approx(expected, abs=1e-9)


def test_gaussian_pseudo_likelihood_matches_numerical_integration():
    model = random_model(3, 4, visible="gaussian", scale=0.8)
    z = np.array([[0.3, -1.2, 0.8]])
    i = 1
    log_p = lambda t: -model.free_energy(np.array([[z[0, 0], t, z[0, 2]]]))[0]  # noqa: E731
    shift = log_p(z[0, i])
    norm, _ = integrate.quad(lambda t: np.exp(log_p(t) - shift), -30, 30, limit=200)
    expected = 3 * (log_p(z[0, i]) - shift - np.log(norm))
    assert model._pseudo_log_likelihood(z, np.array([i]))[0] == pytest.approx(expected, abs=1e-6)


# ------------------------------------------------------------------ training


def test_training_raises_the_likelihood_of_bars_and_stripes():
    X = make_bars_and_stripes(3)
    untrained = RestrictedBM(n_components=8, max_iter=0, random_state=0).fit(X)
    model = RestrictedBM(n_components=8, learning_rate=0.05, batch_size=14, max_iter=2000)
    model.set_params(n_chains=100, random_state=0).fit(X)
    # 14 equiprobable patterns: the best possible mean log-likelihood is -log 14 = -2.64.
    assert untrained.score(X) < -5.5
    assert model.score(X) > -3.3
    assert model.reconstruction_error_curve_[-1] < model.reconstruction_error_curve_[0]


def test_gaussian_hidden_units_learn_bars_and_stripes():
    X = make_bars_and_stripes(3)
    model = RestrictedBM(8, hidden="gaussian", learning_rate=0.01, batch_size=14, max_iter=2000)
    untrained = clone(model).set_params(max_iter=0).fit(X)
    model.set_params(n_chains=100, random_state=0).fit(X)
    # Summing linear hidden units out leaves a quadratic energy in v (a Boltzmann
    # machine with the interactions W'W): short of -log 14 = -2.64, far above the start.
    assert untrained.score(X) < -6.0
    assert model.score(X) > -3.5
    W, b, c = model._parameters()
    assert np.allclose(model.transform(X), X @ W.T + c)  # the features are E[h | v]
    reconstruction = 1 / (1 + np.exp(-(b + (X @ W.T + c) @ W)))
    assert np.allclose(model.inverse_transform(model.transform(X)), reconstruction)


def test_gaussian_hidden_units_refuse_what_they_do_not_support():
    X = make_bars_and_stripes(3)
    with pytest.raises(ValueError, match="no normalisable distribution.*'bernoulli'"):
        RestrictedBM(4, visible="gaussian", hidden="gaussian").fit(X)
    with pytest.raises(ValueError, match="with hidden='gaussian' leave it None"):
        RestrictedBM(4, hidden="gaussian", sparsity_target=0.1).partial_fit(X)


def test_gaussian_hidden_units_that_run_away_fail_the_fit_loudly():
    # At three times the rate that learns bars and stripes, the weights run off to
    # millions while every number stays finite (measured: 5e6 after 2000 epochs);
    # the fit must say so rather than return a point mass.
    X = make_bars_and_stripes(3)
    model = RestrictedBM(8, hidden="gaussian", batch_size=14, n_chains=100, random_state=0)
    model.set_params(learning_rate=0.01, max_iter=5).fit(X)
    saved = [p.copy() for p in model._parameters()]
    with pytest.raises(ValueError, match="Training diverged.*hidden units need one 5 to 10"):
        model.set_params(learning_rate=0.03, max_iter=2000).fit(X)
    assert all(np.array_equal(a, b) for a, b in zip(saved, model._parameters(), strict=True))


def test_reproducible_under_random_state():
    X = load_digits().data[:300] / 16
    a = RestrictedBM(n_components=10, max_iter=3, random_state=7).fit(X)
    b = RestrictedBM(n_components=10, max_iter=3, random_state=7).fit(X)
    c = RestrictedBM(n_components=10, max_iter=3, random_state=8).fit(X)
    assert np.array_equal(a.components_, b.components_)
    assert not np.array_equal(a.components_, c.components_)
    assert np.array_equal(a.sample(3, n_steps=5), b.sample(3, n_steps=5))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype):
    X = (load_digits().data[:200] / 16).astype(dtype)
    model = RestrictedBM(n_components=10, max_iter=2, random_state=0).fit(X)
    assert model.components_.dtype == dtype
    assert model.transform(X).dtype == dtype
    assert model.reconstruct(X).dtype == dtype
    assert model.sample(2, n_steps=2).dtype == dtype


def test_sparse_input_gives_the_dense_result():
    X = (load_digits().data[:200] > 8).astype(float)
    dense = RestrictedBM(n_components=10, max_iter=3, random_state=0).fit(X)
    sparse = RestrictedBM(n_components=10, max_iter=3, random_state=0).fit(sp.csr_matrix(X))
    assert np.allclose(dense.components_, sparse.components_)
    assert np.allclose(dense.transform(X), sparse.transform(sp.csr_matrix(X)))
    assert np.allclose(dense.score_samples(X), sparse.score_samples(sp.csr_matrix(X)))


@pytest.mark.parametrize("method", ["pcd", "cd"])
def test_partial_fit_streams_and_keeps_chains(method):
    X = load_digits().data / 16
    untrained = RestrictedBM(n_components=12, max_iter=0, random_state=0).fit(X)
    model = RestrictedBM(n_components=12, method=method, learning_rate=0.02, batch_size=20)
    model.set_params(random_state=0)
    for _ in range(20):
        for chunk in np.array_split(X, 5):
            model.partial_fit(chunk)
            chains = model.h_samples_
    assert model.n_iter_ == 100
    assert len(model.reconstruction_error_curve_) == 100
    assert model.h_samples_ is chains  # the persistent chains carry over between calls
    assert model.score(X) > untrained.score(X) + 0.5  # exact log-likelihood, in nats
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :10])


def test_warm_start_continues():
    X = load_digits().data / 16
    model = RestrictedBM(n_components=8, max_iter=2, warm_start=True, random_state=0).fit(X)
    weights = model.components_.copy()
    model.fit(X)
    assert model.n_iter_ == 4
    assert not np.array_equal(weights, model.components_)
    assert len(model.pseudo_likelihood_curve_) == 4
    cold = clone(model).set_params(warm_start=False).fit(X[:, :20])  # another width: starts over
    assert cold.n_iter_ == 2 and cold.components_.shape == (8, 20)


def test_validation_monitoring_and_early_stopping():
    X = load_digits().data / 16
    model = RestrictedBM(n_components=16, learning_rate=0.05, max_iter=200, random_state=0)
    model.set_params(early_stopping=True, n_iter_no_change=3, tol=0.05).fit(X)
    assert model.n_iter_ < 200
    assert len(model.validation_scores_) == model.n_iter_
    assert len(model.free_energy_gap_curve_) == model.n_iter_
    # It stopped at the first epoch where the rule holds, read off the curve:
    # n_iter_no_change epochs in a row without rising by tol above the best so far.
    best, no_change, stopped_after = -np.inf, 0, None
    for epoch, score in enumerate(model.validation_scores_, start=1):
        best, no_change = (score, 0) if score > best + 0.05 else (best, no_change + 1)
        if no_change == 3:
            stopped_after = epoch
            break
    assert stopped_after == model.n_iter_
    with pytest.warns(FutureWarning, match="renamed validation_scores_"):
        assert model.validation_score_curve_ is model.validation_scores_
    monitored = RestrictedBM(n_components=8, max_iter=3, validation_fraction=0.2, random_state=0)
    assert len(monitored.fit(X).free_energy_gap_curve_) == 3


@pytest.mark.parametrize(
    "n_rows, batch, epochs",
    [(60_000, 100, 20), (1437, 14, 98), (5000, 50, 100), (300, 10, 100), (7, 7, 100)],
)
def test_the_auto_schedule_follows_its_documented_rule(n_rows, batch, epochs):
    # A hundredth of the rows per minibatch within [10, 100], at most the rows;
    # epochs for 10,000 updates within [20, 100]. MNIST keeps the literature's
    # 20 epochs of 100 rows.
    assert batch_rows("auto", n_rows, adaptive=True) == batch
    assert epochs_for("auto", n_rows, batch) == epochs
    assert epochs_for(3, n_rows, batch) == 3
    assert batch_rows(30, n_rows, adaptive=True) == min(30, n_rows)
    assert batch_rows("auto", n_rows) == min(200, n_rows)  # the MLP's, as scikit-learn's


def test_the_default_schedule_trains_small_data():
    # On digits, 20 epochs of 100 rows (the schedule for MNIST) make 135 updates
    # and leave the model near its initial state; the adaptive default makes about
    # 10,000. The held-out log-likelihood is exact (16 hidden units enumerated).
    X = (load_digits().data > 7).astype(float)
    test, train = X[1::4], np.delete(X, np.s_[1::4], axis=0)
    default = RestrictedBM(n_components=16, random_state=0).fit(train)
    assert default.n_iter_ == 97 and default.h_samples_.shape == (13, 16)
    large_data_schedule = RestrictedBM(16, batch_size=100, max_iter=20, random_state=0).fit(train)
    assert default.log_partition().method == "exact"
    assert default.score(test) > large_data_schedule.score(test) + 4


def test_sparsity_target_lowers_hidden_activity():
    X = load_digits().data / 16
    settings = dict(n_components=30, learning_rate=0.05, batch_size=100, max_iter=20,
                    random_state=0)  # fmt: skip
    plain = RestrictedBM(**settings).fit(X)
    sparse = RestrictedBM(sparsity_target=0.05, sparsity_cost=0.5, **settings).fit(X)
    assert sparse.transform(X).mean() < 0.5 * plain.transform(X).mean()


def test_gaussian_units_learn_real_valued_data():
    X = load_digits().data  # 0..16, not standardised: the model does it
    model = RestrictedBM(n_components=10, visible="gaussian", learning_rate=0.002, max_iter=20)
    model.set_params(random_state=0).fit(X)
    assert np.allclose(model.mean_, X.mean(0), atol=1e-9)
    assert model.reconstruction_error_curve_[-1] < model.reconstruction_error_curve_[0]
    recon = model.reconstruct(X)
    assert np.abs(recon - X).mean() < np.abs(X - X.mean(0)).mean()


@pytest.mark.slow
def test_features_in_a_grid_search_pipeline():
    X, y = load_digits(return_X_y=True)
    pipe = Pipeline(
        [
            ("rbm", RestrictedBM(n_components=32, batch_size=20, random_state=0)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    grid = GridSearchCV(pipe, {"rbm__learning_rate": [0.01, 0.05], "rbm__max_iter": [20]}, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataRangeWarning)  # folds may stray past [0, 1]
        grid.fit(X / 16, y)
    assert grid.best_score_ > 0.8
    # The grid's learning rates reached the RBM inside the pipeline.
    assert len(set(grid.cv_results_["mean_test_score"])) == 2


def test_stacked_rbms():
    X = load_digits().data / 16
    stack = Pipeline(
        [
            ("rbm1", RestrictedBM(n_components=32, max_iter=3, random_state=0)),
            ("rbm2", RestrictedBM(n_components=8, max_iter=3, random_state=0)),
        ]
    ).fit(X)
    top = stack.transform(X)
    assert top.shape == (len(X), 8) and top.min() >= 0 and top.max() <= 1


def test_feature_names_out():
    model = RestrictedBM(n_components=3, max_iter=1, random_state=0).fit(np.zeros((4, 5)))
    assert list(model.get_feature_names_out()) == [f"restrictedbm{i}" for i in range(3)]


# ------------------------------------------------------------------ bad input


@pytest.fixture
def fitted():
    return RestrictedBM(n_components=4, max_iter=2, random_state=0).fit(load_digits().data / 16)


def test_values_above_one_are_refused_with_the_way_out():
    with pytest.raises(ValueError, match=r"Values above 1.*divide by 255.*MinMaxScaler"):
        RestrictedBM().fit(load_digits().data)


def test_negative_values_are_refused():
    with pytest.raises(ValueError, match="Negative values in data"):
        RestrictedBM().fit(-np.ones((3, 2)))


def test_nan_is_refused(fitted):
    X = load_digits().data[:5] / 16
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RestrictedBM().fit(X)
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(X)


def test_empty_input_is_refused():
    with pytest.raises(ValueError, match="0 sample"):
        RestrictedBM().fit(np.empty((0, 3)))


def test_other_width_is_refused(fitted):
    with pytest.raises(ValueError, match="64 features"):
        fitted.transform(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="64 features"):
        fitted.score_samples(np.zeros((2, 10)))


def test_slightly_out_of_range_test_data_is_clipped_with_a_warning(fitted):
    X = load_digits().data[:5] / 16
    stray = X * 1.2
    with pytest.warns(DataRangeWarning, match="clipped into"):
        features = fitted.transform(stray)
    assert np.allclose(features, fitted.transform(np.clip(stray, 0, 1)))
    assert stray.max() > 1  # the caller's array is not modified


def test_failed_calls_leave_the_model_as_it_was(fitted):
    state = pickle.dumps(fitted)
    bad = load_digits().data[:10] / 16
    bad[0, 0] = 2.0
    with pytest.raises(ValueError):
        fitted.partial_fit(bad)
    with pytest.raises(ValueError):
        fitted.partial_fit(np.zeros((3, 7)))
    assert pickle.dumps(fitted) == state


def test_divergence_is_reported_and_the_model_restored():
    X = load_digits().data
    model = RestrictedBM(n_components=8, visible="gaussian", max_iter=1, random_state=0).fit(X)
    state = pickle.dumps(model)
    model.set_params(learning_rate=1e30, warm_start=True, max_iter=3)
    with pytest.raises(ValueError, match="Training diverged.*learning_rate=.*smaller"):
        model.fit(X)
    assert pickle.dumps(model.set_params(learning_rate=0.01, warm_start=False, max_iter=1)) == (
        state
    )


def test_input_array_is_never_modified():
    X = (load_digits().data[:100] / 16).astype(np.float32)
    original = X.copy()
    model = RestrictedBM(n_components=4, max_iter=2, random_state=0).fit(X)
    model.partial_fit(X)
    model.transform(X), model.score_samples(X), model.gibbs(X), model.sample(X=X, n_steps=1)
    assert np.array_equal(X, original)


def test_ais_warns_when_few_runs_dominate():
    # Strong weights and only a handful of intermediate distributions: AIS fails.
    model = random_model(12, 10, scale=3.0).set_params(partition="ais", n_betas=3, n_runs=200)
    with pytest.warns(AISWarning, match="effective runs out of 200"):
        estimate = model.log_partition()
    assert estimate.effective_runs < 6
    assert estimate.log_z < random_model(12, 10, scale=3.0).log_partition().log_z


def test_forward_and_reverse_ais_bracket_the_exact_log_partition():
    model = random_model(12, 10, scale=1.5).set_params(n_betas=30, n_runs=500)
    exact = model.log_partition().log_z  # 12 visible units: enumerated
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AISWarning)
        forward, reverse = model.log_partition_bounds(n_steps=200)
    # Few intermediate distributions: a wide bracket, on the right sides.
    assert forward.method == "ais" and reverse.method == "reverse ais"
    assert forward.log_z < exact - 0.05 and reverse.log_z > exact + 0.05
    model.set_params(n_betas=3000, n_runs=100)
    forward, reverse = model.log_partition_bounds(n_steps=200)
    assert reverse.log_z - forward.log_z < 0.1
    assert forward.log_z - 0.05 < exact < reverse.log_z + 0.05


def test_forward_and_reverse_ais_bracket_log_z_with_gaussian_hidden_units():
    model = random_model(12, 10, scale=0.5, hidden="gaussian").set_params(n_betas=3000)
    exact = model.log_partition().log_z  # the 12 visible units enumerated
    forward, reverse = model.log_partition_bounds(n_steps=200)
    assert reverse.log_z - forward.log_z < 0.15
    assert forward.log_z - 0.05 < exact < reverse.log_z + 0.05


def test_inverse_transform_checks_its_input(fitted):
    assert fitted.inverse_transform(fitted.transform(load_digits().data[:3] / 16)).shape == (3, 64)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 4\)"):
        fitted.inverse_transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        fitted.inverse_transform(np.full((1, 4), np.nan))


def test_gaussian_gibbs_sampler_has_the_model_density_as_stationary_distribution():
    model = random_model(1, 2, visible="gaussian", scale=1.5, seed=2)
    model.mean_[:], model.scale_[:] = 1.0, 3.0  # samples come back in data units
    grid = np.linspace(-40, 40, 8001)
    density = np.exp(model.score_samples(grid[:, None]))
    cdf = np.cumsum(density) * (grid[1] - grid[0])
    assert cdf[-1] == pytest.approx(1.0, abs=1e-4)
    samples = model.sample(4000, n_steps=50, random_state=0).ravel()
    result = stats.kstest(samples, lambda x: np.interp(x, grid, cdf))
    assert result.pvalue > 1e-3
    # The test has power: the samples shifted by an eighth of a standard deviation fail.
    assert stats.kstest(samples + 0.65, lambda x: np.interp(x, grid, cdf)).pvalue < 1e-4


def test_sampling_arguments_are_checked(fitted):
    X = load_digits().data[:2] / 16
    with pytest.raises(ValueError, match="n_samples must be an integer >= 1, got 0"):
        fitted.sample(0)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 0, got -1"):
        fitted.gibbs(X, n_steps=-1)
    with pytest.raises(ValueError, match=r"mask must have shape \(64,\) or \(2, 64\)"):
        fitted.sample(X=X, mask=np.ones(10, dtype=bool))
    assert np.array_equal(fitted.gibbs(X, n_steps=0), X)  # zero steps: the start, copied


# ------------------------------------------------------------ parallel tempering


def two_mode_model(n_visible=10, strength=6.0):
    """One hidden unit that switches every visible unit on: two modes, all off and
    all on, separated by states that plain Gibbs chains almost never cross."""
    model = random_model(n_visible, 1, seed=3)
    model.components_[:] = strength
    model.intercept_visible_[:] = -strength / 2
    # softplus(x) - softplus(-x) = x: this bias all but balances the two modes.
    model.intercept_hidden_[:] = -n_visible * strength / 2 + 0.5
    return model


@pytest.mark.slow
def test_tempered_sampling_visits_both_modes_in_their_exact_proportions():
    model = two_mode_model().set_params(n_temperatures=12)
    V = states(10)
    p_on = np.exp(model.score_samples(V))[V.sum(axis=1) > 5].sum()
    start = np.zeros((2000, 10))
    tempered = model.sample(X=start, n_steps=300, tempered=True, random_state=0)
    plain = model.sample(X=start, n_steps=300, random_state=0)
    on = (tempered.sum(axis=1) > 5).sum()
    # A binomial count: within 4 standard deviations of the exact share.
    assert abs(on - 2000 * p_on) < 4 * np.sqrt(2000 * p_on * (1 - p_on))
    assert 0.2 < p_on < 0.8 and (plain.sum(axis=1) > 5).mean() < 0.02
    clamped = model.sample(X=start, mask=np.arange(10) < 2, n_steps=5, tempered=True)
    assert (clamped[:, :2] == 0).all()


def test_training_by_parallel_tempering_records_its_swaps_and_continues():
    X = (load_digits().data > 7).astype(float)
    model = RestrictedBM(16, method="pt", n_temperatures=5, max_iter=3, warm_start=True,
                         random_state=0).fit(X)  # fmt: skip
    rates = model.swap_acceptance_
    assert rates.shape == (4,) and ((rates > 0) & (rates <= 1)).all()
    assert model.h_samples_.shape == (17, 16)  # as many chains as rows per minibatch: 1797 // 100
    np.testing.assert_array_equal(model.h_samples_, model._tempered.model_states[1])
    proposed = model._tempered.proposed.sum()
    model.fit(X)  # continues the same chains and counts
    assert model._tempered.proposed.sum() > proposed and model.n_iter_ == 6
    assert RestrictedBM(16, max_iter=1).fit(X).swap_acceptance_ is None


@pytest.mark.slow
def test_parallel_tempering_trains_a_better_model_than_pcd_at_a_brisk_rate():
    # Thresholded digits, 20 hidden units, exact log Z: measured -19.84 with PCD-1 and
    # -19.15 with parallel tempering at learning rate 0.05 (30 epochs).
    X = (load_digits().data > 7).astype(float)
    params = {"learning_rate": 0.05, "max_iter": 30, "batch_size": 20, "random_state": 0}
    pcd = RestrictedBM(20, **params).fit(X).score(X)
    pt = RestrictedBM(20, method="pt", **params).fit(X).score(X)
    assert pt > pcd + 0.3


def test_averaging_the_last_epochs_raises_the_exact_likelihood():
    # At a constant learning rate the parameters keep fluctuating around the
    # optimum; the mean of the last quarter of the epochs sits closer to it. Held-out
    # log-likelihood exact (16 hidden units enumerated), six seeds. (At a rate of
    # 0.05 and 30 epochs the model is still climbing in the window and the gain
    # is a coin toss by seed: the rate must be brisk enough for noise to dominate.)
    X = (load_digits().data > 7).astype(float)
    test, train = X[1::4], np.delete(X, np.s_[1::4], axis=0)
    settings = dict(n_components=16, learning_rate=0.1, learning_rate_schedule="constant",
                    max_iter=40)  # fmt: skip
    gains = []
    for seed in range(6):
        last = RestrictedBM(**settings, random_state=seed).fit(train)
        averaged = RestrictedBM(**settings, average=0.25, random_state=seed).fit(train)
        assert averaged.log_partition().method == "exact"
        # Same training path: the averaging only chooses what the fit ends with.
        np.testing.assert_array_equal(averaged.h_samples_, last.h_samples_)
        gains.append(averaged.score(test) - last.score(test))
    assert min(gains) > 0 and np.mean(gains) > 0.15, gains


def test_average_and_early_stopping_are_refused_together():
    X = (load_digits().data > 7).astype(float)
    with pytest.raises(ValueError, match="set average=0 or early_stopping=False"):
        RestrictedBM(8, average=0.1, early_stopping=True, max_iter=2).fit(X)

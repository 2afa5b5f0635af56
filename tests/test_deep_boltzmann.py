"""Deep Boltzmann machines against theory: brute force over every joint state of a tiny
machine, finite differences of its exact likelihood, chi-square of its sampler."""

import os
import signal
import warnings

import numpy as np
import pytest
from scipy.special import expit, logsumexp, xlogy
from sklearn.base import clone

import skenergy.deep
from skenergy import DeepBoltzmannMachine, RestrictedBM
from skenergy._layered import centred_steps

from .test_boltzmann import pooled_chisquare
from .test_deep import all_states, counts_of, tiny_data
from .test_layered import joint_table


def tiny_dbm(sizes=(3, 2), **params):
    settings = {
        "pretrain": RestrictedBM(max_iter=20, learning_rate=0.05, batch_size=20),
        "max_iter": 30, "learning_rate": 0.02, "batch_size": 20, "random_state": 0,
        **params,
    }  # fmt: skip
    return DeepBoltzmannMachine(sizes, **settings).fit(tiny_data())


def brute_force(dbm):
    """``log p(v)`` for every visible state and ``log Z``, from the joint table."""
    states, p, log_z = joint_table(dbm._layers(np.float64))
    V = all_states(dbm.n_features_in_)
    log_p = np.array([logsumexp(np.log(p[(states[0] == v).all(axis=1)])) for v in V])
    return V, log_p, log_z


# ------------------------------------------------------------------ likelihoods


def test_exact_log_likelihood_and_log_z_match_brute_force():
    dbm = tiny_dbm().set_params(likelihood="exact")
    V, log_p, log_z = brute_force(dbm)
    assert dbm.log_partition().log_z == pytest.approx(log_z, abs=1e-10)
    np.testing.assert_allclose(dbm.score_samples(V), log_p, atol=1e-10)
    assert logsumexp(dbm.score_samples(V)) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("sizes", [(3, 2), (2, 3, 2)])
def test_exact_log_partition_enumerates_either_parity(sizes):
    dbm = tiny_dbm(sizes)
    _, _, log_z = brute_force(dbm)
    assert dbm.log_partition().method == "exact"
    assert dbm.log_partition().log_z == pytest.approx(log_z, abs=1e-10)
    # and the likelihood sums whichever hidden parity is smaller
    V, log_p, _ = brute_force(dbm)
    np.testing.assert_allclose(
        dbm.set_params(likelihood="exact").score_samples(V), log_p, atol=1e-10
    )


def test_the_mean_field_bound_is_its_formula_and_stays_below_the_exact_likelihood():
    dbm = tiny_dbm().set_params(likelihood="bound")
    V, log_p, log_z = brute_force(dbm)
    bound = dbm.score_samples(V)
    mu1, mu2 = dbm.transform(V, layer=0), dbm.transform(V)
    (W1, W2), (b0, b1, b2) = dbm.weights_, dbm.intercepts_
    energy = -(
        V @ b0 + mu1 @ b1 + mu2 @ b2 + ((V @ W1.T) * mu1).sum(1) + ((mu1 @ W2.T) * mu2).sum(1)
    )

    def entropy(p):
        return -(xlogy(p, p) + xlogy(1 - p, 1 - p)).sum(axis=1)

    np.testing.assert_allclose(bound, -energy + entropy(mu1) + entropy(mu2) - log_z, atol=1e-6)
    assert (bound <= log_p + 1e-9).all()


def test_transform_is_a_mean_field_fixed_point():
    dbm = tiny_dbm(mean_field_tol=1e-10, mean_field_max_iter=500)
    V = all_states(5)
    mu1, mu2 = dbm.transform(V, layer=0), dbm.transform(V, layer=1)
    (W1, W2), (_, b1, b2) = dbm.weights_, dbm.intercepts_
    np.testing.assert_allclose(mu1, expit(b1 + V @ W1.T + mu2 @ W2), atol=1e-8)
    np.testing.assert_allclose(mu2, expit(b2 + mu1 @ W2.T), atol=1e-8)


@pytest.mark.slow
def test_ais_with_the_odd_layers_summed_out_estimates_the_exact_log_z():
    dbm = tiny_dbm((4, 3, 2), partition="ais", n_betas=3000, n_runs=200)
    _, _, log_z = brute_force(dbm)
    estimate = dbm.log_partition()
    assert estimate.method == "ais"
    assert abs(estimate.log_z - log_z) < 4 * estimate.std + 0.02
    forward, reverse = dbm.log_partition_bounds(n_steps=200)
    assert forward is estimate and reverse.method == "reverse ais"
    assert abs(reverse.log_z - log_z) < 4 * reverse.std + 0.02


# ------------------------------------------------------------------- gradients


def exact_gradient(dbm, X):
    """The training step's statistics (Layers.statistics), with the exact posterior in
    place of mean field and the exact model in place of the chains: weight steps and
    bias steps of the mean exact log-likelihood."""
    layers = dbm._layers(np.float64)
    states, p, _ = joint_table(layers)
    posterior_pairs = [np.zeros_like(W, dtype=float) for W in dbm.weights_]
    posterior_means = [np.zeros_like(b, dtype=float) for b in dbm.intercepts_]
    for v in X:
        rows = (states[0] == v).all(axis=1)
        weights = p[rows] / p[rows].sum()
        pairs, means = layers.statistics([s[rows] for s in states], weights)
        for total, part in zip(posterior_pairs + posterior_means, pairs + means, strict=True):
            total += part / len(X)
    model_pairs, model_means = layers.statistics(states, p)
    return (
        [a - b for a, b in zip(posterior_pairs, model_pairs, strict=True)],
        [a - b for a, b in zip(posterior_means, model_means, strict=True)],
    )


def test_the_learning_rule_is_the_gradient_of_the_exact_likelihood():
    # The exact statistics against central finite differences of the mean exact
    # log-likelihood.
    dbm = tiny_dbm(max_iter=5).set_params(likelihood="exact")
    X = tiny_data()[:40]
    weight_steps, bias_steps = exact_gradient(dbm, X)
    gradient = weight_steps + bias_steps
    parameters = dbm._parameters()
    rng = np.random.default_rng(0)
    for which in range(len(parameters)):
        param = parameters[which]
        index = tuple(rng.integers(n) for n in param.shape)
        eps = 1e-5
        values = []
        for sign in (1, -1):
            param[index] += sign * eps
            dbm._log_partition_cache = {}
            values.append(dbm.score(X))
            param[index] -= sign * eps
        dbm._log_partition_cache = {}
        numeric = (values[0] - values[1]) / (2 * eps)
        assert gradient[which][index] == pytest.approx(numeric, abs=1e-6), which


def test_the_centred_step_is_the_gradient_of_the_centred_parameters():
    # Three layers: the centred energy -sum (h_{l+1} - m_{l+1})' W_l (h_l - m_l) -
    # sum b_l' h_l is the machine with biases b_l - W_l' m_{l+1} - W_{l-1} m_{l-1}.
    # Finite differences of the exact likelihood in the centred parameters, carried
    # back to the uncentred ones, are what centred_steps makes of the plain gradient.
    dbm = tiny_dbm(max_iter=5).set_params(likelihood="exact")
    X = tiny_data()[:40]
    offsets = [np.random.default_rng(layer).random(len(b)) for layer, b in
               enumerate(dbm.intercepts_)]  # fmt: skip
    W = [w.astype(float) for w in dbm.weights_]

    def uncentred_biases(weights, centred):
        biases = [b.copy() for b in centred]
        for layer, w in enumerate(weights):
            biases[layer] -= offsets[layer + 1] @ w
            biases[layer + 1] -= w @ offsets[layer]
        return biases

    centred_b = [b.astype(float) for b in dbm.intercepts_]
    for layer, w in enumerate(W):  # the same machine in centred parameters
        centred_b[layer] += offsets[layer + 1] @ w
        centred_b[layer + 1] += w @ offsets[layer]

    def score():
        probe = clone(dbm)
        probe.__dict__.update({k: v for k, v in dbm.__dict__.items() if k.endswith("_")})
        probe.weights_ = [w.copy() for w in W]
        probe.intercepts_ = uncentred_biases(W, centred_b)
        probe._log_partition_cache = {}
        return probe.score(X)

    assert score() == pytest.approx(dbm.score(X), abs=1e-9)
    eps, gradient = 1e-5, []
    for param in W + centred_b:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + eps
            up = score()
            param[index] = saved - eps
            down = score()
            param[index] = saved
            grad[index] = (up - down) / (2 * eps)
        gradient.append(grad)
    n = len(W)
    carried_back = gradient[:n] + uncentred_biases(gradient[:n], gradient[n:])
    weights, biases = centred_steps(*exact_gradient(dbm, X), offsets)
    for ours, expected in zip(weights + biases, carried_back, strict=True):
        np.testing.assert_allclose(ours, expected, atol=1e-7)


@pytest.mark.parametrize("centered", [False, True])
def test_joint_training_raises_the_exact_likelihood(centered):
    X = tiny_data()
    start = tiny_dbm(pretrain=None, max_iter=0).set_params(likelihood="exact")
    trained = tiny_dbm(pretrain=None, max_iter=100, learning_rate=0.05, k=3, centered=centered)
    trained.set_params(likelihood="exact")
    assert trained.score(X) > start.score(X) + 0.5
    assert trained.reconstruction_error_curve_[-1] < trained.reconstruction_error_curve_[0]


@pytest.mark.parametrize("stage", ["joint", "pretraining"])
def test_averaging_ends_with_the_mean_of_the_last_epochs(stage):
    # At a constant rate, the first three of four epochs follow the three-epoch
    # fit's path; averaging the last half of four epochs ends at the mean of the
    # three- and four-epoch fits' parameters, in joint training and in the
    # pretraining that follows its template's ``average`` (one layer: a second
    # one would learn from different features).
    def fitted(epochs, average):
        schedule = {"learning_rate_schedule": "constant", "max_iter": epochs, "average": average}
        if stage == "joint":
            return tiny_dbm(pretrain=None, learning_rate=0.05, **schedule)
        template = RestrictedBM(learning_rate=0.05, batch_size=20, **schedule)
        return tiny_dbm((3,), pretrain=template, max_iter=0)

    three, four, averaged = fitted(3, 0.0), fitted(4, 0.0), fitted(4, 0.5)
    for name in ("weights_", "intercepts_"):
        for a, b, mean in zip(getattr(three, name), getattr(four, name), getattr(averaged, name),
                              strict=True):  # fmt: skip
            assert not np.allclose(a, b)
            np.testing.assert_allclose(mean, (a + b) / 2, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------- sampling


def test_gibbs_samples_follow_the_exact_distribution():
    dbm = tiny_dbm()
    V, log_p, _ = brute_force(dbm)
    # (30 steps are too few between the two modes: the test then rejects, p ~ 5e-6)
    counts = counts_of(dbm.sample(20000, n_steps=300, random_state=0))
    assert pooled_chisquare(counts, 20000 * np.exp(log_p)) > 1e-3
    # a near miss is rejected: the same distribution tilted a little on one unit
    wrong = np.exp(log_p) * np.exp(0.2 * V[:, 0])
    assert pooled_chisquare(counts, 20000 * wrong / wrong.sum()) < 1e-6


@pytest.mark.slow
def test_tempered_samples_follow_the_exact_distribution():
    dbm = tiny_dbm().set_params(n_temperatures=8)
    V, log_p, _ = brute_force(dbm)
    counts = counts_of(dbm.sample(20000, n_steps=100, tempered=True, random_state=0))
    assert pooled_chisquare(counts, 20000 * np.exp(log_p)) > 1e-3
    wrong = np.exp(log_p) * np.exp(0.2 * V[:, 0])  # a near miss is rejected
    assert pooled_chisquare(counts, 20000 * wrong / wrong.sum()) < 1e-6
    mask = np.arange(dbm.n_features_in_) < 2
    X = np.ones((50, dbm.n_features_in_))
    assert (dbm.sample(X=X, mask=mask, n_steps=5, tempered=True)[:, :2] == 1).all()


def test_training_by_parallel_tempering_reads_the_chains_at_temperature_one():
    X = tiny_data()
    dbm = tiny_dbm(method="pt", n_temperatures=4, max_iter=20, warm_start=True)
    assert dbm.swap_acceptance_.shape == (3,) and (dbm.swap_acceptance_ > 0).all()
    assert all(c is s for c, s in zip(dbm.chains_, dbm._tempered.model_states, strict=True))
    proposed = dbm._tempered.proposed.sum()
    dbm.fit(X)
    assert dbm._tempered.proposed.sum() > proposed
    trained = dbm.set_params(likelihood="exact").score(X)
    start = tiny_dbm(max_iter=0).set_params(likelihood="exact").score(X)
    assert trained > start


def test_clamped_sampling_keeps_the_clamped_units_and_completes_towards_the_data():
    X = tiny_data()
    dbm = tiny_dbm(max_iter=100, learning_rate=0.05, k=3)
    mask = np.array([True, True, True, False, False])
    completed = dbm.sample(X=X[:200], mask=mask, n_steps=20, random_state=0)
    np.testing.assert_array_equal(completed[:, :3], X[:200, :3])
    free = dbm.sample(X=X[:200], n_steps=20, random_state=0)
    agreement = (completed[:, 3:] == X[:200, 3:]).mean()
    assert agreement > (free[:, 3:] == X[:200, 3:]).mean() + 0.1


# ------------------------------------------------------------------- pretraining


@pytest.mark.parametrize(
    "sizes, factors",
    [((4,), [(1, 1)]), ((4, 3), [(2, 1), (1, 2)]), ((4, 3, 2), [(2, 1), (2, 2), (1, 2)])],
)
def test_pretraining_doubles_the_weights_the_paper_doubles(monkeypatch, sizes, factors):
    calls = []
    original = skenergy.deep._train_modified_rbm

    def spy(data, n_hidden, up, down, *args, **kwargs):
        trained = original(data, n_hidden, up, down, *args, **kwargs)
        calls.append((data.copy(), up, down, [p.copy() for p in trained]))
        return trained

    monkeypatch.setattr(skenergy.deep, "_train_modified_rbm", spy)
    X = tiny_data()
    dbm = DeepBoltzmannMachine(sizes, pretrain=RestrictedBM(max_iter=2), max_iter=0).fit(X)
    assert [(up, down) for _, up, down, _ in calls] == factors
    rbms = [trained for *_, trained in calls]
    np.testing.assert_array_equal(dbm.intercepts_[0], rbms[0][1])
    np.testing.assert_array_equal(dbm.intercepts_[-1], rbms[-1][2])
    for layer, (W, _, _) in enumerate(rbms):
        np.testing.assert_array_equal(dbm.weights_[layer], W)
    # Between two RBMs, a layer's bias is the mean of theirs: the lower RBM's
    # hidden bias and the upper one's visible bias.
    for layer in range(1, len(sizes)):
        expected = 0.5 * (rbms[layer - 1][2] + rbms[layer][1])
        np.testing.assert_allclose(dbm.intercepts_[layer], expected, rtol=1e-12)
    if len(sizes) > 1:  # the second RBM sees the first one's doubled-input probabilities
        W, c = rbms[0][0], rbms[0][2]
        np.testing.assert_allclose(calls[1][0], expit(c + 2 * X @ W.T), rtol=1e-10)


@pytest.mark.parametrize("method", ["cd", "pcd"])
def test_a_modified_rbm_step_is_the_rbm_update_of_its_scaled_conditionals(method):
    # One CD-1 or PCD-1 minibatch by hand, with the same random numbers: the hidden
    # units see 2 W v, the visible ones W'h.
    X = tiny_data()[:20]
    template = RestrictedBM(max_iter=1, batch_size=20, momentum=0.0, alpha=0.0, method=method,
                            learning_rate=0.1, learning_rate_schedule="constant")  # fmt: skip
    from skenergy._units import UNITS

    W, b, c = skenergy.deep._train_modified_rbm(
        X, 3, 2.0, 1.0, UNITS["bernoulli"], template, np.random.default_rng(5), "t", 0
    )
    rng = np.random.default_rng(5)
    W0 = 0.01 * rng.standard_normal((3, 5))
    p = np.clip(X.mean(0), 1e-3, 1 - 1e-3)
    b0, c0 = np.log(p / (1 - p)), np.zeros(3)
    order = rng.permutation(20)  # the epoch's row order
    V = X[order]
    H_data = expit(c0 + 2 * V @ W0.T)
    if method == "cd":  # the chain starts at the data's hidden states
        H = (rng.random(H_data.shape) < H_data).astype(float)
    else:  # the persistent chains start with every hidden unit off
        H = np.zeros_like(H_data)
    V_model = (rng.random(V.shape) < expit(b0 + H @ W0)).astype(float)
    H_model = expit(c0 + 2 * V_model @ W0.T)
    np.testing.assert_allclose(W, W0 + 0.1 * (H_data.T @ V - H_model.T @ V_model) / 20)
    np.testing.assert_allclose(b, b0 + 0.1 * (V.mean(0) - V_model.mean(0)))
    np.testing.assert_allclose(c, c0 + 0.1 * (H_data.mean(0) - H_model.mean(0)))


def test_pretraining_refuses_parallel_tempering_and_names_the_way_out():
    dbm = DeepBoltzmannMachine((3, 2), pretrain=RestrictedBM(method="pt"), max_iter=0)
    with pytest.raises(ValueError, match="method='pcd' or 'cd'"):
        dbm.fit(tiny_data())


def test_fitted_rbms_give_the_starting_weights_as_they_are():
    X = tiny_data()
    first = RestrictedBM(n_components=3, max_iter=2, random_state=0).fit(X)
    second = RestrictedBM(n_components=2, max_iter=2, random_state=0).fit(first.transform(X))
    dbm = DeepBoltzmannMachine((3, 2), pretrain=[first, second], max_iter=0).fit(X)
    np.testing.assert_array_equal(dbm.weights_[1], second.components_)
    np.testing.assert_array_equal(dbm.intercepts_[0], first.intercept_visible_)
    with pytest.raises(ValueError, match="holds 1 fitted RBMs for 2 hidden layers"):
        clone(dbm).set_params(pretrain=[first]).fit(X)
    with pytest.raises(ValueError, match="layer 2 needs"):
        clone(dbm).set_params(pretrain=[first, first]).fit(X)


# ---------------------------------------------------------------- the estimator


def test_gaussian_visible_units_give_a_density_in_the_datas_units():
    X = np.random.default_rng(0).normal(3.0, 2.0, (300, 4))
    dbm = DeepBoltzmannMachine((3, 2), visible="gaussian", learning_rate=0.001,
                               pretrain=RestrictedBM(max_iter=3, learning_rate=0.001),
                               max_iter=5, random_state=0, likelihood="exact")  # fmt: skip
    dbm.fit(X)
    scaled = clone(dbm).fit(2 * X)
    np.testing.assert_allclose(
        dbm.score_samples(X) - scaled.score_samples(2 * X), 4 * np.log(2), rtol=1e-4
    )
    assert dbm.sample(3, n_steps=5).shape == (3, 4)


def test_warm_start_and_partial_fit_continue_training():
    X = tiny_data()
    dbm = tiny_dbm(max_iter=3, warm_start=True)
    pretrained = dbm.weights_[0].copy()
    dbm.fit(X)
    assert dbm.n_iter_ == 6 and not np.array_equal(dbm.weights_[0], pretrained)
    streaming = DeepBoltzmannMachine((3, 2), batch_size=50, random_state=0)
    for chunk in np.array_split(X, 3):
        streaming.partial_fit(chunk)
    assert streaming.n_iter_ == 3 and np.isfinite(streaming.score_samples(X)).all()


def test_centring_offsets_follow_the_data_and_carry_over_a_warm_start():
    X = tiny_data()
    dbm = tiny_dbm(max_iter=20, centered=True, warm_start=True)
    np.testing.assert_allclose(dbm.offsets_[0], X.mean(axis=0), atol=0.1)
    for offset, posterior in zip(dbm.offsets_[1:], dbm._mean_field(dbm._layers(), X)[1:],
                                 strict=True):  # fmt: skip
        np.testing.assert_allclose(offset, posterior.mean(axis=0), atol=0.1)
    reached = [o.copy() for o in dbm.offsets_]
    dbm.set_params(max_iter=1).fit(X)  # continues from the offsets reached
    for before, after in zip(reached, dbm.offsets_, strict=True):
        assert np.abs(after - before).max() < 0.05
    assert tiny_dbm(max_iter=1).offsets_ is None


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_ctrl_c_during_pretraining_skips_the_rest_and_keeps_a_usable_machine(monkeypatch):
    original = skenergy._rbm_step.momentum_step
    calls = {"n": 0}

    def step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # in the first layer's second minibatch
            os.kill(os.getpid(), signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(skenergy._rbm_step, "momentum_step", step)
    monkeypatch.setattr(skenergy._layered, "momentum_step", step)
    dbm = DeepBoltzmannMachine((4, 3), pretrain=RestrictedBM(max_iter=50, batch_size=20))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dbm.fit(tiny_data())
    messages = [str(w.message) for w in caught if "interrupted" in str(w.message)]
    assert len(messages) == 1 and "pretraining stopped" in messages[0]
    assert calls["n"] <= 6 and dbm.n_iter_ == 0  # no further minibatch, no joint training
    assert np.isfinite(dbm.transform(tiny_data())).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_one_hidden_layer_is_an_rbm():
    X = tiny_data()
    rbm = RestrictedBM(n_components=3, max_iter=5, random_state=0).fit(X)
    dbm = DeepBoltzmannMachine(3, pretrain=[rbm], max_iter=0, likelihood="exact").fit(X)
    np.testing.assert_allclose(dbm.score_samples(X), rbm.score_samples(X), atol=1e-9)
    np.testing.assert_allclose(dbm.transform(X), rbm.transform(X), atol=1e-6)


def test_a_fitted_rbm_with_a_free_layer_above_starts_as_that_rbm():
    # pretrain=[rbm, None]: the layer above starts at small random weights and zero
    # biases, so the machine's marginal of v is the RBM's, up to what those weights
    # add (brute force over the joint table, not the machine's own likelihood code).
    X = tiny_data()
    rbm = RestrictedBM(n_components=3, max_iter=50, learning_rate=0.05, batch_size=20,
                       random_state=0).fit(X)  # fmt: skip
    dbm = DeepBoltzmannMachine((3, 4), pretrain=[rbm, None], max_iter=0, random_state=0).fit(X)
    np.testing.assert_array_equal(dbm.weights_[0], rbm.components_)
    np.testing.assert_array_equal(dbm.intercepts_[1], rbm.intercept_hidden_)
    np.testing.assert_array_equal(dbm.intercepts_[2], 0.0)
    assert 0 < np.abs(dbm.weights_[1]).max() < 0.1
    V, log_p, _ = brute_force(dbm)
    # log p(v) spans 4.8 nats; the free weights move it by 0.01, halving the RBM's
    # hidden biases by 0.7.
    np.testing.assert_allclose(log_p, rbm.score_samples(V), atol=0.02)
    with pytest.raises(TypeError, match=r"fitted RestrictedBM instances \(or None\)"):
        clone(dbm).set_params(pretrain=[RestrictedBM(), None]).fit(X)

"""Deep belief networks against theory: every quantity recomputed here by brute force
over all joint states of a tiny network, from its raw parameters."""

import copy
import itertools
import os
import signal
import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.base import clone
from sklearn.datasets import load_digits

from skenergy import DeepBeliefClassifier, DeepBeliefNetwork, RestrictedBM

from .test_boltzmann import pooled_chisquare


def all_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def tiny_data(n_rows=300, seed=0):
    """Binary rows of 5 units from two complementary prototypes, each unit flipped
    with probability 0.1: structure for the hidden layers to find."""
    rng = np.random.default_rng(seed)
    prototype = np.array([True, False, True, True, False])
    rows = np.array([prototype, ~prototype])[rng.integers(2, size=n_rows)]
    flips = rng.random(rows.shape) < 0.1
    return (rows ^ flips).astype(float)


def tiny_dbn(sizes=(3, 2), seed=0, fine_tune_iter=0, **rbm_params):
    params = {"max_iter": 100, "learning_rate": 0.05, "batch_size": 20, **rbm_params}
    rbm = RestrictedBM(**params)
    dbn = DeepBeliefNetwork(sizes, rbm=rbm, random_state=seed, fine_tune_iter=fine_tune_iter,
                            fine_tune_learning_rate=0.05)  # fmt: skip
    return dbn.fit(tiny_data())


def log_bernoulli(states, logits):
    """``log p(states | logits)`` for factorial Bernoulli units, broadcast over leading axes."""
    return (states * logits - np.logaddexp(0, logits)).sum(axis=-1)


def brute_force(dbn, V):
    """Exact log p(v) and the bound E_Q[log p(v, h) - log Q(h | v)] of a network of
    three layers (v, h1 and the top RBM's h1-h2), from the RBMs' raw parameters
    (and the generative ones, once fine-tuning has untied them)."""
    bottom, top = dbn.rbms_
    W1, b0, c1 = bottom.components_, bottom.intercept_visible_, bottom.intercept_hidden_
    W2, b1, c2 = top.components_, top.intercept_visible_, top.intercept_hidden_
    if dbn.generative_weights_ is not None:  # fine-tuned: p(v | h1) has its own weights
        W1_down, b0 = dbn.generative_weights_[0], dbn.generative_intercepts_[0]
    else:
        W1_down = W1
    H1, H2 = all_states(W1.shape[0]), all_states(W2.shape[0])
    # The top RBM's joint over (h1, h2), normalised by brute force.
    top_log = H1 @ b1[:, None] + (H2 @ c2)[None, :] + H1 @ W2.T @ H2.T
    log_prior_h1 = logsumexp(top_log, axis=1) - logsumexp(top_log)
    log_p_v_given_h1 = log_bernoulli(V[:, None, :], (H1 @ W1_down + b0)[None, :, :])
    joint = log_p_v_given_h1 + log_prior_h1[None, :]
    log_q = log_bernoulli(H1[None, :, :], (V @ W1.T + c1)[:, None, :])
    exact = logsumexp(joint, axis=1)
    bound = (np.exp(log_q) * (joint - log_q)).sum(axis=1)
    return exact, bound


# ------------------------------------------------------------------ likelihoods


def test_exact_log_likelihood_matches_brute_force_and_normalises():
    dbn = tiny_dbn().set_params(likelihood="exact")
    V = all_states(5)
    exact, _ = brute_force(dbn, V)
    np.testing.assert_allclose(dbn.score_samples(V), exact, atol=1e-9)
    assert logsumexp(dbn.score_samples(V)) == pytest.approx(0.0, abs=1e-9)


def test_the_bound_matches_brute_force_and_stays_below_the_exact_likelihood():
    dbn = tiny_dbn().set_params(likelihood="bound")
    V = all_states(5)
    exact, bound = brute_force(dbn, V)
    np.testing.assert_allclose(dbn.score_samples(V), bound, atol=1e-9)
    assert (bound <= exact + 1e-12).all()
    assert (exact - bound).max() > 1e-3  # trained weights: a posterior Q does not capture


def test_the_sampled_bound_agrees_with_the_summed_one_within_its_error(monkeypatch):
    dbn = tiny_dbn().set_params(likelihood="bound", n_bound_samples=400)
    V = tiny_data()[:40]
    summed = dbn.score_samples(V)
    monkeypatch.setattr("skenergy.deep.MAX_AUTO_SUMMED_UNITS", 0)  # too many units to sum
    sampled, std = dbn.score_samples(V, return_std=True)
    assert (std > 0).all()
    z = (sampled - summed) / std
    assert np.abs(z).max() < 4.5 and abs(z.mean()) < 4 / np.sqrt(len(z))


def test_the_bound_is_tight_when_the_recognition_model_is_the_posterior():
    # Each visible unit hangs from one hidden unit and the top RBM has no weights:
    # the posterior of h1 factorises, and Q equals it when each hidden bias is
    # the prior's log-odds plus what the visible units' normalisers take away.
    dbn = tiny_dbn(sizes=(2, 2))
    bottom, top = dbn.rbms_
    W1 = np.array([[2.0, -1.5, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 3.0, -2.0]])
    b0 = np.array([0.3, -0.2, 0.5, -1.0, 0.1])
    b1 = np.array([0.4, -0.7])
    softplus = lambda x: np.logaddexp(0, x)  # noqa: E731
    c1 = b1 + (softplus(b0) - softplus(b0 + W1)).sum(axis=1)
    bottom.components_, bottom.intercept_visible_, bottom.intercept_hidden_ = W1, b0, c1
    top.components_ = np.zeros_like(top.components_)
    top.intercept_visible_, top.intercept_hidden_ = b1, np.array([0.2, -0.1])
    for rbm in dbn.rbms_:
        rbm._log_partition_cache = {}
    V = all_states(5)
    exact = dbn.set_params(likelihood="exact").score_samples(V)
    bound = dbn.set_params(likelihood="bound").score_samples(V)
    np.testing.assert_allclose(bound, exact, atol=1e-9)
    # and a wrong hidden bias loosens it
    bottom.intercept_hidden_ = c1 + 0.5
    assert (dbn.score_samples(V) < exact - 1e-3).all()


def test_ais_estimates_the_top_rbms_exact_log_partition():
    dbn = tiny_dbn(partition="ais", n_betas=2000, n_runs=200)
    estimate = dbn.log_partition()
    exact = copy.deepcopy(dbn.rbms_[-1]).set_params(partition="exact").log_partition()
    assert estimate.method == "ais" and exact.method == "exact"
    assert abs(estimate.log_z - exact.log_z) < 3 * estimate.std + 0.01
    # The likelihood reports the AIS error.
    _, std = dbn.set_params(likelihood="bound").score_samples(tiny_data()[:3], return_std=True)
    np.testing.assert_allclose(std, estimate.std)


def test_the_log_partition_bracket_is_the_top_rbms_and_holds_the_exact_value():
    dbn = tiny_dbn(partition="ais", n_betas=2000, n_runs=200)
    forward, reverse = dbn.log_partition_bounds(n_steps=100)
    top = copy.deepcopy(dbn.rbms_[-1])
    exact = copy.deepcopy(top).set_params(partition="exact").log_partition().log_z
    assert (forward.log_z, reverse.log_z) == tuple(
        b.log_z for b in top.log_partition_bounds(n_steps=100)
    )
    assert forward.log_z - 3 * forward.std - 0.01 < exact < reverse.log_z + 3 * reverse.std + 0.01


def test_one_hidden_layer_is_the_rbm():
    X = tiny_data()
    dbn = DeepBeliefNetwork(4, rbm=RestrictedBM(max_iter=5), random_state=0).fit(X)
    rbm = RestrictedBM(n_components=4, max_iter=5, random_state=0).fit(X)
    np.testing.assert_allclose(dbn.score_samples(X), rbm.score_samples(X))
    np.testing.assert_allclose(dbn.transform(X), rbm.transform(X))
    np.testing.assert_allclose(
        dbn.sample(4, n_steps=7, random_state=1), rbm.sample(4, n_steps=7, random_state=1)
    )


# ---------------------------------------------------------------- the greedy guarantee


def flipped(rbm):
    """The RBM upside down: its hidden layer as visible. As a second layer it gives
    h1 the first RBM's own marginal, so the network's p(v) is the RBM's."""
    upside_down = clone(rbm).set_params(n_components=rbm.n_features_in_)
    upside_down.components_ = rbm.components_.T.copy()
    upside_down.intercept_visible_ = rbm.intercept_hidden_.copy()
    upside_down.intercept_hidden_ = rbm.intercept_visible_.copy()
    upside_down.n_features_in_ = rbm.n_components
    upside_down._log_partition_cache = {}
    return upside_down


def test_a_second_layer_started_from_the_flipped_first_leaves_the_likelihood_and_a_tight_bound():
    X = tiny_data()
    dbn = DeepBeliefNetwork(3, rbm=RestrictedBM(max_iter=30, batch_size=20), random_state=0)
    dbn.fit(X)
    single = dbn.score_samples(X)
    dbn.rbms_.append(flipped(dbn.rbms_[0]))
    dbn.set_params(hidden_layer_sizes=(3, 5))
    exact = dbn.set_params(likelihood="exact").score_samples(X)
    bound = dbn.set_params(likelihood="bound").score_samples(X)
    np.testing.assert_allclose(exact, single, atol=1e-9)
    np.testing.assert_allclose(bound, single, atol=1e-9)


def log_marginal(W, b_own, b_other, states):
    """Exact log-marginal of an RBM's layer (biases ``b_own``, states given) with the
    other layer (biases ``b_other``, weights ``W`` from this layer to it) summed out."""
    log_weight = states @ b_own + np.logaddexp(0, states @ W + b_other).sum(axis=1)
    return log_weight - logsumexp(log_weight)


def test_a_second_layer_that_models_the_aggregated_posterior_better_raises_the_bound():
    # The greedy guarantee (Hinton et al. 2006): the two-layer bound is the
    # one-layer likelihood plus E[log p2(h1) - log p1(h1)] over the first layer's
    # aggregated posterior Q(h1 | v), so a second RBM that models draws of that
    # posterior better than the first RBM's own prior p1 can only raise it.
    X = tiny_data()
    first = RestrictedBM(max_iter=30, batch_size=20, learning_rate=0.05)
    single = DeepBeliefNetwork(3, rbm=first, random_state=0).fit(X)
    bottom = single.rbms_[0]
    P = bottom.transform(X)
    draws = (np.random.default_rng(1).random((20, *P.shape)) < P).reshape(-1, 3).astype(float)
    second = RestrictedBM(n_components=6, max_iter=50, learning_rate=0.02, k=5, random_state=0)
    two = clone(single).set_params(hidden_layer_sizes=(3, 6), likelihood="bound").fit(X)
    two.rbms_ = [bottom, second.fit(draws)]
    gain = two.score(X) - single.score(X)
    # the identity, by brute force over the 8 states of h1
    H1 = all_states(3)
    log_p1 = log_marginal(bottom.components_, bottom.intercept_hidden_,
                          bottom.intercept_visible_, H1)  # fmt: skip
    log_p2 = log_marginal(second.components_.T, second.intercept_visible_,
                          second.intercept_hidden_, H1)  # fmt: skip
    Q = np.exp(
        log_bernoulli(H1[None], (X @ bottom.components_.T + bottom.intercept_hidden_)[:, None])
    )
    assert gain == pytest.approx((Q @ (log_p2 - log_p1)).mean(), abs=1e-9)
    assert gain > 0.01


# --------------------------------------------------------------------- sampling


def exact_distribution(dbn):
    V = all_states(dbn.n_features_in_)
    return V, np.exp(dbn.set_params(likelihood="exact").score_samples(V))


def counts_of(samples):
    codes = (samples.astype(int) * (1 << np.arange(samples.shape[1]))[::-1]).sum(axis=1)
    return np.bincount(codes, minlength=1 << samples.shape[1])


def test_samples_follow_the_generative_models_exact_distribution():
    dbn = tiny_dbn()
    _, p = exact_distribution(dbn)
    counts = counts_of(dbn.sample(20000, n_steps=50, random_state=0))
    assert pooled_chisquare(counts, 20000 * p) > 1e-3
    # The same test rejects a near miss: the bottom RBM's own distribution, which
    # differs only in the prior over h1.
    q = np.exp(dbn.rbms_[0].score_samples(all_states(5)))
    assert pooled_chisquare(counts, 20000 * q / q.sum()) < 1e-6


def test_clamped_sampling_keeps_the_clamped_units_and_completes_towards_the_data():
    X = tiny_data()
    dbn = tiny_dbn()
    mask = np.array([True, True, True, False, False])
    completed = dbn.sample(X=X[:200], mask=mask, n_steps=20, random_state=0)
    np.testing.assert_array_equal(completed[:, :3], X[:200, :3])
    unclamped = dbn.sample(X=X[:200], n_steps=20, random_state=0)
    # Completion uses what is clamped: it recovers the hidden columns more often
    # than unconditioned samples do.
    # (The best possible is about 0.8: the clamped units name the prototype 97% of
    # the time, and each unit of a row agrees with its prototype 90% of the time.)
    agreement = (completed[:, 3:] == X[:200, 3:]).mean()
    assert agreement > (unclamped[:, 3:] == X[:200, 3:]).mean() + 0.1
    assert agreement > 0.65


def test_sampling_is_reproducible_and_advances_the_models_generator():
    dbn = tiny_dbn()
    a = dbn.sample(5, n_steps=3, random_state=7)
    np.testing.assert_array_equal(a, dbn.sample(5, n_steps=3, random_state=7))
    first, second = dbn.sample(5, n_steps=3), dbn.sample(5, n_steps=3)
    assert not np.array_equal(first, second)


# ---------------------------------------------------------------- the estimator


def test_transform_reads_any_layer_and_inverse_transform_runs_down():
    X = load_digits().data[:200] / 16
    dbn = DeepBeliefNetwork((12, 6, 4), rbm=RestrictedBM(max_iter=2), random_state=0).fit(X)
    assert [r.n_components for r in dbn.rbms_] == [12, 6, 4]
    h1 = dbn.rbms_[0].transform(X)
    np.testing.assert_allclose(dbn.transform(X, layer=0), h1)
    np.testing.assert_allclose(dbn.transform(X, layer=-2), dbn.rbms_[1].transform(h1))
    assert dbn.transform(X).shape == (200, 4)
    with pytest.raises(ValueError, match="layer=3"):
        dbn.transform(X, layer=3)
    with pytest.raises(TypeError, match="layer"):
        dbn.transform(X, layer=1.0)
    back = dbn.inverse_transform(dbn.transform(X))
    assert back.shape == X.shape and ((back >= 0) & (back <= 1)).all()


def test_gaussian_data_get_gaussian_visible_units_and_a_density_in_their_units():
    X = load_digits().data[:300, 20:26]  # 0 to 16
    dbn = DeepBeliefNetwork((4, 3), rbm=RestrictedBM(max_iter=5, learning_rate=0.002))
    dbn.set_params(random_state=0, likelihood="exact").fit(X)
    assert dbn.rbms_[0].visible == "gaussian"
    # Scaling the data by 2 moves every density by -n_features * log 2.
    scaled = clone(dbn).fit(2 * X)
    shift = dbn.score_samples(X) - scaled.score_samples(2 * X)
    np.testing.assert_allclose(shift, 6 * np.log(2), rtol=1e-4)
    assert dbn.sample(3, n_steps=10).shape == (3, 6)


def test_warm_start_adds_layers_and_keeps_those_that_fit():
    X = tiny_data()
    dbn = DeepBeliefNetwork((3,), rbm=RestrictedBM(max_iter=3), warm_start=True, random_state=0)
    bottom = dbn.fit(X).rbms_[0]
    dbn.set_params(hidden_layer_sizes=(3, 2)).fit(X)
    assert dbn.rbms_[0] is bottom and len(dbn.rbms_) == 2
    dbn.set_params(hidden_layer_sizes=(4, 2)).fit(X)
    assert dbn.rbms_[0] is not bottom and dbn.rbms_[0].n_components == 4
    cold = clone(dbn).set_params(warm_start=False).fit(X)
    np.testing.assert_array_equal(cold.rbms_[1].components_, dbn.rbms_[1].components_)


def test_partial_fit_runs_one_epoch_per_layer_per_call():
    X = tiny_data()
    dbn = DeepBeliefNetwork((4, 3), rbm=RestrictedBM(batch_size=50), random_state=0)
    for chunk in np.array_split(X, 3):
        dbn.partial_fit(chunk)
    assert [rbm.n_iter_ for rbm in dbn.rbms_] == [3, 3]
    assert np.isfinite(dbn.score_samples(X)).all()


def test_rbm_parameters_are_tunable_through_the_template():
    dbn = DeepBeliefNetwork((4, 3), rbm=RestrictedBM(), random_state=0)
    dbn.set_params(rbm__max_iter=2, rbm__learning_rate=0.05)
    dbn.fit(tiny_data())
    assert all(r.max_iter == 2 and r.learning_rate == 0.05 for r in dbn.rbms_)
    assert "rbm__k" in dbn.get_params()


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_ctrl_c_in_the_second_layer_keeps_the_trained_layers(monkeypatch):
    import skenergy._rbm_step

    X = load_digits().data / 16
    rbm = RestrictedBM(batch_size=100, max_iter=20)
    dbn = DeepBeliefNetwork((16, 8, 4), rbm=rbm, random_state=0)
    original = skenergy._rbm_step.FusedTrainer.update
    calls = {"n": 0}
    n_batches_per_layer = 20 * 18  # 1797 rows in minibatches of 100, 20 epochs

    def update(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n_batches_per_layer + 5:
            os.kill(os.getpid(), signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(skenergy._rbm_step.FusedTrainer, "update", update)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dbn.fit(X)
    interrupted = [str(w.message) for w in caught if "interrupted" in str(w.message)]
    assert len(interrupted) == 1 and "DeepBeliefNetwork" in interrupted[0]
    assert "2 of its 3 layers" in interrupted[0]
    assert len(dbn.rbms_) == 2 and dbn.rbms_[1].n_iter_ == 0
    assert np.isfinite(dbn.transform(X)).all() and np.isfinite(dbn.score_samples(X[:5])).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    # warm start trains the layer left out
    dbn.set_params(warm_start=True).fit(X)
    assert len(dbn.rbms_) == 3


def test_the_bound_of_an_mnist_sized_network_costs_no_enumeration():
    X = (load_digits().data[:100] > 7).astype(float)
    dbn = DeepBeliefNetwork((30, 20), rbm=RestrictedBM(max_iter=1), random_state=0).fit(X)
    values, std = dbn.score_samples(X, return_std=True)
    assert dbn._likelihood_method() == ("bound", False)  # 30 units below the top
    assert np.isfinite(values).all() and (std > 0).all() and (values < 0).all()


def test_a_rows_sampled_bound_does_not_depend_on_the_rows_scored_with_it(monkeypatch):
    monkeypatch.setattr("skenergy.deep.MAX_AUTO_SUMMED_UNITS", 0)
    dbn = tiny_dbn().set_params(likelihood="bound", n_bound_samples=5)
    X = tiny_data()
    np.testing.assert_allclose(dbn.score_samples(X)[7:9], dbn.score_samples(X[7:9]))


def test_binary_hidden_layers_refuse_a_gaussian_hidden_template():
    X = tiny_data()
    gaussian = RestrictedBM(hidden="gaussian", max_iter=1)
    with pytest.raises(ValueError, match="hidden layers are binary.*hidden='bernoulli'"):
        DeepBeliefNetwork((3,), rbm=gaussian).fit(X)
    from skenergy import DeepBoltzmannMachine

    with pytest.raises(ValueError, match="hidden layers are binary.*hidden='bernoulli'"):
        DeepBoltzmannMachine((3,), pretrain=gaussian).fit(X)
    fitted = clone(gaussian).set_params(n_components=3, learning_rate=0.001).fit(X)
    with pytest.raises(ValueError, match="the RBM at position 0 of pretrain"):
        DeepBoltzmannMachine((3,), pretrain=[fitted]).fit(X)


# ------------------------------------------------------------- fine-tuning


def test_the_delta_rule_is_the_gradient_of_the_log_conditional():
    # Each wake and sleep step climbs the mean log p(s_layer | other layer) of a
    # pair; checked against central differences, for Bernoulli and Gaussian units.
    from skenergy._layered import Layers
    from skenergy._units import UNITS
    from skenergy._wake_sleep import delta_step

    rng = np.random.default_rng(0)
    for lower in ("bernoulli", "gaussian"):
        for layer in (0, 1):
            W, b, c = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3)
            below = rng.random((6, 4)) if lower == "gaussian" else (rng.random((6, 4)) < 0.5) * 1.0
            above = (rng.random((6, 3)) < 0.5) * 1.0

            def objective(W, b, c, layer=layer, below=below, above=above, lower=lower):
                pair = Layers([UNITS[lower], UNITS["bernoulli"]], [b, c], [W])
                return pair.log_conditional(layer, [below, above]).mean()

            pair = Layers([UNITS[lower], UNITS["bernoulli"]], [b.copy(), c.copy()], [W.copy()])
            delta_step(pair, layer, below, above, lr=1.0)
            steps = [pair.weights[0] - W, pair.biases[0] - b, pair.biases[1] - c]
            params, eps = [W, b, c], 1e-6
            for i, (param, step) in enumerate(zip(params, steps, strict=True)):
                numeric = np.zeros_like(param)
                for index in np.ndindex(param.shape):
                    shifted = [p.copy() for p in params]
                    shifted[i][index] += eps
                    up = objective(*shifted)
                    shifted[i][index] -= 2 * eps
                    numeric[index] = (up - objective(*shifted)) / (2 * eps)
                np.testing.assert_allclose(step, numeric, atol=1e-7)


def digits_dbn(seed, fine_tune_iter=0, **params):
    X = (load_digits().data > 7).astype(float)
    train = np.delete(X, np.s_[1::4], axis=0)
    dbn = DeepBeliefNetwork(
        (10, 8), rbm=RestrictedBM(max_iter=30), likelihood="exact", random_state=seed,
        fine_tune_iter=fine_tune_iter, fine_tune_learning_rate=0.05, **params,
    )  # fmt: skip
    return dbn.fit(train), train, X[1::4]


def test_up_down_fine_tuning_raises_the_exact_likelihood():
    # Greedy stacking leaves each layer's generative weights tied to its
    # recognition weights; wake-sleep unties them and climbs log p(v) (exact here:
    # 10 units below a top RBM of 10 x 8), on the training rows and held out.
    # The sleep phase teaches the recognition model to invert the tuned generative
    # one: its bound (summed exactly) beats the greedy recognition model's.
    tightened = []
    for seed in range(3):
        greedy, train, test = digits_dbn(seed)
        tuned = digits_dbn(seed, fine_tune_iter=20)[0]
        assert greedy.generative_weights_ is None and tuned.n_fine_tune_iter_ == 20
        # the same greedy stack underneath: the tuning alone made the difference
        assert tuned.rbms_[0].n_iter_ == greedy.rbms_[0].n_iter_
        assert not np.allclose(tuned.generative_weights_[0], tuned.rbms_[0].components_)
        assert tuned.score(train) > greedy.score(train) + 0.1
        assert tuned.score(test) > greedy.score(test) + 0.1
        bound = tuned.set_params(likelihood="bound").score(train)
        with_greedy_recognition = copy.deepcopy(tuned)
        with_greedy_recognition.rbms_[0] = greedy.rbms_[0]
        tightened.append(bound - with_greedy_recognition.score(train))
    assert min(tightened) > 0.1 and np.mean(tightened) > 0.25, tightened


def test_a_fine_tuned_network_is_scored_and_sampled_by_its_generative_weights():
    tuned = tiny_dbn(fine_tune_iter=30)
    V = all_states(5)
    exact, bound = brute_force(tuned, V)
    np.testing.assert_allclose(tuned.set_params(likelihood="exact").score_samples(V), exact,
                               atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(tuned.set_params(likelihood="bound").score_samples(V), bound,
                               atol=1e-9)  # fmt: skip
    assert (bound <= exact + 1e-12).all()
    # samples follow the exact distribution of the untied generative model
    counts = counts_of(tuned.sample(20000, n_steps=50, random_state=0))
    assert pooled_chisquare(counts, 20000 * np.exp(exact)) > 1e-3
    # inverse_transform runs down the generative weights
    H = np.random.default_rng(0).random((4, 2))
    top = tuned.rbms_[1]
    h1 = 1 / (1 + np.exp(-(H @ top.components_ + top.intercept_visible_)))
    G, g = tuned.generative_weights_[0], tuned.generative_intercepts_[0]
    expected = 1 / (1 + np.exp(-(h1 @ G + g)))
    np.testing.assert_allclose(tuned.inverse_transform(H), expected, rtol=1e-10)


def test_partial_fit_fine_tunes_one_epoch_per_chunk_or_ties_the_layers_again():
    tuned = tiny_dbn(fine_tune_iter=5)
    before = tuned.generative_weights_[0].copy()
    tuned.partial_fit(tiny_data())  # a greedy epoch per layer, then one of up-down
    assert tuned.n_fine_tune_iter_ == 1
    assert not np.allclose(tuned.generative_weights_[0], before)  # kept, then moved
    assert not np.allclose(tuned.generative_weights_[0], tuned.rbms_[0].components_)
    fresh = clone(tuned).partial_fit(tiny_data())
    assert fresh.generative_weights_ is not None and fresh.n_fine_tune_iter_ == 1
    tuned.set_params(fine_tune_iter=0).partial_fit(tiny_data())
    assert tuned.generative_weights_ is None and tuned.generative_intercepts_ is None


def test_warm_start_keeps_the_fine_tuned_layers_and_unties_the_new_ones():
    tuned = tiny_dbn(fine_tune_iter=5)
    kept = tuned.generative_weights_[0].copy()
    tuned.set_params(hidden_layer_sizes=(3, 2, 2), warm_start=True, fine_tune_iter=0)
    tuned.fit(tiny_data())
    assert len(tuned.generative_weights_) == 2
    np.testing.assert_array_equal(tuned.generative_weights_[0], kept)
    np.testing.assert_array_equal(tuned.generative_weights_[1], tuned.rbms_[1].components_)


def test_fine_tuning_gaussian_data_keeps_a_finite_density():
    X = load_digits().data[:300]
    dbn = DeepBeliefNetwork((8, 4), rbm=RestrictedBM(max_iter=5), fine_tune_iter=3,
                            random_state=0).fit(X)  # fmt: skip
    assert dbn.rbms_[0].visible == "gaussian"
    assert np.isfinite(dbn.score_samples(X[:20])).all()
    assert np.isfinite(dbn.sample(3, n_steps=5)).all()


def test_ctrl_c_in_fine_tuning_keeps_the_network_as_the_last_step_left_it(monkeypatch):
    import skenergy._wake_sleep

    original = skenergy._wake_sleep.UpDown.step
    calls = {"n": 0}

    def step(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 7:
            os.kill(os.getpid(), signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(skenergy._wake_sleep.UpDown, "step", step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dbn = tiny_dbn(fine_tune_iter=50)
    assert any("interrupted" in str(w.message) for w in caught)
    assert calls["n"] == 7 and dbn.n_fine_tune_iter_ == 0
    assert dbn.generative_weights_ is not None
    assert np.isfinite(dbn.score_samples(tiny_data()[:5])).all()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ------------------------------------------------------- the labelled top RBM


def tiny_classifier(sizes=3, seed=0, **rbm_params):
    X = tiny_data()
    y = np.where(X[:, 0] == 1, "a", "b")  # the prototype, read through the noise
    y[::7] = "c"  # and a third, rarer class that the data do not predict
    rbm = RestrictedBM(**{"max_iter": 60, "learning_rate": 0.05, "batch_size": 20, **rbm_params})
    return DeepBeliefClassifier(sizes, rbm=rbm, random_state=seed).fit(X, y), X, y


def labelled_energy_terms(clf, V):
    """``log sum_h exp(-E(v, h, y))`` for every row of V and class, by brute force
    over the top layer's states, from the raw parameters."""
    (W, U), (b, c, d) = clf.top_weights_, clf.top_intercepts_
    H = all_states(W.shape[0])
    n_classes = len(d)
    out = np.empty((len(V), n_classes))
    for k in range(n_classes):
        energy = -(V @ b)[:, None] - (H @ c)[None, :] - d[k] - V @ W.T @ H.T - (H @ U[k])[None, :]
        out[:, k] = logsumexp(-energy, axis=1)
    return out


def test_class_posteriors_are_the_top_rbms_exact_conditionals():
    clf, X, y = tiny_classifier()
    V = all_states(5)
    terms = labelled_energy_terms(clf, V)
    expected = np.exp(terms - logsumexp(terms, axis=1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(V), expected, rtol=1e-9, atol=1e-12)
    assert list(clf.classes_) == ["a", "b", "c"]
    # it learned the prototype: far above the majority class's 0.4 or so
    assert clf.score(X, y) > 0.7


def test_class_posteriors_read_the_up_pass_of_a_stack():
    clf, X, _ = tiny_classifier(sizes=(4, 3))
    bottom = clf.rbms_[0]
    H = 1 / (1 + np.exp(-(X @ bottom.components_.T + bottom.intercept_hidden_)))
    terms = np.column_stack([
        clf._top_layers(np.float64).log_marginal([H, None, np.eye(3)[[k] * len(H)]], summed={1})
        for k in range(3)
    ])  # fmt: skip
    expected = terms - logsumexp(terms, axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_log_proba(X), expected, atol=1e-9)


def test_samples_of_a_chosen_class_follow_its_exact_conditional():
    clf, _, _ = tiny_classifier()
    V = all_states(5)
    terms = labelled_energy_terms(clf, V)
    for k, label in enumerate(clf.classes_[:2]):
        p = np.exp(terms[:, k] - logsumexp(terms[:, k]))
        samples, labels = clf.sample(y=[label] * 8000, n_steps=30, random_state=k)
        assert (labels == label).all()
        counts = counts_of(samples)
        assert pooled_chisquare(counts, 8000 * p) > 1e-3
        # and the same test rejects the other class's conditional
        other = np.exp(terms[:, 1 - k] - logsumexp(terms[:, 1 - k]))
        assert pooled_chisquare(counts, 8000 * other) < 1e-6


def test_free_samples_draw_their_classes_from_the_joint():
    clf, _, _ = tiny_classifier()
    terms = labelled_energy_terms(clf, all_states(5))
    class_marginal = np.exp(logsumexp(terms, axis=0) - logsumexp(terms))
    _, labels = clf.sample(6000, n_steps=500, random_state=0)  # the prototypes mix slowly
    counts = np.array([(labels == c).sum() for c in clf.classes_])
    assert pooled_chisquare(counts, 6000 * class_marginal) > 1e-3


def test_a_deep_classifier_learns_the_digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    clf = DeepBeliefClassifier((64, 32), random_state=0).fit(X[:1400], y[:1400])
    assert clf.score(X[1400:], y[1400:]) > 0.75
    assert len(clf.rbms_) == 1 and clf.n_iter_ == 100  # the template's "auto" schedule
    with pytest.raises(ValueError, match="Use labels from classes_"):
        clf.sample(y=[11])
    with pytest.raises(ValueError, match="y is empty"):
        clf.sample(y=[])


def test_one_layer_needs_data_in_the_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        DeepBeliefClassifier(3).fit(np.array([[0.0, 2.0], [1.0, 0.5]]), [0, 1])

import itertools
import pickle
import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp
from sklearn.base import clone

import skenergy.boltzmann
from skenergy import BoltzmannClassifier, BoltzmannMachine
from skenergy._dynamics import GibbsChains, energy
from skenergy._tempering import TemperedChains, default_ladder
from skenergy._units import binary_states
from skenergy.boltzmann import coupling_mask
from skenergy.datasets import make_bars_and_stripes
from skenergy.exceptions import AISWarning


def random_machine(n_visible, n_hidden, connections="full", scale=1.0, seed=0, **params):
    """A fitted machine with random couplings of the given scale (no training)."""
    rng = np.random.default_rng(seed)
    X = (rng.random((20, n_visible)) < 0.5).astype(float)
    machine = BoltzmannMachine(
        n_components=n_hidden, connections=connections, max_iter=0, random_state=seed, **params
    ).fit(X)
    n_units = n_visible + n_hidden
    W = scale * rng.standard_normal((n_units, n_units))
    machine.coupling_ = np.where(machine._mask, (W + W.T) / 2, 0.0)
    machine.intercept_ = scale * rng.standard_normal(n_units)
    machine._log_partition_cache = {}
    return machine


def enumerated(machine):
    """All states and their probabilities under the machine, by brute force."""
    S = binary_states(machine._n_units, 0, 1 << machine._n_units)
    log_w = -energy(S, machine.coupling_, machine.intercept_) / machine.temperature
    return S, np.exp(log_w - logsumexp(log_w))


def brute_log_likelihood(machine, V):
    """log p(v) by summing the joint over hidden states, written out plainly."""
    S, p = enumerated(machine)
    n_visible = machine._n_visible
    result = []
    for v in V:
        rows = np.all(S[:, :n_visible] == v, axis=1)
        result.append(np.log(p[rows].sum()))
    return np.array(result)


# ------------------------------------------------------------- exact math


@pytest.mark.parametrize("connections", ["full", "semi-restricted", "restricted"])
def test_log_likelihood_matches_brute_force(connections):
    machine = random_machine(4, 3, connections, scale=1.5)
    V = binary_states(4, 0, 16)
    assert np.allclose(machine.score_samples(V), brute_log_likelihood(machine, V))
    assert np.isclose(np.exp(machine.score_samples(V)).sum(), 1.0)


def test_temperature_scales_the_distribution():
    machine = random_machine(3, 2, scale=1.0).set_params(temperature=2.0)
    machine._log_partition_cache = {}
    V = binary_states(3, 0, 8)
    assert np.allclose(machine.score_samples(V), brute_log_likelihood(machine, V))


def exact_step(machine, V):
    """The library's exact-learning step at learning rate 1 without momentum."""
    machine.set_params(alpha=0.0, method="exact")
    W, b = machine.coupling_.copy(), machine.intercept_.copy()
    states = binary_states(machine._n_units, 0, 1 << machine._n_units)
    machine._update(V, 1.0, 0.0, np.random.default_rng(0), states)
    step = machine.coupling_ - W, machine.intercept_ - b
    machine.coupling_, machine.intercept_ = W, b
    machine._log_partition_cache = {}
    return step


@pytest.mark.parametrize("connections", ["full", "semi-restricted"])
def test_exact_gradient_matches_finite_differences(connections):
    machine = random_machine(3, 2, connections, scale=0.8, seed=1, temperature=1.5)
    V = (np.random.default_rng(2).random((15, 3)) < 0.5).astype(float)
    step_W, step_b = exact_step(machine, V)
    eps = 1e-5

    def mean_log_likelihood():
        machine._log_partition_cache = {}
        return np.mean(brute_log_likelihood(machine, V))

    for i, j in zip(*np.nonzero(np.triu(machine._mask)), strict=True):
        for sign, store in ((1, "up"), (-1, "down")):
            machine.coupling_[i, j] = machine.coupling_[j, i] = machine.coupling_[i, j] + sign * eps
            value = mean_log_likelihood()
            machine.coupling_[i, j] = machine.coupling_[j, i] = machine.coupling_[i, j] - sign * eps
            if store == "up":
                up = value
            else:
                down = value
        assert (up - down) / (2 * eps) == pytest.approx(step_W[i, j], abs=1e-7)
    for i in range(machine._n_units):
        machine.intercept_[i] += eps
        up = mean_log_likelihood()
        machine.intercept_[i] -= 2 * eps
        down = mean_log_likelihood()
        machine.intercept_[i] += eps
        assert (up - down) / (2 * eps) == pytest.approx(step_b[i], abs=1e-7)
    assert np.all(step_W[~machine._mask] == 0)  # absent couplings stay absent


# ------------------------------------------------------ sampled statistics


def test_free_phase_chains_match_the_enumerated_moments():
    machine = random_machine(4, 3, scale=0.7, seed=3)
    S, p = enumerated(machine)
    exact_mean, exact_second = p @ S, (S * p[:, None]).T @ S
    start = (np.random.default_rng(0).random((20000, 7)) < 0.5).astype(float)
    chains = GibbsChains(start, machine.coupling_, machine.intercept_, np.random.default_rng(1))
    for _ in range(30):
        chains.sweep(1.0)
    sampled = chains.states
    # 20000 chains: standard errors below 0.0035; 0.015 is more than four of them.
    assert np.abs(sampled.mean(axis=0) - exact_mean).max() < 0.015
    assert np.abs(sampled.T @ sampled / len(sampled) - exact_second).max() < 0.015


def test_sampled_clamped_phase_matches_the_enumerated_one(monkeypatch):
    machine = random_machine(4, 3, scale=0.7, seed=4, clamped_phase="gibbs", k=30)
    V = (np.random.default_rng(5).random((6, 4)) < 0.5).astype(float)
    exact_mean, exact_second, _ = machine._clamped_moments(V, np.random.default_rng(0))
    assert machine._hidden_enumerated()
    monkeypatch.setattr(skenergy.boltzmann, "MAX_ENUMERATED_HIDDEN_UNITS", 0)
    assert not machine._hidden_enumerated()
    rows = np.repeat(V, 4000, axis=0)
    mean, second, _ = machine._clamped_moments(rows, np.random.default_rng(1))
    assert np.abs(mean - exact_mean).max() < 0.015
    assert np.abs(second - exact_second).max() < 0.015
    # Mean field is an approximation with hidden-hidden couplings: measurably off.
    machine.set_params(clamped_phase="mean_field")
    mf_second = machine._clamped_moments(V, np.random.default_rng(0))[1]
    assert np.abs(mf_second - exact_second).max() > 0.02


def test_gibbs_sampler_has_the_model_distribution_as_stationary_distribution():
    machine = random_machine(3, 2, scale=1.0, seed=6)
    S, p = enumerated(machine)
    start = np.zeros((20000, 5))
    chains = GibbsChains(start, machine.coupling_, machine.intercept_, np.random.default_rng(0))
    for _ in range(25):
        chains.sweep(1.0)
    codes = (chains.states @ (2 ** np.arange(5))).astype(int)  # binary_states' order
    counts = np.bincount(codes, minlength=32)
    assert stats.chisquare(counts, 20000 * p).pvalue > 1e-3
    q = p * np.exp(0.2 * S[:, 0])
    assert stats.chisquare(counts, 20000 * q / q.sum()).pvalue < 1e-6


@pytest.mark.parametrize("connections", ["full", "semi-restricted", "restricted"])
def test_chains_started_in_the_model_distribution_stay_in_it(connections):
    # One sweep of a correct sampler maps the exact distribution to itself: no mixing
    # time hides an error here. The restricted machine is swept by layer blocks.
    machine = random_machine(4, 3, connections, scale=1.2, seed=13)
    S, p = enumerated(machine)
    rng = np.random.default_rng(14)
    start = S[rng.choice(len(p), size=40000, p=p)]
    chains = GibbsChains(start, machine.coupling_, machine.intercept_, rng)
    chains.sweep(1.0)
    codes = (chains.states @ (2 ** np.arange(7))).astype(int)
    counts = np.bincount(codes, minlength=128)
    assert pooled_chisquare(counts, 40000 * p) > 1e-3
    q = p * np.exp(0.15 * S[:, 0])  # power: a slightly wrong target is rejected
    assert pooled_chisquare(counts, 40000 * q / q.sum()) < 1e-6


def pooled_chisquare(counts, expected, minimum=5.0):
    """The chi-square p-value with the cells expecting fewer than ``minimum`` pooled."""
    small = expected < minimum
    if small.any():
        counts = np.append(counts[~small], counts[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
    return stats.chisquare(counts, expected).pvalue


def test_gibbs_with_a_softmax_group_samples_the_one_hot_distribution():
    # Units 2, 3, 4 form a group: exactly one of them is on in every sample, and
    # the joint matches the enumerated distribution restricted to one-hot states.
    rng = np.random.default_rng(7)
    W = rng.standard_normal((5, 5))
    W = (W + W.T) / 2
    np.fill_diagonal(W, 0)
    b = rng.standard_normal(5)
    S = binary_states(5, 0, 32)
    allowed = S[:, 2:].sum(axis=1) == 1
    log_w = np.where(allowed, -energy(S, W, b) / 0.8, -np.inf)
    p = np.exp(log_w - logsumexp(log_w))
    start = np.tile([0.0, 0.0, 1.0, 0.0, 0.0], (20000, 1))
    chains = GibbsChains(start, W, b, np.random.default_rng(8), groups=[np.array([2, 3, 4])])
    for _ in range(25):
        chains.sweep(0.8)
    assert np.all(chains.states[:, 2:].sum(axis=1) == 1)
    counts = np.bincount((chains.states @ (2 ** np.arange(5))).astype(int), minlength=32)
    assert stats.chisquare(counts[allowed], 20000 * p[allowed]).pvalue > 1e-3


def test_annealing_finds_the_ground_state_more_often():
    # A frustrated machine: random couplings of both signs on 12 units.
    machine = random_machine(12, 0, scale=2.0, seed=9)
    S, _ = enumerated(machine)
    energies = energy(S, machine.coupling_, machine.intercept_)
    ground = S[np.argmin(energies)]
    hot = machine.sample(300, n_steps=60, random_state=0)
    annealed = machine.sample(
        300, n_steps=60, annealing_temperature=10.0, final_temperature=0.05, random_state=0
    )
    hits_hot = np.mean((hot == ground).all(axis=1))
    hits_annealed = np.mean((annealed == ground).all(axis=1))
    assert hits_annealed > 0.5
    assert hits_annealed > hits_hot + 0.2


# ---------------------------------------------------------------- learning


def test_bars_and_stripes_learned_far_below_independent_units():
    X = make_bars_and_stripes(3)  # 14 patterns, uniform: entropy log 14
    p = X.mean(axis=0)
    independent = np.mean((X * np.log(p) + (1 - X) * np.log(1 - p)).sum(axis=1))
    kl_independent = -np.log(14) - independent
    machine = BoltzmannMachine(random_state=0).fit(X)  # default settings
    kl = -np.log(14) - machine.score(X)  # exact: 17 units are enumerated
    assert kl_independent > 3.5
    assert kl < 0.4
    assert machine.n_iter_ == machine.max_iter


def test_exact_learning_tracks_a_rising_log_likelihood():
    X = make_bars_and_stripes(3)
    machine = BoltzmannMachine(n_components=4, max_iter=100, random_state=0).fit(X)
    assert machine._exact_learning()
    curve = np.array(machine.log_likelihood_curve_)
    assert len(curve) == 100 and curve[-1] > curve[0] + 2
    assert curve[-1] == pytest.approx(machine.score(X))


@pytest.mark.slow
def test_the_4_2_4_encoder_is_learned():
    # Ackley, Hinton & Sejnowski's encoder: two groups of four visible units
    # that see the same one-hot pattern, talking only through two hidden units:
    # each group is coupled within itself and to the hidden units, never to the
    # other group. Completing the second group from the first needs a 2-bit code.
    eye = np.eye(4)
    X = np.hstack([eye, eye])
    groups = np.repeat([0, 1, 2], [4, 4, 2])  # V1, V2, hidden
    topology = (groups[:, None] == groups[None, :]) | (groups[:, None] == 2) | (groups == 2)
    machine = BoltzmannMachine(
        n_components=2, connections=topology, learning_rate=0.5, max_iter=1000, random_state=0
    ).fit(np.repeat(X, 5, axis=0))
    assert not machine.coupling_[:4, 4:8].any()  # no direct path from V1 to V2
    # Independent groups would score log(1/16) = -2.77; perfect coding log(1/4) = -1.39.
    assert machine.score(X) > -2.0
    unknown = np.full((4, 4), np.nan)
    assert np.array_equal(machine.complete(np.hstack([eye, unknown]), random_state=0), X)
    assert np.array_equal(machine.complete(np.hstack([unknown, eye]), random_state=0), X)


@pytest.mark.slow
def test_pcd_cd_and_the_clamped_phases_all_learn():
    X = make_bars_and_stripes(3)
    results = {}
    for params in (
        {"method": "pcd"},
        {"method": "cd", "k": 5},
        {"method": "pcd", "connections": "semi-restricted"},
        {"method": "pcd", "clamped_phase": "gibbs"},
        {"method": "pcd", "annealing_temperature": 3.0},
    ):
        machine = BoltzmannMachine(random_state=0, **params).fit(X)
        results[str(params)] = -np.log(14) - machine.score(X)
    assert all(kl < 1.5 for kl in results.values()), results


def test_fully_visible_machine():
    X = make_bars_and_stripes(3)
    machine = BoltzmannMachine(n_components=0, random_state=0).fit(X)
    assert machine.coupling_.shape == (9, 9)
    assert machine.transform(X).shape == (14, 0)
    assert -np.log(14) - machine.score(X) < 1.0


# ------------------------------------------------------------ using a model


def test_transform_is_the_exact_hidden_posterior_row_by_row():
    machine = random_machine(4, 3, scale=1.0, seed=10)
    V = binary_states(4, 0, 16)
    S, p = enumerated(machine)
    for v, features in zip(V, machine.transform(V), strict=True):
        rows = np.all(S[:, :4] == v, axis=1)
        expected = p[rows] @ S[rows][:, 4:] / p[rows].sum()
        assert np.allclose(features, expected)
    assert np.allclose(machine.transform(V[:3]), machine.transform(V)[:3])


@pytest.mark.parametrize("connections", ["full", "restricted"])  # restricted: layer blocks
def test_complete_returns_the_most_probable_values(connections):
    machine = random_machine(5, 2, connections, scale=1.5, seed=11)
    S, p = enumerated(machine)
    X = np.array([[1.0, 0.0, np.nan, np.nan, 1.0]])
    completed = machine.complete(X, n_steps=2000, random_state=0)
    rows = (S[:, 0] == 1) & (S[:, 1] == 0) & (S[:, 4] == 1)
    marginal = p[rows] @ S[rows][:, 2:4] / p[rows].sum()
    expected = (marginal > 0.5).astype(float)
    assert np.all(np.abs(marginal - 0.5) > 0.1)  # a clear answer to find
    assert np.array_equal(completed[0, 2:4], expected)
    assert np.array_equal(completed[0, [0, 1, 4]], [1.0, 0.0, 1.0])


def test_samples_follow_the_model():
    machine = random_machine(3, 2, scale=1.0, seed=12)
    samples = machine.sample(20000, n_steps=30, random_state=0)
    codes = (samples @ (2 ** np.arange(3))).astype(int)
    counts = np.bincount(codes, minlength=8)
    expected = np.exp(machine.score_samples(binary_states(3, 0, 8)))
    assert stats.chisquare(counts, 20000 * expected).pvalue > 1e-3


def test_ais_log_partition_matches_enumeration():
    machine = random_machine(10, 4, scale=0.5, seed=13, partition="ais", n_betas=3000)
    exact = machine._exact_log_partition().log_z
    estimate = machine._ais_log_partition(np.random.default_rng(0))
    assert abs(estimate.log_z - exact) < max(4 * estimate.std, 0.05)


def test_forward_and_reverse_ais_bracket_the_exact_log_partition():
    # Few intermediate distributions: a wide bracket, each side where theory puts it;
    # many: a narrow one around the exact value.
    machine = random_machine(10, 4, scale=2.0, seed=13, partition="ais", n_betas=5, n_runs=500)
    exact = machine._exact_log_partition().log_z
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AISWarning)
        forward, reverse = machine.log_partition_bounds(n_steps=200)
    assert forward.method == "ais" and reverse.method == "reverse ais"
    assert forward.log_z < exact - 0.05 and reverse.log_z > exact + 0.05
    machine.set_params(n_betas=3000, n_runs=100)
    machine._log_partition_cache = {}
    forward, reverse = machine.log_partition_bounds(n_steps=200)
    assert forward.log_z - 0.05 < exact < reverse.log_z + 0.05
    assert reverse.log_z - forward.log_z < 0.15


# -------------------------------------------------------------- bad input


def test_encodings_and_binarize():
    X = make_bars_and_stripes(3)
    spin_machine = BoltzmannMachine(n_components=2, max_iter=5, random_state=0).fit(2 * X - 1)
    assert spin_machine.encoding_ == "spin"
    assert set(np.unique(spin_machine.sample(5, n_steps=3, random_state=0))) <= {-1.0, 1.0}
    real = BoltzmannMachine(n_components=2, binarize=0.5, max_iter=5, random_state=0)
    assert real.fit(X * 0.8 + 0.1).encoding_ == "binary"


@pytest.mark.parametrize(
    "values, message",
    [
        (np.array([[0.0, 0.5, 1.0]]), "needs binary data.*binarize"),
        (np.array([[0.0, -1.0, 1.0]]), "mixed encodings"),
        (np.array([[0.0, np.nan, 1.0]]), "NaN"),
    ],
)
def test_bad_input_is_refused(values, message):
    with pytest.raises(ValueError, match=message):
        BoltzmannMachine(max_iter=1).fit(values)


def test_other_width_refused_and_model_kept():
    X = make_bars_and_stripes(3)
    machine = BoltzmannMachine(n_components=2, max_iter=5, random_state=0).fit(X)
    W = machine.coupling_.copy()
    for method in (machine.transform, machine.score_samples, machine.partial_fit):
        with pytest.raises(ValueError, match="9 features"):
            method(np.ones((2, 4)))
    assert np.array_equal(machine.coupling_, W)


def test_a_model_too_large_to_sum_gets_a_clear_error():
    machine = BoltzmannMachine(n_components=30, max_iter=0, random_state=0)
    machine.fit(make_bars_and_stripes(3))
    with pytest.raises(ValueError, match="2\\*\\*30 hidden states of every row"):
        machine.score_samples(make_bars_and_stripes(3))


def test_partial_fit_and_pickle():
    X = make_bars_and_stripes(3)
    machine = BoltzmannMachine(n_components=2, random_state=0)
    for _ in range(3):
        machine.partial_fit(X)
    assert machine.n_iter_ == 3
    clone = pickle.loads(pickle.dumps(machine))
    assert np.allclose(clone.score_samples(X), machine.score_samples(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        machine.transform(X)


def test_coupling_masks():
    full = coupling_mask(2, 2, "full")
    semi = coupling_mask(2, 2, "semi-restricted")
    restricted = coupling_mask(2, 2, "restricted")
    assert full.sum() == 12 and not full.diagonal().any()
    assert not semi[2, 3] and semi[0, 1] and semi[0, 2]
    assert not restricted[0, 1] and not restricted[2, 3] and restricted[1, 3]
    for mask in (full, semi, restricted):
        assert np.array_equal(mask, mask.T)


def test_states_order_helper_is_consistent():
    # binary_states puts unit i at bit i: the codes used above invert it.
    S = binary_states(3, 0, 8)
    assert np.array_equal((S @ (2 ** np.arange(3))).astype(int), np.arange(8))
    assert list(itertools.islice(S[5], 3)) == [1.0, 0.0, 1.0]


# -------------------------------------------------------------- classifier


def random_classifier(n_features, n_classes, n_hidden, scale=1.0, seed=0, **params):
    rng = np.random.default_rng(seed)
    X = (rng.random((30, n_features)) < 0.5).astype(float)
    y = np.arange(30) % n_classes
    clf = BoltzmannClassifier(n_components=n_hidden, max_iter=0, random_state=seed, **params).fit(
        X, y
    )
    n_units = clf.coupling_.shape[0]
    W = scale * rng.standard_normal((n_units, n_units))
    clf.coupling_ = np.where(clf._mask, (W + W.T) / 2, 0.0)
    clf.intercept_ = scale * rng.standard_normal(n_units)
    return clf


@pytest.mark.parametrize("connections", ["full", "semi-restricted"])
def test_classifier_posterior_sums_over_hidden_states_exactly(connections):
    clf = random_classifier(3, 3, 2, connections=connections, seed=14)
    S = clf._allowed(binary_states(8, 0, 256))  # one-hot class units 3, 4, 5
    assert len(S) == 3 * 2**5
    log_w = -energy(S, clf.coupling_, clf.intercept_)
    X = binary_states(3, 0, 8)
    expected = np.zeros((8, 3))
    for row, x in enumerate(X):
        for c in range(3):
            rows = np.all(S[:, :3] == x, axis=1) & (S[:, 3 + c] == 1)
            expected[row, c] = logsumexp(log_w[rows])
    expected = np.exp(expected - logsumexp(expected, axis=1, keepdims=True))
    assert np.allclose(clf.predict_proba(X), expected)
    assert np.array_equal(clf.predict(X), clf.classes_[expected.argmax(axis=1)])


def test_classifier_chains_keep_the_class_one_hot():
    rng = np.random.default_rng(15)
    X = (rng.random((60, 6)) < 0.5).astype(float)
    y = np.array(["a", "b", "c"])[X[:, 0].astype(int) + X[:, 1].astype(int)]
    clf = BoltzmannClassifier(n_components=6, method="pcd", max_iter=20, random_state=0)
    clf.fit(X, y)
    assert np.all(clf._chains[:, 6:9].sum(axis=1) == 1)
    assert list(clf.classes_) == ["a", "b", "c"]
    assert clf.score(X, y) > 0.9


def test_classifier_exact_learning_counts_only_one_hot_states():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 5, dtype=float)
    y = (X[:, 0] != X[:, 1]).astype(int)
    clf = BoltzmannClassifier(n_components=2, learning_rate=0.5, random_state=0).fit(X, y)
    assert clf._exact_learning()
    assert clf.score(X, y) == 1.0  # XOR
    # The exact joint log-likelihood is a proper one: p(x, y) sums to 1 over
    # the allowed states.
    S = clf._allowed(binary_states(6, 0, 64))
    log_z = clf._exact_log_partition().log_z
    assert np.isclose(np.exp(logsumexp(-energy(S, clf.coupling_, clf.intercept_)) - log_z), 1)


def test_classifier_on_binarised_digits_beats_naive_bayes():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.naive_bayes import BernoulliNB

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = BoltzmannClassifier(
        connections="semi-restricted", max_iter=5, binarize=7.0, random_state=0
    ).fit(X_train, y_train)
    naive = BernoulliNB(binarize=7.0).fit(X_train, y_train).score(X_test, y_test)
    assert clf.score(X_test, y_test) > naive + 0.01


def test_exact_learning_refuses_a_machine_too_large_to_enumerate():
    X = (np.random.default_rng(0).random((10, 19)) < 0.5).astype(float)
    machine = BoltzmannMachine(n_components=4, method="exact", max_iter=1)
    with pytest.raises(ValueError, match="machine of 23 units cannot afford"):
        machine.fit(X)


def test_enumerated_clamped_phase_is_the_same_in_row_chunks(monkeypatch):
    machine = random_machine(4, 3, scale=0.7, seed=16)
    V = (np.random.default_rng(17).random((9, 4)) < 0.5).astype(float)
    whole = machine._clamped_moments(V, np.random.default_rng(0))
    # 2 rows a block: 8 hidden states x (2 x 7 units + 2) numbers of 8 bytes each
    monkeypatch.setattr(skenergy.boltzmann, "_ENUMERATION_BYTES", 2 * 8 * 8 * 16)
    chunked = machine._clamped_moments(V, np.random.default_rng(0))
    assert np.allclose(whole[0], chunked[0]) and np.allclose(whole[1], chunked[1])


def test_log_likelihoods_sum_hidden_states_in_blocks_of_states_and_rows(monkeypatch):
    # Against the sum over every hidden state written out: blocks of 2 states
    # (of 16) and of 2 rows must give the same log p(v).
    machine = random_machine(4, 4, "full", scale=0.7, seed=19)
    V = (np.random.default_rng(20).random((5, 4)) < 0.5).astype(float)
    H = np.array(list(itertools.product([0.0, 1.0], repeat=4)))
    expected = [
        logsumexp(
            -energy(np.hstack([np.tile(v, (16, 1)), H]), machine.coupling_, machine.intercept_)
        )
        for v in V
    ]
    monkeypatch.setattr(skenergy.boltzmann, "_ENUMERATION_BYTES", 2 * 8 * 4 * 4)
    np.testing.assert_allclose(machine._log_marginal(V), expected, rtol=1e-12)


@pytest.mark.parametrize("connections", ["restricted", "semi-restricted"])
def test_uncoupled_layers_are_sampled_as_blocks_from_the_right_distribution(connections):
    machine = random_machine(3, 3, connections, scale=1.0, seed=18)
    blocks = machine._uncoupled_layers()
    assert len(blocks) == (2 if connections == "restricted" else 1)
    samples = machine.sample(20000, n_steps=30, random_state=0)
    codes = (samples @ (2 ** np.arange(3))).astype(int)
    counts = np.bincount(codes, minlength=8)
    expected = np.exp(machine.score_samples(binary_states(3, 0, 8)))
    assert stats.chisquare(counts, 20000 * expected).pvalue > 1e-3
    q = expected * np.exp(0.2 * binary_states(3, 0, 8)[:, 0])
    assert stats.chisquare(counts, 20000 * q / q.sum()).pvalue < 1e-6


def test_verbose_prints_one_line_per_epoch_with_the_criterion(capsys):
    X = make_bars_and_stripes(3)
    BoltzmannMachine(n_components=2, max_iter=3, verbose=1, random_state=0).fit(X)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all("log-likelihood = " in line for line in lines)
    BoltzmannMachine(max_iter=2, verbose=1, random_state=0).fit(X)  # sampled: 17 units
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("clamped-free gap = " in line for line in lines)
    assert all("time = " in line for line in lines)


# ------------------------------------------------------------ parallel tempering


def test_tempered_chains_keep_each_temperatures_exact_distribution():
    # The machine's tempering path: p_beta(s) ~ exp(-beta E(s) / T), uniform at 0.
    machine = random_machine(4, 2, scale=1.5, seed=3)
    path = skenergy.boltzmann._TemperingPath(machine)
    S = binary_states(machine._n_units, 0, 1 << machine._n_units)
    log_w = -energy(S, machine.coupling_, machine.intercept_) / machine.temperature
    betas = default_ladder(4)
    rng = np.random.default_rng(0)
    start, exact = [], []
    for beta in betas:
        p = np.exp(beta * log_w - logsumexp(beta * log_w))
        start.append([S[rng.choice(len(S), size=4000, p=p)].copy()])
        exact.append(p)
    chains = TemperedChains(betas, start)
    for _ in range(5):
        chains.step(path, rng)
    assert (chains.accepted > 0).all()
    for (states,), p in zip(chains.states, exact, strict=True):
        codes = (states @ (1 << np.arange(machine._n_units))).astype(int)
        counts = np.bincount(codes, minlength=len(p))
        assert pooled_chisquare(counts, 4000 * p) > 1e-3 / len(betas)


@pytest.mark.slow
def test_training_by_parallel_tempering():
    X = np.repeat(make_bars_and_stripes(3), 10, axis=0)
    params = {"n_components": 6, "max_iter": 100, "random_state": 0, "partition": "exact"}
    start = BoltzmannMachine(**{**params, "max_iter": 0}).fit(X).score(X)
    machine = BoltzmannMachine(method="pt", n_temperatures=5, **params).fit(X)
    assert machine.score(X) > start + 1.0  # measured -2.71 from -6.24
    rates = machine.swap_acceptance_
    assert rates.shape == (4,) and ((rates > 0) & (rates <= 1)).all()
    np.testing.assert_array_equal(machine._chains, machine._tempered.model_states[0])
    with pytest.raises(ValueError, match="tempers the chains itself"):
        clone(machine).set_params(annealing_temperature=2.0).fit(X)


@pytest.mark.parametrize("n_components", [2, 14])  # enumerated, and mean field
def test_transform_and_complete_keep_float32(n_components):
    X = make_bars_and_stripes(3).astype(np.float32)
    machine = BoltzmannMachine(n_components=n_components, max_iter=2, random_state=0).fit(X)
    H = machine.transform(X)
    assert H.dtype == np.float32
    assert np.allclose(H, machine.transform(X.astype(np.float64)), atol=1e-6)
    partial = X.copy()
    partial[:, :3] = np.nan
    assert machine.complete(partial, n_steps=4, random_state=0).dtype == np.float32

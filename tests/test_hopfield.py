import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelBinarizer

import skenergy.hopfield
from skenergy import DenseHopfieldMemory, HopfieldMemory, ModernHopfieldMemory
from skenergy._dynamics import energy as spin_energy
from skenergy._dynamics import run_async
from skenergy.datasets import flip_bits, make_random_spins


def mean_overlap(memory, patterns, noise=0.1, seed=100):
    """Mean overlap s . x / N of the recall from noisy probes with the patterns."""
    probes = flip_bits(patterns, noise, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return float(np.mean(memory.predict(probes) * patterns))


def overlap_at_load(rule, load, n_units=400, seeds=(0, 1, 2), **params):
    n_patterns = int(round(load * n_units))
    results = []
    for seed in seeds:
        X = make_random_spins(n_patterns, n_units, random_state=seed)
        memory = HopfieldMemory(rule, random_state=seed, **params).fit(X)
        results.append(mean_overlap(memory, X, seed=seed + 100))
    return float(np.mean(results))


# ----------------------------------------------------------------- capacity


@pytest.mark.parametrize("update", ["async", "sync"])
def test_a_unit_with_zero_field_keeps_its_state(update):
    # Unit 0 of the probe (-1, 1, 1) has field 1 - 1 = 0: it keeps -1 (a rule
    # "sign, ties to +1" would turn it on); unit 1, with field -1, turns off.
    memory = HopfieldMemory(update=update, random_state=0).fit(np.ones((1, 3)) * [1, -1, 1])
    memory.weights_ = np.array([[0.0, 1.0, -1.0], [1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    result = memory.recall(np.array([[-1.0, 1.0, 1.0]]))
    assert np.array_equal(result.states, [[-1.0, -1.0, 1.0]])
    assert result.converged.all()


def test_hebbian_capacity_follows_amit_gutfreund_sompolinsky():
    # Recall from 10% flipped bits is near-perfect well below the capacity 0.138
    # and collapses above it: the retrieval state disappears, probes fall into
    # spurious mixtures (measured at N=400: 1.000, 0.999, 0.70, 0.42).
    low, below, above, far = (overlap_at_load("hebbian", a) for a in (0.05, 0.1, 0.2, 0.3))
    assert low > 0.995
    assert below > 0.98
    assert above < 0.85
    assert far < 0.6
    assert low > below > above > far


def test_storkey_stores_clearly_more_than_hebbian():
    hebbian = overlap_at_load("hebbian", 0.25)
    storkey = overlap_at_load("storkey", 0.25)
    assert storkey > 0.97
    assert hebbian < 0.75


def test_storkey_matches_its_formula_on_a_small_case():
    X = make_random_spins(3, 6, random_state=0)
    W = np.zeros((6, 6))
    for x in X:  # the textbook double loop
        h = W @ x
        new = W.copy()
        for i in range(6):
            for j in range(6):
                if i != j:
                    h_ij = h[i] - W[i, j] * x[j]
                    h_ji = h[j] - W[j, i] * x[i]
                    new[i, j] += (x[i] * x[j] - x[i] * h_ji - h_ij * x[j]) / 6
        W = new
    memory = HopfieldMemory("storkey").fit(X)
    assert np.allclose(memory.weights_, W)
    assert np.allclose(memory.weights_, memory.weights_.T)


@pytest.mark.parametrize("n_patterns", [40, 90])
def test_pseudoinverse_makes_independent_patterns_fixed_points(n_patterns):
    X = make_random_spins(n_patterns, 100, random_state=0)
    assert np.linalg.matrix_rank(X) == n_patterns  # linearly independent
    memory = HopfieldMemory("pseudoinverse", random_state=0).fit(X)
    recall = memory.recall(X)
    assert np.array_equal(recall.states, X)
    assert recall.converged.all() and np.all(recall.n_steps == 1)


def test_pseudoinverse_at_full_rank_leaves_no_weights():
    # p = N independent patterns: the projection is the identity; without its
    # diagonal nothing is left.
    X = make_random_spins(50, 50, random_state=1)
    assert np.linalg.matrix_rank(X) == 50
    memory = HopfieldMemory("pseudoinverse").fit(X)
    assert np.allclose(memory.weights_, 0, atol=1e-8)


def test_descent_stores_beyond_hebbian_capacity_and_stops_when_done():
    X = make_random_spins(60, 200, random_state=0)  # load 0.3
    memory = HopfieldMemory("descent", random_state=0).fit(X)
    assert mean_overlap(memory, X) > 0.99
    assert mean_overlap(HopfieldMemory(random_state=0).fit(X), X) < 0.6
    assert 1 < memory.n_iter_ < memory.max_iter  # stopped once every probe returned
    assert np.allclose(memory.weights_, memory.weights_.T)
    assert np.all(np.diag(memory.weights_) == 0)


def test_descent_learns_biases_for_biased_patterns():
    # Patterns that share a unit always on: the descent rule gives it a bias.
    X = make_random_spins(20, 60, random_state=0)
    X[:, 0] = 1
    memory = HopfieldMemory("descent", noise=0.2, random_state=0).fit(X)
    assert memory.intercept_[0] > 0
    assert np.all(HopfieldMemory().fit(X).intercept_ == 0)


def test_unlearning_helps_within_a_window_and_erases_beyond_it():
    X_seeds = [make_random_spins(30, 200, random_state=seed) for seed in range(3)]

    def exact_recall(**params):
        rates = []
        for seed, X in enumerate(X_seeds):
            memory = HopfieldMemory(random_state=seed, **params).fit(X)
            probes = flip_bits(X, 0.1, random_state=seed + 100)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                rates.append(np.mean((memory.predict(probes) == X).all(axis=1)))
        return float(np.mean(rates))

    plain = exact_recall()
    helped = exact_recall(unlearning_rate=0.05, n_unlearning=100)
    erased = exact_recall(unlearning_rate=1.0, n_unlearning=50)
    assert plain < 0.7  # a loaded memory (0.15 N patterns)
    assert helped > 0.95
    assert erased < 0.1


# ---------------------------------------------------------------- dynamics


def test_async_dynamics_never_raise_the_energy():
    # An overloaded memory, so that probes travel far and end in spurious states.
    X = make_random_spins(60, 100, random_state=0)
    memory = HopfieldMemory(random_state=0).fit(X)
    probes = make_random_spins(50, 100, random_state=1)
    energies = [memory.energy(probes)]
    for n_steps in range(1, 8):
        memory.set_params(max_steps=n_steps)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            energies.append(memory.recall(probes).energy)
    steps = np.diff(np.array(energies), axis=0)
    assert np.all(steps <= 1e-9)
    assert np.mean(steps[0] < 0) > 0.9  # and it does descend


def test_async_updates_one_unit_at_a_time_downhill():
    # Unit by unit, against a direct evaluation of the energy after every flip.
    rng = np.random.default_rng(0)
    W = rng.standard_normal((12, 12))
    W = (W + W.T) / 2
    np.fill_diagonal(W, 0)
    b = rng.standard_normal(12)
    S = np.where(rng.random((20, 12)) < 0.5, 1.0, -1.0)
    start = S.copy()
    settling = run_async(S, W, b, 50, np.random.default_rng(1))
    assert settling.converged.all()
    fields = S @ W + b
    assert np.all(S * fields >= 0)  # a fixed point: every unit agrees with its field
    assert np.all(spin_energy(S, W, b) <= spin_energy(start, W, b))


def test_hebbian_stored_patterns_sit_near_minus_half_n():
    n_units, n_patterns = 500, 20
    X = make_random_spins(n_patterns, n_units, random_state=0)
    energies = HopfieldMemory().fit(X).energy(X)
    # E = -(N - 1) / 2 on average over random patterns, with a spread of about
    # sqrt(2 (p - 1)) / 2 = 3 per pattern.
    assert np.mean(energies) == pytest.approx(-(n_units - 1) / 2, abs=3)
    assert np.all(np.abs(energies + n_units / 2) < 20)


def test_the_ghost_of_a_stable_pattern_is_stable():
    X = make_random_spins(20, 200, random_state=0)
    memory = HopfieldMemory(random_state=0).fit(X)
    stable = (memory.predict(X) == X).all(axis=1)
    assert stable.sum() > 15
    assert np.array_equal(memory.predict(-X[stable]), -X[stable])
    assert np.allclose(memory.energy(-X), memory.energy(X))


def test_sync_detects_a_cycle_of_period_two():
    # Two units that want to disagree: from (1, 1) parallel updates oscillate
    # between (1, 1) and (-1, -1); asynchronous updates settle.
    X = np.array([[1.0, -1.0], [-1.0, 1.0]])
    memory = HopfieldMemory(update="sync", random_state=0).fit(X)
    assert np.allclose(memory.weights_, [[0, -1], [-1, 0]])
    probe = np.array([[1.0, 1.0], [1.0, -1.0]])
    recall = memory.recall(probe)
    assert recall.cycled.tolist() == [True, False]
    assert recall.converged.tolist() == [False, True]
    assert recall.n_steps[0] == 2
    with pytest.warns(ConvergenceWarning, match="1 ended in a cycle of period 2"):
        memory.predict(probe)
    async_recall = memory.set_params(update="async").recall(probe)
    assert async_recall.converged.all() and not async_recall.cycled.any()


def test_sync_recalls_at_low_load():
    X = make_random_spins(10, 300, random_state=0)
    memory = HopfieldMemory(update="sync", random_state=0).fit(X)
    assert mean_overlap(memory, X) == 1.0


def test_async_reports_probes_that_did_not_settle():
    X = make_random_spins(60, 100, random_state=0)
    memory = HopfieldMemory(max_steps=1, random_state=0).fit(X)
    probes = make_random_spins(20, 100, random_state=1)
    with pytest.warns(ConvergenceWarning, match="did not reach a fixed point in max_steps=1"):
        memory.predict(probes)
    assert not memory.recall(probes).converged.all()


def test_stochastic_dynamics_recall_below_the_retrieval_temperature_only():
    # Load 0.075: patterns are stable below T_M ~ 1 - 1.95 sqrt(0.075) = 0.47.
    X = make_random_spins(15, 200, random_state=0)
    memory = HopfieldMemory(update="stochastic", max_steps=60, random_state=0).fit(X)
    assert mean_overlap(memory, X) == 1.0
    assert memory.recall(X).converged.all()
    # Far above T_c = 1 nothing is recalled.
    hot = HopfieldMemory(
        update="stochastic", temperature=5.0, final_temperature=None, random_state=0
    ).fit(X)
    assert abs(mean_overlap(hot, X)) < 0.2


def test_annealing_leaves_spurious_mixtures_that_trap_deterministic_dynamics():
    # The symmetric mixture sign(x1 + x2 + x3) of three stored patterns is a fixed
    # point at low load (overlap 1/2 with each); it is unstable above T = 0.46,
    # where the patterns themselves are still stable (load 0.02: below 0.72).
    # Much hotter (0.6), the state forgets where it started.
    X = make_random_spins(10, 500, random_state=0)
    mixtures = np.array([np.sign(X[i] + X[i + 1] + X[i + 2]) for i in (0, 3, 6)])
    trapped = HopfieldMemory(random_state=0).fit(X).recall(mixtures)
    assert trapped.converged.all()
    overlaps = trapped.states @ X.T / 500
    for row, first in enumerate((0, 3, 6)):
        assert np.all(np.abs(overlaps[row, first : first + 3] - 0.5) < 0.1)
    annealed = HopfieldMemory(
        update="stochastic", temperature=0.5, max_steps=100, random_state=0
    ).fit(X)
    states = annealed.predict(np.repeat(mixtures, 10, axis=0))
    overlaps = states @ X.T / 500
    best = np.abs(overlaps).argmax(axis=1)
    assert np.all(np.abs(overlaps).max(axis=1) > 0.95)  # a pure pattern (or its ghost)
    # Mostly one of the three it mixed (by chance 3 in 10; measured 28 of 30).
    assert np.mean(best // 3 == np.repeat([0, 1, 2], 10)) > 0.8


def test_glauber_samples_the_boltzmann_distribution_at_fixed_temperature():
    # Three coupled spins at T = 1.5: the long-run frequencies of the states match
    # exp(-E / T) / Z, enumerated (a chi-square test that can fail).
    from scipy import stats

    from skenergy._dynamics import run_glauber

    W = np.array([[0.0, 1.0, -0.5], [1.0, 0.0, 0.8], [-0.5, 0.8, 0.0]])
    b = np.array([0.2, -0.3, 0.1])
    states = np.array([[s0, s1, s2] for s0 in (-1, 1) for s1 in (-1, 1) for s2 in (-1, 1)])
    p = np.exp(-spin_energy(states.astype(float), W, b) / 1.5)
    p /= p.sum()
    S = np.ones((20000, 3))
    run_glauber(S, W, b, np.full(20, 1.5), np.random.default_rng(0))
    codes = ((S + 1) / 2 @ [4, 2, 1]).astype(int)
    counts = np.bincount(codes, minlength=8)
    assert stats.chisquare(counts, 20000 * p).pvalue > 1e-3
    q = p * np.exp(0.2 * states[:, 0])
    assert stats.chisquare(counts, 20000 * q / q.sum()).pvalue < 1e-6


# --------------------------------------------------------------- completion


def test_complete_fills_in_unknown_units_and_keeps_the_known():
    X = make_random_spins(10, 200, random_state=0)
    memory = HopfieldMemory(random_state=0).fit(X)
    partial = X.copy()
    partial[:, 100:] = np.nan  # the second half unknown
    completed = memory.complete(partial)
    assert np.array_equal(completed, X)
    mask = np.zeros(200, dtype=bool)
    mask[:100] = True
    assert np.array_equal(memory.complete(np.where(mask, X, 1.0), mask=mask), X)
    assert np.isnan(partial[:, 100:]).all()  # the caller's array is untouched


def test_clamped_units_never_change_even_against_their_field():
    X = make_random_spins(5, 100, random_state=0)
    memory = HopfieldMemory(random_state=0).fit(X)
    probes = flip_bits(X, 0.1, random_state=1)
    mask = np.zeros(probes.shape, dtype=bool)
    mask[:, :10] = True  # clamp the first ten units, some of them wrong
    for update in ("async", "sync", "stochastic"):
        memory.set_params(update=update)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            recalled = memory.recall(probes, mask=mask).states
        assert np.array_equal(recalled[:, :10], probes[:, :10])


def test_mask_errors_name_the_problem():
    memory = HopfieldMemory().fit(make_random_spins(3, 8, random_state=0))
    X = make_random_spins(2, 8, random_state=1)
    with pytest.raises(ValueError, match="mask must have shape"):
        memory.recall(X, mask=np.ones(7, dtype=bool))
    with pytest.raises(ValueError, match="boolean"):
        memory.recall(X, mask=np.full(8, 0.5))
    partial = X.copy()
    partial[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN in units that mask marks as known"):
        memory.complete(partial, mask=np.ones(8, dtype=bool))


# ---------------------------------------------------------- encodings, input


def test_outputs_come_back_in_the_fitted_encoding():
    X_spin = make_random_spins(5, 100, random_state=0)
    X_binary = (X_spin + 1) / 2
    spin_memory = HopfieldMemory(random_state=0).fit(X_spin)
    binary_memory = HopfieldMemory(random_state=0).fit(X_binary)
    assert spin_memory.encoding_ == "spin" and binary_memory.encoding_ == "binary"
    assert np.array_equal(binary_memory.weights_, spin_memory.weights_)
    assert np.array_equal(binary_memory.predict(X_spin), X_binary)  # either encoding in
    assert np.array_equal(spin_memory.predict(X_binary), X_spin)
    assert np.allclose(binary_memory.energy(X_binary), spin_memory.energy(X_spin))


def test_binarize_maps_real_values_like_bernoulli_nb():
    rng = np.random.default_rng(0)
    X_real = rng.normal(size=(5, 50))
    memory = HopfieldMemory(binarize=0.0, random_state=0).fit(X_real)
    assert memory.encoding_ == "binary"
    expected = (X_real > 0).astype(float)
    assert np.array_equal(memory.predict(X_real), expected)
    assert np.array_equal(HopfieldMemory().fit(expected).weights_, memory.weights_)


@pytest.mark.parametrize(
    "values, message",
    [
        (np.array([[0.0, 0.5, 1.0]]), "needs binary data.*binarize"),
        (np.array([[0.0, -1.0, 1.0]]), "mixed encodings"),
        (np.array([[0.0, np.nan, 1.0]]), "NaN"),
        (np.array([[0.0, np.inf, 1.0]]), "infinity"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(values, message):
    with pytest.raises(ValueError, match=message):
        HopfieldMemory().fit(values)
    memory = HopfieldMemory().fit(np.array([[0.0, 1.0, 1.0]]))
    with pytest.raises(ValueError, match=message):
        memory.predict(values)


def test_data_of_another_width_is_refused_and_the_memory_kept():
    X = make_random_spins(4, 10, random_state=0)
    memory = HopfieldMemory().fit(X)
    weights = memory.weights_.copy()
    for method in (memory.predict, memory.energy, memory.partial_fit):
        with pytest.raises(ValueError, match="10 features"):
            method(np.ones((2, 12)))
    with pytest.raises(ValueError, match="needs binary data"):
        memory.partial_fit(np.full((1, 10), 0.5))
    assert np.array_equal(memory.weights_, weights) and memory.n_memories_ == 4


def test_the_callers_arrays_are_not_modified():
    X = make_random_spins(6, 40, random_state=0)
    saved = X.copy()
    memory = HopfieldMemory("descent", n_unlearning=5, random_state=0).fit(X)
    probes = flip_bits(X, 0.2, random_state=0)
    saved_probes = probes.copy()
    for update in ("async", "sync", "stochastic"):
        memory.set_params(update=update).recall(probes)
    memory.score(X)
    assert np.array_equal(X, saved) and np.array_equal(probes, saved_probes)


# ------------------------------------------------------------- incremental


@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_partial_fit_in_chunks_equals_one_fit(rule):
    X = make_random_spins(30, 80, random_state=0)
    whole = HopfieldMemory(rule).fit(X)
    chunked = HopfieldMemory(rule)
    for rows in np.array_split(np.arange(30), 4):
        chunked.partial_fit(X[rows])
    assert np.allclose(chunked.weights_, whole.weights_)
    assert chunked.n_memories_ == 30


def test_partial_fit_exists_only_for_incremental_rules():
    assert hasattr(HopfieldMemory("hebbian"), "partial_fit")
    assert hasattr(HopfieldMemory("storkey"), "partial_fit")
    assert not hasattr(HopfieldMemory("pseudoinverse"), "partial_fit")
    assert not hasattr(HopfieldMemory("descent"), "partial_fit")


# ------------------------------------------------------------------ scoring


def test_score_measures_error_correction_and_drives_a_grid_search():
    X = make_random_spins(50, 200, random_state=0)  # load 0.25: beyond Hebbian capacity
    indices = np.arange(len(X))
    search = GridSearchCV(
        HopfieldMemory(random_state=0),
        {"rule": ["hebbian", "storkey", "pseudoinverse"]},
        cv=[(indices, indices)],  # score on the patterns stored
    ).fit(X)
    results = search.cv_results_
    scores = dict(zip(results["param_rule"], results["mean_test_score"], strict=True))
    assert scores["hebbian"] < 0.8
    assert scores["storkey"] > 0.97 and scores["pseudoinverse"] > 0.97
    assert search.best_params_["rule"] in ("storkey", "pseudoinverse")


def test_score_samples_is_minus_the_energy_and_reproducible():
    X = make_random_spins(5, 30, random_state=0)
    memory = HopfieldMemory(random_state=3).fit(X)
    assert np.allclose(memory.score_samples(X), -memory.energy(X))
    assert memory.score(X) == memory.score(X)
    probes = flip_bits(X, 0.3, random_state=0)
    assert np.array_equal(memory.predict(probes), memory.predict(probes))


def test_pickle_round_trip_keeps_recall():
    X = make_random_spins(8, 60, random_state=0)
    memory = HopfieldMemory("storkey", random_state=0).fit(X)
    clone = pickle.loads(pickle.dumps(memory))
    probes = flip_bits(X, 0.1, random_state=1)
    assert np.array_equal(clone.predict(probes), memory.predict(probes))


def test_float32_is_kept():
    X = make_random_spins(5, 40, random_state=0).astype(np.float32)
    memory = HopfieldMemory().fit(X)
    assert memory.weights_.dtype == np.float32
    assert memory.predict(X).dtype == np.float32


# --------------------------------------------------------- don't-care units


def exact_recall(memory, patterns, noise=0.1, seed=100):
    """Share of patterns recalled exactly from cues with ``noise`` of their bits flipped."""
    probes = flip_bits(patterns, noise, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return float((memory.predict(probes) == patterns).all(axis=1).mean())


def recall_at(n_patterns, seeds=(0, 1, 2), n_units=100, **params):
    results = []
    for seed in seeds:
        X = make_random_spins(n_patterns, n_units, random_state=seed)
        memory = HopfieldMemory(random_state=seed, **params).fit(X)
        results.append(exact_recall(memory, X, seed=seed + 100))
    return float(np.mean(results))


def test_dont_care_units_recall_where_the_plain_network_fails():
    # N = 100, 10% of the cue's bits flipped, the don't-care units inferred from the
    # visible cue only. The plain projection network at p = 60 recalls 0.07 exactly
    # (its basins shrink as p nears N); 100 don't-care units carry it far past that.
    plain = recall_at(60, rule="pseudoinverse")
    random_fill = recall_at(60, rule="pseudoinverse", n_components=100, hidden_fill="random")
    projection = recall_at(80, rule="pseudoinverse", n_components=100)
    assert plain < 0.2
    assert random_fill > 0.85
    assert projection > 0.6  # at p = 80 the plain network recalls nothing
    assert recall_at(80, rule="pseudoinverse") < 0.05


def test_dont_care_units_store_more_patterns_than_visible_units():
    # The projection rule makes the padded patterns fixed points of the N + K units
    # while p < N + K: 150 patterns of 100 visible bits, each recalled as itself.
    X = make_random_spins(150, 100, random_state=0)
    memory = HopfieldMemory("pseudoinverse", n_components=100, random_state=0).fit(X)
    assert memory.weights_.shape == (200, 200)
    recall = memory.recall(X)
    assert recall.states.shape == X.shape
    assert (recall.states == X).all(axis=1).mean() > 0.95
    # Without them, 150 patterns exceed the network: the weights project onto everything.
    plain = HopfieldMemory("pseudoinverse", random_state=0).fit(X)
    assert (plain.recall(X).states == X).all(axis=1).mean() < 0.05


@pytest.mark.slow
def test_descent_with_dont_care_units_goes_past_n_patterns():
    # Energy descent trained on probes as recall meets them (noisy visible bits,
    # don't-care units inferred) keeps recalling beyond p = N, where the plain
    # network of N units cannot even hold its patterns.
    X = make_random_spins(110, 100, random_state=0)
    memory = HopfieldMemory("descent", n_components=100, random_state=0).fit(X)
    assert exact_recall(memory, X) > 0.4


def test_projection_fill_is_the_sign_of_the_projection_and_random_fill_is_not():
    X = make_random_spins(20, 30, random_state=0)
    memory = HopfieldMemory(n_components=12, random_state=0).fit(X)
    assert memory.projection_.shape == (12, 30)
    padded = np.hstack([X, np.where(X @ memory.projection_.T < 0, -1.0, 1.0)])
    assert np.allclose(memory.weights_, skenergy.hopfield.hebbian_weights(padded))
    random = HopfieldMemory(n_components=12, hidden_fill="random", random_state=0).fit(X)
    assert random.projection_ is None
    hidden_part = random.weights_[:30, 30:]
    assert not np.allclose(hidden_part, memory.weights_[:30, 30:])


def test_inferred_dont_care_units_sit_at_a_minimum_given_the_visible_ones():
    # energy(X) puts the don't-care units where the dynamics settle with X held:
    # every one of them agrees with its field, so flipping any raises the energy.
    X = make_random_spins(40, 50, random_state=0)
    memory = HopfieldMemory("pseudoinverse", n_components=30, random_state=0).fit(X)
    probes = flip_bits(X, 0.2, random_state=1)
    reported = memory.energy(probes)
    W, b = memory.weights_, memory.intercept_
    lowest = np.full(len(X), np.inf)
    rng = np.random.default_rng(0)
    for _ in range(200):  # any other setting of the don't-care units ...
        H = np.where(rng.random((len(X), 30)) < 0.5, -1.0, 1.0)
        lowest = np.minimum(lowest, spin_energy(np.hstack([probes, H]), W, b))
    assert (reported <= lowest + 1e-9).mean() > 0.95  # ... is rarely lower
    # A local minimum over the don't-care units: each agrees with its field.
    inferred, _ = memory._cued(probes.copy(), W, b, memory.projection_, np.random.default_rng(0))
    fields = inferred @ W + b
    assert (fields[:, 50:] * inferred[:, 50:] >= 0).all()
    assert np.allclose(spin_energy(inferred, W, b), reported)


def test_dont_care_units_are_never_shown_and_clamps_stay_visible():
    X = make_random_spins(6, 40, random_state=0)
    binary = (X > 0).astype(float)
    memory = HopfieldMemory(n_components=20, random_state=0).fit(binary)
    assert memory.n_features_in_ == 40
    assert memory.predict(binary).shape == (6, 40)
    assert set(np.unique(memory.predict(binary))) <= {0.0, 1.0}
    partial = binary.copy()
    partial[:, 20:] = np.nan
    completed = memory.complete(partial)
    assert completed.shape == (6, 40) and np.array_equal(completed[:, :20], binary[:, :20])
    assert (completed == binary).all(axis=1).mean() > 0.9
    mask = np.zeros(40, dtype=bool)
    mask[:5] = True
    probes = 1 - binary  # every bit wrong: the clamped ones must stay wrong
    assert np.array_equal(memory.recall(probes, mask=mask).states[:, :5], probes[:, :5])
    assert -1 <= memory.score(binary) <= 1


@pytest.mark.parametrize("fill", ["projection", "random"])
@pytest.mark.parametrize("rule", ["hebbian", "storkey"])
def test_partial_fit_with_dont_care_units_equals_one_fit(rule, fill):
    X = make_random_spins(30, 60, random_state=0)
    params = dict(n_components=20, hidden_fill=fill, random_state=0)
    whole = HopfieldMemory(rule, **params).partial_fit(X)
    chunked = HopfieldMemory(rule, **params)
    for rows in np.array_split(np.arange(30), 3):
        chunked.partial_fit(X[rows])
    assert np.allclose(chunked.weights_, whole.weights_)


# ------------------------------------------------------------------- dense


def dense_recall(n_patterns, n_units, seeds=(0, 1), n_probes=100, **params):
    rates = []
    for seed in seeds:
        X = make_random_spins(n_patterns, n_units, random_state=seed)
        memory = DenseHopfieldMemory(random_state=seed, **params).fit(X)
        cues = X[:n_probes]
        rates.append(exact_recall(memory, cues, seed=seed + 100))
    return float(np.mean(rates))


def test_dense_degree_two_is_hebbs_network():
    # sum_mu (r + xi)^2 - (r - xi)^2 = 4 sum_mu r_mu xi_mu,i: the sign of the Hebbian
    # field. N = 64 keeps W = X'X / N exact, so ties agree too.
    X = make_random_spins(12, 64, random_state=0)
    probes = flip_bits(np.repeat(X, 5, axis=0), 0.2, random_state=1)
    dense = DenseHopfieldMemory(degree=2, update="sync").fit(X)
    hebb = HopfieldMemory("hebbian", update="sync").fit(X)
    first = dense.recall(probes)
    assert np.array_equal(first.states, hebb.recall(probes).states)
    # ... and its capacity is Hebb's: about 0.14 N
    assert dense_recall(10, 100, degree=2) > 0.9
    assert dense_recall(30, 100, degree=2) < 0.1


@pytest.mark.slow
def test_dense_capacity_grows_with_the_degree():
    # N^(n-1): at p = 2 N the pairwise network recalls nothing, degree 3 nearly all;
    # degree 4 holds 10 N.
    assert dense_recall(120, 60, degree=2) < 0.05
    assert dense_recall(120, 60, degree=3) > 0.9
    assert dense_recall(600, 60, degree=4, n_probes=50) > 0.9
    assert dense_recall(600, 60, degree=3, n_probes=50) < 0.5


def test_exponential_interaction_stores_far_beyond_n():
    assert dense_recall(2000, 40, interaction="exponential", n_probes=50) > 0.95


@pytest.mark.parametrize("interaction, degree", [("polynomial", 3), ("polynomial", 4),
                                                 ("exponential", 2)])  # fmt: skip
def test_dense_updates_never_raise_the_energy(interaction, degree):
    X = make_random_spins(40, 30, random_state=0)
    memory = DenseHopfieldMemory(interaction, degree=degree).fit(X)
    inter = memory._interaction()
    S = make_random_spins(50, 30, random_state=1)
    overlaps = inter.overlaps(S)
    for unit in np.random.default_rng(0).permutation(30):
        before = inter.energy(S)
        S[:, unit] = inter.decide(overlaps, S, unit)
        overlaps = inter.overlaps(S)
        after = inter.energy(S)
        assert (after <= before + 1e-12 * np.abs(before).max()).all()
        # the decision is the lower of the two energies
        flipped = S.copy()
        flipped[:, unit] *= -1
        assert (after <= inter.energy(flipped) + 1e-12 * np.abs(before).max()).all()


@pytest.mark.parametrize("degree", [2, 3, 4, 7, 10])
def test_dense_gains_by_horner_are_the_plain_powers_exactly(degree):
    from skenergy._dynamics import DenseInteraction

    patterns = make_random_spins(5, 30, random_state=0)
    interaction = DenseInteraction(patterns, "polynomial", degree)
    assert interaction._exact
    r = np.arange(-31.0, 32.0)[None, :]
    assert np.array_equal(interaction._gains(r), (r + 1) ** degree - (r - 1) ** degree)
    scaled = DenseInteraction(make_random_spins(5, 30, random_state=0), "polynomial", 60)
    assert not scaled._exact  # 31^60 is no exact double: each row divided by its largest
    expected = ((r + 1) / 32) ** 60 - ((r - 1) / 32) ** 60
    assert np.allclose(scaled._gains(r), expected, rtol=1e-12, atol=0)


def test_dense_energy_matches_its_formula():
    X = make_random_spins(7, 20, random_state=0)
    S = make_random_spins(5, 20, random_state=1)
    cubic = DenseHopfieldMemory(degree=3).fit(X)
    assert np.allclose(cubic.energy(S), -(((S @ X.T) / 20) ** 3).sum(axis=1))
    exponential = DenseHopfieldMemory("exponential").fit(X)
    assert np.allclose(exponential.energy(S), -np.exp(S @ X.T - 20).sum(axis=1))
    assert np.allclose(cubic.score_samples(S), -cubic.energy(S))


def test_dense_memory_is_stable_for_large_degrees_and_wide_patterns():
    # x^60 of overlaps up to 100, exp of overlaps up to 1000: no overflow, no warning.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        X = make_random_spins(50, 100, random_state=0)
        high = DenseHopfieldMemory(degree=60, random_state=0).fit(X)
        assert exact_recall(high, X) == 1.0
        assert np.isfinite(high.energy(X)).all()
        wide = make_random_spins(30, 1000, random_state=0)
        memory = DenseHopfieldMemory("exponential", random_state=0).fit(wide)
        probes = flip_bits(wide, 0.3, random_state=1)
        assert np.array_equal(memory.predict(probes), wide)
        assert np.allclose(memory.energy(wide), -1.0, atol=1e-6)  # its own term: e^0


def test_dense_sync_recalls_and_reports_cycles():
    X = make_random_spins(100, 50, random_state=0)
    memory = DenseHopfieldMemory(degree=4, update="sync").fit(X)
    assert exact_recall(memory, X) == 1.0
    two = DenseHopfieldMemory(degree=2, update="sync").fit([[1, -1], [-1, 1]])
    recall = two.recall([[1, 1]])
    assert recall.cycled.tolist() == [True]


def test_dense_partial_fit_in_chunks_equals_one_fit_and_completes():
    X = make_random_spins(60, 40, random_state=0)
    whole = DenseHopfieldMemory(degree=3, random_state=0).fit(X)
    chunked = DenseHopfieldMemory(degree=3, random_state=0)
    for rows in np.array_split(np.arange(60), 3):
        chunked.partial_fit(X[rows])
    assert np.array_equal(chunked.patterns_, whole.patterns_) and chunked.n_memories_ == 60
    binary = (X > 0).astype(float)
    memory = DenseHopfieldMemory(degree=3, random_state=0).fit(binary)
    partial = binary.copy()
    partial[:, 25:] = np.nan
    completed = memory.complete(partial)
    assert np.array_equal(completed[:, :25], binary[:, :25])
    assert (completed == binary).all(axis=1).mean() > 0.95
    assert set(np.unique(completed)) <= {0.0, 1.0}


# ------------------------------------------------------------------ modern


def unit_patterns(n_patterns, n_features, seed=0):
    X = np.random.default_rng(seed).standard_normal((n_patterns, n_features))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_modern_retrieves_thousands_of_patterns_in_one_step():
    # Ramsauer et al., theorem 4: exponentially many well-separated patterns are
    # retrieved in one update with an exponentially small error at large beta.
    X = unit_patterns(5000, 32)
    queries = X + 0.05 * np.random.default_rng(1).standard_normal(X.shape) / np.sqrt(32)
    memory = ModernHopfieldMemory(beta=32.0).fit(X)
    recall = memory.recall(queries)
    assert np.all(np.abs(recall.states - X).max(axis=1) < 1e-3)
    assert np.all(recall.n_steps == 1)
    # A small beta blurs them: the same queries are retrieved nowhere near.
    blurred = ModernHopfieldMemory(beta=2.0).fit(X).predict(queries)
    assert np.all(np.abs(blurred - X).max(axis=1) > 0.1)


def test_modern_regimes_pattern_metastable_average_and_global_average():
    # Five clusters of 20 patterns: large beta retrieves the pattern, an
    # intermediate beta the metastable average of its cluster, a small beta the
    # global fixed point at the mean of all patterns, from every query.
    rng = np.random.default_rng(0)
    centres = unit_patterns(5, 32)
    X = np.repeat(centres, 20, axis=0) + 0.15 * rng.standard_normal((100, 32)) / np.sqrt(32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    cluster_means = np.repeat(X.reshape(5, 20, 32).mean(axis=1), 20, axis=0)
    queries = X + 0.02 * rng.standard_normal(X.shape) / np.sqrt(32)

    def retrieved(beta):
        recall = ModernHopfieldMemory(beta=beta, max_steps=30).fit(X).recall(queries)
        assert recall.converged.all() and not recall.cycled.any()
        return recall.states

    def distance(A, B):
        return float(np.abs(A - B).max())

    assert distance(retrieved(1000.0), X) < 1e-3
    assert distance(retrieved(30.0), cluster_means) < 0.01 < 0.05 < distance(retrieved(30.0), X)
    assert distance(retrieved(0.05), X.mean(axis=0)) < 0.01


def test_modern_energy_decreases_along_the_update_and_stays_in_its_bounds():
    X = unit_patterns(200, 16, seed=2)
    queries = np.random.default_rng(3).standard_normal((50, 16)) * 0.5
    largest_norm = 1.0
    for beta in (0.5, 4.0, 40.0):
        memory = ModernHopfieldMemory(beta=beta).fit(X)
        states, energies = queries, [memory.energy(queries)]
        for _ in range(5):
            states = memory.predict(states)
            energies.append(memory.energy(states))
            # Lemma: after an update the state is in the convex hull of the
            # patterns, where 0 <= E <= 2 M^2.
            assert np.all(energies[-1] >= -1e-9)
            assert np.all(energies[-1] <= 2 * largest_norm**2 + 1e-9)
        assert np.all(np.diff(np.array(energies), axis=0) <= 1e-9)


def test_modern_energy_matches_its_formula():
    X = unit_patterns(7, 5, seed=4) * 1.5
    xi = np.random.default_rng(5).standard_normal(5)
    beta = 3.0
    expected = (
        -np.log(np.sum(np.exp(beta * X @ xi))) / beta + xi @ xi / 2 + np.log(7) / beta + 1.5**2 / 2
    )
    memory = ModernHopfieldMemory(beta=beta).fit(X)
    assert memory.energy(xi[None, :])[0] == pytest.approx(expected)


def test_modern_hetero_association_is_an_attention_classifier():
    from sklearn.preprocessing import Normalizer

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    labels = LabelBinarizer().fit(y_train)
    search = GridSearchCV(
        make_pipeline(Normalizer(), ModernHopfieldMemory()),
        {"modernhopfieldmemory__beta": [1.0, 5.0, 50.0]},
        cv=3,
    ).fit(X_train, labels.transform(y_train))
    assert search.best_params_["modernhopfieldmemory__beta"] == 50.0  # R^2 picks it
    predicted = labels.classes_[search.predict(X_test).argmax(axis=1)]
    assert np.mean(predicted == y_test) > 0.95
    # One value per key (1-D y) gives one retrieved value per query.
    memory = ModernHopfieldMemory(beta=50.0).fit(Normalizer().fit_transform(X_train), y_train)
    with pytest.warns(UserWarning, match="class labels as values"):  # it averages them
        assert memory.predict(Normalizer().fit_transform(X_test)).shape == (len(X_test),)


def test_modern_transform_is_a_distribution_and_a_pipeline_feature():
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import Normalizer

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    pipe = make_pipeline(
        Normalizer(), ModernHopfieldMemory(beta=20.0), LogisticRegression(max_iter=2000)
    ).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.85
    memory = pipe[1]
    P = memory.transform(Normalizer().fit_transform(X_test))
    assert P.shape == (len(X_test), len(X_train))
    assert np.allclose(P.sum(axis=1), 1)
    names = memory.get_feature_names_out()
    assert names[0] == "modernhopfieldmemory0" and len(names) == len(X_train)


def test_modern_top_k_keeps_the_largest_probabilities_sparse():
    X = unit_patterns(300, 8)
    queries = unit_patterns(20, 8, seed=1)
    dense = ModernHopfieldMemory(beta=5.0).fit(X).transform(queries)
    sparse = ModernHopfieldMemory(beta=5.0, top_k=4).fit(X).transform(queries)
    assert sparse.format == "csr" and sparse.shape == dense.shape
    assert np.all(np.diff(sparse.indptr) == 4)
    expected = np.sort(dense, axis=1)[:, -4:]
    assert np.allclose(np.sort(sparse.toarray(), axis=1)[:, -4:], expected)


def test_modern_refuses_a_dense_transform_too_large():
    memory = ModernHopfieldMemory().fit(unit_patterns(100, 4))
    queries = unit_patterns(20, 4, seed=1)
    with skenergy.config_context(memory_limit=8000 / 2**20):  # 20 x 100 x 8 bytes is 16000
        with pytest.raises(ValueError, match=r"dense \(20, 100\) result.*top_k"):
            memory.transform(queries)
        assert memory.set_params(top_k=3).transform(queries).nnz == 60


def test_modern_retrieval_works_in_blocks(monkeypatch):
    # Queries are processed in blocks so that the similarities never exceed a
    # fixed size: the result does not depend on it.
    X = unit_patterns(50, 6)
    queries = unit_patterns(30, 6, seed=1)
    memory = ModernHopfieldMemory(beta=3.0, max_steps=3).fit(X)
    whole, whole_energy = memory.recall(queries), memory.energy(queries)
    monkeypatch.setattr(skenergy.hopfield, "_BLOCK_BYTES", 2 * 3 * 8 * 50)  # 2 rows a block
    blocked = memory.recall(queries)
    assert np.allclose(blocked.states, whole.states)
    assert np.array_equal(blocked.converged, whole.converged)
    assert np.allclose(blocked.energy, whole.energy)
    assert np.allclose(memory.energy(queries), whole_energy)


def test_modern_keeps_float32_and_refuses_bad_input():
    X = unit_patterns(10, 4).astype(np.float32)
    memory = ModernHopfieldMemory().fit(X)
    assert memory.predict(X).dtype == np.float32
    assert memory.transform(X).dtype == np.float32
    with pytest.raises(ValueError, match="4 features"):
        memory.predict(np.ones((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        memory.predict(np.full((1, 4), np.nan))


def test_plain_retrieve_is_the_estimators_rule_without_training():
    from skenergy import retrieve

    X = unit_patterns(300, 16)
    queries = unit_patterns(20, 16, seed=1)
    memory = ModernHopfieldMemory(beta=4.0, max_steps=3).fit(X)
    assert np.allclose(retrieve(queries, X, beta=4.0, n_steps=3), memory.predict(queries))
    assert retrieve(queries[0], X, beta=4.0).shape == (16,)
    with pytest.raises(ValueError, match="queries have 15 features, patterns 16"):
        retrieve(queries[:, :15], X)
    with pytest.raises(ValueError, match="overflows"):
        retrieve(queries * 1e300, X, beta=1e9)


# ------------------------------------------------------- modern classifier


def test_modern_classifier_takes_labels_and_gives_probabilities():
    from sklearn.preprocessing import Normalizer

    from skenergy import ModernHopfieldClassifier

    X, y = load_digits(return_X_y=True)
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven",
                      "eight", "nine"])[y]  # fmt: skip
    X_train, X_test, y_train, y_test = train_test_split(X, names, random_state=0)
    model = make_pipeline(Normalizer(), ModernHopfieldClassifier(beta=50.0))
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10) and np.allclose(proba.sum(axis=1), 1)
    assert set(model.predict(X_test)) <= set(names)
    assert model.score(X_test, y_test) > 0.97  # accuracy, not R^2
    # The same as the memory fitted on one-hot labels by hand (the regressor use).
    labels = LabelBinarizer().fit(y_train)
    by_hand = make_pipeline(Normalizer(), ModernHopfieldMemory(beta=50.0))
    by_hand.fit(X_train, labels.transform(y_train))
    reordered = by_hand.predict(X_test)
    assert np.allclose(proba, reordered / reordered.sum(axis=1, keepdims=True))


def test_modern_classifier_sharpness_runs_from_nearest_row_to_class_prior():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import normalize

    from skenergy import ModernHopfieldClassifier

    X, y = load_digits(return_X_y=True)
    X = normalize(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    sharp = ModernHopfieldClassifier(beta=1e4).fit(X_train, y_train).predict(X_test)
    nearest = KNeighborsClassifier(1, metric="cosine").fit(X_train, y_train).predict(X_test)
    assert (sharp == nearest).mean() > 0.99
    flat = ModernHopfieldClassifier(beta=1e-6).fit(X_train, y_train).predict_proba(X_test)
    prior = np.bincount(y_train) / len(y_train)
    assert np.allclose(flat, prior, atol=1e-4)


def test_modern_classifier_log_proba_is_the_exact_log_of_class_sums():
    from skenergy import ModernHopfieldClassifier

    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(12, 3))
    y_train = np.repeat(["a", "b", "c"], 4)
    queries = rng.normal(size=(5, 3))
    for max_steps in (1, 3):
        model = ModernHopfieldClassifier(beta=2.0, max_steps=max_steps).fit(X_train, y_train)
        # The rule written out: max_steps - 1 updates, then the last softmax summed per class.
        Q = queries
        for _ in range(max_steps - 1):
            weights = np.exp(2.0 * Q @ X_train.T)
            Q = (weights / weights.sum(axis=1, keepdims=True)) @ X_train
        weights = np.exp(2.0 * Q @ X_train.T)
        weights /= weights.sum(axis=1, keepdims=True)
        expected = np.stack([weights[:, y_train == c].sum(axis=1) for c in "abc"], axis=1)
        np.testing.assert_allclose(model.predict_log_proba(queries), np.log(expected), rtol=1e-10)
        np.testing.assert_allclose(model.predict_proba(queries), expected, rtol=1e-10)
    # Far from a class, its probability underflows to 0 but its log stays finite.
    far = ModernHopfieldClassifier(beta=1e4).fit(X_train, y_train)
    log_proba = far.predict_log_proba(queries)
    assert np.isfinite(log_proba).all() and (far.predict_proba(queries) == 0).any()
    np.testing.assert_allclose(np.exp(log_proba).sum(axis=1), 1)


def test_modern_memory_warns_that_it_averages_class_labels():
    X, y = load_digits(return_X_y=True)
    for labels in (y[:50], y[:50] % 2):  # multiclass, binary
        memory = ModernHopfieldMemory().fit(X[:50], labels)
        with pytest.warns(UserWarning, match="ModernHopfieldClassifier"):
            memory.predict(X[:5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for values in (X[:50, 3] / 16, LabelBinarizer().fit_transform(y[:50])):
            ModernHopfieldMemory().fit(X[:50], values).predict(X[:5])  # averaged, as meant
        memory = ModernHopfieldMemory().fit(X[:50], y[:50])
        memory.transform(X[:5])  # a pipeline's feature step: the labels are not used

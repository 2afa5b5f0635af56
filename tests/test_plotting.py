import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skenergy import BackpropMLPClassifier, HopfieldMemory, RestrictedBM
from skenergy.datasets import flip_bits, make_random_spins
from skenergy.plotting import (
    CapacityCurveDisplay,
    ImageGridDisplay,
    LearningCurveDisplay,
    RecallDisplay,
    tile_images,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def digits_rbm():
    X = load_digits().data / 16
    return RestrictedBM(n_components=16, max_iter=3, random_state=0).fit(X), X


def test_tile_images_lays_out_scaled_images_with_gaps():
    canvas = tile_images([[0, 2, 4, 6], [1, 1, 1, 1], [5, 5, 5, 9]], (2, 2), n_cols=2)
    assert canvas.shape == (5, 5)
    assert np.allclose(canvas[:2, :2], [[0, 1 / 3], [2 / 3, 1]])  # scaled to [0, 1]
    assert np.isnan(canvas[2]).all() and np.isnan(canvas[:, 2]).all()  # the gaps
    assert np.allclose(canvas[:2, 3:], 0)  # a constant image
    assert np.isnan(canvas[3:, 3:]).all()  # the empty cell


def test_image_grids_from_an_rbm(digits_rbm):
    rbm, X = digits_rbm
    filters = ImageGridDisplay.from_filters(rbm, (8, 8)).plot()
    assert filters.canvas.shape == (4 * 9 - 1, 4 * 9 - 1)
    assert filters.image_.get_array().shape == filters.canvas.shape
    samples = ImageGridDisplay.from_samples(
        rbm, 6, (8, 8), sample_kwargs={"n_steps": 5, "random_state": 0}
    ).plot()
    assert samples.images.shape == (6, 64)
    pairs = ImageGridDisplay.from_reconstructions(rbm, X[:3], (8, 8))
    assert pairs.images.shape == (6, 64) and np.allclose(pairs.images[:3], X[:3])
    assert pairs.plot().ax_.get_title().startswith("originals")


def test_recall_display_follows_the_dynamics_downhill():
    X = make_random_spins(8, 64, random_state=0)
    memory = HopfieldMemory(random_state=0).fit(X)
    cue = flip_bits(X[0], 0.25, random_state=1)
    display = RecallDisplay.from_estimator(memory, cue, image_shape=(8, 8))
    assert np.array_equal(display.states[0], cue)
    assert np.array_equal(display.states[-1], memory.predict(cue[None, :])[0])
    assert np.all(np.diff(display.energies) <= 1e-9)
    display.plot()
    assert len(display.axes_) == len(display.states)
    assert display.energy_ax_.get_ylabel() == "energy"
    assert memory.max_steps == 100  # the memory itself is untouched


def test_capacity_curves_share_one_axis():
    _, ax = plt.subplots()
    curves = [
        CapacityCurveDisplay.from_estimator(
            HopfieldMemory(rule, random_state=0), n_units=80, loads=[0.05, 0.25], n_trials=2
        ).plot(ax=ax)
        for rule in ("hebbian", "storkey")
    ]
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["hebbian", "storkey"]
    assert curves[1].recall_rates[1] > curves[0].recall_rates[1]  # Storkey stores more


def test_learning_curves_of_an_mlp_and_a_clear_error_without_any():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = BackpropMLPClassifier(max_iter=4, validation_fraction=0.2, random_state=0)
        mlp.fit(X / 16, y)
    display = LearningCurveDisplay.from_estimator(mlp).plot()
    assert set(display.curves) == {"training loss", "validation loss", "validation score"}
    assert len(display.axes_) == 3
    with pytest.raises(ValueError, match="kept no learning curve"):
        LearningCurveDisplay.from_estimator(HopfieldMemory().fit(np.ones((2, 4))))


def test_missing_matplotlib_gives_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="skenergy.plotting needs matplotlib"):
        ImageGridDisplay(np.eye(4), (2, 2)).plot()

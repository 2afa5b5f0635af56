"""Display objects in scikit-learn's style: build from an estimator, then ``plot``.

Each display holds the numbers it shows (so they can be inspected or re-plotted)
and, after :meth:`plot`, the matplotlib ``figure_`` and ``ax_``. matplotlib is
optional: it is imported when a display is plotted, and its absence gives an
ImportError that says how to install it.
"""

import copy
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ._sampling import flip_spins, make_generator

__all__ = [
    "CapacityCurveDisplay",
    "ImageGridDisplay",
    "LearningCurveDisplay",
    "RecallDisplay",
    "tile_images",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - exercised without matplotlib
        raise ImportError(
            "skenergy.plotting needs matplotlib: pip install matplotlib, or install "
            "skenergy with its examples extra: pip install 'skenergy[examples]'."
        ) from error
    return plt


def _axes(ax, **subplot_kw):
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(**subplot_kw)
    return ax.figure, ax


def tile_images(images, image_shape, n_cols=None, pad=1):
    """Flattened images side by side in one array, rows of ``n_cols``, NaN between them.

    Each image is scaled to [0, 1] by its own range (filters have arbitrary scales).

    Examples
    --------
    >>> from skenergy.plotting import tile_images
    >>> tile_images([[0, 1, 2, 3], [4, 4, 4, 4]], (2, 2), n_cols=2)
    array([[0.        , 0.33333333,        nan, 0.        , 0.        ],
           [0.66666667, 1.        ,        nan, 0.        , 0.        ]])
    """
    images = np.asarray(images, dtype=float).reshape(-1, *image_shape)
    n_images = len(images)
    n_cols = n_cols or int(np.ceil(np.sqrt(n_images)))
    n_rows = int(np.ceil(n_images / n_cols))
    height, width = image_shape
    canvas = np.full((n_rows * (height + pad) - pad, n_cols * (width + pad) - pad), np.nan)
    for k, image in enumerate(images):
        low, high = np.nanmin(image), np.nanmax(image)
        scaled = (image - low) / (high - low) if high > low else np.zeros_like(image)
        top, left = (height + pad) * (k // n_cols), (width + pad) * (k % n_cols)
        canvas[top : top + height, left : left + width] = scaled
    return canvas


class ImageGridDisplay:
    """A grid of images: RBM filters, samples, reconstructions, recalled patterns.

    Parameters
    ----------
    images : array-like of shape (n_images, height * width)
    image_shape : (height, width)
    n_cols : int, default=None
        Images per row (a square grid by default).
    title : str, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy.plotting import ImageGridDisplay
    >>> display = ImageGridDisplay(np.eye(4), image_shape=(2, 2))
    >>> display.canvas.shape
    (5, 5)
    """

    def __init__(self, images, image_shape, *, n_cols=None, title=None):
        self.images = np.asarray(images, dtype=float)
        self.image_shape = tuple(image_shape)
        self.n_cols = n_cols
        self.title = title
        self.canvas = tile_images(self.images, self.image_shape, n_cols)

    @classmethod
    def from_filters(cls, estimator, image_shape, *, n_images=64, **kwargs):
        """The first ``n_images`` receptive fields (rows of ``components_``) of an RBM."""
        filters = estimator.components_[:n_images]
        kwargs.setdefault("title", f"{len(filters)} filters of {type(estimator).__name__}")
        return cls(filters, image_shape, **kwargs)

    @classmethod
    def from_samples(cls, estimator, n_samples, image_shape, *, sample_kwargs=None, **kwargs):
        """``n_samples`` drawn with ``estimator.sample(n_samples, **sample_kwargs)``."""
        samples = estimator.sample(n_samples, **(sample_kwargs or {}))
        kwargs.setdefault("title", f"samples from {type(estimator).__name__}")
        return cls(samples, image_shape, **kwargs)

    @classmethod
    def from_reconstructions(cls, estimator, X, image_shape, **kwargs):
        """Each row of X (top) above its reconstruction (bottom)."""
        X = np.asarray(X, dtype=float)
        rebuilt = (
            estimator.reconstruct(X)
            if hasattr(estimator, "reconstruct")
            else (estimator.predict(X))
        )
        kwargs.setdefault("title", "originals (top) and reconstructions (bottom)")
        kwargs.setdefault("n_cols", len(X))
        return cls(np.vstack([X, rebuilt]), image_shape, **kwargs)

    def plot(self, ax=None, *, cmap="gray"):
        """Draw the grid; returns self (``figure_``, ``ax_``, ``image_``).

        ``cmap="gray_r"`` draws binary patterns such as digits dark on light.
        """
        aspect = self.canvas.shape[1] / self.canvas.shape[0]
        width = min(12.0, max(4.0, 4.0 * aspect))
        self.figure_, self.ax_ = _axes(ax, figsize=(width, width / aspect + 0.6))
        self.image_ = self.ax_.imshow(self.canvas, cmap=cmap, interpolation="nearest")
        self.ax_.set_axis_off()
        if self.title:
            self.ax_.set_title(self.title)
        return self


class RecallDisplay:
    """A Hopfield memory recalling one cue: the states sweep by sweep, and their energy.

    Parameters
    ----------
    states : ndarray of shape (n_steps + 1, n_features)
        The cue, then the state after each sweep (the last one is the result).
    energies : ndarray of shape (n_steps + 1,)
    image_shape : (height, width) or None
        Shape of a state drawn as an image; None draws it as a strip.

    Examples
    --------
    >>> from skenergy import HopfieldMemory
    >>> from skenergy.datasets import flip_bits, make_random_spins
    >>> from skenergy.plotting import RecallDisplay
    >>> X = make_random_spins(5, 100, random_state=0)
    >>> memory = HopfieldMemory(random_state=0).fit(X)
    >>> display = RecallDisplay.from_estimator(memory, flip_bits(X[0], 0.2, random_state=1))
    >>> bool(display.energies[-1] <= display.energies[0])
    True
    """

    def __init__(self, states, energies, *, image_shape=None):
        self.states = np.asarray(states, dtype=float)
        self.energies = np.asarray(energies, dtype=float)
        self.image_shape = image_shape

    @classmethod
    def from_estimator(cls, memory, cue, *, image_shape=None, max_steps=None):
        """Recall ``cue`` sweep by sweep (each step restarts with the same seed)."""
        cue = np.asarray(cue, dtype=float).reshape(1, -1)
        max_steps = memory.max_steps if max_steps is None else max_steps
        states, energies = [cue[0]], [memory.energy(cue)[0]]
        for n_steps in range(1, max_steps + 1):
            stepped = copy.copy(memory)  # shares the fitted weights; its own max_steps
            stepped.max_steps = n_steps
            result = stepped.recall(cue)
            states.append(result.states[0])
            energies.append(result.energy[0])
            if result.converged[0]:
                break
        return cls(np.array(states), np.array(energies), image_shape=image_shape)

    def plot(self, *, axes=None, cmap="gray_r"):
        """Draw the states (top row) and the energy per sweep (bottom); returns self."""
        plt = _pyplot()
        n_states = len(self.states)
        if axes is None:
            figure = plt.figure(figsize=(2 + 1.5 * n_states, 4))
            grid = figure.add_gridspec(2, n_states, height_ratios=[2, 1])
            state_axes = [figure.add_subplot(grid[0, k]) for k in range(n_states)]
            energy_ax = figure.add_subplot(grid[1, :])
        else:
            state_axes, energy_ax = axes
            figure = energy_ax.figure
        shape = self.image_shape or (1, self.states.shape[1])
        for k, (ax, state) in enumerate(zip(state_axes, self.states, strict=False)):
            ax.imshow(state.reshape(shape), cmap=cmap, interpolation="nearest")
            ax.set_axis_off()
            ax.set_title("cue" if k == 0 else f"sweep {k}")
        energy_ax.plot(range(n_states), self.energies, marker="o")
        energy_ax.set_xticks(range(n_states))
        energy_ax.set_xlabel("sweep")
        energy_ax.set_ylabel("energy")
        self.figure_, self.axes_, self.energy_ax_ = figure, state_axes, energy_ax
        return self


class CapacityCurveDisplay:
    """Recall against load: how many random patterns a memory stores.

    Parameters
    ----------
    loads : ndarray
        Patterns per unit, p / N.
    recall_rates : ndarray
        Share of probes recalled exactly.
    overlaps : ndarray
        Mean overlap ``s . x / N`` of the recalled states with the patterns.
    label : str, default=None

    Examples
    --------
    >>> from skenergy import HopfieldMemory
    >>> from skenergy.plotting import CapacityCurveDisplay
    >>> curve = CapacityCurveDisplay.from_estimator(
    ...     HopfieldMemory(random_state=0), n_units=100, loads=[0.05, 0.3]
    ... )
    >>> bool(curve.overlaps[0] > curve.overlaps[1])
    True
    """

    def __init__(self, loads, recall_rates, overlaps, *, label=None):
        self.loads = np.asarray(loads, dtype=float)
        self.recall_rates = np.asarray(recall_rates, dtype=float)
        self.overlaps = np.asarray(overlaps, dtype=float)
        self.label = label

    @classmethod
    def from_estimator(
        cls, memory, *, n_units=200, loads=(0.05, 0.1, 0.14, 0.2, 0.3), noise=0.1,
        n_trials=3, n_probes=None, random_state=0, label=None,
    ):  # fmt: skip
        """Fit clones of ``memory`` on random patterns at each load and recall from
        noise: from every stored pattern, or from the first ``n_probes`` of them
        (for memories of thousands of patterns)."""
        rng = make_generator(random_state)
        rates, overlaps = [], []
        for load in loads:
            n_patterns = max(1, int(round(load * n_units)))
            exact, overlap = [], []
            for _ in range(n_trials):
                X = np.where(rng.random((n_patterns, n_units)) < 0.5, 1.0, -1.0)
                fitted = clone(memory).fit(X)
                X = X[:n_probes]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    recalled = fitted.predict(flip_spins(X, noise, rng))
                exact.append(np.mean((recalled == X).all(axis=1)))
                overlap.append(np.mean(recalled * X))
            rates.append(np.mean(exact))
            overlaps.append(np.mean(overlap))
        label = label or getattr(memory, "rule", type(memory).__name__)
        return cls(loads, rates, overlaps, label=label)

    def plot(self, ax=None, *, metric="recall_rates", **line_kwargs):
        """Draw ``recall_rates`` (or ``overlaps``) against load; returns self."""
        self.figure_, self.ax_ = _axes(ax)
        values = getattr(self, metric)
        (self.line_,) = self.ax_.plot(
            self.loads, values, marker="o", label=self.label, **line_kwargs
        )
        self.ax_.set_xlabel("load p / N")
        self.ax_.set_ylabel("exact recall" if metric == "recall_rates" else "mean overlap")
        if self.label:
            self.ax_.legend()
        return self


#: Learning curves an estimator may keep, and how to label them.
_CURVES = {
    "loss_curve_": "training loss",
    "validation_loss_curve_": "validation loss",
    "reconstruction_error_curve_": "reconstruction error",
    "pseudo_likelihood_curve_": "pseudo-log-likelihood",
    "validation_scores_": "validation score",
    "free_energy_gap_curve_": "free-energy gap",
    "log_likelihood_curve_": "log-likelihood",
}


class LearningCurveDisplay:
    """The learning curves a fitted estimator kept, epoch by epoch.

    Parameters
    ----------
    curves : dict of str to sequence of float
        Label to values per epoch.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skenergy import RestrictedBM
    >>> from skenergy.plotting import LearningCurveDisplay
    >>> rbm = RestrictedBM(n_components=16, max_iter=3, random_state=0)
    >>> display = LearningCurveDisplay.from_estimator(rbm.fit(load_digits().data / 16))
    >>> sorted(display.curves)
    ['pseudo-log-likelihood', 'reconstruction error']
    """

    def __init__(self, curves):
        self.curves = {label: np.asarray(values, dtype=float) for label, values in curves.items()}

    @classmethod
    def from_estimator(cls, estimator):
        """Every non-empty learning curve of a fitted estimator."""
        curves = {
            label: getattr(estimator, name)
            for name, label in _CURVES.items()
            if len(getattr(estimator, name, ()) or ()) > 0
        }
        if not curves:
            raise ValueError(f"{type(estimator).__name__} kept no learning curve to show.")
        return cls(curves)

    def plot(self, ax=None):
        """One panel per curve (they have different units); returns self."""
        plt = _pyplot()
        if ax is None:
            figure, axes = plt.subplots(1, len(self.curves), figsize=(4 * len(self.curves), 3))
            axes = np.atleast_1d(axes)
        else:
            axes = np.atleast_1d(ax)
            figure = axes[0].figure
        for axis, (label, values) in zip(axes, self.curves.items(), strict=False):
            axis.plot(np.arange(1, len(values) + 1), values, marker=".")
            axis.set_xlabel("epoch")
            axis.set_title(label)
        self.figure_, self.axes_ = figure, axes
        return self

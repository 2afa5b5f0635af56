"""Input checks shared by the estimators, with messages that say the way out, and the
guarantee that a call that fails leaves the estimator as it was."""

import copy
import functools
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._config import check_memory
from .exceptions import DataRangeWarning


def as_dense(X):
    """A dense array from a dense array or a sparse matrix (dense input passes through)."""
    return X.toarray() if sp.issparse(X) else X


def _values(X):
    return X.data if sp.issparse(X) else X


def check_unit_interval(X, estimator_name, *, clip=False):
    """Check that ``X`` lies in [0, 1], the domain of Bernoulli units.

    With ``clip=False`` (fitting) values outside the interval raise a ValueError;
    with ``clip=True`` (transforming, scoring) they are clipped into it, on a copy,
    with a :class:`DataRangeWarning`. Test folds scaled by a ``MinMaxScaler`` fitted
    on training folds routinely stray a little outside [0, 1].
    """
    values = _values(X)
    if values.size == 0:
        return X
    low, high = values.min(), values.max()
    if low >= 0 and high <= 1:
        return X
    if clip:
        warnings.warn(
            f"{estimator_name} with Bernoulli visible units expects values in [0, 1]; "
            f"got values in [{low:.3g}, {high:.3g}], clipped into [0, 1].",
            DataRangeWarning,
            stacklevel=3,
        )
        X = X.copy()
        np.clip(_values(X), 0, 1, out=_values(X))
        return X
    way_out = (
        "Scale the data into [0, 1] (for 0-255 pixels divide by 255, or use "
        "sklearn.preprocessing.MinMaxScaler(clip=True)), or use visible='gaussian' "
        "for real-valued data."
    )
    if low < 0:
        raise ValueError(
            f"Negative values in data passed to {estimator_name}: Bernoulli visible "
            f"units take values in [0, 1], got a minimum of {low:.4g}. {way_out}"
        )
    raise ValueError(
        f"Values above 1 in data passed to {estimator_name}: Bernoulli visible units "
        f"take values in [0, 1], got a maximum of {high:.4g}. {way_out}"
    )


def check_binary(X, estimator_name, binarize=None):
    """Binary data as spins (+1/-1, in X's dtype), and the encoding they came in.

    Accepts {0, 1} (encoding ``"binary"``) or {-1, +1} (``"spin"``); rows holding
    only ones fit either, and give the encoding ``None``. With a float ``binarize``,
    values above it are on and the others off, as in ``BernoulliNB``, and the
    encoding is ``"binary"``. Anything else is a ValueError that names the problem.
    """
    if binarize is not None:
        if not np.isfinite(binarize):
            raise ValueError(
                f"binarize must be a finite threshold (or None for binary data), got {binarize!r}."
            )
        return np.where(X > binarize, 1, -1).astype(X.dtype), "binary"
    on, spin_off, binary_off = X == 1, X == -1, X == 0
    other = ~(on | spin_off | binary_off)
    if other.any():
        value, more = float(X[other].flat[0]), int(other.sum()) - 1
        others = f" and {more} more non-binary value{'s' * (more != 1)}" if more else ""
        raise ValueError(
            f"{estimator_name} needs binary data, with values in {{0, 1}} or in "
            f"{{-1, +1}}; got {value:.4g}{others}. Pass binarize=<threshold> to map "
            "real values to binary (values above it are on), as BernoulliNB does."
        )
    has_spin_off, has_binary_off = spin_off.any(), binary_off.any()
    if has_spin_off and has_binary_off:
        raise ValueError(
            f"{estimator_name} got mixed encodings: the data hold both -1 and 0. Use "
            "one encoding, {0, 1} or {-1, +1}."
        )
    encoding = "spin" if has_spin_off else "binary" if has_binary_off else None
    return np.where(on, 1, -1).astype(X.dtype), encoding


def from_spins(S, encoding):
    """Spins (+1/-1) in the given encoding: unchanged for ``"spin"``, {0, 1} for ``"binary"``."""
    return S if encoding == "spin" else (S > 0).astype(S.dtype)


def largest_magnitude(a, ignore_nan=False):
    """``max |a|`` from the largest and smallest values, without an ``|a|`` copy.
    NaN when ``a`` holds NaN, unless ``ignore_nan`` (then NaN only if all are)."""
    if a.size == 0:
        return 0.0
    if ignore_nan:  # fmax/fmin skip NaN without the all-NaN warning of nanmax
        high, low = np.fmax.reduce(a, axis=None), np.fmin.reduce(a, axis=None)
    else:
        high, low = np.max(a), np.min(a)
    return float(np.maximum(np.abs(high), np.abs(low)))


def check_magnitude(X, what, estimator_name):
    """Refuse values so large that the models' own arithmetic overflows.

    Squares (variances, squared errors, energies) and products summed over the
    features overflow beyond ``sqrt(max float) / n_features``: 1e154 / 64 in
    float64 for digits-wide data, about 2e16 in float32 for MNIST-wide data.
    """
    values = X.data if sp.issparse(X) else np.asarray(X)
    if values.size == 0 or not np.issubdtype(values.dtype, np.floating):
        return X
    width = X.shape[1] if X.ndim == 2 else 1
    limit = np.sqrt(np.finfo(values.dtype).max) / max(width, 1)
    largest = largest_magnitude(values, ignore_nan=True)
    if largest > limit:
        raise ValueError(
            f"{what} holds values up to {largest:.3g} in magnitude: {estimator_name}'s "
            f"arithmetic (squares, and products summed over {width} columns) overflows "
            f"{values.dtype} beyond {limit:.3g}. Scale {what} first, e.g. with "
            "sklearn.preprocessing.StandardScaler."
        )
    return X


def check_fitted_rows(estimator, X, *, allow_nan=False, accept_sparse=False):
    """Rows given to a fitted estimator: validated against the fitted width, as floats.

    Every method of a fitted estimator that takes rows goes through here (by the
    estimator's ``_fitted_rows``, which casts them to the model's dtype and units).
    ``allow_nan`` lets NaN mark unknown values, ``accept_sparse`` keeps CSR input
    sparse.
    """
    check_is_fitted(estimator)
    X = validate_data(
        estimator,
        X,
        accept_sparse="csr" if accept_sparse else False,
        dtype=(np.float64, np.float32),
        reset=False,
        ensure_all_finite="allow-nan" if allow_nan else True,
    )
    check_rows_memory(estimator, X.shape[0], "X")
    return check_magnitude(X, "X", type(estimator).__name__)


def check_fit_memory(estimator, n_bytes, n_rows, n_features, sizes, way_out):
    """Refuse a fit whose estimated peak ``n_bytes`` (the estimator's ``_fit_bytes``:
    parameters, velocities, chains, minibatch states and the copy kept to restore
    on failure) exceeds the memory budget, before anything is allocated. ``sizes``
    names the parameters that set the size, for the message."""
    settings = ", ".join(f"{name}={getattr(estimator, name)!r}" for name in sizes)
    check_memory(
        n_bytes,
        f"{type(estimator).__name__} with {settings} on {n_rows} rows of {n_features} features",
        way_out,
    )


def check_rows_memory(estimator, n_rows, what):
    """Refuse a call on ``n_rows`` rows (of X, or samples asked for) whose
    per-row arrays (``estimator._bytes_per_row()``: inputs, hidden or output
    units, their temporaries) exceed the memory budget."""
    check_memory(
        n_rows * estimator._bytes_per_row(),
        f"{type(estimator).__name__} with {what} of {n_rows} rows",
        "Pass the rows in smaller chunks.",
    )


def check_sample_weight(sample_weight, X, estimator_name):
    """Sample weights as X's dtype: non-negative, finite, not all zero.

    The models' losses are weighted means, so the scale of the weights only
    matters to the penalties (divided by a minibatch's total weight, as in
    scikit-learn); weights whose sum overflows are rescaled so that the largest is 1.
    """
    weights = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
    if not np.isfinite(weights).all():
        raise ValueError(f"sample_weight holds NaN or infinite values ({estimator_name}).")
    largest = weights.max(initial=0.0)
    if not largest > 0:
        raise ValueError(
            f"sample_weight is 0 for every row: {estimator_name} has nothing to learn "
            "from. Give the rows to learn from a positive weight."
        )
    with np.errstate(over="ignore"):
        total = weights.sum(dtype=np.float64)
    if not np.isfinite(total) or total > np.finfo(X.dtype).max / 2:
        weights = weights / largest
    return weights


def check_mask(mask, shape):
    """``mask`` as a boolean array of one flag per unit (``shape[1:]``) or per row
    and unit: booleans, or numbers that are all 0 or 1."""
    mask = np.asarray(mask)
    if mask.shape not in (tuple(shape[1:]), tuple(shape)):
        raise ValueError(
            f"mask must have shape {tuple(shape[1:])} or {tuple(shape)}: one flag per unit, "
            f"or one per row and unit; got {mask.shape}."
        )
    if mask.dtype == bool:
        return mask
    if not np.issubdtype(mask.dtype, np.number) or not np.isin(mask, (0, 1)).all():
        raise ValueError(
            f"mask must hold booleans (True where a unit is clamped), or only 0 and 1; "
            f"got dtype {mask.dtype} with values such as {mask.flat[0]!r}."
        )
    return mask.astype(bool)


def standardisation(X):
    """Per-feature mean and standard deviation of X (dense or sparse) in X's dtype, a
    deviation too small to divide by replaced by 1: how Gaussian visible units see data."""
    mean = np.asarray(X.mean(axis=0), dtype=X.dtype).ravel()
    squares = X.multiply(X) if sp.issparse(X) else X * X
    var = np.asarray(squares.mean(axis=0)).ravel() - mean.astype(np.float64) ** 2
    scale = np.sqrt(np.maximum(var, 0))
    scale[scale < 10 * np.finfo(X.dtype).eps] = 1.0
    return mean, scale.astype(X.dtype)


def check_layer_sizes(hidden_layer_sizes, minimum_layers=0):
    """``hidden_layer_sizes`` (an int or a sequence of them) as a list of positive ints."""
    sizes = hidden_layer_sizes
    sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
    if any(not isinstance(size, Integral) or isinstance(size, bool) or size < 1 for size in sizes):
        raise ValueError(f"hidden_layer_sizes must hold positive integers, got {sizes}.")
    if len(sizes) < minimum_layers:
        raise ValueError(
            f"hidden_layer_sizes must hold at least {minimum_layers} layer(s), got {sizes}."
        )
    return [int(size) for size in sizes]


def check_sampling(estimator, n_samples, n_steps, X, mask):
    """The checks of every ``sample`` method, before any generator moves: counts, the
    memory of ``n_samples`` rows, a ``mask`` only with ``X``. Returns the rows of X
    validated as a fresh dense array in model units and the model's dtype
    (``estimator._dtype``: the chains' start) and the mask broadcast to their
    shape, each None when not given."""
    check_is_fitted(estimator)
    check_count(n_samples, "n_samples", minimum=1)
    check_count(n_steps, "n_steps", minimum=0)
    if X is None:
        if mask is not None:
            raise ValueError("mask marks units clamped to X's values: pass X as well.")
        check_rows_memory(estimator, n_samples, "n_samples")
        return None, None
    V = np.array(as_dense(estimator._fitted_rows(X)), dtype=estimator._dtype)
    clamp = None if mask is None else np.broadcast_to(check_mask(mask, V.shape), V.shape)
    return V, clamp


def check_count(value, name, minimum):
    """A method's count argument (samples, steps): an integer of at least ``minimum``."""
    if not isinstance(value, Integral) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")


def check_temperature(value, name):
    """A method's temperature argument: None, or a finite positive number."""
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name} must be a positive number or None, got {value!r}.")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(
            f"{name} must be a finite temperature above 0 (or None for the model's), got {value!r}."
        )
    return float(value)


#: A parameter of an energy model beyond this magnitude means training diverged:
#: logistic units saturate past a field of about 40, so no useful model holds such
#: values, and free energies and log Z built from them overflow.
DIVERGED_MAGNITUDE = 1e8


def check_not_diverged(name, parameters, criteria=(), bound=np.inf, cause="", loss_bound=np.inf):
    """Refuse a model whose parameters are NaN, infinite or beyond ``bound`` in
    magnitude, or whose training criteria are not finite, or whose training loss
    (the first criterion) exceeds ``loss_bound``: the caller's guard then puts the
    estimator back as it was. ``cause`` says what to change."""
    magnitudes = [largest_magnitude(p) for p in parameters]
    criteria = list(criteria)
    if not np.isfinite(magnitudes).all():
        problem = "its parameters became NaN or infinite"
    elif max(magnitudes, default=0.0) > bound:
        problem = f"its parameters grew beyond {bound:g} in magnitude"
    elif not all(np.isfinite(value) for value in criteria):
        problem = "its training criterion became NaN or infinite"
    elif criteria and criteria[0] > loss_bound:
        problem = f"its training loss grew to {criteria[0]:.3g}, beyond {loss_bound:.3g}"
    else:
        return
    raise ValueError(
        f"Training diverged: {problem} in {name}. {cause} The model was left as it was "
        "before this call."
    )


class restored_on_error:
    """Context manager: if the block fails, put the estimator back as it was.

    Any failure counts, KeyboardInterrupt included: a fit refused while it
    validates its input, interrupted while it initialises, or stopped by a
    diverging learning rate leaves the estimator exactly as before the call (an
    unfitted one stays unfitted). Ctrl-C during training does not reach here: the
    epoch loop turns it into a clean stop after the current minibatch.
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def __enter__(self):
        self.saved = copy.deepcopy(self.estimator.__dict__)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.estimator.__dict__.clear()
            self.estimator.__dict__.update(self.saved)
        return False


def _refuse_booleans_as_numbers(estimator):
    """scikit-learn's Interval constraints accept True as the integer 1: refuse it
    where a parameter takes numbers and no boolean."""
    for name, constraints in estimator._parameter_constraints.items():
        value = getattr(estimator, name)
        numeric = any(isinstance(c, Interval) for c in constraints)
        if numeric and "boolean" not in constraints and isinstance(value, bool | np.bool_):
            raise TypeError(
                f"{name}={value!r} is a boolean where {type(estimator).__name__} expects a "
                f"number: pass the number itself (see the documentation of {name})."
            )


def guarded_fit(method):
    """Decorator of every ``fit`` and ``partial_fit``: scikit-learn's parameter
    validation (``_fit_context``), then the whole method, input validation
    included, under :class:`restored_on_error`."""

    @functools.wraps(method)
    def guarded(estimator, *args, **kwargs):
        with restored_on_error(estimator):
            _refuse_booleans_as_numbers(estimator)
            return method(estimator, *args, **kwargs)

    return _fit_context(prefer_skip_nested_validation=True)(guarded)

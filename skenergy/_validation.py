"""Input checks shared by the estimators: value domains, with messages that say the way out."""

import warnings

import numpy as np
import scipy.sparse as sp

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

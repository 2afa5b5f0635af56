"""Data for energy-based models: an IDX (MNIST format) reader, pattern generators and corruption.

Nothing here downloads anything: :func:`load_mnist` reads IDX files the user already has.
"""

import gzip
import os
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from ._config import check_memory
from ._sampling import flip_spins, make_generator

__all__ = [
    "flip_bits",
    "load_mnist",
    "make_bars_and_stripes",
    "make_random_spins",
    "mask_block",
    "read_idx",
    "write_idx",
]

# IDX type codes (LeCun's format): the third byte of the magic number.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read an IDX file (the MNIST format), gzip-compressed or not.

    Parameters
    ----------
    path : str or os.PathLike
        The file; a name ending in ``.gz`` is decompressed.

    Returns
    -------
    array : ndarray
        The array with the shape and type the file declares (native byte order).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skenergy.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "demo-idx1-ubyte")
    >>> write_idx(path, np.arange(3, dtype=np.uint8))
    >>> read_idx(path)
    array([0, 1, 2], dtype=uint8)
    """
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file: bad magic number {data[:4]!r}.")
    dtype, n_dims = _IDX_DTYPES[data[2]], data[3]
    header = 4 + 4 * n_dims
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(
            f"{path} is truncated or padded: its header declares shape {shape} "
            f"({expected} bytes) but the file holds {len(data)} bytes."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzip-compressed when the name ends in ``.gz``).

    Parameters
    ----------
    path : str or os.PathLike
    array : ndarray
        Of one of the IDX types: uint8, int8, int16, int32, float32, float64.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skenergy.datasets import read_idx, write_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> write_idx(path, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(path)
    array([3, 1, 4], dtype=uint8)
    """
    array = np.asarray(array)
    codes = {v.newbyteorder("=").str[1:]: k for k, v in _IDX_DTYPES.items()}
    code = codes.get(array.dtype.str[1:])
    if code is None:
        raise ValueError(f"IDX files cannot hold arrays of dtype {array.dtype}.")
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    big_endian = array.astype(_IDX_DTYPES[code].newbyteorder(">"))
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + big_endian.tobytes())


def load_mnist(directory, *, subset="train", scale=True):
    """Load MNIST from the four IDX files in ``directory`` (``.gz`` or not).

    Parameters
    ----------
    directory : str or os.PathLike
        Folder holding ``train-images-idx3-ubyte[.gz]`` and the other three files.
    subset : {"train", "test"}, default="train"
    scale : bool, default=True
        Scale pixels to float32 in [0, 1]; otherwise return the raw uint8 values.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
    y : ndarray of shape (n_samples,)

    Examples
    --------
    A folder with the files MNIST ships as (two fake digits here):

    >>> import os, tempfile
    >>> import numpy as np
    >>> from skenergy.datasets import load_mnist, write_idx
    >>> folder = tempfile.mkdtemp()
    >>> images = np.zeros((2, 28, 28), dtype=np.uint8)
    >>> images[1, 14, 14] = 255
    >>> write_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), images)
    >>> write_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), np.array([0, 7], np.uint8))
    >>> X, y = load_mnist(folder, subset="test")
    >>> X.shape, float(X.max()), y.tolist()
    ((2, 784), 1.0, [0, 7])
    """
    if subset not in ("train", "test"):
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    prefix = "train" if subset == "train" else "t10k"
    X = read_idx(_find(directory, f"{prefix}-images-idx3-ubyte"))
    y = read_idx(_find(directory, f"{prefix}-labels-idx1-ubyte"))
    X = X.reshape(X.shape[0], -1)
    return (X.astype(np.float32) / 255 if scale else X), y.astype(np.int64)


def _find(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"Neither {name} nor {name}.gz is in {directory}.")


_ENCODING = [StrOptions({"spin", "binary"})]


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "encoding": _ENCODING,
        "p": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_random_spins(n_samples, n_features, *, encoding="spin", p=0.5, random_state=None):
    """Independent random binary patterns, the memories of Hopfield capacity experiments.

    Parameters
    ----------
    n_samples, n_features : int
    encoding : {"spin", "binary"}, default="spin"
        Values in {-1, +1} or in {0, 1}.
    p : float, default=0.5
        Probability of the "on" value (+1 or 1).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64

    Examples
    --------
    >>> from skenergy.datasets import make_random_spins
    >>> make_random_spins(2, 4, random_state=0).shape
    (2, 4)
    """
    check_memory(
        17 * n_samples * n_features,  # uniforms, flags, the patterns
        f"make_random_spins({n_samples}, {n_features})",
        "Ask for fewer patterns or features.",
    )
    on = make_generator(random_state).random((n_samples, n_features)) < p
    return _encode(on, encoding)


@validate_params(
    {"size": [Interval(Integral, 1, None, closed="left")], "encoding": _ENCODING},
    prefer_skip_nested_validation=True,
)
def make_bars_and_stripes(size=4, *, encoding="binary"):
    """All bars-and-stripes patterns of a ``size x size`` grid (MacKay's classic).

    Each pattern fills a subset of the rows (stripes) or a subset of the columns
    (bars); the all-off and all-on patterns are both kinds and appear once each,
    so there are ``2 ** (size + 1) - 2`` distinct patterns.

    Parameters
    ----------
    size : int, default=4
    encoding : {"binary", "spin"}, default="binary"

    Returns
    -------
    X : ndarray of shape (2 ** (size + 1) - 2, size * size), float64
        Each row a pattern flattened in row-major order.

    Examples
    --------
    >>> from skenergy.datasets import make_bars_and_stripes
    >>> make_bars_and_stripes(3).shape
    (14, 9)
    """
    check_memory(
        6 * 8 * (2 << size) * size * size,  # stripes, bars, their stack, sort and result
        f"make_bars_and_stripes({size}): {(2 << size) - 2} patterns of {size * size} units",
        "Ask for a smaller grid.",
    )
    subsets = (np.arange(1 << size)[:, None] >> np.arange(size)) & 1
    stripes = np.repeat(subsets[:, :, None], size, axis=2).reshape(len(subsets), -1)
    bars = np.repeat(subsets[:, None, :], size, axis=1).reshape(len(subsets), -1)
    patterns = np.unique(np.vstack([stripes, bars]), axis=0)
    return _encode(patterns.astype(bool), encoding)


@validate_params(
    {
        "X": ["array-like"],
        "fraction": [Interval(Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def flip_bits(X, fraction, *, random_state=None):
    """A copy of binary or spin patterns with a fraction of each row's bits flipped.

    Exactly ``round(fraction * n_features)`` positions are flipped per row, chosen
    at random: the standard corruption for recall experiments.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_features,)
        Values in {0, 1} or in {-1, +1}.
    fraction : float in [0, 1]
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X_noisy : ndarray of X's shape

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy.datasets import flip_bits
    >>> noisy = flip_bits(np.ones((2, 10)), 0.2, random_state=0)
    >>> (noisy == 0).sum(axis=1).tolist()  # two of ten bits flipped in each row
    [2, 2]
    """
    X = np.array(X, dtype=float)
    shape = X.shape
    X = np.atleast_2d(X)  # one pattern may come as a 1-D array
    spins = _encoding_of(X) == "spin"
    flipped = flip_spins(X if spins else 2 * X - 1, fraction, make_generator(random_state))
    return (flipped if spins else (flipped + 1) / 2).reshape(shape)


@validate_params(
    {"X": ["array-like"], "image_shape": [tuple], "block": [tuple], "value": [Real]},
    prefer_skip_nested_validation=True,
)
def mask_block(X, image_shape, block, *, value=0.0):
    """A copy of flattened images with a rectangle set to ``value``, and its mask.

    Parameters
    ----------
    X : array-like of shape (n_samples, height * width)
    image_shape : (height, width)
    block : (row_start, row_stop, col_start, col_stop)
        The rectangle, in Python slice convention.
    value : float, default=0.0

    Returns
    -------
    X_masked : ndarray of shape (n_samples, height * width)
    mask : ndarray of bool, shape (height * width,)
        True where pixels were masked: the unknown units to fill in (so the
        known ones, to clamp when inpainting, are ``~mask``).

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy.datasets import mask_block
    >>> X_masked, mask = mask_block(np.ones((1, 4)), (2, 2), (0, 1, 0, 2))
    >>> X_masked
    array([[0., 0., 1., 1.]])
    """
    X = check_array(X, dtype=np.float64, copy=True, ensure_all_finite="allow-nan")
    if len(image_shape) != 2 or not all(isinstance(n, Integral) and n >= 1 for n in image_shape):
        raise ValueError(
            f"image_shape must be (height, width), positive integers; got {image_shape}."
        )
    height, width = image_shape
    if len(block) != 4 or not all(isinstance(n, Integral) for n in block):
        raise ValueError(
            f"block must be (row_start, row_stop, col_start, col_stop), integers; got {block}."
        )
    r0, r1, c0, c1 = block
    if not (0 <= r0 < r1 <= height and 0 <= c0 < c1 <= width):
        raise ValueError(
            f"block {block} is not a non-empty rectangle inside the {height} x {width} "
            "image: it needs 0 <= row_start < row_stop <= height and "
            "0 <= col_start < col_stop <= width."
        )
    if X.ndim != 2 or X.shape[1] != height * width:
        raise ValueError(
            f"X must have shape (n_samples, {height * width}) for images of shape "
            f"{image_shape}, got {X.shape}."
        )
    mask = np.zeros(image_shape, dtype=bool)
    mask[r0:r1, c0:c1] = True
    mask = mask.ravel()
    X[:, mask] = value
    return X, mask


def _encode(on, encoding):
    return np.where(on, 1.0, -1.0 if encoding == "spin" else 0.0)


def _encoding_of(X):
    values = np.unique(X)
    if np.all(np.isin(values, (0.0, 1.0))):
        return "binary"
    if np.all(np.isin(values, (-1.0, 1.0))):
        return "spin"
    raise ValueError(
        "X must be binary: values in {0, 1} or in {-1, +1}, not a mix; got values "
        f"{values[:5]}{'...' if len(values) > 5 else ''}."
    )

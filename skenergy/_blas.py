"""Matrix products and vector updates in place, through NumPy's own BLAS.

``gemm(A, B, C, alpha, beta)`` computes ``C = alpha * A @ B + beta * C`` in place,
for 2-D float32 or float64 views with a unit stride along one axis (blocks of
columns of a larger array included). NumPy's ``matmul`` can only overwrite its
output: an update ``theta += A @ B`` costs a product into a buffer, then a pass
that reads both arrays and writes one; here the product accumulates into ``theta``
itself, and a momentum update ``velocity = momentum * velocity + A @ B`` is one call.

The routines are CBLAS ``?gemm``, ``?axpy`` and ``?axpby`` from the OpenBLAS that NumPy's
wheels carry, called with ``ctypes``, which releases the GIL for the call. It must
be NumPy's library, not SciPy's (``scipy.linalg.cython_blas``): pip wheels of the
two each carry their own OpenBLAS, and when products alternate between them, the
idle threads of one pool spin against the other (the figures are in the
documentation's performance notes). Where NumPy's BLAS is another
library (MKL, Accelerate, a system OpenBLAS), on NumPy 1.x (whose wheels name their
OpenBLAS differently), or when the environment variable ``SKENERGY_DIRECT_BLAS`` is
``0`` (read at first use), the same results come from NumPy, a little slower:
:func:`direct_blas` says which path runs and why, and ``skenergy.show_versions()``
prints it.
"""

import contextlib
import ctypes
import functools
import glob
import os
from ctypes import c_double, c_float, c_int, c_int64, c_void_p

import numpy as np
from threadpoolctl import ThreadpoolController

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112

# Symbol patterns of the scipy-openblas builds in NumPy's wheels, and their integer type.
_SYMBOLS = (("scipy_cblas_{}64_", c_int64), ("scipy_cblas_{}", c_int))
_REALS = {np.dtype(np.float32): ("s", c_float), np.dtype(np.float64): ("d", c_double)}


def _numpy_blas_library():
    """The path of the OpenBLAS that NumPy's wheels carry, or None for other builds."""
    root = os.path.dirname(os.path.realpath(np.__file__))
    # Wheels keep it in numpy.libs (Linux, Windows) or numpy/.dylibs (macOS).
    for folder in (root + ".libs", os.path.join(root, ".dylibs")):
        found = sorted(glob.glob(os.path.join(folder, "*scipy_openblas*")))
        if found:
            return found[0]
    return None


def _argument_types(integer):
    """The ctypes argument types of CBLAS gemm, axpy and axpby, per dtype."""
    types = {}
    for dtype, (_, real) in _REALS.items():
        matrix = [c_void_p, integer]
        # order, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc
        gemm = [c_int] * 3 + [integer] * 3 + [real, *matrix, *matrix, real, *matrix]
        types["gemm", dtype] = gemm
        types["axpy", dtype] = [integer, real, *matrix, *matrix]  # n, alpha, x, incx, y, incy
        types["axpby", dtype] = [integer, real, *matrix, real, *matrix]  # ..., x, incx, beta, ...
    return types


#: Set to ``0`` to make every update run through NumPy.
ENVIRONMENT_SWITCH = "SKENERGY_DIRECT_BLAS"


@functools.cache
def direct_blas():
    """``(path or None, reason)``: the OpenBLAS called directly, or why none is.

    Decided on first use: the library is the one NumPy has already loaded, so the
    calls share its thread pool and its threadpoolctl limits.
    """
    if os.environ.get(ENVIRONMENT_SWITCH, "1").strip() == "0":
        return None, f"turned off by {ENVIRONMENT_SWITCH}=0"
    if int(np.__version__.split(".")[0]) < 2:
        return None, f"NumPy {np.__version__}: direct calls need NumPy 2's OpenBLAS build"
    path = _numpy_blas_library()
    if path is None:
        return None, "NumPy's BLAS is not the OpenBLAS of its wheels (MKL, Accelerate, conda...)"
    return path, "NumPy's own OpenBLAS"


def describe():
    """One line: which path the in-place updates take, and why."""
    path, reason = direct_blas()
    if path is not None and _routines():
        return f"direct calls to {path} ({reason})"
    if path is not None:
        reason = f"no CBLAS gemm/axpy/axpby symbols found in {path}"
    return f"through NumPy: {reason}"


@functools.cache
def _routines():
    """``{(name, dtype): ctypes function}`` for gemm, axpy and axpby; empty if unusable."""
    path, _ = direct_blas()
    if path is None:
        return {}
    try:
        library = ctypes.CDLL(path)
    except OSError:  # pragma: no cover
        return {}
    for pattern, integer in _SYMBOLS:
        routines = {}
        for (name, dtype), types in _argument_types(integer).items():
            letter = _REALS[dtype][0]
            function = getattr(library, pattern.format(letter + name), None)
            if function is not None:
                function.restype, function.argtypes = None, types
                routines[name, dtype] = function
        if len(routines) == len(_argument_types(integer)):
            return routines
    return {}  # pragma: no cover - not one of the builds above


def _row_major(X):
    """``(transpose flag, leading dimension)`` of X for row-major CBLAS, or None."""
    if X.strides[1] == X.itemsize and X.strides[0] >= X.itemsize * max(1, X.shape[1]):
        return _NO_TRANS, X.strides[0] // X.itemsize
    if X.strides[0] == X.itemsize and X.strides[1] >= X.itemsize * max(1, X.shape[0]):
        return _TRANS, X.strides[1] // X.itemsize  # X is the transpose of a row-major block
    return None


def gemm(A, B, C, alpha=1.0, beta=0.0):
    """``C = alpha * A @ B + beta * C``, in place; returns C.

    Parameters
    ----------
    A, B : ndarray of shape (m, k) and (k, n)
        Views with a unit stride along one axis (transposed views included).
    C : ndarray of shape (m, n)
        A view with a unit stride along its rows (a C-ordered array or a block of
        its columns), not overlapping A or B.
    alpha, beta : float
        With ``beta=0`` C is only written, never read (it may hold NaN).

    Raises
    ------
    ValueError
        When C may share memory with A or B: BLAS would read what it has
        already overwritten.
    """
    if np.may_share_memory(C, A) or np.may_share_memory(C, B):
        raise ValueError("gemm: C must not overlap A or B (it is written while they are read).")
    function = _routines().get(("gemm", C.dtype))
    layout_a, layout_b, layout_c = _row_major(A), _row_major(B), _row_major(C)
    if (
        function is None
        or not A.dtype == B.dtype == C.dtype
        or None in (layout_a, layout_b)
        or layout_c is None
        or layout_c[0] != _NO_TRANS
        or 0 in A.shape + B.shape
    ):
        return _numpy_gemm(A, B, C, alpha, beta)
    (m, k), n = A.shape, B.shape[1]
    function(
        _ROW_MAJOR, layout_a[0], layout_b[0], m, n, k, alpha,
        A.ctypes.data, layout_a[1], B.ctypes.data, layout_b[1], beta, C.ctypes.data, layout_c[1],
    )  # fmt: skip
    return C


# Below this size a ctypes call (about 5 us) costs more than NumPy's extra pass.
_MIN_VECTOR_SIZE = 8192


def _vector_routine(name, x, y):
    """The BLAS routine ``name`` for x and y, or None where NumPy does better."""
    if x.dtype != y.dtype or x.shape != y.shape or y.size < _MIN_VECTOR_SIZE:
        return None
    if not (x.flags.c_contiguous and y.flags.c_contiguous):
        return None
    return _routines().get((name, y.dtype))


def axpy(alpha, x, y):
    """``y += alpha * x`` in place, in one pass; returns y.

    x and y are arrays of one shape; NumPy takes over, with a temporary, where BLAS
    cannot run one pass over them (not C-contiguous, another dtype) and for small
    arrays.
    """
    function = _vector_routine("axpy", x, y)
    if function is None:
        y += alpha * x
        return y
    function(y.size, alpha, x.ctypes.data, 1, y.ctypes.data, 1)
    return y


def axpby(alpha, x, beta, y):
    """``y = alpha * x + beta * y`` in place, in one pass; returns y (see :func:`axpy`)."""
    function = _vector_routine("axpby", x, y)
    if function is None:
        y *= beta
        y += alpha * x
        return y
    function(y.size, alpha, x.ctypes.data, 1, beta, y.ctypes.data, 1)
    return y


def _numpy_gemm(A, B, C, alpha, beta):
    product = np.matmul(A, B)
    if alpha != 1.0:
        product *= alpha
    if beta == 0.0:
        C[...] = product
    else:
        if beta != 1.0:
            C *= beta
        C += product
    return C


#: Below this many multiply-adds per product, training runs BLAS on one thread: a
#: second thread gains nothing on such products and, when another process keeps a
#: core busy, its spinning slows the fit several times (docs/performance.rst,
#: benchmarks/bench_small_fits.py).
SMALL_PRODUCT = 1 << 23


@functools.cache
def _thread_controller():
    return ThreadpoolController()


def threads_for(multiply_adds):
    """A context for a loop whose largest product has ``multiply_adds``: BLAS on one
    thread when that is small (threads cost more than they give, and spin against
    other processes on a busy machine), the current setting otherwise."""
    if multiply_adds is None or multiply_adds >= SMALL_PRODUCT:
        return contextlib.nullcontext()
    return _thread_controller().limit(limits=1, user_api="blas")

"""The memory budget: one limit for every allocation that grows with a parameter
or an argument, checked before the allocation is made.

Where a computation can run in chunks of rows (scores over an enumerated table,
retrieval over many patterns) its chunks follow scikit-learn's ``working_memory``
(never above the budget); where it cannot (weights, persistent chains, an
output the caller asked for) its peak is estimated first and a peak above the
budget is refused with a :class:`~skenergy.exceptions.MemoryBudgetError` naming
the size and the way out.
"""

import contextlib
import os
import threading

import sklearn

from .exceptions import MemoryBudgetError

#: The default budget in MiB: 8 GiB, or ``SKENERGY_MEMORY_LIMIT`` (MiB) when set.
DEFAULT_MEMORY_LIMIT = int(os.environ.get("SKENERGY_MEMORY_LIMIT", 8192))

_local = threading.local()


def get_config():
    """skenergy's configuration: the memory budget.

    Returns
    -------
    config : dict
        ``{"memory_limit": MiB}``, the current thread's values (set by
        :func:`set_config` or :func:`config_context`).

    Examples
    --------
    >>> import skenergy
    >>> skenergy.get_config()["memory_limit"] >= 1
    True
    """
    return {"memory_limit": getattr(_local, "memory_limit", DEFAULT_MEMORY_LIMIT)}


def set_config(memory_limit=None):
    """Set skenergy's configuration for the current thread.

    Parameters
    ----------
    memory_limit : int, default=None
        The memory budget in MiB: the largest peak one call may allocate. A model,
        a sample or an output whose estimated peak is larger is refused before it
        is allocated; chunked computations keep their chunks within
        ``min(memory_limit, sklearn.get_config()["working_memory"])``. The default
        is 8192 (8 GiB), or the environment variable ``SKENERGY_MEMORY_LIMIT``.
        None leaves the value as it is.

    Examples
    --------
    >>> import skenergy
    >>> previous = skenergy.get_config()["memory_limit"]
    >>> skenergy.set_config(memory_limit=16384)  # 16 GiB on a large machine
    >>> skenergy.get_config()["memory_limit"]
    16384
    >>> skenergy.set_config(memory_limit=previous)
    """
    if memory_limit is not None:
        if isinstance(memory_limit, bool) or not isinstance(memory_limit, int | float):
            raise TypeError(f"memory_limit must be a number of MiB, got {memory_limit!r}.")
        if not memory_limit > 0:
            raise ValueError(f"memory_limit must be a positive number of MiB, got {memory_limit}.")
        _local.memory_limit = memory_limit


@contextlib.contextmanager
def config_context(*, memory_limit=None):
    """Context manager: skenergy's configuration, for the block only.

    Parameters
    ----------
    memory_limit : int, default=None
        The memory budget in MiB; see :func:`set_config`.

    Examples
    --------
    A one-MiB budget refuses a sample of a million rows before drawing it:

    >>> import numpy as np
    >>> import skenergy
    >>> from skenergy import RestrictedBM
    >>> rbm = RestrictedBM(n_components=2, max_iter=1, random_state=0).fit(np.eye(4))
    >>> with skenergy.config_context(memory_limit=1):
    ...     rbm.sample(10**6)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skenergy.exceptions.MemoryBudgetError: RestrictedBM with n_samples of 1000000 rows needs ...
    """
    previous = get_config()["memory_limit"]
    set_config(memory_limit=memory_limit)
    try:
        yield
    finally:
        _local.memory_limit = previous


def memory_limit_bytes():
    return int(get_config()["memory_limit"] * 2**20)


def _size(n_bytes):
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes:.0f} bytes"


def check_memory(n_bytes, what, way_out):
    """Refuse an allocation whose estimated peak ``n_bytes`` exceeds the budget.

    ``what`` names the call and the arguments that set the size, ``way_out`` what
    to change. Sizes are counted in Python integers and floats, so a product that
    would overflow int64 (``n_components=10**12``) is still refused cleanly.
    """
    limit = memory_limit_bytes()
    if n_bytes > limit:
        raise MemoryBudgetError(
            f"{what} needs about {_size(n_bytes)}, more than skenergy's memory budget of "
            f"{_size(limit)}. {way_out} (The budget is set in MiB with "
            "skenergy.config_context(memory_limit=...) or skenergy.set_config.)"
        )


def chunk_rows(row_bytes, n_rows, what, way_out, largest=None):
    """Rows per chunk, so that one chunk's temporaries of ``row_bytes`` per row fit
    in ``min(working_memory, memory budget)`` (and in ``largest`` bytes, a size
    past which bigger chunks stop paying); at least one row, whose size must
    itself fit in the budget, and at most ``n_rows`` (None: no limit)."""
    check_memory(row_bytes, what, way_out)
    available = working_memory_bytes() if largest is None else min(largest, working_memory_bytes())
    rows = max(1, available // max(row_bytes, 1))
    return int(rows if n_rows is None else min(n_rows, rows))


def working_memory_bytes():
    """Bytes one chunk of a chunked computation may use: scikit-learn's
    ``working_memory``, never above the budget."""
    return int(min(sklearn.get_config()["working_memory"] * 2**20, memory_limit_bytes()))

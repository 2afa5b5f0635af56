"""``skenergy.show_versions()``: what to paste into a bug report."""

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

from threadpoolctl import threadpool_info

from . import _blas

_DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "threadpoolctl", "joblib", "matplotlib")


def _versions():
    found = {}
    for name in _DEPENDENCIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def show_versions():
    """Print the versions of skenergy, Python and its dependencies, the thread pools
    (BLAS and OpenMP libraries, their threads) and which path skenergy's in-place
    updates take (direct BLAS calls or NumPy, and why).

    Examples
    --------
    >>> import skenergy
    >>> skenergy.show_versions()  # doctest: +SKIP
    """
    from . import __version__

    print("System:")
    print(f"    python: {sys.version.splitlines()[0]}")
    print(f"executable: {sys.executable}")
    print(f"   machine: {platform.platform()}")
    print("\nskenergy and its dependencies:")
    print(f"{'skenergy':>13}: {__version__}")
    for name, found in _versions().items():
        print(f"{name:>13}: {found}")
    print("\nIn-place updates (skenergy._blas):")
    print(f"    {_blas.describe()}")
    print("\nThread pools (threadpoolctl):")
    for pool in threadpool_info():
        print(
            f"    {pool['user_api']}: {pool['internal_api']} {pool.get('version')}, "
            f"{pool['num_threads']} threads, {pool['filepath']}"
        )

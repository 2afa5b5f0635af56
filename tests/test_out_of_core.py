"""partial_fit over chunks of a memory map: the same kind of model as fit, bounded memory."""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skenergy import BackpropMLPClassifier, BoltzmannMachine, HopfieldMemory, RestrictedBM


@pytest.fixture(scope="module")
def memmap_data(tmp_path_factory):
    """40000 x 64 binary rows on disk (20 MB in float64), with labels."""
    rng = np.random.default_rng(0)
    prototypes = (rng.random((4, 64)) < 0.5).astype(float)
    path = tmp_path_factory.mktemp("stream") / "rows.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(40000, 64))
    y = np.arange(40000) % 4
    for start in range(0, 40000, 5000):
        rows = slice(start, start + 5000)
        noise = rng.random((5000, 64)) < 0.1
        X[rows] = np.abs(prototypes[y[rows]] - noise)
    X.flush()
    del X
    return np.load(path, mmap_mode="r"), y


def chunks(X, y, size):
    for start in range(0, len(X), size):
        yield np.asarray(X[start : start + size]), y[start : start + size]


def test_rbm_streamed_from_a_memmap_learns_with_memory_bounded_by_the_chunk(memmap_data):
    X, y = memmap_data
    chunk = 2000  # 1 MB of float64
    model = RestrictedBM(n_components=16, random_state=0)
    tracemalloc.start()
    for X_chunk, _ in chunks(X, y, chunk):
        model.partial_fit(X_chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 12 * chunk * 64 * 8  # a few chunk-sized buffers, never the 20 MB file
    assert model.n_iter_ == len(X) // chunk
    batch_model = RestrictedBM(n_components=16, max_iter=1, random_state=0).fit(X[:2000])
    assert type(model) is type(batch_model)
    test = np.asarray(X[:500])
    assert model.score(test) > batch_model.score(test)  # it learned from the whole stream


def test_every_incremental_estimator_streams(memmap_data):
    X, y = memmap_data
    streams = [
        (HopfieldMemory("storkey"), False),
        (BoltzmannMachine(n_components=2, method="pcd", random_state=0), False),
        (BackpropMLPClassifier((16,), solver="sgd", random_state=0), True),
    ]
    for model, supervised in streams:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for X_chunk, y_chunk in chunks(X[:6000, :12], y[:6000], 2000):
                if isinstance(model, HopfieldMemory):
                    model.partial_fit(X_chunk[:5])  # a few memories per chunk
                elif supervised:
                    model.partial_fit(X_chunk, y_chunk, classes=np.arange(4))
                else:
                    model.partial_fit(X_chunk)
        assert model.n_iter_ == 3
    assert streams[2][0].score(np.asarray(X[:2000, :12]), y[:2000]) > 0.9

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from skenergy import _blas
from skenergy._blas import axpby, axpy, gemm


def views(rng, dtype):
    """A (7, 9) and a (9, 11) operand in every layout gemm takes, and blocks of larger arrays."""
    big = rng.standard_normal((40, 50)).astype(dtype)
    a = rng.standard_normal((7, 9)).astype(dtype)
    left = [a, np.asfortranarray(a), big[:7, :9], big[:9, 20:27].T]
    right = [big[10:19, 20:31], big[10:21, 30:39].T, np.asfortranarray(big[:9, :11])]
    return left, right


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (0.5, 0.9), (-2.0, 1.0)])
def test_gemm_accumulates_like_the_formula(dtype, alpha, beta):
    rng = np.random.default_rng(0)
    left, right = views(rng, dtype)
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    for A in left:
        for B in right:
            start = rng.standard_normal((7, 11)).astype(dtype)
            expected = alpha * (A.astype(float) @ B.astype(float)) + beta * start
            C = start.copy()
            assert gemm(A, B, C, alpha, beta) is C
            np.testing.assert_allclose(C, expected, atol=tolerance)
            # A block of columns of a larger array: its neighbours are left alone.
            outer = np.full((7, 20), 7.0, dtype=dtype)
            outer[:, 4:15] = start
            gemm(A, B, outer[:, 4:15], alpha, beta)
            np.testing.assert_allclose(outer[:, 4:15], expected, atol=tolerance)
            assert (outer[:, :4] == 7).all() and (outer[:, 15:] == 7).all()


def test_gemm_with_beta_zero_does_not_read_its_output():
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    C = np.full((3, 5), np.nan)
    np.testing.assert_allclose(gemm(A, B, C), A @ B)


def test_gemm_uses_numpys_blas_in_wheels():
    # With NumPy's wheels (CI installs them), their OpenBLAS must be found, or every
    # fused update silently falls back to a product and a pass.
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if blas["name"] != "scipy-openblas":
        pytest.skip(f"NumPy was built with {blas['name']}: gemm uses NumPy's products")
    # The library opened is the one NumPy loaded (one thread pool, one set of limits).
    loaded = {os.path.realpath(lib["filepath"]) for lib in threadpool_info()}
    assert os.path.realpath(_blas._numpy_blas_library()) in loaded
    assert set(_blas._routines()) == {
        (name, np.dtype(dtype))
        for name in ("gemm", "axpy", "axpby")
        for dtype in (np.float32, np.float64)
    }


def test_gemm_falls_back_to_numpy(monkeypatch):
    monkeypatch.setattr(_blas, "_routines", dict)
    rng = np.random.default_rng(2)
    A, B, C = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), np.ones((3, 5))
    np.testing.assert_allclose(gemm(A, B, C, 2.0, 0.5), 2 * A @ B + 0.5)


def test_layouts_blas_cannot_take_use_numpy():
    rng = np.random.default_rng(3)
    B = rng.standard_normal((4, 5))
    strided = rng.standard_normal((6, 8))[::2, ::2]
    np.testing.assert_allclose(gemm(strided, B, np.zeros((3, 5)), 1.0, 0.0), strided @ B)
    mixed = rng.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(gemm(mixed, B, np.zeros((3, 5)), 1.0, 0.0), mixed @ B, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_adds_in_place(dtype):
    rng = np.random.default_rng(4)
    x, start = rng.standard_normal((2, 100, 100)).astype(dtype)  # large enough for BLAS
    y = start.copy()
    assert axpy(-0.3, x, y) is y
    np.testing.assert_allclose(y, start - 0.3 * x, atol=1e-5)
    # Views BLAS cannot take in one pass (not contiguous, another dtype) use NumPy.
    y = start.copy()
    axpy(2.0, x[:, ::-1].astype(np.float64), y[:, ::-1])
    np.testing.assert_allclose(y, start + 2.0 * x, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpby_scales_and_adds_in_place(dtype):
    rng = np.random.default_rng(5)
    x, start = rng.standard_normal((2, 100, 100)).astype(dtype)
    y = start.copy()
    assert axpby(0.5, x, 0.9, y) is y
    np.testing.assert_allclose(y, 0.5 * x + 0.9 * start, atol=1e-5)
    y = np.asfortranarray(start)  # not C-contiguous: NumPy
    axpby(0.5, x, 0.9, y)
    np.testing.assert_allclose(y, 0.5 * x + 0.9 * start, atol=1e-5)


def test_small_vectors_take_numpys_path(monkeypatch):
    def refuse(*args):
        raise AssertionError("BLAS called for a small array")

    monkeypatch.setattr(_blas, "_routines", lambda: {("axpy", np.dtype(float)): refuse})
    y = np.ones(10)
    np.testing.assert_allclose(axpy(2.0, np.ones(10), y), 3.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs
def test_training_without_numpys_blas_gives_the_same_models(monkeypatch):
    # NumPy built on MKL or Accelerate has no OpenBLAS to call: every update then
    # runs through NumPy, and must give the same models (float64: to rounding).
    from sklearn.datasets import load_digits

    from skenergy import BackpropMLPClassifier, RestrictedBM

    X, y = load_digits(return_X_y=True)
    X, y = X[:200] / 16, y[:200]
    models = {
        "rbm": lambda: RestrictedBM(n_components=16, max_iter=3, random_state=0),
        "rbm-cd-no-momentum": lambda: RestrictedBM(
            n_components=16, method="cd", momentum=0.0, alpha=0.0, max_iter=3, random_state=0
        ),
        "mlp": lambda: BackpropMLPClassifier(hidden_layer_sizes=(32,), max_iter=3, random_state=0),
    }
    with_blas = {name: make().fit(X, y) for name, make in models.items()}
    monkeypatch.setattr(_blas, "_routines", dict)
    for name, make in models.items():
        without = make().fit(X, y)
        reference = with_blas[name]
        for attribute in ("components_", "intercept_hidden_", "coefs_"):
            if hasattr(reference, attribute):
                expected, got = getattr(reference, attribute), getattr(without, attribute)
                if not isinstance(expected, list):  # the MLP's coefs_ are a list of layers
                    expected, got = [expected], [got]
                for e, g in zip(expected, got, strict=True):
                    np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)


def test_gemm_refuses_an_output_that_overlaps_its_inputs():
    A = np.ones((4, 4))
    with pytest.raises(ValueError, match="must not overlap"):
        gemm(A, np.ones((4, 4)), A)
    with pytest.raises(ValueError, match="must not overlap"):
        gemm(np.ones((4, 4)), A[:, :4].T, A)


@pytest.fixture
def fresh_blas_decision(monkeypatch):
    """Forget the cached decision before and after the test."""
    _blas.direct_blas.cache_clear()
    _blas._routines.cache_clear()
    yield monkeypatch
    _blas.direct_blas.cache_clear()
    _blas._routines.cache_clear()


def test_the_environment_switch_turns_direct_calls_off(fresh_blas_decision):
    fresh_blas_decision.setenv(_blas.ENVIRONMENT_SWITCH, "0")
    assert _blas._routines() == {}
    assert "through NumPy: turned off by SKENERGY_DIRECT_BLAS=0" in _blas.describe()
    C = np.zeros((3, 3))
    gemm(np.eye(3), np.full((3, 3), 2.0), C, alpha=0.5)  # the NumPy path still computes
    np.testing.assert_allclose(C, 1.0)


def test_numpy_1_takes_numpys_path_and_says_so(fresh_blas_decision):
    fresh_blas_decision.setattr(np, "__version__", "1.26.4")
    assert _blas._routines() == {}
    assert "NumPy 1.26.4" in _blas.describe()


def test_show_versions_names_the_update_path(capsys):
    import skenergy

    skenergy.show_versions()
    out = capsys.readouterr().out
    assert "numpy: " + np.__version__ in out
    assert _blas.describe() in out


def numpy_blas_threads():
    path = _blas._numpy_blas_library()
    counts = [p["num_threads"] for p in threadpool_info() if p["filepath"] == path]
    return counts[0] if counts else None


@pytest.mark.parametrize("n_components, small", [(16, True), (1000, False)])
def test_small_models_train_on_one_blas_thread(monkeypatch, n_components, small):
    # Tiny products pay for threads that spin (and fight other processes for the
    # cores); large ones gain from them. The choice ends with the fit.
    from skenergy import RestrictedBM
    from skenergy._rbm_step import FusedTrainer

    if numpy_blas_threads() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS that threadpoolctl sees")
    before = numpy_blas_threads()
    seen = []
    update = FusedTrainer.update

    def recording(self, *args):
        seen.append(numpy_blas_threads())
        return update(self, *args)

    monkeypatch.setattr(FusedTrainer, "update", recording)
    X = (np.random.default_rng(0).random((200, 100)) < 0.3).astype(float)
    RestrictedBM(n_components=n_components, batch_size=100, max_iter=1, random_state=0).fit(X)
    assert set(seen) == ({1} if small else {before})
    assert numpy_blas_threads() == before

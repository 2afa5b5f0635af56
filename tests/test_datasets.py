import numpy as np
import pytest

from skenergy.datasets import (
    flip_bits,
    load_mnist,
    make_bars_and_stripes,
    make_random_spins,
    mask_block,
    read_idx,
    write_idx,
)


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, suffix, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == np.uint8:
        array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and np.array_equal(back, array)


def test_idx_reads_the_mnist_header_layout(tmp_path):
    # Magic 0x00000803 (unsigned byte, 3 dimensions), then big-endian sizes.
    raw = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
    raw += (1).to_bytes(4, "big") + bytes([7, 9, 11, 13])
    (tmp_path / "x").write_bytes(raw)
    assert read_idx(tmp_path / "x").tolist() == [[[7], [9]], [[11], [13]]]


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + b"ab")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "short")


def test_load_mnist_from_a_folder(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.full((3, 28, 28), 255, np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2, 3], np.uint8))
    X, y = load_mnist(tmp_path, subset="test")
    assert X.shape == (3, 784) and X.dtype == np.float32 and X.max() == 1.0
    assert y.tolist() == [1, 2, 3]
    with pytest.raises(FileNotFoundError, match="train-images"):
        load_mnist(tmp_path)


def test_random_spins():
    X = make_random_spins(500, 40, random_state=0)
    assert set(np.unique(X)) == {-1.0, 1.0} and abs(X.mean()) < 0.05
    B = make_random_spins(5, 4, encoding="binary", p=1.0, random_state=0)
    assert np.array_equal(B, np.ones((5, 4)))


def test_bars_and_stripes_are_all_bars_or_stripes():
    X = make_bars_and_stripes(4)
    assert X.shape == (30, 16) and len({tuple(r) for r in X}) == 30
    for row in X.reshape(-1, 4, 4):
        rows_constant = (row == row[:, :1]).all()
        cols_constant = (row == row[:1, :]).all()
        assert rows_constant or cols_constant
    assert set(np.unique(make_bars_and_stripes(2, encoding="spin"))) == {-1.0, 1.0}


@pytest.mark.parametrize("encoding", ["spin", "binary"])
def test_flip_bits_flips_exactly_the_fraction(encoding):
    X = make_random_spins(20, 50, encoding=encoding, random_state=0)
    noisy = flip_bits(X, 0.1, random_state=0)
    assert np.array_equal((noisy != X).sum(1), np.full(20, 5))
    assert set(np.unique(noisy)) <= set(np.unique(X))
    with pytest.raises(ValueError, match="not a mix"):
        flip_bits(np.array([[0.0, -1.0, 1.0]]), 0.5)


def test_mask_block():
    X = np.arange(16, dtype=float).reshape(1, 16)
    masked, mask = mask_block(X, (4, 4), (1, 3, 0, 2), value=-1)
    assert mask.sum() == 4 and np.all(masked[0, mask] == -1)
    assert np.array_equal(masked[0, ~mask], X[0, ~mask]) and X[0, 4] == 4
    with pytest.raises(ValueError, match="shape"):
        mask_block(X, (3, 3), (0, 1, 0, 1))

import numpy as np
import pytest
import scipy.sparse as sp

from skenergy._validation import check_unit_interval
from skenergy.exceptions import DataRangeWarning


def test_accepts_the_unit_interval():
    X = np.array([[0.0, 0.5, 1.0]])
    assert check_unit_interval(X, "M") is X


@pytest.mark.parametrize("value, message", [(-0.1, "Negative values"), (1.5, "Values above 1")])
def test_refuses_outside_with_the_way_out(value, message):
    with pytest.raises(ValueError, match=f"{message}.*MinMaxScaler.*gaussian"):
        check_unit_interval(np.array([[0.2, value]]), "M")


def test_clips_a_copy_with_a_warning_for_dense_and_sparse():
    X = np.array([[1.2, 0.3, -0.1]])
    with pytest.warns(DataRangeWarning, match=r"\[-0.1, 1.2\]"):
        clipped = check_unit_interval(X, "M", clip=True)
    assert np.array_equal(clipped, [[1.0, 0.3, 0.0]]) and X[0, 0] == 1.2
    S = sp.csr_matrix(X)
    with pytest.warns(DataRangeWarning):
        clipped = check_unit_interval(S, "M", clip=True)
    assert np.array_equal(clipped.toarray(), [[1.0, 0.3, 0.0]]) and S.data.max() == 1.2


def test_check_binary_reads_either_encoding_as_spins():
    from skenergy._validation import check_binary, from_spins

    spins, encoding = check_binary(np.array([[0.0, 1.0], [1.0, 0.0]]), "M")
    assert encoding == "binary" and np.array_equal(spins, [[-1, 1], [1, -1]])
    spins, encoding = check_binary(np.array([[-1.0, 1.0]], dtype=np.float32), "M")
    assert encoding == "spin" and spins.dtype == np.float32
    assert check_binary(np.ones((2, 2)), "M")[1] is None  # either encoding
    assert np.array_equal(from_spins(np.array([[-1.0, 1.0]]), "binary"), [[0, 1]])
    assert np.array_equal(from_spins(np.array([[-1.0, 1.0]]), "spin"), [[-1, 1]])
    spins, encoding = check_binary(np.array([[0.2, 0.7]]), "M", binarize=0.5)
    assert encoding == "binary" and np.array_equal(spins, [[-1, 1]])


def test_check_binary_names_the_problem():
    from skenergy._validation import check_binary

    message = r"M needs binary data.*got 0.5 and 1 more non-binary value\. Pass binarize"
    with pytest.raises(ValueError, match=message):
        check_binary(np.array([[0.5, 1.0, 2.0]]), "M")
    with pytest.raises(ValueError, match="mixed encodings: the data hold both -1 and 0"):
        check_binary(np.array([[0.0, -1.0]]), "M")

"""The README's tour of the API runs as written."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_tour_runs():
    if not README.exists():
        pytest.skip("README.md is not shipped with an installed package")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has a Python tour"
    namespace = {}
    for block in blocks:  # later blocks build on the names of earlier ones
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["H"].shape == (1797, 64)
    assert namespace["log_p"].shape == (1797,)
    assert namespace["recalled"].shape == (30, 200)
    assert namespace["overlap"] > 0.95
    assert (namespace["digits"] == namespace["y"][1500:]).mean() > 0.9
    assert namespace["log_lik"].shape == (14,)
    assert namespace["proba"].shape == (297, 10)
    assert not np.isnan(namespace["filled"]).any()
    assert namespace["deep"].score(namespace["X"], namespace["y"]) > 0.9
    assert namespace["autoencoder"].predict(namespace["X"]).shape == (1797, 64)

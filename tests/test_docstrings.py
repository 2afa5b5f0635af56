"""Every public class and function documents itself with an Examples section that runs.

The doctests themselves run with the test suite (``--doctest-modules``); this test
makes sure none is missing.
"""

import inspect
import re
from pathlib import Path

import pytest

import skenergy
import skenergy.datasets
import skenergy.exceptions
import skenergy.plotting


def public_objects():
    for module in (skenergy, skenergy.datasets, skenergy.plotting, skenergy.exceptions):
        names = getattr(module, "__all__", None) or [
            name for name in vars(module) if not name.startswith("_")
        ]
        for name in names:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__.startswith(
                "skenergy"
            ):
                yield pytest.param(obj, id=f"{module.__name__}.{name}")


@pytest.mark.parametrize("obj", list(public_objects()))
def test_public_docstring_has_a_runnable_example(obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{obj.__qualname__} has no Examples section"
    assert ">>> " in doc.split("Examples\n--------", 1)[1]


#: Timings and speed-ups: they go stale in code, so they live in benchmarks/ and
#: docs/performance.rst, with the machine they were measured on.
TIMING = re.compile(
    r"\b\d+(\.\d+)? ?(ms|s|seconds|minutes)\b(?! *=)|\b\d+(\.\d+)?x (faster|slower)\b"
    r"|\b(times|twice) (as fast|faster|slower|as long)\b|\bmeasured\b",
    re.IGNORECASE,
)


def test_no_timing_figures_in_the_code():
    package = Path(skenergy.__file__).parent
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(package.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if TIMING.search(line)
    ]
    assert not found, "\n".join(found)

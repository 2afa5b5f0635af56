"""Every public class and function documents itself with an Examples section that runs.

The doctests themselves run with the test suite (``--doctest-modules``); this test
makes sure none is missing.
"""

import inspect

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


@pytest.mark.parametrize("obj", public_objects())
def test_public_docstring_has_a_runnable_example(obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{obj.__qualname__} has no Examples section"
    assert ">>> " in doc.split("Examples\n--------", 1)[1]

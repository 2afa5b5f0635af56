"""skenergy: energy-based neural networks as scikit-learn estimators."""

from ._partition import LogPartition
from .rbm import RestrictedBM

__version__ = "0.1.0"

__all__ = ["LogPartition", "RestrictedBM", "__version__"]

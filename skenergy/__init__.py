"""skenergy: energy-based neural networks as scikit-learn estimators."""

from ._config import config_context, get_config, set_config
from ._partition import LogPartition
from ._show_versions import show_versions
from .boltzmann import BoltzmannClassifier, BoltzmannMachine
from .deep import DeepBeliefClassifier, DeepBeliefNetwork, DeepBoltzmannMachine
from .hopfield import (
    DenseHopfieldMemory,
    HopfieldMemory,
    ModernHopfieldClassifier,
    ModernHopfieldMemory,
    Recall,
    retrieve,
)
from .mlp import BackpropMLPClassifier, BackpropMLPRegressor
from .rbm import RestrictedBM

__version__ = "0.1.0"

__all__ = [
    "BackpropMLPClassifier",
    "BackpropMLPRegressor",
    "BoltzmannClassifier",
    "BoltzmannMachine",
    "DeepBeliefClassifier",
    "DeepBeliefNetwork",
    "DeepBoltzmannMachine",
    "DenseHopfieldMemory",
    "HopfieldMemory",
    "LogPartition",
    "ModernHopfieldClassifier",
    "ModernHopfieldMemory",
    "Recall",
    "RestrictedBM",
    "__version__",
    "config_context",
    "get_config",
    "retrieve",
    "set_config",
    "show_versions",
]

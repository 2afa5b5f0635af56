"""Warnings that skenergy's estimators emit, to filter or to catch."""


class DataRangeWarning(UserWarning):
    """Values outside a model's domain were clipped into it (for example [0, 1])."""


class AISWarning(UserWarning):
    """An annealed importance sampling estimate of log Z rests on too few effective runs."""

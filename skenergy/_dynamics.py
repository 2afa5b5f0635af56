"""Dynamics of networks of spins with symmetric lateral connections.

A state is a row of spins ``s`` in {-1, +1}^N with energy ``E(s) = -s'Ws/2 - b's``
(``W`` symmetric with a zero diagonal) and local fields ``h = s W + b``. Every
function here moves many rows at once, in place, and returns per row how many
sweeps it ran and whether it settled:

- :func:`run_async`: one unit at a time in a random order, ``s_i = sign(h_i)``.
  The units of every row are visited in the same order, so a row's path does not
  depend on the other rows. The fields are kept up to date by adding ``2 s_i W_i``
  to the rows where unit i flipped: a sweep costs one column read per unit plus
  ``N`` per flip, instead of a matrix product per unit.
- :func:`run_sync`: all units at once, one matrix product per step.
- :func:`run_glauber`: Glauber dynamics at a schedule of temperatures,
  ``P(s_i = +1) = logistic(2 h_i / T)``, with a readout that averages the last
  sweeps.

A unit whose field is exactly zero keeps its state (deterministic dynamics):
that keeps the energy from rising, and the ghost ``-s`` of a fixed point ``s``
(when ``b = 0``) a fixed point too. Clamped units (``clamp``, True where fixed:
a boolean array of the states' shape or one row of it) never change: that is
pattern completion.
"""

from dataclasses import dataclass

import numpy as np

from ._sampling import uniform


@dataclass
class Settling:
    """Per row: sweeps (or parallel steps) run, and how the dynamics ended."""

    n_steps: np.ndarray
    converged: np.ndarray
    cycled: np.ndarray


def energy(S, W, b):
    """``-s'Ws/2 - b's`` for each row of S."""
    return -0.5 * np.einsum("ij,ij->i", S @ W, S) - S @ b


def local_fields(S, W, b):
    """``h = s W + b`` for each row (W symmetric)."""
    H = S @ W
    H += b
    return H


class _Rows:
    """The rows still moving: their indices, states, fields and clamps, compacted as rows settle."""

    def __init__(self, S, W, b, clamp):
        self.index = np.arange(S.shape[0])
        self.states = S.copy()
        self.fields = local_fields(self.states, W, b)
        self.clamp = clamp if clamp is not None and clamp.ndim == 2 else None

    def drop(self, S, settled):
        """Write the settled rows back into S and keep the others."""
        S[self.index[settled]] = self.states[settled]
        keep = ~settled
        self.index, self.states, self.fields = (
            self.index[keep],
            self.states[keep],
            self.fields[keep],
        )
        if self.clamp is not None:
            self.clamp = self.clamp[keep]

    def flip(self, i, rows, W):
        """Flip unit i in the given rows and update their fields."""
        new = -self.states[rows, i]
        self.states[rows, i] = new
        self.fields[rows] += (2 * new)[:, None] * W[i]


def _free_units(clamp, n_units):
    """Units that may change in some row: all but those clamped in every row."""
    if clamp is None:
        return np.arange(n_units)
    return np.flatnonzero(~clamp.all(axis=0)) if clamp.ndim == 2 else np.flatnonzero(~clamp)


def _unclamped(rows, clamp, i):
    return rows if clamp is None or not rows.size else rows[~clamp[rows, i]]


def run_async(S, W, b, max_steps, rng, clamp=None):
    """Deterministic asynchronous dynamics on the rows of S (updated in place).

    A row stops at the first sweep that changes nothing: a fixed point.
    """
    n = S.shape[0]
    n_steps, converged = np.zeros(n, dtype=int), np.zeros(n, dtype=bool)
    rows = _Rows(S, W, b, clamp)
    free = _free_units(clamp, S.shape[1])
    for _ in range(max_steps):
        if not rows.index.size:
            break
        changed = np.zeros(rows.index.size, dtype=bool)
        for i in rng.permutation(free):
            flips = np.flatnonzero(rows.states[:, i] * rows.fields[:, i] < 0)
            flips = _unclamped(flips, rows.clamp, i)
            if flips.size:
                rows.flip(i, flips, W)
                changed[flips] = True
        n_steps[rows.index] += 1
        converged[rows.index[~changed]] = True
        rows.drop(S, ~changed)
    rows.drop(S, np.ones(rows.index.size, dtype=bool))
    return Settling(n_steps, converged, np.zeros(n, dtype=bool))


def run_sync(S, W, b, max_steps, clamp=None):
    """Synchronous dynamics on the rows of S (updated in place).

    A row stops at a fixed point, or when it is back at its state of two steps
    before: a cycle of period 2, which parallel updates of a symmetric network
    can fall into and asynchronous ones cannot.
    """
    n = S.shape[0]
    n_steps = np.zeros(n, dtype=int)
    converged, cycled = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    rows = _Rows(S, W, b, clamp)
    full_clamp = clamp if clamp is not None and clamp.ndim == 1 else None
    previous = None
    for _ in range(max_steps):
        if not rows.index.size:
            break
        H, current = rows.fields, rows.states
        new = np.where(H > 0, 1, np.where(H < 0, -1, current)).astype(current.dtype)
        for fixed in (rows.clamp, full_clamp):
            if fixed is not None:
                np.copyto(new, current, where=fixed)
        n_steps[rows.index] += 1
        fixed_point = (new == current).all(axis=1)
        in_cycle = ~fixed_point
        in_cycle &= (new == previous).all(axis=1) if previous is not None else False
        converged[rows.index[fixed_point]] = True
        cycled[rows.index[in_cycle]] = True
        previous, rows.states = current, new
        rows.fields = local_fields(new, W, b)
        settled = fixed_point | in_cycle
        previous = previous[~settled]
        rows.drop(S, settled)
    rows.drop(S, np.ones(rows.index.size, dtype=bool))
    return Settling(n_steps, converged, cycled)


def run_glauber(S, W, b, temperatures, rng, clamp=None, readout_steps=1):
    """Glauber dynamics, one asynchronous sweep per temperature (S updated in place).

    Unit i becomes +1 with probability ``logistic(2 h_i / T) = (1 + tanh(h_i / T)) / 2``.
    The result is the readout: the sign of the mean of the last ``readout_steps``
    states (the last state where the mean is zero). A row counts as converged when
    it did not change over those sweeps.
    """
    n, n_units = S.shape
    temperatures = np.asarray(temperatures, dtype=float)
    readout_steps = min(readout_steps, len(temperatures))
    rows = _Rows(S, W, b, clamp)
    free = _free_units(clamp, n_units)
    total = np.zeros_like(rows.states)
    changed = np.zeros(n, dtype=bool)
    for step, temperature in enumerate(temperatures):
        reading = step >= len(temperatures) - readout_steps
        before = rows.states.copy() if reading else None
        thresholds = uniform((free.size, n), S.dtype, rng)
        thresholds *= 2
        thresholds -= 1  # uniform on [-1, 1): compared with tanh(h / T)
        for j, i in enumerate(rng.permutation(free)):
            up = thresholds[j] < np.tanh(rows.fields[:, i] / temperature)
            flips = np.flatnonzero(up != (rows.states[:, i] > 0))
            flips = _unclamped(flips, rows.clamp, i)
            if flips.size:
                rows.flip(i, flips, W)
        if reading:
            total += rows.states
            changed |= (rows.states != before).any(axis=1)
    readout = np.where(total > 0, 1, np.where(total < 0, -1, rows.states))
    S[...] = readout.astype(S.dtype)
    n_steps = np.full(n, len(temperatures), dtype=int)
    return Settling(n_steps, ~changed, np.zeros(n, dtype=bool))

"""Dynamics of networks of spins with symmetric lateral connections.

A state is a row of spins ``s`` in {-1, +1}^N with energy ``E(s) = -s'Ws/2 - b's``
(``W`` symmetric with a zero diagonal) and local fields ``h = s W + b``. Every
function here moves many rows at once, in place, and returns per row how many
sweeps it ran and whether it settled:

- :func:`run_async`: one unit at a time in a random order, ``s_i = sign(h_i)``.
  The units of every row are visited in the same order, so a row's path does
  not depend on the other rows.
- :func:`run_sync`: all units at once, one matrix product per step.
- :func:`run_glauber`: Glauber dynamics at a schedule of temperatures,
  ``P(s_i = +1) = logistic(2 h_i / T)``, with a readout that averages the last
  sweeps.
- :func:`run_dense_async` and :func:`run_parallel` with
  :meth:`DenseInteraction.parallel_step`: the same two deterministic dynamics
  for the higher-order energy of a dense associative memory.

Asynchronous sweeps work on the transposed states (one contiguous row per unit)
in blocks of units: one matrix product gives the fields of a block's units for
every state, and a flip of unit i then corrects only the fields of the block's
other units. A sweep costs about one synchronous step plus a few vector
operations per unit, where keeping all N fields current would cost N per flip
and read each unit's fields with a stride.

A unit whose field is exactly zero keeps its state (deterministic dynamics):
that keeps the energy from rising, and the ghost ``-s`` of a fixed point ``s``
(when ``b = 0``) a fixed point too. Clamped units (``clamp``, True where fixed:
a boolean array of the states' shape or one row of it) never change: that is
pattern completion.
"""

from dataclasses import dataclass
from math import comb

import numpy as np

from ._sampling import uniform

#: Units whose fields one matrix product refreshes during an asynchronous sweep.
_BLOCK_UNITS = 32


@dataclass
class Settling:
    """Per row: sweeps (or parallel steps) run, and how the dynamics ended."""

    n_steps: np.ndarray
    converged: np.ndarray
    cycled: np.ndarray


def energy(S, W, b):
    """``-s'Ws/2 - b's`` for each row of S."""
    return -0.5 * np.einsum("ij,ij->i", S @ W, S) - S @ b


class _Active:
    """The rows still moving, transposed (a unit per row), compacted as rows settle.

    Units are spins (``low = -1``) or binary (``low = 0``); a flip maps a state
    ``x`` to ``low + 1 - x``.
    """

    def __init__(self, S, clamp, low=-1.0):
        self.low = low
        self.index = np.arange(S.shape[0])
        self.states = np.ascontiguousarray(S.T)
        per_row = clamp is not None and clamp.ndim == 2
        self.clamp = np.ascontiguousarray(clamp.T) if per_row else None

    def drop(self, S, settled):
        """Write the settled rows back into S and keep the others."""
        S[self.index[settled]] = self.states[:, settled].T
        keep = ~settled
        self.index, self.states = self.index[keep], self.states[:, keep]
        if self.clamp is not None:
            self.clamp = self.clamp[:, keep]

    def sweep(self, W, b, order, new_state=None, track=True, flips=None):
        """Visit the units in ``order`` once, in blocks; returns the rows changed.

        ``new_state(position, h, s)`` gives the next states of the unit at that
        position in ``order`` from its fields h and states s over all rows (for
        sampling, where nearly every unit changes in some row: each counts as
        moved, unchecked); or ``flips(h, s)`` says in which rows a spin unit
        flips, which spares the passes that rebuild the states of the rows that
        keep them (most rows near a fixed point). A block's fields come from one
        product at its start; a unit's field then adds what the block's earlier
        units changed, ``W[i, earlier] @ delta``, so each unit sees every update
        before it, as sequential updates must. With ``track=False`` nothing is compared and
        None is returned.
        """
        states = self.states
        before = states.copy() if track else None
        W_ordered = W[order]  # rows in visiting order: a block is a contiguous slice
        for start in range(0, len(order), _BLOCK_UNITS):
            stop = min(start + _BLOCK_UNITS, len(order))
            block, weights = order[start:stop], W_ordered[start:stop]
            fields = weights @ states
            fields += b[block, None]
            within = weights[:, block]
            delta = np.zeros_like(fields)  # how each unit of the block changed, per row
            moved = []  # the block's units that changed somewhere so far
            for j, i in enumerate(block):
                h = fields[j]
                if len(moved) == j:  # dense changes (sampling): a contiguous product
                    h = h + within[j, :j] @ delta[:j] if j else h
                elif moved:  # sparse changes (settling): only the units that moved
                    h = h + within[j, moved] @ delta[moved]
                if flips is None:
                    self._replace(i, new_state(start + j, h, states[i]), delta[j])
                    moved.append(j)
                elif self._flip(i, flips(h, states[i]), delta[j]):
                    moved.append(j)
        return (states != before).any(axis=0) if track else None

    def _replace(self, i, new, delta):
        """Unit i takes the states ``new`` (except where clamped); delta, the change."""
        old = self.states[i]
        if self.clamp is not None:
            new = np.where(self.clamp[i], old, new)
        np.subtract(new, old, out=delta)
        old[...] = new

    def _flip(self, i, mask, delta):
        """Spin unit i flips in the rows of ``mask`` (except where clamped); True if any did."""
        if self.clamp is not None:
            mask &= ~self.clamp[i]
        if not mask.any():
            return False  # delta stays zero
        s = self.states[i]
        np.multiply(s, mask, out=delta)
        delta *= -2.0
        s += delta
        return True


def _free_units(clamp, n_units):
    """Units that may change in some row: all but those clamped in every row."""
    if clamp is None:
        return np.arange(n_units)
    return np.flatnonzero(~clamp.all(axis=0)) if clamp.ndim == 2 else np.flatnonzero(~clamp)


def _opposed_by_field(h, s):
    """Deterministic spin dynamics flip a unit where its field opposes its state
    (a zero field keeps it): the sign of the field, in the passes that matter."""
    return np.multiply(h, s) < 0


def run_async(S, W, b, max_steps, rng, clamp=None):
    """Deterministic asynchronous dynamics on the rows of S (updated in place).

    A row stops at the first sweep that changes nothing: a fixed point.
    """
    n = S.shape[0]
    n_steps, converged = np.zeros(n, dtype=int), np.zeros(n, dtype=bool)
    active = _Active(S, clamp)
    free = _free_units(clamp, S.shape[1])
    for _ in range(max_steps):
        if not active.index.size:
            break
        changed = active.sweep(W, b, rng.permutation(free), flips=_opposed_by_field)
        n_steps[active.index] += 1
        converged[active.index[~changed]] = True
        active.drop(S, ~changed)
    active.drop(S, np.ones(active.index.size, dtype=bool))
    return Settling(n_steps, converged, np.zeros(n, dtype=bool))


def run_sync(S, W, b, max_steps, clamp=None):
    """Synchronous dynamics on the rows of S (updated in place): every unit takes
    the sign of its field at once (see :func:`run_parallel`)."""

    def step(current):
        H = current @ W
        H += b
        return np.where(_opposed_by_field(H, current), -current, current)

    return run_parallel(S, step, max_steps, clamp)


def run_parallel(S, step, max_steps, clamp=None):
    """Parallel dynamics on the rows of S (updated in place): ``step(states)``
    gives every unit's next state at once.

    A row stops at a fixed point, or when it is back at its state of two steps
    before: a cycle of period 2, which parallel updates of a symmetric network
    can fall into and asynchronous ones cannot.
    """
    n = S.shape[0]
    n_steps = np.zeros(n, dtype=int)
    converged, cycled = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    index, current, previous = np.arange(n), S.copy(), None
    fixed = None if clamp is None else np.broadcast_to(clamp, S.shape)
    for _ in range(max_steps):
        if not index.size:
            break
        new = step(current)
        if fixed is not None:
            np.copyto(new, current, where=fixed[index])
        n_steps[index] += 1
        fixed_point = (new == current).all(axis=1)
        in_cycle = ~fixed_point
        in_cycle &= (new == previous).all(axis=1) if previous is not None else False
        converged[index[fixed_point]] = True
        cycled[index[in_cycle]] = True
        settled = fixed_point | in_cycle
        S[index[settled]] = new[settled]
        keep = ~settled
        index, current, previous = index[keep], new[keep], current[keep]
    S[index] = current
    return Settling(n_steps, converged, cycled)


# ------------------------------------------------------ dense associative memories


class DenseInteraction:
    """The energy ``E(s) = -sum_mu F(xi_mu . s)`` of a dense associative memory of
    spin patterns ``xi_mu`` (rows of ``patterns``), and its single-unit decisions.

    ``F(x) = (x / N)^n`` (``"polynomial"``, Krotov & Hopfield 2016) or
    ``F(x) = exp(x - N)`` (``"exponential"``, Demircigil et al. 2017): the papers'
    ``x^n`` and ``exp(x)`` divided by the constants ``N^n`` and ``e^N``, which
    changes no decision of the dynamics and keeps every energy in ``[-p, p]``.
    A unit's decision compares ``sum_mu F`` with the unit at +1 and at -1 (see
    :meth:`decide`); each row's terms are scaled by its largest before they are
    summed (the log-domain shift of a log-sum-exp), so no degree overflows and
    the dominant pattern's term never underflows.
    """

    def __init__(self, patterns, kind, degree):
        self.patterns, self.kind, self.degree = patterns, kind, degree
        self.n_units = patterns.shape[1]
        n_patterns = max(patterns.shape[0], 1)
        mantissa = np.finfo(patterns.dtype).nmant  # 52 bits (float64), 23 (float32)
        self._exact = degree * np.log2(self.n_units + 1) + np.log2(n_patterns) < mantissa

    def overlaps(self, S):
        """``xi_mu . s`` for each row of S and each pattern."""
        return S @ self.patterns.T

    def energy(self, S):
        x = self.overlaps(S)
        with np.errstate(under="ignore"):  # terms too small to count
            if self.kind == "polynomial":
                x /= self.n_units
                return -(x**self.degree).sum(axis=1)
            x -= self.n_units
            return -np.exp(x, out=x).sum(axis=1)

    def _gains(self, rest):
        """``g(r) = F(r + 1) - F(r - 1)`` for each row's overlaps ``r`` with the unit
        left out, up to a positive factor per row: flipping the unit to agree with
        pattern mu lowers the energy by ``g(r_mu)``. Exact integers while
        ``(N + 1)^n p`` fits in a double (ties then stay exact); otherwise each
        row is divided by its largest ``|r| + 1`` (polynomial) or shifted by its
        largest ``r`` (exponential) before the power."""
        with np.errstate(under="ignore"):  # a term below 1e-308 of the largest: none
            if self.kind == "exponential":
                return np.exp(rest - rest.max(axis=1, keepdims=True))
            if self._exact:
                return self._exact_gains(rest)
            scale = np.abs(rest).max(axis=1, keepdims=True) + 1
            return ((rest + 1) / scale) ** self.degree - ((rest - 1) / scale) ** self.degree

    def _exact_gains(self, rest):
        """``(r + 1)^n - (r - 1)^n = sum_j c_j r^j`` with ``c_j = 2 C(n, j)`` for
        ``n - j`` odd, by Horner's rule: integers throughout, and a few
        multiply-adds where a float power is slow."""
        n = self.degree
        gains = np.zeros_like(rest)
        for j in range(n - 1, -1, -1):
            gains *= rest
            if (n - j) % 2:
                gains += 2 * comb(n, j)
        return gains

    def decide(self, overlaps, states, unit):
        """Unit ``unit``'s next state in each row, given the rows' ``overlaps`` and
        ``states``: the value of the lower energy, the current one on a tie.

        ``E(s_i = +1) - E(s_i = -1) = -sum_mu xi_mu,i g(r_mu)`` (up to the positive
        constants of ``F``), one matrix-vector product over the patterns.
        """
        column = self.patterns[:, unit]
        rest = overlaps - states[:, unit, None] * column  # the other units' overlap
        preference = self._gains(rest) @ column
        return np.where(preference > 0, 1.0, np.where(preference < 0, -1.0, states[:, unit]))

    def parallel_step(self, states):
        """Every unit's decision from the same states (synchronous dynamics)."""
        overlaps = self.overlaps(states)
        new = np.empty_like(states)
        for unit in range(self.n_units):
            new[:, unit] = self.decide(overlaps, states, unit)
        return new


def run_dense_async(S, interaction, max_steps, rng, clamp=None):
    """Asynchronous dynamics of a dense associative memory on the rows of S (in
    place): units in a random order (the same for every row), each taking the
    value of lower energy, so the energy never rises; a row stops at the first
    sweep that changes nothing."""
    n = S.shape[0]
    n_steps, converged = np.zeros(n, dtype=int), np.zeros(n, dtype=bool)
    index, states = np.arange(n), S.copy()
    fixed = None if clamp is None else np.broadcast_to(clamp, S.shape)
    free = _free_units(clamp, S.shape[1])
    for _ in range(max_steps):
        if not index.size:
            break
        overlaps = interaction.overlaps(states)
        changed = np.zeros(index.size, dtype=bool)
        for unit in rng.permutation(free):
            new = interaction.decide(overlaps, states, unit)
            if fixed is not None:
                np.copyto(new, states[:, unit], where=fixed[index, unit])
            flipped = new != states[:, unit]
            if flipped.any():
                # each flip moves the row's overlaps by 2 s_new xi_mu,unit
                overlaps[flipped] += (2 * new[flipped, None]) * interaction.patterns[:, unit]
                states[flipped, unit] = new[flipped]
                changed |= flipped
        n_steps[index] += 1
        converged[index[~changed]] = True
        S[index[~changed]] = states[~changed]
        index, states = index[changed], states[changed]
    S[index] = states
    return Settling(n_steps, converged, np.zeros(n, dtype=bool))


class GibbsChains:
    """Gibbs sampling of many chains at once over binary or spin units.

    ``S`` (chains x units) is copied; :attr:`states` gives the current states. A
    sweep updates every free unit once, in a random order, from
    ``P(x_i = 1 | rest) = logistic(h_i / T)`` (binary units, ``h = x W + b``) or
    ``P(s_i = +1 | rest) = logistic(2 h_i / T)`` (spins: Glauber dynamics), then
    each softmax group: units of which exactly one is on, updated jointly with
    ``P(unit c on | rest) = softmax(h_group / T)_c``, so the sampler enforces the
    one-hot constraint rather than hoping for it. Clamped units never change.
    Both rules are exact Gibbs updates of ``p(x) ~ exp(-E(x) / T)``.

    ``blocks`` are sets of units with no couplings among them (a layer without
    lateral connections): independent given the rest, each block is sampled at
    once from one matrix product, as an RBM samples a layer.
    """

    def __init__(self, S, W, b, rng, *, binary=True, clamp=None, groups=(), blocks=()):
        self.W, self.b, self.rng, self.binary = W, b, rng, binary
        self._active = _Active(S, clamp, low=0.0 if binary else -1.0)
        grouped = np.zeros(S.shape[1], dtype=bool)
        for group in groups:
            grouped[group] = True
        free_units = _free_units(clamp, S.shape[1])
        self.blocks = []
        for block in blocks:
            block = np.intersect1d(np.asarray(block), free_units)
            block = block[~grouped[block]]
            if block.size:
                self.blocks.append(block)
                grouped[block] = True  # not visited one by one
        fixed_for_all = clamp is not None and clamp.ndim == 1
        # A group with a unit clamped in every chain is clamped as a whole.
        self.groups = [
            np.asarray(group) for group in groups if not (fixed_for_all and clamp[group].any())
        ]
        free = np.zeros(S.shape[1], dtype=bool)
        free[_free_units(clamp, S.shape[1])] = True
        self.singles = np.flatnonzero(free & ~grouped)

    @property
    def states(self):
        """Current states, chains x units (a view: copy it to keep it)."""
        return self._active.states.T

    def sweep(self, temperature, track=False):
        """One sweep at ``temperature``; with ``track``, returns which chains changed."""
        states = self._active.states
        noise = self._noise((self.singles.size, states.shape[1]), temperature)

        if self.binary:

            def new_state(position, h, s):
                return h > noise[position]
        else:

            def new_state(position, h, s):
                return np.where(h > noise[position], 1.0, -1.0)

        order = self.rng.permutation(self.singles)
        moved = self._active.sweep(self.W, self.b, order, new_state, track)
        for block in self.blocks:
            block_moved = self._sample_block(block, temperature)
            if track:
                moved |= block_moved
        for group in self.groups:
            group_moved = self._sample_group(group, temperature)
            if track:
                moved |= group_moved
        return moved

    def _noise(self, shape, temperature):
        """Logistic noise: a unit is on where its field beats it.

        ``P(h > T logit(u)) = logistic(h / T)`` for binary units; spins use
        ``T / 2``, for Glauber's ``logistic(2 h / T)``.
        """
        noise = uniform(shape, self._active.states.dtype, self.rng)
        np.divide(noise, 1 - noise, out=noise)
        np.log(noise, out=noise)  # logit(u), faster than scipy's on large arrays
        noise *= temperature if self.binary else temperature / 2
        return noise

    def _sample_block(self, block, temperature):
        """All units of an uncoupled block at once: they are independent given the rest."""
        states = self._active.states
        fields = self.W[block] @ states
        fields += self.b[block, None]
        new = (fields > self._noise(fields.shape, temperature)).astype(states.dtype)
        if not self.binary:
            new = 2 * new - 1
        if self._active.clamp is not None:
            np.copyto(new, states[block], where=self._active.clamp[block])
        moved = (new != states[block]).any(axis=0)
        states[block] = new
        return moved

    def _sample_group(self, group, temperature):
        states = self._active.states
        # Each member's field from outside the group: inside it only one unit is on.
        logits = self.W[group] @ states - self.W[np.ix_(group, group)] @ states[group]
        logits += self.b[group, None]
        logits /= temperature
        logits -= logits.max(axis=0)
        weights = np.exp(logits)  # finite: the largest logit is 0
        cumulative = np.cumsum(weights, axis=0)
        u = uniform((states.shape[1],), states.dtype, self.rng) * cumulative[-1]
        choice = np.minimum((cumulative <= u).sum(axis=0), len(group) - 1)
        new = np.zeros((len(group), states.shape[1]), dtype=states.dtype)
        new[choice, np.arange(states.shape[1])] = 1
        if not self.binary:
            new = 2 * new - 1
        if self._active.clamp is not None:  # per chain: a group with a clamped unit stays
            keep = self._active.clamp[group].any(axis=0)
            new[:, keep] = states[group][:, keep]
        moved = (new != states[group]).any(axis=0)
        states[group] = new
        return moved


def run_glauber(S, W, b, temperatures, rng, clamp=None, readout_steps=1):
    """Glauber dynamics, one asynchronous sweep per temperature (S updated in place).

    Unit i becomes +1 with probability ``logistic(2 h_i / T) = (1 + tanh(h_i / T)) / 2``.
    The result is the readout: the sign of the mean of the last ``readout_steps``
    states (the last state where the mean is zero). A row counts as converged when
    it did not change over those sweeps.
    """
    n = S.shape[0]
    temperatures = np.asarray(temperatures, dtype=float)
    readout_steps = min(readout_steps, len(temperatures))
    chains = GibbsChains(S, W, b, rng, binary=False, clamp=clamp)
    total = np.zeros_like(S)
    changed = np.zeros(n, dtype=bool)
    for step, temperature in enumerate(temperatures):
        reading = step >= len(temperatures) - readout_steps
        moved = chains.sweep(temperature, track=reading)
        if reading:
            total += chains.states
            changed |= moved
    states = chains.states
    S[...] = np.where(total > 0, 1, np.where(total < 0, -1, states))
    n_steps = np.full(n, len(temperatures), dtype=int)
    return Settling(n_steps, ~changed, np.zeros(n, dtype=bool))

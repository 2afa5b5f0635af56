"""Layered energy models: stacks of unit layers with weights between neighbours.

A model of layers ``s_0`` (visible), ``s_1``, ... has the energy::

    E(s) = sum_l E_own(s_l; b_l) - sum_l s_l' W_l s_{l+1}

where ``weights[l]`` (shape ``(n_{l+1}, n_l)``, a row per unit of the upper
layer, as ``components_`` of scikit-learn's RBM) joins layers ``l`` and ``l + 1``.
There are no connections within a layer, so a layer is independent given its
neighbours: the odd layers are sampled at once given the even ones and back
(block Gibbs sampling), and the odd layers can be summed out analytically when
the even ones are fixed. An RBM is the two-layer case, a deep Boltzmann machine
the general one. What each unit type contributes (conditional means, samples,
log partition of an input) comes from :mod:`skenergy._units`.

States travel as lists of arrays, one ``(n_chains, n_l)`` array per layer, which
the samplers update in place.
"""

import numpy as np
from sklearn.utils.extmath import safe_sparse_dot

from ._optim import momentum_step
from ._partition import annealed_importance_sampling, exact_log_partition
from ._validation import as_dense


class Layers:
    """A stack of unit layers joined by weights, and the computations on it.

    Parameters
    ----------
    units : list of unit types
        One per layer, from :data:`skenergy._units.UNITS`.
    biases : list of ndarray
        ``b_l``, one per layer.
    weights : list of ndarray
        ``weights[l]`` of shape ``(n_{l+1}, n_l)``.

    The arrays are used as they are (not copied): a view of an estimator's
    parameters, built when needed.
    """

    def __init__(self, units, biases, weights):
        if not (len(units) == len(biases) == len(weights) + 1):
            raise ValueError("A layered model needs one bias per layer and weights between them.")
        self.units, self.biases, self.weights = list(units), list(biases), list(weights)

    @property
    def n_layers(self):
        return len(self.units)

    @property
    def dtype(self):
        return self.weights[0].dtype

    # ------------------------------------------------------------- conditionals

    def neighbours(self, layer):
        """The layers joined to ``layer`` by a weight matrix."""
        return [n for n in (layer - 1, layer + 1) if 0 <= n < self.n_layers]

    def field(self, layer, states, out=None, only=None):
        """What the neighbouring layers (or those in ``only``) send to ``layer``:
        ``s_{l-1} W' + s_{l+1} W``."""
        parts = []
        for neighbour in self.neighbours(layer):
            if only is None or neighbour in only:
                W = self.weights[layer] if neighbour > layer else self.weights[layer - 1].T
                parts.append((states[neighbour], W))
        (first, W), rest = parts[0], parts[1:]
        if out is None:
            out = safe_sparse_dot(first, W, dense_output=True)
        else:
            np.matmul(first, W, out=out)
        for other, W in rest:
            out += other @ W
        return out

    def input(self, layer, states, out=None):
        """``eta_l = b_l + field``: the input of each unit of ``layer``."""
        eta = self.field(layer, states, out=out)
        eta += self.biases[layer]
        return eta

    def mean(self, layer, states, out=None):
        """``E[s_l | neighbours]``."""
        eta = self.input(layer, states, out=out)
        return self.units[layer].mean(eta, out=eta)

    def sample_layer(self, layer, states, rng, out=None, mean=False):
        """New states of ``layer`` given its neighbours (its mean with ``mean=True``),
        written into ``out`` when given."""
        m = self.mean(layer, states, out=out)
        return m if mean else self.units[layer].sample(m, rng, out=m)

    def log_conditional(self, layer, states):
        """``log p(s_l | neighbours)`` per row, for the states ``states[layer]``.

        Every unit type's conditional is of the exponential family
        ``s . eta - A(eta) + B(s)``, with ``A(eta)`` the layer's log partition at
        zero bias and ``B(s) = -E_own(s; 0)``.
        """
        eta = self.input(layer, states)
        units, s = self.units[layer], as_dense(states[layer])
        zero = np.zeros(eta.shape[-1], dtype=eta.dtype)
        return (s * eta).sum(axis=-1) - units.log_partition(eta, zero) - units.energy(s, zero)

    def log_conditional_table(self, layer, given, states):
        """``log p(s_l = states[j] | s_other = given[i])`` as a ``(len(given), len(states))``
        table, for two layers: the exponential-family form of :meth:`log_conditional`
        with one matrix product for the cross term."""
        self._check_bipartite()
        neighbours = [None, None]
        neighbours[1 - layer] = given
        eta = self.input(layer, neighbours)
        units, zero = self.units[layer], np.zeros(eta.shape[-1], dtype=eta.dtype)
        table = safe_sparse_dot(eta, as_dense(states).T, dense_output=True)
        table -= units.log_partition(eta, zero)[:, None]
        table -= units.energy(states, zero)[None, :]
        return table

    def conditional_entropy(self, layer, states):
        """Entropy of ``p(s_l | neighbours)`` per row."""
        return self.units[layer].entropy(self.input(layer, states))

    # ----------------------------------------------------------------- sampling

    def sweep(self, states, rng, clamp=None, mean_last=False):
        """One block Gibbs sweep, in place: the odd layers given the even ones, then
        the even layers given the new odd ones (for an RBM: v -> h -> v).

        ``clamp`` maps a layer to a boolean mask (one row, or one per chain): those
        units keep their values. ``mean_last`` puts the mean of the visible layer in
        place of its sample (a smooth read-out of the last sweep).
        """
        for parity in (1, 0):
            for layer in range(parity, self.n_layers, 2):
                mean = mean_last and layer == 0
                self._resample(layer, states, rng, clamp, mean)
        return states

    def _resample(self, layer, states, rng, clamp, mean):
        mask = kept = None
        if clamp and layer in clamp:
            mask = np.broadcast_to(clamp[layer], states[layer].shape)
            if mask.all():
                return
            kept = states[layer][mask]
        if states[layer] is None:
            states[layer] = self.sample_layer(layer, states, rng, mean=mean)
        else:
            self.sample_layer(layer, states, rng, out=states[layer], mean=mean)
        if mask is not None:
            states[layer][mask] = kept

    def gibbs(self, visible, n_steps, rng, clamp=None, mean_last=False):
        """``n_steps`` sweeps from the visible states ``visible`` (a dense array,
        updated in place); returns the final visible states.

        The hidden layers start unset: the first sweep samples them from the
        visible layer alone (exact for an RBM, whose hidden layer depends on the
        visible one only).
        """
        states = [visible] + [None] * (self.n_layers - 1)
        clamp = None if clamp is None else {0: clamp}
        for step in range(n_steps):
            self.sweep(states, rng, clamp, mean_last=mean_last and step == n_steps - 1)
        return states[0]

    def statistics(self, states, weights=None):
        """The sufficient statistics of the energy: ``<s_{l+1} s_l'>`` for each weight
        matrix and ``<s_l>`` for each layer, averaged over rows (with the rows'
        ``weights``, summing to 1, when given). The log-likelihood gradient is their
        difference between the posterior and the model."""
        if weights is None:
            weights = np.full(states[0].shape[0], 1.0 / states[0].shape[0], dtype=self.dtype)
        weighted = [as_dense(s) * weights[:, None] for s in states]
        pairs = [
            weighted[layer + 1].T @ as_dense(states[layer]) for layer in range(len(self.weights))
        ]
        return pairs, [w.sum(axis=0) for w in weighted]

    # --------------------------------------------------------------- mean field

    def mean_field(self, states, fixed=(0,), n_iter=50, tol=1e-6, damping=0.0):
        """Mean-field posteriors of the free layers given the ``fixed`` ones, in place.

        ``states`` holds the fixed layers' values and a starting point for the
        others (None: 0.5 everywhere). The free layers are updated in the
        block order of :meth:`sweep` (odd, then even), each to its conditional mean
        given its neighbours' current means, mixed with its previous value as
        ``(1 - damping) * new + damping * old``; it stops when no mean moved by more
        than ``tol`` in a pass, or after ``n_iter`` passes. The result is a fixed
        point of ``mu_l = E[s_l | mu_{l-1}, mu_{l+1}]``: the variational posterior of
        Salakhutdinov & Hinton (2009) that maximises the lower bound on
        ``log p(fixed)``. Returns the number of passes run.
        """
        free = [layer for layer in range(self.n_layers) if layer not in fixed]
        free = [layer for parity in (1, 0) for layer in free if layer % 2 == parity]
        for layer in free:
            if states[layer] is None:
                rows = next(s.shape[0] for s in states if s is not None)
                n_units = len(self.biases[layer])
                states[layer] = np.full((rows, n_units), 0.5, dtype=self.dtype)
        # What the fixed layers send does not change between passes: computed once
        # (a third of the work of a pass for the first hidden layer of an MNIST DBM).
        moving, fixed_input = {}, {}
        for layer in free:
            moving[layer] = [n for n in self.neighbours(layer) if n in free]
            held = [n for n in self.neighbours(layer) if n not in free]
            fixed_input[layer] = self.biases[layer]
            if held:
                fixed_input[layer] = fixed_input[layer] + self.field(layer, states, only=held)
        n_passes = 0
        while n_passes < n_iter:
            n_passes += 1
            change = 0.0
            for layer in free:
                eta = (self.field(layer, states, only=moving[layer]) if moving[layer]
                       else np.zeros_like(states[layer]))  # fmt: skip
                eta += fixed_input[layer]
                new = self.units[layer].mean(eta, out=eta)
                if damping:
                    new *= 1 - damping
                    new += damping * states[layer]
                change = max(change, float(np.abs(new - states[layer]).max(initial=0.0)))
                states[layer] = new
            if change <= tol:
                break
        return n_passes

    # ------------------------------------------------- the bipartite (RBM) case

    def _check_bipartite(self):
        if self.n_layers != 2:
            raise ValueError("This computation is for two layers (an RBM).")

    def free_energy(self, visible):
        """``F(v) = E_own(v) - log sum_h exp(-E_own(h) + h . field(v))`` per row."""
        self._check_bipartite()
        return -self.log_marginal([visible, None], summed={1})

    def log_marginal(self, states, summed):
        """``log sum exp(-E(s))`` over the layers in ``summed``, per row: the unnormalised
        log-probability of the other layers' ``states``.

        No two summed layers may be neighbours, so each sums out analytically given
        the kept layers around it (its unit type's log partition of its input). An
        RBM's ``-F(v)`` sums out the hidden layer; a deep Boltzmann machine's
        ``log p*(v, h_2)`` sums out ``h_1`` and ``h_3``.
        """
        log_p = 0.0
        for layer in range(self.n_layers):
            units, bias = self.units[layer], self.biases[layer]
            if layer in summed:
                log_p = log_p + units.log_partition(self.input(layer, states), bias)
                continue
            log_p = log_p - units.energy(states[layer], bias)
            if layer + 1 < self.n_layers and layer + 1 not in summed:
                above = safe_sparse_dot(states[layer], self.weights[layer].T, dense_output=True)
                log_p = log_p + (above * as_dense(states[layer + 1])).sum(axis=1)
        return log_p

    def exact_log_partition(self, enumerated):
        """Exact ``log Z``: every joint state of the layers ``enumerated`` (one layer, or a
        set of layers of one parity, binary when more than one) visited, the
        others summed out (:meth:`log_marginal`)."""
        enumerated = sorted({enumerated} if isinstance(enumerated, int) else set(enumerated))
        summed = set(range(self.n_layers)) - set(enumerated)
        sizes = [len(self.biases[layer]) for layer in enumerated]
        units = self.units[enumerated[0]]
        if len(enumerated) > 1 and any(
            self.units[layer].name != "bernoulli" for layer in enumerated
        ):
            raise ValueError("Several layers are enumerated jointly only when they are binary.")

        def log_weight(joint):
            states = [None] * self.n_layers
            parts = np.split(joint, np.cumsum(sizes)[:-1], axis=1)
            for layer, part in zip(enumerated, parts, strict=True):
                states[layer] = part
            return self.log_marginal(states, summed)

        return exact_log_partition(log_weight, sum(sizes), units, self.dtype)

    def pseudo_log_likelihood(self, visible, coords):
        """``n_features * log p(v_i | v_-i)`` per row, ``i = coords[row]``; the hidden
        layer summed out, the coordinate normalised by its unit type."""
        self._check_bipartite()
        V = as_dense(visible)
        visible_units, hidden = self.units
        b, c = self.biases
        W = self.weights[0]
        rows = np.arange(V.shape[0])
        v_i = V[rows, coords].astype(np.float64)
        pre = self.input(1, [V, None])
        W_i = W[:, coords].T  # (n_rows, n_hidden): each row's coordinate's weights
        rest = pre - v_i[:, None] * W_i  # the hidden input without the coordinate
        b_i = b[coords]

        def log_weight(t):
            """Unnormalised ``log p(v_i = t | v_-i)``, t of shape (rows,) or (rows, k)."""
            t = np.asarray(t, dtype=np.float64)
            if t.ndim == 1:
                own = -visible_units.unit_energy(t, b_i)
                return own + hidden.log_partition(rest + t[:, None] * W_i, c)
            own = -visible_units.unit_energy(t, b_i[:, None])
            return own + hidden.log_partition(rest[:, None, :] + t[:, :, None] * W_i[:, None, :], c)

        centre = b_i + (W_i * hidden.mean(pre.copy())).sum(axis=1)
        return V.shape[1] * visible_units.log_conditional(log_weight, v_i, centre)

    # ------------------------------------------------------------------- AIS

    def ais(self, base_bias, n_runs, betas, rng, start=None):
        """``log Z`` by AIS from the base model to this one (Salakhutdinov & Murray 2008;
        for deep Boltzmann machines, Salakhutdinov & Hinton 2009).

        The base model has no weights, the visible biases ``base_bias`` and zero
        hidden biases: its visible units are independent, its hidden units
        uniform, and its ``log Z`` is known. The distribution at inverse
        temperature ``beta`` has the weights and hidden biases times ``beta`` and
        the visible biases ``(1 - beta) base + beta b``. The chains carry the even
        layers; the odd layers are summed out of every ratio analytically.
        Forward from exact base samples, or reverse from ``start``, samples of
        this model (the visible states, or a list of states of every layer, None
        for the odd ones).
        """
        visible = self.units[0]
        dtype = self.weights[0].dtype
        odd, even_hidden = range(1, self.n_layers, 2), range(2, self.n_layers, 2)
        base_bias = base_bias.astype(dtype)
        if start is None:
            states = [visible.sample(visible.mean(np.repeat(base_bias[None], n_runs, 0)), rng)]
            states += [None] * (self.n_layers - 1)
            for layer in even_hidden:  # uniform at beta = 0
                n_units = len(self.biases[layer])
                units = self.units[layer]
                states[layer] = units.sample(units.mean(np.zeros((n_runs, n_units), dtype)), rng)
        elif isinstance(start, np.ndarray):
            states = [start] + [None] * (self.n_layers - 1)
        else:
            states = list(start)
        base64 = base_bias.astype(np.float64)
        log_z_base = float(visible.log_partition(base64, base64)) + sum(
            float(self.units[layer].log_partition(np.zeros(len(b)), np.zeros(len(b))))
            for layer, b in enumerate(self.biases[1:], start=1)
        )
        b64 = [b.astype(np.float64) for b in self.biases]

        def odd_inputs(states):  # in float64: the log ratios are small differences
            return {layer: self.input(layer, states).astype(np.float64) for layer in odd}

        def visible_bias(beta, b_base=base_bias, b_model=self.biases[0]):
            return path_visible_bias(beta, b_base, b_model)

        def log_ratio(state, beta_from, beta_to):
            states, pre = state
            ratio = 0.0
            for layer in odd:
                units = self.units[layer]
                ratio = ratio + units.log_partition(beta_to * pre[layer], beta_to * b64[layer])
                ratio -= units.log_partition(beta_from * pre[layer], beta_from * b64[layer])
            ratio += visible.energy(states[0], visible_bias(beta_from, base64, b64[0]))
            ratio -= visible.energy(states[0], visible_bias(beta_to, base64, b64[0]))
            for layer in even_hidden:
                units, s = self.units[layer], states[layer]
                ratio += units.energy(s, beta_from * b64[layer]) - units.energy(
                    s, beta_to * b64[layer]
                )
            return ratio

        def transition(state, beta, rng):
            states, pre = state
            states = list(states)
            for layer in odd:
                units = self.units[layer]
                states[layer] = units.sample(units.mean((beta * pre[layer]).astype(dtype)), rng)
            eta = beta * self.field(0, states)
            eta += visible_bias(beta)
            states[0] = visible.sample(visible.mean(eta, out=eta), rng, out=eta)
            for layer in even_hidden:
                units = self.units[layer]
                eta = beta * self.input(layer, states)
                states[layer] = units.sample(units.mean(eta, out=eta), rng, out=eta)
            for layer in odd:
                states[layer] = None
            return states, odd_inputs(states)

        return annealed_importance_sampling(
            (states, odd_inputs(states)), log_z_base, log_ratio, transition, betas, rng,
            reverse=start is not None,
        )  # fmt: skip


def path_visible_bias(beta, base_bias, bias):
    """The visible biases at inverse temperature ``beta`` on the path from the base
    model to the model (AIS and parallel tempering): ``(1 - beta) base + beta b``;
    the weights and the hidden biases are multiplied by ``beta``."""
    return (1 - beta) * base_bias + beta * bias


# ------------------------------------------------------------------ centring

#: How far the centring offsets move towards each minibatch's data means: the
#: sliding average of Melchior, Fischer & Wiskott (2016), who found 0.01 with
#: minibatches of 100 as good as any.
OFFSET_RATE = 0.01


def move_offsets(offsets, means):
    """Exponential moving averages of each layer's mean on the data, in place.

    The offsets are not parameters: a model is held in the uncentred ones, which
    a change of offsets leaves as they are (the centred biases absorb it, the
    reparametrisation of Melchior et al.'s algorithm 1)."""
    for offset, mean in zip(offsets, means, strict=True):
        offset += OFFSET_RATE * (mean - offset)


def centred_steps(weight_steps, bias_steps, offsets):
    """The centred gradient step of a layered model, in its uncentred parameters.

    From the plain step (``weight_steps[l] = lr * (<s_{l+1} s_l'>_data - _model)``,
    ``bias_steps[l] = lr * (<s_l>_data - <s_l>_model)``). The centred energy
    ``-sum_l (s_{l+1} - m_{l+1})' W_l (s_l - m_l) - sum_l b_l' s_l`` (offsets
    ``m_l``) is the uncentred one with biases ``b_l - W_l' m_{l+1} - W_{l-1} m_{l-1}``.
    Its gradient step is ``dW_l - db_{l+1} m_l' - m_{l+1} db_l'`` for the weights
    and ``db_l`` for its own biases (Montavon & Mueller 2012; Melchior, Fischer &
    Wiskott 2016); read back in the uncentred biases, ``db_l`` minus what the
    centred weight steps move of ``W_l' m_{l+1} + W_{l-1} m_{l-1}``. An RBM is the
    two-layer case. Returns new lists ``(weight_steps, bias_steps)``.
    """
    weights = [
        dW - np.outer(bias_steps[layer + 1], offsets[layer])
        - np.outer(offsets[layer + 1], bias_steps[layer])
        for layer, dW in enumerate(weight_steps)
    ]  # fmt: skip
    biases = list(bias_steps)
    for layer, dW in enumerate(weights):
        biases[layer] = biases[layer] - offsets[layer + 1] @ dW
        biases[layer + 1] = biases[layer + 1] - dW @ offsets[layer]
    return weights, biases


def statistics_step(layers, positive, negative, velocities, lr, momentum, decay=0.0, offsets=None):
    """One stochastic gradient step of a layered model, in place.

    ``lr`` times the difference of the energy's sufficient statistics
    (:meth:`Layers.statistics`) between the ``positive`` states (data with their
    posterior or its mean field) and the ``negative`` ones (the model's chains); the
    centred step (:func:`centred_steps`) when ``offsets`` are given, moved towards
    the positive means first. Applied in velocity form (``velocities`` for the
    weights, then the biases) with the L2 ``decay`` (``lr * alpha``) on the weights.
    """
    data_pairs, data_means = layers.statistics(positive)
    model_pairs, model_means = layers.statistics(negative)
    weight_steps = [lr * (d - m) for d, m in zip(data_pairs, model_pairs, strict=True)]
    bias_steps = [lr * (d - m) for d, m in zip(data_means, model_means, strict=True)]
    if offsets is not None:
        move_offsets(offsets, data_means)
        weight_steps, bias_steps = centred_steps(weight_steps, bias_steps, offsets)
    n_weights = len(layers.weights)
    parameters = [*layers.weights, *layers.biases]
    for position, (param, velocity, step) in enumerate(
        zip(parameters, velocities, weight_steps + bias_steps, strict=True)
    ):
        momentum_step(
            param, velocity, step.astype(param.dtype, copy=False), momentum,
            decay=decay if position < n_weights else 0.0,
        )  # fmt: skip

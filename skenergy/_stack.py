"""Stacks of restricted Boltzmann machines trained greedily, layer by layer.

Hinton, Osindero & Teh (2006): each RBM is trained on the hidden probabilities
of the one below it. The stack initialises a backpropagation network (the MLP's
``pretrain``, Hinton & Salakhutdinov 2006), whose layers come from the RBMs'
weights read upwards (:func:`rbm_as_layer`) and, in an unrolled autoencoder,
downwards (:func:`rbm_as_decoder`).
"""

import numpy as np
from sklearn import config_context
from sklearn.base import clone


def stack_rbms(template, X, sizes, random_state=None, fitted=(), stop=None, report=None, linear=()):
    """Fit one RBM per size in ``sizes``, each on the features of the one below.

    Parameters
    ----------
    template : RestrictedBM
        Cloned for every layer by :func:`layer_rbm`.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    sizes : sequence of int
    random_state : int, RandomState instance or None
    fitted : sequence of fitted RBMs
        Used as given for the first layers (their sizes are checked by the
        caller when it reads their weights).
    stop : callable, optional
        Asked between layers; when it answers True no further layer is fitted
        (Ctrl-C during a layer's training, or between two).
    report : callable, optional
        Called as ``report(layer, n_inputs, size)`` before a layer is fitted.
    linear : collection of int
        Layers whose hidden units are to be linear: Gaussian hidden units, where
        the layer's visible units are Bernoulli (two Gaussian layers make no
        distribution), trained at a tenth of the template's learning rate
        (:data:`GAUSSIAN_HIDDEN_RATE`); the layers above them get Gaussian
        visible units.

    Returns
    -------
    rbms : list
        The fitted RBMs (or what ``fitted`` held), bottom first.
    """
    rbms, features = [], X
    for layer, size in enumerate(sizes):
        if layer and stop is not None and stop():
            break
        if layer < len(fitted):
            rbm = fitted[layer]
        else:
            if report is not None:
                report(layer, features.shape[1], size)
            gaussian = leaves_unit_interval(features)
            hidden = "gaussian" if layer in linear and not gaussian else None
            rbm = layer_rbm(template, size, random_state, gaussian, hidden).fit(features)
        rbms.append(rbm)
        if layer < len(sizes) - 1 and not (stop is not None and stop()):
            features = layer_features(rbm, features, X.dtype)
    return rbms


#: The learning rate of a layer with Gaussian hidden units, as a fraction of the
#: template's: at the rate of the logistic layers (0.05) the 250-30 code layer of
#: the MNIST autoencoder diverges; at a tenth it trains (Hinton & Salakhutdinov
#: used a hundredth, from larger initial weights).
GAUSSIAN_HIDDEN_RATE = 0.1


def layer_rbm(template, size, random_state, gaussian=False, hidden=None):
    """An unfitted RBM for one layer of a stack: the template cloned with
    ``n_components=size``, Gaussian visible units with ``gaussian`` (a layer whose
    inputs leave [0, 1]), the ``hidden`` unit type when given (Gaussian at
    :data:`GAUSSIAN_HIDDEN_RATE` times the learning rate), and the stack's
    ``random_state`` where the template leaves it None."""
    rbm = clone(template).set_params(n_components=size)
    if gaussian:
        rbm.set_params(visible="gaussian")
    if hidden == "gaussian" and template.hidden != "gaussian":
        rbm.set_params(hidden=hidden, learning_rate=GAUSSIAN_HIDDEN_RATE * template.learning_rate)
    if rbm.random_state is None and random_state is not None:
        rbm.set_params(random_state=random_state)
    return rbm


def verbose_template(template, verbose):
    """The template, cloned with ``verbose`` where its owner asks for progress lines
    and the template does not (each layer's epochs are then reported)."""
    if verbose and not template.verbose:
        return clone(template).set_params(verbose=verbose)
    return template


def layer_announcer(owner, verbose, what="Layer"):
    """The ``report`` of :func:`stack_rbms` for an estimator named ``owner``: a line
    ``[owner] Layer k: n -> m units`` before each layer's epochs (None when quiet)."""
    if not verbose:
        return None

    def announce(layer, n_inputs, size):
        print(f"[{owner}] {what} {layer + 1}: {n_inputs} -> {size} units", flush=True)

    return announce


def check_binary_hidden(rbm, owner, role):
    """Refuse an RBM (a template or a fitted one) with other than binary hidden units
    where ``owner``'s layers are binary."""
    rbm = getattr(rbm, "estimator", rbm)
    if getattr(rbm, "hidden", "bernoulli") != "bernoulli":
        raise ValueError(
            f"{owner}'s hidden layers are binary; {role} has hidden={rbm.hidden!r}. "
            "Give it hidden='bernoulli'."
        )


def layer_features(rbm, X, dtype):
    """A fitted layer's features of ``X`` as an array in ``dtype``, whatever output
    container ``set_output`` or the global configuration asks of transformers
    (those are for the caller's outputs, not for a stack's inner data)."""
    with config_context(transform_output="default"):
        return rbm.transform(X).astype(dtype)


def leaves_unit_interval(X):
    """Whether data need Gaussian visible units: some value outside [0, 1]."""
    return bool(X.min() < 0 or X.max() > 1)


def rbm_as_decoder(rbm, linear):
    """The transposed RBM as a layer from its hidden to its visible units
    (:func:`decoder_layer` of its weights and visible biases)."""
    estimator = getattr(rbm, "estimator", rbm)
    W = np.asarray(estimator.components_, dtype=float)
    b = np.asarray(estimator.intercept_visible_, dtype=float)
    return decoder_layer(W, b, linear, *visible_standardisation(estimator))


def decoder_layer(W, b, linear, mean=None, scale=None):
    """``(W, b)`` of shape ``(n_upper, n_lower)``, the downward conditional of a layer
    given the one above, as a feed-forward layer.

    Bernoulli lower units give ``logit = b + h W``. A hidden decoder layer
    applies the logistic to it; the linear output layer of the regressor
    starts from its first-order expansion ``logistic(a) ~ 1/2 + a/4``. Gaussian
    lower units (``mean`` and ``scale`` of their standardisation given) give
    standardised values, mapped back to the data's units.
    """
    if scale is not None:
        return W * scale, mean + b * scale
    if linear:
        return W / 4, 0.5 + b / 4
    return W, b


def rbm_as_layer(rbm, n_inputs, n_outputs):
    """An RBM's hidden layer as ``(W, b)`` acting on raw inputs (:func:`encoder_layer`)."""
    estimator = getattr(rbm, "estimator", rbm)  # a FrozenEstimator wraps the fitted RBM
    W = np.asarray(estimator.components_, dtype=float).T
    c = np.asarray(estimator.intercept_hidden_, dtype=float)
    if W.shape != (n_inputs, n_outputs):
        raise ValueError(
            f"A pretrained RBM has {W.shape[0]} visible and {W.shape[1]} hidden units; "
            f"its layer needs {n_inputs} and {n_outputs}."
        )
    return encoder_layer(W, c, *visible_standardisation(estimator))


def encoder_layer(W, c, mean=None, scale=None):
    """``(W, c)`` of shape ``(n_inputs, n_outputs)``, the upward input of a layer, acting
    on raw inputs: the standardisation of Gaussian visible units (``mean`` and
    ``scale`` given) folded into the weights and biases."""
    if scale is not None:
        c = c - (mean / scale) @ W
        W = W / scale[:, None]
    return W, c


def visible_standardisation(model):
    """``(mean, scale)`` of a model with Gaussian visible units, as floats; ``(None, None)``
    for Bernoulli ones."""
    if getattr(model, "visible", "bernoulli") != "gaussian":
        return None, None
    return model.mean_.astype(float), model.scale_.astype(float)

"""Log partition functions: exact enumeration and annealed importance sampling.

Both work on any model whose unnormalised log-probability can be evaluated on a
batch of states; the estimators supply that function (and, for AIS, a transition
operator), so each model's algebra stays in its own module.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp
from sklearn.utils.validation import check_is_fitted

from ._progress import current as current_progress
from ._progress import reporting
from ._units import UNITS
from ._validation import check_count, check_rows_memory
from .exceptions import AISWarning

#: Largest layer ``"auto"`` enumerates exactly (2**20 states, a second or two).
MAX_AUTO_EXACT_UNITS = 20
#: Largest layer anyone may enumerate (2**26 states: minutes, not hours).
MAX_EXACT_UNITS = 26


@dataclass(frozen=True)
class LogPartition:
    """An estimate of ``log Z`` and its uncertainty.

    Attributes
    ----------
    log_z : float
        The estimate (exact when ``method == "exact"``).
    std : float
        Standard error of ``log_z`` (0 when exact). For AIS it is the delta-method
        error of the log of the mean importance weight.
    lower, upper : float
        ``log(mean weight -/+ 3 standard errors)`` plus the base ``log Z``, the
        interval Salakhutdinov & Murray (2008) report; equal to ``log_z`` when exact.
        ``lower`` is ``-inf`` when three standard errors exceed the mean.
    method : str
        ``"exact"``, ``"ais"`` or ``"reverse ais"``.
    n_betas, n_runs : int
        The AIS settings (0 when exact).
    effective_runs : float
        Effective sample size of the AIS importance weights,
        ``(sum w)**2 / sum w**2``: ``n_runs`` when all runs agree, near 1 when one
        run dominates, in which case the estimate is unreliable and most likely
        too low (AIS underestimates ``log Z`` when its chains miss modes).

    Examples
    --------
    >>> import numpy as np
    >>> from skenergy import RestrictedBM
    >>> rbm = RestrictedBM(n_components=4, max_iter=5, random_state=0).fit(np.eye(6))
    >>> estimate = rbm.log_partition()  # 4 hidden units: enumerated exactly
    >>> estimate.method, estimate.std
    ('exact', 0.0)
    """

    log_z: float
    std: float = 0.0
    lower: float = None
    upper: float = None
    method: str = "exact"
    n_betas: int = 0
    n_runs: int = 0
    effective_runs: float = 0.0

    def __post_init__(self):
        if self.lower is None:
            object.__setattr__(self, "lower", self.log_z)
        if self.upper is None:
            object.__setattr__(self, "upper", self.log_z)


#: Below this fraction of effective AIS runs, an estimate warns (the MNIST runs
#: that set it are in docs/performance.rst).
MIN_EFFECTIVE_RUN_FRACTION = 0.03


def draw_ais_seed(rng):
    """The seed of a fitted model's AIS estimates, drawn once from its training
    generator: the estimates are reproducible and leave that generator alone."""
    return int(rng.integers(np.iinfo(np.int32).max))


def partition_method(partition, n_units, what):
    """``"exact"`` or ``"ais"`` for an estimator's ``partition`` parameter.

    ``"auto"`` enumerates up to ``MAX_AUTO_EXACT_UNITS`` units; ``"exact"`` checks
    that the ``n_units`` of ``what`` can be enumerated.
    """
    if partition == "auto":
        return "exact" if n_units <= MAX_AUTO_EXACT_UNITS else "ais"
    if partition == "exact":
        check_enumerable(n_units, what)
    return partition


def cached_log_partition(estimator, method, compute):
    """The contract of every ``log_partition`` method: a :class:`LogPartition`,
    computed by ``compute(method)`` once per fitted model and setting, and cached
    in ``estimator._log_partition_cache`` (which fitting clears). An AIS estimate
    carried by few runs raises an :class:`~skenergy.exceptions.AISWarning`.

    AIS estimates use the estimator's ``_ais_seed``, drawn once when it is
    fitted: reproducible, and the model's sampling generator is left alone.
    """
    key = f"{method}, {estimator.n_betas} betas, {estimator.n_runs} runs"  # plain keys persist
    cache = estimator.__dict__.setdefault("_log_partition_cache", {})
    if key not in cache:
        with reporting(estimator):
            cache[key] = compute(method)
        if cache[key].method != "exact":
            warn_if_unreliable(cache[key])
    return cache[key]


def ais_bracket(estimator, n_steps, reverse_from):
    """The contract of every ``log_partition_bounds``: forward AIS (cached, shared with
    ``log_partition``) and reverse AIS, ``reverse_from(n_steps, rng)``, which runs
    the model's persistent chains ``n_steps`` more steps and anneals their states
    down to the base model, on a generator seeded from the estimator's AIS seed."""
    check_is_fitted(estimator)
    check_count(n_steps, "n_steps", minimum=0)
    check_rows_memory(estimator, estimator.n_runs, "n_runs")
    forward = cached_log_partition(estimator, "ais", estimator._compute_log_partition)
    with reporting(estimator):
        reverse = reverse_from(n_steps, np.random.default_rng([estimator._ais_seed, 1]))
    return forward, reverse


def warn_if_unreliable(estimate):
    """Warn when fewer than 3% of the AIS runs carry the estimate."""
    if estimate.effective_runs < MIN_EFFECTIVE_RUN_FRACTION * estimate.n_runs:
        warnings.warn(
            f"The AIS estimate of log Z ({estimate.log_z:.2f}) rests on "
            f"{estimate.effective_runs:.1f} effective runs out of {estimate.n_runs}: "
            "a few runs dominate, so log Z is probably too low and the log-likelihood "
            "too high. Increase n_betas (and n_runs) until two estimates agree (for an "
            "RBM, until forward and reverse AIS agree: log_partition_bounds()).",
            AISWarning,
            stacklevel=3,
        )


def check_enumerable(n_units, what):
    """Raise a ValueError when ``2**n_units`` states are too many to enumerate."""
    if n_units > MAX_EXACT_UNITS:
        raise ValueError(
            f"Cannot enumerate the {what}: {n_units} units means 2**{n_units} states, "
            f"more than the limit of 2**{MAX_EXACT_UNITS}. Estimate log Z by "
            "annealed importance sampling instead (partition='ais' or 'auto')."
        )


def exact_log_partition(log_unnormalised, n_units, units=None, dtype=np.float64, chunk=1 << 14):
    """``log sum_s exp(log_unnormalised(s))`` over all states of a layer of ``n_units``.

    ``units`` (a unit type of :mod:`skenergy._units`; binary by default) lists the
    states; ``log_unnormalised`` maps a ``(n_states, n_units)`` array of them to
    their log weights. States are visited in chunks, so memory stays bounded.
    """
    units = UNITS["bernoulli"] if units is None else units
    n_states = units.n_states(n_units)
    parts = [
        logsumexp(log_unnormalised(units.states(n_units, lo, min(lo + chunk, n_states), dtype)))
        for lo in range(0, n_states, chunk)
    ]
    return LogPartition(log_z=float(logsumexp(parts)))


def annealed_importance_sampling(
    state, log_z_base, log_ratio, transition, betas, rng, reverse=False
):
    """Estimate ``log Z`` of a target model by annealed importance sampling.

    Forward (the default), chains start from exact samples of the base
    distribution (inverse temperature 0) and the estimate is a stochastic lower
    bound: ``E[log Z_hat] <= log Z``. Reverse, chains start from samples of the
    target (inverse temperature 1) and anneal down to the base; when those
    samples are exact the estimate is a stochastic upper bound. Together they
    bracket ``log Z`` (bidirectional Monte Carlo, Grosse et al. 2015).

    Parameters
    ----------
    state : object
        ``n_runs`` independent samples of the starting distribution, in whatever
        form ``log_ratio`` and ``transition`` take (a model may carry cached
        activations along with the states).
    log_z_base : float
        The base distribution's exact log partition function.
    log_ratio : callable ``(state, beta_from, beta_to) -> ndarray (n_runs,)``
        ``log p*_to(state) - log p*_from(state)`` for the unnormalised intermediate
        distributions, computed in float64.
    transition : callable ``(state, beta, rng) -> state``
        A Markov step that leaves the intermediate distribution at ``beta`` invariant.
    betas : ndarray
        Increasing inverse temperatures from 0 to 1 (:func:`skenergy._sampling.ais_betas`).
    rng : numpy.random.Generator
    reverse : bool, default=False
        Anneal from the target down to the base.

    Returns
    -------
    LogPartition
    """
    # Python floats: a float64 scalar would turn a model's float32 states into
    # float64 (NumPy 2 promotion), and every product would cast the weights.
    path = np.asarray(betas, dtype=float)[:: -1 if reverse else 1].tolist()
    log_w = 0.0
    progress = current_progress()
    direction = "reverse AIS" if reverse else "AIS"
    tracker = progress and progress.milestones(f"{direction}, temperatures", len(path) - 1)
    start = time.perf_counter()
    for step, (beta_from, beta_to) in enumerate(zip(path[:-1], path[1:], strict=True)):
        log_w += log_ratio(state, beta_from, beta_to)
        if step < len(path) - 2:
            state = transition(state, beta_to, rng)
        if tracker:
            tracker.reached(step + 1)
    estimate = _summarise_log_weights(
        np.asarray(log_w, dtype=float), log_z_base, len(betas), reverse
    )
    if progress:
        progress.line(
            f"{direction}: log Z = {estimate.log_z:.2f} +/- {estimate.std:.2f} "
            f"({estimate.n_betas} temperatures x {estimate.n_runs} runs, "
            f"{estimate.effective_runs:.0f} effective; {time.perf_counter() - start:.1f}s)"
        )
    return estimate


def _summarise_log_weights(log_w, log_z_base, n_betas, reverse):
    """The estimate from the log importance weights (their mean estimates Z / Z_base,
    or its inverse for reverse annealing)."""
    n_runs = log_w.shape[0]
    shift = log_w.max()
    w = np.exp(log_w - shift)
    mean = w.mean()
    se = w.std(ddof=1) / np.sqrt(n_runs) if n_runs > 1 else np.inf
    sign = -1.0 if reverse else 1.0
    log_z = log_z_base + sign * (shift + np.log(mean))
    with np.errstate(divide="ignore"):
        bounds = sorted(
            log_z_base + sign * (shift + np.log(m))
            for m in (max(mean - 3 * se, 0.0), mean + 3 * se)
        )
    return LogPartition(
        log_z=float(log_z),
        std=float(se / mean),
        lower=float(bounds[0]),
        upper=float(bounds[1]),
        method="reverse ais" if reverse else "ais",
        n_betas=int(n_betas),
        n_runs=int(n_runs),
        effective_runs=float(w.sum() ** 2 / (w * w).sum()),
    )

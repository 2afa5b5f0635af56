"""The one epoch loop that trains every trainable estimator.

An estimator describes its training call as a :class:`Training` (how to take one
minibatch step, what to do at the end of an epoch, its parameters) and
:func:`run_epochs` does the rest, the same way for every model:

- minibatches of at most ``batch_size`` rows in a fresh random order each epoch
  (the last one smaller when ``batch_size`` does not divide the rows, as in
  scikit-learn's MLP and ``BernoulliRBM``);
- the learning rate of each update from its schedule (:func:`~skenergy._optim.learning_rate_at`),
  momentum warmed up over the first epochs where the model asks for it;
- Ctrl-C stops after the current minibatch and keeps the model usable
  (:class:`~skenergy._optim.interruptible`);
- after each epoch, parameters that became NaN, infinite or larger than any
  working model holds, or a training criterion that is not finite, stop the fit
  with a ValueError naming the settings and the way out (the estimator's guard
  then puts the model back as it was);
- ``n_iter_`` counts the epochs; the epoch's criteria go to the estimator's
  curves and, with ``verbose``, to one line: ``[Name] Iteration n/N: criterion =
  value, ..., time = s, elapsed s, about s left``; ``verbose=2`` adds the
  learning rate and momentum, and progress lines within epochs of 20 minibatches
  or more (at each quarter);
- early stopping on a score that must improve by ``tol`` within
  ``n_iter_no_change`` epochs, the best parameters kept and restored;
- or parameter averaging: the model ends as the mean of its parameters at the
  ends of the call's last epochs (:class:`ParameterAverage`);
- BLAS on one thread when the model's products are small.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.utils import gen_batches

from ._blas import threads_for
from ._optim import interruptible, learning_rate_at, momentum_at
from ._progress import Progress, remaining
from ._validation import DIVERGED_MAGNITUDE, check_not_diverged

#: The minibatch size the MLP's ``batch_size="auto"`` stands for, as in scikit-learn's.
AUTO_BATCH_ROWS = 200

#: The energy models' ``"auto"`` schedule: minibatches of a hundredth of the rows
#: within these bounds (Hinton's practical guide: 10 to 100 rows), ...
ADAPTIVE_BATCH_ROWS = (10, 100)
#: ... and epochs enough for this many minibatch updates, within these bounds.
#: On MNIST (60,000 rows) that is 20 epochs of 100 rows, the settings the RBM
#: literature trains with; on scikit-learn's digits (1,437 training rows) 98
#: epochs of 14, where 20 epochs of 100 rows (144 updates in all) barely move the
#: weights (benchmarks/bench_defaults.py measures both).
ADAPTIVE_UPDATES = 10_000
ADAPTIVE_EPOCHS = (20, 100)


def batch_rows(batch_size, n_rows, adaptive=False):
    """Rows per minibatch: ``batch_size``, at most ``n_rows``. ``"auto"`` is 200
    rows (scikit-learn's MLP) or, for the energy models (``adaptive``), a hundredth
    of the rows within :data:`ADAPTIVE_BATCH_ROWS`."""
    if batch_size == "auto":
        low, high = ADAPTIVE_BATCH_ROWS
        batch_size = min(max(n_rows // 100, low), high) if adaptive else AUTO_BATCH_ROWS
    return min(batch_size, n_rows)


def epochs_for(max_iter, n_rows, batch_size):
    """Epochs of a fit: ``max_iter``, or for ``"auto"`` those that make
    :data:`ADAPTIVE_UPDATES` minibatch updates of ``batch_size`` rows over
    ``n_rows`` rows, within :data:`ADAPTIVE_EPOCHS`."""
    if max_iter != "auto":
        return max_iter
    low, high = ADAPTIVE_EPOCHS
    n_batches = -(-n_rows // batch_size)
    return min(max(-(-ADAPTIVE_UPDATES // n_batches), low), high)


class AdaptiveScheduleMixin:
    """The energy models' reading of ``batch_size``, ``max_iter`` and ``n_chains``,
    with the adaptive ``"auto"`` rule (:func:`batch_rows`, :func:`epochs_for`)."""

    def _batch_rows(self, n_rows):
        return batch_rows(self.batch_size, n_rows, adaptive=True)

    def _n_chains(self, n_rows):
        """Persistent chains: ``n_chains``, or as many as rows per minibatch."""
        return self.n_chains or self._batch_rows(n_rows)

    def _schedule(self, n_rows, n_epochs):
        """``(rows per minibatch, epochs)`` of a training call over ``n_rows`` rows
        asked for ``n_epochs`` (an int, or ``"auto"``)."""
        batch = self._batch_rows(n_rows)
        return batch, epochs_for(n_epochs, n_rows, batch)


@dataclass
class Training:
    """One training call of an estimator, as the loop sees it.

    Attributes
    ----------
    update : callable ``(rows, learning_rate, momentum) -> None``
        One minibatch step on the training rows ``rows`` (indices).
    end_epoch : callable ``(interrupted) -> dict``
        Called after the epoch's last step: brings the estimator's attributes up
        to date and returns the epoch's criteria, ``{name: value}``, in the order
        the verbose line prints them.
    parameters : callable ``() -> list of ndarray``
        The arrays checked for divergence (and, with early stopping, copied as
        the best so far).
    restore : callable ``(list of ndarray) -> None`` or None
        Puts back parameters copied from :attr:`parameters` (early stopping).
    divergence_hint : str
        Appended to the divergence error: what to change.
    shuffle : bool
        Visit the rows in a fresh random order each epoch (else in order).
    loss_bound : float
        A training loss (the first criterion) beyond this means training diverged.
    parameter_bound : float
        Parameters beyond this magnitude mean training diverged (inf: only NaN
        and infinity do, for models whose outputs have the targets' scale).
    learning_rate, schedule : float, str
        See :func:`~skenergy._optim.learning_rate_at`.
    momentum : float
    warm_up_momentum : bool
        Raise momentum from 0.5 over the first epochs (the RBM practice).
    multiply_adds : int or None
        Size of the largest matrix product of a step: below
        :data:`~skenergy._blas.SMALL_PRODUCT` the loop runs BLAS on one thread.
    average : float
        Fraction of the call's epochs, the last ones, whose end-of-epoch
        parameters are averaged into the model (:class:`ParameterAverage`; 0: none).
        Needs :attr:`restore`.
    """

    update: Callable
    end_epoch: Callable
    parameters: Callable
    learning_rate: float
    schedule: str = "constant"
    momentum: float = 0.0
    warm_up_momentum: bool = False
    restore: Callable | None = None
    divergence_hint: str = "use a smaller one."
    parameter_bound: float = DIVERGED_MAGNITUDE
    loss_bound: float = np.inf
    shuffle: bool = True
    multiply_adds: int | None = None
    average: float = 0.0


class ParameterAverage:
    """The mean of the parameters at the ends of a call's last epochs.

    Polyak-Ruppert averaging, taken at epoch ends: the parameters after each of
    the last ``ceil(fraction * n_epochs)`` epochs are summed (in float64) and their
    mean replaces the last ones when the call ends, interrupted or not. The
    stochastic steps' noise that the learning rate leaves in the last iterate
    averages out (Swersky et al. 2010 found iterate averaging a large gain for
    PCD). With a learning rate decaying to zero, a short window (the last tenth
    of the epochs) is what helps: a long one averages in models still far from
    the final one (the user guide's measurements).
    """

    def __init__(self, fraction, n_epochs):
        self.first_epoch = n_epochs - math.ceil(fraction * n_epochs)
        self.sums, self.count = None, 0

    def add(self, epoch, parameters):
        """Add the parameters after ``epoch`` (of this call) if it is in the window."""
        if epoch < self.first_epoch:
            return
        if self.sums is None:
            self.sums = [np.zeros(p.shape) for p in parameters]
        for total, p in zip(self.sums, parameters, strict=True):
            total += p
        self.count += 1

    def mean(self, like):
        """The averaged parameters, in the dtypes of ``like`` (the current ones); the
        sums are divided in place, so this is called once."""
        return [
            np.divide(total, self.count, out=total).astype(p.dtype)
            for total, p in zip(self.sums, like, strict=True)
        ]


@dataclass
class EarlyStopping:
    """Stop when ``criterion`` has not improved by ``tol`` for ``patience`` epochs
    (improved: risen, or fallen with ``higher_is_better=False``); with ``keep_best``
    the best epoch's parameters are restored at the end."""

    criterion: str
    tol: float
    patience: float
    higher_is_better: bool = True
    keep_best: bool = True
    best_score: float | None = None
    best_parameters: Any = None
    no_change: int = field(default=0)

    def should_stop(self, score, training):
        score = score if self.higher_is_better else -score
        if self.best_score is None or score > self.best_score + self.tol:
            self.best_score, self.no_change = score, 0
            if self.keep_best:
                self.best_parameters = [np.copy(p) for p in training.parameters()]
            return False
        self.no_change += 1
        return self.no_change >= self.patience


@dataclass
class Outcome:
    """How a call of :func:`run_epochs` ended."""

    n_epochs: int = 0
    stopped_early: bool = False
    interrupted: bool = False


def run_epochs(
    estimator, training, n_rows, n_epochs, batch_size, rng, stopping=None, incremental=False
):
    """Train ``estimator`` for up to ``n_epochs`` epochs over ``n_rows`` rows.

    ``estimator.n_iter_`` counts the epochs completed; ``estimator.verbose`` prints
    one line per epoch, named by ``estimator.loop_name`` where it has one (a stage
    of a larger fit), else by its class. Returns an :class:`Outcome`.

    Ctrl-C stops after the current minibatch. A ``fit`` keeps what it learned, and
    an epoch cut short is not counted; an ``incremental`` call (``partial_fit``)
    raises KeyboardInterrupt, so that the caller's loop over chunks stops, and
    ``guarded_fit`` puts the model back as it was before the call.
    """
    name = getattr(estimator, "loop_name", type(estimator).__name__)
    progress = Progress(name, estimator.verbose or 0)
    n_batches = -(-n_rows // batch_size)
    n_updates = n_epochs * n_batches
    planned = estimator.n_iter_ + n_epochs
    outcome = Outcome()
    averaging = ParameterAverage(training.average, n_epochs) if training.average else None
    started = time.perf_counter()
    with threads_for(training.multiply_adds), interruptible(name) as interrupt:
        for epoch in range(n_epochs):
            start = time.perf_counter()
            within = progress.milestones(
                f"epoch {estimator.n_iter_ + 1}, minibatches", n_batches, level=2
            ) if n_batches >= 20 else None  # fmt: skip
            momentum = training.momentum
            if training.warm_up_momentum:
                momentum = momentum_at(estimator.n_iter_, momentum)
            order = rng.permutation(n_rows) if training.shuffle else np.arange(n_rows)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is checked below
                for i, rows in enumerate(gen_batches(n_rows, batch_size)):
                    step = epoch * n_batches + i
                    lr = learning_rate_at(
                        step, n_updates, training.learning_rate, training.schedule
                    )
                    training.update(order[rows], lr, momentum)
                    if within:
                        within.reached(i + 1)
                    if interrupt.requested:
                        break
                outcome.interrupted = interrupt.requested
                if outcome.interrupted and incremental:
                    raise KeyboardInterrupt
                completed = not outcome.interrupted or i == n_batches - 1
                criteria = training.end_epoch(outcome.interrupted)
            check_not_diverged(
                name,
                training.parameters(),
                criteria.values(),
                training.parameter_bound,
                f"learning_rate={training.learning_rate}: {training.divergence_hint}",
                loss_bound=training.loss_bound,
            )
            estimator.n_iter_ += completed
            outcome.n_epochs += completed
            if averaging is not None:
                averaging.add(epoch, training.parameters())
            if estimator.verbose:
                criteria_shown = dict(criteria)
                if estimator.verbose >= 2:
                    criteria_shown.update({"learning rate": lr, "momentum": momentum})
                report_epoch(
                    progress, estimator.n_iter_, planned, (epoch + 1, n_epochs), criteria_shown,
                    time.perf_counter() - start, time.perf_counter() - started,
                )  # fmt: skip
            if stopping is not None and stopping.should_stop(
                criteria[stopping.criterion], training
            ):
                outcome.stopped_early = True
            if outcome.stopped_early or outcome.interrupted:
                break
    if stopping is not None and stopping.best_parameters is not None:
        training.restore(stopping.best_parameters)
    elif averaging is not None and averaging.count > 1:
        training.restore(averaging.mean(training.parameters()))
    return outcome


def report_epoch(progress, iteration, planned, in_call, criteria, seconds, elapsed):
    """The verbose line of an epoch: ``[Name] Iteration n/N: criterion = value, ...,
    time = s, elapsed s, about s left``: ``n`` epochs completed of the ``N`` this call
    will have run, the rest estimated from this call's ``in_call = (done, total)``."""
    values = "".join(f"{key} = {value:.6g}, " for key, value in criteria.items())
    progress.line(
        f"Iteration {iteration}/{planned}: {values}time = {seconds:.2f}s, "
        f"{remaining(*in_call, elapsed)}"
    )

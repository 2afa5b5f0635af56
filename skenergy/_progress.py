"""Progress lines of long work: what ``verbose`` prints, in one format.

Every line starts with the name of what runs in brackets (an estimator, or a
stage of a larger fit such as ``[DeepBoltzmannMachine pretraining, layer 1]``)
and ends, where the amount of work is known, with the time elapsed and an
estimate of the rest: ``elapsed <seconds>s, about <seconds>s left``.

Training reports through the epoch loop (:mod:`skenergy._loop`). Work that has
no estimator of its own to ask, such as an AIS estimate of ``log Z``, reports to
the :func:`reporting` context its estimator opened: the estimator's ``verbose``
reaches the annealing loop without every function passing it along.
"""

import contextvars
import time
from contextlib import contextmanager

_CURRENT = contextvars.ContextVar("skenergy_progress", default=None)


def remaining(done, total, elapsed):
    """``elapsed <seconds>s, about <seconds>s left`` after ``done`` of ``total`` units
    of work, the rest estimated at the rate so far."""
    text = f"elapsed {elapsed:.1f}s"
    if 0 < done < total:
        left = elapsed / done * (total - done)
        text += f", about {left:.1f}s left" if left < 10 else f", about {left:.0f}s left"
    return text


class Progress:
    """Prints progress lines for ``name`` at a verbosity ``verbose``."""

    def __init__(self, name, verbose):
        self.name, self.verbose = name, verbose

    def line(self, text, level=1):
        """Print ``[name] text`` when ``verbose`` reaches ``level``."""
        if self.verbose >= level:
            print(f"[{self.name}] {text}", flush=True)

    def milestones(self, what, total, parts=4, level=1):
        """A tracker that prints ``what: k/total (x%), elapsed, about ... left`` at
        ``parts`` evenly spaced points of the work (None when nothing would print)."""
        if self.verbose < level or total < parts:
            return None
        return _Milestones(self, what, total, parts, level)


class _Milestones:
    def __init__(self, progress, what, total, parts, level):
        self.progress, self.what, self.total, self.level = progress, what, total, level
        self.marks = {round(total * k / parts) for k in range(1, parts)}
        self.start = time.perf_counter()

    def reached(self, done):
        """Report when ``done`` units of work is one of the marks."""
        if done in self.marks:
            elapsed = time.perf_counter() - self.start
            self.progress.line(
                f"{self.what}: {done}/{self.total} ({100 * done / self.total:.0f}%), "
                f"{remaining(done, self.total, elapsed)}",
                self.level,
            )


@contextmanager
def reporting(estimator):
    """Make ``estimator``'s verbosity the one :func:`current` answers inside."""
    verbose = getattr(estimator, "verbose", 0) or 0
    progress = Progress(type(estimator).__name__, int(verbose)) if verbose else None
    token = _CURRENT.set(progress)
    try:
        yield progress
    finally:
        _CURRENT.reset(token)


def current():
    """The :class:`Progress` of the estimator whose work runs now (None: quiet)."""
    return _CURRENT.get()

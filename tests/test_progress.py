"""What ``verbose`` prints: a line per epoch with the time elapsed and an estimate of
the rest at ``verbose=1``, more at ``verbose=2``, and progress of the long work that
is not training (AIS estimates of log Z, forward and reverse; pretraining layers)."""

import re
import warnings

import pytest
from sklearn.datasets import load_digits

from skenergy import (
    BackpropMLPClassifier,
    DeepBeliefNetwork,
    DeepBoltzmannMachine,
    RestrictedBM,
)
from skenergy._progress import remaining


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16, y[:400]


def lines(capsys):
    return capsys.readouterr().out.splitlines()


def test_remaining_time_is_the_rate_so_far_times_the_work_left():
    assert remaining(1, 4, 2.0) == "elapsed 2.0s, about 6.0s left"
    assert remaining(10, 20, 30.0) == "elapsed 30.0s, about 30s left"
    assert remaining(4, 4, 8.0) == "elapsed 8.0s"  # done: nothing left to estimate


def test_verbose_zero_prints_nothing(digits, capsys):
    X, _ = digits
    rbm = RestrictedBM(8, max_iter=2, n_betas=200, n_runs=10, random_state=0).fit(X)
    rbm.log_partition()
    assert capsys.readouterr().out == ""


def test_verbose_one_reports_each_epoch_with_time_left(digits, capsys):
    X, _ = digits
    RestrictedBM(8, max_iter=4, batch_size=10, verbose=1, random_state=0).fit(X)
    epochs = lines(capsys)
    assert [re.match(r"\[RestrictedBM\] Iteration (\d+)/4: ", e).group(1) for e in epochs] == [
        "1", "2", "3", "4",
    ]  # fmt: skip
    assert all("elapsed" in e and "s left" in e for e in epochs[:-1])
    assert "s left" not in epochs[-1] and "learning rate" not in epochs[0]


def test_a_warm_start_counts_on_from_the_epochs_run(digits, capsys):
    X, _ = digits
    rbm = RestrictedBM(8, max_iter=2, warm_start=True, random_state=0).fit(X)
    rbm.set_params(verbose=1).fit(X)
    assert [e.split(":")[0] for e in lines(capsys)] == [
        "[RestrictedBM] Iteration 3/4", "[RestrictedBM] Iteration 4/4",
    ]  # fmt: skip


def test_verbose_two_adds_the_step_and_progress_within_epochs(digits, capsys):
    X, _ = digits
    RestrictedBM(8, max_iter=2, batch_size=10, verbose=2, random_state=0).fit(X)
    printed = lines(capsys)
    epochs = [e for e in printed if "Iteration" in e]
    within = [e for e in printed if "minibatches" in e]
    assert len(epochs) == 2 and all("learning rate = " in e and "momentum = " in e for e in epochs)
    # 40 minibatches per epoch: a line at each quarter but the last, before the epoch's
    assert [w.split(": ")[1].split(" ")[0] for w in within] == ["10/40", "20/40", "30/40"] * 2


def test_ais_reports_its_progress_forward_and_reverse(digits, capsys):
    X, _ = digits
    rbm = RestrictedBM(30, max_iter=1, n_betas=400, n_runs=10, random_state=0).fit(X)
    rbm.set_params(verbose=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rbm.log_partition_bounds(n_steps=5)
    printed = lines(capsys)
    forward = [p for p in printed if p.startswith("[RestrictedBM] AIS")]
    reverse = [p for p in printed if p.startswith("[RestrictedBM] reverse AIS")]
    for annealing in (forward, reverse):
        assert len(annealing) == 4  # three milestones, then the estimate
        assert "25%" in annealing[0] and "s left" in annealing[0]
        assert "log Z = " in annealing[-1] and "400 temperatures x 10 runs" in annealing[-1]


def test_scoring_reports_the_log_partition_it_computes(digits, capsys):
    X, _ = digits
    rbm = RestrictedBM(30, max_iter=1, n_betas=400, n_runs=10, verbose=1, random_state=0)
    rbm.fit(X)  # 30 hidden units: AIS, not enumeration
    capsys.readouterr()
    rbm.score(X)
    assert any("AIS: log Z = " in p for p in lines(capsys))
    rbm.score(X)  # cached: no work, no line
    assert lines(capsys) == []


def test_pretraining_announces_each_layer_and_reports_its_epochs(digits, capsys):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two epochs: not converged, barely trained
        BackpropMLPClassifier(
            (16, 8), max_iter=1, pretrain=RestrictedBM(max_iter=2), verbose=1, random_state=0
        ).fit(X, y)
    printed = lines(capsys)
    assert printed[0] == "[BackpropMLPClassifier] Pretraining layer 1: 64 -> 16 units"
    assert "[BackpropMLPClassifier] Pretraining layer 2: 16 -> 8 units" in printed
    assert sum(p.startswith("[RestrictedBM] Iteration") for p in printed) == 4
    assert printed[-1].startswith("[BackpropMLPClassifier] Iteration 1/1: loss = ")
    DeepBeliefNetwork((16, 8), rbm=RestrictedBM(max_iter=1), verbose=1, random_state=0).fit(X)
    assert [p for p in lines(capsys) if "Layer" in p] == [
        "[DeepBeliefNetwork] Layer 1: 64 -> 16 units", "[DeepBeliefNetwork] Layer 2: 16 -> 8 units",
    ]  # fmt: skip
    DeepBoltzmannMachine((16, 8), pretrain=RestrictedBM(max_iter=1), max_iter=1, verbose=1).fit(X)
    names = {p.split("]")[0] + "]" for p in lines(capsys)}
    assert names == {
        "[DeepBoltzmannMachine pretraining, layer 1]",
        "[DeepBoltzmannMachine pretraining, layer 2]",
        "[DeepBoltzmannMachine]",
    }


def test_lbfgs_reports_each_iteration_like_the_epoch_loop(digits, capsys):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BackpropMLPClassifier((8,), solver="lbfgs", max_iter=3, verbose=1).fit(X, y)
    printed = lines(capsys)
    assert [p.split(":")[0] for p in printed] == [
        f"[BackpropMLPClassifier] Iteration {n}/3" for n in (1, 2, 3)
    ]
    assert "loss = " in printed[0] and "s left" in printed[0]

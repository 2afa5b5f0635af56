import re

import numpy as np
import pytest

from skenergy.__main__ import TOURS, ascii_images, main


def test_ascii_images_draws_side_by_side():
    text = ascii_images([np.zeros(4), np.ones(4)], shape=(2, 2))
    assert text.splitlines() == ["       @@@@", "       @@@@"]


@pytest.mark.slow
def test_tour_runs_and_reports(capsys, monkeypatch):
    # The README's first command: a tour that fits each model and prints what it did.
    main([])
    out = capsys.readouterr().out
    accuracy = dict(
        (match.group(1), float(match.group(2)))
        for match in re.finditer(r"^    (raw pixels[^:]*|RBM features):\s+([\d.]+)$", out, re.M)
    )
    # The RBM's features add to the pixels (their own story, told plainly).
    assert accuracy["raw pixels and RBM features"] > accuracy["raw pixels"] + 0.005
    assert "log-likelihood" in out and "AIS, temperatures: " in out  # progress inside
    assert out.strip().splitlines()[-1].startswith("tour finished in ")
    recall = {
        line.split("exact recall:")[0].strip(): float(line.split("exact recall:")[1].split()[0])
        for line in out.splitlines()
        if "exact recall:" in line
    }
    assert recall["pseudoinverse"] > 0.9 > recall["hebbian"]
    assert recall["dense, exponential"] > 0.9
    assert "ModernHopfieldClassifier" in out
    assert "KL(data || model)" in out and "Bernoulli naive Bayes" in out
    starts = dict(
        (match.group(1), (float(match.group(2)), float(match.group(3))))
        for match in re.finditer(
            r"^    (random start|RBM start) +test accuracy ([\d.]+), training loss ([\d.]+)$",
            out,
            re.M,
        )
    )
    # The pretrained start fits faster and generalises at least as well.
    assert starts["RBM start"][1] < starts["random start"][1]
    assert starts["RBM start"][0] >= starts["random start"][0]


def test_help_lists_the_options_and_runs_nothing(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--model" in out and "--quick" in out
    assert all(name in out for name in TOURS)


def test_one_part_in_quick_mode(capsys):
    main(["--model", "hopfield", "--quick"])
    out = capsys.readouterr().out
    assert "HopfieldMemory" in out and "RestrictedBM" not in out and "tour finished" in out
    with pytest.raises(SystemExit):
        main(["--model", "nonsense"])
    assert "invalid choice" in capsys.readouterr().err

import numpy as np

from skenergy.__main__ import ascii_images, main


def test_ascii_images_draws_side_by_side():
    text = ascii_images([np.zeros(4), np.ones(4)], shape=(2, 2))
    assert text.splitlines() == ["       @@@@", "       @@@@"]


def test_tour_runs_and_reports(capsys, monkeypatch):
    # The README's first command: a tour that fits each model and prints what it did.
    main()
    out = capsys.readouterr().out
    assert "RBM features + logistic regression" in out
    assert "raw pixels" in out
    assert "log-likelihood" in out
    recall = {
        line.split()[0]: float(line.split()[3])
        for line in out.splitlines()
        if "exact recall:" in line
    }
    assert recall["pseudoinverse"] > 0.9 > recall["hebbian"]
    assert "test accuracy of the retrieved labels" in out
    assert "KL(data || model)" in out and "Bernoulli naive Bayes" in out
    assert "BackpropMLPClassifier" in out and "RBM start" in out

"""Behaviour of the package that the graded checks do not cover (provided code, helpers)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch
from torch import nn

from conftest import REFERENCE

sys.path.insert(0, str(REFERENCE))
import linear_exercises as lx  # noqa: E402  (the reference solutions)
from linear_exercises import data, training  # noqa: E402

assert lx.__file__.startswith(str(REFERENCE)), lx.__file__


def test_unknown_scheme_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        lx.init_linear_(nn.Linear(3, 2), "he")
    for scheme in lx.SCHEMES:
        assert scheme in str(info.value)
    with pytest.raises(ValueError, match="std"):
        lx.init_linear_(nn.Linear(3, 2), "xavier_uniform", std=1.0)


def test_init_model_touches_every_linear_layer():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), lx.LowRankLinear(8, 8, 2), nn.Linear(8, 3))
    lx.init_model_(model, "zeros")
    assert all(torch.count_nonzero(p) == 0 for p in model.parameters())


def test_low_rank_validates_rank():
    with pytest.raises(ValueError):
        lx.LowRankLinear(10, 10, 0)
    with pytest.raises(ValueError, match="between 1 and"):
        lx.LowRankLinear.from_linear(nn.Linear(10, 4), 5)


def test_low_rank_1000_64_numbers():
    layer = lx.LowRankLinear(1000, 1000, 64)
    full = lx.linear_param_count(1000, 1000)
    assert lx.count_parameters(layer) == 129_064 and full == 1_001_000
    assert round(full / 129_064, 1) == 7.8


def test_manual_linear_bias_shape_error():
    with pytest.raises(ValueError, match=r"\(4,\)"):
        lx.manual_linear(torch.randn(2, 3), torch.randn(5, 3), torch.randn(4))


def test_weight_grid_matches_torchvision_default_layout():
    grid = lx.weight_grid(torch.randn(10, 784), (28, 28))
    assert grid.shape == (2 * 29 + 1, 5 * 29 + 1)


def test_sklearn_digits_offline(capsys):
    d = data.load_digits("sklearn")
    assert d.image_shape == (8, 8) and d.source == "sklearn-digits"
    assert len(d.x_train) + len(d.x_test) == 1797 and d.x_train.shape[1] == 64
    assert 0 <= d.x_train.min() and d.x_train.max() <= 1 and d.y_train.dtype == torch.int64
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "8x8" in out[0] and "MNIST" in out[0]


def test_auto_falls_back_to_digits_with_one_line(monkeypatch, tmp_path, capsys):
    """No MNIST on disk, no download, no shipped digits either: the 8x8 digits, said in one line."""
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    monkeypatch.setenv(data.SHIPPED_ENV, str(tmp_path))
    d = data.load_digits()
    assert d.source == "sklearn-digits"
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "t10k-images-idx3-ubyte.gz is missing" in out[0], out
    with pytest.raises(Exception):
        data.load_digits("mnist")


def test_training_is_deterministic_and_learns():
    d = data.load_digits("sklearn", verbose=False)

    def run():
        torch.manual_seed(0)
        model = training.make_mlp([64, 32, 10])
        hist = training.train(model, d.x_train, d.y_train, epochs=3, lr=0.2, seed=1,
                              x_test=d.x_test, y_test=d.y_test, progress=False)
        return hist

    a, b = run(), run()
    assert a.step_loss == b.step_loss
    assert len(a.epoch_loss) == 3 and len(a.step_loss) == 3 * -(-len(d.x_train) // 64)
    assert a.epoch_loss[-1] < a.epoch_loss[0] and a.test_accuracy[-1] > 0.8


def test_calibration_error_on_hand_made_predictions():
    from linear_exercises.calibration import expected_calibration_error, reliability_bins

    labels = torch.zeros(4, dtype=torch.long)
    sure = torch.tensor([[50.0, 0.0], [50.0, 0.0], [0.0, 50.0], [0.0, 50.0]])  # confidence 1, half right
    assert expected_calibration_error(sure, labels) == pytest.approx(0.5)
    honest = torch.tensor([[math.log(3), 0.0]] * 3 + [[0.0, math.log(3)]])  # confidence 0.75, 3 of 4 right
    assert expected_calibration_error(honest, labels) == pytest.approx(0.0, abs=1e-6)
    bins = reliability_bins(honest, labels)
    assert bins.count.tolist() == [0] * 11 + [4] + [0] * 3  # 0.75 lies in (11/15, 12/15]
    assert bins.confidence[11].item() == pytest.approx(0.75) and bins.accuracy[11].item() == 0.75
    assert expected_calibration_error(sure / 100, labels) < 0.5  # a temperature above 1 lowers it


def test_quiz_checks_an_answer(capsys):
    from linear_exercises.quiz import ask

    ask("2 + 2?", ["3", "4"], correct=1, explanation="Arithmetic.", answer=0)
    assert "the answer is '4'" in capsys.readouterr().out
    assert ask("2 + 2?", ["3", "4"], correct=1, explanation="Arithmetic.") is not None


def test_check_from_the_package_runs_the_runner(tmp_path):
    """`python -m linear_exercises param_count` on the solutions prints the report, exit 0."""
    proc = subprocess.run([sys.executable, "-m", "linear_exercises", "param_count"], cwd=tmp_path,
                          env={"PYTHONPATH": str(REFERENCE), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Exercise 2 (param_count): 2 / 2 points" in proc.stdout and not proc.stderr


def test_a_broken_exercise_file_leaves_the_others_importable(tmp_path):
    from conftest import copy_solutions

    root = copy_solutions(tmp_path)
    (root / "linear_exercises" / "low_rank.py").write_text("def broken(:\n")
    proc = subprocess.run([sys.executable, "-c", "import linear_exercises as lx; print(lx.linear_param_count(3, 2))"],
                          cwd=tmp_path, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "8"
    assert "low_rank.py could not be imported: SyntaxError" in proc.stdout

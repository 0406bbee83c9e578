"""load_digits(): full MNIST, else the shipped MNIST test digits, else the 8x8 digits (no network needed)."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import sys

import numpy as np
import pytest
import torch

from conftest import REPO, REFERENCE, load_by_path

sys.path.insert(0, str(REFERENCE))
from linear_exercises import data  # noqa: E402

SHIPPED = REPO / "datasets" / "mnist-t10k"
MNIST_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No full MNIST on disk (an empty data folder) and no downloads."""
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "no-mnist-here"))
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    monkeypatch.delenv(data.SHIPPED_ENV, raising=False)


def printed_line(capsys) -> str:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    assert "gz:" not in out[0] and "Error" not in out[0], out[0]
    return out[0]


def test_shipped_digits_are_the_default_offline(offline, capsys):
    d = data.load_digits()
    line = printed_line(capsys)
    assert d.source == "mnist-t10k" and d.image_shape == (28, 28) and d.n_features == 784
    assert d.x_train.shape == (8000, 784) and d.x_test.shape == (2000, 784)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert 0 <= d.x_train.min() and d.x_train.max() <= 1
    labels = torch.cat([d.y_train, d.y_test])
    assert torch.bincount(labels, minlength=10).tolist() == MNIST_TEST_LABEL_COUNTS
    assert torch.bincount(d.y_test, minlength=10).min() > 150  # every digit is in the test part
    assert "8,000" in d.split and "2,000" in d.split
    for words in ("28x28", "first 8,000", "last 2,000", "downloading is off"):
        assert words in line, line


def test_shipped_split_is_the_first_8000_and_the_last_2000():
    x, y = data.load_mnist_idx(SHIPPED / "t10k-images-idx3-ubyte.gz", SHIPPED / "t10k-labels-idx1-ubyte.gz")
    d = data.load_shipped_mnist(SHIPPED)
    assert torch.equal(d.x_train, x[:8000]) and torch.equal(d.x_test, x[8000:])
    assert torch.equal(d.y_train, y[:8000]) and torch.equal(d.y_test, y[8000:])


def test_checksums_in_the_code_match_the_readme_and_the_files():
    readme = (SHIPPED / "README.md").read_text()
    assert "CC BY-SA 3.0" in readme and "LeCun" in readme
    for name, sha256 in data.SHIPPED_FILES.values():
        row = next(line for line in readme.splitlines() if line.startswith(f"| {name} "))
        assert re.findall(r"\b[0-9a-f]{64}\b", row) == [sha256], row
        with gzip.open(SHIPPED / name, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha256


def damaged_copy(tmp_path, how: str):
    """A copy of the shipped folder whose image file is damaged: 'pixel' (one byte changed,
    still valid gzip) or 'truncated' (the gzip file cut short)."""
    copy = tmp_path / "mnist-t10k"
    shutil.copytree(SHIPPED, copy)
    images = copy / "t10k-images-idx3-ubyte.gz"
    if how == "pixel":
        raw = bytearray(gzip.decompress(images.read_bytes()))
        raw[5000] ^= 0xFF
        images.write_bytes(gzip.compress(bytes(raw)))
    else:
        images.write_bytes(images.read_bytes()[:100_000])
    return copy


@pytest.mark.parametrize("how", ["pixel", "truncated"])
def test_a_damaged_file_gives_a_clear_error_and_load_digits_falls_back(how, offline, monkeypatch, tmp_path, capsys):
    copy = damaged_copy(tmp_path, how)
    with pytest.raises(data.DamagedFileError) as info:
        data.load_shipped_mnist(copy)
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz is damaged" in message and "fresh copy" in message
    if how == "pixel":
        assert "checksum" in message

    monkeypatch.setenv(data.SHIPPED_ENV, str(copy))
    d = data.load_digits()
    line = printed_line(capsys)
    assert d.source == "sklearn-digits" and d.image_shape == (8, 8)
    assert "8x8" in line and "t10k-images-idx3-ubyte.gz is damaged" in line, line
    with pytest.raises(data.DamagedFileError):
        data.load_digits("mnist-t10k")


def test_missing_shipped_files_fall_back_to_the_8x8_digits(offline, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(data.SHIPPED_ENV, str(tmp_path))
    d = data.load_digits()
    line = printed_line(capsys)
    assert d.source == "sklearn-digits" and "is missing" in line and "8x8" in line, line


@pytest.mark.parametrize("package", ["linear_exercises", "release/course/linear_exercises"])
def test_the_shipped_folder_is_found_from_the_package(package, monkeypatch, tmp_path):
    monkeypatch.delenv(data.SHIPPED_ENV, raising=False)
    if package.startswith("release/"):  # a student release: the package and datasets/ side by side
        root = tmp_path / "release" / "course"
        shutil.copytree(SHIPPED, root / "datasets" / "mnist-t10k")
        (root / "linear_exercises").mkdir()
        shutil.copy(REFERENCE / "linear_exercises" / "data.py", root / "linear_exercises" / "data.py")
        expected = root / "datasets" / "mnist-t10k"
        folder = tmp_path / package
    else:
        expected, folder = SHIPPED, REPO / package
    module = load_by_path(f"data_from_{package.replace('/', '_')}", folder / "data.py")
    assert module.shipped_dir() == expected
    assert module.load_shipped_mnist().x_test.shape == (2000, 784)


def write_idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_full_mnist_through_torchvision_is_preferred_when_on_disk(offline, monkeypatch, tmp_path, capsys):
    pytest.importorskip("torchvision")
    raw = tmp_path / "mnist-data" / "MNIST" / "raw"  # where torchvision looks; tiny stand-in files
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 30), ("t10k", 12)):
        write_idx(raw / f"{split}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(raw / f"{split}-labels-idx1-ubyte", np.arange(n) % 10)
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "mnist-data"))
    d = data.load_digits()
    line = printed_line(capsys)
    assert d.source == "mnist" and d.x_train.shape == (30, 784) and d.x_test.shape == (12, 784)
    assert line.startswith("Using full MNIST: 30 training and 12 test images of 28x28"), line


def test_a_failed_download_says_so_in_plain_words(monkeypatch, capsys):
    def no_network(download=True):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://...")

    monkeypatch.setattr(data, "load_mnist", no_network)
    monkeypatch.delenv(data.SHIPPED_ENV, raising=False)
    d = data.load_digits()
    line = printed_line(capsys)
    assert d.source == "mnist-t10k" and "(Full MNIST could not be downloaded.)" in line, line

"""Digit images for the course (provided, not graded).

load_digits() gives full MNIST (70,000 images of 28x28) through torchvision when it is
on disk or can be downloaded, and otherwise the 8x8 digits that ship inside
scikit-learn (1,797 images), so every notebook runs offline. Either way the result has
the same form: flattened float images in [0, 1], integer labels, and the image shape.
It prints one line saying which data set it used and how to get the other.

Where MNIST lives: $LINEAR_COURSE_DATA if set, else data/ at the top of the course.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DATA_ENV = "LINEAR_COURSE_DATA"
OFFLINE_ENV = "LINEAR_COURSE_OFFLINE"


@dataclass
class DigitsData:
    """A train/test split of digit images.

    x_train: (N_train, h*w) float32 in [0, 1]; y_train: (N_train,) int64 in 0..9;
    x_test, y_test likewise; image_shape: (h, w); source: "mnist" or "sklearn-digits".
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    image_shape: tuple[int, int]
    source: str

    @property
    def n_features(self) -> int:
        return self.image_shape[0] * self.image_shape[1]

    @property
    def n_classes(self) -> int:
        return 10


def data_dir() -> Path:
    """Where MNIST is looked for and downloaded to."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for folder in here.parents:  # the course root holds environment.yml
        if (folder / "environment.yml").exists():
            return folder / "data"
    return here.parent / "data"


def load_digits(source: str = "auto", download: bool = True, verbose: bool = True) -> DigitsData:
    """Load digit images.

    source: "auto" (MNIST if it can be had, else the 8x8 digits), "mnist" (fail if it
    cannot be had) or "sklearn" (the embedded 8x8 digits, no disk or network needed).
    download: allow torchvision to download MNIST (skipped when $LINEAR_COURSE_OFFLINE=1).
    """
    if source not in ("auto", "mnist", "sklearn"):
        raise ValueError(f"source must be 'auto', 'mnist' or 'sklearn', got {source!r}")
    reason = "asked for"
    if source in ("auto", "mnist"):
        try:
            data = load_mnist(download=download)
        except Exception as exc:  # no network, no files, a corrupt download...
            if source == "mnist":
                raise
            first_line = (str(exc).strip().splitlines() or [""])[0].replace(str(data_dir()), _shown(data_dir()))[:80]
            reason = f"MNIST could not be loaded: {type(exc).__name__}: {first_line}"
        else:
            _say(verbose, f"Using MNIST: {len(data.x_train):,} train and {len(data.x_test):,} "
                          f"test images of 28x28 from {_shown(data_dir())}. "
                          "For the offline 8x8 digits call load_digits('sklearn').")
            return data
    data = load_sklearn_digits()
    _say(verbose, f"Using the 8x8 scikit-learn digits ({len(data.x_train) + len(data.x_test):,} "
                  f"images; {reason}). For 28x28 MNIST, connect to the internet or put its "
                  f"files in {_shown(data_dir() / 'MNIST' / 'raw')} (or set ${DATA_ENV}).")
    return data


def _shown(path: Path) -> str:
    """A path as a reader would type it: relative to the working folder, or from ~ (no machine paths in outputs)."""
    path = Path(path).resolve()
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        relative = str(path)
    if not relative.startswith(os.pardir + os.sep + os.pardir):
        return relative
    home = Path.home()
    return "~" + os.sep + str(path.relative_to(home)) if path.is_relative_to(home) else str(path)


def _say(verbose: bool, line: str) -> None:
    if verbose:
        print(line)


def load_mnist(download: bool = True) -> DigitsData:
    """Full MNIST through torchvision: 60,000 train and 10,000 test images of 28x28."""
    from torchvision.datasets import MNIST

    root = data_dir()
    download = download and os.environ.get(OFFLINE_ENV, "") not in ("1", "true", "yes")
    parts = [MNIST(str(root), train=train, download=download) for train in (True, False)]
    x_train, x_test = (p.data.reshape(len(p.data), -1).float() / 255 for p in parts)
    y_train, y_test = (p.targets.long() for p in parts)
    return DigitsData(x_train, y_train, x_test, y_test, (28, 28), "mnist")


def load_sklearn_digits(test_fraction: float = 0.2, seed: int = 0) -> DigitsData:
    """The 1,797 8x8 digits embedded in scikit-learn, split at random (fixed seed)."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32) / 16.0  # pixel values are 0..16
    y = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return DigitsData(x[train], y[train], x[test], y[test], (8, 8), "sklearn-digits")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped or not, into a numpy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist_idx(images: str | os.PathLike, labels: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images and labels from IDX files: (N, 784) float32 in [0, 1] and (N,) int64."""
    x = torch.from_numpy(read_idx(images).copy()).reshape(-1, 28 * 28).float() / 255
    y = torch.from_numpy(read_idx(labels).copy()).long()
    if len(x) != len(y):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    return x, y

"""Digit images for the course (provided, not graded).

load_digits() uses the best digits it can get, in this order:

1. full MNIST (60,000 training and 10,000 test images of 28x28) through torchvision,
   when it is on disk or can be downloaded;
2. the 10,000 real MNIST test digits (28x28) that ship with the course in
   datasets/mnist-t10k/, split in a fixed way: the first 8,000 to train, the last
   2,000 to test. Their checksums are checked before use;
3. the 1,797 8x8 digits inside scikit-learn (a random 80/20 split with a fixed seed).

Whichever it uses, the result has the same form (flattened float images in [0, 1],
integer labels, the image shape, where the data came from and how it was split), and it
prints one line saying which digits it used.

Where the files are looked for:
- full MNIST: $LINEAR_COURSE_DATA if set, else data/ at the top of the course
  (torchvision keeps it in data/MNIST/raw). Set LINEAR_COURSE_OFFLINE=1 to never download.
- the shipped digits: $LINEAR_DATA_DIR if set (a folder holding the two .gz files),
  else datasets/mnist-t10k/ in the folder above the package or any folder above that.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DATA_ENV = "LINEAR_COURSE_DATA"      # where full MNIST lives
SHIPPED_ENV = "LINEAR_DATA_DIR"      # another copy of the shipped digits
OFFLINE_ENV = "LINEAR_COURSE_OFFLINE"

SHIPPED_FOLDER = Path("datasets") / "mnist-t10k"
# sha256 of the *uncompressed* files, as listed in datasets/mnist-t10k/README.md
SHIPPED_FILES = {
    "images": ("t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "labels": ("t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
SHIPPED_TRAIN = 8000  # the first 8,000 shipped digits train, the last 2,000 test

# the four files torchvision's MNIST needs in data/MNIST/raw (it unpacks the .gz downloads)
MNIST_RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass
class DigitsData:
    """A train/test split of digit images.

    x_train: (N_train, h*w) float32 in [0, 1]; y_train: (N_train,) int64 in 0..9;
    x_test, y_test likewise; image_shape: (h, w);
    source: "mnist", "mnist-t10k" (the shipped digits) or "sklearn-digits";
    split: how train and test were chosen, in words.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    image_shape: tuple[int, int]
    source: str
    split: str = ""

    @property
    def n_features(self) -> int:
        return self.image_shape[0] * self.image_shape[1]

    @property
    def n_classes(self) -> int:
        return 10


class DamagedFileError(ValueError):
    """A shipped data file is there but its contents are not what the course shipped."""


def data_dir() -> Path:
    """Where full MNIST is looked for and downloaded to."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for folder in here.parents:  # the course root holds environment.yml
        if (folder / "environment.yml").exists():
            return folder / "data"
    return here.parent / "data"


def shipped_dir() -> Path | None:
    """The folder with the shipped MNIST test digits: $LINEAR_DATA_DIR, else the nearest
    datasets/mnist-t10k above the package. None when there is none."""
    env = os.environ.get(SHIPPED_ENV)
    if env:
        return Path(env)
    package = Path(__file__).resolve().parent
    for folder in package.parents:
        if (folder / SHIPPED_FOLDER).is_dir():
            return folder / SHIPPED_FOLDER
    return None


def load_digits(source: str = "auto", download: bool = True, verbose: bool = True) -> DigitsData:
    """Load digit images and print one line saying which.

    source: "auto" (the best available, see the module docstring), "mnist" (full MNIST
    or an error), "mnist-t10k" (the shipped digits or an error) or "sklearn" (the 8x8
    digits, no files needed).
    download: allow torchvision to download full MNIST (never when $LINEAR_COURSE_OFFLINE=1).
    """
    if source not in ("auto", "mnist", "mnist-t10k", "sklearn"):
        raise ValueError(f"source must be 'auto', 'mnist', 'mnist-t10k' or 'sklearn', got {source!r}")
    if source == "mnist":
        data = load_mnist(download=download)
        _say(verbose, _mnist_line(data))
        return data
    if source == "mnist-t10k":
        data = load_shipped_mnist()
        _say(verbose, _shipped_line(data))
        return data
    if source == "sklearn":
        data = load_sklearn_digits()
        _say(verbose, _sklearn_line(data))
        return data

    try:
        data = load_mnist(download=download)
    except Exception as exc:  # not on disk, no network, no torchvision...
        why_not_mnist = _why_not_mnist(exc)
    else:
        _say(verbose, _mnist_line(data))
        return data
    try:
        data = load_shipped_mnist()
    except (OSError, ValueError) as exc:  # missing, unreadable or damaged files
        data = load_sklearn_digits()
        _say(verbose, _sklearn_line(data, str(exc)))
        return data
    _say(verbose, _shipped_line(data, why_not_mnist))
    return data


def _mnist_line(data: DigitsData) -> str:
    return (f"Using full MNIST: {len(data.x_train):,} training and {len(data.x_test):,} test "
            f"images of 28x28 (from {_shown(data_dir())}).")


def _shipped_line(data: DigitsData, reason: str | None = None) -> str:
    line = (f"Using {len(data.x_train) + len(data.x_test):,} real MNIST digits (28x28) shipped with "
            f"the course: the first {len(data.x_train):,} train, the last {len(data.x_test):,} test.")
    return line if reason is None else f"{line} ({reason[0].upper()}{reason[1:]}.)"


def _sklearn_line(data: DigitsData, reason: str | None = None) -> str:
    start = f"Using scikit-learn's {len(data.x_train) + len(data.x_test):,} small 8x8 digits"
    if reason is None:
        return f"{start}, as asked (load_digits() gives 28x28 MNIST digits)."
    return f"{start} because {reason}."


def _why_not_mnist(exc: Exception) -> str:
    """Why full MNIST could not be had, in a few plain words."""
    if isinstance(exc, ImportError):
        return "full MNIST needs torchvision, which is not installed"
    if isinstance(exc, FileNotFoundError):
        return str(exc)
    return "full MNIST could not be downloaded"


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


def _offline() -> bool:
    return os.environ.get(OFFLINE_ENV, "").lower() in ("1", "true", "yes")


def load_mnist(download: bool = True) -> DigitsData:
    """Full MNIST through torchvision: 60,000 train and 10,000 test images of 28x28."""
    root = data_dir()
    download = download and not _offline()
    raw = root / "MNIST" / "raw"
    if not download and not all((raw / name).exists() for name in MNIST_RAW_FILES):
        # say so without importing torchvision (which takes seconds)
        raise FileNotFoundError("full MNIST is not on this computer and downloading is off")
    from torchvision.datasets import MNIST

    with contextlib.redirect_stdout(io.StringIO()):  # torchvision prints every download attempt
        parts = [MNIST(str(root), train=train, download=download) for train in (True, False)]
    x_train, x_test = (p.data.reshape(len(p.data), -1).float() / 255 for p in parts)
    y_train, y_test = (p.targets.long() for p in parts)
    return DigitsData(x_train, y_train, x_test, y_test, (28, 28), "mnist",
                      "MNIST's own split: 60,000 training and 10,000 test images")


def load_shipped_mnist(folder: str | os.PathLike | None = None) -> DigitsData:
    """The 10,000 MNIST test digits shipped in datasets/mnist-t10k: the first 8,000 train, the last 2,000 test.

    folder: where the two .gz files are (default: shipped_dir()). Raises FileNotFoundError
    when they are missing and DamagedFileError when a checksum does not match.
    """
    folder = Path(folder) if folder is not None else shipped_dir()
    if folder is None:
        raise FileNotFoundError(f"the shipped MNIST digits ({SHIPPED_FOLDER.as_posix()}) were not found")
    arrays = {}
    for key, (name, sha256) in SHIPPED_FILES.items():
        path = folder / name
        if not path.exists():
            raise FileNotFoundError(f"{_shown(path)} is missing")
        try:
            with gzip.open(path, "rb") as f:
                raw = f.read()
        except (OSError, EOFError, zlib.error) as exc:  # not gzip at all, cut short or garbled
            raise DamagedFileError(f"{_shown(path)} is damaged ({exc}): get a fresh copy of the course") from exc
        if hashlib.sha256(raw).hexdigest() != sha256:
            raise DamagedFileError(f"{_shown(path)} is damaged (its checksum does not match): "
                                   "get a fresh copy of the course")
        arrays[key] = _parse_idx(raw, path)
    x = torch.from_numpy(arrays["images"].copy()).reshape(-1, 28 * 28).float() / 255
    y = torch.from_numpy(arrays["labels"].copy()).long()
    n = SHIPPED_TRAIN
    return DigitsData(x[:n], y[:n], x[n:], y[n:], (28, 28), "mnist-t10k",
                      f"the MNIST test set: its first {n:,} images train, the last {len(x) - n:,} test")


def load_sklearn_digits(test_fraction: float = 0.2, seed: int = 0) -> DigitsData:
    """The 1,797 8x8 digits embedded in scikit-learn, split at random (fixed seed)."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32) / 16.0  # pixel values are 0..16
    y = torch.tensor(bunch.target, dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return DigitsData(x[train], y[train], x[test], y[test], (8, 8), "sklearn-digits",
                      f"a random {1 - test_fraction:.0%} / {test_fraction:.0%} split (seed {seed})")


def _parse_idx(raw: bytes, path: Path) -> np.ndarray:
    """The array in the bytes of an unsigned-byte IDX file (MNIST's format).

    Header: two zero bytes, the type code 0x08 (unsigned byte), the number of dimensions,
    then each dimension as a 4-byte big-endian integer; the values follow.
    """
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (MNIST's format), gzipped or not, into a numpy array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    return _parse_idx(raw, path)


def load_mnist_idx(images: str | os.PathLike, labels: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images and labels from IDX files: (N, 784) float32 in [0, 1] and (N,) int64."""
    x = torch.from_numpy(read_idx(images).copy()).reshape(-1, 28 * 28).float() / 255
    y = torch.from_numpy(read_idx(labels).copy()).long()
    if len(x) != len(y):
        raise ValueError(f"{len(x)} images but {len(y)} labels")
    return x, y

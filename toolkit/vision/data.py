"""Image classification data sets as NumPy arrays: MNIST and Fashion-MNIST.

Both come as four idx ``.gz`` files (LeCun's format); MNIST also as Keras's ``mnist.npz``.
Files are found through the data registry (``--data-dir``, the Keras cache, Debian's
``dataset-fashion-mnist`` folder, then a download), so the same code works offline
when the files are there, and fails in seconds, saying what to get, when they are not.

Example:
    >>> from toolkit.vision.data import load_image_dataset
    >>> data = load_image_dataset("fashion_mnist")
    >>> data.x_train.shape, data.x_train.dtype
    ((60000, 28, 28), dtype('uint8'))
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.errors import CourseError
from toolkit.registry import fetch, find_local, get_entry

CLASS_NAMES = {
    "mnist": [str(digit) for digit in range(10)],
    "fashion_mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
}

IDX_FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


@dataclass
class ImageDataset:
    """Train and test arrays plus what a run record needs to describe them."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str

    def describe(self) -> dict:
        """The record's ``dataset`` section."""
        entry = get_entry(self.name)
        return {
            "name": self.name, "title": entry.title, "source": self.source,
            "citation": entry.citation, "license": entry.license,
            "splits": {"train": int(len(self.x_train)), "test": int(len(self.x_test))},
            "classes": self.class_names, "image_shape": list(self.x_train.shape[1:]),
        }


def read_idx(path: str | Path) -> np.ndarray:
    """Read one idx file (``.gz`` or plain) into a uint8 array.

    The header is a magic number (2051 images, 2049 labels) then one big-endian
    int32 per dimension.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            data = stream.read()
    except (OSError, EOFError) as error:
        raise CourseError(f"{path} cannot be read as an idx file", why=str(error),
                          fix="delete it and run again to fetch a fresh copy") from None
    if len(data) < 8:
        raise CourseError(f"{path} is too short to be an idx file ({len(data)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08 or ndim not in (1, 3):
        raise CourseError(f"{path} is not an idx file of unsigned bytes",
                          why=f"header {data[:4].hex()}")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise CourseError(f"{path} is truncated",
                          why=f"header says {shape}, found {body.size:,} values",
                          fix="delete it and run again to fetch a fresh copy")
    return body.reshape(shape)


def load_image_dataset(name: str, data_dir: str | Path | None = None) -> ImageDataset:
    """Load ``"mnist"`` or ``"fashion_mnist"`` as uint8 arrays ``(N, 28, 28)`` + int labels."""
    if name not in CLASS_NAMES:
        raise CourseError(f"unknown image dataset '{name}'",
                          fix="use --dataset mnist or --dataset fashion_mnist")
    if name == "mnist":
        npz = find_local("mnist", "mnist.npz", data_dir)
        if npz:
            with np.load(npz, allow_pickle=False) as f:
                return ImageDataset(name, f["x_train"], f["y_train"], f["x_test"], f["y_test"],
                                    CLASS_NAMES[name], str(npz))
    arrays, sources = {}, []
    for key, filename in IDX_FILES.items():
        try:
            path = fetch(name, filename, data_dir)
        except CourseError as error:
            if name == "mnist" and key == "x_train":
                error = CourseError(error.what, error.why,
                                    error.fix + "; or train on Fashion-MNIST, which Debian ships "
                                    "(apt-get install dataset-fashion-mnist): --dataset fashion_mnist")
            raise error from None
        arrays[key] = read_idx(path)
        sources.append(str(path.parent))
    return ImageDataset(name, arrays["x_train"], arrays["y_train"].astype(np.int64),
                        arrays["x_test"], arrays["y_test"].astype(np.int64), CLASS_NAMES[name],
                        sorted(set(sources))[0])


@dataclass
class ImageSplits:
    """Train / validation / test arrays scaled to [0, 1] in the model's shape, their labels,
    and the record's description of the data (with the split sizes)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    description: dict
    images_test: np.ndarray | None = None  # the raw (N, 28, 28) test images, for error grids


def load_splits(name: str, data_dir: str | Path | None, *, validation_split: float, seed: int,
                channels: bool, quick_train: int | None = None) -> ImageSplits:
    """Load a data set and hold out a stratified, seeded validation split of its training set.

    The split is the same for every run with the same seed, so differences between runs come
    from the model alone; the test set is kept apart for the end. ``quick_train`` first keeps
    a class-balanced subset of that many training images (``--quick``). ``channels`` gives
    ``(N, 28, 28, 1)`` images (a CNN), otherwise flat ``(N, 784)`` vectors (an MLP).
    """
    from sklearn.model_selection import train_test_split

    data = load_image_dataset(name, data_dir)
    x, y = data.x_train, data.y_train
    if quick_train:
        x, y = subsample(x, y, quick_train, seed)
    x_train, x_val, y_train, y_val = train_test_split(
        x, y, test_size=validation_split, stratify=y, random_state=seed)
    description = data.describe()
    description["splits"] = {"train": len(x_train), "validation": len(x_val),
                             "test": len(data.x_test)}
    return ImageSplits(to_model_input(x_train, channels=channels), y_train,
                       to_model_input(x_val, channels=channels), y_val,
                       to_model_input(data.x_test, channels=channels), data.y_test,
                       data.class_names, description, images_test=data.x_test)


def subsample(x: np.ndarray, y: np.ndarray, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded, class-stratified subset of ``count`` samples (used by ``--quick``)."""
    if count >= len(x):
        return x, y
    from sklearn.model_selection import train_test_split

    x_small, _, y_small, _ = train_test_split(x, y, train_size=count, stratify=y,
                                              random_state=seed)
    return x_small, y_small


def to_model_input(x: np.ndarray, *, channels: bool) -> np.ndarray:
    """uint8 ``(N, 28, 28)`` -> float32 in [0, 1], flattened ``(N, 784)`` or ``(N, 28, 28, 1)``."""
    x = x.astype("float32") / 255.0
    return x[..., None] if channels else x.reshape(len(x), -1)

"""idx reading and the MNIST / Fashion-MNIST loaders."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from toolkit.errors import CourseError
from toolkit.vision.data import load_image_dataset, load_splits, read_idx, subsample, to_model_input


def write_idx(path, array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim,
                                                                      *array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_round_trip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "images.gz", images)
    np.testing.assert_array_equal(read_idx(tmp_path / "images.gz"), images)


def test_truncated_idx_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.gz"
    header = struct.pack(">HBBIII", 0, 0x08, 3, 10, 28, 28)
    with gzip.open(path, "wb") as stream:
        stream.write(header + b"\0" * 100)
    with pytest.raises(CourseError, match="truncated"):
        read_idx(path)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "photo.gz"
    with gzip.open(path, "wb") as stream:
        stream.write(b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    with pytest.raises(CourseError, match="not an idx file"):
        read_idx(path)


def test_unknown_dataset_name():
    with pytest.raises(CourseError, match="--dataset fashion_mnist"):
        load_image_dataset("cifar10")


def test_subsample_is_stratified_and_seeded():
    x = np.arange(1000).reshape(1000, 1)
    y = np.repeat(np.arange(10), 100)
    x1, y1 = subsample(x, y, 200, seed=3)
    x2, _ = subsample(x, y, 200, seed=3)
    assert np.bincount(y1).tolist() == [20] * 10
    np.testing.assert_array_equal(x1, x2)


def test_to_model_input_shapes():
    x = np.full((5, 28, 28), 255, dtype=np.uint8)
    assert to_model_input(x, channels=True).shape == (5, 28, 28, 1)
    flat = to_model_input(x, channels=False)
    assert flat.shape == (5, 784) and flat.dtype == np.float32 and flat.max() == 1.0


@pytest.mark.slow
def test_real_fashion_mnist(fashion_mnist_dir):
    data = load_image_dataset("fashion_mnist")
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert data.describe()["splits"] == {"train": 60000, "test": 10000}
    assert data.class_names[9] == "Ankle boot"


@pytest.mark.slow
def test_splits_are_stratified_seeded_and_shaped(fashion_mnist_dir):
    kwargs = dict(validation_split=0.1, seed=3, quick_train=2000)
    splits = load_splits("fashion_mnist", None, channels=True, **kwargs)
    again = load_splits("fashion_mnist", None, channels=False, **kwargs)
    assert splits.x_train.shape == (1800, 28, 28, 1) and again.x_train.shape == (1800, 784)
    assert np.array_equal(splits.y_val, again.y_val)  # the same seed, the same held-out images
    assert np.bincount(splits.y_val).tolist() == [20] * 10  # stratified
    assert splits.description["splits"] == {"train": 1800, "validation": 200, "test": 10000}
    assert splits.images_test.shape == (10000, 28, 28) and splits.x_test.max() <= 1.0


@pytest.mark.slow
def test_real_mnist_loads_offline_with_the_published_counts(shared_data):
    if not (shared_data / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("MNIST training images absent from the shared data folder")
    data = load_image_dataset("mnist", data_dir=shared_data)
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert np.bincount(data.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918,
                                                  6265, 5851, 5949]
    assert np.bincount(data.y_test).tolist()[:3] == [980, 1135, 1032]


@pytest.mark.slow
def test_mnist_without_train_images_says_what_to_do(shared_data, tmp_path, monkeypatch):
    monkeypatch.delenv("KERASCOURSE_DATA", raising=False)  # the loader would look there too
    for name in ("train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz"):
        source = shared_data / "mnist" / name
        if not source.is_file():
            pytest.skip(f"{source} absent")
        (tmp_path / name).symlink_to(source)
    with pytest.raises(CourseError) as info:
        load_image_dataset("mnist", data_dir=tmp_path)
    message = info.value.message
    assert "train-images-idx3-ubyte.gz" in message and "--dataset fashion_mnist" in message

"""Shared test fixtures.

Tests never download: ``KERASCOURSE_OFFLINE=1`` and a private, empty ``KERAS_HOME``
make every fetch look only at local files. Real-data tests take the ``shared_data``
or ``fashion_mnist_dir`` fixture and skip, with the reason, when the data is absent.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Set before any test imports keras: an empty cache of our own, and no network attempts.
_KERAS_HOME = tempfile.mkdtemp(prefix="kerascourse-test-keras-")
os.environ["KERAS_HOME"] = _KERAS_HOME
os.environ["KERASCOURSE_OFFLINE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parent.parent


def _shared_data_dir() -> Path | None:
    for candidate in (os.environ.get("KERASCOURSE_DATA"), REPO.parent / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$KERASCOURSE_DATA``): the real evaluation files."""
    path = _shared_data_dir()
    if path is None:
        pytest.skip("real data absent: set KERASCOURSE_DATA or place ../shared/data")
    return path


@pytest.fixture(scope="session")
def fashion_mnist_dir() -> Path:
    """Debian's dataset-fashion-mnist files."""
    path = Path("/usr/share/datasets/fashion-mnist")
    if not (path / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip("Fashion-MNIST absent: apt-get install dataset-fashion-mnist")
    return path


@pytest.fixture
def keras_home() -> Path:
    """The private Keras cache the tests use (empty at the start of the session)."""
    return Path(_KERAS_HOME)

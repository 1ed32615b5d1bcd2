"""Loaders and caches: a damaged GloVe cache is rebuilt, caches live only in the Keras cache,
and a float image with NaN or inf pixels is masked (or refused), never silently black."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from toolkit.text.glove import cache_paths, load_glove
from toolkit.vision.photos import load_photo


@pytest.fixture
def glove_file(tmp_path):
    folder = tmp_path / "shared_data"
    folder.mkdir()
    path = folder / "tiny.3d.txt"
    path.write_text("".join(f"w{i} {i} 0.5 -1\n" for i in range(30)), encoding="utf-8")
    folder.chmod(0o555)  # a shared, read-only data folder
    yield path
    folder.chmod(0o755)


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04 truncated", b"\x00" * 64])
def test_a_damaged_glove_cache_is_rebuilt_and_said(glove_file, keras_home, capsys, damage):
    load_glove(glove_file)
    cache = cache_paths(glove_file)[0]
    assert cache.is_relative_to(keras_home)
    assert sorted(p.name for p in glove_file.parent.iterdir()) == [glove_file.name]
    cache.write_bytes(damage)
    glove = load_glove(glove_file)
    assert glove.load_info["cache_rebuilt"] and "is damaged" in capsys.readouterr().out
    assert glove["w3"][0] == 3.0
    assert load_glove(glove_file).load_info["from_cache"] is True


def _float_tiff(path, values):
    Image.fromarray(values.astype(np.float32), mode="F").save(path)
    return path


def test_nan_and_inf_pixels_are_masked(tmp_path):
    values = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (64, 1))
    values[0, 0], values[1, 1], values[2, 2] = np.nan, np.inf, -np.inf
    photo = load_photo(_float_tiff(tmp_path / "f.tif", values), min_side=8)
    assert "3 NaN or infinite pixel(s) shown black" in photo.note
    assert photo.original.max() == 255 and photo.original.mean() > 100  # not all black


def test_an_image_without_a_finite_pixel_is_refused(tmp_path):
    path = _float_tiff(tmp_path / "nan.tif", np.full((32, 32), np.nan))
    with pytest.raises(ValueError, match="NaN or infinite"):
        load_photo(path, min_side=8)

"""toolkit.vision.photos: any readable photo becomes 224x224 RGB; bad files are named and skipped."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from toolkit.errors import CourseError
from toolkit.vision.photos import load_photo, load_photos


def _save(folder, name, image, **options):
    path = folder / name
    image.save(path, **options)
    return path


@pytest.fixture
def photo_folder(tmp_path):
    """One photo of every awkward kind, plus files that are not usable photos."""
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    _save(folder, "colour.jpg", Image.fromarray(rng.integers(0, 255, (60, 80, 3), np.uint8)))
    _save(folder, "gray.png", Image.new("L", (50, 40), 90))
    _save(folder, "transparent.png", Image.new("RGBA", (48, 48), (255, 0, 0, 0)))
    _save(folder, "print.jpg", Image.new("CMYK", (64, 40), (0, 255, 255, 0)))
    ramp = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    _save(folder, "scan16.png", Image.fromarray(ramp))
    _save(folder, "palette.gif", Image.new("P", (40, 40), 3))
    (folder / "notes.txt").write_text("not a photo")
    jpeg = io.BytesIO()
    Image.new("RGB", (200, 200), (10, 20, 30)).save(jpeg, "JPEG")
    (folder / "truncated.jpg").write_bytes(jpeg.getvalue()[:400])
    _save(folder, "tiny.png", Image.new("RGB", (12, 12)))
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    return folder


def test_folder_loads_every_readable_kind_and_names_each_bad_file(photo_folder, capsys):
    photos = load_photos([photo_folder], size=(224, 224))
    assert sorted(photos.names) == ["colour.jpg", "gray.png", "palette.gif", "print.jpg",
                                    "scan16.png", "transparent.png"]
    assert photos.array.shape == (6, 224, 224, 3) and photos.array.dtype == np.uint8
    skipped = {item.path.name: item.reason for item in photos.skipped}
    assert set(skipped) == {"notes.txt", "truncated.jpg", "tiny.png"}  # .DS_Store ignored
    assert "not an image" in skipped["notes.txt"]
    assert "corrupt or truncated" in skipped["truncated.jpg"]
    assert "too small (12x12 px)" in skipped["tiny.png"]
    printed = capsys.readouterr().out
    assert all(name in printed for name in skipped)


def test_conversions_keep_what_the_eye_sees(photo_folder):
    photos = {p.name: p for p in load_photos([photo_folder]).photos}
    assert photos["gray.png"].mode == "L"
    assert np.all(photos["gray.png"].image == 90)  # gray copied into R, G and B
    # A fully transparent red square is drawn on white, as any viewer shows it.
    assert np.all(photos["transparent.png"].image == 255)
    assert "transparency" in photos["transparent.png"].note
    # CMYK (0, 255, 255, 0) is pure red.
    red = photos["print.jpg"].image[100, 100]
    assert red[0] > 200 and red[1] < 40 and red[2] < 40
    # 16-bit values are scaled, not clipped: the ramp keeps its dark-to-bright range.
    scan = photos["scan16.png"]
    assert scan.mode.startswith("I;16") and "8-bit" in scan.note
    assert scan.original.min() < 10 and scan.original.max() > 245
    assert len(np.unique(scan.original)) > 100


def test_crop_keeps_aspect_ratio_and_squash_keeps_everything(tmp_path):
    # Left half black, right half white, in a wide photo.
    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, 150:] = 255
    path = _save(tmp_path, "wide.png", Image.fromarray(wide))
    cropped = load_photo(path, (50, 50), fit="crop").image
    squashed = load_photo(path, (50, 50), fit="squash").image
    # The centre crop shows the middle third (the edge between black and white) ...
    assert cropped[:, :20].mean() < 10 and cropped[:, -20:].mean() > 245
    # ... and squashing keeps the whole width in half/half proportion.
    assert abs(int((squashed[..., 0] > 127).sum()) - 50 * 25) <= 50
    assert load_photo(path, (50, 50)).original.shape == (100, 300, 3)


def test_exif_rotation_is_applied(tmp_path):
    image = Image.new("RGB", (80, 40), (0, 0, 255))
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = _save(tmp_path, "phone.jpg", image, exif=exif)
    photo = load_photo(path, (32, 32))
    assert photo.original.shape[:2] == (80, 40)
    assert "EXIF" in photo.note


def test_limit_missing_paths_and_nothing_readable(tmp_path, photo_folder):
    photos = load_photos([photo_folder / "gray.png", tmp_path / "nope.jpg", photo_folder],
                         limit=2, verbose=False)
    assert len(photos) == 2
    assert any("no such file" in s.reason for s in photos.skipped)
    with pytest.raises(CourseError, match="no readable photo"):
        load_photos([photo_folder / "notes.txt", photo_folder / "tiny.png"], verbose=False)
    with pytest.raises(CourseError, match="no photos given"):
        load_photos([])
    with pytest.raises(CourseError, match="resize mode"):
        load_photos([photo_folder], fit="stretch")


@pytest.mark.slow
def test_real_sample_photos(shared_data):
    photos = load_photos([shared_data / "sample_images"], verbose=False)
    assert sorted(photos.names) == ["chelsea.png", "coffee.png", "dog_01_labrador.jpg",
                                    "rocket.jpg"]
    assert not photos.skipped
    chelsea = next(p for p in photos.photos if p.name == "chelsea.png")
    assert chelsea.original.shape == (300, 451, 3)
    assert photos.describe()["loaded"][0]["original_size"][0] > 0

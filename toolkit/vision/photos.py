"""Student photos as NumPy arrays: any file Pillow can read, ready for an ImageNet model.

Students bring their own photos: phone JPEGs rotated by EXIF, PNGs with transparency,
grayscale scans, CMYK JPEGs from print workflows, 16-bit PNGs from cameras and microscopes,
and the odd file that is not an image at all. :func:`load_photos` takes files and folders,
converts every readable image to 8-bit RGB, resizes it to the model's input size and
**reports every file it had to skip by name** (unreadable, corrupt, not an image, too small),
while the others still run.

Two ways to reach a square input (``fit``):

- ``"crop"`` (default): scale the shorter side to the target, then cut the centre square.
  The aspect ratio is kept; the borders of wide or tall photos are lost.
- ``"squash"``: stretch the whole photo to the square, as ``keras.utils.load_img(target_size=…)``
  does. Nothing is lost, but shapes are distorted.

Example:
    >>> from toolkit.vision.photos import load_photos
    >>> photos = load_photos(["my_photos/", "cat.jpg"], size=(224, 224))
    >>> photos.array.shape          # (N, 224, 224, 3) uint8, the readable files only
    >>> for skipped in photos.skipped:
    ...     print(skipped)         # "notes.txt: skipped, not an image Pillow can read (...)"
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from toolkit.errors import CourseError
from toolkit.safe_text import for_terminal

MIN_SIDE = 32  # smaller photos hold too little detail to be upscaled to 224 px meaningfully
FITS = ("crop", "squash")
EXIF_ORIENTATION = 0x0112  # the EXIF tag phones use instead of rotating the pixels


@dataclass
class Photo:
    """One readable photo.

    Attributes:
        path: the file it came from.
        original: the photo as 8-bit RGB at its own size, ``(H, W, 3)`` uint8.
        image: the photo resized to the model's input size, ``(h, w, 3)`` uint8.
        mode: Pillow's mode of the file before conversion (``"RGB"``, ``"L"``, ``"CMYK"``…).
        note: what was done to it beyond resizing (e.g. ``"16-bit scaled to 8-bit"``).
    """

    path: Path
    original: np.ndarray
    image: np.ndarray
    mode: str
    note: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def shown(self) -> str:
        """The file name as it is safe to print or draw: a control or bidirectional character
        (``ESC [2J``, BEL, U+202E) or a byte the name could not decode (``caf\\xe9``) is
        shown as an escape, not obeyed."""
        return for_terminal(self.path.name, keep_newlines=False)


@dataclass
class SkippedFile:
    """A file that could not be used, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return for_terminal(f"{self.path}: skipped, {self.reason}", keep_newlines=False)


@dataclass
class PhotoSet:
    """The photos that loaded, and the files that did not."""

    photos: list[Photo] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.photos)

    @property
    def array(self) -> np.ndarray:
        """All resized photos stacked: ``(N, h, w, 3)`` uint8."""
        return np.stack([photo.image for photo in self.photos])

    @property
    def names(self) -> list[str]:
        return [photo.name for photo in self.photos]

    @property
    def shown_names(self) -> list[str]:
        """The names as they are safe to print (see :attr:`Photo.shown`)."""
        return [photo.shown for photo in self.photos]

    def describe(self) -> dict:
        """A JSON-ready summary for a run record."""
        return {
            "loaded": [{"file": str(p.path), "mode": p.mode,
                        "original_size": [int(p.original.shape[1]), int(p.original.shape[0])],
                        "note": p.note} for p in self.photos],
            "skipped": [{"file": str(s.path), "reason": s.reason} for s in self.skipped],
        }


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[SkippedFile]]:
    """Files named directly, plus every file inside named folders (sorted, not recursive).

    Hidden files (``.DS_Store``…) inside folders are ignored; a path that does not exist is
    reported as skipped rather than stopping the others.
    """
    files: list[Path] = []
    missing: list[SkippedFile] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(SkippedFile(path, "no such file or folder"))
    unique = list(dict.fromkeys(files))
    return unique, missing


def to_rgb(image: Image.Image) -> tuple[Image.Image, str]:
    """Convert any Pillow image to 8-bit RGB; returns the image and a note on what changed.

    - EXIF orientation is applied, so phone photos stand upright.
    - Transparent images (RGBA, LA, palette with transparency) are laid on white, which is
      what a viewer shows; simply dropping alpha can turn transparent pixels black.
    - 16-bit and 32-bit images (``I;16``, ``I``, ``F``) are scaled into 0..255 by their
      value range. Pillow's own conversion would clip everything above 255 to white.
      NaN and infinite pixels of a float image are masked: the range comes from the finite
      pixels and the others are shown black (the note says how many); an image without any
      finite pixel is refused with ``ValueError``.
    - CMYK, YCbCr, LAB, grayscale and palette images use Pillow's conversion.
    """
    notes = []
    if image.getexif().get(EXIF_ORIENTATION, 1) != 1:
        image = ImageOps.exif_transpose(image)
        notes.append("turned upright by its EXIF orientation")
    mode = image.mode
    high_bit = mode.startswith("I") or mode == "F"
    if high_bit:
        values = np.asarray(image, dtype=np.float64)
        finite = np.isfinite(values)
        if not finite.any():
            raise ValueError(f"every pixel of this {mode} image is NaN or infinite: there is "
                             f"nothing to show")
        if mode.startswith("I;16"):
            bottom, top = 0.0, 65535.0
        else:  # 32-bit integer or float: no fixed range, use the image's own (finite) one
            bottom, top = float(values[finite].min()), float(values[finite].max())
        scaled = (values - bottom) / max(top - bottom, 1e-12) * 255.0
        scaled = np.where(finite, scaled, 0.0)  # one NaN would otherwise blacken the photo
        image = Image.fromarray(np.clip(scaled + 0.5, 0, 255).astype(np.uint8))
        notes.append(f"{mode} high bit depth scaled to 8-bit")
        if not finite.all():
            notes.append(f"{int((~finite).sum())} NaN or infinite pixel(s) shown black")
    elif mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
        notes.append(f"{mode} transparency laid on white")
    elif image.mode != "RGB" and not high_bit:
        notes.append(f"{mode} converted to RGB")
    image = image.convert("RGB")
    return image, "; ".join(notes)


def fit_to(image: Image.Image, size: tuple[int, int], fit: str = "crop") -> Image.Image:
    """Resize to ``size`` = (height, width): centre crop (``"crop"``) or stretch (``"squash"``)."""
    if fit not in FITS:
        raise CourseError(f"unknown resize mode '{fit}'", fix="use crop or squash")
    height, width = size
    if fit == "squash":
        return image.resize((width, height), Image.Resampling.BILINEAR)
    return ImageOps.fit(image, (width, height), Image.Resampling.BILINEAR, centering=(0.5, 0.5))


def load_photo(path: Path, size: tuple[int, int] = (224, 224), fit: str = "crop",
               min_side: int = MIN_SIDE) -> Photo:
    """Read one photo; raises ``ValueError`` with a student-readable reason when it cannot."""
    try:
        with warnings.catch_warnings():
            # Pillow warns about huge images; the error for truly huge ones is caught below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                opened.seek(0)  # animated GIF / multi-page TIFF: the first frame
                opened.load()   # decode now: a truncated file fails here, not later
                mode = opened.mode
                rgb, note = to_rgb(opened)
    except UnidentifiedImageError:
        raise ValueError("not an image Pillow can read (wrong extension, or not a photo)") \
            from None
    except Image.DecompressionBombError as error:
        raise ValueError(f"too large to decode safely ({error})") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValueError(f"corrupt or truncated image ({error.__class__.__name__}: {error})") \
            from None
    if min(rgb.size) < min_side:
        raise ValueError(f"too small ({rgb.size[0]}x{rgb.size[1]} px); at least {min_side} px "
                         f"per side is needed for a useful prediction")
    image = fit_to(rgb, size, fit)
    return Photo(path=path, original=np.asarray(rgb, dtype=np.uint8),
                 image=np.asarray(image, dtype=np.uint8), mode=mode, note=note)


def load_photos(paths: Sequence[str | Path], size: tuple[int, int] = (224, 224), *,
                fit: str = "crop", min_side: int = MIN_SIDE, limit: int | None = None,
                verbose: bool = True) -> PhotoSet:
    """Load every readable photo among ``paths`` (files or folders) as ``size`` RGB arrays.

    Args:
        paths: files and/or folders (a folder contributes the files directly inside it).
        size: ``(height, width)`` of the model input (default 224x224, VGG16's).
        fit: ``"crop"`` (default) or ``"squash"``; see the module docstring.
        min_side: photos with a side shorter than this many pixels are skipped (default 32).
        limit: keep at most this many photos (default ``None``: all), e.g. for ``--quick``.
        verbose: print one line per skipped file (default ``True``).

    Returns:
        A :class:`PhotoSet`; ``skipped`` names every file left out and why.

    Raises:
        CourseError: no path given, or not one readable photo among them.
    """
    if fit not in FITS:
        raise CourseError(f"unknown resize mode '{fit}'", fix="use crop or squash")
    if not paths:
        raise CourseError("no photos given", fix="pass image files or folders, e.g. "
                                                 "--images my_photos/ cat.jpg, or the course "
                                                 "data with its sample photos: --data-dir "
                                                 "../shared/data (or set KERASCOURSE_DATA)")
    files, skipped = expand_paths(paths)
    result = PhotoSet(skipped=skipped)
    for path in files:
        if limit is not None and len(result.photos) >= limit:
            break
        try:
            result.photos.append(load_photo(path, size, fit, min_side))
        except ValueError as error:
            result.skipped.append(SkippedFile(path, str(error)))
    if verbose:
        for item in result.skipped:
            print(item)
    if not result.photos:
        tried = ", ".join(str(p) for p in paths)
        raise CourseError(f"no readable photo in {tried}",
                          why="; ".join(str(s) for s in result.skipped) or "the folders are empty",
                          fix="pass JPEG/PNG/… files Pillow can open, at least "
                              f"{min_side}x{min_side} px")
    return result


@dataclass
class ClassFolders:
    """Photos sorted into one sub-folder per class (``--transfer DIR``)."""

    photos: PhotoSet
    labels: np.ndarray        # the class index of each photo, in ``photos`` order
    class_names: list[str]    # the sub-folder names, sorted


def load_class_folders(root: str | Path, size: tuple[int, int] = (224, 224), *,
                       fit: str = "crop", min_side: int = MIN_SIDE,
                       min_per_class: int = 2) -> ClassFolders:
    """Load ``root/<class>/<photo>`` for every sub-folder: the class is the folder's name.

    Unreadable files are named and skipped, as in :func:`load_photos`. A class needs at
    least ``min_per_class`` photos (one to learn from, one to test on).

    Raises:
        CourseError: ``root`` is not a folder, it has fewer than two class folders with
            photos, or a class has too few photos.
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise CourseError(f"{root} is not a folder",
                          fix="pass a folder with one sub-folder per class, e.g. "
                              "photos/cats/*.jpg photos/dogs/*.jpg")
    folders = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    result = PhotoSet()
    labels: list[int] = []
    names: list[str] = []
    for folder in folders:
        files, skipped = expand_paths([folder])
        result.skipped.extend(skipped)
        loaded = []
        for path in files:
            try:
                loaded.append(load_photo(path, size, fit, min_side))
            except ValueError as error:
                result.skipped.append(SkippedFile(path, str(error)))
        if not loaded:
            continue
        if len(loaded) < min_per_class:
            raise CourseError(f"class '{folder.name}' has {len(loaded)} readable photo(s)",
                              fix=f"put at least {min_per_class} photos in {folder} (more is "
                                  f"better: 20+ per class), or remove the folder")
        names.append(folder.name)
        labels += [len(names) - 1] * len(loaded)
        result.photos.extend(loaded)
    for item in result.skipped:
        print(item)
    if len(names) < 2:
        raise CourseError(f"{root} holds {len(names)} class folder(s) with photos",
                          fix="make one sub-folder per class (at least two), each with its "
                              "photos, e.g. photos/cats/ and photos/dogs/")
    return ClassFolders(result, np.array(labels, dtype=np.int64), names)


"""The data registry: where every dataset and weight file comes from, and one ``fetch``.

``datasets/registry.toml`` lists each dataset / weight file the course uses with its URL,
size, published hash, license and citation. :func:`fetch` finds a file in this order and
returns the first copy whose hash (or, where none is published, size) is right:

1. ``--data-dir`` / ``$KERASCOURSE_DATA`` (and the entry's sub-folders there, e.g. ``glue_sst2/``),
2. the Keras cache (``~/.keras/datasets``, ``~/.keras/models``; ``$KERAS_HOME`` moves it),
3. known system folders (Debian's ``/usr/share/datasets/fashion-mnist``),
4. a download with ``keras.utils.get_file(file_hash=...)`` into the Keras cache.

Offline, step 4 fails within seconds (a 3-second connection probe, never a hanging download)
with a message naming the file, its size, its URL and the folder to put it in. A copy whose
hash is wrong is never used: in the cache it is deleted and downloaded again; in a folder of
yours it is reported and skipped.

Example:
    >>> from toolkit.registry import fetch
    >>> path = fetch("fashion_mnist", "t10k-labels-idx1-ubyte.gz")
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import socket
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import CourseError
from toolkit.resources import TOMLDecodeError, datasets_path, load_toml

REGISTRY_PATH = datasets_path("registry.toml")
OFFLINE_ENV = "KERASCOURSE_OFFLINE"  # set to 1 to never try a download
PROBE_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class FileSpec:
    """One file of a registry entry (see the header of ``datasets/registry.toml``)."""

    name: str
    size: int | None = None
    url: str | None = None
    sha256: str | None = None
    md5: str | None = None
    content_sha256: str | None = None
    content_md5: str | None = None
    archive: str | None = None
    archive_url: str | None = None
    archive_size: int | None = None
    cache_subdir: str = "datasets"
    optional: bool = False
    local_only: bool = False

    @property
    def download_url(self) -> str | None:
        return self.archive_url or self.url

    @property
    def download_size(self) -> int | None:
        return self.archive_size if self.archive else self.size


@dataclass(frozen=True)
class Entry:
    """A dataset or model in the registry."""

    key: str
    title: str
    license: str = ""
    citation: str = ""
    homepage: str = ""
    kind: str = "file"
    files: tuple[FileSpec, ...] = ()
    splits: dict = field(default_factory=dict)
    system_dirs: tuple[str, ...] = ()
    subdirs: tuple[str, ...] = ()
    note: str = ""
    hash_note: str = ""
    size: int | None = None
    parameters: int | None = None
    package: str = ""
    install: str = ""

    def file(self, name: str) -> FileSpec:
        for spec in self.files:
            if spec.name == name:
                return spec
        known = ", ".join(spec.name for spec in self.files)
        raise CourseError(f"the registry entry '{self.key}' has no file '{name}'",
                          fix=f"use one of: {known}")


def load_registry(path: Path | str | None = None) -> dict[str, Entry]:
    """Read ``datasets/registry.toml`` into :class:`Entry` objects keyed by name."""
    path = Path(path or REGISTRY_PATH)
    try:
        raw = load_toml(path)
    except FileNotFoundError:
        raise CourseError(f"the data registry {path} is missing",
                          fix="reinstall from a checkout: pip install -e .") from None
    except TOMLDecodeError as error:
        raise CourseError(f"the data registry {path} is not valid TOML", why=str(error)) from None
    entries = {}
    for key, table in raw.items():
        files = tuple(FileSpec(**spec) for spec in table.get("files", []))
        fields = {k: v for k, v in table.items() if k != "files"}
        for name in ("system_dirs", "subdirs"):
            fields[name] = tuple(fields.get(name, ()))
        entries[key] = Entry(key=key, files=files, **fields)
    return entries


def get_entry(name: str, registry: dict[str, Entry] | None = None) -> Entry:
    """The registry entry called ``name``; a CourseError listing the known names otherwise."""
    registry = registry or load_registry()
    if name not in registry:
        raise CourseError(f"unknown dataset or model '{name}'",
                          fix="use one of: " + ", ".join(sorted(registry)))
    return registry[name]


def keras_home() -> Path:
    """The Keras cache folder: ``$KERAS_HOME`` or ``~/.keras``."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()


def cache_dir(spec: FileSpec) -> Path:
    """Where the Keras cache keeps ``spec`` (the folder get_file downloads into)."""
    return keras_home() / spec.cache_subdir


def search_dirs(entry: Entry, spec: FileSpec, data_dir: str | Path | None = None) -> list[Path]:
    """Every folder :func:`fetch` looks in for ``spec``, in order."""
    roots = [Path(d).expanduser() for d in (data_dir, os.environ.get("KERASCOURSE_DATA")) if d]
    dirs: list[Path] = []
    for root in roots:
        dirs.append(root)
        dirs.extend(root / sub for sub in (entry.key, *entry.subdirs))
    cache = cache_dir(spec)
    dirs.append(cache)
    if spec.archive:
        dirs.append(cache / _extracted_dir_name(spec))
    dirs.extend(Path(d) for d in entry.system_dirs)
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def _extracted_dir_name(spec: FileSpec) -> str:
    return spec.archive.split(".")[0] + "_extracted"


# --- verification ---------------------------------------------------------------------------

def _file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_file() -> Path:
    return keras_home() / "kerascourse" / "verified.json"


def _stamp_key(path: Path) -> tuple[str, str]:
    stat = path.stat()
    return str(path.resolve()), f"{stat.st_size}:{stat.st_mtime_ns}"


def _read_stamps() -> dict:
    try:
        return json.loads(_stamp_file().read_text())
    except (OSError, ValueError):
        return {}


def _remember_verified(path: Path) -> None:
    # Hashing an 800 MB file takes seconds: remember files already verified (by size + mtime).
    stamps = _read_stamps()
    key, value = _stamp_key(path)
    stamps[key] = value
    try:
        _stamp_file().parent.mkdir(parents=True, exist_ok=True)
        tmp = _stamp_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(stamps, indent=0))
        tmp.replace(_stamp_file())
    except OSError:
        pass  # an unwritable cache only costs a re-hash next time


def verify(path: Path, spec: FileSpec) -> tuple[bool, str]:
    """Check ``path`` against the registry: ``(True, "")`` or ``(False, reason)``.

    A published sha256/md5 must match; a re-compressed ``.gz`` is accepted when its
    decompressed bytes match ``content_sha256`` / ``content_md5``; with no hash, the size
    must match.
    """
    key, value = _stamp_key(path)
    if _read_stamps().get(key) == value:
        return True, ""
    expected = [(alg, getattr(spec, alg)) for alg in ("sha256", "md5") if getattr(spec, alg)]
    ok, reason = True, ""
    if expected:
        algorithm, want = expected[0]
        got = _file_digest(path, algorithm)
        if got != want:
            ok, reason = False, f"{algorithm} is {got[:12]}…, the registry says {want[:12]}…"
    elif spec.size is not None and path.stat().st_size != spec.size:
        ok = False
        reason = f"size is {path.stat().st_size:,} bytes, the registry says {spec.size:,}"
    if not ok and path.suffix == ".gz" and (spec.content_sha256 or spec.content_md5):
        content_ok, content_reason = _content_matches(path, spec)
        if content_ok:
            ok, reason = True, ""
        else:
            reason = f"{reason}; {content_reason}"
    if ok:
        _remember_verified(path)
    return ok, reason


def _content_matches(path: Path, spec: FileSpec) -> tuple[bool, str]:
    """Whether the decompressed bytes of ``path`` have the registry's content hashes.

    Two gzip files of the same data differ when they were written with another
    compression level, time stamp or file name; the data inside is what matters.
    """
    wanted = {alg: getattr(spec, f"content_{alg}") for alg in ("sha256", "md5")
              if getattr(spec, f"content_{alg}")}
    digests = {alg: hashlib.new(alg) for alg in wanted}
    try:
        with gzip.open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                for digest in digests.values():
                    digest.update(chunk)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        return False, f"its content cannot be decompressed ({error})"
    for alg, want in wanted.items():
        got = digests[alg].hexdigest()
        if got != want:
            return False, (f"decompressed content {alg} is {got[:12]}…, "
                           f"the registry says {want[:12]}…")
    return True, ""


# --- finding and downloading ----------------------------------------------------------------

def human_size(num_bytes: int | None) -> str:
    """``553467096`` -> ``'528 MB'`` (binary megabytes, as Keras's own docs count them)."""
    if num_bytes is None:
        return "unknown size"
    size = float(num_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def find_local(name: str, filename: str, data_dir: str | Path | None = None,
               *, problems: list[str] | None = None) -> Path | None:
    """The first verified local copy of ``filename`` of entry ``name``, or ``None``.

    Copies that fail verification are skipped; their reasons are appended to ``problems``.
    """
    entry = get_entry(name)
    spec = entry.file(filename)
    for folder in search_dirs(entry, spec, data_dir):
        candidate = folder / spec.name
        if not candidate.is_file():
            continue
        ok, reason = verify(candidate, spec)
        if ok:
            return candidate
        if problems is not None:
            problems.append(f"{candidate} is corrupt or truncated ({reason})")
        if folder == cache_dir(spec) or folder.parent == cache_dir(spec):
            candidate.unlink(missing_ok=True)  # our own cache: delete so it is fetched again
    return None


def network_reason(url: str) -> str | None:
    """``None`` when ``url``'s host answers within a few seconds, else why not."""
    if os.environ.get(OFFLINE_ENV, "").strip() not in ("", "0"):
        return f"${OFFLINE_ENV} is set"
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT_S):
            return None
    except OSError as error:
        return f"cannot reach {parts.hostname} ({error.__class__.__name__}: {error})"


def fetch(name: str, filename: str | None = None, data_dir: str | Path | None = None,
          *, download: bool = True) -> Path:
    """Find ``filename`` of registry entry ``name`` locally, or download it once.

    Args:
        name: registry key, e.g. ``"fashion_mnist"``.
        filename: one of the entry's files; default the entry's first non-optional file.
        data_dir: an extra folder to search first (``--data-dir``); ``$KERASCOURSE_DATA`` too.
        download: set ``False`` to fail instead of downloading.

    Returns:
        The path of a verified copy.

    Raises:
        CourseError: the file is nowhere local and cannot be downloaded (offline, or
            ``download=False``), or the download is corrupt. The message names the file,
            its size, its URL and the folder to put it in.
    """
    entry = get_entry(name)
    if entry.kind != "file":
        raise CourseError(f"'{name}' is a {entry.kind} entry, not a file download",
                          fix=entry.install or "load it with keras-hub's from_preset")
    if filename is None:
        filename = next(spec.name for spec in entry.files if not spec.optional)
    spec = entry.file(filename)
    problems: list[str] = []
    found = find_local(name, filename, data_dir, problems=problems)
    if found:
        return found
    if not download or spec.local_only or not spec.download_url:
        why = "; ".join(problems) or "no local copy"
        raise CourseError(*_missing_message(entry, spec, why))
    offline = network_reason(spec.download_url)
    if offline:
        why = "; ".join(problems + [f"no network: {offline}"])
        raise CourseError(*_missing_message(entry, spec, why))
    return _download(entry, spec)


def _missing_message(entry: Entry, spec: FileSpec, why: str) -> tuple[str, str, str]:
    where = cache_dir(spec)
    if spec.local_only or not spec.download_url:
        fix = (f"this file is not downloadable; put it in {where} or a folder passed with "
               f"--data-dir / $KERASCOURSE_DATA")
    else:
        what_to_get = spec.archive or spec.name
        fix = (f"download {what_to_get} ({human_size(spec.download_size)}) from "
               f"{spec.download_url} and put {spec.name} in {where}/ (or in a folder passed "
               f"with --data-dir / $KERASCOURSE_DATA)")
    what = f"{entry.key}: {spec.name} ({human_size(spec.size)}) is not available"
    return what, why, fix


def _download(entry: Entry, spec: FileSpec) -> Path:
    import keras  # imported here: the registry itself must not need a backend

    target_dir = cache_dir(spec)
    target_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(target_dir, os.W_OK):
        raise CourseError(f"the cache folder {target_dir} is not writable",
                          fix="set KERAS_HOME to a folder you can write, or fix its permissions")
    file_hash = None if spec.archive else (spec.sha256 or spec.md5)
    try:
        downloaded = Path(keras.utils.get_file(
            spec.archive or spec.name, spec.download_url, file_hash=file_hash,
            cache_dir=str(keras_home()), cache_subdir=spec.cache_subdir))
    except ValueError as error:  # get_file's hash mismatch after download
        raise CourseError(f"{entry.key}: the download of {spec.name} is corrupt", why=str(error),
                          fix="run the command again; if it persists, download it by hand") from None
    except Exception as error:
        raise CourseError(*_missing_message(entry, spec, f"download failed: {error}")) from None
    archive = downloaded if spec.archive else None
    if archive:
        downloaded = _extract_member(archive, spec, target_dir / _extracted_dir_name(spec))
    ok, reason = verify(downloaded, spec)
    if not ok:
        downloaded.unlink(missing_ok=True)
        if archive:  # get_file keeps an archive it has (no hash to check): fetch it afresh
            archive.unlink(missing_ok=True)
        raise CourseError(f"{entry.key}: the downloaded {spec.name} is corrupt", why=reason,
                          fix="run the command again to download it afresh")
    return downloaded


def _extract_member(archive: Path, spec: FileSpec, out_dir: Path) -> Path:
    """Extract only ``spec.name`` from a zip archive (never paths outside ``out_dir``)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.namelist() if Path(m).name == spec.name]
            if not members:
                raise CourseError(f"{archive.name} holds no {spec.name}",
                                  fix=f"delete {archive} and run again to download it afresh")
            out_dir.mkdir(parents=True, exist_ok=True)
            target = out_dir / spec.name
            with bundle.open(members[0]) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            return target
    except zipfile.BadZipFile:
        archive.unlink(missing_ok=True)
        raise CourseError(f"{archive} is not a valid zip archive (truncated download?)",
                          fix="run the command again to download it afresh") from None


def file_status(name: str, data_dir: str | Path | None = None) -> dict:
    """For ``toolkit.check``: which files of ``name`` are present, and the size of the rest.

    Never downloads. Returns ``{"present": [...], "missing": [...], "missing_bytes": int}``.
    """
    entry = get_entry(name)
    present, missing, missing_bytes = [], [], 0
    for spec in entry.files:
        if spec.optional:
            continue
        if find_local(name, spec.name, data_dir):
            present.append(spec.name)
        else:
            missing.append(spec.name)
            missing_bytes += spec.size or 0
    archives = {s.archive: s.archive_size for s in entry.files if s.archive and s.name in missing}
    if archives:  # an archive is downloaded once for all its members
        missing_bytes = sum(size or 0 for size in archives.values())
    return {"present": present, "missing": missing, "missing_bytes": missing_bytes}

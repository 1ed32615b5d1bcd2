"""The data registry: lookup order, hash checks, offline failure, archive extraction."""

from __future__ import annotations

import gzip
import hashlib
import re
import zipfile
from pathlib import Path

import pytest

from toolkit import registry
from toolkit.errors import CourseError

REQUIRED = {"mnist", "fashion_mnist", "sst2_glue", "sst2_sentences", "imdb", "glove_6b",
            "vgg16_imagenet", "bert_base_en_uncased", "distil_bert_base_en_uncased",
            "bert_tiny_en_uncased", "all_minilm_l6_v2"}


def test_real_registry_lists_every_course_file_with_provenance():
    entries = registry.load_registry()
    assert REQUIRED <= set(entries)
    for entry in entries.values():
        assert entry.title and entry.license and entry.citation, entry.key
        for spec in entry.files:
            assert spec.size and spec.size > 0, (entry.key, spec.name)
            assert spec.local_only or spec.download_url, (entry.key, spec.name)
            if spec.sha256:
                assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256)
            if spec.md5:
                assert re.fullmatch(r"[0-9a-f]{32}", spec.md5)
            assert spec.sha256 or spec.md5 or entry.hash_note or spec.archive, \
                f"{entry.key}/{spec.name}: no hash and no note saying why"


@pytest.fixture
def toy_registry(tmp_path, monkeypatch):
    """A registry with one small file whose hash the test knows."""
    payload = b"label sentence\n1 a fine film\n"
    data_file = tmp_path / "source" / "toy.txt"
    data_file.parent.mkdir()
    data_file.write_bytes(payload)
    gz_payload = b"idx-bytes" * 100
    toml = tmp_path / "registry.toml"
    toml.write_text(f"""
[toy]
title = "Toy"
license = "CC0"
citation = "Nobody 2026"
subdirs = ["toy_folder"]

[[toy.files]]
name = "toy.txt"
url = "https://example.invalid/toy.txt"
size = {len(payload)}
sha256 = "{hashlib.sha256(payload).hexdigest()}"

[[toy.files]]
name = "toy.gz"
url = "https://example.invalid/toy.gz"
size = 1
md5 = "{'0' * 32}"
content_sha256 = "{hashlib.sha256(gz_payload).hexdigest()}"

[[toy.files]]
name = "toy_md5.gz"
url = "https://example.invalid/toy_md5.gz"
size = 1
md5 = "{'0' * 32}"
content_md5 = "{hashlib.md5(gz_payload).hexdigest()}"

[[toy.files]]
name = "member.txt"
archive = "bundle.zip"
archive_url = "https://example.invalid/bundle.zip"
archive_size = 1000
size = {len(payload)}

[[toy.files]]
name = "local.txt"
size = 3
local_only = true
""")
    monkeypatch.setattr(registry, "REGISTRY_PATH", toml)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-cache"))  # an empty cache per test
    return {"payload": payload, "file": data_file, "gz_payload": gz_payload}


def test_fetch_finds_a_verified_copy_in_data_dir_subfolder(toy_registry, tmp_path):
    folder = tmp_path / "data" / "toy_folder"
    folder.mkdir(parents=True)
    (folder / "toy.txt").write_bytes(toy_registry["payload"])
    assert registry.fetch("toy", "toy.txt", tmp_path / "data") == folder / "toy.txt"


def test_fetch_uses_the_kerascourse_data_variable(toy_registry, tmp_path, monkeypatch):
    (tmp_path / "toy.txt").write_bytes(toy_registry["payload"])
    monkeypatch.setenv("KERASCOURSE_DATA", str(tmp_path))
    assert registry.fetch("toy", "toy.txt") == tmp_path / "toy.txt"


def test_corrupt_copy_is_reported_and_never_used(toy_registry, tmp_path):
    (tmp_path / "toy.txt").write_bytes(b"truncated")
    with pytest.raises(CourseError) as info:
        registry.fetch("toy", "toy.txt", tmp_path)
    message = info.value.message
    assert "corrupt or truncated" in message and str(tmp_path / "toy.txt") in message
    assert (tmp_path / "toy.txt").exists(), "a file in the user's own folder is never deleted"


def test_corrupt_copy_in_the_cache_is_deleted_so_it_is_fetched_again(toy_registry):
    cached = registry.keras_home() / "datasets" / "toy.txt"
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"half a file")
    with pytest.raises(CourseError):
        registry.fetch("toy", "toy.txt")
    assert not cached.exists()


def test_offline_failure_names_file_size_url_and_folder(toy_registry):
    with pytest.raises(CourseError) as info:
        registry.fetch("toy", "toy.txt")
    message = info.value.message
    assert "toy.txt" in message
    assert "https://example.invalid/toy.txt" in message
    assert "KERASCOURSE_OFFLINE" in message  # why: the tests run offline on purpose
    assert str(registry.keras_home() / "datasets") in message
    assert f"{len(toy_registry['payload'])} bytes" in message


def test_local_only_file_says_it_cannot_be_downloaded(toy_registry):
    with pytest.raises(CourseError, match="not downloadable"):
        registry.fetch("toy", "local.txt")


def test_unknown_names_list_the_known_ones(toy_registry):
    with pytest.raises(CourseError, match="use one of: toy"):
        registry.fetch("nope")
    with pytest.raises(CourseError, match="has no file 'x.bin'"):
        registry.fetch("toy", "x.bin")


def test_recompressed_gzip_is_accepted_by_content_hash(toy_registry, tmp_path):
    path = tmp_path / "toy.gz"
    with gzip.GzipFile(path, "wb", mtime=12345) as stream:  # another header than upstream
        stream.write(toy_registry["gz_payload"])
    assert registry.fetch("toy", "toy.gz", tmp_path) == path
    with gzip.open(path, "wb") as stream:
        stream.write(b"other content")
    path.touch()
    with pytest.raises(CourseError, match="corrupt"):
        registry.fetch("toy", "toy.gz", tmp_path)


def test_recompressed_gzip_is_accepted_by_the_md5_of_its_content(toy_registry, tmp_path):
    # As for MNIST's training images in ../shared/data: written again at level 9, mtime 0,
    # no file name, so only the md5 loaders publish for the uncompressed file can vouch for it.
    path = tmp_path / "toy_md5.gz"
    path.write_bytes(gzip.compress(toy_registry["gz_payload"], compresslevel=9, mtime=0))
    assert registry.fetch("toy", "toy_md5.gz", tmp_path) == path
    path.write_bytes(gzip.compress(toy_registry["gz_payload"][:-1], compresslevel=1, mtime=0))
    with pytest.raises(CourseError, match="decompressed content md5"):
        registry.fetch("toy", "toy_md5.gz", tmp_path)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(CourseError, match="cannot be decompressed"):
        registry.fetch("toy", "toy_md5.gz", tmp_path)


def test_download_extracts_only_the_member_from_an_archive(toy_registry, monkeypatch):
    bundle = Path(toy_registry["file"]).parent / "bundle.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("inner/member.txt", toy_registry["payload"])
        archive.writestr("inner/other.txt", b"not needed")
    import keras

    calls = []

    def fake_get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs.get("file_hash")))
        return str(bundle)

    monkeypatch.setattr(registry, "network_reason", lambda url: None)
    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    path = registry.fetch("toy", "member.txt")
    assert path.read_bytes() == toy_registry["payload"]
    assert path.parent == registry.keras_home() / "datasets" / "bundle_extracted"
    assert not (path.parent / "other.txt").exists()
    assert calls == [("bundle.zip", "https://example.invalid/bundle.zip", None)]


def test_file_status_counts_missing_bytes_without_downloading(toy_registry, tmp_path):
    (tmp_path / "toy.txt").write_bytes(toy_registry["payload"])
    status = registry.file_status("toy", tmp_path)
    assert status["present"] == ["toy.txt"]
    assert set(status["missing"]) == {"toy.gz", "toy_md5.gz", "member.txt", "local.txt"}
    assert status["missing_bytes"] == 1000  # an archive counts once, instead of its members


@pytest.mark.slow
def test_real_shared_data_verifies_against_published_hashes(shared_data):
    assert registry.fetch("sst2_glue", "dev.tsv", shared_data).name == "dev.tsv"
    assert registry.fetch("sst2_sentences", "stsa.binary.test", shared_data).is_file()
    assert registry.fetch("mnist", "t10k-labels-idx1-ubyte.gz", shared_data).is_file()
    assert registry.fetch("glove_6b", "glove.6B.50d.top2446.txt", shared_data).is_file()


@pytest.mark.slow
def test_real_mnist_all_four_files_verify_including_recompressed_train_images(shared_data):
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        path = shared_data / "mnist" / name
        if not path.is_file():
            pytest.skip(f"{path} absent")
        assert registry.fetch("mnist", name, shared_data) == path
    assert registry.file_status("mnist", shared_data)["missing"] == []


@pytest.mark.slow
def test_debian_fashion_mnist_is_found_in_its_system_folder(fashion_mnist_dir):
    path = registry.fetch("fashion_mnist", "t10k-labels-idx1-ubyte.gz")
    assert path.parent == fashion_mnist_dir


def test_human_size():
    assert registry.human_size(553467096) == "527.8 MB"
    assert registry.human_size(512) == "512 bytes"
    assert registry.human_size(None) == "unknown size"


def test_a_same_size_copy_with_wrong_bytes_is_refused(toy_registry, tmp_path):
    """The hash decides, not the size: one flipped byte is a corrupt file."""
    payload = toy_registry["payload"]
    (tmp_path / "toy.txt").write_bytes(payload[:-2] + b"?\n")
    with pytest.raises(CourseError, match="corrupt or truncated"):
        registry.fetch("toy", "toy.txt", tmp_path)


def test_the_verified_stamp_never_trusts_a_same_size_replacement(toy_registry, tmp_path):
    """A file verified once is remembered by size and modification time; replacing it with
    other bytes of the same size (a new mtime) makes it checked again, and refused."""
    import os

    good = tmp_path / "toy.txt"
    good.write_bytes(toy_registry["payload"])
    spec = next(spec for spec in registry.load_registry()["toy"].files if spec.name == "toy.txt")
    assert registry.verify(good, spec) == (True, "")
    before = good.stat().st_mtime_ns
    good.write_bytes(toy_registry["payload"][:-2] + b"?\n")
    os.utime(good, ns=(before + 10**9, before + 10**9))  # a later save, same size
    ok, reason = registry.verify(good, spec)
    assert not ok and "sha256" in reason


def _spec(name: str) -> registry.FileSpec:
    return next(spec for spec in registry.load_registry()["toy"].files if spec.name == name)


def test_without_a_hash_the_size_decides(toy_registry, tmp_path):
    """local.txt has no published hash: three bytes pass, four are refused, both sizes said."""
    spec = _spec("local.txt")
    right, wrong = tmp_path / "right.txt", tmp_path / "wrong.txt"
    right.write_bytes(b"abc")
    wrong.write_bytes(b"abcd")
    assert registry.verify(right, spec) == (True, "")
    assert registry.verify(wrong, spec) == (False, "size is 4 bytes, the registry says 3")


def test_a_hash_mismatch_names_both_hashes_and_is_not_decompressed(toy_registry, tmp_path,
                                                                    monkeypatch):
    """A plain file with the wrong bytes: the reason gives twelve hex digits of each hash and
    nothing about decompressing (only a .gz is read inside); a right file is never
    decompressed either."""
    spec = _spec("toy.txt")
    bad = tmp_path / "toy.txt"
    bad.write_bytes(b"other bytes\n")
    got = hashlib.sha256(b"other bytes\n").hexdigest()
    assert registry.verify(bad, spec) == (
        False, f"sha256 is {got[:12]}…, the registry says {spec.sha256[:12]}…")

    def never(*args):
        raise AssertionError("a file was decompressed")

    monkeypatch.setattr(registry, "_content_matches", never)
    assert registry.verify(toy_registry["file"], spec) == (True, "")
    # a .gz spec whose own hash matches: accepted on that hash, its content not read
    gz = tmp_path / "right.gz"
    gz.write_bytes(gzip.compress(toy_registry["gz_payload"]))
    matching = registry.FileSpec(name="right.gz", md5=hashlib.md5(gz.read_bytes()).hexdigest(),
                                 content_sha256="0" * 64)
    assert registry.verify(gz, matching) == (True, "")


def test_a_verified_file_is_not_hashed_again(toy_registry, monkeypatch):
    """The stamp (path, size, modification time) spares the second hash of a big file."""
    spec, path = _spec("toy.txt"), toy_registry["file"]
    assert registry.verify(path, spec) == (True, "")

    def no_hashing(*args):
        raise AssertionError("hashed again")

    monkeypatch.setattr(registry, "_file_digest", no_hashing)
    assert registry.verify(path, spec) == (True, "")
    other = path.with_name("copy.txt")
    other.write_bytes(path.read_bytes())  # the same bytes at another path: not stamped yet
    with pytest.raises(AssertionError, match="hashed again"):
        registry.verify(other, spec)


def test_file_status_adds_the_sizes_of_every_missing_file(tmp_path, monkeypatch):
    """Two missing plain files count 100 + 200 bytes; an optional file listed first neither
    counts nor stops the count; a present archive member brings in no archive; an archive
    of unknown size counts 0."""
    toml = tmp_path / "registry.toml"
    toml.write_text("""
[set]
title = "Set"

[[set.files]]
name = "extra.txt"
size = 7
optional = true

[[set.files]]
name = "a.txt"
size = 100

[[set.files]]
name = "b.txt"
size = 200

[[set.files]]
name = "here.txt"
archive = "bundle.zip"
archive_size = 5000
size = 3
""")
    monkeypatch.setattr(registry, "REGISTRY_PATH", toml)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-cache"))
    data = tmp_path / "data"
    data.mkdir()
    (data / "here.txt").write_bytes(b"abc")
    status = registry.file_status("set", data)
    assert status == {"present": ["here.txt"], "missing": ["a.txt", "b.txt"],
                      "missing_bytes": 300}
    (data / "here.txt").unlink()
    toml.write_text(toml.read_text().replace("archive_size = 5000\n", ""))
    monkeypatch.setattr(registry, "REGISTRY_PATH", toml)
    assert registry.file_status("set", data)["missing_bytes"] == 0  # archive size unknown

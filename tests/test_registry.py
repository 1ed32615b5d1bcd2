"""The data registry: lookup order, hash checks, offline failure, archive extraction."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

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
    assert info.value.what == f"toy: toy.txt ({len(toy_registry['payload'])} bytes) is not available"
    assert info.value.fix == (
        f"download toy.txt ({len(toy_registry['payload'])} bytes) from "
        f"https://example.invalid/toy.txt and put toy.txt in {registry.keras_home() / 'datasets'}/ "
        "(or in a folder passed with --data-dir / $KERASCOURSE_DATA)")


def test_offline_failure_of_an_archive_member_names_the_archive_to_download(toy_registry):
    with pytest.raises(CourseError) as info:
        registry.fetch("toy", "member.txt")
    assert info.value.fix.startswith(
        "download bundle.zip (1,000 bytes) from https://example.invalid/bundle.zip and put "
        f"member.txt in {registry.keras_home() / 'datasets'}/")


def test_local_only_file_says_it_cannot_be_downloaded(toy_registry):
    with pytest.raises(CourseError, match="not downloadable"):
        registry.fetch("toy", "local.txt")


def test_unknown_names_list_the_known_ones(toy_registry):
    with pytest.raises(CourseError, match="use one of: toy"):
        registry.fetch("nope")
    with pytest.raises(CourseError, match="has no file 'x.bin'") as info:
        registry.fetch("toy", "x.bin")
    assert info.value.fix == "use one of: toy.txt, toy.gz, toy_md5.gz, member.txt, local.txt"


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
    assert registry.human_size(1023) == "1,023 bytes"
    assert registry.human_size(1024) == "1.0 KB"
    assert registry.human_size(1536) == "1.5 KB"
    assert registry.human_size(3 * 1024**3) == "3.0 GB"
    assert registry.human_size(5 * 1024**4) == "5,120.0 GB"  # no unit above GB


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
    counts nor stops the count; a missing file of unknown size adds 0; a present archive
    member brings in no archive; an archive of unknown size counts 0."""
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
name = "unsized.txt"
url = "https://example.invalid/unsized.txt"

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
    assert status == {"present": ["here.txt"], "missing": ["a.txt", "b.txt", "unsized.txt"],
                      "missing_bytes": 300}  # a file of unknown size adds nothing
    (data / "here.txt").unlink()
    toml.write_text(toml.read_text().replace("archive_size = 5000\n", ""))
    monkeypatch.setattr(registry, "REGISTRY_PATH", toml)
    assert registry.file_status("set", data)["missing_bytes"] == 0  # archive size unknown


# --- loading the registry, the cache folder, the order of the search --------------------------

def _use_registry(tmp_path, monkeypatch, text: str) -> None:
    toml = tmp_path / "registry.toml"
    toml.write_text(text)
    monkeypatch.setattr(registry, "REGISTRY_PATH", toml)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-cache"))


def test_a_missing_or_broken_registry_file_says_which_and_why(tmp_path):
    missing = tmp_path / "none.toml"
    with pytest.raises(CourseError) as info:
        registry.load_registry(missing)
    assert info.value.what == f"the data registry {missing} is missing"
    assert info.value.fix == "reinstall from a checkout: pip install -e ."
    broken = tmp_path / "broken.toml"
    broken.write_text("[toy\ntitle = 'Toy'\n")
    with pytest.raises(CourseError) as info:
        registry.load_registry(broken)
    assert info.value.what == f"the data registry {broken} is not valid TOML"
    assert "line 1" in info.value.why  # where the TOML breaks


def test_the_keras_cache_is_dot_keras_in_the_home_folder_unless_keras_home_moves_it(
        tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert registry.keras_home() == tmp_path / ".keras"
    monkeypatch.setenv("KERAS_HOME", "~/elsewhere")
    assert registry.keras_home() == tmp_path / "elsewhere"


def test_a_system_folder_is_searched_after_the_cache(tmp_path, monkeypatch):
    system = tmp_path / "usr-share"
    system.mkdir()
    (system / "a.txt").write_bytes(b"abc")
    _use_registry(tmp_path, monkeypatch, f"""
[sys]
title = "Sys"
system_dirs = ["{system}"]

[[sys.files]]
name = "a.txt"
url = "https://example.invalid/a.txt"
size = 3
""")
    assert registry.fetch("sys", "a.txt") == system / "a.txt"
    cached = registry.keras_home() / "datasets" / "a.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"xyz")
    assert registry.fetch("sys", "a.txt") == cached


def test_without_a_file_name_fetch_takes_the_first_file_that_is_not_optional(tmp_path,
                                                                            monkeypatch):
    _use_registry(tmp_path, monkeypatch, """
[set]
title = "Set"

[[set.files]]
name = "extra.txt"
size = 1
optional = true

[[set.files]]
name = "main.txt"
size = 4
""")
    (tmp_path / "extra.txt").write_bytes(b"e")
    (tmp_path / "main.txt").write_bytes(b"main")
    assert registry.fetch("set", data_dir=tmp_path) == tmp_path / "main.txt"


def test_a_preset_or_package_entry_is_not_fetched_and_says_how_to_get_it(tmp_path,
                                                                        monkeypatch):
    _use_registry(tmp_path, monkeypatch, """
[hub]
kind = "keras_hub_preset"
title = "A preset"

[pkg]
kind = "pip"
title = "A package"
install = "pip install --no-deps some-package"
""")
    with pytest.raises(CourseError) as info:
        registry.fetch("hub")
    assert info.value.what == "'hub' is a keras_hub_preset entry, not a file download"
    assert info.value.fix == "load it with keras-hub's from_preset"
    with pytest.raises(CourseError) as info:
        registry.fetch("pkg")
    assert info.value.fix == "pip install --no-deps some-package"
    with pytest.raises(CourseError) as info:
        registry.fetch("nope")
    assert info.value.fix == "use one of: hub, pkg"


# --- verification details ---------------------------------------------------------------------

def test_a_recompressed_gzip_passes_with_no_reason_and_a_wrong_one_names_both_content_hashes(
        toy_registry, tmp_path):
    spec = _spec("toy_md5.gz")
    good = tmp_path / "good" / "toy_md5.gz"
    good.parent.mkdir()
    good.write_bytes(gzip.compress(toy_registry["gz_payload"], mtime=0))
    assert registry.verify(good, spec) == (True, "")
    bad = tmp_path / "toy_md5.gz"
    bad.write_bytes(gzip.compress(b"other content", mtime=0))
    file_md5 = hashlib.md5(bad.read_bytes()).hexdigest()
    content_md5 = hashlib.md5(b"other content").hexdigest()
    assert registry.verify(bad, spec) == (False, (
        f"md5 is {file_md5[:12]}…, the registry says {'0' * 12}…; "
        f"decompressed content md5 is {content_md5[:12]}…, "
        f"the registry says {spec.content_md5[:12]}…"))


def test_every_verified_file_is_remembered_not_only_the_first(toy_registry, tmp_path,
                                                            monkeypatch):
    spec, first = _spec("toy.txt"), toy_registry["file"]
    second = tmp_path / "second" / "toy.txt"
    second.parent.mkdir()
    second.write_bytes(toy_registry["payload"])
    assert registry.verify(first, spec) == (True, "")
    assert registry.verify(second, spec) == (True, "")

    def no_hashing(*args):
        raise AssertionError("hashed again")

    monkeypatch.setattr(registry, "_file_digest", no_hashing)
    assert registry.verify(first, spec) == (True, "")
    assert registry.verify(second, spec) == (True, "")


def test_a_copy_with_the_same_size_and_time_at_another_path_is_still_checked(toy_registry,
                                                                           tmp_path):
    spec, good = _spec("toy.txt"), toy_registry["file"]
    assert registry.verify(good, spec) == (True, "")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(toy_registry["payload"][:-2] + b"?\n")
    stamp = good.stat().st_mtime_ns
    os.utime(bad, ns=(stamp, stamp))  # e.g. copied with cp -p, then damaged in place
    assert registry.verify(bad, spec)[0] is False


# --- when fetch tries the network, and when it does not ----------------------------------------

def _never(*args, **kwargs):
    raise AssertionError("the network was used")


def test_download_false_neither_probes_nor_downloads(toy_registry, monkeypatch):
    import keras

    monkeypatch.setattr(registry, "network_reason", _never)
    monkeypatch.setattr(keras.utils, "get_file", _never)
    with pytest.raises(CourseError) as info:
        registry.fetch("toy", "toy.txt", download=False)
    assert info.value.why == "no local copy"
    assert info.value.fix.startswith("download toy.txt (")


def test_a_local_only_file_is_never_downloaded_even_with_a_url(tmp_path, monkeypatch):
    import keras

    _use_registry(tmp_path, monkeypatch, """
[manual]
title = "Manual"

[[manual.files]]
name = "form.pdf"
url = "https://example.invalid/form.pdf"
size = 10
local_only = true
""")
    monkeypatch.setattr(registry, "network_reason", _never)
    monkeypatch.setattr(keras.utils, "get_file", _never)
    with pytest.raises(CourseError) as info:
        registry.fetch("manual", "form.pdf")
    assert info.value.why == "no local copy"
    assert "this file is not downloadable" in info.value.fix


def test_every_corrupt_copy_and_the_network_are_named_in_the_reason(toy_registry, tmp_path):
    data = tmp_path / "data"
    (data / "toy_folder").mkdir(parents=True)
    copies = [data / "toy.txt", data / "toy_folder" / "toy.txt"]
    copies[0].write_bytes(b"short")
    copies[1].write_bytes(b"other")
    with pytest.raises(CourseError) as info:
        registry.fetch("toy", "toy.txt", data, download=False)
    reasons = info.value.why.split("; ")
    assert [r.startswith(f"{c} is corrupt or truncated (sha256 is ") for r, c in
            zip(reasons, copies, strict=False)] == [True, True] and len(reasons) == 2
    with pytest.raises(CourseError) as info:  # download allowed, but the tests are offline
        registry.fetch("toy", "toy.txt", data)
    reasons = info.value.why.split("; ")
    assert len(reasons) == 3 and reasons[0].startswith(f"{copies[0]} is corrupt")
    assert reasons[2] == "no network: $KERASCOURSE_OFFLINE is set"


class _Connection:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _record_probes(monkeypatch) -> list:
    probes = []

    def connect(address, timeout="no timeout given", *args, **kwargs):
        probes.append((address, timeout))
        return _Connection()

    monkeypatch.setattr(registry.socket, "create_connection", connect)
    return probes


def test_the_probe_asks_the_download_host_on_its_port_with_a_short_timeout(monkeypatch):
    monkeypatch.delenv("KERASCOURSE_OFFLINE")
    probes = _record_probes(monkeypatch)
    for url in ("https://example.invalid/a.zip", "http://example.invalid/a.zip",
                "https://example.invalid:8443/a.zip", "http://example.invalid:8080/a"):
        assert registry.network_reason(url) is None
    assert [address for address, _ in probes] == [
        ("example.invalid", 443), ("example.invalid", 80),
        ("example.invalid", 8443), ("example.invalid", 8080)]
    for _, timeout in probes:  # a bounded probe, never a wait as long as the system's
        assert isinstance(timeout, (int, float)) and 0 < timeout <= 10


def test_kerascourse_offline_skips_the_probe_unless_it_is_empty_or_zero(monkeypatch):
    probes = _record_probes(monkeypatch)
    for value in ("1", "yes", " 1 "):
        monkeypatch.setenv("KERASCOURSE_OFFLINE", value)
        assert registry.network_reason("https://example.invalid/a") == "$KERASCOURSE_OFFLINE is set"
    assert probes == []
    for value in ("", "0", " 0 "):
        monkeypatch.setenv("KERASCOURSE_OFFLINE", value)
        assert registry.network_reason("https://example.invalid/a") is None
    monkeypatch.delenv("KERASCOURSE_OFFLINE")
    assert registry.network_reason("https://example.invalid/a") is None
    assert len(probes) == 4


def test_an_unreachable_host_is_the_reason_fetch_gives(toy_registry, monkeypatch):
    import keras

    monkeypatch.delenv("KERASCOURSE_OFFLINE")

    def refuse(address, *args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(registry.socket, "create_connection", refuse)
    monkeypatch.setattr(keras.utils, "get_file", _never)
    with pytest.raises(CourseError) as info:
        registry.fetch("toy", "toy.txt")
    assert info.value.why == ("no network: cannot reach example.invalid "
                              "(ConnectionRefusedError: connection refused)")
    assert "https://example.invalid/toy.txt" in info.value.fix


# --- downloads: the real keras.utils.get_file, files served from a folder (file:// URLs) -------

PLAIN = b"a plain file of the course\n" * 3
WEIGHTS = b"\x89HDF weights" * 10
MEMBER = b"the member a lab needs\n"
SECOND = b"a second member\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


GOOD_BUNDLE = {"data/member.txt": MEMBER, "data/second.txt": SECOND, "data/other.txt": b"no"}


@pytest.fixture
def web(tmp_path, monkeypatch):
    """A registry whose files are served from ``server/`` and downloaded by the real
    ``keras.utils.get_file`` (its calls recorded) into a private Keras cache; the network
    probe is answered "online" and records the URL it was asked about. Two members of one
    zip archive: one checked by its size, one by its own sha256 (as SST-2's are)."""
    import keras

    server = tmp_path / "server"
    server.mkdir()

    def serve(name: str, data: bytes) -> None:
        (server / name).write_bytes(data)

    def url(name: str) -> str:
        return (server / name).as_uri()

    serve("plain.txt", PLAIN)
    serve("weights.h5", WEIGHTS)
    serve("bundle.zip", _zip(GOOD_BUNDLE))
    _use_registry(tmp_path, monkeypatch, f"""
[web]
title = "Web"

[[web.files]]
name = "plain.txt"
url = "{url('plain.txt')}"
size = {len(PLAIN)}
sha256 = "{hashlib.sha256(PLAIN).hexdigest()}"

[[web.files]]
name = "weights.h5"
url = "{url('weights.h5')}"
size = {len(WEIGHTS)}
md5 = "{hashlib.md5(WEIGHTS).hexdigest()}"
cache_subdir = "models"

[[web.files]]
name = "member.txt"
archive = "bundle.zip"
archive_url = "{url('bundle.zip')}"
archive_size = 5000
size = {len(MEMBER)}

[[web.files]]
name = "second.txt"
archive = "bundle.zip"
archive_url = "{url('bundle.zip')}"
archive_size = 5000
size = {len(SECOND)}
sha256 = "{hashlib.sha256(SECOND).hexdigest()}"
""")
    calls, probes = [], []
    real_get_file = keras.utils.get_file

    def recording_get_file(fname, origin, **kwargs):
        calls.append((fname, origin, kwargs))
        return real_get_file(fname, origin, **kwargs)

    monkeypatch.setattr(keras.utils, "get_file", recording_get_file)
    monkeypatch.setattr(registry, "network_reason", probes.append)  # None: online
    return SimpleNamespace(serve=serve, url=url, calls=calls, probes=probes, server=server,
                           home=tmp_path / "keras-cache", root=tmp_path)


def _written_outside_the_cache(web) -> list[Path]:
    return [path for path in web.root.rglob("*") if path.is_file()
            and web.server not in path.parents and web.home not in path.parents
            and path.name != "registry.toml"]


def test_a_download_hands_get_file_the_name_url_hash_and_cache_folder(web):
    path = registry.fetch("web", "plain.txt")
    assert path == web.home / "datasets" / "plain.txt" and path.read_bytes() == PLAIN
    assert web.probes == [web.url("plain.txt")]  # the host it downloads from is probed
    assert web.calls == [("plain.txt", web.url("plain.txt"), {
        "file_hash": hashlib.sha256(PLAIN).hexdigest(), "cache_dir": str(web.home),
        "cache_subdir": "datasets"})]
    weights = registry.fetch("web", "weights.h5")  # an md5 only, in the models folder
    assert weights == web.home / "models" / "weights.h5" and weights.read_bytes() == WEIGHTS
    assert web.calls[1][2]["file_hash"] == hashlib.md5(WEIGHTS).hexdigest()
    assert registry.fetch("web", "plain.txt") == path  # the next time from the cache
    assert len(web.calls) == 2
    assert _written_outside_the_cache(web) == []


def test_two_members_of_one_archive_are_extracted_side_by_side_in_the_cache(web):
    member = registry.fetch("web", "member.txt")
    second = registry.fetch("web", "second.txt")
    folder = web.home / "datasets" / "bundle_extracted"
    assert (member.read_bytes(), second.read_bytes()) == (MEMBER, SECOND)
    assert sorted(folder.iterdir()) == [folder / "member.txt", folder / "second.txt"]
    assert [call[0] for call in web.calls] == ["bundle.zip", "bundle.zip"]
    # the archive has no hash of its own: a member's hash (second.txt's) is never held
    # against the archive, the member is checked once extracted
    assert [call[2]["file_hash"] for call in web.calls] == [None, None]
    assert _written_outside_the_cache(web) == []


@pytest.mark.parametrize("stored_as", ["../../../escaped/member.txt", "{root}/escaped/member.txt"])
def test_a_member_stored_under_a_path_outside_the_folder_is_extracted_inside_it(web, stored_as):
    web.serve("bundle.zip", _zip({stored_as.format(root=web.root): MEMBER}))
    path = registry.fetch("web", "member.txt")
    assert path == web.home / "datasets" / "bundle_extracted" / "member.txt"
    assert path.read_bytes() == MEMBER
    assert _written_outside_the_cache(web) == []


def test_a_download_with_the_wrong_hash_is_refused_and_a_second_run_fetches_it_afresh(web):
    web.serve("plain.txt", PLAIN[:-2] + b"?\n")
    with pytest.raises(CourseError) as info:
        registry.fetch("web", "plain.txt")
    assert info.value.what == "web: the download of plain.txt is corrupt"
    assert hashlib.sha256(PLAIN).hexdigest() in info.value.why  # the hash it should have had
    assert info.value.fix == "run the command again; if it persists, download it by hand"
    web.serve("plain.txt", PLAIN)  # the server's copy is right again
    assert registry.fetch("web", "plain.txt").read_bytes() == PLAIN


def test_an_archive_member_of_the_wrong_size_is_refused_and_the_archive_fetched_afresh(web):
    web.serve("bundle.zip", _zip({"data/member.txt": MEMBER + b"extra"}))
    with pytest.raises(CourseError) as info:
        registry.fetch("web", "member.txt")
    assert info.value.what == "web: the downloaded member.txt is corrupt"
    assert info.value.why == (f"size is {len(MEMBER) + 5} bytes, "
                              f"the registry says {len(MEMBER)}")
    assert info.value.fix == "run the command again to download it afresh"
    assert not (web.home / "datasets" / "bundle_extracted" / "member.txt").exists()
    web.serve("bundle.zip", _zip(GOOD_BUNDLE))  # as the advice says: run again
    assert registry.fetch("web", "member.txt").read_bytes() == MEMBER


def test_a_truncated_archive_is_deleted_and_named(web):
    good = _zip(GOOD_BUNDLE)
    web.serve("bundle.zip", good[: len(good) // 2])
    with pytest.raises(CourseError) as info:
        registry.fetch("web", "member.txt")
    archive = web.home / "datasets" / "bundle.zip"
    assert info.value.what == f"{archive} is not a valid zip archive (truncated download?)"
    assert info.value.fix == "run the command again to download it afresh"
    assert not archive.exists()
    web.serve("bundle.zip", good)
    assert registry.fetch("web", "member.txt").read_bytes() == MEMBER


def test_an_archive_without_the_member_names_both_and_what_to_delete(web):
    web.serve("bundle.zip", _zip({"data/second.txt": SECOND}))
    with pytest.raises(CourseError) as info:
        registry.fetch("web", "member.txt")
    archive = web.home / "datasets" / "bundle.zip"
    assert info.value.what == "bundle.zip holds no member.txt"
    assert info.value.fix == f"delete {archive} and run again to download it afresh"


def test_a_failed_download_names_the_file_its_size_its_url_and_the_folder(web):
    (web.server / "plain.txt").unlink()
    with pytest.raises(CourseError) as info:
        registry.fetch("web", "plain.txt")
    size = f"{len(PLAIN)} bytes"
    assert info.value.what == f"web: plain.txt ({size}) is not available"
    assert info.value.why.startswith("download failed: ")
    assert web.url("plain.txt") in info.value.why  # get_file's own words
    assert info.value.fix == (
        f"download plain.txt ({size}) from {web.url('plain.txt')} and put plain.txt in "
        f"{web.home / 'datasets'}/ (or in a folder passed with --data-dir / $KERASCOURSE_DATA)")


def test_an_unwritable_cache_folder_is_named_with_the_fix(web, monkeypatch):
    real_access = os.access
    cache = web.home / "datasets"

    def access(path, mode, **kwargs):  # as for a user without rights (the tests may be root)
        return False if Path(path) == cache else real_access(path, mode, **kwargs)

    monkeypatch.setattr(registry.os, "access", access)
    with pytest.raises(CourseError) as info:
        registry.fetch("web", "plain.txt")
    assert info.value.what == f"the cache folder {cache} is not writable"
    assert info.value.fix == "set KERAS_HOME to a folder you can write, or fix its permissions"
    assert web.calls == []

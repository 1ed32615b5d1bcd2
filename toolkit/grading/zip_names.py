"""Zip member names that say they are UTF-8 but are not: one member lost, not the whole zip.

A zip marks a member's name as UTF-8 with bit 11 of its flags. Some tools set the bit and
still write the name in a legacy code page (``b"caf\\xe9.md"``); :class:`zipfile.ZipFile`
then fails on the whole archive with ``UnicodeDecodeError``, and the student's every file
would be lost for one odd name. :func:`open_zip` reads such an archive all the same: the
flag of each member whose name is not valid UTF-8 is cleared in a copy of the central
directory (in memory), so :mod:`zipfile` reads the rest, and those members are named in
``bad`` (with their bytes escaped) for the caller to skip and report.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import BinaryIO

UTF8_FLAG = 0x800
_END = b"PK\x05\x06"
_ENTRY = b"PK\x01\x02"
_MAX_COPY = 512 * 2**20  # a zip larger than this keeps the plain error


def open_zip(stream: BinaryIO) -> tuple[zipfile.ZipFile, dict[str, str]]:
    """A ZipFile on ``stream``, and the members with a bad UTF-8 name: ``{name as zipfile
    shows it: name with its bytes escaped}``. Raises what :class:`zipfile.ZipFile` raises
    when the archive is broken in another way."""
    try:
        return zipfile.ZipFile(stream), {}
    except UnicodeDecodeError as error:
        stream.seek(0, io.SEEK_END)
        if stream.tell() > _MAX_COPY:
            raise
        stream.seek(0)
        repaired = _clear_bad_flags(stream.read())
        if repaired is None:
            raise error from None
        data, bad = repaired
        return zipfile.ZipFile(io.BytesIO(data)), bad


def _clear_bad_flags(data: bytes) -> tuple[bytes, dict[str, str]] | None:
    """``data`` with the UTF-8 flag cleared on every central directory entry whose name is
    not UTF-8, and those names; None when the directory cannot be found (zip64, damage)."""
    end = data.rfind(_END, max(0, len(data) - 65557))
    if end < 0 or end + 22 > len(data):
        return None
    size, _offset = struct.unpack_from("<II", data, end + 12)
    if size == 0xFFFFFFFF:
        return None
    position, stop = end - size, end
    if position < 0:
        return None
    fixed = bytearray(data)
    bad: dict[str, str] = {}
    while position < stop:
        if data[position:position + 4] != _ENTRY or position + 46 > stop:
            return None
        flags = struct.unpack_from("<H", data, position + 8)[0]
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data,
                                                                        position + 28)
        raw = data[position + 46:position + 46 + name_length]
        if flags & UTF8_FLAG:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                struct.pack_into("<H", fixed, position + 8, flags & ~UTF8_FLAG)
                bad[raw.decode("cp437")] = raw.decode("utf-8", errors="backslashreplace")
        position += 46 + name_length + extra_length + comment_length
    return bytes(fixed), bad

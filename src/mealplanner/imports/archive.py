"""Safe reading of untrusted archives: every zip is checked before a byte is written.

Refused, with a clear error code: too many entries, oversized entries or totals (declared
*and* actual sizes: headers can lie), suspicious compression ratios (zip bombs), absolute or
`..` paths, symlinks and other special files, encrypted entries, and zips nested deeper than
allowed. Files are only ever created inside the destination folder, with `O_EXCL` and
`O_NOFOLLOW`, so nothing can be written elsewhere or through a planted link.
"""

from __future__ import annotations

import gzip
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mealplanner.imports.exceptions import ImportFileError

MIB = 1024 * 1024
_CHUNK = 64 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_OUTSIDE = "The archive contains a path outside its folder"


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_upload_bytes: int = 50 * MIB
    max_entries: int = 5000
    max_entry_bytes: int = 25 * MIB
    max_total_bytes: int = 200 * MIB
    # Text compresses ~10:1 and photos barely; 100:1 on a large entry is a bomb.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 256 * 1024
    # The upload itself is depth 1; Tandoor's per-recipe zips are depth 2.
    max_depth: int = 2


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(slots=True)
class _Budget:
    entries: int = 0
    bytes: int = 0


def _too_large(what: str) -> ImportFileError:
    return ImportFileError("ARCHIVE_TOO_LARGE", f"The archive is too large ({what})")


def safe_member_path(name: str) -> PurePosixPath:
    """The entry's relative path, or an error for absolute, `..` or otherwise odd names."""
    if not name or "\x00" in name:
        raise ImportFileError("UNSAFE_PATH", "The archive contains an entry with an invalid name")
    normalized = name.replace("\\", "/")
    path = PurePosixPath(normalized)
    if normalized.startswith("/") or _DRIVE.match(normalized) or ".." in path.parts:
        raise ImportFileError(
            "UNSAFE_PATH", "The archive contains a path outside its folder (absolute or '..')"
        )
    parts = [p for p in path.parts if p not in {"", "."}]
    if not parts:
        raise ImportFileError("UNSAFE_PATH", "The archive contains an entry with an invalid name")
    return PurePosixPath(*parts)


def _file_type(info: zipfile.ZipInfo) -> int:
    # Unix mode bits live in the high 16 bits when the entry was made on a Unix system.
    return stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0


def _check_entry(info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    kind = _file_type(info)
    if kind == stat.S_IFLNK:
        raise ImportFileError("SYMLINK", "The archive contains a symbolic link")
    if kind not in {0, stat.S_IFREG, stat.S_IFDIR}:
        raise ImportFileError("UNSAFE_ENTRY", "The archive contains a special file")
    if info.flag_bits & 0x1:
        raise ImportFileError("ENCRYPTED", "The archive contains encrypted entries")
    if info.file_size > limits.max_entry_bytes:
        raise _too_large("an entry is over the per-file limit")
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        raise ImportFileError("ZIP_BOMB", "The archive's compression ratio is suspicious")


def extract_zip(
    archive: Path,
    dest: Path,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    *,
    depth: int = 1,
    budget: _Budget | None = None,
) -> list[Path]:
    """Extracts `archive` into `dest` (which must exist) and returns the files written.

    Entries that are themselves zips are extracted next to themselves into `<name>.d/` while
    `depth < limits.max_depth`; a zip nested deeper is refused.
    """
    budget = budget or _Budget()
    root = dest.resolve()
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError("BROKEN_ARCHIVE", "The file is not a readable zip archive") from exc
    written: list[Path] = []
    with zf:
        infos = zf.infolist()
        # Check every header before writing anything.
        budget.entries += len(infos)
        if budget.entries > limits.max_entries:
            raise ImportFileError("TOO_MANY_ENTRIES", "The archive has too many entries")
        declared = 0
        for info in infos:
            safe_member_path(info.filename)
            _check_entry(info, limits)
            declared += info.file_size
        if budget.bytes + declared > limits.max_total_bytes:
            raise _too_large("uncompressed total over the limit")
        for info in infos:
            relative = safe_member_path(info.filename)
            target = root.joinpath(*relative.parts)
            if not target.resolve().is_relative_to(root) or target.resolve() == root:
                raise ImportFileError(
                    "UNSAFE_PATH", "The archive contains a path outside its folder"
                )
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.parent.resolve().is_relative_to(root):
                raise ImportFileError(
                    "UNSAFE_PATH", "The archive contains a path outside its folder"
                )
            _stream_entry(zf, info, target, limits, budget)
            written.append(target)
    nested: list[Path] = []
    for path in written:
        if _looks_like_zip(path):
            if depth >= limits.max_depth:
                raise ImportFileError("NESTED_TOO_DEEP", "The archive nests zips too deeply")
            inner = path.with_name(path.name + ".d")
            inner.mkdir()
            nested.extend(extract_zip(path, inner, limits, depth=depth + 1, budget=budget))
    return written + nested


def _looks_like_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def _stream_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ArchiveLimits, budget: _Budget
) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError as exc:
        raise ImportFileError("UNSAFE_PATH", "The archive contains the same path twice") from exc
    size = 0
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                budget.bytes += len(chunk)
                # Declared sizes can lie; count what actually comes out.
                if size > limits.max_entry_bytes or size > info.file_size:
                    raise ImportFileError("ZIP_BOMB", "An archive entry is larger than declared")
                if budget.bytes > limits.max_total_bytes:
                    raise _too_large("uncompressed total over the limit")
                out.write(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise ImportFileError("BROKEN_ARCHIVE", "An archive entry is corrupt") from exc


def read_gzip_capped(path: Path, cap: int) -> bytes:
    """Decompresses a gzip file, refusing output over `cap` bytes (gzip bombs)."""
    chunks: list[bytes] = []
    size = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > cap:
                    raise ImportFileError("ZIP_BOMB", "A compressed entry expands too much")
                chunks.append(chunk)
    except (OSError, EOFError) as exc:
        raise ImportFileError("BROKEN_ARCHIVE", "A compressed entry is corrupt") from exc
    return b"".join(chunks)


def read_text(data: bytes, what: str) -> str:
    """UTF-8 text (a BOM is fine); anything else is refused rather than guessed."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("NOT_UTF8", f"{what} is not UTF-8 text") from exc

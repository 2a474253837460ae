"""Format detection: one uploaded file (in the job's temp folder) to recipe drafts."""

from __future__ import annotations

from pathlib import Path

from mealplanner.imports.archive import ArchiveLimits, extract_zip
from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import (
    BadRecipe,
    Items,
    load_json,
    mealie,
    nextcloud,
    paprika,
    plantoeat,
    tandoor,
)
from mealplanner.imports.formats.schemaorg import draft_from_node, drafts_from_bytes, find_recipes

_LOOSE = {".json", ".html", ".htm", ".csv"}


def read_upload(path: Path, filename: str, workdir: Path, limits: ArchiveLimits) -> Items:
    """Drafts (or per-recipe errors) from one file; whole-file problems raise ImportFileError.

    Archives are extracted under `workdir` only; the caller removes it.
    """
    if path.stat().st_size > limits.max_upload_bytes:
        raise ImportFileError("ARCHIVE_TOO_LARGE", "The file is over the upload size limit")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04" and magic[:2] != b"PK":
        yield from read_single(path.read_bytes(), filename)
        return
    root = workdir / "archive"
    root.mkdir()
    files = extract_zip(path, root, limits)
    if paprika.detect(files):
        yield from paprika.read(files, limits)
    elif mealie.detect_backup(root):
        yield from mealie.read_backup(root)
    elif tandoor.detect(root):
        yield from tandoor.read(root)
    elif nextcloud.detect(root):
        yield from nextcloud.read(root)
    else:
        loose = sorted(f for f in files if f.suffix.lower() in _LOOSE)
        if not loose:
            raise ImportFileError("UNSUPPORTED_FORMAT", "No recipes were found in the archive")
        for file in loose:
            try:
                yield from read_single(file.read_bytes(), file.name)
            except ImportFileError as exc:
                yield BadRecipe(file.name, exc.message)


def read_single(data: bytes, filename: str) -> Items:
    suffix = Path(filename).suffix.lower()
    start = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in {".html", ".htm"} or (suffix not in {".json", ".csv"} and start[:1] == b"<"):
        yield from drafts_from_bytes(data, filename, is_html=True)
    elif suffix == ".json" or start[:1] in {b"{", b"["}:
        document = load_json(data, filename)
        nodes = find_recipes(document)
        if nodes:
            yield from (draft_from_node(node) for node in nodes)
        elif mealie.looks_like_single(document):
            yield mealie.single_draft(document)
        else:
            raise ImportFileError("NO_RECIPE", f"{filename} contains no recognisable recipe")
    elif suffix == ".csv" or plantoeat.detect(data[:4096].decode("utf-8", "ignore")):
        yield from plantoeat.read(data, filename)
    else:
        raise ImportFileError("UNSUPPORTED_FORMAT", f"{filename} is not a supported recipe format")

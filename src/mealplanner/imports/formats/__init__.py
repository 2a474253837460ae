"""One module per format; each turns its input into `RecipeDraft`s (or per-recipe errors)."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mealplanner.imports.archive import read_text
from mealplanner.imports.exceptions import ImportFileError

IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


@dataclass(slots=True)
class RecipeDraft:
    """A recipe as read from some format, before it is mapped to our vocabularies."""

    name: str
    ingredients: list[str] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)
    description: str = ""
    prep_minutes: int | None = None
    cook_minutes: int | None = None
    total_minutes: int | None = None
    servings: float | None = None
    categories: list[str] = field(default_factory=list)
    cuisines: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    meal_types: list[str] = field(default_factory=list)
    difficulty: str | None = None
    source_url: str | None = None
    source_name: str | None = None
    # A stable id from the source app ("paprika:<uid>"); None means "hash the content".
    source_id: str | None = None
    image: bytes | None = None
    image_name: str | None = None
    image_url: str | None = None
    notes: str = ""

    def content_hash(self) -> str:
        canonical = json.dumps(
            [
                " ".join(self.name.lower().split()),
                [" ".join(i.lower().split()) for i in self.ingredients],
                [" ".join(s.lower().split()) for s in self.instructions],
            ],
            ensure_ascii=False,
        )
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:48]


@dataclass(frozen=True, slots=True)
class BadRecipe:
    """One recipe of a batch that could not be read; reported, the rest carry on."""

    label: str
    message: str


Item = RecipeDraft | BadRecipe
Items = Iterator[Item]


# -- shared readers --------------------------------------------------------------------------


def load_json(data: bytes, what: str) -> Any:
    text = read_text(data, what)
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImportFileError("BROKEN_JSON", f"{what} is not valid JSON") from exc


def read_json_file(path: Path, what: str) -> Any:
    return load_json(path.read_bytes(), what)


_TAG = re.compile(r"<[^>]{0,2000}>")


def clean_text(value: Any) -> str:
    """Plain text from a string that may hold HTML tags or entities."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    text = _TAG.sub(" ", value)
    text = html.unescape(text).replace("\xa0", " ")
    return " ".join(text.split())


def clean_lines(value: Any) -> list[str]:
    """Non-empty lines from newline-separated text or a list of strings."""
    if value is None:
        return []
    if isinstance(value, list):
        return [line for item in value for line in clean_lines(item)]
    if not isinstance(value, str):
        value = str(value)
    value = re.sub(r"<br\s*/?>|</p>|</li>", "\n", value, flags=re.IGNORECASE)
    return [line for line in (clean_text(part) for part in value.splitlines()) if line]


def split_paragraphs(value: Any) -> list[str]:
    """Steps from prose: blank-line separated paragraphs, else one step per line."""
    if not isinstance(value, str):
        return clean_lines(value)
    text = value.replace("\r\n", "\n")
    parts = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(parts) <= 1:
        return clean_lines(text)
    return [clean_text(p) for p in parts if clean_text(p)]


def text_list(value: Any) -> list[str]:
    """Names from "a, b", ["a", "b"] or [{"name": "a"}]."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p for p in (clean_text(x) for x in value.split(",")) if p]
    if isinstance(value, dict):
        return text_list(value.get("name") or value.get("title"))
    if isinstance(value, list):
        return [name for item in value for name in text_list(item)]
    return [clean_text(value)]


_ISO = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$",
    re.IGNORECASE,
)
_HOURS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours|std)\b", re.IGNORECASE)
_MINUTES = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:m|min|mins|minute|minutes)\b", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")


def parse_minutes(value: Any) -> int | None:
    """Minutes from ISO-8601 (`PT1H30M`), "1 hour 30 mins", "1:30", "45" or a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0, round(value))
    text = str(value).strip()
    if not text:
        return None
    if match := _ISO.match(text):
        if not any(match.groups()):
            return None
        days, hours, minutes, seconds = (float(g or 0) for g in match.group("d", "h", "m", "s"))
        return round(days * 1440 + hours * 60 + minutes + seconds / 60)
    if match := _CLOCK.match(text):
        return int(match.group(1)) * 60 + int(match.group(2))
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return round(float(text))
    hours = sum(float(h.replace(",", ".")) for h in _HOURS.findall(text))
    minutes = sum(float(m.replace(",", ".")) for m in _MINUTES.findall(text))
    if hours or minutes:
        return round(hours * 60 + minutes)
    return None


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def parse_servings(value: Any) -> float | None:
    """Servings from 4, "4 servings", ["4", "4 servings"] or "Makes 12 (2-3 each)"."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value > 0 else None
    if isinstance(value, list):
        for item in value:
            found = parse_servings(item)
            if found is not None:
                return found
        return None
    match = _NUMBER.search(str(value))
    if match is None:
        return None
    number = float(match.group().replace(",", "."))
    return number if number > 0 else None


def image_type(name: str) -> str | None:
    return IMAGE_TYPES.get(Path(name).suffix.lower())

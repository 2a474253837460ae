"""Parse free-text ingredient lines ("1 1/2 cups flour, sifted") into structured parts.

The parser is deliberately forgiving: imported recipes are messy, so every string gives a
``ParsedIngredient`` (at worst with no quantity and the whole line as the name) and nothing
raises. Quantities outside (0, 100 000] are dropped rather than trusted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from mealplanner.foods.units import parse_unit

MAX_QUANTITY: Final = 100_000.0
_MAX_NAME_LENGTH: Final = 200

_VULGAR = "½⅓⅔¼¾⅛⅜⅝⅞⅕⅖⅗⅘⅙⅚⅐⅑⅒"
_VULGAR_VALUES: Final = {char: unicodedata.numeric(char) for char in _VULGAR}

_NUMBER = (
    rf"(?:\d+\s*[{_VULGAR}]"  # 1½
    r"|\d+(?:\s+|\s*-\s*)\d+\s*/\s*\d+"  # 1 1/2, 2-1/2
    r"|\d+\s*/\s*\d+"  # 1/2
    r"|\d*\.\d+|\d+(?:\.\d+)?"  # .5, 1.5, 2
    rf"|[{_VULGAR}])"  # ½
)
_QUANTITY_RE: Final = re.compile(
    rf"(?P<low>{_NUMBER})(?:\s*(?:-|\u2013|\u2014|to|or)\s*(?P<high>{_NUMBER}))?",
    re.IGNORECASE,
)
_WORD_NUMBERS: Final = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "eleven": 11.0,
    "twelve": 12.0,
    "half": 0.5,
    "dozen": 12.0,
}
_WORD_NUMBER_RE: Final = re.compile(
    r"^(?P<word>" + "|".join(_WORD_NUMBERS) + r")\b\s*(?:a\s+)?", re.IGNORECASE
)
_BULLET_RE: Final = re.compile(r"^\s*(?:[-*•·‣▪▢□◦●○\u2013\u2014+]\s*|\[\s?[xX ]?\s?\]\s*)+")
_PAREN_RE: Final = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_OPTIONAL_RE: Final = re.compile(r"[,;]?\s*\(?\s*\boptional\b\s*\)?", re.IGNORECASE)
_TO_TASTE_RE: Final = re.compile(
    r"[,;]?\s*\(?\s*\b(?:to taste|as needed|as required|according to taste)\b\s*\)?",
    re.IGNORECASE,
)
_JUICE_OF_RE: Final = re.compile(
    r"^(?P<part>juice|zest|zest and juice|juice and zest|grated zest)\s+of\s+(?P<rest>.+)$",
    re.IGNORECASE,
)
_MEASURE_RE: Final = re.compile(
    rf"^\s*(?P<qty>{_NUMBER})\s*-?\s*(?P<unit>[a-zA-Z][a-zA-Z. ]*?)\.?\s*(?:can|package|jar)?\s*$"
)
_INLINE_PACKAGE_RE: Final = re.compile(
    rf"^(?P<qty>{_NUMBER})\s*-?\s*(?P<unit>oz|ounce|ounces|g|gram|grams|ml|lb|pound|fl\.? oz)\.?\s+"
    r"(?=(?:cans?|packages?|jars?|bottles?|tins?|packets?|bags?|boxes|box)\b)",
    re.IGNORECASE,
)
_HEADING_PREFIX_RE: Final = re.compile(r"^for\s+(?:the\s+)?\S", re.IGNORECASE)
_SPACE_RE: Final = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class ParsedIngredient:
    raw: str
    quantity: float | None
    quantity_max: float | None
    unit: str | None  # canonical key from mealplanner.foods.units
    name: str
    preparation: str | None
    optional: bool
    to_taste: bool
    package_size: tuple[float, str] | None


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if text[-1] in _VULGAR_VALUES:
        whole = text[:-1].strip()
        return (float(whole) if whole else 0.0) + _VULGAR_VALUES[text[-1]]
    if "/" in text:
        head, denominator = text.rsplit("/", 1)
        parts = re.split(r"\s+|\s*-\s*", head.strip())
        numerator = float(parts[-1])
        whole_part = float(parts[0]) if len(parts) > 1 else 0.0
        bottom = float(denominator)
        if bottom == 0:
            return None
        return whole_part + numerator / bottom
    return float(text)


def _sane(value: float | None) -> float | None:
    if value is None or not 0 < value <= MAX_QUANTITY:
        return None
    return value


def _match_quantity(text: str) -> tuple[float, float | None, int] | None:
    """A quantity at the start of ``text``: (low, high or None, characters consumed)."""
    match = _QUANTITY_RE.match(text)
    if match is None:
        return None
    try:
        low = _number(match["low"])
        high = _number(match["high"]) if match["high"] else None
    except (ValueError, OverflowError):
        return None
    if low is None:
        return None
    if high is not None and high <= low:
        # "1-1" says nothing more than 1; "3-2" is a typo we will not guess at.
        high = None
    return low, high, match.end()


def parse_quantity(text: str) -> tuple[float, float | None] | None:
    """Parse a whole string as a quantity or range: "1 1/2", "½", "2-3", "2 to 3"."""
    cleaned = text.strip().replace("\u2044", "/")
    matched = _match_quantity(cleaned)
    if matched is None or matched[2] != len(cleaned):
        return None
    low, high, _ = matched
    if _sane(low) is None:
        return None
    return low, _sane(high)


def is_group_heading(line: str) -> str | None:
    """The heading text when a line is a section heading ("For the sauce:"), else None."""
    text = _BULLET_RE.sub("", line).strip().strip("#*_ ").strip()
    if not text or len(text) > 60 or any(char.isdigit() for char in text):
        return None
    if text.endswith(":"):
        heading = text.rstrip(":").strip()
    elif _HEADING_PREFIX_RE.match(text) and len(text.split()) <= 5 and "," not in text:
        heading = text
    else:
        return None
    if not heading or len(heading.split()) > 6:
        return None
    return heading


def _clean(text: str) -> str:
    text = text.replace("\u2044", "/").replace("\u00a0", " ")
    return _SPACE_RE.sub(" ", _BULLET_RE.sub("", text)).strip()


def _read_unit(text: str) -> tuple[str | None, str]:
    """A unit at the start of ``text`` and the rest; two-word units first ("fl oz")."""
    words = text.split(" ")
    for count in (2, 1):
        if len(words) < count:
            continue
        candidate = " ".join(words[:count])
        unit = parse_unit(candidate)
        if unit is None:
            # "200g" / "tsp." glued or dotted: allow a trailing comma too ("1 cup, flour").
            unit = parse_unit(candidate.rstrip(",."))
        if unit is not None:
            rest = " ".join(words[count:])
            return unit.key, rest
    return None, text


def _package_size(text: str) -> tuple[float, str] | None:
    match = _MEASURE_RE.match(text)
    if match is None:
        return None
    unit = parse_unit(match["unit"].strip().rstrip("-"))
    if unit is None or unit.to_base is None:
        return None
    try:
        amount = _sane(_number(match["qty"]))
    except (ValueError, OverflowError):
        return None
    return (amount, unit.key) if amount is not None else None


def _tidy(text: str) -> str:
    return text.strip().strip(",;:-\u2013\u2014").strip()


def parse_ingredient_line(line: str) -> ParsedIngredient:
    """Split an ingredient line into quantity, unit, name and notes; never raises."""
    try:
        return _parse(line)
    except Exception:
        name = _clean(line)[:_MAX_NAME_LENGTH]
        return ParsedIngredient(line, None, None, None, name, None, False, False, None)


def _parse(line: str) -> ParsedIngredient:
    heading = is_group_heading(line)
    if heading is not None:
        return ParsedIngredient(line, None, None, None, heading, None, False, False, None)

    text = _clean(line)
    optional = bool(re.search(r"\boptional\b", text, re.IGNORECASE))
    text = _OPTIONAL_RE.sub("", text)
    to_taste = bool(_TO_TASTE_RE.search(text))
    text = _TO_TASTE_RE.sub("", text).strip()

    part: str | None = None
    juice = _JUICE_OF_RE.match(text)
    if juice:
        part = juice["part"].lower()
        text = juice["rest"]

    quantity: float | None = None
    quantity_max: float | None = None
    matched = _match_quantity(text)
    if matched is not None:
        quantity, quantity_max, end = matched
        text = text[end:].strip()
    else:
        word = _WORD_NUMBER_RE.match(text)
        if word is not None and (rest := text[word.end() :].strip()):
            quantity = _WORD_NUMBERS[word["word"].lower()]
            text = rest

    package_size: tuple[float, str] | None = None
    notes: list[str] = []
    # "1 14-oz can tomatoes": the size sits between the count and the container.
    inline = _INLINE_PACKAGE_RE.match(text)
    if inline is not None and quantity is not None:
        package_size = _package_size(f"{inline['qty']} {inline['unit']}")
        text = text[inline.end() :]

    # A parenthetical right after the count is a package size ("1 (14 oz) can"); one right
    # after a unit is the same amount in other units ("1 cup (240 ml)"), which we drop; any
    # other is a note.
    leading = _PAREN_RE.match(text)
    if leading is not None and quantity is not None:
        inner = leading.group(1) or leading.group(2) or ""
        size = _package_size(inner)
        if size is not None:
            package_size = size
            text = text[leading.end() :].strip()

    unit, text = _read_unit(text) if quantity is not None else (None, text)
    if unit is None and quantity is None:
        # "pinch of salt" without an article.
        unit_only, rest = _read_unit(text)
        if unit_only is not None and rest.lower().startswith("of "):
            unit, text, quantity = unit_only, rest, 1.0
    text = re.sub(r"^of\s+", "", text.strip(), flags=re.IGNORECASE)

    def _keep_note(match: re.Match[str]) -> str:
        inner = (match.group(1) or match.group(2) or "").strip()
        if inner and _package_size(inner) is None:
            notes.append(inner)
        return " "

    text = _SPACE_RE.sub(" ", _PAREN_RE.sub(_keep_note, text)).strip()

    name, _, preparation = text.partition(",")
    name = _tidy(name)
    prep_parts = [_tidy(preparation)] if _tidy(preparation) else []
    prep_parts.extend(notes)
    if part is not None:
        name = f"{name} {part.replace('grated ', '')}".strip()
    if not name:
        name = _tidy(_clean(line))[:_MAX_NAME_LENGTH]

    quantity = _sane(quantity)
    quantity_max = _sane(quantity_max) if quantity is not None else None
    if quantity is None:
        unit = None if unit not in {"pinch", "dash"} else unit
        package_size = None
    return ParsedIngredient(
        raw=line,
        quantity=quantity,
        quantity_max=quantity_max,
        unit=unit,
        name=name[:_MAX_NAME_LENGTH],
        preparation="; ".join(prep_parts) or None,
        optional=optional,
        to_taste=to_taste,
        package_size=package_size,
    )

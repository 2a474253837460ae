"""Link an ingredient name ("2 chicken breasts, diced") to the USDA food a cook means.

USDA descriptions are long and ordered for a database ("Wheat flour, white, all-purpose,
enriched, bleached"), so plain fuzzy matching against them picks odd entries. Matching runs
in stages, stopping at the first that answers:

1. exact hit in the curated alias table (``data/aliases.csv``), on the name lower-cased,
   singularised and stripped of quantities (confidence 1.0), then again without preparation
   words such as "sifted" or "finely chopped" (0.97);
2. a typo-tolerant match against the aliases ("chiken breast"), confidence from the
   similarity score;
3. the longest alias contained word-for-word in the name ("organic chicken breast fillets"),
   confidence by how much of the name it covers;
4. fuzzy search over USDA descriptions, preferring raw, generic entries; confidence is
   capped below the alias stages because the choice between, say, raw and cooked is a guess.

Callers link a line only when ``confidence >= LINK_THRESHOLD``; a weaker match can still be
offered as a suggestion.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Final

from rapidfuzz import fuzz, process

from mealplanner.foods.table import FoodTable, get_food_table

LINK_THRESHOLD: Final = 0.7
# Below this nothing is returned at all: the "match" would be noise.
MIN_CONFIDENCE: Final = 0.5

_PREP_WORDS: Final = frozenset(
    [
        "chopped",
        "diced",
        "minced",
        "sliced",
        "thinly",
        "thin",
        "thickly",
        "finely",
        "roughly",
        "coarsely",
        "freshly",
        "grated",
        "shredded",
        "crushed",
        "cubed",
        "halved",
        "quartered",
        "peeled",
        "seeded",
        "deseeded",
        "cored",
        "trimmed",
        "rinsed",
        "drained",
        "softened",
        "melted",
        "cold",
        "warm",
        "hot",
        "room",
        "temperature",
        "sifted",
        "packed",
        "lightly",
        "firmly",
        "beaten",
        "whisked",
        "divided",
        "plus",
        "more",
        "for",
        "serving",
        "garnish",
        "optional",
        "about",
        "approximately",
        "to",
        "taste",
        "large",
        "medium",
        "small",
        "extra",
        "big",
        "organic",
        "free",
        "range",
        "free-range",
        "boneless",
        "skinless",
        "bone-in",
        "skin-on",
        "good",
        "quality",
        "best",
        "store",
        "bought",
        "store-bought",
        "homemade",
        "fresh",
        "frozen",
        "thawed",
        "torn",
        "cut",
        "into",
        "pieces",
        "piece",
        "chunks",
        "strips",
        "wedges",
        "rings",
        "and",
        "or",
        "of",
        "the",
        "a",
        "an",
        "julienned",
        "zested",
        "juiced",
        "squeezed",
        "toasted",
        "roasted",
        "lukewarm",
        "leftover",
        "ripe",
        "very",
    ]
)
_KEEP_TOGETHER: Final = ("room temperature",)

_QUANTITY_RE: Final = re.compile(r"[\d½⅓⅔¼¾⅛⅜⅝⅞/.\-]+")
_NON_WORD_RE: Final = re.compile(r"[^a-z0-9' -]+")
_SPACE_RE: Final = re.compile(r"\s+")
_PAREN_RE: Final = re.compile(r"\([^)]*\)|\[[^\]]*\]")

# Descriptions from these groups are rarely what a recipe line means.
_UNLIKELY_GROUPS: Final = frozenset({"2100", "2200", "3500", "3600", "0300"})


@dataclass(frozen=True, slots=True)
class FoodMatch:
    ndb_no: str
    description: str
    confidence: float


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "'s")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ves") and word not in {"chives", "olives"}:
        return word[:-3] + "f"
    if word.endswith(("oes", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalise(name: str, *, drop_prep: bool = False) -> str:
    """Lower-case, accent-free, singular words with quantities and punctuation removed."""
    text = _PAREN_RE.sub(" ", _fold(name))
    text = text.split(",", 1)[0] if drop_prep else text.replace(",", " ")
    text = _QUANTITY_RE.sub(" ", text)
    text = _NON_WORD_RE.sub(" ", text).replace("-", " ")
    words = [_singular(word) for word in _SPACE_RE.split(text) if word]
    if drop_prep:
        kept = [word for word in words if word not in _PREP_WORDS]
        words = kept or words
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class _Index:
    aliases: dict[str, str]
    alias_keys: tuple[str, ...]
    descriptions: tuple[str, ...]
    description_heads: tuple[frozenset[str], ...]
    description_ids: tuple[str, ...]


def _read_aliases() -> list[tuple[str, str]]:
    text = (resources.files("mealplanner.foods") / "data" / "aliases.csv").read_text(
        encoding="utf-8"
    )
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows)
    return [(alias, ndb_no) for alias, ndb_no in rows]


@functools.cache
def _index(table: FoodTable) -> _Index:
    aliases: dict[str, str] = {}
    # Shortest spelling first, so "milk" keeps its own entry rather than the one "1% milk"
    # normalises to once its number is dropped.
    for alias, ndb_no in sorted(_read_aliases(), key=lambda row: (len(row[0]), row[0])):
        if ndb_no in table:
            aliases.setdefault(normalise(alias), ndb_no)
    descriptions: list[str] = []
    heads: list[frozenset[str]] = []
    ids: list[str] = []
    for food in table.all():
        if food.group_code in _UNLIKELY_GROUPS:
            continue
        descriptions.append(normalise(food.description))
        heads.append(frozenset(normalise(food.description.split(",", 1)[0]).split()))
        ids.append(food.ndb_no)
    return _Index(aliases, tuple(aliases), tuple(descriptions), tuple(heads), tuple(ids))


def aliases() -> dict[str, str]:
    """The curated alias table as shipped: alias -> NDB number."""
    return dict(_read_aliases())


def _found(table: FoodTable, ndb_no: str, confidence: float) -> FoodMatch | None:
    food = table.get(ndb_no)
    if food is None or confidence < MIN_CONFIDENCE:
        return None
    return FoodMatch(food.ndb_no, food.description, round(min(1.0, confidence), 3))


def _contained_alias(index: _Index, query: str) -> tuple[str, float] | None:
    padded = f" {query} "
    best: tuple[int, int, str] | None = None
    for alias in index.alias_keys:
        position = padded.rfind(f" {alias} ")
        if position < 0:
            continue
        # Longest alias wins; among equals the later one, since English puts the head noun
        # last ("tomato basil soup" is a soup, "chicken breast" a breast).
        candidate = (len(alias), position, alias)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        return None
    alias = best[2]
    coverage = len(alias) / max(len(query), 1)
    return index.aliases[alias], 0.6 + 0.35 * coverage


def _description_match(index: _Index, query: str) -> tuple[str, float] | None:
    results = process.extract(
        query, index.descriptions, scorer=fuzz.token_set_ratio, limit=25, score_cutoff=60
    )
    if not results:
        return None
    top = results[0][1]

    def preference(result: tuple[str, float, int]) -> tuple[float, float, int]:
        text, score, position = result
        first = text.split(" ", 1)[0]
        bonus = 3.0 if " raw" in f" {text}" else 0.0
        bonus += 4.0 if query.split(" ", 1)[0] == first else 0.0
        return (score + bonus, -len(text), -position)

    close = [result for result in results if result[1] >= top - 8]
    _, score, position = max(close, key=preference)
    # A match on the description's head ("Kohlrabi, raw") is what the cook named; one on a
    # qualifier ("Snack, Mixed Berry Bar" for "mixed berries") is probably not.
    words = query.split()
    in_head = sum(1 for word in words if word in index.description_heads[position])
    confidence = score / 100 * (0.5 + 0.25 * in_head / len(words))
    return index.description_ids[position], confidence


def match_food(name: str, table: FoodTable | None = None) -> FoodMatch | None:
    """The USDA food an ingredient name most likely means, or None when nothing is close."""
    table = table or get_food_table()
    index = _index(table)
    plain = normalise(name)
    stripped = normalise(name, drop_prep=True)
    if not stripped or all(word in _PREP_WORDS for word in stripped.split()):
        return None
    if plain in index.aliases:
        return _found(table, index.aliases[plain], 1.0)
    if stripped in index.aliases:
        return _found(table, index.aliases[stripped], 0.97)

    # Short words need a closer match: "goat" is one letter from "oat".
    cutoff = 85 if len(stripped) > 5 else 92
    typo = process.extractOne(stripped, index.alias_keys, scorer=fuzz.ratio, score_cutoff=cutoff)
    if typo is not None:
        alias, score, _ = typo
        return _found(table, index.aliases[alias], score / 100 * 0.95)

    contained = _contained_alias(index, stripped)
    if contained is not None and contained[1] >= LINK_THRESHOLD:
        return _found(table, *contained)

    described = _description_match(index, stripped)
    candidates = [match for match in (contained, described) if match is not None]
    if not candidates:
        return None
    ndb_no, confidence = max(candidates, key=lambda match: match[1])
    return _found(table, ndb_no, confidence)

"""Ingredient substitutions: a curated knowledge base and a safe, ranked lookup.

The knowledge base lives in ``substitutions.yaml`` next to this module. Diet suitability of
every substitute is derived from what it is made of (animal origin, allergens, gluten) rather
than typed by hand, so the lookup's safety guarantee (never suggest something containing one of
the user's allergens or breaking one of their diets) rests on the allergen list alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import yaml
from rapidfuzz import fuzz, process

from mealplanner.core.vocab import ALLERGENS, DIETS

REASONS: Final[tuple[str, ...]] = ("allergy", "diet", "unavailable")
CONTEXTS: Final[tuple[str, ...]] = ("baking", "cooking", "raw", "any")
ANIMAL_ORIGINS: Final[tuple[str, ...]] = (
    "none",
    "dairy",
    "egg",
    "honey",
    "fish",
    "shellfish",
    "meat",
)

# Diets that follow from composition alone; the rest (keto, paleo, ...) depend on macros or
# sourcing and must be asserted per entry.
_DERIVED_DIETS: Final = frozenset(
    {
        "vegetarian",
        "vegan",
        "pescatarian",
        "gluten-free",
        "dairy-free",
        "nut-free",
        "egg-free",
        "soy-free",
    }
)
_ASSERTED_DIETS: Final = frozenset(DIETS) - _DERIVED_DIETS
_ANIMAL_ALLERGEN: Final[Mapping[str, str]] = {
    "dairy": "milk",
    "egg": "eggs",
    "fish": "fish",
    "shellfish": "shellfish",
}
_PALEO_FORBIDDEN: Final = frozenset({"soy", "peanuts", "wheat"})

# Words that describe preparation or size, not the ingredient; "fresh" and "dried" are kept
# because fresh and dried herbs have different substitutes.
_FILLER_WORDS: Final = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "some",
        "chopped",
        "diced",
        "sliced",
        "finely",
        "roughly",
        "large",
        "small",
        "medium",
        "organic",
        "free-range",
        "optional",
        "to",
        "taste",
        "cold",
        "warm",
        "room",
        "temperature",
    }
)
FUZZY_CUTOFF: Final = 85.0
_MIN_FUZZY_TOKEN_LEN: Final = 4


@dataclass(frozen=True, slots=True)
class Substitution:
    """One way to replace ``ingredient`` with ``substitute``.

    ``quantity_factor`` multiplies the original amount (None when the swap is not a simple
    scaling, e.g. "1 tbsp flaxseed + 3 tbsp water per egg"); ``ndb_no`` is the USDA SR28 food
    closest to the substitute, for recomputing nutrition.
    """

    ingredient: str
    aliases: tuple[str, ...]
    substitute: str
    ratio: str
    quantity_factor: float | None
    contexts: frozenset[str]
    suits_diets: frozenset[str]
    contains_allergens: frozenset[str]
    reasons: frozenset[str]
    quality: float
    ndb_no: str | None
    note: str
    # What choosing this substitute fixes relative to the original ingredient.
    resolves_diets: frozenset[str]
    removes_allergens: frozenset[str]

    @property
    def free_of_allergens(self) -> frozenset[str]:
        return frozenset(ALLERGENS) - self.contains_allergens

    def is_safe_for(self, diets: Iterable[str], allergies: Iterable[str]) -> bool:
        return self.suits_diets.issuperset(diets) and self.contains_allergens.isdisjoint(allergies)


def derive_diets(
    animal: frozenset[str], contains: frozenset[str], gluten: bool, asserted: frozenset[str]
) -> frozenset[str]:
    """Diets a food suits, from its composition plus the macro/sourcing diets asserted for it."""
    diets = set(asserted)
    if animal <= {"none"}:
        diets |= {"vegan", "vegetarian", "pescatarian"}
    elif animal <= {"none", "dairy", "egg", "honey"}:
        diets |= {"vegetarian", "pescatarian"}
    elif animal <= {"none", "dairy", "egg", "honey", "fish", "shellfish"}:
        diets.add("pescatarian")
    if not gluten:
        diets.add("gluten-free")
    for diet, allergens in (
        ("dairy-free", {"milk"}),
        ("nut-free", {"tree-nuts", "peanuts"}),
        ("egg-free", {"eggs"}),
        ("soy-free", {"soy"}),
    ):
        if contains.isdisjoint(allergens):
            diets.add(diet)
    if "keto" in diets:
        diets.add("low-carb")
    return frozenset(diets)


def normalise_name(name: str) -> str:
    """Lowercase, drop punctuation, quantities' filler words and plural endings."""
    text = re.sub(r"\(.*?\)", " ", name.lower())
    text = re.sub(r"[^a-z0-9%\-]+", " ", text.replace("'", ""))
    words = [_singular(w) for w in text.split() if w not in _FILLER_WORDS]
    return " ".join(words)


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("oes", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


class SubstitutionKB:
    """Substitutions indexed by every normalised ingredient name and alias."""

    def __init__(self, substitutions: Iterable[Substitution]) -> None:
        self._by_ingredient: dict[str, list[Substitution]] = {}
        self._names: dict[str, str] = {}
        for sub in substitutions:
            self._by_ingredient.setdefault(sub.ingredient, []).append(sub)
            for name in (sub.ingredient, *sub.aliases):
                key = normalise_name(name)
                known = self._names.setdefault(key, sub.ingredient)
                if known != sub.ingredient:
                    raise ValueError(f"name {name!r} is used by {known!r} and {sub.ingredient!r}")
        self._keys = list(self._names)
        self._vocabulary = sorted({w for key in self._keys for w in key.split()})

    @property
    def substitutions(self) -> list[Substitution]:
        return [s for subs in self._by_ingredient.values() for s in subs]

    @property
    def ingredients(self) -> list[str]:
        return list(self._by_ingredient)

    def for_ingredient(self, ingredient: str) -> list[Substitution]:
        return list(self._by_ingredient.get(ingredient, ()))

    def match_ingredient(self, name: str) -> str | None:
        """The knowledge-base ingredient a free-text name refers to, or None.

        Tries, in order: the exact normalised name or alias; the longest known name whose words
        all occur in the query and which ends in the same head noun ("2 large free-range eggs"
        is egg, "butter beans" is not butter); a whole-name fuzzy match; and the same steps
        again after fuzzy-correcting each word, to survive typos such as "unsalted buter".
        """
        query = normalise_name(name)
        if not query:
            return None
        found = self._match_exact_or_subset(query)
        if found is not None:
            return found
        best = process.extractOne(query, self._keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is not None:
            return self._names[best[0]]
        corrected = " ".join(self._correct_word(w) for w in query.split())
        if corrected != query:
            return self._match_exact_or_subset(corrected)
        return None

    def _match_exact_or_subset(self, query: str) -> str | None:
        if query in self._names:
            return self._names[query]
        words = query.split()
        candidates = [
            key
            for key in self._keys
            if key.split()[-1] == words[-1] and set(key.split()) <= set(words)
        ]
        if not candidates:
            return None
        return self._names[max(candidates, key=lambda k: (len(k.split()), len(k)))]

    def _correct_word(self, word: str) -> str:
        if len(word) < _MIN_FUZZY_TOKEN_LEN or word in self._vocabulary:
            return word
        best = process.extractOne(
            word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        return best[0] if best is not None else word

    def find(
        self,
        ingredient: str,
        *,
        reason: str | None = None,
        user_diets: Iterable[str] = (),
        user_allergies: Iterable[str] = (),
        context: str | None = None,
    ) -> list[Substitution]:
        diets = frozenset(user_diets)
        allergies = frozenset(user_allergies)
        _check_vocab(diets, DIETS, "diet")
        _check_vocab(allergies, ALLERGENS, "allergen")
        if reason is not None:
            _check_vocab({reason}, REASONS, "reason")
        if context is not None:
            _check_vocab({context}, CONTEXTS, "context")

        matched = self.match_ingredient(ingredient)
        if matched is None:
            return []
        query = normalise_name(ingredient)
        usable = [
            sub
            for sub in self._by_ingredient[matched]
            if sub.is_safe_for(diets, allergies)
            and (context is None or context in sub.contexts or "any" in sub.contexts)
            and normalise_name(sub.substitute) != query
        ]

        def rank(sub: Substitution) -> tuple[int, int, float, str]:
            reason_fit = 1 if reason is None or reason in sub.reasons else 0
            diet_fit = len(diets & sub.resolves_diets) + len(allergies & sub.removes_allergens)
            return (-reason_fit, -diet_fit, -sub.quality, sub.substitute)

        return sorted(usable, key=rank)


def _check_vocab(values: Iterable[str], vocabulary: Sequence[str], what: str) -> None:
    unknown = set(values) - set(vocabulary)
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(sorted(unknown))}")


def load_kb(text: str) -> SubstitutionKB:
    """Parse and validate a knowledge base in the ``substitutions.yaml`` format."""
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise ValueError("knowledge base must be a mapping with an 'entries' list")
    subs: list[Substitution] = []
    for entry in document["entries"]:
        subs.extend(_parse_entry(entry))
    return SubstitutionKB(subs)


def _parse_entry(entry: dict[str, Any]) -> list[Substitution]:
    ingredient = str(entry["ingredient"])
    aliases = tuple(str(a) for a in entry.get("aliases", ()))
    original = _Composition.parse(entry, ingredient)
    out = []
    for raw in entry["substitutes"]:
        name = str(raw["substitute"])
        where = f"{ingredient} -> {name}"
        comp = _Composition.parse(raw, where)
        contexts = frozenset(raw.get("contexts", ["any"]))
        reasons = frozenset(raw.get("reasons", REASONS))
        _check_vocab(contexts, CONTEXTS, f"context in {where}")
        _check_vocab(reasons, REASONS, f"reason in {where}")
        quality = float(raw.get("quality", 0.7))
        if not 0.0 <= quality <= 1.0:
            raise ValueError(f"quality out of range in {where}")
        factor = raw.get("quantity_factor")
        ndb_no = raw.get("ndb_no")
        if ndb_no is not None and not re.fullmatch(r"\d{5}", str(ndb_no)):
            raise ValueError(f"bad NDB number in {where}")
        out.append(
            Substitution(
                ingredient=ingredient,
                aliases=aliases,
                substitute=name,
                ratio=str(raw["ratio"]),
                quantity_factor=None if factor is None else float(factor),
                contexts=contexts,
                suits_diets=comp.diets,
                contains_allergens=comp.contains,
                reasons=reasons,
                quality=quality,
                ndb_no=None if ndb_no is None else str(ndb_no),
                note=str(raw.get("note", "")),
                resolves_diets=comp.diets - original.diets,
                removes_allergens=original.contains - comp.contains,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class _Composition:
    contains: frozenset[str]
    diets: frozenset[str]

    @classmethod
    def parse(cls, raw: Mapping[str, Any], where: str) -> _Composition:
        animal_raw = raw.get("animal", "none")
        animal = frozenset([animal_raw] if isinstance(animal_raw, str) else animal_raw)
        contains = frozenset(raw.get("contains", ()))
        asserted = frozenset(raw.get("suits", ()))
        _check_vocab(animal, ANIMAL_ORIGINS, f"animal origin in {where}")
        _check_vocab(contains, ALLERGENS, f"allergen in {where}")
        _check_vocab(asserted, tuple(_ASSERTED_DIETS), f"asserted diet in {where}")
        # An animal origin and its allergen must come together, or a typo in one would
        # silently make a dairy food "vegan" or a milk-free one "not vegetarian".
        for origin, allergen in _ANIMAL_ALLERGEN.items():
            if (origin in animal) != (allergen in contains):
                raise ValueError(f"{where}: animal {origin!r} and allergen {allergen!r} disagree")
        gluten = bool(raw.get("gluten", "wheat" in contains))
        if "wheat" in contains and not gluten:
            raise ValueError(f"{where}: wheat always contains gluten")
        if "paleo" in asserted and (gluten or not contains.isdisjoint(_PALEO_FORBIDDEN)):
            raise ValueError(f"{where}: grains, legumes and soy are not paleo")
        if "vegan" in asserted or "vegetarian" in asserted:
            raise ValueError(f"{where}: vegan/vegetarian are derived, not asserted")
        return cls(contains=contains, diets=derive_diets(animal, contains, gluten, asserted))


@functools.cache
def default_kb() -> SubstitutionKB:
    """The bundled knowledge base, parsed once per process."""
    text = (
        resources.files("mealplanner.ai.engine")
        .joinpath("substitutions.yaml")
        .read_text(encoding="utf-8")
    )
    return load_kb(text)


def find_substitutions(
    ingredient: str,
    *,
    reason: str | None = None,
    user_diets: Iterable[str] = (),
    user_allergies: Iterable[str] = (),
    context: str | None = None,
    kb: SubstitutionKB | None = None,
) -> list[Substitution]:
    """Substitutes for ``ingredient`` that are safe for the user, best first.

    Never returns a substitute containing one of ``user_allergies`` or unsuitable for one of
    ``user_diets``. With ``context`` ("baking", "cooking", "raw") only substitutes that work
    there are returned. Ranking: serves ``reason`` first, then fixes more of the user's
    diets/allergies relative to the original ingredient, then higher ``quality``.
    Unknown diet, allergen, reason or context values raise ValueError rather than being
    silently ignored, since ignoring an allergy would be unsafe.
    """
    return (kb or default_kb()).find(
        ingredient,
        reason=reason,
        user_diets=user_diets,
        user_allergies=user_allergies,
        context=context,
    )

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mealplanner.ai.engine.substitution import (
    Substitution,
    default_kb,
    find_substitutions,
    load_kb,
    normalise_name,
)
from mealplanner.core.vocab import ALLERGENS, DIETS
from mealplanner.foods.table import get_food_table

KB = default_kb()
ALL_NAMES = sorted({n for s in KB.substitutions for n in (s.ingredient, *s.aliases)})


def _names(subs: list[Substitution]) -> list[str]:
    return [s.substitute for s in subs]


def test_knowledge_base_is_large_enough() -> None:
    assert len(KB.substitutions) >= 80
    assert len(KB.ingredients) >= 40


def test_every_ndb_number_is_a_known_food() -> None:
    table = get_food_table()
    with_ndb = [s for s in KB.substitutions if s.ndb_no is not None]
    assert len(with_ndb) >= 0.8 * len(KB.substitutions)
    missing = [(s.substitute, s.ndb_no) for s in with_ndb if s.ndb_no not in table]
    assert missing == []


def test_spot_checked_ndb_numbers_describe_the_substitute() -> None:
    table = get_food_table()
    by_name = {(s.ingredient, s.substitute): s for s in KB.substitutions}
    for key, word in [
        (("egg", "flax egg"), "flaxseed"),
        (("soy sauce", "tamari"), "tamari"),
        (("gelatin", "agar"), "agar"),
        (("honey", "maple syrup"), "maple"),
        (("peanut butter", "sunflower seed butter"), "sunflower"),
    ]:
        ndb = by_name[key].ndb_no
        assert ndb is not None
        assert word in table[ndb].description.lower()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Eggs", "egg"),
        ("2 large eggs", "egg"),
        ("unsalted butter", "butter"),
        ("unsalted buter", "butter"),
        ("Parmesean", "parmesan"),
        ("mayonaise", "mayonnaise"),
        ("chicken stock", "chicken broth"),
        ("boneless chicken breasts", "chicken"),
        ("egg whites", "egg white"),
        ("Shallots", "shallot"),
        ("cornflour", "cornstarch"),
        ("butter beans", None),
        ("tomatoes", None),
    ],
)
def test_ingredient_matching(query: str, expected: str | None) -> None:
    assert KB.match_ingredient(query) == expected


def test_vegan_soy_allergic_baker_gets_plant_binders() -> None:
    subs = find_substitutions(
        "eggs",
        reason="allergy",
        user_diets={"vegan"},
        user_allergies={"soy"},
        context="baking",
    )
    names = _names(subs)
    assert names[0] == "flax egg"
    assert {"chia egg", "aquafaba", "mashed banana"} <= set(names)
    assert "silken tofu" not in names
    assert all("baking" in s.contexts or "any" in s.contexts for s in subs)


def test_diet_fit_outranks_quality() -> None:
    # Tamari is the better-tasting swap, but only coconut aminos fixes a soy-free diet.
    subs = find_substitutions("soy sauce", user_diets={"gluten-free"})
    assert _names(subs) == ["tamari", "coconut aminos"]
    subs = find_substitutions("soy sauce", user_diets={"soy-free"})
    assert _names(subs) == ["coconut aminos"]


def test_reason_outranks_quality() -> None:
    # Ghee is the closest to butter but serves only diet/unavailable, never an allergy.
    subs = find_substitutions("butter", reason="allergy")
    assert subs[0].substitute != "ghee"
    assert find_substitutions("butter", reason="unavailable")[0].substitute == "ghee"
    assert "ghee" not in _names(find_substitutions("butter", user_allergies={"milk"}))


def test_herb_conversion_factor() -> None:
    (dried,) = find_substitutions("fresh thyme")
    assert dried.substitute == "dried thyme"
    assert dried.quantity_factor == pytest.approx(1 / 3, abs=0.01)


def test_unknown_vocabulary_is_rejected() -> None:
    with pytest.raises(ValueError, match="allergen"):
        find_substitutions("egg", user_allergies={"egg"})
    with pytest.raises(ValueError, match="diet"):
        find_substitutions("egg", user_diets={"carnivore"})
    with pytest.raises(ValueError, match="context"):
        find_substitutions("egg", context="grilling")


def test_loader_rejects_contradictory_entries() -> None:
    bad = """
entries:
  - ingredient: butter
    animal: dairy
    contains: [milk]
    substitutes:
      - substitute: ghee
        ratio: "1:1"
        animal: dairy
"""
    with pytest.raises(ValueError, match="disagree"):
        load_kb(bad)


def test_derived_diets_follow_allergens() -> None:
    for sub in KB.substitutions:
        if "milk" in sub.contains_allergens:
            assert not {"vegan", "dairy-free"} & sub.suits_diets
        if "wheat" in sub.contains_allergens:
            assert "gluten-free" not in sub.suits_diets
        if {"tree-nuts", "peanuts"} & sub.contains_allergens:
            assert "nut-free" not in sub.suits_diets


def test_normalise_name() -> None:
    assert normalise_name("Tomatoes (canned)") == "tomato"
    assert normalise_name("Cherries") == "cherry"
    assert normalise_name("2% Milk") == "2% milk"


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(ALL_NAMES),
    diets=st.sets(st.sampled_from(DIETS), max_size=4),
    allergies=st.sets(st.sampled_from(ALLERGENS), max_size=4),
    reason=st.none() | st.sampled_from(["allergy", "diet", "unavailable"]),
    context=st.none() | st.sampled_from(["baking", "cooking", "raw"]),
)
def test_never_suggests_unsafe_substitutes(
    name: str,
    diets: set[str],
    allergies: set[str],
    reason: str | None,
    context: str | None,
) -> None:
    subs = find_substitutions(
        name, reason=reason, user_diets=diets, user_allergies=allergies, context=context
    )
    for sub in subs:
        assert not (sub.contains_allergens & allergies)
        assert diets <= sub.suits_diets
    if not diets and not allergies and context is None:
        assert subs, f"no substitutes at all for {name!r}"

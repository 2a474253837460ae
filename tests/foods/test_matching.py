import csv
from pathlib import Path

import pytest

from mealplanner.foods.matching import LINK_THRESHOLD, aliases, match_food, normalise
from mealplanner.foods.table import get_food_table

ALIASES_CSV = Path(__file__).parents[2] / "src" / "mealplanner" / "foods" / "data" / "aliases.csv"


def test_alias_table_is_large_and_valid() -> None:
    table = get_food_table()
    with ALIASES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 400
    assert len({row["alias"] for row in rows}) == len(rows), "duplicate alias"
    missing = [row for row in rows if row["ndb_no"] not in table]
    assert missing == []
    assert aliases()["flour"] == "20081"


@pytest.mark.parametrize(
    ("name", "ndb_no"),
    [
        ("flour", "20081"),
        ("all-purpose flour", "20081"),
        ("sifted all-purpose flour", "20081"),
        ("sugar", "19335"),
        ("brown sugar", "19334"),
        ("eggs", "01123"),
        ("Egg", "01123"),
        ("butter", "01001"),
        ("unsalted butter, softened", "01145"),
        ("olive oil", "04053"),
        ("extra-virgin olive oil", "04053"),
        ("garlic cloves, minced", "11215"),
        ("onion", "11282"),
        ("red onion, finely chopped", "11282"),
        ("chicken breast", "05062"),
        ("boneless skinless chicken breasts", "05062"),
        ("ground beef", "23567"),
        ("canned tomatoes", "11531"),
        ("chickpeas", "16358"),
        ("tofu", "16126"),
        ("tempeh", "16114"),
        ("soy sauce", "16123"),
        ("coconut milk", "12118"),
        ("rice", "20444"),
        ("basmati rice", "20444"),
        ("quinoa", "20035"),
        ("oats", "08120"),
        ("milk", "01077"),
        ("greek yogurt", "01293"),
        ("spinach", "11457"),
        ("kale", "11233"),
        ("lentils", "16069"),
        ("black beans", "16018"),
        ("salt", "02047"),
        ("black pepper", "02030"),
        ("jalapeño", "11979"),
        ("crème fraîche", "01056"),
    ],
)
def test_exact_aliases(name: str, ndb_no: str) -> None:
    match = match_food(name)
    assert match is not None
    assert match.ndb_no == ndb_no
    assert match.confidence >= LINK_THRESHOLD


def test_typo_matches_alias() -> None:
    match = match_food("chiken breast")
    assert match is not None
    assert match.ndb_no == "05062"
    assert LINK_THRESHOLD <= match.confidence < 1


@pytest.mark.parametrize(
    ("name", "ndb_no"),
    [("brocoli", "11090"), ("tumeric", "02043"), ("parmesean", "01033"), ("mozarella", "01026")],
)
def test_common_misspellings(name: str, ndb_no: str) -> None:
    match = match_food(name)
    assert match is not None
    assert match.ndb_no == ndb_no


def test_alias_inside_longer_name() -> None:
    match = match_food("organic free-range chicken breast fillets")
    assert match is not None
    assert match.ndb_no == "05062"


def test_falls_back_to_descriptions() -> None:
    match = match_food("kohlrabi")
    assert match is not None
    assert match.ndb_no == "11241"  # Kohlrabi, raw
    assert match.confidence < 1


@pytest.mark.parametrize("name", ["zzqx", "", "   ", "123", "the", "sdfkjh sdkfj"])
def test_nonsense_is_unmatched(name: str) -> None:
    assert match_food(name) is None


def test_short_words_need_close_typos() -> None:
    match = match_food("goat")
    assert match is None or match.ndb_no != "08120"  # not "oat"


def test_normalise() -> None:
    assert normalise("2 Cups Tomatoes (diced)") == "cup tomato"
    assert normalise("Jalapeños, seeded", drop_prep=True) == "jalapeno"
    assert normalise("finely chopped fresh parsley", drop_prep=True) == "parsley"

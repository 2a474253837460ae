import pytest

from mealplanner.core.vocab import ALLERGENS, DIETS
from mealplanner.foods.dietary import classify_food, classify_name, derive_dietary
from mealplanner.foods.nutrition import Nutrients
from mealplanner.foods.table import Food, get_food_table


def _food(ndb_no: str) -> Food:
    return get_food_table()[ndb_no]


@pytest.mark.parametrize(
    ("ndb_no", "expected", "absent"),
    [
        ("01001", {"dairy"}, {"egg"}),  # butter
        ("01123", {"egg"}, {"dairy"}),
        ("20081", {"gluten", "wheat", "grain"}, set()),
        ("05062", {"poultry"}, {"meat"}),
        ("07022", {"meat"}, set()),  # beef frankfurter
        ("15076", {"fish"}, {"shellfish"}),  # salmon
        ("15149", {"shellfish"}, {"fish"}),  # shrimp
        ("12061", {"tree-nut"}, set()),  # almonds
        ("12104", set(), {"tree-nut"}),  # coconut is not a tree nut
        ("16087", {"peanut", "legume"}, {"tree-nut"}),
        ("16123", {"soy", "wheat", "gluten"}, set()),  # soy sauce (shoyu)
        ("16126", {"soy", "legume"}, set()),  # tofu
        ("12166", {"sesame"}, {"dairy"}),  # tahini
        ("08120", {"gluten", "oat"}, {"wheat"}),  # oats: gluten by rule, not wheat
        ("20109", {"egg", "wheat"}, set()),  # egg noodles
        ("20133", {"grain"}, {"gluten"}),  # rice noodles
        ("18363", {"grain"}, {"gluten"}),  # corn tortillas
        ("18064", {"gluten", "wheat"}, set()),  # bread
        ("19335", {"added-sugar"}, set()),
        ("19296", {"honey"}, {"added-sugar"}),
        ("04025", {"egg"}, set()),  # mayonnaise
        ("04053", set(), {"dairy", "meat"}),  # olive oil
        ("11529", {"vegetable"}, set()),
    ],
)
def test_classify_food(ndb_no: str, expected: set[str], absent: set[str]) -> None:
    traits = classify_food(_food(ndb_no))
    assert expected <= traits
    assert not absent & traits


@pytest.mark.parametrize(
    ("name", "expected", "absent"),
    [
        ("fish sauce", {"fish"}, set()),
        ("worcestershire sauce", {"fish"}, set()),
        ("soy sauce", {"soy", "wheat"}, set()),
        ("tamari", {"soy"}, {"wheat"}),
        ("coconut milk", set(), {"dairy", "tree-nut"}),
        ("peanut butter", {"peanut"}, {"dairy"}),
        ("ghee", {"dairy"}, set()),
        ("oyster mushrooms", set(), {"shellfish"}),
        ("butternut squash", set(), {"tree-nut", "dairy"}),
        ("eggplant", set(), {"egg"}),
        ("vegan mayonnaise", set(), {"egg"}),
        ("gluten-free pasta", set(), {"gluten", "wheat"}),
        ("couscous", {"gluten", "wheat"}, set()),
        ("bulgur", {"gluten"}, set()),
        ("pearl barley", {"gluten"}, {"wheat"}),
        ("rye bread", {"gluten"}, set()),
        ("semolina", {"gluten"}, set()),
        ("seitan", {"gluten"}, set()),
        ("tahini", {"sesame"}, set()),
        ("pine nuts", {"tree-nut"}, set()),
        ("water chestnuts", set(), {"tree-nut"}),
        ("cream of tartar", set(), {"dairy"}),
        ("goat cheese", {"dairy"}, {"meat"}),
        ("margarine", {"dairy"}, set()),
        ("basil", set(), {"meat", "dairy", "egg", "gluten"}),
    ],
)
def test_classify_name(name: str, expected: set[str], absent: set[str]) -> None:
    traits = classify_name(name)
    assert expected <= traits
    assert not absent & traits


def test_vegan_salad() -> None:
    info = derive_dietary([_food("11529"), _food("04053"), _food("16057")])
    assert {"vegan", "vegetarian", "pescatarian", "gluten-free", "nut-free"} <= info.flags
    assert "paleo" not in info.flags  # chickpeas are legumes
    assert info.allergens == frozenset()


def test_cake_allergens_and_flags() -> None:
    foods = [_food(n) for n in ("20081", "01123", "01001", "19335", "01077")]
    info = derive_dietary(foods)
    assert info.allergens == {"milk", "eggs", "wheat"}
    assert "vegetarian" in info.flags
    assert not {"vegan", "gluten-free", "dairy-free", "egg-free"} & info.flags


def test_unlinked_fish_sauce_breaks_vegetarian() -> None:
    info = derive_dietary([_food("11529")], names=["fish sauce"])
    assert "vegetarian" not in info.flags
    assert "pescatarian" in info.flags
    assert "fish" in info.allergens


def test_chicken_is_paleo_not_pescatarian() -> None:
    info = derive_dietary([_food("05062"), _food("04053"), _food("11215")])
    assert "paleo" in info.flags
    assert "pescatarian" not in info.flags


def test_empty_recipe_claims_nothing() -> None:
    assert derive_dietary([]).flags == frozenset()


def test_nutrition_flags() -> None:
    keto = Nutrients(calories=500, protein_g=25, carbs_g=8, fat_g=40, fiber_g=3, sodium_mg=100)
    flags = derive_dietary([], keto).flags
    assert {"keto", "low-carb", "low-sodium"} <= flags
    assert "high-protein" not in flags  # 100 of 500 kcal from protein is 20 %
    lean = Nutrients(calories=300, protein_g=35, carbs_g=30, fat_g=5, sodium_mg=600)
    assert derive_dietary([], lean).flags == {"high-protein"}


def test_output_uses_shared_vocabulary() -> None:
    info = derive_dietary([_food("15149"), _food("16087")], Nutrients())
    assert info.flags <= set(DIETS)
    assert info.allergens <= set(ALLERGENS)
    assert info.allergens == {"shellfish", "peanuts"}

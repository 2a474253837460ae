import re

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
        # Regressions: word-match accidents found by the recipe-catalog writers.
        ("16124", {"soy", "legume"}, {"wheat", "gluten"}),  # tamari is wheat-free
        ("16424", {"soy", "wheat", "gluten"}, set()),  # shoyu, low sodium
        ("16125", {"wheat", "gluten"}, set()),  # hydrolyzed vegetable protein: may be wheat
        ("12118", set(), {"meat", "tree-nut", "dairy"}),  # coconut milk, "grated meat"
        ("12117", set(), {"meat", "tree-nut", "dairy"}),
        ("12115", set(), {"meat", "tree-nut", "dairy"}),  # coconut cream
        ("12104", set(), {"meat", "tree-nut"}),  # "Nuts, coconut meat, raw"
        ("01159", {"dairy"}, {"meat"}),  # "Cheese, goat, soft type"
        ("01156", {"dairy"}, {"meat"}),
        ("01106", {"dairy"}, {"meat"}),  # goat milk
        ("01108", {"dairy"}, {"meat"}),  # "Milk, indian buffalo"
        ("18369", set(), {"wheat", "gluten"}),  # baking powder
        ("18372", set(), {"wheat", "gluten"}),  # baking soda
        ("18375", set(), {"wheat", "gluten"}),  # yeast
        ("18373", set(), {"wheat", "gluten", "dairy"}),  # cream of tartar
        ("20011", {"grain"}, {"wheat", "gluten"}),  # buckwheat flour
        ("11485", {"vegetable"}, {"tree-nut", "dairy"}),  # "Squash, winter, butternut"
        ("06931", set(), {"wheat", "gluten"}),  # "Sauce, pasta, spaghetti/marinara"
        ("06152", set(), {"wheat", "gluten"}),  # pizza sauce
        ("11492", {"vegetable"}, {"wheat", "gluten"}),  # spaghetti squash
        ("12108", set(), {"added-sugar", "meat"}),  # coconut, desiccated, "not sweetened"
        ("12109", {"added-sugar"}, {"meat"}),  # ... sweetened
        ("05096", {"poultry"}, {"meat"}),  # chicken thigh, "dark meat"
        ("05027", {"poultry"}, {"meat"}),  # chicken liver
        ("07254", {"poultry"}, {"meat"}),  # turkey bacon
        ("07011", {"poultry"}, {"meat"}),  # "Bologna, turkey"
        ("07936", {"poultry", "meat"}, set()),  # "Bologna, pork and turkey"
        ("07083", {"poultry", "meat"}, set()),  # Vienna sausage, chicken, beef, pork
        ("07962", {"poultry", "meat"}, set()),  # "Frankfurter, meat and poultry"
        ("07022", {"meat"}, {"poultry"}),  # beef frankfurter
        ("04589", {"fish"}, {"meat"}),  # "Fish oil, cod liver"
        ("01138", {"egg"}, {"poultry", "meat"}),  # duck egg
        ("02034", set(), {"poultry"}),  # poultry seasoning
        ("11987", set(), {"shellfish"}),  # "Mushrooms, oyster"
        ("11475", set(), {"shellfish"}),  # scallop squash
        ("23429", {"meat"}, {"shellfish"}),  # beef "oyster blade"
        ("11411", set(), {"meat"}),  # steak fries
        ("18350", {"wheat"}, {"meat"}),  # "Rolls, hamburger or hotdog"
        ("16106", {"legume"}, {"meat"}),  # "Meat extender" (textured soy protein)
        ("17097", {"meat"}, {"wheat", "gluten"}),  # veal, "not breaded"
        ("17096", {"meat", "wheat"}, set()),  # veal, breaded
        ("12138", {"tree-nut"}, {"peanut"}),  # mixed nuts "without peanuts"
        ("12135", {"tree-nut", "peanut"}, set()),  # mixed nuts "with peanuts"
        ("04586", {"soy"}, {"wheat", "gluten"}),  # shortening "for cakes", soybean
        ("04646", set(), {"tree-nut", "added-sugar"}),  # coconut oil "... roasting nuts"
        ("12041", set(), {"wheat", "gluten"}),  # sunflower seed flour
        ("16111", {"soy"}, {"tree-nut"}),  # soy nuts
        ("09086", {"fruit"}, {"dairy", "egg"}),  # custard-apple
        ("43299", {"soy"}, {"dairy"}),  # "Soybean, curd cheese"
        ("11940", set(), {"wheat", "dairy"}),  # bread and butter pickles
        ("14157", set(), {"gluten"}),  # root beer
        ("04037", set(), {"gluten"}),  # rice bran oil
        ("25065", set(), {"wheat", "gluten"}),  # "Pretzels, gluten- free"
        ("01184", {"dairy"}, {"added-sugar"}),  # "sweetened with low-calorie sweetener"
        ("09314", {"fruit"}, {"added-sugar"}),  # mamey sapote, "marmalade plum"
        ("10170", {"meat"}, {"wheat"}),  # pork "blade roll"
        # Real positives that must survive the fixes.
        ("06626", {"tree-nut", "dairy"}, set()),  # pesto
        ("14003", {"gluten"}, set()),  # beer
        ("14083", {"gluten"}, set()),  # chocolate malt
        ("04589", {"fish"}, set()),
        ("18022", {"wheat"}, set()),  # cornbread mix
        ("16009", {"meat", "legume"}, set()),  # baked beans with pork
        ("11371", {"dairy"}, set()),  # mashed potatoes, whole milk and margarine added
        ("12206", {"honey", "tree-nut"}, set()),  # honey roasted almonds
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
        ("tamari soy sauce", {"soy"}, {"wheat", "gluten"}),
        ("soy sauce or tamari", {"soy", "wheat"}, set()),
        ("coconut meat", set(), {"meat", "tree-nut"}),
        ("sheep's milk feta", {"dairy"}, {"meat"}),
        ("buffalo mozzarella", {"dairy"}, {"meat"}),
        ("buckwheat flour", {"grain"}, {"wheat", "gluten"}),
        ("baking powder", set(), {"wheat", "gluten"}),
        ("marinara sauce", set(), {"wheat", "gluten"}),
        ("pizza sauce", set(), {"wheat", "gluten"}),
        ("spaghetti squash", set(), {"wheat", "gluten"}),
        ("spaghetti", {"wheat", "gluten"}, set()),
        ("unsweetened desiccated coconut", set(), {"added-sugar"}),
        ("chicken thighs, dark meat", {"poultry"}, {"meat"}),
        ("chicken livers", {"poultry"}, {"meat"}),
        ("turkey meatballs", {"poultry"}, {"meat"}),
        ("turkey bacon", {"poultry"}, {"meat"}),
        ("meatballs", {"meat"}, set()),
        ("bacon", {"meat"}, set()),
        ("chicken and bacon", {"meat", "poultry"}, set()),
        ("chicken and pork sausage", {"meat", "poultry"}, set()),
        ("duck eggs", {"egg"}, {"poultry"}),
        ("hot dog buns", {"wheat"}, {"meat"}),
        ("malt vinegar", {"gluten"}, set()),
        ("ginger ale", set(), {"gluten"}),
        ("mixed nuts without peanuts", {"tree-nut"}, {"peanut"}),
        ("chili, no beans", set(), {"legume"}),
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


def _animal(traits: frozenset[str]) -> frozenset[str]:
    return traits & {"meat", "poultry", "fish", "shellfish", "egg", "gelatin"}


# Plant-food groups may still name a dairy or honey ingredient ("Potatoes, mashed, whole milk
# added", "Nuts, almonds, honey roasted"); those are the only reasons they may be non-vegan.
_NAMED_DAIRY_OR_HONEY = re.compile(r"\b(?:milk|butter|cheese|margarine|honey)\b", re.IGNORECASE)
# Wheat these groups really contain: breading, soy sauce brewed with wheat or hydrolyzed
# vegetable protein, "wheat-based" formulated nuts, potato pancakes.
_NAMED_WHEAT = re.compile(r"breaded|soy sauce|wheat|pancakes", re.IGNORECASE)


def test_plant_groups_are_vegan_and_gluten_free() -> None:
    """Spices (0200), fruits (0900), vegetables (1100), nuts and seeds (1200)."""
    for food in get_food_table():
        if food.group_code not in {"0200", "0900", "1100", "1200"}:
            continue
        traits = classify_food(food)
        where = (food.ndb_no, food.description)
        assert not _animal(traits), where
        flags = derive_dietary([food]).flags
        if "vegan" not in flags:
            assert _NAMED_DAIRY_OR_HONEY.search(food.description), where
        if "gluten-free" not in flags:
            assert _NAMED_WHEAT.search(food.description), where
        assert not traits & {"shellfish", "tree-nut"} or food.group_code == "1200", where


def test_legumes_are_vegan_and_gluten_free_unless_named() -> None:
    for food in get_food_table():
        if food.group_code != "1600":
            continue
        flags = derive_dietary([food]).flags
        where = (food.ndb_no, food.description)
        if "gluten-free" not in flags:
            assert _NAMED_WHEAT.search(food.description), where
        if "vegetarian" not in flags:
            assert re.search(r"\b(?:beef|pork)\b", food.description, re.IGNORECASE), where


def test_only_real_tree_nuts_in_nut_group() -> None:
    for food in get_food_table():
        if food.group_code != "1200":
            continue
        traits = classify_food(food)
        description = food.description.lower()
        is_tree_nut = description.startswith("nuts") and "coconut" not in description
        assert ("tree-nut" in traits) == is_tree_nut, (food.ndb_no, food.description)
        assert "meat" not in traits, (food.ndb_no, food.description)


def test_animal_groups_are_never_vegetarian() -> None:
    """Poultry, sausages, pork, beef, fish, lamb/veal/game are never vegetarian or vegan."""
    for food in get_food_table():
        if food.group_code not in {"0500", "0700", "1000", "1300", "1500", "1700"}:
            continue
        flags = derive_dietary([food]).flags
        assert not {"vegetarian", "vegan"} & flags, (food.ndb_no, food.description)
        if food.group_code != "1500":
            assert "pescatarian" not in flags, (food.ndb_no, food.description)


def test_meat_means_red_meat_pork_or_game() -> None:
    for food in get_food_table():
        traits = classify_food(food)
        where = (food.ndb_no, food.description)
        if food.group_code in {"1000", "1300", "1700"}:
            assert "meat" in traits, where
        elif food.group_code == "0500":
            assert "poultry" in traits, where
            assert "meat" not in traits, where
        elif food.group_code == "0100":
            assert not _animal(traits) - {"egg"}, where


def test_leavening_agents_are_gluten_free() -> None:
    leavening = [f for f in get_food_table() if f.description.startswith("Leavening agents")]
    assert len(leavening) >= 5
    for food in leavening:
        assert "gluten-free" in derive_dietary([food]).flags, food.description


def test_diet_flags_still_exclude_poultry() -> None:
    """Poultry is not "meat", but vegetarian, vegan and pescatarian still exclude it."""
    info = derive_dietary([_food("05096")])
    assert not {"vegetarian", "vegan", "pescatarian"} & info.flags
    assert "paleo" in info.flags

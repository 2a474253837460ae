"""Supermarket aisle of a shopping item, from its USDA food group or, unlinked, its name.

Aisles are listed in the order a shopper typically walks a store: fresh produce at the
entrance, chilled and bakery counters, the dry aisles, frozen food last so it stays cold.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from mealplanner.foods.table import Food

Aisle = Literal[
    "produce",
    "meat & seafood",
    "dairy & eggs",
    "bakery",
    "pantry",
    "spices & seasonings",
    "frozen",
    "beverages",
    "other",
]
AISLES: Final[tuple[Aisle, ...]] = (
    "produce",
    "meat & seafood",
    "dairy & eggs",
    "bakery",
    "pantry",
    "spices & seasonings",
    "frozen",
    "beverages",
    "other",
)
_RANK: Final[dict[str, int]] = {aisle: index for index, aisle in enumerate(AISLES)}

# USDA SR28 food group code -> aisle.
_GROUP_AISLE: Final[dict[str, Aisle]] = {
    "0100": "dairy & eggs",
    "0200": "spices & seasonings",
    "0300": "other",  # baby foods
    "0400": "pantry",  # oils, shortening, dressings (butter is in 0100)
    "0500": "meat & seafood",
    "0600": "pantry",  # soups, sauces, gravies
    "0700": "meat & seafood",  # sausages and luncheon meats
    "0800": "pantry",  # breakfast cereals
    "0900": "produce",
    "1000": "meat & seafood",
    "1100": "produce",
    "1200": "pantry",  # nuts and seeds
    "1300": "meat & seafood",
    "1400": "beverages",
    "1500": "meat & seafood",
    "1600": "pantry",  # dry and canned legumes, soy sauce
    "1700": "meat & seafood",
    "1800": "bakery",
    "1900": "pantry",  # sugar, syrups, chocolate
    "2000": "pantry",  # flour, rice, pasta
    "2100": "other",
    "2200": "frozen",  # prepared meals and entrees
    "2500": "pantry",  # snacks
}

_FRESH_GROUPS: Final = frozenset({"0900", "1100"})
_WORD_RE: Final = re.compile(r"[a-z]+")

# Keyword fallback for names without a linked food; first match wins, so the specific
# words ("frozen", "juice", "bread crumbs") come before the general ones.
_KEYWORDS: Final[tuple[tuple[Aisle, frozenset[str]], ...]] = (
    ("frozen", frozenset({"frozen", "ice cream", "sorbet"})),
    ("pantry", frozenset({"canned", "can", "tinned", "dried", "breadcrumbs", "bread crumbs"})),
    (
        "beverages",
        frozenset({"juice", "wine", "beer", "soda", "coffee", "tea", "sparkling water", "cola"}),
    ),
    (
        "spices & seasonings",
        frozenset(
            {
                "salt",
                "pepper flakes",
                "black pepper",
                "peppercorns",
                "paprika",
                "cumin",
                "oregano",
                "thyme",
                "cinnamon",
                "nutmeg",
                "turmeric",
                "curry powder",
                "chili powder",
                "spice",
                "seasoning",
                "bay leaf",
                "bay leaves",
                "cayenne",
                "coriander seeds",
                "garam masala",
                "vanilla",
            }
        ),
    ),
    (
        "meat & seafood",
        frozenset(
            {
                "chicken",
                "beef",
                "pork",
                "lamb",
                "turkey",
                "bacon",
                "sausage",
                "ham",
                "salmon",
                "tuna",
                "cod",
                "shrimp",
                "prawns",
                "prawn",
                "fish",
                "mince",
                "steak",
                "duck",
                "anchovies",
                "mussels",
                "scallops",
                "chorizo",
            }
        ),
    ),
    (
        "dairy & eggs",
        frozenset(
            {
                "milk",
                "cheese",
                "butter",
                "cream",
                "yogurt",
                "yoghurt",
                "egg",
                "eggs",
                "parmesan",
                "mozzarella",
                "feta",
                "ricotta",
                "creme fraiche",
            }
        ),
    ),
    (
        "bakery",
        frozenset(
            {"bread", "baguette", "bun", "buns", "rolls", "tortilla", "tortillas", "pita", "naan"}
        ),
    ),
    (
        "produce",
        frozenset(
            {
                "onion",
                "onions",
                "garlic",
                "tomato",
                "tomatoes",
                "potato",
                "potatoes",
                "carrot",
                "carrots",
                "lettuce",
                "spinach",
                "apple",
                "apples",
                "banana",
                "bananas",
                "lemon",
                "lemons",
                "lime",
                "limes",
                "pepper",
                "peppers",
                "herbs",
                "basil",
                "parsley",
                "cilantro",
                "mint",
                "ginger",
                "mushrooms",
                "mushroom",
                "zucchini",
                "cucumber",
                "avocado",
                "celery",
                "broccoli",
                "cabbage",
                "kale",
                "berries",
                "scallions",
                "leek",
                "leeks",
                "squash",
                "orange",
                "oranges",
            }
        ),
    ),
    (
        "pantry",
        frozenset(
            {
                "flour",
                "sugar",
                "rice",
                "pasta",
                "noodles",
                "oil",
                "vinegar",
                "sauce",
                "stock",
                "broth",
                "beans",
                "lentils",
                "chickpeas",
                "oats",
                "honey",
                "nuts",
                "almonds",
                "peanut butter",
                "syrup",
                "baking",
                "yeast",
                "cornstarch",
                "mustard",
                "ketchup",
                "mayonnaise",
                "tofu",
                "coconut milk",
            }
        ),
    ),
)


def _has_phrase(text: str, words: list[str], phrase: str) -> bool:
    return phrase in text if " " in phrase else phrase in words


def category_for_name(name: str) -> Aisle:
    text = " ".join(_WORD_RE.findall(name.lower()))
    words = text.split()
    for aisle, phrases in _KEYWORDS:
        if any(_has_phrase(text, words, phrase) for phrase in phrases):
            return aisle
    return "other"


def categorize(name: str, food: Food | None) -> Aisle:
    """The aisle for an item: from the linked food's group, else from keywords in its name."""
    if food is None:
        return category_for_name(name)
    description = food.description.lower()
    if "frozen" in description or "frozen" in name.lower():
        return "frozen"
    if food.group_code in _FRESH_GROUPS:
        if "juice" in description.split(",", 1)[0]:
            return "beverages"
        if "canned" in description or "dried" in description:
            return "pantry"
        return "produce"
    if food.group_code == "0200" and "fresh" in description:
        # Fresh herbs (basil, parsley) sit with the vegetables, not the spice rack.
        return "produce"
    return _GROUP_AISLE.get(food.group_code) or category_for_name(name)


def aisle_rank(category: str) -> int:
    return _RANK.get(category, len(AISLES))

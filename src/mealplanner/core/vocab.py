"""Fixed vocabularies shared by every domain (preferences, recipes, planner).

Values are lowercase kebab-case slugs; they appear verbatim in the API.
"""

from __future__ import annotations

from typing import Final

# Diets a user can restrict to and a recipe can be flagged with. Every flag is derived from
# the recipe's foods or nutrition (see mealplanner.foods.dietary), never only typed by hand.
DIETS: Final[tuple[str, ...]] = (
    "vegetarian",
    "vegan",
    "pescatarian",
    "gluten-free",
    "dairy-free",
    "nut-free",
    "egg-free",
    "soy-free",
    "keto",
    "paleo",
    "low-carb",
    "low-sodium",
    "high-protein",
)

# The nine major allergens (FALCPA + FASTER Act).
ALLERGENS: Final[tuple[str, ...]] = (
    "milk",
    "eggs",
    "fish",
    "shellfish",
    "tree-nuts",
    "peanuts",
    "wheat",
    "soy",
    "sesame",
)

MEAL_TYPES: Final[tuple[str, ...]] = ("breakfast", "lunch", "dinner", "snack", "dessert")
# Slots of a meal plan (a dessert is planned in the snack or dinner slot).
PLAN_MEAL_TYPES: Final[tuple[str, ...]] = ("breakfast", "lunch", "dinner", "snack")

CUISINES: Final[tuple[str, ...]] = (
    "american",
    "british",
    "chinese",
    "ethiopian",
    "french",
    "greek",
    "indian",
    "italian",
    "japanese",
    "korean",
    "lebanese",
    "mediterranean",
    "mexican",
    "middle-eastern",
    "moroccan",
    "nordic",
    "peruvian",
    "spanish",
    "thai",
    "turkish",
    "vietnamese",
    "caribbean",
    "german",
    "international",
)

RECIPE_CATEGORIES: Final[tuple[str, ...]] = (
    "main",
    "side",
    "soup",
    "salad",
    "breakfast",
    "snack",
    "dessert",
    "baked-goods",
    "drink",
    "sauce",
)

DIFFICULTIES: Final[tuple[str, ...]] = ("easy", "medium", "hard")

UNIT_SYSTEMS: Final[tuple[str, ...]] = ("metric", "imperial")

# Email kinds a user can opt in or out of (transactional mail such as password reset is
# always sent).
NOTIFICATION_KINDS: Final[tuple[str, ...]] = (
    "welcome",
    "meal_plan_reminder",
    "shopping_list_ready",
    "weekly_summary",
)

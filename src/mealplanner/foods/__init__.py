"""Foods and nutrition engine: USDA food table, units, ingredient parsing, matching, diets.

Pure Python with no database or web code; other domains call these functions directly.
"""

from mealplanner.foods.dietary import (
    DietaryInfo,
    classify_food,
    classify_name,
    derive_dietary,
)
from mealplanner.foods.matching import LINK_THRESHOLD, FoodMatch, match_food
from mealplanner.foods.nutrition import (
    IngredientInput,
    Nutrients,
    NutritionResult,
    compute_nutrition,
)
from mealplanner.foods.parser import (
    ParsedIngredient,
    is_group_heading,
    parse_ingredient_line,
    parse_quantity,
)
from mealplanner.foods.table import Food, FoodTable, Portion, get_food_table
from mealplanner.foods.units import (
    Dimension,
    IncompatibleUnits,
    Unit,
    convert,
    format_quantity,
    parse_unit,
    to_display_unit,
)

__all__ = [
    "LINK_THRESHOLD",
    "DietaryInfo",
    "Dimension",
    "Food",
    "FoodMatch",
    "FoodTable",
    "IncompatibleUnits",
    "IngredientInput",
    "Nutrients",
    "NutritionResult",
    "ParsedIngredient",
    "Portion",
    "Unit",
    "classify_food",
    "classify_name",
    "compute_nutrition",
    "convert",
    "derive_dietary",
    "format_quantity",
    "get_food_table",
    "is_group_heading",
    "match_food",
    "parse_ingredient_line",
    "parse_quantity",
    "parse_unit",
    "to_display_unit",
]

"""Foods and nutrition engine: USDA food table, units, ingredient parsing, matching, diets.

Pure Python with no database or web code; other domains call these functions directly.
"""

from mealplanner.foods.nutrition import (
    IngredientInput,
    Nutrients,
    NutritionResult,
    compute_nutrition,
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
    "Dimension",
    "Food",
    "FoodTable",
    "IncompatibleUnits",
    "IngredientInput",
    "Nutrients",
    "NutritionResult",
    "Portion",
    "Unit",
    "compute_nutrition",
    "convert",
    "format_quantity",
    "get_food_table",
    "parse_unit",
    "to_display_unit",
]

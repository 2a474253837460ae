"""Hand-made archives in each app's documented layout (small JSON, CSV and image bytes)."""

from __future__ import annotations

import base64
import gzip
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"


def png_bytes(color: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (30, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def paprika_archive(*, broken_second: bool = False) -> bytes:
    first = {
        "uid": "A1B2C3-PAPRIKA",
        "name": "Garlic Butter Green Beans",
        "ingredients": "1 pound green beans, trimmed\n2 tablespoons butter\n"
        "3 cloves garlic, minced\n"
        "salt to taste",
        "directions": "Blanch the beans for three minutes.\n\nMelt the butter, add garlic and "
        "toss the beans through.",
        "notes": "Good with roast chicken.",
        "description": "A quick buttery side.",
        "servings": "4 servings",
        "prep_time": "10 mins",
        "cook_time": "8 mins",
        "total_time": "",
        "categories": ["Side Dish", "Vegetables"],
        "source": "Grandma's card box",
        "source_url": "",
        "photo_data": base64.b64encode(jpeg_bytes()).decode(),
        "photo": "beans.jpg",
        "nutritional_info": "Calories: 120",
    }
    second: dict[str, Any] = {
        "uid": "D4E5F6-PAPRIKA",
        "name": "Cinnamon Toast",
        "ingredients": "2 slices bread\n1 tablespoon butter\n1 teaspoon sugar\n"
        "1/2 teaspoon cinnamon",
        "directions": "Toast the bread.\nSpread with butter and sprinkle with cinnamon sugar.",
        "servings": "1",
        "categories": ["Breakfast"],
    }
    entries = {
        "Garlic Butter Green Beans.paprikarecipe": gzip.compress(json.dumps(first).encode()),
        "Cinnamon Toast.paprikarecipe": b"not gzip at all"
        if broken_second
        else gzip.compress(json.dumps(second).encode()),
    }
    return zip_bytes(entries)


def mealie_backup() -> bytes:
    database = {
        "recipes": [
            {
                "id": "r-100",
                "slug": "chickpea-curry",
                "name": "Chickpea Spinach Curry",
                "description": "Pantry curry.",
                "recipe_yield": "4 servings",
                "prep_time": "10 minutes",
                "perform_time": "25 minutes",
                "total_time": "35 minutes",
                "org_url": "https://example.org/chickpea-curry",
            },
            {"id": "r-200", "slug": "plain-rice", "name": "Plain Rice", "recipe_yield": "2"},
        ],
        "ingredient_foods": [{"id": "f1", "name": "chickpeas"}, {"id": "f2", "name": "spinach"}],
        "ingredient_units": [{"id": "u1", "name": "cup", "abbreviation": "cup"}],
        "recipes_ingredients": [
            {
                "recipe_id": "r-100",
                "position": 1,
                "quantity": 2,
                "unit_id": "u1",
                "food_id": "f1",
                "note": "drained",
            },
            {"recipe_id": "r-100", "position": 2, "quantity": 3, "unit_id": "u1", "food_id": "f2"},
            {"recipe_id": "r-100", "position": 3, "original_text": "1 can (400 ml) coconut milk"},
            {"recipe_id": "r-200", "position": 1, "original_text": "1 cup white rice"},
            {"recipe_id": "r-200", "position": 2, "original_text": "2 cups water"},
        ],
        "recipe_instructions": [
            {"recipe_id": "r-100", "position": 2, "text": "Add chickpeas and coconut milk."},
            {"recipe_id": "r-100", "position": 1, "text": "Fry the curry paste in a little oil."},
            {"recipe_id": "r-100", "position": 3, "text": "Wilt in the spinach."},
            {
                "recipe_id": "r-200",
                "position": 1,
                "text": "Simmer the rice covered for 15 minutes.",
            },
        ],
        "tags": [{"id": "t1", "name": "Vegan"}],
        "recipes_to_tags": [{"recipe_id": "r-100", "tag_id": "t1"}],
        "categories": [{"id": "c1", "name": "Dinner"}],
        "recipes_to_categories": [{"recipe_id": "r-100", "category_id": "c1"}],
    }
    return zip_bytes(
        {
            "database.json": json.dumps(database).encode(),
            "data/recipes/r-100/images/original.webp": _webp(),
        }
    )


def _webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (250, 200, 0)).save(out, "WEBP")
    return out.getvalue()


def mealie_single() -> bytes:
    return json.dumps(
        {
            "id": "5f1d-mealie",
            "slug": "honey-garlic-salmon",
            "name": "Honey Garlic Salmon",
            "recipeYield": "2 servings",
            "prepTime": "PT5M",
            "performTime": "PT12M",
            "totalTime": "PT17M",
            "recipeCategory": [{"name": "Dinner"}],
            "tags": [{"name": "Fish"}],
            "recipeIngredient": [
                {"note": "", "display": "2 salmon fillets", "originalText": "2 salmon fillets"},
                {"display": "2 tablespoons honey"},
                "2 cloves garlic, grated",
                {"note": "1 tablespoon soy sauce"},
            ],
            "recipeInstructions": [
                {"text": "Mix honey, garlic and soy sauce."},
                {"text": "Glaze the salmon and roast at 200 °C for 12 minutes."},
            ],
        }
    ).encode()


def _tandoor_recipe(name: str, amount: float, food: str, step: str) -> bytes:
    recipe = {
        "name": name,
        "description": f"{name} from Tandoor",
        "keywords": [{"name": "quick"}],
        "working_time": 5,
        "waiting_time": 20,
        "servings": 3,
        "source_url": None,
        "steps": [
            {
                "name": "",
                "instruction": step,
                "order": 0,
                "ingredients": [
                    {
                        "food": {"name": food},
                        "unit": {"name": "g"},
                        "amount": amount,
                        "note": "",
                        "order": 0,
                        "is_header": False,
                        "no_amount": False,
                    },
                    {
                        "food": {"name": "salt"},
                        "unit": None,
                        "amount": 0,
                        "note": "to taste",
                        "order": 1,
                        "is_header": False,
                        "no_amount": True,
                    },
                ],
            }
        ],
    }
    return zip_bytes({"recipe.json": json.dumps(recipe).encode(), "image.png": png_bytes()})


def tandoor_export() -> bytes:
    return zip_bytes(
        {
            "1.zip": _tandoor_recipe(
                "Buttered Pasta", 200, "pasta", "Boil the pasta; toss with butter."
            ),
            "2.zip": _tandoor_recipe(
                "Roast Carrots", 500, "carrots", "Roast the carrots at 200 °C."
            ),
        }
    )


def nextcloud_export() -> bytes:
    recipe = {
        "@context": "http://schema.org",
        "@type": "Recipe",
        "id": "1234",
        "name": "Tomato Bruschetta",
        "description": "Summer toast.",
        "prepTime": "PT0H15M0S",
        "cookTime": "PT0H5M0S",
        "recipeYield": 4,
        "recipeCategory": "Appetizer",
        "keywords": "italian,summer",
        "recipeCuisine": "Italian",
        "image": "https://nextcloud.example/apps/cookbook/recipes/1234/image",
        "recipeIngredient": ["4 tomatoes, diced", "1 baguette", "2 tablespoons olive oil", "basil"],
        "recipeInstructions": ["Toast the bread.", "Top with tomatoes, oil and basil."],
    }
    return zip_bytes(
        {
            "Tomato Bruschetta/recipe.json": json.dumps(recipe).encode(),
            "Tomato Bruschetta/full.jpg": jpeg_bytes(),
            "Tomato Bruschetta/thumb.jpg": jpeg_bytes(),
        }
    )


PLAN_TO_EAT_CSV = (
    "Title,Description,Ingredients,Directions,Servings,Url,Rating,Prep Time,Cook Time,"
    "Total Time,Created At\n"
    '"Black Bean Tacos","Fast tacos","1 can black beans, drained\n8 corn tortillas\n1 avocado\n'
    '1 lime","Warm the beans.\n\nFill the tortillas and squeeze lime over.",4,'
    "https://pte.example/tacos,5,10 min,5 min,15 min,2024-02-03\n"
    ',"No title row","1 egg","Cook it.",1,,,,,,\n'
    '"Banana Smoothie","","1 banana\n1 cup milk","Blend.",1,,4,5 min,,,2024-02-04\n'
)

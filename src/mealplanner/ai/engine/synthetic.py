"""Seeded synthetic recipe catalogs for tests and benchmarks of the planner and recommender.

The numbers follow everyday home cooking: breakfasts of 250-650 kcal, dinners of 400-950 kcal,
macro splits drawn around a few archetypes (lean protein, carb-heavy, balanced, rich), 5-12
ingredients drawn from a shared pool with a long tail, so that recipes overlap in ingredients
the way real ones do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from mealplanner.ai.engine.planner import Candidate
from mealplanner.core.vocab import CUISINES

# (protein, carbs, fat) shares of kcal around which recipes are drawn.
_ARCHETYPES: Final = (
    (0.35, 0.35, 0.30),  # lean protein with sides
    (0.15, 0.60, 0.25),  # carb-heavy: pasta, porridge, rice bowls
    (0.25, 0.45, 0.30),  # balanced
    (0.20, 0.30, 0.50),  # rich: cheese, nuts, fried
    (0.40, 0.20, 0.40),  # low-carb
)
_KCAL_RANGE: Final = {
    "breakfast": (250.0, 650.0),
    "lunch": (350.0, 800.0),
    "dinner": (400.0, 950.0),
    "snack": (100.0, 300.0),
}
_FOOD_POOL: Final = 400


@dataclass(frozen=True, slots=True)
class SyntheticRecipe:
    candidate: Candidate
    tags: frozenset[str]


def synthetic_catalog(size: int, seed: int = 7) -> list[SyntheticRecipe]:
    rng = random.Random(seed)
    food_ids = [f"f{i:04d}" for i in range(_FOOD_POOL)]
    # Zipf-like ingredient popularity: onions and olive oil are everywhere, saffron is not.
    food_weights = [1.0 / (i + 1) ** 0.8 for i in range(_FOOD_POOL)]
    recipes = []
    for i in range(size):
        meal_type = rng.choices(
            ["breakfast", "lunch", "dinner", "snack"], weights=[0.25, 0.3, 0.35, 0.1]
        )[0]
        meal_types = {meal_type}
        if meal_type in {"lunch", "dinner"} and rng.random() < 0.35:
            meal_types = {"lunch", "dinner"}
        lo, hi = _KCAL_RANGE[meal_type]
        kcal = rng.uniform(lo, hi)
        base = rng.choice(_ARCHETYPES)
        raw = [max(0.05, s + rng.gauss(0, 0.05)) for s in base]
        total = sum(raw)
        protein_s, carbs_s, fat_s = (r / total for r in raw)
        n_foods = rng.randint(5, 12)
        foods = frozenset(rng.choices(food_ids, weights=food_weights, k=n_foods))
        cuisine = rng.choice(CUISINES)
        tags = frozenset(
            t
            for t, cond in (
                ("high-protein", protein_s >= 0.3),
                ("low-carb", carbs_s <= 0.25),
                ("quick", rng.random() < 0.3),
                ("vegetarian", rng.random() < 0.3),
                ("spicy", rng.random() < 0.2),
            )
            if cond
        )
        candidate = Candidate(
            recipe_id=f"r{i:05d}",
            name=f"{cuisine.title()} {meal_type} #{i}",
            meal_types=frozenset(meal_types),
            # Reported kcal differ slightly from 4/4/9 macro kcal (fibre, alcohol, rounding).
            calories=round(kcal * rng.uniform(0.97, 1.03), 1),
            protein_g=round(kcal * protein_s / 4, 1),
            carbs_g=round(kcal * carbs_s / 4, 1),
            fat_g=round(kcal * fat_s / 9, 1),
            prep_total_minutes=rng.choice([10, 15, 20, 30, 45, 60, 90]),
            food_ids=foods,
            cuisine=cuisine,
            popularity=round(rng.betavariate(1.2, 4.0), 3),
        )
        recipes.append(SyntheticRecipe(candidate=candidate, tags=tags))
    return recipes


def synthetic_candidates(size: int, seed: int = 7) -> list[Candidate]:
    return [r.candidate for r in synthetic_catalog(size, seed)]

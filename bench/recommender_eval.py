"""Offline evaluation of the hybrid recommender on a synthetic population with planted tastes.

Each user likes two cuisines and a set of ingredients; their interactions are drawn with
probability growing with how well a recipe matches those tastes (and a little with global
popularity). For every user the newest planned/favourited recipe is held out; the co-occurrence
counts and popularity are rebuilt from the remaining (training) interactions only, the user's
profile is built from their training history, and we check whether the held-out recipe is in
the top 10 of the recipes they have not seen (leave-one-out hit rate@10).

Run: .venv/bin/python bench/recommender_eval.py [--users 400] [--recipes 800] [--seed 3]
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mealplanner.ai.engine.recommender import (
    HybridWeights,
    Interaction,
    InteractionKind,
    RecipeFeatures,
    build_profile,
    co_occurrence_counts,
    hybrid_rank,
)
from mealplanner.ai.engine.synthetic import synthetic_catalog

START = datetime(2026, 1, 1, tzinfo=UTC)


def simulate(
    n_users: int, recipes: list[RecipeFeatures], rng: random.Random
) -> list[list[Interaction]]:
    cuisines = sorted({r.cuisine for r in recipes})
    foods = sorted({f for r in recipes for f in r.food_ids})
    quality = {r.recipe_id: rng.random() for r in recipes}  # latent appeal shared by everyone
    histories = []
    for _ in range(n_users):
        liked_cuisines = set(rng.sample(cuisines, 2))
        liked_foods = set(rng.sample(foods, 25))
        weights = []
        for r in recipes:
            taste = 2.2 * (r.cuisine in liked_cuisines) + 4.0 * len(r.food_ids & liked_foods) / max(
                1, len(r.food_ids)
            )
            weights.append(math.exp(taste + 1.5 * quality[r.recipe_id]))
        n = rng.randint(8, 30)
        picked = rng.choices(recipes, weights=weights, k=n)
        history = []
        for k, r in enumerate(picked):
            kinds: list[InteractionKind] = ["viewed", "planned", "favorited"]
            kind = rng.choices(kinds, weights=[0.4, 0.45, 0.15])[0]
            history.append(Interaction(r.recipe_id, kind, START + timedelta(days=2 * k)))
        histories.append(history)
    return histories


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=400)
    parser.add_argument("--recipes", type=int, default=800)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    catalog = synthetic_catalog(args.recipes, seed=args.seed)
    base = [
        RecipeFeatures(
            recipe_id=s.candidate.recipe_id,
            name=s.candidate.name,
            cuisine=s.candidate.cuisine,
            tags=s.tags,
            food_ids=s.candidate.food_ids,
            meal_types=s.candidate.meal_types,
            calories=s.candidate.calories,
            protein_g=s.candidate.protein_g,
            total_minutes=s.candidate.prep_total_minutes,
        )
        for s in catalog
    ]
    histories = simulate(args.users, base, rng)

    held_out: list[tuple[list[Interaction], str] | None] = []
    for history in histories:
        strong = [i for i in history if i.kind != "viewed"]
        if not strong:
            held_out.append(None)
            continue
        newest = max(strong, key=lambda i: i.at)
        train = [i for i in history if i.recipe_id != newest.recipe_id]
        held_out.append((train, newest.recipe_id) if train else None)

    baskets = [{i.recipe_id for i in case[0] if i.kind != "viewed"} for case in held_out if case]
    co_counts = co_occurrence_counts(baskets)
    counts = Counter(i.recipe_id for case in held_out if case for i in case[0])
    top = max(counts.values())
    recipes = [replace(r, popularity=counts.get(r.recipe_id, 0) / top) for r in base]
    by_id = {r.recipe_id: r for r in recipes}

    variants = {
        "popularity only": HybridWeights(content=0, collaborative=0, popularity=1, relevance=1),
        "content only": HybridWeights(content=1, collaborative=0, popularity=0, relevance=1),
        "collaborative only": HybridWeights(content=0, collaborative=1, popularity=0, relevance=1),
        "hybrid (no MMR)": HybridWeights(relevance=1.0),
        "hybrid + MMR (default)": HybridWeights(),
    }
    hits = dict.fromkeys(variants, 0)
    cuisines_in_top10 = dict.fromkeys(variants, 0.0)
    evaluated = 0
    for case in held_out:
        if case is None:
            continue
        train, target = case
        profile = build_profile(train, by_id)
        evaluated += 1
        for label, weights in variants.items():
            ranked = hybrid_rank(recipes, profile, co_counts, limit=10, weights=weights)
            hits[label] += any(r.recipe_id == target for r in ranked)
            cuisines_in_top10[label] += len({by_id[r.recipe_id].cuisine for r in ranked})
    print(f"users evaluated: {evaluated}, recipes: {len(recipes)}, seed: {args.seed}")
    print("variant | hit rate@10 | distinct cuisines in top 10")
    for label in variants:
        print(
            f"{label} | {hits[label] / evaluated:.3f} | {cuisines_in_top10[label] / evaluated:.1f}"
        )


if __name__ == "__main__":
    main()

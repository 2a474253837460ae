from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mealplanner.ai.engine.recommender import (
    HybridWeights,
    Interaction,
    RankContext,
    RecipeFeatures,
    build_profile,
    co_occurrence_counts,
    collaborative_score,
    content_score,
    hybrid_rank,
    item_similarity,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _recipe(
    rid: str,
    cuisine: str,
    foods: str,
    *,
    name: str | None = None,
    popularity: float = 0.0,
    meal_types: frozenset[str] = frozenset(),
    calories: float = 0.0,
    protein_g: float = 0.0,
    total_minutes: int = 0,
) -> RecipeFeatures:
    return RecipeFeatures(
        recipe_id=rid,
        name=name or rid,
        cuisine=cuisine,
        food_ids=frozenset(foods.split()),
        meal_types=meal_types,
        popularity=popularity,
        calories=calories,
        protein_g=protein_g,
        total_minutes=total_minutes,
    )


GREEN_CURRY = _recipe("green", "thai", "coconut chili basil chicken lime", name="Thai Green Curry")
RED_CURRY = _recipe("red", "thai", "coconut chili chicken lime shallot", name="Thai Red Curry")
PAD_THAI = _recipe("padthai", "thai", "noodle peanut egg lime", name="Pad Thai")
LASAGNE = _recipe("lasagne", "italian", "pasta beef tomato cheese", name="Lasagne", popularity=0.9)
TACOS = _recipe("tacos", "mexican", "tortilla beef tomato lime", name="Tacos", popularity=0.6)
FEATURES = {r.recipe_id: r for r in (GREEN_CURRY, RED_CURRY, PAD_THAI, LASAGNE, TACOS)}


def test_profile_weights_kind_and_recency() -> None:
    history = [
        Interaction("green", "favorited", NOW),
        Interaction("lasagne", "viewed", NOW - timedelta(days=45)),
    ]
    profile = build_profile(history, FEATURES, now=NOW)
    assert profile.cuisines["thai"] == pytest.approx(3.0)
    assert profile.cuisines["italian"] == pytest.approx(0.25)  # 0.5 weight, one half-life old
    assert profile.liked[0].name == "Thai Green Curry"
    assert profile.seen == {"green", "lasagne"}


def test_content_score_prefers_liked_cuisine_and_foods() -> None:
    profile = build_profile([Interaction("green", "favorited", NOW)], FEATURES)
    assert content_score(RED_CURRY, profile) > content_score(PAD_THAI, profile)
    assert content_score(PAD_THAI, profile) > content_score(LASAGNE, profile)
    assert content_score(LASAGNE, build_profile([], FEATURES)) == 0.0


def test_item_similarity_normalises_by_counts() -> None:
    co = co_occurrence_counts([{"a", "b"}, {"a", "b"}, {"a", "c"}, {"a"}, {"c"}])
    assert co["a"]["a"] == 4
    assert item_similarity("a", "b", co) == pytest.approx(2 / (4 * 2) ** 0.5)
    assert item_similarity("a", "c", co) == pytest.approx(1 / (4 * 2) ** 0.5)
    assert item_similarity("b", "c", co) == 0.0


def test_collaborative_score_names_the_strongest_liked_recipe() -> None:
    co = co_occurrence_counts([{"green", "tacos"}, {"green", "tacos"}, {"lasagne", "tacos"}])
    profile = build_profile(
        [Interaction("green", "planned", NOW), Interaction("lasagne", "viewed", NOW)], FEATURES
    )
    score, liked = collaborative_score("tacos", profile, co)
    assert score > 0
    assert liked is not None
    assert liked.recipe_id == "green"


def test_cold_start_falls_back_to_popularity() -> None:
    ranked = hybrid_rank(list(FEATURES.values()), build_profile([], FEATURES), {}, limit=2)
    assert [r.recipe_id for r in ranked] == ["lasagne", "tacos"]
    assert all(r.reason == "Popular with other cooks" for r in ranked)


def test_reasons_are_specific() -> None:
    profile = build_profile([Interaction("green", "favorited", NOW)], FEATURES)
    ranked = hybrid_rank(list(FEATURES.values()), profile, {}, limit=3)
    assert ranked[0].recipe_id == "red"
    assert ranked[0].reason == "Because you liked Thai Green Curry"
    assert "green" not in {r.recipe_id for r in ranked}

    co = co_occurrence_counts([{"green", "lasagne"}] * 5)
    ranked = hybrid_rank(
        [LASAGNE], profile, co, weights=HybridWeights(content=0.1, collaborative=0.9)
    )
    assert ranked[0].reason == "People who planned Thai Green Curry also planned this"

    quick = _recipe("bowl", "korean", "rice tofu", calories=500, protein_g=45, total_minutes=25)
    ranked = hybrid_rank([quick], build_profile([], FEATURES), {}, RankContext(max_minutes=30))
    assert ranked[0].reason == "Fits your 30-minute limit and is high in protein"


def test_mmr_avoids_ten_of_the_same() -> None:
    curries = [
        _recipe(f"curry{i}", "indian", "chicken curry onion garlic ginger", popularity=0.9)
        for i in range(10)
    ]
    others = [
        _recipe("salad", "greek", "feta cucumber tomato", popularity=0.8),
        _recipe("ramen", "japanese", "noodle pork egg", popularity=0.8),
    ]
    profile = build_profile([], FEATURES)
    plain = hybrid_rank(
        curries + others, profile, {}, limit=4, weights=HybridWeights(relevance=1.0)
    )
    assert all(r.recipe_id.startswith("curry") for r in plain)
    diverse = hybrid_rank(curries + others, profile, {}, limit=4)
    assert {"salad", "ramen"} <= {r.recipe_id for r in diverse}


def test_context_filters_meal_type_and_exclusions() -> None:
    breakfast = _recipe("oats", "british", "oat milk", meal_types=frozenset({"breakfast"}))
    ranked = hybrid_rank(
        [breakfast, LASAGNE, TACOS],
        build_profile([], FEATURES),
        {},
        RankContext(meal_type="breakfast", exclude=frozenset({"tacos"})),
    )
    # Recipes without meal types are not ruled out; only a known mismatch is.
    assert {r.recipe_id for r in ranked} == {"oats", "lasagne"}

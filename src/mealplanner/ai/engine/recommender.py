"""Hybrid recipe recommendations: content profile + item-to-item co-occurrence + popularity.

Pure scoring for the suggestions endpoint. The caller applies the hard filters (diet,
allergies, time, already-planned) and passes interactions, recipe features and co-occurrence
counts; this module builds a taste profile, scores, re-ranks for diversity (MMR) and explains
each pick. The formulas are written out in ``docs/ai.md``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import repeat
from typing import Final, Literal

from mealplanner.ai.engine.balance import KCAL_PER_G_PROTEIN

InteractionKind = Literal["favorited", "planned", "viewed"]

# A favourite says more about taste than a plan, a plan more than a glance.
KIND_WEIGHT: Final[Mapping[str, float]] = {"favorited": 3.0, "planned": 2.0, "viewed": 0.5}
HALF_LIFE_DAYS: Final = 45.0
HIGH_PROTEIN_SHARE: Final = 0.30


# RecipeFeatures, Interaction and LikedRecipe are read-only by convention but not frozen: a
# frozen dataclass sets every field through object.__setattr__, and each uncached suggestion
# builds hundreds of them (frozen cost 6 % of its instructions, bench/README.md session 6).
@dataclass(slots=True)
class RecipeFeatures:
    recipe_id: str
    name: str
    cuisine: str
    tags: frozenset[str] = frozenset()
    food_ids: frozenset[str] = frozenset()
    meal_types: frozenset[str] = frozenset()
    popularity: float = 0.0  # normalised to 0..1 by the caller
    calories: float = 0.0
    protein_g: float = 0.0
    total_minutes: int = 0

    @property
    def is_high_protein(self) -> bool:
        return (
            self.calories > 0
            and self.protein_g * KCAL_PER_G_PROTEIN / self.calories >= HIGH_PROTEIN_SHARE
        )


@dataclass(slots=True)
class Interaction:
    recipe_id: str
    kind: InteractionKind
    at: datetime


@dataclass(slots=True)
class LikedRecipe:
    recipe_id: str
    name: str
    cuisine: str
    tags: frozenset[str]
    food_ids: frozenset[str]
    weight: float


@dataclass(frozen=True, slots=True)
class Profile:
    """A user's recency-weighted taste: weights per cuisine, tag and food, plus what they liked."""

    cuisines: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, float] = field(default_factory=dict)
    foods: Mapping[str, float] = field(default_factory=dict)
    liked: tuple[LikedRecipe, ...] = ()
    seen: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not self.liked


@dataclass(frozen=True, slots=True)
class RankContext:
    meal_type: str | None = None
    max_minutes: int | None = None
    exclude: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class HybridWeights:
    content: float = 0.55
    collaborative: float = 0.30
    popularity: float = 0.15
    # MMR trade-off: 1.0 ranks by relevance only, lower values favour variety.
    relevance: float = 0.9
    exclude_seen: bool = True


DEFAULT_HYBRID_WEIGHTS: Final = HybridWeights()


@dataclass(frozen=True, slots=True)
class Ranked:
    recipe_id: str
    score: float
    reason: str


def build_profile(
    interactions: Iterable[Interaction],
    features: Mapping[str, RecipeFeatures],
    *,
    now: datetime | None = None,
    half_life_days: float = HALF_LIFE_DAYS,
) -> Profile:
    """Sum each interaction's weight (kind weight x 2^(-age / half-life)) into bags of cuisines,
    tags and foods. ``now`` defaults to the newest interaction, which keeps this pure."""
    items = [i for i in interactions if i.recipe_id in features]
    if not items:
        return Profile(seen=frozenset(i.recipe_id for i in interactions))
    ref = now or max(i.at for i in items)
    per_recipe: dict[str, float] = defaultdict(float)
    for item in items:
        age_days = max(0.0, (ref - item.at).total_seconds() / 86400.0)
        per_recipe[item.recipe_id] += KIND_WEIGHT[item.kind] * 0.5 ** (age_days / half_life_days)
    cuisines: dict[str, float] = defaultdict(float)
    tags: dict[str, float] = defaultdict(float)
    foods: dict[str, float] = defaultdict(float)
    liked = []
    for rid, weight in per_recipe.items():
        f = features[rid]
        cuisines[f.cuisine] += weight
        for t in f.tags:
            tags[t] += weight
        # Spread a recipe's weight over its foods so long ingredient lists don't dominate.
        if f.food_ids:
            share = weight / math.sqrt(len(f.food_ids))
            for food in f.food_ids:
                foods[food] += share
        liked.append(LikedRecipe(rid, f.name, f.cuisine, f.tags, f.food_ids, weight))
    liked.sort(key=lambda r: (-r.weight, r.recipe_id))
    return Profile(
        cuisines=dict(cuisines),
        tags=dict(tags),
        foods=dict(foods),
        liked=tuple(liked),
        seen=frozenset(i.recipe_id for i in interactions),
    )


def _bag_cosine(bag: Mapping[str, float], items: frozenset[str]) -> float:
    """Cosine between a weighted bag and a recipe's binary item set."""
    if not bag or not items:
        return 0.0
    return _bag_cosine_normed(bag, _norm(bag), items)


def _norm(bag: Mapping[str, float]) -> float:
    return math.sqrt(sum(v * v for v in bag.values()))


def _bag_cosine_normed(bag: Mapping[str, float], norm: float, items: frozenset[str]) -> float:
    if not items:
        return 0.0
    dot = sum(map(bag.get, items, repeat(0.0)))  # C-level loop: one lookup per item
    return dot / (norm * math.sqrt(len(items))) if norm else 0.0


class _ContentScorer:
    """`content_score` with the profile's norms and top cuisine computed once per ranking
    instead of once per candidate (they were most of its cost)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.top = max(profile.cuisines.values(), default=0.0)
        self.foods_norm = _norm(profile.foods)
        self.tags_norm = _norm(profile.tags)

    def score(self, recipe: RecipeFeatures) -> float:
        profile = self.profile
        if profile.is_empty:
            return 0.0
        top = self.top
        cuisine = profile.cuisines.get(recipe.cuisine, 0.0) / top if top else 0.0
        foods = (
            _bag_cosine_normed(profile.foods, self.foods_norm, recipe.food_ids)
            if profile.foods
            else 0.0
        )
        tags = (
            _bag_cosine_normed(profile.tags, self.tags_norm, recipe.tags) if profile.tags else 0.0
        )
        return 0.4 * cuisine + 0.4 * foods + 0.2 * tags


def content_score(recipe: RecipeFeatures, profile: Profile) -> float:
    """0..1: 0.4 x cuisine affinity (share of the top cuisine's weight) + 0.4 x food cosine
    + 0.2 x tag cosine."""
    return _ContentScorer(profile).score(recipe)


def item_similarity(a: str, b: str, co_counts: Mapping[str, Mapping[str, float]]) -> float:
    """co(a, b) / sqrt(n_a x n_b): cosine over the users who planned or favourited each item.

    ``n_x`` is the diagonal ``co_counts[x][x]`` (number of users with x) when present,
    otherwise the row sum, which over-counts but keeps the ratio bounded.
    """
    row = co_counts.get(a)
    if not row or a == b:
        return 0.0
    co = row.get(b, 0.0)
    if co <= 0:
        return 0.0
    n_a = _item_count(a, co_counts)
    n_b = _item_count(b, co_counts)
    return co / math.sqrt(n_a * n_b) if n_a > 0 and n_b > 0 else 0.0


def _item_count(item: str, co_counts: Mapping[str, Mapping[str, float]]) -> float:
    row = co_counts.get(item, {})
    return row.get(item) or sum(v for k, v in row.items() if k != item)


def collaborative_score(
    recipe_id: str, profile: Profile, co_counts: Mapping[str, Mapping[str, float]]
) -> tuple[float, LikedRecipe | None]:
    """Profile-weighted mean similarity to the user's liked recipes, and the liked recipe
    that contributes most (for the explanation)."""
    return _collaborative_scores([recipe_id], profile, co_counts)[0]


def _collaborative_scores(
    recipe_ids: Sequence[str], profile: Profile, co_counts: Mapping[str, Mapping[str, float]]
) -> list[tuple[float, LikedRecipe | None]]:
    """`collaborative_score` of many candidates at once.

    Walks each liked recipe's co-occurrence row once (instead of looking every candidate up
    in every row) and keeps each candidate's contributions in liked-recipe order, so the sums
    come out exactly as one candidate at a time.
    """
    total = sum(r.weight for r in profile.liked)
    if not total:
        return [(0.0, None)] * len(recipe_ids)
    wanted = set(recipe_ids)
    counts: dict[str, float] = {}
    contributions: dict[str, list[tuple[float, LikedRecipe]]] = defaultdict(list)
    for liked in profile.liked:
        a = liked.recipe_id
        row = co_counts.get(a)
        if not row:
            continue
        n_a = _item_count(a, co_counts)
        for b, co in row.items():
            if b == a or co <= 0 or b not in wanted:
                continue
            n_b = counts.get(b)
            if n_b is None:
                n_b = counts[b] = _item_count(b, co_counts)
            sim = co / math.sqrt(n_a * n_b) if n_a > 0 and n_b > 0 else 0.0
            if sim > 0:
                contributions[b].append((liked.weight * sim, liked))
    out: list[tuple[float, LikedRecipe | None]] = []
    for recipe_id in recipe_ids:
        score = 0.0
        best: tuple[float, LikedRecipe] | None = None
        for contribution, liked in contributions.get(recipe_id, ()):
            score += contribution
            if best is None or contribution > best[0]:
                best = (contribution, liked)
        out.append((score / total, best[1] if best else None))
    return out


def popularity_score(recipe: RecipeFeatures) -> float:
    return min(1.0, max(0.0, recipe.popularity))


class _LikedIndex:
    """The liked recipes with what `most_similar` needs of each computed once per ranking
    (it runs for every pick explained by content, over all of them)."""

    def __init__(self, profile: Profile) -> None:
        self.rows = [
            (
                liked,
                liked.food_ids,
                len(liked.food_ids),
                liked.cuisine,
                liked.tags,
                1 + math.log1p(liked.weight),
            )
            for liked in profile.liked
        ]

    def most_similar(self, recipe: RecipeFeatures) -> LikedRecipe | None:
        """The liked recipe most like `recipe`: same cuisine (1) + food Jaccard + 0.2 per
        shared tag, scaled up by the liked recipe's weight; None when nothing is shared."""
        foods, n_foods, cuisine, tags = (
            recipe.food_ids,
            len(recipe.food_ids),
            recipe.cuisine,
            recipe.tags,
        )
        best: LikedRecipe | None = None
        best_key = 0.0
        for liked, liked_foods, n_liked, liked_cuisine, liked_tags, factor in self.rows:
            # Jaccard of the food sets inline (the union's size from the sizes): this loop
            # runs about 1,300 times per suggestion request.
            shared = len(foods & liked_foods)
            union = n_foods + n_liked - shared
            sim = (1.0 if liked_cuisine == cuisine else 0.0) + (shared / union if union else 0.0)
            sim += 0.2 * len(tags & liked_tags)
            if sim > 0:
                key = sim * factor
                if best is None or key > best_key:
                    best, best_key = liked, key
        return best


def hybrid_rank(
    candidates: Sequence[RecipeFeatures],
    profile: Profile,
    co_counts: Mapping[str, Mapping[str, float]],
    context: RankContext | None = None,
    limit: int = 10,
    weights: HybridWeights = DEFAULT_HYBRID_WEIGHTS,
) -> list[Ranked]:
    """Top ``limit`` candidates by hybrid score, diversified by MMR, each with a reason.

    Each signal is scaled to 0..1 by its maximum over the candidates before weighting, so a
    user with little history is not drowned by popularity, and vice versa.
    """
    ctx = context or RankContext()
    pool = [
        r
        for r in candidates
        if r.recipe_id not in ctx.exclude
        and not (weights.exclude_seen and r.recipe_id in profile.seen)
        and (ctx.meal_type is None or not r.meal_types or ctx.meal_type in r.meal_types)
    ]
    if not pool or limit <= 0:
        return []
    scorer = _ContentScorer(profile)
    content = [scorer.score(r) for r in pool]
    collab = _collaborative_scores([r.recipe_id for r in pool], profile, co_counts)
    popular = [popularity_score(r) for r in pool]
    max_content = max(content) or 1.0
    max_collab = max(c for c, _ in collab) or 1.0
    max_pop = max(popular) or 1.0

    scored: list[tuple[float, int, tuple[float, float, float]]] = []
    for i in range(len(pool)):
        parts = (
            weights.content * content[i] / max_content,
            weights.collaborative * collab[i][0] / max_collab,
            weights.popularity * popular[i] / max_pop,
        )
        scored.append((sum(parts), i, parts))
    scored.sort(key=lambda t: (-t[0], pool[t[1]].recipe_id))
    shortlist = scored[: max(limit * 5, 50)]

    chosen: list[tuple[float, int, tuple[float, float, float]]] = []
    remaining = list(shortlist)
    # Each candidate's highest similarity to the picks so far, updated with the newest pick
    # only (similarities are >= 0, so starting at 0 equals max(..., default=0)).
    redundancy = [0.0] * len(remaining)
    while remaining and len(chosen) < limit:
        best_pos = 0
        best_value = -math.inf
        for pos, (score, _, _) in enumerate(remaining):
            value = weights.relevance * score - (1 - weights.relevance) * redundancy[pos]
            if value > best_value:
                best_pos, best_value = pos, value
        picked = remaining.pop(best_pos)
        redundancy.pop(best_pos)
        chosen.append(picked)
        newest = pool[picked[1]]
        newest_foods, n_newest, newest_cuisine = (
            newest.food_ids,
            len(newest.food_ids),
            newest.cuisine,
        )
        for pos, (_, i, _) in enumerate(remaining):
            # Redundancy with the newest pick: same cuisine counts half, the Jaccard of the
            # food sets the other half (inline: ~450 pairs per request).
            other = pool[i]
            shared = len(other.food_ids & newest_foods)
            union = len(other.food_ids) + n_newest - shared
            similarity = 0.5 * (1.0 if other.cuisine == newest_cuisine else 0.0) + 0.5 * (
                shared / union if union else 0.0
            )
            if similarity > redundancy[pos]:
                redundancy[pos] = similarity

    liked = _LikedIndex(profile)
    return [
        Ranked(
            recipe_id=pool[i].recipe_id,
            score=round(score, 4),
            reason=_reason(pool[i], parts, collab[i][1], liked, profile, ctx),
        )
        for score, i, parts in chosen
    ]


def _reason(
    recipe: RecipeFeatures,
    parts: tuple[float, float, float],
    co_liked: LikedRecipe | None,
    liked: _LikedIndex,
    profile: Profile,
    ctx: RankContext,
) -> str:
    content_part, collab_part, _ = parts
    if collab_part > content_part and co_liked is not None:
        return f"People who planned {co_liked.name} also planned this"
    if content_part > 0:
        similar = liked.most_similar(recipe)
        if similar is not None:
            return f"Because you liked {similar.name}"
    fits_time = ctx.max_minutes is not None and 0 < recipe.total_minutes <= ctx.max_minutes
    if fits_time and recipe.is_high_protein:
        return f"Fits your {ctx.max_minutes}-minute limit and is high in protein"
    if fits_time:
        return f"Ready within your {ctx.max_minutes}-minute limit"
    if recipe.is_high_protein and profile.tags.get("high-protein"):
        return "High in protein, like many recipes you enjoy"
    return "Popular with other cooks"


def co_occurrence_counts(
    baskets: Iterable[Iterable[str]],
) -> dict[str, dict[str, float]]:
    """Item-to-item counts from per-user sets of planned/favourited recipes, with the
    diagonal holding how many users had each item. A helper for callers and the evaluation."""
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for basket in baskets:
        items = sorted(set(basket))
        for a in items:
            row = counts[a]
            row[a] += 1
            for b in items:
                if a != b:
                    row[b] += 1
    return {k: dict(v) for k, v in counts.items()}

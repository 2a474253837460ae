"""AI features over the database: suggestions, nutrition balance, substitutions, week planner.

The scoring, balancing, substitution and planning logic is the pure engine in
`mealplanner.ai.engine`; this module loads what it needs, applies the hard filters, caches and
writes the results. Decisions are written out in `docs/ai.md` (API section).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any, Final

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.activity import service as activity
from mealplanner.ai import pools
from mealplanner.ai.engine.balance import (
    DayNutrition,
    Targets,
    calculate_balance_score,
    weekday_name,
)
from mealplanner.ai.engine.planner import (
    CALORIE_TOLERANCE_PCT,
    MACRO_TOLERANCE_PP,
    Candidate,
    LockedMeal,
    PlanRequest,
    plan_week,
)
from mealplanner.ai.engine.recommender import (
    Interaction,
    RankContext,
    RecipeFeatures,
    build_profile,
    co_occurrence_counts,
    hybrid_rank,
)
from mealplanner.ai.engine.substitution import Substitution, default_kb, find_substitutions
from mealplanner.ai.repository import (
    AIRepository,
    HardFilters,
    IngredientLine,
    RecipeRow,
    SuggestionRow,
)
from mealplanner.ai.schemas import (
    BalanceRead,
    BalanceRequest,
    BalanceTargets,
    DailyTotals,
    DayDeviationRead,
    GeneratedPlanRead,
    GeneratePlanRequest,
    InsightRead,
    MacroShares,
    NutritionChange,
    PlanTargetsIn,
    PlanTargetsRead,
    SubstituteRead,
    SubstitutionRequest,
    SubstitutionsRead,
    Suggestion,
    SuggestionRequest,
    SuggestionsRead,
    WeeklyAverages,
)
from mealplanner.core.cache import SUGGESTIONS_TTL, Cache, meal_plan_key, suggestions_key
from mealplanner.core.clock import utcnow
from mealplanner.core.config import Settings
from mealplanner.core.errors import Conflict, NotFound, ValidationFailed
from mealplanner.foods import Nutrients, get_food_table
from mealplanner.mealplans import service as mealplan_service
from mealplanner.mealplans.models import PlannedMeal
from mealplanner.mealplans.schemas import MealPlanCreate, MealPlanRead
from mealplanner.recipes import service as recipe_service
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.schemas import Nutrition, RecipeSummary
from mealplanner.users import service as user_service
from mealplanner.users.models import User
from mealplanner.users.schemas import Preferences

DEFAULT_CALORIES: Final = 2000.0
DEFAULT_SHARES: Final = (30.0, 40.0, 30.0)

# -- shared helpers -----------------------------------------------------------------------------


def resolve_targets(
    prefs: Preferences, requested: PlanTargetsIn | None = None
) -> tuple[Targets, str]:
    """The day's targets: the request's, else the user's preferences, else 2000 kcal 30/40/30.

    Missing macro shares are filled from the remainder in the default 30:40:30 proportion;
    `proteinG` becomes a share of the calorie target (4 kcal/g).
    """
    if requested is not None:
        calories = requested.calories
        protein = requested.protein_pct
        if requested.protein_g is not None:
            protein = 100.0 * requested.protein_g * 4 / calories
        given = {"protein": protein, "carbs": requested.carbs_pct, "fat": requested.fat_pct}
        shares = _complete_shares(given, from_grams=requested.protein_g is not None)
        return Targets(calories, *shares), "request"
    source = "default"
    calories = DEFAULT_CALORIES
    shares = DEFAULT_SHARES
    if prefs.daily_calorie_target is not None:
        calories, source = float(prefs.daily_calorie_target), "preferences"
    if prefs.macro_targets is not None:
        m = prefs.macro_targets
        shares = _normalised((m.protein_pct, m.carbs_pct, m.fat_pct))
        source = "preferences"
    return Targets(calories, *shares), source


def _complete_shares(
    given: Mapping[str, float | None], *, from_grams: bool
) -> tuple[float, float, float]:
    names = ("protein", "carbs", "fat")
    defaults = dict(zip(names, DEFAULT_SHARES, strict=True))
    known = {k: v for k, v in given.items() if v is not None}
    missing = [k for k in names if k not in known]
    total = sum(known.values())
    if total > 100.5:
        if from_grams and "protein" in known and known["protein"] <= 100 and not missing:
            # Protein in grams fixes its share; carbs and fat keep their ratio in the rest.
            rest = 100 - known["protein"]
            cf = known["carbs"] + known["fat"] or 1.0
            known["carbs"], known["fat"] = rest * known["carbs"] / cf, rest * known["fat"] / cf
            return _normalised(tuple(known[k] for k in names))
        raise ValidationFailed(
            "Macro targets add up to more than 100%", details={"targets": f"{total:.0f}%"}
        )
    if not missing:
        if abs(total - 100) > 1 and not from_grams:
            raise ValidationFailed(
                "Macro targets must add up to 100%", details={"targets": f"{total:.0f}%"}
            )
        if from_grams:
            rest = 100 - known["protein"]
            cf = known["carbs"] + known["fat"] or 1.0
            known["carbs"], known["fat"] = rest * known["carbs"] / cf, rest * known["fat"] / cf
        return _normalised(tuple(known[k] for k in names))
    weight = sum(defaults[k] for k in missing)
    for k in missing:
        known[k] = (100 - total) * defaults[k] / weight
    return _normalised(tuple(known[k] for k in names))


def _normalised(shares: Sequence[float]) -> tuple[float, float, float]:
    total = sum(shares) or 1.0
    p, c, f = (100.0 * s / total for s in shares)
    return p, c, f


def hard_filters(
    prefs: Preferences,
    *,
    meal_types: Iterable[str] = (),
    max_minutes: int | None = None,
    exclude_ids: Iterable[uuid.UUID] = (),
    require_nutrition: bool = False,
) -> HardFilters:
    return HardFilters(
        diets=tuple(prefs.dietary_restrictions),
        allergies=tuple(prefs.allergies),
        dislikes=tuple(d.lower() for d in prefs.disliked_ingredients if d.strip()),
        meal_types=tuple(meal_types),
        max_total_minutes=max_minutes if max_minutes is not None else prefs.max_prep_time,
        exclude_ids=frozenset(exclude_ids),
        require_nutrition=require_nutrition,
    )


def _food_ids(lines: Sequence[IngredientLine]) -> frozenset[str]:
    return frozenset(food for food, _, _ in lines if food)


# -- suggestions ------------------------------------------------------------------------------

RECENT_WINDOW_DAYS: Final = 14
PROFILE_LOOKBACK_DAYS: Final = 365
# The newest interactions that build the taste profile (favourites always count). With a
# 45-day half-life the newest 200 carry nearly all the weight; reading 500 made a heavy
# user's uncached suggestions a third more expensive (bench/README.md, session 4).
PROFILE_EVENTS: Final = 200
CO_OCCURRENCE_KEY: Final = "ai:co-occurrence"
# Names the entry now under CO_OCCURRENCE_KEY (the entry holds the same stamp).
CO_OCCURRENCE_STAMP_KEY: Final = "ai:co-occurrence:stamp"
CO_OCCURRENCE_TTL: Final = 1800
MAX_CACHED_CONTEXTS: Final = 16
_KIND: Final = {
    activity.MEAL_PLANNED: "planned",
    activity.RECIPE_FAVORITED: "favorited",
    activity.RECIPE_VIEWED: "viewed",
}
_BASKET_EVENTS: Final = (activity.MEAL_PLANNED, activity.RECIPE_FAVORITED)


def _context_key(request: SuggestionRequest, day: date) -> str:
    return f"{request.context.meal_type or '*'}|{day.isoformat()}|{request.limit}"


async def suggest(
    session: AsyncSession, cache: Cache, user: User, request: SuggestionRequest
) -> SuggestionsRead:
    """Hybrid suggestions, cached per user as `suggestions:{userId}` for 30 minutes.

    The cached value is one JSON object holding up to 16 contexts (meal type, date, limit),
    so a single delete of `suggestions:{userId}` (plan writes, preference changes) drops all.
    """
    day = request.context.date or utcnow().date()
    key = suggestions_key(user.id)
    context_key = _context_key(request, day)
    cached = await cache.get_json(key)
    entries: dict[str, Any] = cached if isinstance(cached, dict) else {}
    if context_key in entries:
        return SuggestionsRead.model_validate(entries[context_key])
    result = await _compute_suggestions(session, cache, user, request, day)
    entries = dict(list(entries.items())[-(MAX_CACHED_CONTEXTS - 1) :])
    entries[context_key] = result.model_dump(mode="json", by_alias=True)
    await cache.set_json(key, entries, SUGGESTIONS_TTL)
    return result


async def _compute_suggestions(
    session: AsyncSession, cache: Cache, user: User, request: SuggestionRequest, day: date
) -> SuggestionsRead:
    prefs = user_service.read_preferences(user)
    repo = AIRepository(session)
    meal_type = request.context.meal_type
    now = utcnow()
    signals = await repo.user_signals(
        user.id,
        planned_from=day - timedelta(days=RECENT_WINDOW_DAYS),
        planned_to=day + timedelta(days=RECENT_WINDOW_DAYS),
        event_types=tuple(_KIND),
        since=now - timedelta(days=PROFILE_LOOKBACK_DAYS),
        limit=PROFILE_EVENTS,
    )
    recent, events, favorites = signals.planned, signals.events, signals.favorites
    filters = hard_filters(prefs, meal_types=(meal_type,) if meal_type else (), exclude_ids=recent)
    interactions = [
        Interaction(str(rid), _KIND[kind], at)  # type: ignore[arg-type]
        for rid, kind, at in events
        # An un-favourited recipe no longer says "I like this".
        if kind != activity.RECIPE_FAVORITED or rid in favorites
    ]
    logged = {rid for rid, kind, _ in events if kind == activity.RECIPE_FAVORITED}
    interactions += [Interaction(str(rid), "favorited", now) for rid in favorites - logged]

    # Candidate generation: a bounded pool (popular, the user's cuisines, items other people
    # planned with theirs) instead of every recipe that passes the filters; the public part
    # is shared by everyone with the same hard filters (`mealplanner.ai.pools`).
    co_counts = await co_occurrence(session, cache, user.id)
    history = {i.recipe_id for i in interactions}
    related = _related_items(co_counts, history, RELATED_POOL)
    found = await pools.suggestion_candidates(
        session,
        cache,
        pools.CANDIDATE_POOLS,
        user.id,
        filters,
        pool=CANDIDATE_POOL,
        cuisines=prefs.favorite_cuisines,
        include_ids=[uuid.UUID(rid) for rid in related],
        history_ids=[uuid.UUID(rid) for rid in history],
    )
    recipes = found.recipes
    if not recipes:
        return SuggestionsRead(recommendations=[])

    max_pop = max((r.popularity for r in recipes), default=0) or 1
    build = partial(_features, max_pop=max_pop)
    candidates = [found.shared.features_for(r, max_pop, build) for r in recipes]
    features = {f.recipe_id: f for f in candidates}
    for r in found.liked:  # history rows: never the pool's own, so never kept
        if (key := str(r.id)) not in features:
            features[key] = build(r)

    profile = build_profile(interactions, features, now=now)
    if prefs.favorite_cuisines:
        # Stated favourite cuisines seed the content profile (weight of one favourite each).
        cuisines = dict(profile.cuisines)
        for cuisine in prefs.favorite_cuisines:
            cuisines[cuisine] = cuisines.get(cuisine, 0.0) + 3.0
        profile = dataclasses.replace(profile, cuisines=cuisines)

    ranked = hybrid_rank(
        candidates,
        profile,
        co_counts,
        RankContext(
            meal_type=meal_type,
            max_minutes=prefs.max_prep_time,
            exclude=frozenset(str(r) for r in recent),
        ),
        limit=request.limit,
    )
    # Only the picks are loaded as full summaries.
    by_id = await repo.recipe_rows([uuid.UUID(item.recipe_id) for item in ranked], _SUMMARY)
    return SuggestionsRead(
        recommendations=[
            Suggestion(
                recipe_id=recipe.id,
                score=item.score,
                reason=item.reason,
                recipe=RecipeSummary.model_validate(recipe),
            )
            for item in ranked
            # A pick deleted since the candidate query is left out rather than failing.
            if (recipe := by_id.get(uuid.UUID(item.recipe_id))) is not None
        ]
    )


_SUMMARY: Final = tuple(RecipeSummary.model_fields)


CANDIDATE_POOL: Final = 300
RELATED_POOL: Final = 300


def _related_items(
    co_counts: dict[str, dict[str, float]], history: set[str], limit: int
) -> list[str]:
    """The items most often planned together with the user's own, by summed counts."""
    scores: dict[str, float] = defaultdict(float)
    for item in history:
        for other, count in co_counts.get(item, {}).items():
            if other not in history:
                scores[other] += count
    return sorted(scores, key=lambda k: (-scores[k], k))[:limit]


def _features(recipe: SuggestionRow, max_pop: float) -> RecipeFeatures:
    return RecipeFeatures(
        recipe_id=str(recipe.id),
        name=recipe.name,
        cuisine=recipe.cuisine,
        tags=recipe.tags,
        food_ids=recipe.food_ids,
        meal_types=recipe.meal_types or frozenset(),
        popularity=min(1.0, recipe.popularity / max_pop),
        calories=recipe.calories,
        protein_g=recipe.protein_g,
        total_minutes=recipe.total_minutes,
    )


@dataclasses.dataclass(slots=True)
class _Parsed:
    stamp: str | None = None
    data: dict[str, Any] | None = None


# The shared entry as this process last parsed it, with its stamp.
_parsed_co_occurrence = _Parsed()


async def _shared_co_occurrence(session: AsyncSession, cache: Cache) -> dict[str, Any]:
    """The shared counts and baskets, cached for 30 minutes as one entry.

    Parsing the entry (hundreds of KB of JSON) was a tenth of an uncached suggestion, so the
    process keeps the last one it parsed and reuses it while the small stamp key still names
    it; a new entry (expiry, the daily refresh) comes with a new stamp.
    """
    stamp = await cache.get_json(CO_OCCURRENCE_STAMP_KEY)
    parsed = _parsed_co_occurrence
    if stamp is not None and parsed.stamp == stamp and parsed.data is not None:
        return parsed.data

    async def load() -> dict[str, Any]:
        since = utcnow() - timedelta(days=PROFILE_LOOKBACK_DAYS)
        baskets = await AIRepository(session).baskets(_BASKET_EVENTS, since)
        return {
            "stamp": uuid.uuid4().hex,
            "counts": co_occurrence_counts(
                [str(r) for r in sorted(items, key=str)] for items in baskets.values()
            ),
            "baskets": {str(u): sorted(str(r) for r in items) for u, items in baskets.items()},
        }

    data: dict[str, Any] = await cache.get_or_load_json(CO_OCCURRENCE_KEY, CO_OCCURRENCE_TTL, load)
    current = data.get("stamp")
    if isinstance(current, str):
        if current != stamp:
            await cache.set_json(CO_OCCURRENCE_STAMP_KEY, current, CO_OCCURRENCE_TTL)
        parsed.stamp, parsed.data = current, data
    return data


async def co_occurrence(
    session: AsyncSession, cache: Cache, user_id: uuid.UUID
) -> dict[str, dict[str, float]]:
    """Item-to-item counts over every user's planned/favourited recipes (last 365 days),
    minus the caller's own basket. Callers only read the result (it may be shared)."""
    data = await _shared_co_occurrence(session, cache)
    counts: dict[str, dict[str, float]] = data["counts"]
    own = data["baskets"].get(str(user_id), [])
    if own:
        # "People who planned X also planned Y" means other people: remove our own pairs.
        counts = dict(counts)
        for a in own:
            row = dict(counts.get(a, {}))
            for b in own:
                if b in row:
                    row[b] -= 1
                    if row[b] <= 0:
                        del row[b]
            counts[a] = row
    return counts


# -- nutrition balance ------------------------------------------------------------------------

VEGETABLE_GROUP: Final = "1100"
LEGUME_GROUP: Final = "1600"
# Legume-group foods that dietary guidance counts as protein foods, not vegetables.
_NOT_VEGETABLE_WORDS: Final = ("peanut", "soy", "tofu", "miso", "tempeh", "natto")
VEGETABLE_GRAMS_PER_DAY: Final = 50.0


def is_vegetable(food_id: str | None) -> bool:
    """USDA group 1100 (vegetables), or 1600 (legumes) for beans, peas, lentils and chickpeas
    (the Dietary Guidelines count those as vegetables) but not peanuts or soy products."""
    if not food_id:
        return False
    food = get_food_table().get(food_id)
    if food is None:
        return False
    if food.group_code == VEGETABLE_GROUP:
        return True
    if food.group_code == LEGUME_GROUP:
        text = food.description.lower()
        return not any(word in text for word in _NOT_VEGETABLE_WORDS)
    return False


def vegetable_grams_per_serving(recipe_servings: float, lines: Sequence[IngredientLine]) -> float:
    grams = sum(g for food, _, g in lines if g and is_vegetable(food))
    return grams / (recipe_servings or 1)


async def nutrition_balance(
    session: AsyncSession, cache: Cache, user: User, request: BalanceRequest
) -> BalanceRead:
    """Balance of a week plan: per-person daily totals, averages, macro split, score, insights.

    The plan is the caller's (another user's plan is a 404; admins may read any).
    """
    if request.meal_plan_id is not None:
        plan = await mealplan_service.read_plan(session, user, request.meal_plan_id)
    else:
        assert request.week_start is not None
        plan = await mealplan_service.get_week(session, cache, user, request.week_start)
    owner = user if plan.user_id == user.id else await user_service.get_user(session, plan.user_id)
    prefs = user_service.read_preferences(owner)
    targets, source = resolve_targets(prefs)
    return await build_balance(session, plan, targets, source)


async def build_balance(
    session: AsyncSession, plan: MealPlanRead, targets: Targets, source: str
) -> BalanceRead:
    household = plan.household_size or 1
    lines = await AIRepository(session).ingredient_lines({m.recipe.id for m in plan.meals})
    veg_per_serving = {
        rid: vegetable_grams_per_serving(
            next(m.recipe.servings for m in plan.meals if m.recipe.id == rid), recipe_lines
        )
        for rid, recipe_lines in lines.items()
    }
    days: list[DayNutrition] = []
    veg_by_day: dict[date, float] = {}
    for day in plan.days:
        meals = [m for m in plan.meals if m.date == day.date]
        veg = sum(veg_per_serving.get(m.recipe.id, 0.0) * m.servings for m in meals) / household
        veg_by_day[day.date] = round(veg, 1)
        pp = day.per_person
        days.append(
            DayNutrition(
                date=day.date,
                calories=pp.calories,
                protein_g=pp.protein_g,
                carbs_g=pp.carbs_g,
                fat_g=pp.fat_g,
                fiber_g=pp.fiber_g,
                sodium_mg=pp.sodium_mg,
                meal_count=day.meal_count,
                has_vegetables=veg >= VEGETABLE_GRAMS_PER_DAY,
                recipe_ids=tuple(str(m.recipe.id) for m in meals),
            )
        )
    result = calculate_balance_score(days, targets)
    tm = result.target_macros

    def shares(split: Any) -> MacroShares:
        return MacroShares(
            protein=round(split.protein, 1), carbs=round(split.carbs, 1), fat=round(split.fat, 1)
        )

    def opt(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    filled = result.averages.days_counted > 0
    return BalanceRead(
        meal_plan_id=plan.id,
        week_start=plan.week_start,
        household_size=household,
        days=[
            DailyTotals(
                date=s.day.date,
                weekday=weekday_name(s.day.date),
                meal_count=s.day.meal_count,
                empty=s.day.is_empty,
                calories=s.day.calories,
                protein_g=s.day.protein_g,
                carbs_g=s.day.carbs_g,
                fat_g=s.day.fat_g,
                fiber_g=s.day.fiber_g,
                sodium_mg=s.day.sodium_mg,
                has_vegetables=s.day.has_vegetables,
                vegetable_grams=veg_by_day.get(s.day.date, 0.0),
                macros=shares(s.macros) if s.macros else None,
                calorie_deviation_pct=opt(s.calorie_dev_pct),
                protein_deviation_pp=opt(s.protein_dev_pp),
                carbs_deviation_pp=opt(s.carbs_dev_pp),
                fat_deviation_pp=opt(s.fat_dev_pp),
            )
            for s in result.days
        ],
        empty_days=list(result.empty_days),
        weekly_averages=WeeklyAverages(
            days_counted=result.averages.days_counted,
            calories=round(result.averages.calories, 1),
            protein_g=round(result.averages.protein_g, 1),
            carbs_g=round(result.averages.carbs_g, 1),
            fat_g=round(result.averages.fat_g, 1),
            fiber_g=round(result.averages.fiber_g, 1),
            sodium_mg=round(result.averages.sodium_mg, 1),
        ),
        macro_distribution=shares(result.macros),
        targets=BalanceTargets(
            calories=targets.calories,
            protein_pct=round(tm.protein, 1),
            carbs_pct=round(tm.carbs, 1),
            fat_pct=round(tm.fat, 1),
            source="preferences" if source == "preferences" else "default",
        ),
        macro_deviation_pp=MacroShares(
            protein=round(result.macros.protein - tm.protein, 1) if filled else 0.0,
            carbs=round(result.macros.carbs - tm.carbs, 1) if filled else 0.0,
            fat=round(result.macros.fat - tm.fat, 1) if filled else 0.0,
        ),
        macro_score=result.macro_score,
        calorie_std_dev=result.calorie_std_dev,
        unique_recipes=result.unique_recipes,
        balance_score=result.balance_score,
        insights=[
            InsightRead(kind=i.kind, severity=i.severity, message=i.message, date=i.date)
            for i in result.insights
        ],
    )


# -- substitutions ----------------------------------------------------------------------------


async def substitutions(
    session: AsyncSession, user: User, request: SubstitutionRequest
) -> SubstitutionsRead:
    """Safe substitutes for the user's diets and allergies, with the recipe's nutrition change
    when `recipeId` is given (its line for the ingredient recomputed with the substitute)."""
    prefs = user_service.read_preferences(user)
    kb = default_kb()
    subs = find_substitutions(
        request.ingredient,
        reason=request.reason,
        user_diets=prefs.dietary_restrictions,
        user_allergies=prefs.allergies,
        context=request.context,
        kb=kb,
    )
    matched = kb.match_ingredient(request.ingredient)
    recipe: Recipe | None = None
    if request.recipe_id is not None:
        recipe = await recipe_service.get_readable(session, user, str(request.recipe_id))
    line = _matching_line(recipe, matched, kb) if recipe is not None and matched else None
    if recipe is not None and matched is not None and line is None:
        raise ValidationFailed(
            f"The recipe has no ingredient matching {request.ingredient!r}",
            details={"ingredient": "Not found in the recipe"},
        )
    return SubstitutionsRead(
        ingredient=request.ingredient,
        matched=matched,
        recipe_id=request.recipe_id,
        substitutes=[
            _substitute_read(
                s, _nutrition_change(recipe, line, s) if recipe is not None and line else None
            )
            for s in subs
        ],
    )


def _matching_line(recipe: Recipe, matched: str, kb: Any) -> Any:
    for ingredient in recipe.ingredients:
        if kb.match_ingredient(ingredient.name) == matched:
            return ingredient
    return None


def _substitute_read(sub: Substitution, change: NutritionChange | None) -> SubstituteRead:
    return SubstituteRead(
        substitute=sub.substitute,
        ratio=sub.ratio,
        quantity_factor=sub.quantity_factor,
        suits_diets=sorted(sub.suits_diets),
        contains_allergens=sorted(sub.contains_allergens),
        free_of_allergens=sorted(sub.free_of_allergens),
        resolves_diets=sorted(sub.resolves_diets),
        removes_allergens=sorted(sub.removes_allergens),
        contexts=sorted(sub.contexts),
        reasons=sorted(sub.reasons),
        quality=sub.quality,
        note=sub.note,
        ndb_no=sub.ndb_no,
        nutrition_change=change,
    )


def _nutrition_change(recipe: Recipe, line: Any, sub: Substitution) -> NutritionChange | None:
    """Per serving: the recipe's nutrition minus the original line plus the substitute.

    The substitute's grams are the line's grams times `quantity_factor`; a swap without a
    simple factor ("1 tbsp flaxseed + 3 tbsp water per egg") is assumed to replace the same
    weight and reported as `exact: false`.
    """
    table = get_food_table()
    if sub.ndb_no is None or sub.ndb_no not in table or not line.grams:
        return None
    servings = recipe.servings or 1
    original = (
        Nutrients.for_food(table[line.food_id], line.grams)
        if line.food_id and line.food_id in table
        else Nutrients.zero()
    )
    factor = sub.quantity_factor if sub.quantity_factor is not None else 1.0
    replacement = Nutrients.for_food(table[sub.ndb_no], line.grams * factor)
    before = {k: float(recipe.nutrition.get(k, 0) or 0) for k in Nutrition.model_fields}
    after = {
        k: max(0.0, before[k] + (getattr(replacement, k) - getattr(original, k)) / servings)
        for k in before
    }
    return NutritionChange(
        ingredient_line=line.raw_text or line.name,
        before=Nutrition(**{k: round(v, 1) for k, v in before.items()}),
        after=Nutrition(**{k: round(v, 1) for k, v in after.items()}),
        delta=Nutrition(**{k: round(after[k] - before[k], 1) for k in before}),
        exact=sub.quantity_factor is not None and bool(line.food_id),
    )


# -- week planner -----------------------------------------------------------------------------

# Share of the time limit HiGHS may spend polishing a warm start that already meets every
# target (None: run to the time limit, the engine's old behaviour; the bench measures both).
POLISH_SHARE: float | None = 0.25


async def generate_plan(
    session: AsyncSession,
    cache: Cache,
    settings: Settings,
    user: User,
    request: GeneratePlanRequest,
) -> GeneratedPlanRead:
    """Fills (or completes) the user's plan for `weekStart` to their targets.

    Existing meals of the week are kept and count as locked, unless `replace` (then the
    meals of the requested meal types are removed first). Servings are planned per person and
    stored multiplied by the household size.
    """
    started = time.perf_counter()
    prefs = user_service.read_preferences(user)
    household = prefs.household_size
    targets, source = resolve_targets(prefs, request.targets)
    week = [request.week_start + timedelta(days=i) for i in range(7)]
    for i, lock in enumerate(request.locked_meals):
        if lock.date not in week:
            raise ValidationFailed(
                details={f"lockedMeals.{i}.date": f"Must be within the week of {week[0]}"}
            )

    plan = await _plan_for_week(session, cache, user, request.week_start)
    if request.replace:
        for meal in [m for m in plan.meals if m.meal_type in request.meal_types]:
            await session.delete(meal)
            await recipe_service.record_planned(session, meal.recipe_id, -1)
        await session.flush()
        await session.refresh(plan, attribute_names=["meals"])

    occupied = {(m.date, m.meal_type): m for m in plan.meals}
    new_locks: list[PlannedMeal] = []
    for i, lock in enumerate(request.locked_meals):
        existing = occupied.get((lock.date, lock.meal_type))
        if existing is not None:
            if existing.recipe_id != lock.recipe_id:
                raise Conflict(
                    f"{weekday_name(lock.date)} {lock.meal_type} already has a meal; "
                    "send replace: true to plan over it",
                    details={f"lockedMeals.{i}": "slot taken"},
                )
            continue
        recipe = await recipe_service.get_readable(session, user, str(lock.recipe_id))
        meal = PlannedMeal(
            plan_id=plan.id,
            date=lock.date,
            meal_type=lock.meal_type,
            recipe_id=recipe.id,
            servings=lock.servings or household,
            note="",
        )
        occupied[(lock.date, lock.meal_type)] = meal
        new_locks.append(meal)

    kept = [*plan.meals, *new_locks]
    locked = [
        LockedMeal(m.date, m.meal_type, str(m.recipe_id), m.servings / household) for m in kept
    ]
    repo = AIRepository(session)
    filters = hard_filters(
        prefs,
        meal_types=request.meal_types,
        max_minutes=request.max_prep_time,
        require_nutrition=True,
    )
    recipes, foods = await repo.candidate_rows(user.id, filters)
    max_pop = max((r.popularity for r in recipes), default=0) or 1
    candidates = [
        _candidate(r, foods.get(r.id, frozenset()), max_pop, r.meal_types) for r in recipes
    ]
    known = {c.recipe_id for c in candidates}
    outside = [uuid.UUID(lock.recipe_id) for lock in locked if lock.recipe_id not in known]
    if outside:
        # Locked recipes outside the filters count for nutrition but never fill open slots.
        extra, extra_lines = await repo.recipes_with_lines(user.id, outside)
        candidates += [
            _candidate(r, _food_ids(extra_lines.get(r.id, [])), max_pop, ()) for r in extra
        ]

    def solve(locks: list[LockedMeal]) -> Any:
        plan_request = PlanRequest(
            days=week,
            meal_types=request.meal_types,
            targets=targets,
            locked=locks,
            avoid_repeats_days=request.avoid_repeats_days,
            time_limit_s=settings.planner_time_limit_seconds,
        )
        return anyio.to_thread.run_sync(
            partial(
                plan_week,
                candidates,
                plan_request,
                polish_time_s=(
                    POLISH_SHARE * settings.planner_time_limit_seconds if POLISH_SHARE else None
                ),
            )
        )

    result = await solve(locked)
    leftovers: list[PlannedMeal] = []
    if request.prefer_leftovers and {"lunch", "dinner"} <= set(request.meal_types):
        # Cook once, eat twice: each planned dinner becomes the next day's lunch. The first
        # pass picks the dinners; the second keeps them, puts their leftovers in the open
        # lunch slots, and re-plans the rest of each day around them.
        leftovers = _leftover_meals(plan.id, result.meals, occupied, household)
        result = await solve([*locked, *(_as_lock(m, household) for m in leftovers)])

    added = [*new_locks, *leftovers]
    for meal in result.meals:
        if meal.locked:
            continue
        added.append(
            PlannedMeal(
                plan_id=plan.id,
                date=meal.date,
                meal_type=meal.meal_type,
                recipe_id=uuid.UUID(meal.recipe_id),
                servings=round(meal.servings * household, 2),
                note="",
            )
        )
    for meal in added:
        session.add(meal)
        await recipe_service.record_planned(session, meal.recipe_id, 1)
    await session.flush()
    # A leftover lunch repeats yesterday's dinner on purpose; that is not a failed constraint.
    leftover_ids = {str(m.recipe_id) for m in leftovers}
    unmet = [
        message
        for message in result.unmet
        if not ("repeats within" in message and any(r in message for r in leftover_ids))
    ]
    if request.prefer_leftovers and not leftovers:
        unmet.append("preferLeftovers needs both lunch and dinner in mealTypes")
    unmet = _name_recipes(unmet, {c.recipe_id: c.name for c in candidates})
    await activity.track(
        session,
        user.id,
        activity.PLAN_GENERATED,
        details={
            "weekStart": request.week_start.isoformat(),
            "meals": len(added),
            "solver": result.solver,
            "status": result.status,
        },
    )
    await cache.delete(meal_plan_key(user.id, request.week_start), suggestions_key(user.id))
    await session.refresh(plan, attribute_names=["meals"])
    plan_read = await mealplan_service.read_plan(session, user, plan.id)
    return GeneratedPlanRead(
        plan=plan_read,
        targets=PlanTargetsRead(
            calories=targets.calories,
            protein_pct=round(targets.protein_pct, 1),
            carbs_pct=round(targets.carbs_pct, 1),
            fat_pct=round(targets.fat_pct, 1),
            source=source,
        ),
        per_day=[
            DayDeviationRead(
                date=d.date,
                calories=d.calories,
                protein_pct=d.protein_pct,
                carbs_pct=d.carbs_pct,
                fat_pct=d.fat_pct,
                calorie_deviation_pct=d.calorie_dev_pct,
                protein_deviation_pp=d.protein_dev_pp,
                carbs_deviation_pp=d.carbs_dev_pp,
                fat_deviation_pp=d.fat_dev_pp,
                within_targets=abs(d.calorie_dev_pct) <= CALORIE_TOLERANCE_PCT
                and max(abs(d.protein_dev_pp), abs(d.carbs_dev_pp), abs(d.fat_dev_pp))
                <= MACRO_TOLERANCE_PP,
            )
            for d in result.per_day
        ],
        solver=result.solver,
        status=result.status,
        unmet=unmet,
        candidates=len(recipes),
        elapsed_ms=round(1000 * (time.perf_counter() - started), 1),
    )


def _leftover_meals(
    plan_id: uuid.UUID,
    first_pass: Sequence[Any],
    occupied: Mapping[tuple[date, str], PlannedMeal],
    household: int,
) -> list[PlannedMeal]:
    """The first pass's new dinners, and their leftovers as the next day's lunch (where that
    lunch slot is still open)."""
    dinners = {m.date: m for m in first_pass if m.meal_type == "dinner" and not m.locked}
    meals: list[PlannedMeal] = []
    for day, dinner in sorted(dinners.items()):
        servings = round(dinner.servings * household, 2)
        meals.append(
            PlannedMeal(
                plan_id=plan_id,
                date=day,
                meal_type="dinner",
                recipe_id=uuid.UUID(dinner.recipe_id),
                servings=servings,
                note="",
            )
        )
        next_day = day + timedelta(days=1)
        planned_day = any(m.date == next_day for m in first_pass)
        if planned_day and (next_day, "lunch") not in occupied:
            meals.append(
                PlannedMeal(
                    plan_id=plan_id,
                    date=next_day,
                    meal_type="lunch",
                    recipe_id=uuid.UUID(dinner.recipe_id),
                    servings=servings,
                    note=f"Leftovers from {weekday_name(day)}'s dinner",
                )
            )
    return meals


def _as_lock(meal: PlannedMeal, household: int) -> LockedMeal:
    return LockedMeal(meal.date, meal.meal_type, str(meal.recipe_id), meal.servings / household)


async def _plan_for_week(session: AsyncSession, cache: Cache, user: User, week_start: date) -> Any:
    try:
        read = await mealplan_service.get_week(session, cache, user, week_start)
    except NotFound:
        read = await mealplan_service.create_plan(
            session, cache, user, MealPlanCreate(week_start=week_start)
        )
    return await mealplan_service.get_owned_plan(session, user, read.id)


def _candidate(
    recipe: Recipe | RecipeRow, foods: frozenset[str], max_pop: float, meal_types: Iterable[str]
) -> Candidate:
    return Candidate(
        recipe_id=str(recipe.id),
        name=recipe.name,
        meal_types=frozenset(meal_types),
        calories=recipe.calories,
        protein_g=recipe.protein_g,
        carbs_g=recipe.carbs_g,
        fat_g=recipe.fat_g,
        prep_total_minutes=recipe.total_minutes,
        food_ids=foods,
        cuisine=recipe.cuisine,
        popularity=min(1.0, recipe.popularity / max_pop),
    )


def _name_recipes(messages: list[str], names: dict[str, str]) -> list[str]:
    """The planner speaks in recipe ids; people read names ("Locked “Dal” repeats ...")."""
    ids = [rid for rid in names if any(rid in m for m in messages)]
    out = []
    for message in messages:
        for rid in ids:
            message = message.replace(rid, f"“{names[rid]}”")
        out.append(message)
    return out

"""Shopping lists: generation from a meal plan, manual edits, sharing, exports.

Regenerating a list for a plan updates that plan's one list in place: generated lines are
replaced by the new consolidation, manual items stay, and a generated line that is still
there (same food and unit bucket) keeps its checked state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.activity import service as activity
from mealplanner.core.cache import SHOPPING_LIST_TTL, Cache, shopping_list_key
from mealplanner.core.clock import utcnow
from mealplanner.core.errors import Conflict, NotFound, ValidationFailed
from mealplanner.core.metrics import record_shopping_list_generated
from mealplanner.core.pagination import PageParams, make_page
from mealplanner.core.schemas import Page
from mealplanner.core.security import hash_token, new_opaque_token
from mealplanner.foods.matching import match_food
from mealplanner.foods.parser import parse_ingredient_line
from mealplanner.foods.table import FoodTable, get_food_table
from mealplanner.foods.units import UnitSystem
from mealplanner.mealplans import service as mealplan_service
from mealplanner.notifications.service import SHOPPING_LIST_READY, queue_email
from mealplanner.shopping.categorizer import aisle_rank, categorize
from mealplanner.shopping.consolidator import (
    ConsolidatedItem,
    IngredientUse,
    Source,
    consolidate_ingredients,
    display_text,
    scale_factor,
    to_base_units,
)
from mealplanner.shopping.models import ShoppingList, ShoppingListItem
from mealplanner.shopping.repository import PlannedIngredientRow, ShoppingListRepository
from mealplanner.shopping.schemas import (
    AisleGroup,
    ManualItemCreate,
    SharedShoppingListRead,
    ShareLink,
    ShareState,
    ShoppingListGenerate,
    ShoppingListItemRead,
    ShoppingListItemUpdate,
    ShoppingListRead,
    ShoppingListSummary,
)
from mealplanner.users import service as user_service
from mealplanner.users.models import User

SHARE_TOKEN_PREFIX = "mpsl_"
SHARE_PATH = "/api/v1/shared/shopping-lists/"
_NOT_FOUND = "Shopping list not found"


class ShoppingListNotFound(NotFound):
    code = "SHOPPING_LIST_NOT_FOUND"
    message = _NOT_FOUND


# -- reading --------------------------------------------------------------------------------


def _ordered(items: Iterable[ShoppingListItem]) -> list[ShoppingListItem]:
    return sorted(items, key=lambda item: (aisle_rank(item.category), item.position))


_ITEM_FIELDS: Final = frozenset(ShoppingListItemRead.model_fields)


def _item_read(item: ShoppingListItem) -> ShoppingListItemRead:
    # Validating from the instance's loaded values instead of its attributes: reading each
    # through the ORM's instrumentation was a third of building the read model.
    values = item.__dict__
    if _ITEM_FIELDS.issubset(values):
        return ShoppingListItemRead.model_validate(values)
    return ShoppingListItemRead.model_validate(item)  # some attribute not loaded


def build_read(shopping_list: ShoppingList) -> ShoppingListRead:
    items = [_item_read(item) for item in _ordered(shopping_list.items)]
    groups: list[AisleGroup] = []
    for item in items:
        if not groups or groups[-1].category != item.category:
            groups.append(AisleGroup(category=item.category, items=[]))
        groups[-1].items.append(item)
    now = utcnow()
    active = (
        shopping_list.share_token_hash is not None
        and not shopping_list.share_revoked
        and shopping_list.share_expires_at is not None
        and shopping_list.share_expires_at > now
    )
    return ShoppingListRead(
        id=shopping_list.id,
        user_id=shopping_list.user_id,
        meal_plan_id=shopping_list.meal_plan_id,
        name=shopping_list.name,
        from_date=shopping_list.from_date,
        to_date=shopping_list.to_date,
        unit_system=shopping_list.unit_system,
        share=ShareState(
            active=active, expires_at=shopping_list.share_expires_at if active else None
        ),
        created_at=shopping_list.created_at,
        updated_at=shopping_list.updated_at,
        groups=groups,
        items=items,
    )


async def _invalidate(cache: Cache, list_id: uuid.UUID) -> None:
    await cache.delete(shopping_list_key(list_id))


async def _owned(session: AsyncSession, user: User, list_id: uuid.UUID) -> ShoppingList:
    shopping_list = await ShoppingListRepository(session).get_with_items(list_id, user)
    if shopping_list is None:
        raise ShoppingListNotFound()
    return shopping_list


async def get_list(
    session: AsyncSession, cache: Cache, user: User, list_id: uuid.UUID
) -> ShoppingListRead:
    """A list of the caller's (any list for an admin), from the cache when warm."""
    key = shopping_list_key(list_id)
    cached = await cache.get_json(key)
    if cached is not None:
        # The cache is shared by all users: the owner check applies to cached copies too.
        if cached.get("userId") == str(user.id) or user.is_admin:
            return ShoppingListRead.model_validate(cached)
        raise ShoppingListNotFound()
    read = build_read(await _owned(session, user, list_id))
    await cache.set_json(key, read.model_dump(mode="json", by_alias=True), SHOPPING_LIST_TTL)
    return read


async def list_for_user(
    session: AsyncSession, owner: User, page: PageParams
) -> Page[ShoppingListSummary]:
    repo = ShoppingListRepository(session)
    rows, total = await repo.paginate(repo.owned_by(owner.id), page)
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    if rows:
        stmt = (
            select(
                ShoppingListItem.list_id,
                func.count(),
                func.coalesce(func.sum(case((ShoppingListItem.checked, 1), else_=0)), 0),
            )
            .where(ShoppingListItem.list_id.in_([row.id for row in rows]))
            .group_by(ShoppingListItem.list_id)
        )
        for list_id, count, checked in (await session.execute(stmt)).all():
            counts[list_id] = (int(count), int(checked))
    summaries = [
        ShoppingListSummary(
            id=row.id,
            meal_plan_id=row.meal_plan_id,
            name=row.name,
            from_date=row.from_date,
            to_date=row.to_date,
            item_count=counts.get(row.id, (0, 0))[0],
            checked_count=counts.get(row.id, (0, 0))[1],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]
    return make_page(summaries, total, page)


# -- generation -----------------------------------------------------------------------------


def _uses(rows: Sequence[PlannedIngredientRow]) -> list[IngredientUse]:
    # Every line of one planned meal has the same source and factor: made once per meal.
    meals: dict[tuple[Any, ...], tuple[Source, float]] = {}
    uses: list[IngredientUse] = []
    for row in rows:
        meal = (row.recipe_id, row.meal_date, row.meal_type, row.planned_servings)
        found = meals.get(meal)
        if found is None:
            source = Source(
                recipe_id=str(row.recipe_id),
                recipe_name=row.recipe_name,
                date=row.meal_date,
                meal_type=row.meal_type,
            )
            found = meals[meal] = (
                source,
                scale_factor(row.planned_servings, row.recipe_servings),
            )
        uses.append(
            IngredientUse(
                name=row.name,
                quantity=row.quantity,
                quantity_max=row.quantity_max,
                unit=row.unit,
                food_id=row.food_id,
                optional=row.optional,
                to_taste=row.to_taste,
                factor=found[1],
                source=found[0],
            )
        )
    return uses


def _generated_fields(
    consolidated: Sequence[ConsolidatedItem], system: UnitSystem, table: FoodTable
) -> list[dict[str, Any]]:
    """Column values of the generated lines, in aisle then name order."""
    rows: list[dict[str, Any]] = []
    for item in consolidated:
        food = table.get(item.food_id) if item.food_id else None
        rows.append(
            {
                "name": item.name[:200],
                "food_id": item.food_id,
                "merge_key": item.key[:255],
                "quantity": item.quantity,
                "unit": item.unit,
                "display": item.display(system)[:300],
                "category": categorize(item.name, food),
                "optional": item.optional,
                "to_taste": item.to_taste,
                "sources": [source.as_json() for source in item.sources],
            }
        )
    rows.sort(key=lambda row: (aisle_rank(row["category"]), row["name"].lower()))
    return rows


_NOT_LOADED: Final = object()


def _merge_generated(
    shopping_list: ShoppingList, fields: list[dict[str, Any]]
) -> list[ShoppingListItem]:
    """Update the list's generated items in place by merge key, add new ones, keep manual ones.

    Updating in place keeps item ids and checked state stable for clients, and regenerating
    an unchanged plan writes nothing but the list's timestamp.
    """
    previous = {
        item.merge_key: item for item in shopping_list.items if not item.manual and item.merge_key
    }
    items: list[ShoppingListItem] = []
    for position, values in enumerate(fields):
        item = previous.pop(values["merge_key"], None)
        if item is None:
            item = ShoppingListItem(checked=False, manual=False, **values)
        else:
            # Loaded values are compared without the ORM's attribute instrumentation; only
            # changes go through it (an attribute not loaded counts as changed).
            loaded = item.__dict__
            for key, value in values.items():
                if loaded.get(key, _NOT_LOADED) != value:
                    setattr(item, key, value)
        if item.position != position:
            item.position = position
        items.append(item)
    manual = sorted((i for i in shopping_list.items if i.manual), key=lambda i: i.position)
    for offset, item in enumerate(manual, start=len(items)):
        if item.position != offset:
            item.position = offset
    # Generated lines that are gone are dropped here and deleted by the orphan cascade.
    return [*items, *manual]


async def generate(
    session: AsyncSession, cache: Cache, user: User, data: ShoppingListGenerate
) -> ShoppingListRead:
    """Build (or rebuild) the plan's shopping list for the requested days."""
    plan = await mealplan_service.get_owned_plan(session, user, data.meal_plan_id, meals=False)
    owner = user if plan.user_id == user.id else await user_service.get_user(session, plan.user_id)
    from_date = data.from_date or plan.week_start
    to_date = data.to_date or (plan.week_start + timedelta(days=6))
    if from_date > to_date:
        raise ValidationFailed(details={"toDate": "Must not be before fromDate"})
    system: UnitSystem = user_service.read_preferences(owner).unit_system

    repo = ShoppingListRepository(session)
    rows = await repo.planned_ingredients(plan.id, from_date, to_date)
    table = get_food_table()
    fields = _generated_fields(consolidate_ingredients(_uses(rows), table), system, table)

    shopping_list = await repo.get_by_plan(plan.id)
    if shopping_list is None:
        shopping_list = ShoppingList(user_id=plan.user_id, meal_plan_id=plan.id, items=[])
        session.add(shopping_list)
    shopping_list.name = plan.name or f"Week of {plan.week_start.isoformat()}"
    shopping_list.from_date = from_date
    shopping_list.to_date = to_date
    shopping_list.unit_system = system
    shopping_list.updated_at = utcnow()
    shopping_list.items = _merge_generated(shopping_list, fields)
    try:
        await session.flush()
    except IntegrityError as exc:
        # Two concurrent first generations for one plan: the unique plan id lets one win.
        raise Conflict("A shopping list for this plan is being generated; retry") from exc

    await activity.track(
        session,
        plan.user_id,
        activity.SHOPPING_LIST_GENERATED,
        details={
            "shoppingListId": str(shopping_list.id),
            "mealPlanId": str(plan.id),
            "items": len(fields),
        },
    )
    record_shopping_list_generated()
    # At most one "your list is ready" email per list per day, however often it is regenerated.
    queue_email(
        session,
        plan.user_id,
        SHOPPING_LIST_READY,
        {
            "list_name": shopping_list.name,
            "item_count": len(fields),
            "list_id": str(shopping_list.id),
        },
        key=f"shopping-list-ready:{shopping_list.id}:{utcnow().date().isoformat()}",
    )
    await _invalidate(cache, shopping_list.id)
    return build_read(shopping_list)


# -- items ----------------------------------------------------------------------------------


def _system(shopping_list: ShoppingList) -> UnitSystem:
    return "imperial" if shopping_list.unit_system == "imperial" else "metric"


async def add_item(
    session: AsyncSession, cache: Cache, user: User, list_id: uuid.UUID, data: ManualItemCreate
) -> ShoppingListItemRead:
    """A manual item from free text ("2 lb potatoes") or structured fields."""
    shopping_list = await _owned(session, user, list_id)
    if data.text is not None:
        parsed = parse_ingredient_line(data.text)
        name = parsed.name or data.text.strip()
        quantity, unit = parsed.quantity_max or parsed.quantity, parsed.unit
        optional, to_taste = parsed.optional, parsed.to_taste
    else:
        assert data.name is not None
        name, quantity, unit = data.name, data.quantity, data.unit
        optional = to_taste = False
    name = name[:200]
    if quantity is not None:
        quantity, unit = to_base_units(quantity, unit)
    else:
        unit = None
    match = match_food(name)
    table = get_food_table()
    food = table.get(match.ndb_no) if match else None
    item = ShoppingListItem(
        name=name,
        food_id=food.ndb_no if food else None,
        merge_key=None,
        quantity=quantity,
        unit=unit[:20] if unit else None,
        display=display_text(name, quantity, unit, _system(shopping_list), to_taste=to_taste)[:300],
        category=data.category or categorize(name, food),
        checked=False,
        manual=True,
        optional=optional,
        to_taste=to_taste,
        sources=[],
        position=max((i.position for i in shopping_list.items), default=-1) + 1,
    )
    shopping_list.items.append(item)
    shopping_list.updated_at = utcnow()
    await session.flush()
    await _invalidate(cache, shopping_list.id)
    return ShoppingListItemRead.model_validate(item)


async def _owned_item(
    session: AsyncSession, user: User, list_id: uuid.UUID, item_id: uuid.UUID
) -> tuple[ShoppingList, ShoppingListItem]:
    shopping_list = await _owned(session, user, list_id)
    item = next((i for i in shopping_list.items if i.id == item_id), None)
    if item is None:
        raise NotFound("Shopping list item not found")
    return shopping_list, item


async def update_item(
    session: AsyncSession,
    cache: Cache,
    user: User,
    list_id: uuid.UUID,
    item_id: uuid.UUID,
    data: ShoppingListItemUpdate,
) -> ShoppingListItemRead:
    """Check/uncheck or edit an item; ``quantity`` is read in ``unit`` (given or current)."""
    shopping_list, item = await _owned_item(session, user, list_id, item_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "checked" in changes:
        item.checked = changes["checked"]
    if "category" in changes:
        item.category = changes["category"]
    if "name" in changes:
        item.name = changes["name"]
    if "quantity" in changes or "unit" in changes:
        quantity = changes.get("quantity", item.quantity)
        if quantity is None:
            raise ValidationFailed(details={"quantity": "Give a quantity with the unit"})
        quantity, unit = to_base_units(quantity, changes.get("unit", item.unit))
        item.quantity, item.unit = quantity, unit[:20] if unit else None
        item.to_taste = False
    if changes.keys() - {"checked"}:
        item.display = display_text(
            item.name, item.quantity, item.unit, _system(shopping_list), to_taste=item.to_taste
        )[:300]
    item.updated_at = shopping_list.updated_at = utcnow()
    await session.flush()
    await _invalidate(cache, shopping_list.id)
    return ShoppingListItemRead.model_validate(item)


async def delete_item(
    session: AsyncSession, cache: Cache, user: User, list_id: uuid.UUID, item_id: uuid.UUID
) -> None:
    shopping_list, item = await _owned_item(session, user, list_id, item_id)
    shopping_list.items.remove(item)
    shopping_list.updated_at = utcnow()
    await session.flush()
    await _invalidate(cache, shopping_list.id)


# -- sharing --------------------------------------------------------------------------------


async def share(
    session: AsyncSession,
    cache: Cache,
    user: User,
    list_id: uuid.UUID,
    *,
    base_url: str,
    expires_in: timedelta,
) -> ShareLink:
    """A new read-only link (replacing any earlier one); the token is only ever returned here."""
    shopping_list = await _owned(session, user, list_id)
    token = new_opaque_token(SHARE_TOKEN_PREFIX)
    shopping_list.share_token_hash = hash_token(token)
    shopping_list.share_expires_at = utcnow() + expires_in
    shopping_list.share_revoked = False
    await session.flush()
    await _invalidate(cache, shopping_list.id)
    return ShareLink(
        share_url=f"{base_url.rstrip('/')}{SHARE_PATH}{token}",
        token=token,
        expires_at=shopping_list.share_expires_at,
    )


async def revoke_share(session: AsyncSession, cache: Cache, user: User, list_id: uuid.UUID) -> None:
    shopping_list = await _owned(session, user, list_id)
    shopping_list.share_revoked = True
    shopping_list.share_token_hash = None
    shopping_list.share_expires_at = None
    await session.flush()
    await _invalidate(cache, shopping_list.id)


async def get_shared(session: AsyncSession, token: str) -> SharedShoppingListRead:
    """The public view behind a share token; unknown, revoked and expired all look alike."""
    if not token.startswith(SHARE_TOKEN_PREFIX) or len(token) > 200:
        raise ShoppingListNotFound()
    shopping_list = await ShoppingListRepository(session).get_by_share_hash(hash_token(token))
    if (
        shopping_list is None
        or shopping_list.share_revoked
        or shopping_list.share_expires_at is None
        or shopping_list.share_expires_at <= utcnow()
    ):
        raise ShoppingListNotFound()
    full = build_read(shopping_list)
    return SharedShoppingListRead(
        name=full.name,
        from_date=full.from_date,
        to_date=full.to_date,
        unit_system=full.unit_system,
        groups=full.groups,
    )


# -- data export ----------------------------------------------------------------------------


async def export_lists(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    lists = await ShoppingListRepository(session).list_with_items(user_id)
    exported = []
    for shopping_list in lists:
        document = build_read(shopping_list).model_dump(mode="json", by_alias=True)
        document.pop("groups", None)
        exported.append(document)
    return exported

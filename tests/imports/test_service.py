"""File imports end to end on the real database: every format, dedupe, bad recipes, limits."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mealplanner.core.ids import uuid7
from mealplanner.core.state import AppState
from mealplanner.imports import service
from mealplanner.imports.archive import ArchiveLimits
from mealplanner.imports.models import RecipeImport
from mealplanner.recipes.models import Recipe
from tests.fixtures.users import Account
from tests.imports import builders


async def _run(
    state: AppState,
    owner: Account,
    tmp_path: Path,
    name: str,
    data: bytes,
    limits: ArchiveLimits | None = None,
) -> RecipeImport:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    temp_root = tmp_path / "work"
    temp_root.mkdir(exist_ok=True)
    async with state.db.session() as session:
        row = RecipeImport(id=uuid7(), owner_id=owner.id, filename=name)
        session.add(row)
    kwargs = {"limits": limits} if limits else {}
    result = await service.run_import(state, row.id, path=path, temp_root=temp_root, **kwargs)
    assert list(temp_root.iterdir()) == [], "the job's temp folder must be removed"
    return result


async def _recipes(state: AppState, owner_id: uuid.UUID) -> list[Recipe]:
    async with state.db.session() as session:
        rows = await session.execute(
            select(Recipe)
            .where(Recipe.owner_id == owner_id)
            .options(selectinload(Recipe.ingredients))
            .order_by(Recipe.name)
        )
        return list(rows.scalars())


FORMATS: list[tuple[str, Callable[[], bytes], set[str], int]] = [
    (
        "export.paprikarecipes",
        builders.paprika_archive,
        {"Garlic Butter Green Beans", "Cinnamon Toast"},
        1,
    ),
    ("mealie-backup.zip", builders.mealie_backup, {"Chickpea Spinach Curry", "Plain Rice"}, 1),
    ("salmon.json", builders.mealie_single, {"Honey Garlic Salmon"}, 0),
    ("tandoor.zip", builders.tandoor_export, {"Buttered Pasta", "Roast Carrots"}, 2),
    ("cookbook.zip", builders.nextcloud_export, {"Tomato Bruschetta"}, 1),
    (
        "plan.csv",
        lambda: builders.PLAN_TO_EAT_CSV.encode(),
        {"Black Bean Tacos", "Banana Smoothie"},
        0,
    ),
]


@pytest.mark.parametrize(("name", "build", "names", "images"), FORMATS, ids=[f[0] for f in FORMATS])
async def test_each_format_imports_links_and_dedupes(
    state: AppState,
    user: Account,
    tmp_path: Path,
    name: str,
    build: Callable[[], bytes],
    names: set[str],
    images: int,
) -> None:
    data = build()
    first = await _run(state, user, tmp_path, name, data)
    assert first.status == "done", first.error_message
    assert first.imported == len(names)
    recipes = await _recipes(state, user.id)
    assert {r.name for r in recipes} == names
    for recipe in recipes:
        assert recipe.visibility == "private"
        assert recipe.owner_id == user.id
        assert recipe.source_id
        assert recipe.ingredients, recipe.name
        # Ingredients are parsed and (mostly) linked, so nutrition is computed.
        assert any(i.food_id for i in recipe.ingredients), recipe.name
        assert recipe.calories > 0
    stored = [r for r in recipes if "original" in r.image_keys]
    assert len(stored) == images
    assert state.storage is not None
    for recipe in stored:
        # Imported pictures go through the image pipeline: original plus the WebP variants.
        assert set(recipe.image_keys) == {"original", "large", "medium", "thumbnail"}
        for key in recipe.image_keys.values():
            assert await state.storage.exists(key)
        assert recipe.image_keys["thumbnail"].endswith("_200x200.webp")

    again = await _run(state, user, tmp_path, name, data)
    assert again.status == "done"
    assert (again.imported, again.skipped) == (0, len(names))
    assert len(await _recipes(state, user.id)) == len(names)


async def test_paprika_fields_and_one_bad_recipe_does_not_sink_the_batch(
    state: AppState, user: Account, tmp_path: Path
) -> None:
    row = await _run(
        state, user, tmp_path, "x.paprikarecipes", builders.paprika_archive(broken_second=True)
    )
    assert row.status == "done"
    assert (row.found, row.imported, row.failed) == (2, 1, 1)
    assert row.report["errors"] == [
        {"recipe": "Cinnamon Toast", "message": "A compressed entry is corrupt"}
    ]
    (beans,) = await _recipes(state, user.id)
    assert beans.category == "side"
    assert (beans.prep_minutes, beans.cook_minutes, beans.servings) == (10, 8, 4)
    assert beans.instructions[-1] == "Notes: Good with roast chicken."
    assert beans.source_name == "Grandma's card box"
    garlic = next(i for i in beans.ingredients if "garlic" in i.name)
    assert (garlic.quantity, garlic.preparation) == (3, "minced")


async def test_csv_row_without_title_is_reported(
    state: AppState, user: Account, tmp_path: Path
) -> None:
    row = await _run(state, user, tmp_path, "plan.csv", builders.PLAN_TO_EAT_CSV.encode())
    assert (row.found, row.imported, row.failed) == (3, 2, 1)
    assert row.report["errors"][0] == {"recipe": "row 3", "message": "The row has no title"}
    tacos = next(r for r in await _recipes(state, user.id) if r.name == "Black Bean Tacos")
    assert (tacos.prep_minutes, tacos.cook_minutes, tacos.servings) == (10, 5, 4)
    assert tacos.instructions == ["Warm the beans.", "Fill the tortillas and squeeze lime over."]


SAMPLES = sorted((builders.FIXTURES).glob("*.html"))


async def test_saved_sample_pages(state: AppState, user: Account, tmp_path: Path) -> None:
    found = []
    for page in SAMPLES:
        row = await _run(state, user, tmp_path, page.name, page.read_bytes())
        assert row.status == "done", (page.name, row.report)
        assert row.imported == 1
        found.extend(row.report["unlinked"])
    recipes = {r.name: r for r in await _recipes(state, user.id)}
    soup = recipes["Weeknight Red Lentil Soup"]
    assert (soup.cuisine, soup.category, soup.servings) == ("middle-eastern", "soup", 4)
    assert (soup.prep_minutes, soup.cook_minutes) == (10, 25)
    assert soup.image_keys == {"sourceUrl": "https://smallpot.example/img/lentil-soup.jpg"}
    assert soup.calories < 9999  # the page's nutrition block is ignored, ours is computed
    garlic = next(i for i in soup.ingredients if "garlic" in i.name)
    assert (garlic.quantity, garlic.quantity_max) == (2, 3)
    chicken = recipes["Sheet-Pan Paprika Chicken & Potatoes"]
    assert chicken.cuisine == "international"
    assert "hungarian" in chicken.tags
    assert chicken.instructions[0] == "Prepare: Heat the oven to 220 °C."
    assert chicken.cook_minutes == 60
    oats = recipes["Blueberry Overnight Oats"]
    assert oats.meal_types == ["breakfast"]
    assert oats.cuisine == "nordic"
    assert oats.total_minutes == 485
    # The made-up ingredient cannot be linked and is reported with its confidence.
    assert any("zogberry" in u["line"] for u in found)
    assert all(u["recipe"] for u in found)


HOSTILE: list[tuple[str, bytes, str]] = [
    ("traversal.zip", builders.zip_bytes({"../escape.json": b"{}"}), "UNSAFE_PATH"),
    ("absolute.zip", builders.zip_bytes({"/tmp/escape.json": b"{}"}), "UNSAFE_PATH"),
    ("broken.zip", b"PK\x03\x04 definitely not a zip", "BROKEN_ARCHIVE"),
    ("latin1.json", '{"name": "Cr\xe8me"}'.encode("latin-1"), "NOT_UTF8"),
    ("broken.json", b'{"@type": "Recipe", "name": ', "BROKEN_JSON"),
    ("page.html", b"<html><body>No recipe here</body></html>", "NO_RECIPE"),
    ("notes.txt", b"just some notes", "UNSUPPORTED_FORMAT"),
]


@pytest.mark.parametrize(("name", "data", "code"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_refused_files_fail_cleanly(
    state: AppState, user: Account, tmp_path: Path, name: str, data: bytes, code: str
) -> None:
    row = await _run(state, user, tmp_path, name, data)
    assert row.status == "failed"
    assert row.error_code == code
    assert row.error_message
    assert not (tmp_path / "escape.json").exists()
    assert not Path("/tmp/escape.json").exists()  # noqa: ASYNC240
    assert await _recipes(state, user.id) == []


async def test_zip_bomb_refused_by_ratio(state: AppState, user: Account, tmp_path: Path) -> None:
    bomb = builders.zip_bytes({"recipe.json": b"0" * (4 * 1024 * 1024)})
    row = await _run(state, user, tmp_path, "bomb.zip", bomb)
    assert (row.status, row.error_code) == ("failed", "ZIP_BOMB")

"""All SQL of imports: import rows, and the per-owner duplicate check on recipes."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from mealplanner.core.repository import Repository
from mealplanner.imports.models import RecipeImport
from mealplanner.recipes.models import Recipe


class ImportRepository(Repository[RecipeImport]):
    model = RecipeImport

    async def get_owned(self, owner_id: uuid.UUID, import_id: uuid.UUID) -> RecipeImport | None:
        return await self.get_one_or_none(
            select(RecipeImport).where(
                RecipeImport.id == import_id, RecipeImport.owner_id == owner_id
            )
        )

    async def existing_recipe_id(self, owner_id: uuid.UUID, source_id: str) -> uuid.UUID | None:
        """The owner's recipe imported from the same source (dedupe is scoped per owner)."""
        stmt = (
            select(Recipe.id)
            .where(Recipe.owner_id == owner_id, Recipe.source_id == source_id)
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

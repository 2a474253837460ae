from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mealplanner.core.clock import utcnow
from mealplanner.core.db import Base, Timestamps, UUIDPrimaryKey

VISIBILITY_PUBLIC = "public"
VISIBILITY_PRIVATE = "private"


class Recipe(UUIDPrimaryKey, Timestamps, Base):
    """A recipe of the public catalog, or a private one of its owner.

    Nutrition, diet flags and allergens are derived from the ingredients on every change;
    the per-serving macro columns are copies of `nutrition` kept for filtering and sorting.
    The full-text index lives outside the model: a generated `tsvector` column with a GIN
    index on PostgreSQL and FTS5 tables kept by triggers on SQLite (see the migration).
    """

    __tablename__ = "recipes"
    __table_args__ = (
        # Single-column sort indexes: readability is `public OR owner = me`, which a
        # (visibility, created_at) index cannot serve in order; these can, with a filter.
        Index("ix_recipes_created_at", "created_at"),
        Index("ix_recipes_name", "name"),
        Index("ix_recipes_owner_id", "owner_id"),
        Index("ix_recipes_calories", "calories"),
        Index("ix_recipes_protein_g", "protein_g"),
        Index("ix_recipes_total_minutes", "total_minutes"),
        # With the id: most recipes tie on popularity, and the id orders the ties.
        Index("ix_recipes_popularity", "popularity", "id"),
    )

    slug: Mapped[str] = mapped_column(String(140), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cuisine: Mapped[str] = mapped_column(String(40), index=True)
    meal_types: Mapped[list[str]] = mapped_column(default=list)
    category: Mapped[str] = mapped_column(String(40), index=True)
    tags: Mapped[list[str]] = mapped_column(default=list)
    prep_minutes: Mapped[int] = mapped_column(Integer, default=0)
    cook_minutes: Mapped[int] = mapped_column(Integer, default=0)
    total_minutes: Mapped[int] = mapped_column(Integer, default=0)
    servings: Mapped[float] = mapped_column(Float, default=1)
    difficulty: Mapped[str] = mapped_column(String(10), default="easy")
    instructions: Mapped[list[str]] = mapped_column(default=list)

    nutrition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    nutrition_coverage: Mapped[float] = mapped_column(Float, default=0)
    unresolved_ingredients: Mapped[list[str]] = mapped_column(default=list)
    calories: Mapped[float] = mapped_column(Float, default=0)
    protein_g: Mapped[float] = mapped_column(Float, default=0)
    carbs_g: Mapped[float] = mapped_column(Float, default=0)
    fat_g: Mapped[float] = mapped_column(Float, default=0)
    dietary_flags: Mapped[list[str]] = mapped_column(default=list)
    allergens: Mapped[list[str]] = mapped_column(default=list)
    # Ingredient names and food descriptions, for full-text search and ingredient filters.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The linked USDA food ids of the ingredients, sorted, comma-separated: suggestions read
    # them for hundreds of candidates per request (aggregating them per query cost more
    # database time than the rest of the candidate query).
    food_ids: Mapped[str] = mapped_column(Text, default="", server_default="")

    image_keys: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_name: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str | None] = mapped_column(String(2000))
    source_id: Mapped[str | None] = mapped_column(String(200), index=True)
    attribution: Mapped[str | None] = mapped_column(String(500))

    visibility: Mapped[str] = mapped_column(String(10), default=VISIBILITY_PUBLIC)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    favorite_count: Mapped[int] = mapped_column(Integer, default=0)
    times_planned: Mapped[int] = mapped_column(Integer, default=0)
    # favorite_count + times_planned, stored so "popular first" can use an index. Refreshed
    # in the background from `recipe_popularity_queue` (recipes/popularity.py), so the
    # counter updates of every planned meal stay HOT instead of touching all 20 indexes.
    popularity: Mapped[int] = mapped_column(Integer, default=0)

    ingredients: Mapped[list[RecipeIngredient]] = relationship(
        back_populates="recipe",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="RecipeIngredient.position",
    )


class PopularityQueue(Base):
    """Recipes whose counters changed since their `popularity` was last recomputed."""

    __tablename__ = "recipe_popularity_queue"

    # No foreign key: a deleted recipe's entry is simply dropped by the next refresh.
    recipe_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class RecipeIngredient(UUIDPrimaryKey, Base):
    __tablename__ = "recipe_ingredients"
    __table_args__ = (Index("ix_recipe_ingredients_recipe_position", "recipe_id", "position"),)

    recipe_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("recipes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    group_name: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[float | None] = mapped_column(Float)
    quantity_max: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    preparation: Mapped[str | None] = mapped_column(String(200))
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    to_taste: Mapped[bool] = mapped_column(Boolean, default=False)
    # USDA SR28 NDB number of the linked food, when one is linked.
    food_id: Mapped[str | None] = mapped_column(String(8), index=True)
    link_confidence: Mapped[float | None] = mapped_column(Float)
    grams: Mapped[float | None] = mapped_column(Float)
    raw_text: Mapped[str | None] = mapped_column(String(500))

    recipe: Mapped[Recipe] = relationship(back_populates="ingredients", lazy="raise")


class Favorite(Base):
    __tablename__ = "favorites"
    __table_args__ = (Index("ix_favorites_recipe_id", "recipe_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    recipe_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recipes.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import Field, model_validator

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.shopping.categorizer import Aisle

ItemName = Annotated[str, Field(min_length=1, max_length=200)]
UnitText = Annotated[str, Field(min_length=1, max_length=20)]
Quantity = Annotated[float, Field(gt=0, le=100_000)]


class ShoppingListGenerate(InputModel):
    meal_plan_id: uuid.UUID
    from_date: date | None = Field(default=None, description="Defaults to the plan's Monday")
    to_date: date | None = Field(default=None, description="Defaults to the plan's Sunday")

    @model_validator(mode="after")
    def _ordered(self) -> ShoppingListGenerate:
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ValueError("fromDate must not be after toDate")
        return self


class ItemSource(CamelModel):
    recipe_id: str
    recipe_name: str
    date: date
    meal_type: str


class ShoppingListItemRead(CamelModel):
    id: uuid.UUID
    name: str
    food_id: str | None
    quantity: float | None = Field(description="In `unit`: g, ml, a count unit, or a bare count")
    unit: str | None
    display: str = Field(examples=["2 1/2 cups milk", "750 g flour", "5 eggs"])
    category: str
    checked: bool
    manual: bool
    optional: bool
    to_taste: bool
    sources: list[ItemSource]
    position: int


class AisleGroup(CamelModel):
    category: str
    items: list[ShoppingListItemRead]


class ShareState(CamelModel):
    active: bool
    expires_at: datetime | None


class ShoppingListRead(CamelModel):
    id: uuid.UUID
    user_id: uuid.UUID
    meal_plan_id: uuid.UUID | None
    name: str
    from_date: date
    to_date: date
    unit_system: str
    share: ShareState
    created_at: datetime
    updated_at: datetime
    groups: list[AisleGroup]
    items: list[ShoppingListItemRead]


class SharedShoppingListRead(CamelModel):
    """The public view: no owner, plan or share details."""

    name: str
    from_date: date
    to_date: date
    unit_system: str
    groups: list[AisleGroup]


class ShoppingListSummary(CamelModel):
    id: uuid.UUID
    meal_plan_id: uuid.UUID | None
    name: str
    from_date: date
    to_date: date
    item_count: int
    checked_count: int
    created_at: datetime
    updated_at: datetime


class ManualItemCreate(InputModel):
    """Either free ``text`` ("2 lb potatoes") or a structured ``name`` (+ quantity, unit)."""

    text: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    name: ItemName | None = None
    quantity: Quantity | None = None
    unit: UnitText | None = None
    category: Aisle | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ManualItemCreate:
        if (self.text is None) == (self.name is None):
            raise ValueError("Give either text or name")
        if self.text is not None and (self.quantity is not None or self.unit is not None):
            raise ValueError("quantity and unit go with name, not with text")
        if self.unit is not None and self.quantity is None:
            raise ValueError("unit needs a quantity")
        return self


class ShoppingListItemUpdate(InputModel):
    checked: bool | None = None
    quantity: Quantity | None = None
    unit: UnitText | None = None
    name: ItemName | None = None
    category: Aisle | None = None


class ShareCreate(InputModel):
    expires_in_days: int = Field(default=7, ge=1, le=90)


class ShareLink(CamelModel):
    share_url: str
    token: str
    expires_at: datetime

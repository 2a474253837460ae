"""The base of every API schema: camelCase JSON, snake_case Python."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class CamelModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        from_attributes=True,
        str_strip_whitespace=True,
    )


class InputModel(CamelModel):
    """Request bodies: unknown fields are refused, so nothing can be mass-assigned."""

    model_config = ConfigDict(extra="forbid")


class PaginationMeta(CamelModel):
    page: int
    limit: int
    total: int
    total_pages: int
    total_capped: bool = Field(
        default=False,
        description="True when more results exist than were counted: `total` is then a lower "
        "bound (large recipe searches count at most 1,000 matches)",
    )


class Page(CamelModel, Generic[T]):
    data: list[T]
    pagination: PaginationMeta


class Message(CamelModel):
    message: str = Field(examples=["ok"])

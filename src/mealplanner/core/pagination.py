"""`page`/`limit` query parameters and the spec's pagination envelope."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from mealplanner.core.schemas import Page, PaginationMeta

T = TypeVar("T")
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


async def page_params(
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (max 100)")] = 20,
) -> PageParams:
    return PageParams(page=page, limit=limit)


Pagination = Annotated[PageParams, Depends(page_params)]


def make_page(
    items: Sequence[T], total: int, params: PageParams, *, total_capped: bool = False
) -> Page[T]:
    # The bare generic: `Page[T]` with a TypeVar built a new pydantic class on every call.
    return Page(
        data=list(items),
        pagination=PaginationMeta(
            page=params.page,
            limit=params.limit,
            total=total,
            total_pages=math.ceil(total / params.limit) if total else 0,
            total_capped=total_capped,
        ),
    )

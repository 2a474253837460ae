"""A thin base for domain repositories: they hold the session and only ever flush."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.db import Base
from mealplanner.core.pagination import PageParams

ModelT = TypeVar("ModelT", bound=Base)


class Repository(Generic[ModelT]):
    model: type[ModelT]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_: uuid.UUID) -> ModelT | None:
        return await self.session.get(self.model, id_)

    async def get_one_or_none(self, statement: Select[ModelT]) -> ModelT | None:
        result = await self.session.execute(statement)
        return result.scalars().first()

    async def list(self, statement: Select[ModelT]) -> Sequence[ModelT]:
        result = await self.session.execute(statement)
        return result.scalars().all()

    async def paginate(
        self, statement: Select[ModelT], params: PageParams
    ) -> tuple[Sequence[ModelT], int]:
        count_stmt = select(func.count()).select_from(statement.order_by(None).subquery())
        total = int((await self.session.execute(count_stmt)).scalar_one())
        rows = await self.list(statement.limit(params.limit).offset(params.offset))
        return rows, total

    async def paginate_capped(
        self, statement: Select[ModelT], params: PageParams, count_limit: int
    ) -> tuple[Sequence[ModelT], int, bool]:
        """Like `paginate`, but counts at most `count_limit` matches.

        An exact count of a large filtered set reads every matching row; stopping at the cap
        keeps broad searches fast. Returns (rows, total, capped) where `capped` means there
        are more than `total` matches.
        """
        total, capped = await self.count_capped(statement, count_limit)
        rows = await self.list(statement.limit(params.limit).offset(params.offset))
        return rows, total, capped

    async def count_capped(self, statement: Select[ModelT], count_limit: int) -> tuple[int, bool]:
        """(matches, capped), counting at most `count_limit` (see `paginate_capped`)."""
        limited = statement.order_by(None).limit(count_limit + 1).subquery()
        counted = int(
            (await self.session.execute(select(func.count()).select_from(limited))).scalar_one()
        )
        return (count_limit, True) if counted > count_limit else (counted, False)

    async def add(self, obj: ModelT) -> ModelT:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def delete(self, obj: ModelT) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    def update_fields(self, obj: ModelT, values: dict[str, Any]) -> ModelT:
        for key, value in values.items():
            setattr(obj, key, value)
        return obj

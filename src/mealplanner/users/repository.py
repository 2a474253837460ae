from __future__ import annotations

from sqlalchemy import func, select

from mealplanner.core.repository import Repository
from mealplanner.users.models import ROLE_ADMIN, User


class UserRepository(Repository[User]):
    model = User

    async def get_by_email(self, email: str) -> User | None:
        return await self.get_one_or_none(select(User).where(User.email == email.lower()))

    async def count_admins(self) -> int:
        stmt = (
            select(func.count())
            .select_from(User)
            .where(User.role == ROLE_ADMIN, User.disabled.is_(False))
        )
        return int((await self.session.execute(stmt)).scalar_one())

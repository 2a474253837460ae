"""Imports every domain's models so `Base.metadata` is complete (Alembic, tests)."""

from mealplanner.auth import models as auth_models
from mealplanner.core.db import Base
from mealplanner.users import models as user_models

__all__ = ["Base", "auth_models", "user_models"]

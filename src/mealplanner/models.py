"""Imports every domain's models so `Base.metadata` is complete (Alembic, tests)."""

from mealplanner.activity import models as activity_models
from mealplanner.auth import models as auth_models
from mealplanner.auth.password_reset import models as password_reset_models
from mealplanner.core.db import Base
from mealplanner.imports import models as import_models
from mealplanner.mealplans import models as mealplan_models
from mealplanner.media import models as media_models
from mealplanner.notifications import models as notification_models
from mealplanner.recipes import models as recipe_models
from mealplanner.shopping import models as shopping_models
from mealplanner.users import models as user_models

__all__ = [
    "Base",
    "activity_models",
    "auth_models",
    "import_models",
    "mealplan_models",
    "media_models",
    "notification_models",
    "password_reset_models",
    "recipe_models",
    "shopping_models",
    "user_models",
]

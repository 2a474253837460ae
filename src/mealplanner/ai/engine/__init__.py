"""Pure AI engines: nutrition balance, ingredient substitution, week planning, recommendations.

Nothing here touches the database, HTTP or the clock; callers pass plain frozen dataclasses
and get plain frozen dataclasses back. See ``docs/ai.md``.
"""

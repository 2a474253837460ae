"""Mealplanner: a self-hostable, AI-powered meal planner."""

__version__ = "0.1.0"

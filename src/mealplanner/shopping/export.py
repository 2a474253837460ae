"""Plain-text and Markdown renderings of a shopping list (for printing, notes apps, chat)."""

from __future__ import annotations

from mealplanner.shopping.schemas import ShoppingListItemRead, ShoppingListRead


def _title(shopping_list: ShoppingListRead) -> str:
    return shopping_list.name or "Shopping list"


def _period(shopping_list: ShoppingListRead) -> str:
    return f"{shopping_list.from_date.isoformat()} to {shopping_list.to_date.isoformat()}"


def _notes(item: ShoppingListItemRead) -> str:
    notes = []
    if item.optional:
        notes.append("optional")
    if item.manual:
        notes.append("added")
    return f" ({', '.join(notes)})" if notes else ""


def _sources(item: ShoppingListItemRead) -> str:
    names = list(dict.fromkeys(source.recipe_name for source in item.sources))
    return f" - for {', '.join(names)}" if names else ""


def render_text(shopping_list: ShoppingListRead) -> str:
    lines = [_title(shopping_list), _period(shopping_list), ""]
    for group in shopping_list.groups:
        lines.append(group.category.upper())
        for item in group.items:
            box = "[x]" if item.checked else "[ ]"
            lines.append(f"{box} {item.display}{_notes(item)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_escape(text: str) -> str:
    # Item names are user text; keep them from turning into links, emphasis or HTML.
    out = text
    for char in "\\`*_{}[]<>()#+!|":
        out = out.replace(char, "\\" + char)
    return out


def render_markdown(shopping_list: ShoppingListRead) -> str:
    lines = [f"# {_md_escape(_title(shopping_list))}", "", f"_{_period(shopping_list)}_", ""]
    for group in shopping_list.groups:
        lines.append(f"## {group.category.capitalize()}")
        lines.append("")
        for item in group.items:
            box = "[x]" if item.checked else "[ ]"
            lines.append(
                f"- {box} {_md_escape(item.display)}{_md_escape(_notes(item) + _sources(item))}"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"

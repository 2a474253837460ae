"""Bringing recipes in (other apps' exports, schema.org pages, URLs) and taking them out."""

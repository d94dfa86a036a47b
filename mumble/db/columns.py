"""What a column can hold, asked before a lookup by client text.

Tortoise validates a filter's value against the field's `max_length` and raises
ValidationError; a value longer than the column names no row, so the caller answers "not found".
"""

from __future__ import annotations

from tortoise.models import Model


def fits(model: type[Model], field: str, value: str) -> bool:
    """Whether `value` could be stored in `model.field` (and so could match a row)."""
    limit = getattr(model._meta.fields_map[field], "max_length", None)
    return limit is None or len(value) <= limit

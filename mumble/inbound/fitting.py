"""Meta's webhook values made storable: clipped to their column, NUL replaced, odd numbers dropped.

A webhook item is Meta's record of what a customer did. Refusing one loses the customer's message,
and failing it makes Meta redeliver the whole batch, failing again each time. So a value that a
column cannot hold is repaired instead. Text is clipped to the column, and NUL (which PostgreSQL
text and JSONB cannot hold) becomes U+FFFD. A number outside the column's range, or a value of a
type its column cannot hold, is dropped (the raw item keeps it). A raw item nested deeper than
the JSON encoder allows is cut at MAX_DEPTH. Each repair is counted in `mumble_inbound_repairs`
by repair and field. It is logged by field name and ids only, never by value, because the values
are customer content.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, overload

from tortoise.models import Model

from mumble.db.columns import fits
from mumble.observability import metrics
from mumble.text import NUL

log = logging.getLogger("mumble.inbound")

REPLACEMENT = "\ufffd"
# What stands in for a raw item's part nested deeper than MAX_DEPTH.
TOO_DEEP = "[nested too deep]"
# The JSON encoder of stored payloads refuses nesting past 255 levels. Meta's own objects are a
# few levels deep; the message object itself sits 7 levels inside the webhook body.
MAX_DEPTH = 64
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def matchable(model: type[Model], field: str, value: str) -> bool:
    """Whether a lookup of `model.field` by `value` can run and find a row.

    A value longer than the column, or holding NUL, names no row, and a filter by it raises
    (Tortoise validates max_length; PostgreSQL refuses NUL in text).
    """
    return NUL not in value and fits(model, field, value)


class Repairs:
    """The repairs made to one webhook item, reported once it is handled."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str]] = []

    @overload
    def text(self, field: str, value: str, max_length: int | None = None) -> str: ...
    @overload
    def text(self, field: str, value: None, max_length: int | None = None) -> None: ...
    @overload
    def text(self, field: str, value: str | None, max_length: int | None = None) -> str | None: ...
    def text(self, field: str, value: str | None, max_length: int | None = None) -> str | None:
        """`value` without NUL and at most `max_length` characters (None stays None)."""
        if value is None:
            return None
        if NUL in value:
            value = value.replace(NUL, REPLACEMENT)
            self.done.append(("nul_replaced", field))
        if max_length is not None and len(value) > max_length:
            value = value[:max_length]
            self.done.append(("clipped", field))
        return value

    @overload
    def column(self, model: type[Model], field: str, value: str) -> str: ...
    @overload
    def column(self, model: type[Model], field: str, value: str | None) -> str | None: ...
    def column(self, model: type[Model], field: str, value: str | None) -> str | None:
        """`value` made storable in the text column `model.field`."""
        limit = getattr(model._meta.fields_map[field], "max_length", None)
        return self.text(field, value, limit)

    def int32(self, field: str, value: int | None) -> int | None:
        """`value` when a 32-bit integer column holds it, else None."""
        if value is None or INT_MIN <= value <= INT_MAX:
            return value
        self.done.append(("out_of_range", field))
        return None

    def payload(self, value: Any, field: str = "payload") -> Any:
        """A raw JSON item with NUL replaced in every text and key, cut at MAX_DEPTH."""
        return self._json(value, field, 0)

    def _json(self, value: Any, field: str, depth: int) -> Any:
        if isinstance(value, str):
            return self.text(field, value)
        if not isinstance(value, dict | list):
            return value
        if depth >= MAX_DEPTH:
            self.done.append(("too_deep", field))
            return TOO_DEEP
        if isinstance(value, list):
            return [self._json(item, field, depth + 1) for item in value]
        return {
            self.text(field, str(key)): self._json(item, field, depth + 1)
            for key, item in value.items()
        }

    def dropped(self, field: str) -> None:
        """Record a value left out because it is not of a type its column holds."""
        self.done.append(("wrong_type", field))

    def skipped(self, field: str) -> None:
        """Record an item dropped because `field` can name no row of ours."""
        self.done.append(("unmatchable", field))

    def report(self, what: str, account_id: uuid.UUID | None, row_id: int | None = None) -> None:
        """Count and log the repairs made (once per kind and field); nothing if none."""
        unique = sorted(set(self.done))
        for repair, field in unique:
            metrics.count_inbound_repair(repair, field)
        if unique:
            log.warning(
                "inbound %s %s for account %s repaired: %s",
                what,
                row_id if row_id is not None else "-",
                account_id,
                ", ".join(f"{field} {repair}" for repair, field in unique),
            )

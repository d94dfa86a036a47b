"""Template variables in both of Meta's formats: positional ({{1}}, values in order) and named
({{first_name}}, values by name, `parameter_format: NAMED`).

Pure: reading the examples of a create-template request and the values of a send, counting and
rendering. developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import templates_meta

POSITIONAL = "POSITIONAL"
NAMED = "NAMED"
FORMATS = (POSITIONAL, NAMED)
_POSITIONAL = re.compile(r"\{\{\s*([0-9]+)\s*\}\}")
_NAMED = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")

Values = list[str] | dict[str, str]


def parameter_format(raw: Any) -> str | None:
    """POSITIONAL (the default when absent) or NAMED, case-insensitive; None when unknown."""
    if raw is None or raw == "":
        return POSITIONAL
    text = str(raw).strip().upper() if isinstance(raw, str) else ""
    return text if text in FORMATS else None


def names(text: str) -> list[str]:
    """The distinct variables of `text` in order of first use ("1", "first_name")."""
    return templates_meta.variable_names(text)


def count(text: str, fmt: str) -> int:
    """How many distinct variables a send must give values for."""
    if fmt == NAMED:
        return len(names(text))
    return len({m.group(1) for m in _POSITIONAL.finditer(text)})


def _example_text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def named_examples(raw: Any) -> dict[str, str] | None:
    """Named examples as `{"first_name": "Ann"}` or Meta's `[{"param_name", "example"}]`;
    None when the shape is neither."""
    if isinstance(raw, dict):
        rows = [{"param_name": k, "example": v} for k, v in raw.items()]
    elif isinstance(raw, list) and all(isinstance(r, dict) for r in raw):
        rows = raw
    else:
        return None
    out: dict[str, str] = {}
    for row in rows:
        name, example = row.get("param_name"), _example_text(row.get("example"))
        if not isinstance(name, str) or example is None:
            return None
        out[name.strip()] = example
    return out


def named_params(text: str, examples: Mapping[str, str]) -> list[dict[str, str]]:
    """Meta's `*_text_named_params` for the variables of `text`, in their order of use."""
    return [
        {"param_name": name, "example": examples[name]} for name in names(text) if name in examples
    ]


def render(text: str, values: Values) -> str:
    """`text` with its variables replaced by their values (what the customer sees)."""
    if isinstance(values, dict):
        return _NAMED.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    def substitute(match: re.Match[str]) -> str:
        digits = match.group(1)
        position = int(digits) if len(digits) <= 18 else 0  # int() fails past 4300 digits
        return values[position - 1] if 0 < position <= len(values) else match.group(0)

    return _POSITIONAL.sub(substitute, text)

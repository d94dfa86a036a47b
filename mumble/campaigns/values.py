"""The values spec of a campaign, checked against its template before anything is queued.

Each template variable, button variable and header variable is a literal, a reference to the
customer (`{"field": ...}`: a standard column, an attribution key or one of the account's
custom fields, looked up in that order by the runner) or to a CSV column (`{"column": ...}`),
with an optional `fallback`. Pure: the template, what references may name and the raw spec in,
the problems out (every one of them, so a 400 can list them all at once).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import templates_meta
from mumble.customers.fields import ATTRIBUTION_SET
from mumble.templates import auth, rules, variables
from mumble.urlguard import is_http_url

VALUE_MAX = 1024
REFERENCE_MAX = 100
STANDARD_FIELDS = ("name", "email", "phone", "source", "country")
_KEYS = frozenset({"variables", "button_variables", "header_variable", "media_link"})


@dataclass(frozen=True)
class TemplateShape:
    """What a template takes: its variables, button variables and header."""

    category: str
    parameter_format: str
    body: str
    body_variables: int
    buttons: list[dict[str, Any]]
    header: dict[str, Any] | None


@dataclass(frozen=True)
class Known:
    """What references may name: the customer fields (None: any) and the CSV's columns (None:
    there is no CSV)."""

    fields: Collection[str] | None = None
    columns: Collection[str] | None = None


def customer_fields(custom_fields: Collection[str]) -> frozenset[str]:
    """The names a `{"field": ...}` may take: the standard columns, the attribution keys and
    the account's custom fields."""
    return frozenset(STANDARD_FIELDS) | ATTRIBUTION_SET | frozenset(custom_fields)


def _value_problems(where: str, raw: Any, known: Known) -> list[str]:
    """What is wrong with one value (a literal, a field or a column reference)."""
    if isinstance(raw, str):
        return [] if len(raw) <= VALUE_MAX else [f"{where}: at most {VALUE_MAX} characters"]
    if isinstance(raw, bool) or not isinstance(raw, dict):
        return [f'{where}: must be a text, {{"field": ...}} or {{"column": ...}}']
    kinds = [kind for kind in ("field", "column") if kind in raw]
    unknown = sorted(set(raw) - {"field", "column", "fallback"})
    problems = [f"{where}: unknown key '{key}'" for key in unknown]
    if len(kinds) != 1:
        return [*problems, f"{where}: give exactly one of 'field' or 'column'"]
    kind = kinds[0]
    name = raw[kind]
    if not isinstance(name, str) or not name.strip() or len(name) > REFERENCE_MAX:
        problems.append(f"{where}: '{kind}' must be a name of 1 to {REFERENCE_MAX} characters")
    elif kind == "field":
        if known.fields is not None and name not in known.fields:
            problems.append(
                f"{where}: unknown field '{name}' (a standard field, an attribution key or one "
                "of the account's custom fields)"
            )
    else:
        columns = known.columns
        if columns is None:
            problems.append(f"{where}: column '{name}' needs a CSV audience")
        elif name not in columns:
            problems.append(f"{where}: the CSV has no column '{name}'")
    fallback = raw.get("fallback")
    if fallback is not None and (not isinstance(fallback, str) or len(fallback) > VALUE_MAX):
        problems.append(f"{where}: 'fallback' must be a text of at most {VALUE_MAX} characters")
    return problems


def _body_problems(shape: TemplateShape, given: Any, known: Known) -> list[str]:
    named = shape.parameter_format == variables.NAMED
    names = variables.names(shape.body)
    if given is None:
        given = {} if named else []
    if named:
        if not isinstance(given, dict):
            return [
                f"variables: the template has named variables ({', '.join(names)}): "
                "pass an object of names to values"
            ]
        problems = [f"variables: '{name}' is missing" for name in names if name not in given]
        problems += [
            f"variables: the template has no variable '{k}'" for k in given if k not in names
        ]
        for name in names:
            if name in given:
                problems += _value_problems(f"variables.{name}", given[name], known)
        return problems
    if not isinstance(given, list):
        return ["variables: the template has positional variables: pass an array in order"]
    problems = []
    if len(given) != shape.body_variables:
        problems.append(
            f"variables: the template expects {shape.body_variables} variable(s), "
            f"{len(given)} given"
        )
    for index, value in enumerate(given, start=1):
        problems += _value_problems(f"variables[{index}]", value, known)
    return problems


def _button_problems(shape: TemplateShape, given: Any, known: Known) -> list[str]:
    if given is None:
        given = []
    if not isinstance(given, list):
        return ["button_variables: must be an array"]
    if shape.category == auth.AUTHENTICATION:
        if given:
            return [
                "button_variables: an authentication template takes its code once, in "
                "variables: leave button_variables out"
            ]
        return []
    expected = len(rules.variable_buttons(shape.buttons))
    problems = []
    if len(given) != expected:
        problems.append(
            f"button_variables: the template expects {expected} button variable(s), "
            f"{len(given)} given"
        )
    for index, value in enumerate(given, start=1):
        problems += _value_problems(f"button_variables[{index}]", value, known)
    return problems


def _header_problems(shape: TemplateShape, spec: dict[str, Any], known: Known) -> list[str]:
    header = shape.header or {}
    fmt = str(header.get("format") or "").upper()
    value, link = spec.get("header_variable"), spec.get("media_link")
    problems = []
    if fmt in ("", "TEXT"):
        takes = bool(variables.names(str(header.get("text") or "")))
        if takes and value is None:
            problems.append("header_variable: the template has a header variable: give its value")
        if value is not None and not takes:
            problems.append("header_variable: the template has no header variable")
        if value is not None and takes:
            problems += _value_problems("header_variable", value, known)
    elif value is not None:
        problems.append("header_variable: the template has no header variable")
    media = templates_meta.load().media_kind(fmt) if fmt not in ("", "TEXT") else None
    if media is not None:
        if link is None:
            problems.append(f"media_link: required for a template with a {fmt} header")
        elif not isinstance(link, str) or not is_http_url(link):
            problems.append("media_link: must be an http(s) URL")
    elif link is not None:
        problems.append("media_link: the template has no media header")
    return problems


def problems(shape: TemplateShape, spec: Any, known: Known) -> list[str]:
    """Everything wrong with `spec` for this template, given what references may name."""
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        return [
            "values: must be an object (variables, button_variables, header_variable, media_link)"
        ]
    found = [f"values: unknown key '{key}'" for key in sorted(set(spec) - _KEYS)]
    found += _body_problems(shape, spec.get("variables"), known)
    found += _button_problems(shape, spec.get("button_variables"), known)
    found += _header_problems(shape, spec, known)
    return found


def normalised(spec: Any) -> dict[str, Any]:
    """The spec as stored (absent keys left out); call only once `problems` found none."""
    if not isinstance(spec, dict):
        return {}
    return {
        key: spec[key]
        for key in ("variables", "button_variables", "header_variable", "media_link")
        if spec.get(key) is not None
    }

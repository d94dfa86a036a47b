"""Resolving a campaign's values spec for one recipient: what the template send is given.

The spec (`Campaign.values`, validated by create-campaign) names, for each template variable,
button variable and the header variable, a literal, a customer field (`{"field": ...}`) or a
CSV column (`{"column": ...}`), each with an optional `fallback`. A field is looked up in the
customer's standard columns, then its attribution, then its custom fields. Empty, blank, null or
missing means "no value": the fallback applies, and without one the recipient cannot be sent
(`None`, skipped as "values_unresolved"). Pure: the runner hands in what it read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STANDARD_FIELDS = ("name", "email", "phone", "source", "country")
UNRESOLVED = "values_unresolved"

Values = list[str] | dict[str, str]


@dataclass(frozen=True)
class Person:
    """What a recipient's values can reference: the customer's fields and the CSV row."""

    standard: Mapping[str, Any] = field(default_factory=dict)
    attribution: Mapping[str, Any] = field(default_factory=dict)
    custom_fields: Mapping[str, Any] = field(default_factory=dict)
    row: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    """The parts of a TemplateSend the values spec fills in."""

    variables: Values
    button_values: list[str]
    header_value: str | None
    media_link: str | None


def _text(value: Any) -> str | None:
    """A stored value as a parameter: strings and numbers; blank or structured is no value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def _field(person: Person, name: str) -> str | None:
    # Standard column first, then attribution, then custom fields: the first with a value wins.
    sources: list[Mapping[str, Any]] = [person.attribution, person.custom_fields]
    if name in STANDARD_FIELDS:
        sources.insert(0, person.standard)
    for source in sources:
        found = _text(source.get(name))
        if found is not None:
            return found
    return None


def value_of(spec: Any, person: Person) -> str | None:
    """One <value> of the spec for this person; None when it has no value and no fallback."""
    if isinstance(spec, str):
        return spec
    if not isinstance(spec, Mapping):
        return None
    if "field" in spec:
        found = _field(person, str(spec["field"]))
    elif "column" in spec:
        found = _text(person.row.get(str(spec["column"])))
    else:
        return None
    if found is not None:
        return found
    return _text(spec.get("fallback"))


def resolve(values: Mapping[str, Any], person: Person) -> Resolved | None:
    """Every value of the spec for this person, or None when any one cannot be resolved."""
    raw_variables = values.get("variables") or []
    variables: Values
    if isinstance(raw_variables, Mapping):
        named: dict[str, str] = {}
        for name, spec in raw_variables.items():
            found = value_of(spec, person)
            if found is None:
                return None
            named[str(name)] = found
        variables = named
    else:
        ordered = [value_of(spec, person) for spec in raw_variables]
        if any(v is None for v in ordered):
            return None
        variables = [v for v in ordered if v is not None]
    buttons = [value_of(spec, person) for spec in values.get("button_variables") or []]
    if any(v is None for v in buttons):
        return None
    header = None
    if values.get("header_variable") is not None:
        header = value_of(values["header_variable"], person)
        if header is None:
            return None
    link = values.get("media_link")
    return Resolved(
        variables=variables,
        button_values=[v for v in buttons if v is not None],
        header_value=header,
        media_link=str(link) if link else None,
    )

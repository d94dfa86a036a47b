"""The values spec resolved for one recipient: literals, fields, columns, fallbacks."""

from __future__ import annotations

from mumble.campaigns.resolve import Person, Resolved, resolve, value_of

DANA = Person(
    standard={"name": "Dana", "email": "", "phone": "972501234567", "source": None},
    attribution={"utm_campaign": "summer_sale", "name": "not this one"},
    custom_fields={"tier": "gold", "points": 120, "email": "custom@example.com", "blank": "  "},
    row={"coupon": "SAVE10", "empty": ""},
)


def test_a_literal_is_itself() -> None:
    assert value_of("Hello", DANA) == "Hello"


def test_a_standard_field_wins_over_attribution_and_custom_fields() -> None:
    assert value_of({"field": "name"}, DANA) == "Dana"


def test_an_empty_standard_field_falls_through_to_custom_fields() -> None:
    assert value_of({"field": "email"}, DANA) == "custom@example.com"


def test_attribution_and_custom_fields_are_found_by_name() -> None:
    assert value_of({"field": "utm_campaign"}, DANA) == "summer_sale"
    assert value_of({"field": "tier"}, DANA) == "gold"
    assert value_of({"field": "points"}, DANA) == "120"


def test_a_csv_column_is_read_from_the_row() -> None:
    assert value_of({"column": "coupon"}, DANA) == "SAVE10"


def test_missing_empty_or_blank_takes_the_fallback() -> None:
    assert value_of({"field": "source", "fallback": "web"}, DANA) == "web"
    assert value_of({"field": "blank", "fallback": "x"}, DANA) == "x"
    assert value_of({"column": "empty", "fallback": "none"}, DANA) == "none"
    assert value_of({"column": "absent", "fallback": "none"}, DANA) == "none"


def test_no_value_and_no_fallback_is_unresolved() -> None:
    assert value_of({"field": "source"}, DANA) is None
    assert value_of({"field": "country", "fallback": ""}, DANA) is None
    assert value_of({"column": "empty"}, DANA) is None
    assert value_of({"nothing": "x"}, DANA) is None


def test_a_full_positional_spec_resolves_every_part() -> None:
    spec = {
        "variables": [{"field": "name"}, "literal", {"column": "coupon"}],
        "button_variables": [{"field": "tier"}],
        "header_variable": {"field": "country", "fallback": "IL"},
        "media_link": "https://cdn.example.com/banner.png",
    }
    assert resolve(spec, DANA) == Resolved(
        variables=["Dana", "literal", "SAVE10"],
        button_values=["gold"],
        header_value="IL",
        media_link="https://cdn.example.com/banner.png",
    )


def test_named_variables_resolve_by_name() -> None:
    spec = {"variables": {"first_name": {"field": "name"}, "code": {"column": "coupon"}}}
    resolved = resolve(spec, DANA)
    assert resolved is not None
    assert resolved.variables == {"first_name": "Dana", "code": "SAVE10"}
    assert resolved.button_values == []
    assert resolved.header_value is None
    assert resolved.media_link is None


def test_any_unresolved_part_makes_the_recipient_unresolved() -> None:
    assert resolve({"variables": [{"field": "name"}, {"field": "source"}]}, DANA) is None
    assert resolve({"variables": {"a": {"column": "missing"}}}, DANA) is None
    assert resolve({"button_variables": [{"field": "source"}]}, DANA) is None
    assert resolve({"header_variable": {"field": "country"}}, DANA) is None


def test_an_empty_spec_is_a_template_without_variables() -> None:
    assert resolve({}, Person()) == Resolved([], [], None, None)

"""The pure request -> components translation and the template text helpers."""

from __future__ import annotations

import pytest

from mumble.errors import BadRequest
from mumble.templates import rules, variables


def test_a_reference_request_becomes_meta_components() -> None:
    request, problems = rules.read_request(
        {
            "name": "order_confirmation",
            "language": "en-US",
            "category": "marketing",
            "header": {"format": "image"},
            "body": "Hi {{1}}! Total: {{2}}.",
            "body_examples": ["John", 5],
            "footer": "Thanks!",
            "buttons": [
                {"type": "url", "text": "Track", "url": "https://e.com/t/{{1}}", "example": "o-1"}
            ],
            "media_url": "https://e.com/b.jpg",
        }
    )
    assert problems == []
    assert (request.language, request.category, request.header_format) == (
        "en_US",
        "MARKETING",
        "IMAGE",
    )
    assert rules.to_components(request, "4::h") == [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::h"]}},
        {
            "type": "BODY",
            "text": "Hi {{1}}! Total: {{2}}.",
            "example": {"body_text": [["John", "5"]]},
        },
        {"type": "FOOTER", "text": "Thanks!"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "URL", "text": "Track", "url": "https://e.com/t/{{1}}", "example": ["o-1"]}
            ],
        },
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"body": "x"}, "Template name is required"),
        ({"name": 5.5, "body": ""}, "Body text is required"),
        ({"name": "a", "body": ["x"]}, "Body text is required"),
        ({"name": True, "body": "x"}, "Template name is required"),
    ],
)
def test_required_fields(params: dict[str, object], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        rules.read_request(params)


def test_render_substitutes_variables_and_leaves_unknown_ones() -> None:
    assert rules.render("Hi {{1}}, order {{2}}; again {{1}}", ["Ann", "#1"]) == (
        "Hi Ann, order #1; again Ann"
    )
    assert rules.render("Hi {{3}}", ["a"]) == "Hi {{3}}"


def test_variable_counts_and_dynamic_buttons() -> None:
    assert rules.body_variable_count("{{1}} and {{2}} and {{1}}") == 2
    assert rules.body_variable_count("no variables") == 0
    buttons = [
        {"type": "QUICK_REPLY", "text": "Yes"},
        {"type": "URL", "text": "Static", "url": "https://e.com"},
        {"type": "URL", "text": "Dynamic", "url": "https://e.com/{{1}}"},
    ]
    assert rules.variable_buttons(buttons) == [2]


def test_listed_components_are_read_back() -> None:
    parts = rules.from_components(
        [
            {"type": "HEADER", "format": "TEXT", "text": "Hello"},
            {"type": "BODY", "text": "Body {{1}}"},
            {"type": "FOOTER", "text": "Foot"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Q"}, "junk"]},
            "junk",  # type: ignore[list-item]  # Meta's listing may carry anything: skipped
        ]
    )
    assert parts == {
        "body": "Body {{1}}",
        "header": {"format": "TEXT", "text": "Hello"},
        "footer": "Foot",
        "buttons": [{"type": "QUICK_REPLY", "text": "Q"}],
    }
    assert rules.from_components("nonsense")["body"] == ""  # type: ignore[arg-type]


def test_named_variables_are_counted_and_rendered_by_name() -> None:
    text = "Hi {{first_name}}, {{ perk }} for {{first_name}}; {{unknown}} stays"

    assert variables.count(text, variables.NAMED) == 3
    assert variables.count(text, variables.POSITIONAL) == 0
    assert variables.render(text, {"first_name": "Ann", "perk": "10%"}) == (
        "Hi Ann, 10% for Ann; {{unknown}} stays"
    )
    assert variables.parameter_format("named") == variables.NAMED
    assert variables.parameter_format(None) == variables.POSITIONAL
    assert variables.parameter_format("fancy") is None
    assert variables.named_examples({"a": 1}) == {"a": "1"}
    assert variables.named_examples([{"param_name": "a"}]) is None


def test_a_run_of_open_braces_renders_in_linear_time() -> None:
    text = "{{ " * 50_000

    assert variables.render(text, {"a": "b"}) == text
    assert variables.count(text, variables.NAMED) == 0

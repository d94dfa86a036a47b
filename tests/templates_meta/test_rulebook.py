"""The rulebook: schema-checked at load, every rule broken once (data-driven), valid passes."""

from __future__ import annotations

import copy
import json
import re
import string
from typing import Any

import pytest

import templates_meta
from templates_meta import check_components, rulebook

BOOK = templates_meta.load()

BODY = {
    "type": "BODY",
    "text": "Hi {{1}}, order {{2}} is ready.",
    "example": {"body_text": [["Ann", "42"]]},
}
VALID: dict[str, Any] = {
    "name": "order_ready",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{1}}",
            "example": {"header_text": ["42"]},
        },
        BODY,
        {"type": "FOOTER", "text": "Reply STOP to opt out"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "QUICK_REPLY", "text": "Cancel order"},
                {
                    "type": "URL",
                    "text": "Track",
                    "url": "https://ex.com/t/{{1}}",
                    "example": ["42"],
                },
                {"type": "PHONE_NUMBER", "text": "Call us", "phone_number": "+15550051310"},
            ],
        },
    ],
}


def _with(**changes: Any) -> dict[str, Any]:
    template = copy.deepcopy(VALID)
    template.update(changes)
    return template


def _components(*components: dict[str, Any]) -> dict[str, Any]:
    return _with(components=list(components))


def _body(text: str, examples: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "BODY", "text": text}
    if examples is not None:
        body["example"] = {"body_text": [examples]}
    return body


def _buttons(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"type": "BUTTONS", "buttons": list(buttons)}


QR = {"type": "QUICK_REPLY", "text": "Yes"}
OTP_BUTTONS = {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]}
LIMITS = BOOK.limits

# rule id -> a template that breaks that rule (and, as far as possible, only that one).
BROKEN: dict[str, dict[str, Any]] = {
    "name_required": _with(name=""),
    "name_format": _with(name="Order-Ready"),
    "name_length": _with(name="a" * (BOOK.raw["name"]["max_length"] + 1)),
    "language_unknown": _with(language="xx_XX"),
    "category_unknown": _with(category="PROMO"),
    "components_shape": _with(components=["BODY"]),
    "component_type_unknown": _components(BODY, {"type": "CAROUSEL", "cards": []}),
    "component_duplicate": _components(BODY, BODY),
    "body_required": _components({"type": "FOOTER", "text": "Thanks"}),
    "body_length": _components(_body("x" * (LIMITS["body_length"] + 1))),
    "variable_format": _components(_body("Hi {{name}}, welcome!", ["Ann"])),
    "variables_sequential": _components(
        _body("Hi {{1}}, order {{3}} is ready.", ["Ann", "42", "x"])
    ),
    "variable_at_start": _components(_body("{{1}} is your code.", ["1234"])),
    "variable_at_end": _components(_body("Your code is {{1}}", ["1234"])),
    "variables_adjacent": _components(_body("Hi {{1}}{{2}}, welcome!", ["Ann", "Lee"])),
    "examples_count": _components(_body("Hi {{1}}, order {{2}} is ready.", ["Ann"])),
    "example_empty": _components(_body("Hi {{1}}, welcome!", [" "])),
    "header_format_unknown": _components({"type": "HEADER", "format": "AUDIO"}, BODY),
    "header_format_category": _with(
        category="AUTHENTICATION",
        components=[
            {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aGk="]}},
            _body("Your code is ready."),
        ],
    ),
    "header_text_required": _components({"type": "HEADER", "format": "TEXT"}, BODY),
    "header_text_length": _components(
        {"type": "HEADER", "format": "TEXT", "text": "x" * (LIMITS["header_text_length"] + 1)}, BODY
    ),
    "header_text_variables": _components(
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{1}} and {{2}}",
            "example": {"header_text": ["1", "2"]},
        },
        BODY,
    ),
    "header_handle_missing": _components({"type": "HEADER", "format": "IMAGE"}, BODY),
    "footer_text_required": _components(BODY, {"type": "FOOTER", "text": ""}),
    "footer_length": _components(
        BODY, {"type": "FOOTER", "text": "x" * (LIMITS["footer_length"] + 1)}
    ),
    "footer_variables": _components(BODY, {"type": "FOOTER", "text": "Bye {{1}}"}),
    "buttons_shape": _components(BODY, {"type": "BUTTONS", "buttons": []}),
    "buttons_total": _components(
        BODY,
        _buttons(
            *[{"type": "QUICK_REPLY", "text": f"Q{i}"} for i in range(LIMITS["buttons_total"] + 1)]
        ),
    ),
    "button_type_unknown": _components(BODY, _buttons({"type": "MPM", "text": "Shop"})),
    "button_type_count": _components(
        BODY,
        _buttons(*[{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+15550051310"}] * 2),
    ),
    "button_text_required": _components(BODY, _buttons({"type": "QUICK_REPLY"})),
    "button_text_length": _components(
        BODY, _buttons({"type": "QUICK_REPLY", "text": "x" * (LIMITS["button_text_length"] + 1)})
    ),
    "button_url_required": _components(BODY, _buttons({"type": "URL", "text": "Open"})),
    "button_url_length": _components(
        BODY,
        _buttons(
            {"type": "URL", "text": "Open", "url": "https://ex.com/" + "a" * LIMITS["url_length"]}
        ),
    ),
    "button_url_scheme": _components(
        BODY, _buttons({"type": "URL", "text": "Open", "url": "ftp://ex.com/x"})
    ),
    "button_url_variable": _components(
        BODY,
        _buttons(
            {"type": "URL", "text": "Open", "url": "https://ex.com/{{1}}/x", "example": ["a"]}
        ),
    ),
    "button_url_example": _components(
        BODY, _buttons({"type": "URL", "text": "Open", "url": "https://ex.com/{{1}}"})
    ),
    "button_phone_required": _components(BODY, _buttons({"type": "PHONE_NUMBER", "text": "Call"})),
    "button_phone_length": _components(
        BODY,
        _buttons(
            {
                "type": "PHONE_NUMBER",
                "text": "Call",
                "phone_number": "+" + "1" * LIMITS["phone_number_length"],
            }
        ),
    ),
    "button_phone_format": _components(
        BODY, _buttons({"type": "PHONE_NUMBER", "text": "Call", "phone_number": "call me"})
    ),
    "button_copy_code_example": _components(
        BODY,
        _buttons({"type": "COPY_CODE", "example": "x" * (LIMITS["copy_code_example_length"] + 1)}),
    ),
    "button_otp_type": _components(BODY, _buttons({"type": "OTP", "otp_type": "SMOKE_SIGNAL"})),
    "buttons_grouping": _components(
        BODY,
        _buttons(
            QR,
            {"type": "URL", "text": "Open", "url": "https://ex.com"},
            {"type": "QUICK_REPLY", "text": "No"},
        ),
    ),
    "auth_button_type": _with(
        category="AUTHENTICATION",
        components=[
            _body("Your code is ready."),
            _buttons({"type": "URL", "text": "Open", "url": "https://ex.com"}),
        ],
    ),
    "auth_parameter_length": _with(
        category="AUTHENTICATION",
        components=[_body("Your code is {{1}}, valid 10 minutes.", ["1234567890123456"])],
    ),
    "auth_footer_text": _with(
        category="AUTHENTICATION",
        components=[{"type": "BODY"}, {"type": "FOOTER", "text": "Expires soon"}, OTP_BUTTONS],
    ),
    "auth_code_expiration": _with(
        category="AUTHENTICATION",
        components=[
            {"type": "BODY"},
            {"type": "FOOTER", "code_expiration_minutes": 91},
            OTP_BUTTONS,
        ],
    ),
    "auth_otp_button": _with(category="AUTHENTICATION", components=[{"type": "BODY"}]),
    "button_otp_apps": _with(
        category="AUTHENTICATION",
        components=[{"type": "BODY"}, _buttons({"type": "OTP", "otp_type": "ONE_TAP"})],
    ),
    "variable_format_named": _with(
        parameter_format="NAMED", components=[_body("Hi {{1}}, welcome!", ["Ann"])]
    ),
    "named_examples": _with(
        parameter_format="NAMED",
        components=[
            {
                "type": "BODY",
                "text": "Hi {{first_name}}, order {{order_id}} is ready.",
                "example": {
                    "body_text_named_params": [{"param_name": "first_name", "example": "Ann"}]
                },
            }
        ],
    ),
    "parameter_format_unknown": _with(parameter_format="KEYWORD"),
    "auth_body_text": _with(
        category="AUTHENTICATION",
        components=[
            _body("Your code is ready."),
            _buttons({"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy code"}),
        ],
    ),
    "auth_emoji": _with(
        category="AUTHENTICATION", components=[_body("Your code is ready \U0001f600.")]
    ),
}


def _pattern(rule: str) -> re.Pattern[str]:
    """The rule's detail message with each {placeholder} standing for any text."""
    fields = {f for _, f, _, _ in string.Formatter().parse(BOOK.raw["details"][rule]) if f}
    sample = BOOK.detail(rule, **dict.fromkeys(fields, "\x02"))
    return re.compile(re.escape(sample).replace("\x02", ".*?"))


def test_rulebook_is_dated_and_complete() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", BOOK.version)
    assert BOOK.categories == ("MARKETING", "UTILITY", "AUTHENTICATION")
    assert {"en_US", "he", "pt_BR", "zh_TW", "es_MX", "si_LK", "prs_AF"} <= BOOK.languages
    assert len(BOOK.languages) == 113
    assert BOOK.is_sendable("APPROVED")
    assert not any(BOOK.is_sendable(s) for s in BOOK.statuses if s != "APPROVED")
    assert BOOK.can_transition("PENDING", "APPROVED")
    assert BOOK.can_transition("APPROVED", "PAUSED")
    assert not BOOK.can_transition("DELETED", "APPROVED")
    assert BOOK.media_kind("DOCUMENT") == "document"
    assert BOOK.media["image"]["max_bytes"] == 5 * 1024 * 1024


def test_every_rule_has_a_breaking_case() -> None:
    assert set(BROKEN) == set(BOOK.rules)


def test_a_valid_template_passes() -> None:
    assert check_components(**VALID) == []


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_broken_rule_is_reported_with_its_detail(rule: str) -> None:
    details = check_components(**BROKEN[rule])
    pattern = _pattern(rule)
    assert any(pattern.fullmatch(d) for d in details), (rule, details)


def test_languages_accept_dash_form_from_webhooks() -> None:
    assert check_components(**_with(language="en-US")) == []


def test_category_is_case_insensitive() -> None:
    assert check_components(**_with(category="utility")) == []


def test_a_malformed_rules_file_is_refused_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.loads(json.dumps(BOOK.raw))
    raw["limits"]["body_length"] = "long"
    with pytest.raises(templates_meta.RulebookError, match="body_length"):
        rulebook._check_schema(raw)
    raw = json.loads(json.dumps(BOOK.raw))
    raw["statuses"]["PENDING"].append("NOWHERE")
    with pytest.raises(templates_meta.RulebookError, match="NOWHERE"):
        rulebook._check_schema(raw)
    raw = json.loads(json.dumps(BOOK.raw))
    raw["version"] = "recent"
    with pytest.raises(templates_meta.RulebookError, match="version"):
        rulebook._check_schema(raw)


def test_media_table_names_each_format_once_with_its_kind_and_limit() -> None:
    jpeg = BOOK.media_format("image/jpeg")
    assert jpeg is not None
    assert (jpeg.kind, jpeg.extensions, jpeg.max_bytes) == (
        "image",
        ("jpg", "jpeg"),
        5 * 1024 * 1024,
    )
    assert BOOK.media_format("audio/ogg; codecs=opus") == BOOK.media_for_extension("opus")
    assert BOOK.media_format("image/gif") is None
    assert BOOK.media_for_extension("mov") is None
    assert BOOK.media_mime_types("sticker") == ("image/webp",)
    assert BOOK.media_max_bytes("document") == 100 * 1024 * 1024


NAMED = _with(
    parameter_format="named",
    components=[
        {
            "type": "HEADER",
            "format": "TEXT",
            "text": "Order {{order_id}}",
            "example": {"header_text_named_params": [{"param_name": "order_id", "example": "42"}]},
        },
        {
            "type": "BODY",
            "text": "Hi {{first_name}}, order {{order_id}} is ready.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "first_name", "example": "Ann"},
                    {"param_name": "order_id", "example": "42"},
                ]
            },
        },
    ],
)
# pywa's and Meta's copy-code and one-tap authentication shapes: no body text, Meta writes it.
AUTHENTICATION = [
    _with(
        category="AUTHENTICATION",
        components=[
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": 10},
            {
                "type": "BUTTONS",
                "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Copy"}],
            },
        ],
    ),
    _with(
        category="authentication",
        components=[
            {"type": "body"},
            {
                "type": "buttons",
                "buttons": [
                    {
                        "type": "otp",
                        "otp_type": "one_tap",
                        "autofill_text": "Autofill",
                        "supported_apps": [
                            {"package_name": "com.example.app", "signature_hash": "K8a/AINcGX7"}
                        ],
                    }
                ],
            },
        ],
    ),
]


def test_a_named_template_passes_and_lists_its_variables() -> None:
    assert check_components(**NAMED) == []
    assert templates_meta.variable_names("Hi {{first_name}}, {{order_id}} {{first_name}}") == [
        "first_name",
        "order_id",
    ]
    assert templates_meta.variable_names("Hi {{1}}, order {{2}}") == ["1", "2"]
    assert templates_meta.variable_names("Hi {{1}") == []


def test_a_positional_body_is_refused_in_a_named_template_and_the_reverse() -> None:
    assert any("Named variables" in d for d in check_components(**_with(parameter_format="NAMED")))
    assert any(
        "{{1}}" in d for d in check_components(**(NAMED | {"parameter_format": "positional"}))
    )


@pytest.mark.parametrize("template", AUTHENTICATION)
def test_metas_authentication_shapes_pass(template: dict[str, Any]) -> None:
    assert check_components(**template) == []

"""`check_components`: a template in Meta's create shape against the rulebook, pure.

Every broken rule yields one readable detail; an empty list means the template is valid.
Facts: developers.facebook.com/documentation/business-messaging/whatsapp/templates/components.
"""

from __future__ import annotations

import re
from typing import Any

from templates_meta.placeholders import Placeholders, placeholders
from templates_meta.rulebook import Rulebook, indefinite, load, normalize_language

_PHONE = re.compile(r"\+?[0-9]{4,}")
# Pictographic ranges: emoji, dingbats, symbols (auth templates refuse them).
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")


class _Report:
    def __init__(self, book: Rulebook, *, named: bool = False) -> None:
        self.book = book
        self.named = named  # parameter_format NAMED: {{first_name}} instead of {{1}}
        self.details: list[str] = []
        self._seen: set[str] = set()  # a set: one detail per button must not make this quadratic

    def add(self, rule: str, **values: Any) -> None:
        detail = self.book.detail(rule, **values)
        if detail not in self._seen:
            self._seen.add(detail)
            self.details.append(detail)


def _example(comp: dict[str, Any]) -> dict[str, Any]:
    example = comp.get("example")
    return example if isinstance(example, dict) else {}


def _number(inner: str) -> int:
    # Past 18 digits int() can fail (4300+ digits) and such a number is never in sequence anyway,
    # so it stands in as one too large.
    return int(inner) if len(inner) <= 18 else 10**18


def variables_in(text: str) -> list[int] | None:
    """Positional variable numbers in `text` in order, or None when a placeholder is malformed."""
    found = placeholders(text)
    pattern = re.compile(load().raw["variables"]["placeholder"])
    if found is None or not all(pattern.fullmatch(name) for name in set(found.names)):
        return None
    return [_number(name) for name in found.names]


def variable_names(text: str) -> list[str]:
    """The distinct placeholders of `text` in order of first use ("1", "first_name"), stripped of
    white space; empty when there are none or the braces do not pair up. Linear in `len(text)`."""
    found = placeholders(text)
    return list(dict.fromkeys(name.strip() for name in found.names)) if found else []


def _variables(report: _Report, text: str, where: str) -> Placeholders:
    """Check the placeholders of `text`: all of them, or none when one is malformed."""
    found = placeholders(text)
    rules = report.book.raw["variables"]
    pattern = re.compile(rules["named_placeholder" if report.named else "placeholder"])
    names = set(found.names) if found is not None else set()
    if found is None or not all(pattern.fullmatch(name) for name in names):
        report.add("variable_format_named" if report.named else "variable_format", where=where)
        return Placeholders([], [text])
    if report.named:
        if found.adjacent():
            report.add("variables_adjacent", where=where)
        return found
    distinct = sorted({_number(name) for name in names})
    # In sequence means exactly 1..n: compared with range(1, count + 1), never with the largest
    # number, whose range could be as long as the client likes.
    if distinct != list(range(1, len(distinct) + 1)):
        report.add("variables_sequential", where=where, max=len(distinct))
    if found.adjacent():
        report.add("variables_adjacent", where=where)
    return found


def _count(found: Placeholders) -> int:
    return len(set(found.names))


def _examples(report: _Report, given: Any, count: int, where: str) -> list[str]:
    values = given if isinstance(given, list) else []
    if count and len(values) != count:
        report.add("examples_count", where=where, count=count, given=len(values))
    if any(not isinstance(v, str | int | float) or not str(v).strip() for v in values):
        report.add("example_empty", where=where)
    return [str(v) for v in values]


def _named_examples(
    report: _Report, given: Any, found: Placeholders, where: str, examples: list[str]
) -> None:
    """NAMED templates give one {param_name, example} per variable (`*_text_named_params`)."""
    rows = given if isinstance(given, list) else []
    values = {
        str(row.get("param_name")): row.get("example") for row in rows if isinstance(row, dict)
    }
    missing = [name for name in dict.fromkeys(found.names) if name not in values]
    if missing:
        report.add("named_examples", where=where, missing=", ".join(missing))
    chosen = [values[name] for name in dict.fromkeys(found.names) if name in values]
    examples += _examples(report, chosen, 0, where)


def _variable_examples(
    report: _Report, comp: dict[str, Any], found: Placeholders, where: str, examples: list[str]
) -> None:
    example = _example(comp)
    prefix = "header" if where == "Header" else "body"
    if report.named:
        _named_examples(report, example.get(f"{prefix}_text_named_params"), found, where, examples)
        return
    given = example.get(f"{prefix}_text")
    if prefix == "body":
        given = (
            given[0] if isinstance(given, list) and given and isinstance(given[0], list) else None
        )
    examples += _examples(report, given, _count(found), where)


def _header(report: _Report, comp: dict[str, Any], category: str, examples: list[str]) -> None:
    book = report.book
    formats = book.raw["header_formats"]
    fmt = str(comp.get("format") or "").upper()
    if fmt not in formats:
        report.add("header_format_unknown", value=comp.get("format"), allowed=", ".join(formats))
        return
    if category in book.categories and category not in formats[fmt]["categories"]:
        report.add(
            "header_format_category", a_value=indefinite(fmt, capital=True), category=category
        )
    limits = book.raw["limits"]
    if fmt == "TEXT":
        text = comp.get("text")
        if not isinstance(text, str) or not text.strip():
            report.add("header_text_required")
            return
        if len(text) > limits["header_text_length"]:
            report.add("header_text_length", max=limits["header_text_length"])
        found = _variables(report, text, "header")
        count = _count(found)
        if count > limits["header_text_variables"]:
            report.add("header_text_variables", max=limits["header_text_variables"])
        elif count:
            _variable_examples(report, comp, found, "Header", examples)
    elif book.media_kind(fmt):
        example = _example(comp)
        handles = example.get("header_handle")
        if (
            not isinstance(handles, list)
            or not handles
            or not all(isinstance(h, str) and h for h in handles)
        ):
            report.add("header_handle_missing", a_value=indefinite(fmt, capital=True))


def _body(report: _Report, comp: dict[str, Any], category: str, examples: list[str]) -> None:
    limit = report.book.raw["limits"]["body_length"]
    text = comp.get("text")
    if category == "AUTHENTICATION":
        # Meta writes an authentication body itself ("<code> is your verification code."); the
        # template only chooses add_security_recommendation. Free text is refused.
        if "text" not in comp:
            return
        report.add("auth_body_text")
    if not isinstance(text, str) or not text.strip():
        report.add("body_required")
        return
    if len(text) > limit:
        report.add("body_length", max=limit)
    found = _variables(report, text, "body")
    count = _count(found)
    if found.at_start():
        report.add("variable_at_start")
    if found.at_end():
        report.add("variable_at_end")
    if count:
        _variable_examples(report, comp, found, "Body", examples)


def _auth_footer(report: _Report, comp: dict[str, Any]) -> None:
    """An AUTHENTICATION footer is Meta's expiry warning: `code_expiration_minutes` 1-90."""
    bounds = report.book.raw["limits"]["auth_code_expiration_minutes"]
    minutes = comp.get("code_expiration_minutes")
    if "text" in comp:
        report.add("auth_footer_text")
    if minutes is not None and (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not bounds["min"] <= minutes <= bounds["max"]
    ):
        report.add("auth_code_expiration", min=bounds["min"], max=bounds["max"])


def _footer(report: _Report, comp: dict[str, Any], category: str) -> None:
    if category == "AUTHENTICATION":
        _auth_footer(report, comp)
        return
    limit = report.book.raw["limits"]["footer_length"]
    text = comp.get("text")
    if not isinstance(text, str) or not text.strip():
        report.add("footer_text_required")
        return
    if len(text) > limit:
        report.add("footer_length", max=limit)
    if "{{" in text or "}}" in text:
        report.add("footer_variables")


def _url_button(report: _Report, button: dict[str, Any], index: int, examples: list[str]) -> None:
    limits = report.book.raw["limits"]
    url = button.get("url")
    if not isinstance(url, str) or not url.strip():
        report.add("button_url_required", index=index)
        return
    if len(url) > limits["url_length"]:
        report.add("button_url_length", index=index, max=limits["url_length"])
    if not re.match(r"https?://[^\s/]+", url):
        report.add("button_url_scheme", index=index)
    numbers = variables_in(url)
    if (
        numbers is None
        or len(numbers) > limits["url_variables"]
        or (numbers and (numbers != [1] or not url.endswith("{{1}}")))
    ):
        report.add("button_url_variable", index=index)
    elif numbers:
        given = button.get("example")
        values = given if isinstance(given, list) else [given] if isinstance(given, str) else []
        if len(values) != 1 or not str(values[0]).strip():
            report.add("button_url_example", index=index)
        else:
            examples.append(str(values[0]))


def _supported_apps(button: dict[str, Any]) -> bool:
    """One-tap and zero-tap buttons name the apps that may autofill: package and signature."""
    apps = button.get("supported_apps")
    if not isinstance(apps, list) or not apps:
        return bool(button.get("package_name") and button.get("signature_hash"))
    return all(
        isinstance(app, dict) and app.get("package_name") and app.get("signature_hash")
        for app in apps
    )


def _button(report: _Report, button: dict[str, Any], index: int, examples: list[str]) -> None:
    book = report.book
    limits = book.raw["limits"]
    btype = str(button.get("type") or "").upper()
    needs = book.raw["button_types"][btype]["needs"]
    if "text" in needs:
        text = button.get("text")
        if not isinstance(text, str) or not text.strip():
            report.add("button_text_required", index=index)
        elif len(text) > limits["button_text_length"]:
            report.add("button_text_length", index=index, max=limits["button_text_length"])
    if btype == "URL":
        _url_button(report, button, index, examples)
    elif btype == "PHONE_NUMBER":
        phone = button.get("phone_number")
        if not isinstance(phone, str) or not phone.strip():
            report.add("button_phone_required", index=index)
        elif len(phone) > limits["phone_number_length"]:
            report.add("button_phone_length", index=index, max=limits["phone_number_length"])
        elif not _PHONE.fullmatch(phone.strip()):
            report.add("button_phone_format", index=index)
    elif btype == "COPY_CODE":
        example = button.get("example")
        limit = limits["copy_code_example_length"]
        if not isinstance(example, str) or not example.strip() or len(example) > limit:
            report.add("button_copy_code_example", index=index, max=limit)
    elif btype == "OTP":
        otp_type = str(button.get("otp_type") or "").upper()
        if otp_type not in book.raw["otp_types"]:
            report.add("button_otp_type", index=index, allowed=", ".join(book.raw["otp_types"]))
        elif otp_type != "COPY_CODE" and not _supported_apps(button):
            report.add("button_otp_apps", index=index, value=otp_type)


def _buttons(report: _Report, comp: dict[str, Any], category: str, examples: list[str]) -> None:
    book = report.book
    buttons = comp.get("buttons")
    if (
        not isinstance(buttons, list)
        or not buttons
        or not all(isinstance(b, dict) for b in buttons)
    ):
        report.add("buttons_shape")
        return
    total = book.raw["limits"]["buttons_total"]
    if len(buttons) > total:
        report.add("buttons_total", max=total)
    kinds = book.raw["button_types"]
    types = [str(b.get("type") or "").upper() for b in buttons]
    for index, (button, btype) in enumerate(zip(buttons, types, strict=True), start=1):
        if btype not in kinds:
            report.add("button_type_unknown", value=button.get("type"))
            continue
        if category == "AUTHENTICATION" and btype in book.raw["auth_forbidden_button_types"]:
            report.add("auth_button_type", value=btype)
        _button(report, button, index, examples)
    for btype, spec in kinds.items():
        if types.count(btype) > spec["max"]:
            report.add("button_type_count", value=btype, max=spec["max"])
    quick = [i for i, t in enumerate(types) if t == "QUICK_REPLY"]
    if quick and quick[-1] - quick[0] + 1 != len(quick):
        report.add("buttons_grouping")


def _has_otp_button(components: list[dict[str, Any]]) -> bool:
    """AUTHENTICATION templates carry one OTP button: copy code, one tap or zero tap."""
    return any(
        isinstance(button, dict) and str(button.get("type") or "").upper() == "OTP"
        for comp in components
        if str(comp.get("type") or "").upper() == "BUTTONS"
        and isinstance(comp.get("buttons"), list)
        for button in comp["buttons"]
    )


def check_components(
    *,
    name: str,
    language: str,
    category: str,
    components: list[dict[str, Any]],
    parameter_format: str = "POSITIONAL",
) -> list[str]:
    """Each rule the template breaks as a readable detail; empty when Meta's rules are met.

    `parameter_format` is Meta's create field: POSITIONAL ({{1}}, examples in `body_text`) or
    NAMED ({{first_name}}, examples in `body_text_named_params`), case-insensitive.
    developers.facebook.com/documentation/business-messaging/whatsapp/templates/overview
    """
    book = load()
    fmt = parameter_format.upper() if isinstance(parameter_format, str) else ""
    report = _Report(book, named=fmt == "NAMED")
    if fmt not in book.raw["variables"]["parameter_formats"]:
        report.add(
            "parameter_format_unknown",
            allowed=", ".join(book.raw["variables"]["parameter_formats"]),
        )
    name_rule = book.raw["name"]
    if not isinstance(name, str) or not name.strip():
        report.add("name_required")
    else:
        if not re.fullmatch(name_rule["pattern"], name):
            report.add("name_format")
        if len(name) > name_rule["max_length"]:
            report.add("name_length", max=name_rule["max_length"])
    lang = normalize_language(language) if isinstance(language, str) else ""
    if lang not in book.languages:
        report.add("language_unknown", value=language)
    cat = category.upper() if isinstance(category, str) else ""
    if cat not in book.categories:
        report.add("category_unknown", allowed=", ".join(book.categories))
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        report.add("components_shape")
        return report.details
    seen: set[str] = set()
    examples: list[str] = []
    texts: list[str] = []
    for comp in components:
        ctype = str(comp.get("type") or "").upper()
        if ctype not in book.raw["component_types"]:
            report.add("component_type_unknown", value=comp.get("type"))
            continue
        if ctype in seen:
            report.add("component_duplicate", value=ctype)
            continue
        seen.add(ctype)
        if isinstance(comp.get("text"), str):
            texts.append(comp["text"])
        if ctype == "HEADER":
            _header(report, comp, cat, examples)
        elif ctype == "BODY":
            _body(report, comp, cat, examples)
        elif ctype == "FOOTER":
            _footer(report, comp, cat)
        else:
            _buttons(report, comp, cat, examples)
    if "BODY" not in seen:
        report.add("body_required")
    if cat == "AUTHENTICATION":
        if not _has_otp_button(components):
            report.add("auth_otp_button")
        limit = book.raw["limits"]["auth_parameter_length"]
        if any(len(e) > limit for e in examples):
            report.add("auth_parameter_length", max=limit)
        if any(_EMOJI.search(t) for t in texts):
            report.add("auth_emoji")
    return report.details

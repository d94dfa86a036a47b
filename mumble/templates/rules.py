"""The create-template request as Meta's `components`, and template text helpers.

Pure: no I/O. Meta's own rules live in `templates_meta`; this module adds only what Mumble's
reference refuses on top of them (header variables, carousels, catalogs, MPM) and the shape of
our request. Facts: developers.facebook.com/documentation/business-messaging/whatsapp/templates/
components.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

import templates_meta
from mumble.errors import BadRequest, Refusal
from mumble.text import has_nul
from templates_meta.rulebook import indefinite

_VARIABLE = re.compile(r"\{\{\s*([0-9]+)\s*\}\}")
# What the reference calls custom: a standard template. The rest are kinds it refuses.
_TEMPLATE_TYPES = {"custom", "standard", ""}
_REFUSED_TYPES = {"carousel", "catalog", "mpm", "multi_product", "spm", "product"}
_REQUEST_BUTTONS = ("QUICK_REPLY", "URL", "PHONE_NUMBER")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
NAME_REQUIRED = Refusal(BadRequest, "Template name is required")
BODY_REQUIRED = Refusal(BadRequest, "Body text is required")


@dataclass(frozen=True)
class TemplateRequest:
    """A create-template request, read but not yet checked against Meta's rules."""

    name: str
    language: str
    category: str
    body: str
    body_examples: list[str] = field(default_factory=list)
    header: dict[str, Any] | None = None
    footer: str | None = None
    buttons: list[dict[str, Any]] = field(default_factory=list)
    media_url: str | None = None
    template_type: str = "custom"

    @property
    def header_format(self) -> str | None:
        return str(self.header.get("format") or "").upper() if self.header else None

    @property
    def media_header(self) -> bool:
        return self.header_format in MEDIA_FORMATS


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip()


def json_value(value: Any) -> Any:
    """Form posts carry arrays and objects as JSON text: decode them, leave the rest."""
    if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def read_request(params: Mapping[str, Any]) -> tuple[TemplateRequest, list[str]]:
    """The request and the shape problems of its fields; 400 with the reference's messages first."""
    name = _text(params.get("name"))
    if not name:
        raise NAME_REQUIRED()
    body = params.get("body")
    if not isinstance(body, str) or not body.strip():
        raise BODY_REQUIRED()
    problems: list[str] = []
    examples = json_value(params.get("body_examples"))
    if examples is None:
        examples = []
    if not isinstance(examples, list) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in examples
    ):
        problems.append("body_examples must be a list of texts")
        examples = []
    header = json_value(params.get("header"))
    if isinstance(header, str) and header.strip():
        header = {"format": header.strip()}  # a bare format name is unambiguous
    if header in ("", None):
        header = None
    elif not isinstance(header, dict):
        problems.append('header must be an object like {"format": "IMAGE"}')
        header = None
    buttons = json_value(params.get("buttons"))
    if buttons is None or buttons == "":
        buttons = []
    if not isinstance(buttons, list) or not all(isinstance(b, dict) for b in buttons):
        problems.append("buttons must be a list of objects")
        buttons = []
    footer = params.get("footer")
    if footer is not None and not isinstance(footer, str):
        problems.append("footer must be a text")
        footer = None
    if has_nul([body, examples, header, buttons, footer]):
        # PostgreSQL text and JSONB cannot hold NUL.
        problems.append("Template text must not contain NUL characters")
    request = TemplateRequest(
        name=name,
        language=templates_meta.normalize_language(_text(params.get("language")) or ""),
        category=(_text(params.get("category")) or "").upper(),
        body=body,
        body_examples=[str(v) for v in examples],
        header=header,
        footer=footer if footer and footer.strip() else None,
        buttons=buttons,
        media_url=_text(params.get("media_url")) or None,
        template_type=(_text(params.get("template_type")) or "custom").lower(),
    )
    return request, problems


def reference_problems(request: TemplateRequest) -> list[str]:
    """What the reference refuses although Meta may allow it, plus media_url consistency."""
    problems: list[str] = []
    if request.template_type in _REFUSED_TYPES:
        problems.append(
            f"template_type '{request.template_type}' is not supported "
            "(carousels, catalogs and MPM are not supported)"
        )
    elif request.template_type not in _TEMPLATE_TYPES:
        problems.append(f"template_type '{request.template_type}' is not supported (use custom)")
    if request.header:
        if "{{" in str(request.header.get("text") or ""):
            problems.append("Header variables are not supported")
        if request.media_header and not request.media_url:
            problems.append(
                f"{indefinite(request.header_format, capital=True)} header needs media_url"
            )
    if request.media_url and not request.media_header:
        problems.append("media_url is only used with an IMAGE, VIDEO or DOCUMENT header")
    for index, button in enumerate(request.buttons, start=1):
        kind = str(button.get("type") or "").upper()
        if kind not in _REQUEST_BUTTONS and kind in templates_meta.load().raw["button_types"]:
            problems.append(
                f"Button {index}: type {kind} is not supported "
                "(use URL, QUICK_REPLY or PHONE_NUMBER)"
            )
    return problems


def meta_button(button: dict[str, Any]) -> dict[str, Any]:
    """One request button in Meta's shape (a URL example becomes a list)."""
    kind = str(button.get("type") or "").upper()
    out: dict[str, Any] = {"type": kind}
    for key in ("text", "url", "phone_number", "otp_type"):
        if key in button:
            out[key] = button[key]
    example = button.get("example")
    if kind == "URL" and example is not None:
        out["example"] = example if isinstance(example, list) else [example]
    elif example is not None:
        out["example"] = example
    return out


def to_components(request: TemplateRequest, header_handle: str | None) -> list[dict[str, Any]]:
    """Meta's `components` for the request; a media header carries `header_handle`."""
    components: list[dict[str, Any]] = []
    if request.header:
        fmt = request.header_format or ""
        header: dict[str, Any] = {"type": "HEADER", "format": fmt}
        if fmt == "TEXT":
            header["text"] = request.header.get("text")
        elif fmt in MEDIA_FORMATS or templates_meta.load().media_kind(fmt):
            header["example"] = {"header_handle": [header_handle] if header_handle else []}
        components.append(header)
    body: dict[str, Any] = {"type": "BODY", "text": request.body}
    if request.body_examples:
        body["example"] = {"body_text": [request.body_examples]}
    components.append(body)
    if request.footer:
        components.append({"type": "FOOTER", "text": request.footer})
    if request.buttons:
        components.append({"type": "BUTTONS", "buttons": [meta_button(b) for b in request.buttons]})
    return components


def body_variable_count(body: str) -> int:
    """How many distinct positional variables the body has."""
    return len({m.group(1) for m in _VARIABLE.finditer(body)})


def variable_buttons(buttons: list[dict[str, Any]]) -> list[int]:
    """Positions (0-based, Meta's `index`) of the URL buttons whose url ends in a variable."""
    return [
        index
        for index, button in enumerate(buttons)
        if str(button.get("type") or "").upper() == "URL" and "{{" in str(button.get("url") or "")
    ]


def render(text: str, values: list[str]) -> str:
    """`text` with {{n}} replaced by values[n-1] (what the customer sees)."""

    def substitute(match: re.Match[str]) -> str:
        digits = match.group(1)
        position = int(digits) if len(digits) <= 18 else 0  # int() fails past 4300 digits
        return values[position - 1] if 0 < position <= len(values) else match.group(0)

    return _VARIABLE.sub(substitute, text)


def from_components(components: list[dict[str, Any]]) -> dict[str, Any]:
    """Body, header, footer and buttons of a template Meta listed (imported by the sync)."""
    out: dict[str, Any] = {"body": "", "header": None, "footer": None, "buttons": []}
    for comp in components if isinstance(components, list) else []:
        if not isinstance(comp, dict):
            continue
        kind = str(comp.get("type") or "").upper()
        if kind == "BODY":
            out["body"] = str(comp.get("text") or "")
        elif kind == "HEADER":
            header = {"format": str(comp.get("format") or "").upper()}
            if comp.get("text"):
                header["text"] = str(comp["text"])
            out["header"] = header
        elif kind == "FOOTER":
            out["footer"] = str(comp.get("text") or "") or None
        elif kind == "BUTTONS":
            out["buttons"] = [b for b in comp.get("buttons") or [] if isinstance(b, dict)]
    return out

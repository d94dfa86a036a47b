"""The create-template request as Meta's `components`, and template text helpers.

Pure: no I/O. Meta's own rules live in `templates_meta`; this module adds only what Mumble's
reference refuses on top of them (header variables, carousels, catalogs, MPM) and the shape of
our request. Facts: developers.facebook.com/documentation/business-messaging/whatsapp/templates/
components.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

import templates_meta
from mumble.errors import BadRequest, Refusal
from mumble.templates import auth, variables
from mumble.text import has_nul
from templates_meta.rulebook import indefinite

# What the reference calls custom: a standard template. The rest are kinds it refuses.
_TEMPLATE_TYPES = {"custom", "standard", ""}
_REFUSED_TYPES = {"carousel", "catalog", "mpm", "multi_product", "spm", "product"}
_REQUEST_BUTTONS = ("QUICK_REPLY", "URL", "PHONE_NUMBER")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "GIF", "DOCUMENT")
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
    parameter_format: str = variables.POSITIONAL
    # NAMED templates: an example per variable name (Meta's `body_text_named_params`).
    named_examples: dict[str, str] = field(default_factory=dict)
    # AUTHENTICATION templates: Meta's preset body and footer options.
    security_recommendation: bool | None = None
    code_expiration_minutes: Any = None

    @property
    def authentication(self) -> bool:
        return self.category == auth.AUTHENTICATION

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
    category = (_text(params.get("category")) or "").upper()
    body = params.get("body")
    if category == auth.AUTHENTICATION and (body is None or body == ""):
        body = None  # Meta writes an authentication template's body
    elif not isinstance(body, str) or not body.strip():
        raise BODY_REQUIRED()
    problems: list[str] = []
    fmt = variables.parameter_format(params.get("parameter_format"))
    if fmt is None:
        problems.append(f"parameter_format must be one of {', '.join(variables.FORMATS)}")
        fmt = variables.POSITIONAL
    examples = json_value(params.get("body_examples"))
    named: dict[str, str] = {}
    if examples is None:
        examples = []
    if fmt == variables.NAMED and examples != []:
        found = variables.named_examples(examples)
        if found is None:
            problems.append(
                'body_examples of a NAMED template must be an object like {"first_name": "Ann"}'
            )
        named, examples = found or {}, []
    elif not isinstance(examples, list) or not all(
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
        category=category,
        body=body or "",
        body_examples=[str(v) for v in examples],
        header=header,
        footer=footer if footer and footer.strip() else None,
        buttons=buttons,
        media_url=_text(params.get("media_url")) or None,
        template_type=(_text(params.get("template_type")) or "custom").lower(),
        parameter_format=fmt,
        named_examples=named,
        security_recommendation=auth.flag(params.get("add_security_recommendation")),
        code_expiration_minutes=auth.minutes(params.get("code_expiration_minutes")),
    )
    if params.get("add_security_recommendation") not in (None, "") and (
        request.security_recommendation is None
    ):
        problems.append("add_security_recommendation must be true or false")
    if not request.authentication and (
        request.security_recommendation is not None or request.code_expiration_minutes is not None
    ):
        problems.append(
            "add_security_recommendation and code_expiration_minutes are only for "
            "AUTHENTICATION templates"
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
    if request.media_header and not request.media_url:
        problems.append(f"{indefinite(request.header_format, capital=True)} header needs media_url")
    if request.media_url and not request.media_header:
        problems.append("media_url is only used with an IMAGE, VIDEO, GIF or DOCUMENT header")
    for index, button in enumerate(request.buttons, start=1):
        kind = str(button.get("type") or "").upper()
        if kind == "OTP" and request.authentication:
            continue
        if kind not in _REQUEST_BUTTONS and kind in templates_meta.load().raw["button_types"]:
            problems.append(
                f"Button {index}: type {kind} is not supported "
                "(use URL, QUICK_REPLY or PHONE_NUMBER; OTP in AUTHENTICATION templates)"
            )
    return problems


def meta_button(button: dict[str, Any]) -> dict[str, Any]:
    """One request button in Meta's shape (a URL example becomes a list)."""
    kind = str(button.get("type") or "").upper()
    out: dict[str, Any] = {"type": kind}
    for key in ("text", "url", "phone_number", *auth.OTP_FIELDS):
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
            example = _header_example(request)
            if example:
                header["example"] = example
        elif fmt in MEDIA_FORMATS or templates_meta.load().media_kind(fmt):
            header["example"] = {"header_handle": [header_handle] if header_handle else []}
        components.append(header)
    if request.authentication:
        return [*components, *_auth_components(request)]
    body: dict[str, Any] = {"type": "BODY", "text": request.body}
    if request.parameter_format == variables.NAMED:
        named = variables.named_params(request.body, request.named_examples)
        if named:
            body["example"] = {"body_text_named_params": named}
    elif request.body_examples:
        body["example"] = {"body_text": [request.body_examples]}
    components.append(body)
    if request.footer:
        components.append({"type": "FOOTER", "text": request.footer})
    if request.buttons:
        components.append({"type": "BUTTONS", "buttons": [meta_button(b) for b in request.buttons]})
    return components


def _header_example(request: TemplateRequest) -> dict[str, Any] | None:
    """A TEXT header's example for its one variable: `header.example` (a text, a one-text list
    or, NAMED, an object of the name to a text), in Meta's `header_text` shape."""
    assert request.header is not None
    text = str(request.header.get("text") or "")
    raw = request.header.get("example")
    if raw is None or not variables.names(text):
        return None
    if request.parameter_format == variables.NAMED:
        found = variables.named_examples(raw)
        return {"header_text_named_params": variables.named_params(text, found or {})}
    values = raw if isinstance(raw, list) else [raw]
    return {"header_text": [str(v) for v in values]}


def _auth_components(request: TemplateRequest) -> list[dict[str, Any]]:
    """Meta's authentication shape: options instead of body and footer text, the OTP button."""
    body = auth.body_component(request.security_recommendation, request.body or None)
    if request.body and request.body_examples:
        body["example"] = {"body_text": [request.body_examples]}  # checked, then refused
    components = [body]
    footer = auth.footer_component(request.code_expiration_minutes, request.footer)
    if footer:
        components.append(footer)
    if request.buttons:
        components.append({"type": "BUTTONS", "buttons": [meta_button(b) for b in request.buttons]})
    return components


def body_variable_count(body: str, parameter_format: str = variables.POSITIONAL) -> int:
    """How many distinct variables the body has ({{1}} or, for NAMED, {{first_name}})."""
    return variables.count(body, parameter_format)


def variable_buttons(buttons: list[dict[str, Any]]) -> list[int]:
    """Positions (0-based, Meta's `index`) of the URL buttons whose url ends in a variable."""
    return [
        index
        for index, button in enumerate(buttons)
        if str(button.get("type") or "").upper() == "URL" and "{{" in str(button.get("url") or "")
    ]


def render(text: str, values: variables.Values) -> str:
    """`text` with {{n}} replaced by values[n-1], or {{name}} by values[name]."""
    return variables.render(text, values)


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

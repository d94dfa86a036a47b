"""Sandbox template management: create, review by the rulebook, list, send checks, uploads."""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import templates_meta
from mumble.sandbox.core import SandboxCore
from mumble.sandbox.http import error, json_body, sandbox_of
from mumble.sandbox.state import Template, UploadSession, new_numeric_id

CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")


def check_components(template: Template) -> list[str]:
    """Broken rules per `templates_meta.check_components`: the same rulebook Mumble checks."""
    try:
        return list(
            templates_meta.check_components(
                name=template.name,
                language=template.language,
                category=template.category,
                components=template.components,
                parameter_format=template.parameter_format,
            )
        )
    except Exception as exc:  # the sandbox must answer even if a rule crashes on odd input
        return [f"rule check failed: {type(exc).__name__}"]


async def create_template(request: Request, waba_id: str) -> Response:
    """POST /{waba-id}/message_templates: stored PENDING; reviewed later."""
    sb = sandbox_of(request)
    body = await json_body(request)
    if body is None:
        return error(100, details="The request body is not valid JSON")
    missing = [k for k in ("name", "language", "category", "components") if not body.get(k)]
    if missing:
        return error(100, details=f"Missing required parameters: {', '.join(missing)}")
    category = str(body["category"]).upper()
    if category not in CATEGORIES or not isinstance(body["components"], list):
        return error(100, details="category or components is not valid")
    name, language = str(body["name"]), str(body["language"])
    if any(t.language == language for t in sb.state.find_template(waba_id, name)):
        return error(
            100,
            subcode=2388024,
            message="Message template already exists",
            details=f"Content in this language already exists for {name}",
        )
    template = Template(
        id=new_numeric_id(),
        waba_id=waba_id,
        name=name,
        language=language,
        category=category,
        components=body["components"],
        parameter_format=str(body.get("parameter_format", "positional")).upper(),
    )
    template.problems = check_components(template)
    sb.state.templates[template.id] = template
    sb.schedule_review(template)
    return JSONResponse({"id": template.id, "status": template.status, "category": category})


def check_send(
    sb: SandboxCore, phone_number_id: str, spec: dict[str, Any]
) -> tuple[Response | None, str]:
    """Meta's template send rules: 132001 missing/unapproved, 132015/132016, 132000, 132012."""
    name = str(spec.get("name", ""))
    code = str((spec.get("language") or {}).get("code", ""))
    waba_id = sb.state.channel(phone_number_id).waba_id
    candidates = sb.state.find_template(waba_id, name)
    template = next((t for t in candidates if t.language == code), None)
    if template is None:
        return error(132001, details=f"template name ({name}) does not exist in {code}"), ""
    if template.status == "PAUSED":
        return error(132015, details=f"Template {name} is paused"), ""
    if template.status == "DISABLED":
        return error(132016, details=f"Template {name} is disabled"), ""
    if template.status != "APPROVED":
        return error(132001, details=f"template name ({name}) is not approved"), ""
    # Meta takes component types in any case ("BODY" from pywa, "body" in its own examples).
    components = [c for c in spec.get("components") or [] if isinstance(c, dict)]
    sent = {str(c.get("type", "")).lower(): c for c in components}
    params = [p for p in (sent.get("body") or {}).get("parameters") or [] if isinstance(p, dict)]
    expected = template.body_variables()
    given = len(params)
    # Named parameters count by name: each of the template's names once, and no other.
    names = {str(p.get("parameter_name")) for p in params}
    named_mismatch = template.parameter_format == "NAMED" and names != set(expected)
    if given != len(expected) or named_mismatch:
        return error(
            132000,
            details=f"body: number of localizable_params ({given}) does "
            f"not match the expected number of params ({len(expected)})",
        ), ""
    header = next((c for c in template.components if str(c.get("type")).upper() == "HEADER"), {})
    fmt = str(header.get("format", "")).upper()
    params = [p for p in (sent.get("header") or {}).get("parameters") or [] if isinstance(p, dict)]
    if fmt in ("IMAGE", "VIDEO", "GIF", "DOCUMENT"):
        got = str((params or [{}])[0].get("type", "")).upper() or "UNKNOWN"
        if got != fmt:
            return error(
                132012, details=f"header: Format mismatch, expected {fmt}, received {got}"
            ), ""
    elif fmt == "TEXT":
        # A header text with its one variable takes one text parameter, and none without.
        wanted = len(templates_meta.variable_names(str(header.get("text", ""))))
        if len(params) != wanted:
            return error(
                132000,
                details=f"header: number of localizable_params ({len(params)}) does "
                f"not match the expected number of params ({wanted})",
            ), ""
    buttons = {
        str(c.get("index")): c for c in components if str(c.get("type", "")).lower() == "button"
    }
    for index, button in enumerate(_template_buttons(template)):
        kind = str(button.get("type", "")).upper()
        # An OTP button (Meta keeps it as a URL one) takes the code as its parameter.
        dynamic = kind == "OTP" or (
            kind == "URL" and templates_meta.variable_names(str(button.get("url", "")))
        )
        if dynamic and not (buttons.get(str(index)) or {}).get("parameters"):
            return error(
                132000,
                details=f"buttons: button at index {index} needs 1 parameter, received 0",
            ), ""
    return None, template.category.lower()


def _template_buttons(template: Template) -> list[dict[str, Any]]:
    for component in template.components:
        if str(component.get("type")).upper() == "BUTTONS":
            return list(component.get("buttons") or [])
    return []


def start_upload(sb: SandboxCore, file_name: str, length: int, file_type: str) -> str:
    session = UploadSession(new_numeric_id(), file_name, length, file_type)
    sb.state.uploads[session.id] = session
    return "upload:" + session.id


async def finish_upload(request: Request, node_id: str) -> Response:
    """POST /upload:{session} with the bytes: answers `{"h": handle}`."""
    sb = sandbox_of(request)
    session = sb.state.uploads.get(node_id.removeprefix("upload:"))
    if not node_id.startswith("upload:") or session is None:
        return error(100, details=f"Upload session {node_id} does not exist")
    data = await request.body()
    offset = request.headers.get("file_offset", "0")
    sb.state.requests[-1]["upload"] = {"size": len(data), "file_offset": offset}
    if offset != "0" or len(data) != session.file_length:
        return error(
            100,
            details=f"Expected {session.file_length} bytes at offset 0, "
            f"got {len(data)} at {offset}",
        )
    handle = "4::" + base64.b64encode(f"{session.file_type}:{session.id}".encode()).decode()
    return JSONResponse({"h": handle})

"""Reading, editing and deleting templates like Meta's Graph API: list with filters and summary,
GET/POST /{template-id}, DELETE by name or by name and hsm_id, unpause.

developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management
"""

from __future__ import annotations

import base64
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import templates_meta
from mumble.sandbox.http import error, json_body, sandbox_of
from mumble.sandbox.state import Template
from mumble.sandbox.templates import check_components

# Only these may be edited at Meta; an approved template's category may not change.
_EDITABLE = frozenset({"APPROVED", "REJECTED", "PAUSED"})


def _listed(query: Any, key: str) -> set[str]:
    """A filter of several values joined by commas, as pywa sends `status=APPROVED,PAUSED`."""
    return {v.strip().upper() for v in str(query.get(key) or "").split(",") if v.strip()}


def _body_text(template: Template) -> str:
    return " ".join(str(c.get("text", "")) for c in template.components).lower()


def _matches(template: Template, query: Any) -> bool:
    for key in ("status", "category", "language", "quality_score"):
        wanted = _listed(query, key)
        value = "UNKNOWN" if key == "quality_score" else str(getattr(template, key))
        if wanted and value.upper() not in wanted:
            return False
    name, content = str(query.get("name") or ""), str(query.get("content") or "")
    either = str(query.get("name_or_content") or "").lower()
    if name and name.lower() not in template.name.lower():  # Meta matches part of a name
        return False
    if content and content.lower() not in _body_text(template):
        return False
    return not either or either in template.name.lower() or either in _body_text(template)


def list_templates(request: Request, waba_id: str) -> Response:
    """GET /{waba-id}/message_templates, filtered, paged with cursors, with `summary`."""
    query = request.query_params
    sb = sandbox_of(request)
    own = [t for t in sb.state.templates.values() if t.waba_id == waba_id]
    items = [t for t in own if _matches(t, query)]
    try:
        limit = max(1, min(int(query.get("limit", "25")), 1000))
    except ValueError:
        limit = 25
    after = query.get("after")
    start = _cursor(after) + 1 if after else 0
    page = items[start : start + limit]
    body: dict[str, Any] = {"data": [t.view() for t in page]}
    if page:
        end = start + len(page) - 1
        body["paging"] = {"cursors": {"before": _encode(start), "after": _encode(end)}}
        if end + 1 < len(items):
            body["paging"]["next"] = str(request.url.include_query_params(after=_encode(end)))
    if query.get("summary"):
        body["summary"] = {
            "total_count": len(items),
            "message_template_count": len(own),
            "message_template_limit": templates_meta.load().limits["templates_per_waba_unverified"],
            "are_translations_complete": True,
        }
    return JSONResponse(body)


def _encode(index: int) -> str:
    return base64.urlsafe_b64encode(f"idx:{index}".encode()).decode().rstrip("=")


def _cursor(raw: str) -> int:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        return int(base64.urlsafe_b64decode(padded).decode().removeprefix("idx:"))
    except (ValueError, TypeError):
        return -1


def sb_now(request: Request) -> int:
    return sandbox_of(request).now_ts()


def get_template(request: Request, template: Template) -> Response:
    """GET /{template-id}[?fields=a,b]: the template, or only the fields asked for (and id)."""
    view = template.view() | {"quality_score": {"score": "UNKNOWN", "date": sb_now(request)}}
    fields = [f for f in str(request.query_params.get("fields") or "").split(",") if f]
    if fields:
        view = {k: v for k, v in view.items() if k in fields or k == "id"}
    return JSONResponse(view)


async def edit_template(request: Request, template: Template) -> Response:
    """POST /{template-id} with components and/or category: replaced wholesale, then reviewed."""
    sb = sandbox_of(request)
    body = await json_body(request)
    if body is None:
        return error(100, details="The request body is not valid JSON")
    if template.status not in _EDITABLE:
        return error(100, details=f"A template in status {template.status} cannot be edited")
    category = str(body.get("category") or template.category).upper()
    if template.status == "APPROVED" and category != template.category:
        return error(100, details="The category of an approved template cannot be edited")
    if template.status == "APPROVED":
        refused = _edit_limit(template, sb.now_ts())
        if refused:
            return error(100, details=refused)
        template.approved_edits.append(sb.now_ts())
    if "components" in body and not isinstance(body["components"], list):
        return error(100, details="components must be a list")
    template.category = category
    template.components = list(body.get("components") or template.components)
    template.problems = check_components(template)
    template.status = "PENDING"
    sb.schedule_review(template)
    return JSONResponse(
        {"success": True, "id": template.id, "name": template.name, "category": category}
    )


def _edit_limit(template: Template, now: int) -> str | None:
    """Meta lets an approved template be edited once in 24 hours and 10 times in 30 days."""
    limits = templates_meta.load().limits
    day = sum(1 for t in template.approved_edits if now - t < 86400)
    month = sum(1 for t in template.approved_edits if now - t < 30 * 86400)
    if day >= limits["approved_edits_per_24_hours"]:
        return "An approved template can be edited once in 24 hours"
    if month >= limits["approved_edits_per_30_days"]:
        return "An approved template can be edited 10 times in 30 days"
    return None


def delete_templates(request: Request, waba_id: str) -> Response:
    """DELETE /{waba-id}/message_templates?name=X[&hsm_id=ID]: every language, or that one."""
    sb = sandbox_of(request)
    name = request.query_params.get("name")
    hsm_id = request.query_params.get("hsm_id")
    if not name:
        return error(100, details="Param name is required")
    doomed = [t for t in sb.state.find_template(waba_id, name) if not hsm_id or t.id == hsm_id]
    if not doomed:
        return error(100, subcode=2593002, details=f"Message template {name} not found")
    for template in doomed:
        sb.state.templates.pop(template.id, None)
    return JSONResponse({"success": True})


async def unpause(request: Request, template: Template) -> Response:
    """POST /{template-id}/unpause: a paused template is approved again."""
    if template.status != "PAUSED":
        return JSONResponse({"success": False, "reason": "The template is not paused"})
    await sandbox_of(request).set_template_status(template, "APPROVED")
    return JSONResponse({"success": True})

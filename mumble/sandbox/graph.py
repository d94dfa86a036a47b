"""The Graph API endpoints the adapter uses, answering like Meta (shapes, ids, error codes)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import mumble.sandbox.media as media
import mumble.sandbox.messages as messages
import mumble.sandbox.phone as phone
import mumble.sandbox.template_queries as queries
import mumble.sandbox.templates as tpl
import templates_meta
from mumble.sandbox.http import error, sandbox_of


async def _guard(request: Request, target: str) -> Response | None:
    """Log the call, check the token, then apply any injected fault."""
    sb = sandbox_of(request)
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    sb.state.requests.append(
        {
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
            "authorization": auth,
            "content_type": request.headers.get("content-type", ""),
            "target": target,
        }
    )
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return error(190, details="Missing or malformed access token")
    fault = sb.state.take_fault(target)
    if fault is None:
        return None
    if fault.latency:
        # Meta has the whole request before it answers late: a client that hangs up (or dies)
        # meanwhile has still sent it, and the late answer still happens.
        await request.body()
        await asyncio.sleep(fault.latency)
    if fault.early_statuses is not None:
        # Read by _send once the wamid exists: no refusal, the statuses just come first.
        request.state.early_statuses = list(fault.early_statuses)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
    if fault.error_code is not None:
        return error(
            fault.error_code,
            status=fault.http_status,
            subcode=fault.error_subcode,
            message=fault.error_message,
            headers=headers,
        )
    if fault.http_status is not None:
        text = "Too Many Requests" if fault.http_status == 429 else "Internal Server Error"
        return Response(text, status_code=fault.http_status, headers=headers)
    return None


async def post_edge(request: Request) -> Response:
    """POST /{version}/{node}/{edge}: messages, media, message_templates, uploads, unpause."""
    edge, node_id = request.path_params["edge"], request.path_params["node"]
    if edge == "unpause":
        template = sandbox_of(request).state.templates.get(node_id)
        refusal = await _guard(request, "templates")
        if refusal or template is None:
            return refusal or media.not_found(node_id)
        return await queries.unpause(request, template)
    handler = _POST_EDGES.get(edge)
    if handler is None:
        return error(100, details=f"Unknown path components: /{edge}")
    refusal = await _guard(request, _TARGETS[edge])
    return refusal or await handler(request, node_id)


async def get_edge(request: Request) -> Response:
    """GET /{version}/{waba-id}/message_templates."""
    if request.path_params["edge"] != "message_templates":
        return error(100, details="Unsupported get request")
    refusal = await _guard(request, "templates")
    return refusal or queries.list_templates(request, request.path_params["node"])


async def delete_edge(request: Request) -> Response:
    """DELETE /{version}/{waba-id}/message_templates?name=...[&hsm_id=...]."""
    if request.path_params["edge"] != "message_templates":
        return error(100, details="Unsupported delete request")
    refusal = await _guard(request, "templates")
    return refusal or queries.delete_templates(request, request.path_params["node"])


async def node(request: Request) -> Response:
    """/{version}/{id}: a media id (GET info, DELETE), a template id (GET, POST edit), a phone
    number or WABA id (GET fields), or an upload session (POST the bytes)."""
    sb = sandbox_of(request)
    node_id = request.path_params["node"]
    template = sb.state.templates.get(node_id)
    if template is not None:
        refusal = await _guard(request, "templates")
        if refusal:
            return refusal
        if request.method == "POST":
            return await queries.edit_template(request, template)
        if request.method == "GET":
            return queries.get_template(request, template)
        return error(100, details="Use DELETE /{waba-id}/message_templates to delete a template")
    if request.method == "POST":
        refusal = await _guard(request, "uploads")
        return refusal or await tpl.finish_upload(request, node_id)
    refusal = await _guard(request, "media")
    if refusal:
        return refusal
    if request.method == "DELETE":
        return media.delete(request, node_id)
    return phone.info(request, node_id) or media.info(request, node_id)


async def _start_upload(request: Request, app_id: str) -> Response:
    query = request.query_params
    try:
        length = int(query.get("file_length", ""))
    except ValueError:
        return error(100, details="file_length is required and must be an integer")
    file_type = query.get("file_type", "application/octet-stream")
    if templates_meta.load().media_format(file_type) is None:
        return media.unsupported_type(file_type)
    session = tpl.start_upload(
        sandbox_of(request), query.get("file_name", "file"), length, file_type
    )
    return JSONResponse({"id": session})


_POST_EDGES = {
    "messages": messages.post,
    "media": media.upload,
    "message_templates": tpl.create_template,
    "uploads": _start_upload,
}
_TARGETS = {
    "messages": "messages",
    "media": "media",
    "message_templates": "templates",
    "uploads": "uploads",
}

"""HTTP routes of the templates API: get-templates, create-template and the template sends."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mumble.endpoint import Call, api_route
from mumble.messages.idempotency import run_idempotent
from mumble.templates import sending, service


async def get_templates(call: Call) -> dict[str, Any]:
    return {"success": True, "templates": await service.list_templates(call.principal.account_id)}


async def create_template(call: Call) -> dict[str, Any]:
    state = call.request.app.state
    template = await service.create_template(
        state.graph, state.http, call.settings, call.principal.account_id, call.params
    )
    # The reference's success shape for this endpoint is {"error": false, ...}.
    return {
        "error": False,
        "message": "Template created successfully",
        "data": {"id": str(template.id), "meta_id": template.meta_id, "status": template.status},
    }


async def _send(call: Call, *, with_variables: bool) -> dict[str, Any] | Response:
    async def operation() -> dict[str, Any]:
        sent = await sending.send_template(
            call.request.app.state,
            call.principal.account_id,
            call.params,
            with_variables=with_variables,
        )
        return {"success": True, "message": "Template message sent successfully", **sent}

    return await run_idempotent(call, operation)


async def send_template(call: Call) -> dict[str, Any] | Response:
    return await _send(call, with_variables=False)


async def send_template_text_variable(call: Call) -> dict[str, Any] | Response:
    return await _send(call, with_variables=True)


routes = [
    api_route(
        "/get-templates",
        get_templates,
        methods=["GET"],
        permission="templates:read",
        action="read templates",
    ),
    api_route(
        "/create-template",
        create_template,
        methods=["POST"],
        permission="templates:write",
        action="create templates",
    ),
    api_route(
        "/send-template",
        send_template,
        methods=["POST"],
        permission="templates:send",
        action="send templates",
        messaging=True,
    ),
    api_route(
        "/send-template-text-variable",
        send_template_text_variable,
        methods=["POST"],
        permission="templates:send",
        action="send templates",
        messaging=True,
    ),
]

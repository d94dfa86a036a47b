"""HTTP routes of the labels API."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, api_route
from mumble.labels import service
from mumble.params import required_str

LABEL_NAME_MAX = 100


async def get_labels(call: Call) -> dict[str, Any]:
    return {"success": True, "labels": await service.list_labels(call.principal.account_id)}


async def add_new_label(call: Call) -> dict[str, Any]:
    name = required_str(
        call.params, "label_name", "Label name is required.", max_length=LABEL_NAME_MAX
    )
    await service.create_label(call.principal.account_id, name)
    return {"success": True, "message": f"Label '{name}' created successfully"}


routes = [
    api_route("/get-labels", get_labels, methods=["GET"], permission="labels:read"),
    api_route("/add-new-label", add_new_label, methods=["POST"], permission="labels:write"),
]

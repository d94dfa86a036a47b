"""HTTP routes of the labels API."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, api_route
from mumble.errors import BadRequest
from mumble.labels import service
from mumble.params import required_phone


def _label_name(call: Call) -> str:
    name = service.clean_label_name(call.params.get("label_name"))
    if name is None:
        raise BadRequest("Label name is required.")
    return name


async def get_labels(call: Call) -> dict[str, Any]:
    """GET get-labels: every label of the account."""
    return {"success": True, "labels": await service.list_labels(call.principal.account_id)}


async def add_new_label(call: Call) -> dict[str, Any]:
    """POST add-new-label: 409 "Label already exists" for a taken name."""
    name = _label_name(call)
    await service.create_label(call.principal.account_id, name)
    return {"success": True, "message": f"Label '{name}' created successfully"}


async def delete_label(call: Call) -> dict[str, Any]:
    """DELETE delete-label: removes the label and its customer links."""
    name = _label_name(call)
    await service.delete_label(call.principal.account_id, name)
    return {"success": True, "message": f"Label '{name}' deleted successfully"}


async def add_customer_to_label(call: Call) -> dict[str, Any]:
    """POST add-customer-to-label: idempotent, one link per customer and label."""
    phone = required_phone(call.params)
    name = _label_name(call)
    await service.add_customer_to_label(call.principal.account_id, phone, name)
    return {"success": True, "message": "added successfully"}


async def remove_customer_from_label(call: Call) -> dict[str, Any]:
    """DELETE remove-customer-from-label: 400 when the customer was not tagged."""
    phone = required_phone(call.params)
    name = _label_name(call)
    await service.remove_customer_from_label(call.principal.account_id, phone, name)
    return {"success": True, "message": "removed successfully"}


routes = [
    api_route("/get-labels", get_labels, methods=["GET"], permission="labels:read"),
    api_route("/add-new-label", add_new_label, methods=["POST"], permission="labels:write"),
    api_route("/delete-label", delete_label, methods=["DELETE"], permission="labels:write"),
    api_route(
        "/add-customer-to-label",
        add_customer_to_label,
        methods=["POST"],
        permission="labels:write",
    ),
    api_route(
        "/remove-customer-from-label",
        remove_customer_from_label,
        methods=["DELETE"],
        permission="labels:write",
    ),
]

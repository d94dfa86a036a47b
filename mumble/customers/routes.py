"""HTTP routes of the customers API."""

from __future__ import annotations

from typing import Any

from mumble.customers import assignment, service
from mumble.customers.input import parse_customer_input
from mumble.endpoint import Call, api_route
from mumble.errors import BadRequest
from mumble.params import page_number, required_phone


def _required_id(params: dict[str, Any], name: str, missing: str) -> object:
    """The raw id; any format is passed on (an id naming no row is a 404, not a 400)."""
    raw = params.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise BadRequest(missing)
    return raw


async def add_new_customer(call: Call) -> dict[str, Any]:
    """POST add-new-customer: create a customer (409 when the phone exists)."""
    data = parse_customer_input(call.params, service.ADD_FAILED)
    await service.add_customer(call.principal.account_id, data)
    return {"success": True, "message": "added successfully"}


async def edit_customer(call: Call) -> dict[str, Any]:
    """POST edit-customer: update the sent fields, report the custom fields processed."""
    data = parse_customer_input(call.params, service.EDIT_FAILED)
    processed = await service.edit_customer(call.principal.account_id, data)
    return {
        "success": True,
        "message": "Customer updated successfully",
        "custom_fields_processed": processed,
    }


async def delete_customer(call: Call) -> dict[str, Any]:
    """DELETE delete-customer: remove the customer with its label links and messages."""
    await service.delete_customer(call.principal.account_id, required_phone(call.params))
    return {"success": True, "message": "Customer deleted successfully"}


async def get_customer(call: Call) -> dict[str, Any]:
    """GET get-customer: the customer object."""
    customer = await service.find_customer(call.principal.account_id, required_phone(call.params))
    return {"success": True, "customer": await service.customer_view(customer)}


async def get_all_customers(call: Call) -> dict[str, Any]:
    """GET get-all-customers: one page of 250."""
    page = page_number(call.params)
    return {"success": True, **await service.list_customers(call.principal.account_id, page)}


async def edit_customer_conv_status(call: Call) -> dict[str, Any]:
    """POST edit-customer-conv-status: one of the 18 canonical keys."""
    phone = required_phone(call.params)
    await service.set_conversation_status(
        call.principal.account_id, phone, call.params.get("status")
    )
    return {"success": True, "message": "Customer conversation status updated successfully"}


async def assign_customer_to_agent(call: Call) -> dict[str, Any]:
    """POST assign-customer-to-agent: an agent of the same account."""
    phone = required_phone(call.params)
    agent_id = _required_id(call.params, "agent_id", "Agent ID is required.")
    await assignment.assign_agent(call.principal.account_id, phone, agent_id)
    return {"success": True, "message": "Customer assigned to agent successfully"}


async def assign_customer_to_team(call: Call) -> dict[str, Any]:
    """POST assign-customer-to-team: a team of the same account."""
    phone = required_phone(call.params)
    team_id = _required_id(call.params, "team_id", "Team ID is required.")
    await assignment.assign_team(call.principal.account_id, phone, team_id)
    return {"success": True, "message": "Customer assigned to team successfully"}


routes = [
    api_route(
        "/add-new-customer",
        add_new_customer,
        methods=["POST"],
        permission="customers:write",
        action="add customers",
    ),
    api_route(
        "/edit-customer",
        edit_customer,
        methods=["POST"],
        permission="customers:write",
        action="edit customers",
    ),
    api_route(
        "/delete-customer",
        delete_customer,
        methods=["DELETE"],
        permission="customers:write",
        action="delete customers",
    ),
    api_route(
        "/get-customer",
        get_customer,
        methods=["GET"],
        permission="customers:read",
        action="read customers",
    ),
    api_route(
        "/get-all-customers",
        get_all_customers,
        methods=["GET"],
        permission="customers:read",
        action="read customers",
    ),
    api_route(
        "/edit-customer-conv-status",
        edit_customer_conv_status,
        methods=["POST"],
        permission="customers:write",
        action="edit customer conversation status",
    ),
    api_route(
        "/assign-customer-to-agent",
        assign_customer_to_agent,
        methods=["POST"],
        permission="customers:assign",
        action="assign customers to agents",
    ),
    api_route(
        "/assign-customer-to-team",
        assign_customer_to_team,
        methods=["POST"],
        permission="customers:assign",
        action="assign customers to teams",
    ),
]

"""The customers API: each endpoint's declaration, then its handler."""

from __future__ import annotations

from typing import Any

from mumble.customers import assignment, fields, service
from mumble.customers.cached import customer_view_of
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.custom_fields import TOO_MANY
from mumble.customers.input import parse_customer_input
from mumble.customers.recipient import Recipient
from mumble.customers.schemas import BODY_FIELDS, CUSTOM_VALUE, CUSTOMER, WARNINGS, with_warnings
from mumble.endpoint import Call, Endpoint, api_route
from mumble.messages.params import either, recipient_of, user_id_of
from mumble.openapi.schema import array, integer, link, message_only, string, success
from mumble.params import page, phone, raw_id, required_text, value

TAG = "Customers"
# Each endpoint below names the customer by phone or by business-scoped user id.
PHONE, USER_ID = either(phone())
NAMED_BY = (PHONE, USER_ID)
NAMED_BY_DOC = "Give `customer_phone`, or `customer_user_id` for a user known by a BSUID."
PAGE = page()
STATUS = value("status", string(enum=list(fields.CONVERSATION_STATUSES)), required=True)
AGENT_ID = raw_id("agent_id", "Agent ID is required.", description="From get-agents.")
TEAM_ID = raw_id("team_id", "Team ID is required.", description="From get-teams.")
# The body of add-new-customer / edit-customer, read whole by `parse_customer_input`.
_BODY = tuple(
    phone() if name == "customer_phone" else value(name, schema)
    for name, schema in BODY_FIELDS.items()
)
# edit-customer names the customer by phone or by business-scoped user id.
_EDIT_BODY = (*either(_BODY[0]), *_BODY[1:])
_SENT_PHONE = "$request.body#/customer_phone"
_CUSTOMER_LINKS = {
    "GetCustomer": link("get-customer", query={"customer_phone": _SENT_PHONE}),
    "EditCustomer": link("edit-customer", customer_phone=_SENT_PHONE),
    "IsActiveConv": link("is-active-conv", query={"customer_phone": _SENT_PHONE}),
    "GetConversation": link("get-conversation", query={"customer_phone": _SENT_PHONE}),
    "DeleteCustomer": link("delete-customer", query={"customer_phone": _SENT_PHONE}),
}

ADD = Endpoint(
    "POST",
    "/add-new-customer",
    "customers:write",
    "Create a new customer.",
    TAG,
    success(
        {"message": string(examples=["added successfully"]), "warnings": WARNINGS},
        ("message",),
    ),
    params=_BODY,
    errors=(service.ADD_FAILED, service.BOT_NOT_FOUND, service.CUSTOMER_EXISTS, TOO_MANY),
    action="add customers",
    description="Marketing attribution fields can be attached at creation; other keys become "
    "custom fields.",
    extra_body=CUSTOM_VALUE,
    links=_CUSTOMER_LINKS,
)


async def add_new_customer(call: Call) -> dict[str, Any]:
    data = parse_customer_input(call.params, service.ADD_FAILED)
    warnings = await service.add_customer(call.account_id, data, call.now())
    return {"success": True, "message": "added successfully", **with_warnings(warnings)}


EDIT = Endpoint(
    "POST",
    "/edit-customer",
    "customers:write",
    "Update an existing customer.",
    TAG,
    success(
        {
            "message": string(examples=["Customer updated successfully"]),
            "custom_fields_processed": array(string()),
            "warnings": WARNINGS,
        },
        ("message", "custom_fields_processed"),
    ),
    params=_EDIT_BODY,
    errors=(service.EDIT_FAILED, TOO_MANY, CUSTOMER_NOT_FOUND, service.BOT_NOT_FOUND),
    action="edit customers",
    description="Give `customer_phone`, or `customer_user_id` for a user known by a BSUID. "
    "Fields not sent are unchanged; extra keys become custom fields (max "
    f"{fields.MAX_CUSTOM_FIELDS} per account).",
    extra_body=CUSTOM_VALUE,
)


async def edit_customer(call: Call) -> dict[str, Any]:
    user_id = user_id_of(call)
    # customer_user_id names the customer: it is never a custom field.
    body = {key: raw for key, raw in call.params.items() if key != USER_ID.name}
    data = parse_customer_input(body, service.EDIT_FAILED, by_user_id=user_id is not None)
    who = Recipient(user_id=user_id) if user_id is not None else Recipient(phone=data.phone)
    processed, warnings = await service.edit_customer(call.account_id, who, data, call.now())
    return {
        "success": True,
        "message": "Customer updated successfully",
        "custom_fields_processed": processed,
        **with_warnings(warnings),
    }


DELETE = Endpoint(
    "DELETE",
    "/delete-customer",
    "customers:write",
    "Permanently delete a customer.",
    TAG,
    message_only("Customer deleted successfully"),
    params=NAMED_BY,
    errors=(CUSTOMER_NOT_FOUND,),
    action="delete customers",
    description=NAMED_BY_DOC,
)


async def delete_customer(call: Call) -> dict[str, Any]:
    await service.delete_customer(call.account_id, recipient_of(call, PHONE), call.now())
    return {"success": True, "message": "Customer deleted successfully"}


GET = Endpoint(
    "GET",
    "/get-customer",
    "customers:read",
    "Get a single customer record including custom fields.",
    TAG,
    success({"customer": CUSTOMER}, ("customer",)),
    params=NAMED_BY,
    errors=(CUSTOMER_NOT_FOUND,),
    action="read customers",
    description=NAMED_BY_DOC,
)


async def get_customer(call: Call) -> dict[str, Any]:
    who = recipient_of(call, PHONE)
    view = await customer_view_of(call.services.customers, call.account_id, who)
    return {"success": True, "customer": view}


GET_ALL = Endpoint(
    "GET",
    "/get-all-customers",
    "customers:read",
    f"Paginated list of all customers ({service.PER_PAGE} per page).",
    TAG,
    success(
        {
            "customers": array(CUSTOMER),
            "total": integer(minimum=0),
            "pages": integer(minimum=0),
            "current_page": integer(minimum=1),
            "per_page": integer(const=service.PER_PAGE),
            "total_pages": integer(minimum=0),
        },
        ("customers", "total", "pages", "current_page", "per_page", "total_pages"),
    ),
    params=(PAGE,),
    action="read customers",
)


async def get_all_customers(call: Call) -> dict[str, Any]:
    return {"success": True, **await service.list_customers(call.account_id, call.arg(PAGE))}


SET_STATUS = Endpoint(
    "POST",
    "/edit-customer-conv-status",
    "customers:write",
    "Update a customer's conversation status.",
    TAG,
    message_only("Customer conversation status updated successfully"),
    params=(*NAMED_BY, STATUS),
    errors=(service.INVALID_STATUS, CUSTOMER_NOT_FOUND),
    action="edit customer conversation status",
    description=NAMED_BY_DOC,
)


async def edit_customer_conv_status(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    await service.set_conversation_status(call.account_id, to, call.arg(STATUS), call.now())
    return {"success": True, "message": "Customer conversation status updated successfully"}


ASSIGN_AGENT = Endpoint(
    "POST",
    "/assign-customer-to-agent",
    "customers:assign",
    "Route a customer's conversations to a specific agent.",
    TAG,
    message_only("Customer assigned to agent successfully"),
    params=(*NAMED_BY, AGENT_ID),
    errors=(CUSTOMER_NOT_FOUND, assignment.AGENT_NOT_FOUND),
    action="assign customers to agents",
    description=NAMED_BY_DOC,
)


async def assign_customer_to_agent(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    await assignment.assign_agent(call.account_id, to, call.arg(AGENT_ID), call.now())
    return {"success": True, "message": "Customer assigned to agent successfully"}


ASSIGN_TEAM = Endpoint(
    "POST",
    "/assign-customer-to-team",
    "customers:assign",
    "Route a customer's conversations to a team.",
    TAG,
    message_only("Customer assigned to team successfully"),
    params=(*NAMED_BY, TEAM_ID),
    errors=(CUSTOMER_NOT_FOUND, assignment.TEAM_NOT_FOUND),
    action="assign customers to teams",
    description=NAMED_BY_DOC,
)


async def assign_customer_to_team(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    await assignment.assign_team(call.account_id, to, call.arg(TEAM_ID), call.now())
    return {"success": True, "message": "Customer assigned to team successfully"}


UNASSIGN_FROM = required_text(
    "from",
    assignment.BAD_FROM.message,
    max_length=10,
    description="What to take the customer off: `agent`, `team` or `all` (both).",
    enum=list(assignment.UNASSIGN_FROM),
)

UNASSIGN = Endpoint(
    "POST",
    "/unassign-customer",
    "customers:assign",
    "Take a customer off its agent, its team, or both.",
    TAG,
    success(
        {
            "message": string(examples=["Customer unassigned successfully"]),
            "unassigned": array(
                string(enum=["agent", "team"]), "What was removed (empty when nothing was)."
            ),
        },
        ("message", "unassigned"),
    ),
    params=(*NAMED_BY, UNASSIGN_FROM),
    errors=(CUSTOMER_NOT_FOUND, assignment.BAD_FROM),
    action="unassign customers",
    description=f"{NAMED_BY_DOC} Records customer.assigned with `agent` / `team` null and "
    "`previous_agent` / `previous_team` the one removed; nothing assigned is no change and no "
    "event.",
)


async def unassign_customer(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    removed = await assignment.unassign(call.account_id, to, call.arg(UNASSIGN_FROM), call.now())
    return {"success": True, "message": "Customer unassigned successfully", "unassigned": removed}


routes = [
    api_route(ADD, add_new_customer),
    api_route(EDIT, edit_customer),
    api_route(DELETE, delete_customer),
    api_route(GET, get_customer),
    api_route(GET_ALL, get_all_customers),
    api_route(SET_STATUS, edit_customer_conv_status),
    api_route(ASSIGN_AGENT, assign_customer_to_agent),
    api_route(ASSIGN_TEAM, assign_customer_to_team),
    api_route(UNASSIGN, unassign_customer),
]

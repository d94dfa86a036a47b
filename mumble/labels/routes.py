"""The labels API: each endpoint's declaration, then its handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import BadRequest
from mumble.labels import service
from mumble.messages.params import either, recipient_of
from mumble.openapi.schema import array, link, message_only, obj, string, success
from mumble.params import Param, phone
from mumble.search import params as search_params
from mumble.search import service as search
from mumble.search.filters import INVALID_CURSOR, Filters

TAG = "Labels"
# The customer is named by phone or by business-scoped user id.
PHONE, USER_ID = either(phone())
_NAME_REQUIRED = "Label name is required."


def _read_label_name(params: Mapping[str, Any]) -> str:
    name = service.clean_label_name(params.get("label_name"))
    if name is None:
        raise BadRequest(_NAME_REQUIRED)
    return name


LABEL_NAME = Param(
    "label_name",
    string("The label's name.", maxLength=service.LABEL_NAME_MAX, examples=["VIP customers"]),
    _read_label_name,
    required=True,
    messages=(_NAME_REQUIRED,),
)

GET_LABELS = Endpoint(
    "GET",
    "/get-labels",
    "labels:read",
    "List all labels in your account.",
    TAG,
    success({"labels": array(obj({"id": string(), "name": string()}, ("id", "name")))}),
)


async def get_labels(call: Call) -> dict[str, Any]:
    return {"success": True, "labels": await service.list_labels(call.account_id)}


ADD_LABEL = Endpoint(
    "POST",
    "/add-new-label",
    "labels:write",
    "Create a new label (list) in your account.",
    TAG,
    message_only("Label 'VIP customers' created successfully"),
    params=(LABEL_NAME,),
    errors=(service.LABEL_EXISTS,),
    links={
        "DeleteLabel": link("delete-label", query={"label_name": "$request.body#/label_name"}),
        "AddCustomerToLabel": link("add-customer-to-label", label_name="$request.body#/label_name"),
    },
)


async def add_new_label(call: Call) -> dict[str, Any]:
    name = call.arg(LABEL_NAME)
    await service.create_label(call.account_id, name)
    return {"success": True, "message": f"Label '{name}' created successfully"}


DELETE_LABEL = Endpoint(
    "DELETE",
    "/delete-label",
    "labels:write",
    "Delete a label.",
    TAG,
    message_only("Label 'VIP customers' deleted successfully"),
    params=(LABEL_NAME,),
    errors=(service.LABEL_NOT_FOUND,),
)


async def delete_label(call: Call) -> dict[str, Any]:
    name = call.arg(LABEL_NAME)
    await service.delete_label(call.account_id, name, call.now())
    return {"success": True, "message": f"Label '{name}' deleted successfully"}


ADD_TO_LABEL = Endpoint(
    "POST",
    "/add-customer-to-label",
    "labels:write",
    "Tag a customer with a label.",
    TAG,
    message_only("added successfully"),
    params=(PHONE, USER_ID, LABEL_NAME),
    errors=(CUSTOMER_NOT_FOUND, service.LABEL_NOT_FOUND),
)


async def add_customer_to_label(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    await service.add_customer_to_label(call.account_id, to, call.arg(LABEL_NAME), call.now())
    return {"success": True, "message": "added successfully"}


REMOVE_FROM_LABEL = Endpoint(
    "DELETE",
    "/remove-customer-from-label",
    "labels:write",
    "Remove a label from a customer.",
    TAG,
    message_only("removed successfully"),
    params=(PHONE, USER_ID, LABEL_NAME),
    errors=(CUSTOMER_NOT_FOUND, service.LABEL_NOT_FOUND, service.NOT_IN_LABEL),
)


async def remove_customer_from_label(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    await service.remove_customer_from_label(call.account_id, to, call.arg(LABEL_NAME), call.now())
    return {"success": True, "message": "removed successfully"}


GET_LABEL_CUSTOMERS = Endpoint(
    "GET",
    "/get-label-customers",
    "customers:read",
    "List a label's customers, a page at a time.",
    TAG,
    search_params.PAGE,
    params=(LABEL_NAME, search_params.CURSOR, search_params.LIMIT),
    errors=(service.LABEL_NOT_FOUND, INVALID_CURSOR),
    action="read customers",
    description="Oldest member first; follow `next_cursor` until it is null (as search-customers "
    "with `labels`).",
)


async def get_label_customers(call: Call) -> dict[str, Any]:
    members = Filters(labels=(call.arg(LABEL_NAME),))
    cursor, limit = call.arg(search_params.CURSOR), call.arg(search_params.LIMIT)
    page = await search.search(call.account_id, members, cursor=cursor, limit=limit)
    return {"success": True, **page}


routes = [
    api_route(GET_LABELS, get_labels),
    api_route(ADD_LABEL, add_new_label),
    api_route(DELETE_LABEL, delete_label),
    api_route(ADD_TO_LABEL, add_customer_to_label),
    api_route(REMOVE_FROM_LABEL, remove_customer_from_label),
    api_route(GET_LABEL_CUSTOMERS, get_label_customers),
]

"""get-custom-fields and delete-custom-field: the account's custom field slots."""

from __future__ import annotations

from typing import Any

from mumble.customers import custom_fields
from mumble.customers.fields import CUSTOM_FIELD_NAME_MAX, MAX_CUSTOM_FIELDS
from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import array, integer, obj, string, success
from mumble.params import required_text

TAG = "Customers"
NAME = required_text(
    "name",
    "Custom field name is required.",
    max_length=CUSTOM_FIELD_NAME_MAX,
    description="The custom field's name, as get-custom-fields lists it.",
)

GET_FIELDS = Endpoint(
    "GET",
    "/get-custom-fields",
    "customers:read",
    f"List the account's custom field names (at most {MAX_CUSTOM_FIELDS}).",
    TAG,
    success(
        {
            "custom_fields": array(
                obj(
                    {
                        "name": string(examples=["tier"]),
                        "customers": integer("How many customers hold a value.", minimum=0),
                    },
                    ("name", "customers"),
                ),
                "Oldest first.",
            ),
            "max": integer(const=MAX_CUSTOM_FIELDS),
        },
        ("custom_fields", "max"),
    ),
    action="read customers",
    description="Each name with how many customers hold a value for it; a name keeps its "
    "slot until delete-custom-field.",
)


async def get_custom_fields(call: Call) -> dict[str, Any]:
    found = await custom_fields.list_custom_fields(call.account_id)
    return {"success": True, "custom_fields": found, "max": MAX_CUSTOM_FIELDS}


DELETE_FIELD = Endpoint(
    "DELETE",
    "/delete-custom-field",
    "customers:write",
    "Delete a custom field and every customer's value for it.",
    TAG,
    success(
        {
            "message": string(examples=["Custom field 'tier' deleted successfully"]),
            "customers_updated": integer("Customers whose value was removed.", minimum=0),
        },
        ("message", "customers_updated"),
    ),
    params=(NAME,),
    errors=(custom_fields.FIELD_NOT_FOUND,),
    action="modify customers",
    description="Frees the name's slot. Each customer that held a value gets a new "
    "`updated_at` and a customer.updated event.",
)


async def delete_custom_field(call: Call) -> dict[str, Any]:
    name = call.arg(NAME)
    changed = await custom_fields.delete_custom_field(call.account_id, name, call.now())
    return {
        "success": True,
        "message": f"Custom field '{name}' deleted successfully",
        "customers_updated": changed,
    }


routes = [api_route(GET_FIELDS, get_custom_fields), api_route(DELETE_FIELD, delete_custom_field)]

"""OpenAPI descriptions of the customers and labels endpoints."""

from __future__ import annotations

from mumble.customers import fields
from mumble.openapi.spec import (
    PAGE,
    PHONE,
    Op,
    Schema,
    array,
    integer,
    link,
    message_only,
    nullable,
    obj,
    string,
    success,
)

_REF = obj({"id": string(), "name": nullable(string())}, ("id", "name"))

CUSTOMER = obj(
    {
        "id": string(format="uuid"),
        "name": nullable(string()),
        "phone": nullable(string(examples=["972501234567"])),
        "email": nullable(string()),
        "country": nullable(string("ISO 3166 region of the phone number.")),
        "conversation_status": string(enum=list(fields.CONVERSATION_STATUSES)),
        "last_interaction": nullable(string("UTC, `YYYY-MM-DDTHH:MM:SS`.")),
        "source": nullable(string()),
        "agent": nullable(_REF),
        "team": nullable(_REF),
        "bot": nullable(
            obj(
                {
                    "type": string(enum=["flow", "AI", "turn_off"]),
                    "id": nullable(string()),
                    "name": nullable(string()),
                },
                ("type",),
            )
        ),
        "labels": array(string()),
        "attribution": obj({}, description="Marketing attribution fields that were sent."),
        "custom_fields": obj({}, description="Custom fields (at most 15 names per account)."),
        "created_at": nullable(string()),
    },
    ("id", "phone", "conversation_status"),
)

_CUSTOM_VALUE = {
    "description": "Any other key is a custom field: a string, number, boolean or null.",
    "type": ["string", "number", "boolean", "null"],
}
_CUSTOMER_FIELDS: dict[str, Schema] = {
    "customer_phone": PHONE,
    "name": nullable(string(maxLength=fields.NAME_MAX)),
    "email": nullable(string(maxLength=fields.EMAIL_MAX)),
    "source": nullable(string(maxLength=fields.SOURCE_MAX)),
    "bot_token": nullable(string("A bot id, `AI` or `turn_off`.", maxLength=fields.BOT_TOKEN_MAX)),
    **{name: nullable(string("Marketing attribution.")) for name in fields.ATTRIBUTION_FIELDS},
}
_PHONE_REQUIRED = "Phone number is required."
_NOT_FOUND = "Customer not found"
_SENT_PHONE = "$request.body#/customer_phone"
_CUSTOMER_LINKS = {
    "GetCustomer": link("get-customer", query={"customer_phone": _SENT_PHONE}),
    "EditCustomer": link("edit-customer", customer_phone=_SENT_PHONE),
    "IsActiveConv": link("is-active-conv", query={"customer_phone": _SENT_PHONE}),
    "GetConversation": link("get-conversation", query={"customer_phone": _SENT_PHONE}),
    "DeleteCustomer": link("delete-customer", query={"customer_phone": _SENT_PHONE}),
}
_LABEL = string("The label's name.", maxLength=100, examples=["VIP customers"])

OPS: dict[str, Op] = {
    "/add-new-customer": Op(
        "Create a new customer.",
        "Customers",
        message_only("added successfully"),
        _CUSTOMER_FIELDS,
        ("customer_phone",),
        {
            400: (_PHONE_REQUIRED, "Failed to add customer due to invalid input"),
            404: ("Bot not found.",),
            409: ("Customer already exists",),
        },
        "Marketing attribution fields can be attached at creation; other keys become custom "
        "fields.",
        extra_body=_CUSTOM_VALUE,
        links=_CUSTOMER_LINKS,
    ),
    "/edit-customer": Op(
        "Update an existing customer.",
        "Customers",
        success(
            {
                "message": string(examples=["Customer updated successfully"]),
                "custom_fields_processed": array(string()),
            },
            ("message", "custom_fields_processed"),
        ),
        _CUSTOMER_FIELDS,
        ("customer_phone",),
        {
            400: (
                _PHONE_REQUIRED,
                "Failed to update customer due to invalid input",
                "Cannot add more than 15 custom fields per account",
            ),
            404: (_NOT_FOUND, "Bot not found."),
        },
        "Fields not sent are unchanged; extra keys become custom fields (max 15 per account).",
        extra_body=_CUSTOM_VALUE,
    ),
    "/delete-customer": Op(
        "Permanently delete a customer.",
        "Customers",
        message_only("Customer deleted successfully"),
        {"customer_phone": PHONE},
        ("customer_phone",),
        {400: (_PHONE_REQUIRED,), 404: (_NOT_FOUND,)},
    ),
    "/get-customer": Op(
        "Get a single customer record including custom fields.",
        "Customers",
        success({"customer": CUSTOMER}, ("customer",)),
        {"customer_phone": PHONE},
        ("customer_phone",),
        {400: (_PHONE_REQUIRED,), 404: (_NOT_FOUND,)},
    ),
    "/get-all-customers": Op(
        "Paginated list of all customers (250 per page).",
        "Customers",
        success(
            {
                "customers": array(CUSTOMER),
                "total": integer(minimum=0),
                "pages": integer(minimum=0),
                "current_page": integer(minimum=1),
                "per_page": integer(const=250),
                "total_pages": integer(minimum=0),
            },
            ("customers", "total", "pages", "current_page", "per_page", "total_pages"),
        ),
        {"page": PAGE},
    ),
    "/edit-customer-conv-status": Op(
        "Update a customer's conversation status.",
        "Customers",
        message_only("Customer conversation status updated successfully"),
        {
            "customer_phone": PHONE,
            "status": string(enum=list(fields.CONVERSATION_STATUSES)),
        },
        ("customer_phone", "status"),
        {400: (_PHONE_REQUIRED, "Invalid conversation status."), 404: (_NOT_FOUND,)},
    ),
    "/assign-customer-to-agent": Op(
        "Route a customer's conversations to a specific agent.",
        "Customers",
        message_only("Customer assigned to agent successfully"),
        {"customer_phone": PHONE, "agent_id": string("From get-agents.")},
        ("customer_phone", "agent_id"),
        {400: (_PHONE_REQUIRED, "Agent ID is required."), 404: (_NOT_FOUND, "Agent not found")},
    ),
    "/assign-customer-to-team": Op(
        "Route a customer's conversations to a team.",
        "Customers",
        message_only("Customer assigned to team successfully"),
        {"customer_phone": PHONE, "team_id": string("From get-teams.")},
        ("customer_phone", "team_id"),
        {400: (_PHONE_REQUIRED, "Team ID is required."), 404: (_NOT_FOUND, "Team not found")},
    ),
    "/get-labels": Op(
        "List all labels in your account.",
        "Labels",
        success({"labels": array(obj({"id": string(), "name": string()}, ("id", "name")))}),
    ),
    "/add-new-label": Op(
        "Create a new label (list) in your account.",
        "Labels",
        message_only("Label 'VIP customers' created successfully"),
        {"label_name": _LABEL},
        ("label_name",),
        {400: ("Label name is required.",), 409: ("Label already exists",)},
        links={
            "DeleteLabel": link("delete-label", query={"label_name": "$request.body#/label_name"}),
            "AddCustomerToLabel": link(
                "add-customer-to-label", label_name="$request.body#/label_name"
            ),
        },
    ),
    "/delete-label": Op(
        "Delete a label.",
        "Labels",
        message_only("Label 'VIP customers' deleted successfully"),
        {"label_name": _LABEL},
        ("label_name",),
        {400: ("Label name is required.",), 404: ("Label not found",)},
    ),
    "/add-customer-to-label": Op(
        "Tag a customer with a label.",
        "Labels",
        message_only("added successfully"),
        {"customer_phone": PHONE, "label_name": _LABEL},
        ("customer_phone", "label_name"),
        {
            400: (_PHONE_REQUIRED, "Label name is required."),
            404: (_NOT_FOUND, "Label not found"),
        },
    ),
    "/remove-customer-from-label": Op(
        "Remove a label from a customer.",
        "Labels",
        message_only("removed successfully"),
        {"customer_phone": PHONE, "label_name": _LABEL},
        ("customer_phone", "label_name"),
        {
            400: (_PHONE_REQUIRED, "Label name is required.", "Customer is not in the label"),
            404: (_NOT_FOUND, "Label not found"),
        },
    ),
}

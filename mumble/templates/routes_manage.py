"""Managing templates at Meta through the API: delete-template and edit-template."""

from __future__ import annotations

from typing import Any

from mumble.channels.errors import META_REFUSALS
from mumble.channels.lookup import NO_CHANNEL, NO_WABA
from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import array, string, success
from mumble.params import flag
from mumble.templates import flows, manage, service
from mumble.templates.fields import CREATE_FIELDS, TEMPLATE_ID
from mumble.templates.schemas import TEMPLATE

TAG = "Templates"
ALL_LANGUAGES = flag(
    "all_languages",
    description="Delete every language of the template's name (Meta deletes by name).",
)

DELETE = Endpoint(
    "DELETE",
    "/delete-template",
    "templates:write",
    "Delete a template at WhatsApp, then here.",
    TAG,
    success(
        {"message": string(examples=["Template deleted"]), "deleted": array(string())},
        ("message", "deleted"),
    ),
    params=(TEMPLATE_ID, ALL_LANGUAGES),
    errors=(service.TEMPLATE_NOT_FOUND, manage.IN_USE, NO_CHANNEL, NO_WABA, *META_REFUSALS),
    action="delete templates",
    description="Meta deletes by name and hsm_id: this language only, or with all_languages "
    "every language of the name. A deleted approved name cannot be reused at Meta for 30 days.",
)


async def delete_template(call: Call) -> dict[str, Any]:
    gone = await manage.delete_template(
        call.services.graph,
        call.account_id,
        call.arg(TEMPLATE_ID),
        all_languages=bool(call.arg(ALL_LANGUAGES)),
        now=call.now(),
    )
    return {"success": True, "message": "Template deleted", "deleted": [str(t.id) for t in gone]}


EDIT = Endpoint(
    "POST",
    "/edit-template",
    "templates:write",
    "Replace an approved, rejected or paused template's content at WhatsApp.",
    TAG,
    success(
        {"message": string(examples=["Template updated"]), "template": TEMPLATE},
        ("message", "template"),
    ),
    params=(TEMPLATE_ID, *(p for p in CREATE_FIELDS if p.name not in ("name", "language"))),
    errors=(
        service.TEMPLATE_NOT_FOUND,
        service.INVALID,
        service.MEDIA_INVALID,
        manage.IN_USE,
        manage.NOT_EDITABLE,
        manage.CATEGORY_LOCKED,
        manage.NOT_AT_META,
        NO_CHANNEL,
        NO_WABA,
        *META_REFUSALS,
    ),
    action="edit templates",
    description="The fields of create-template except name and language; the content is "
    "replaced as a whole and reviewed again (PENDING). Meta allows an approved template 1 edit "
    "a day and 10 in 30 days, and no category change.",
)


async def edit_template(call: Call) -> dict[str, Any]:
    creator = flows.Creator(
        call.services.graph,
        call.services.http,
        call.settings.whatsapp_app_id,
        call.settings.allow_private_urls,
    )
    template = await manage.edit_template(
        creator, call.account_id, call.arg(TEMPLATE_ID), call.params, call.now()
    )
    return {
        "success": True,
        "message": "Template updated",
        "template": service.template_view(template),
    }


routes = [api_route(DELETE, delete_template), api_route(EDIT, edit_template)]

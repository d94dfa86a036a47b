"""The campaigns API: create-campaign, get-campaigns, get-campaign, get-campaign-recipients,
pause-campaign, resume-campaign and cancel-campaign."""

from __future__ import annotations

import asyncio
from typing import Any

from mumble import idempotency
from mumble.campaigns import csvfile, service
from mumble.campaigns.counts import COUNTS
from mumble.campaigns.create import INVALID, CreateRequest, create_campaign
from mumble.campaigns.transitions import NOT_ALLOWED, Action
from mumble.endpoint import Call, Endpoint, Handler, Upload, api_route
from mumble.models import CampaignStatus
from mumble.openapi.schema import (
    Schema,
    array,
    boolean,
    integer,
    nullable,
    obj,
    string,
    success,
)
from mumble.params import page, raw_id, text, value

TAG = "Campaigns"
PAGE = page()
STATUSES = [status.value for status in CampaignStatus]
_VALUE: Schema = {
    "description": 'A literal text, {"field": name, "fallback"?} (a standard column, an '
    'attribution key or a custom field of the customer) or {"column": name, "fallback"?} '
    "(a CSV column).",
}
NAME = value("name", string("The campaign's name.", maxLength=200), required=True)
TEMPLATE_ID = value(
    "template_id",
    string("An APPROVED MARKETING, UTILITY or AUTHENTICATION template (our id or Meta's)."),
    required=True,
)
LABELS = value(
    "labels", array(string(), "Customers with any of these labels (names).", maxItems=100)
)
PHONES = value(
    "phones",
    array(string(), "Phones to reach; unknown ones become customers.", maxItems=10_000),
)
CONVERSATION_STATUSES = value(
    "conversation_statuses", array(string(), "Customers in any of these conversation statuses.")
)
ALL_CUSTOMERS = value("all_customers", boolean("Every customer of the account with a phone."))
VALUES = value(
    "values",
    obj(
        {
            "variables": {
                "description": "As send-template's `variable`: an array in order, or an object "
                "of names (named templates); each item a value.",
            },
            "button_variables": array(_VALUE, "One value per button that takes a variable."),
            "header_variable": _VALUE,
            "media_link": string("The media of a media-header template.", format="uri"),
        },
        description="Each template variable's value per recipient (a JSON string in a "
        "multipart request).",
    ),
)
SEND_AT = value(
    "send_at",
    string("When to start (RFC 3339, at most 30 days ahead); absent: now.", format="date-time"),
)
MAX_PER_SECOND = value(
    "max_per_second",
    {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": 1000,
        "description": "A cap on the campaign's send rate, below Meta's pace.",
    },
)
CAMPAIGN_ID = raw_id("campaign_id", "Campaign id is required.", description="From create-campaign.")
RECIPIENT_STATUS = text(
    "status",
    max_length=16,
    description="Only recipients in this state.",
    enum=service.RECIPIENT_STATUSES,
)

CAMPAIGN = obj(
    {
        "id": string(format="uuid"),
        "name": string(),
        "template_id": string(format="uuid"),
        "status": string(enum=STATUSES),
        "paused_reason": nullable(string("Why it is paused (`api`: by pause-campaign).")),
        "send_at": string(format="date-time"),
        "max_per_second": nullable({"type": "number"}),
        "recipients": integer("Every recipient row, skipped ones included.", minimum=0),
        "audience": obj({}),
        "values": obj({}),
        "started_at": nullable(string(format="date-time")),
        "finished_at": nullable(string(format="date-time")),
        "created_at": string(format="date-time"),
        "updated_at": string(format="date-time"),
    },
    ("id", "name", "template_id", "status", "send_at", "recipients"),
)
DETAIL = obj(
    {
        **CAMPAIGN["properties"],
        "counts": obj({name: integer(minimum=0) for name in COUNTS}, COUNTS),
        "send_rate": {"type": "number", "description": "Messages per second, last 10 seconds."},
    },
    ("id", "status", "counts", "send_rate"),
)
RECIPIENT = obj(
    {
        "id": integer(),
        "phone": nullable(string()),
        "customer_id": nullable(string(format="uuid")),
        "status": string(enum=service.RECIPIENT_STATUSES),
        "skip_reason": nullable(
            string(
                "opted_out, duplicate, invalid_phone, values_unresolved, marketing_limit_131049 "
                "or cancelled."
            )
        ),
        "message_id": nullable(integer()),
        "wamid": nullable(string()),
        "error_code": nullable(integer("Meta's error code.")),
        "error_message": nullable(string()),
        "updated_at": string(format="date-time"),
    },
    ("id", "phone", "status"),
)
_PAGED = {"total": integer(), "pages": integer(), "current_page": integer(), "per_page": integer()}

CREATE = Endpoint(
    "POST",
    "/create-campaign",
    "campaigns:write",
    "Create a campaign: one approved template to an audience, now or at `send_at`.",
    TAG,
    success({"campaign": CAMPAIGN}, ("campaign",)),
    params=(
        NAME,
        TEMPLATE_ID,
        LABELS,
        PHONES,
        CONVERSATION_STATUSES,
        ALL_CUSTOMERS,
        VALUES,
        SEND_AT,
        MAX_PER_SECOND,
    ),
    errors=(INVALID, csvfile.TOO_LARGE, csvfile.TOO_MANY_ROWS),
    description="The audience is any combination (their union) of `labels`, `phones`, "
    "`conversation_statuses` and `all_customers` (customers known only by a BSUID are not "
    "selected), and/or a CSV upload (multipart, field `file`: "
    "a `phone` column and one column per value; the other fields as form fields, `values` as "
    "JSON text). Everything is checked first: one 400 `Invalid campaign` lists every problem "
    "in `details` (CSV problems with their line numbers). Opted-out customers of a MARKETING "
    "template, repeated phones and phones that do not normalise are kept as skipped "
    "recipients with their reason. `status` is `running` when it starts now, `scheduled` for "
    "a later `send_at`. With an Idempotency-Key a retried create answers the same campaign.",
    idempotent=True,
    upload=Upload(
        description=f"A UTF-8 CSV file, at most {csvfile.MAX_BYTES} bytes and "
        f"{csvfile.MAX_ROWS} rows: a header row with `phone` and the columns the values name."
    ),
)


async def create(call: Call) -> dict[str, Any]:
    csv = None
    if call.upload is not None:
        if call.upload.size is not None and call.upload.size > csvfile.MAX_BYTES:
            raise csvfile.TOO_LARGE()
        await call.upload.seek(0)
        csv = await asyncio.to_thread(csvfile.read_csv, call.upload.file)
    request = CreateRequest(
        params=call.params, csv=csv, idempotency_key=idempotency.key_of(call.request.headers)
    )
    return {
        "success": True,
        "campaign": await create_campaign(call.account_id, request, call.now()),
    }


GET_CAMPAIGNS = Endpoint(
    "GET",
    "/get-campaigns",
    "campaigns:read",
    "List the account's campaigns, newest first.",
    TAG,
    success({"campaigns": array(CAMPAIGN), **_PAGED}, ("campaigns", "total", "current_page")),
    params=(PAGE,),
    description=f"{service.CAMPAIGNS_PER_PAGE} a page. get-campaign adds the counts.",
)


async def get_campaigns(call: Call) -> dict[str, Any]:
    return {"success": True, **await service.list_campaigns(call.account_id, call.arg(PAGE))}


GET_CAMPAIGN = Endpoint(
    "GET",
    "/get-campaign",
    "campaigns:read",
    "Get a campaign with its counts and current send rate.",
    TAG,
    success({"campaign": DETAIL}, ("campaign",)),
    params=(CAMPAIGN_ID,),
    errors=(service.NOT_FOUND,),
    description="`counts`: `queued` (claimed ones included), `sent` (accepted by Meta and not "
    "failed since: delivered and read ones included), `delivered` (read ones included), "
    "`read`, `failed` (refused, or failed after acceptance), `skipped`, and `replied` (the "
    "customer wrote within 72 hours after the message was sent). `send_rate`: messages sent "
    "in the last 10 seconds, per second.",
)


async def get_campaign(call: Call) -> dict[str, Any]:
    detail = await service.campaign_detail(call.account_id, call.arg(CAMPAIGN_ID), call.now())
    return {"success": True, "campaign": detail}


GET_RECIPIENTS = Endpoint(
    "GET",
    "/get-campaign-recipients",
    "campaigns:read",
    "List a campaign's recipients in audience order.",
    TAG,
    success(
        {"campaign_id": string(format="uuid"), "recipients": array(RECIPIENT), **_PAGED},
        ("campaign_id", "recipients", "total", "current_page"),
    ),
    params=(CAMPAIGN_ID, RECIPIENT_STATUS, PAGE),
    errors=(service.NOT_FOUND, service.INVALID_STATUS),
    description=f"{service.RECIPIENTS_PER_PAGE} a page; `status` filters by the recipient's "
    "state. A skipped recipient carries its `skip_reason`, a failed one Meta's error.",
)


async def get_campaign_recipients(call: Call) -> dict[str, Any]:
    found = await service.list_recipients(
        call.account_id, call.arg(CAMPAIGN_ID), call.arg(RECIPIENT_STATUS), call.arg(PAGE)
    )
    return {"success": True, **found}


def _transition(path: str, summary: str, description: str) -> Endpoint:
    return Endpoint(
        "POST",
        path,
        "campaigns:write",
        summary,
        TAG,
        success({"campaign": CAMPAIGN}, ("campaign",)),
        params=(CAMPAIGN_ID,),
        errors=(service.NOT_FOUND, NOT_ALLOWED),
        description=description,
    )


PAUSE = _transition(
    "/pause-campaign",
    "Pause a scheduled or running campaign.",
    "Nothing more is sent until resume-campaign (`paused_reason`: `api`). 409 for a "
    "paused, completed or cancelled campaign.",
)
RESUME = _transition(
    "/resume-campaign",
    "Resume a paused campaign.",
    "Back to `running` (or `scheduled` while `send_at` is ahead); the recipients still queued "
    "are sent, none twice. 409 unless the campaign is paused.",
)
CANCEL = _transition(
    "/cancel-campaign",
    "Cancel a campaign for good.",
    "Every recipient still queued becomes skipped (`cancelled`); 409 for a completed or "
    "cancelled campaign.",
)


def _changer(action: Action) -> Handler:
    """The handler of pause-, resume- or cancel-campaign."""

    async def handler(call: Call) -> dict[str, Any]:
        campaign = await service.change(call.account_id, call.arg(CAMPAIGN_ID), action, call.now())
        return {"success": True, "campaign": campaign}

    return handler


routes = [
    api_route(CREATE, create),
    api_route(GET_CAMPAIGNS, get_campaigns),
    api_route(GET_CAMPAIGN, get_campaign),
    api_route(GET_RECIPIENTS, get_campaign_recipients),
    api_route(PAUSE, _changer(Action.PAUSE)),
    api_route(RESUME, _changer(Action.RESUME)),
    api_route(CANCEL, _changer(Action.CANCEL)),
]

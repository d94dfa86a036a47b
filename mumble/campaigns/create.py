"""create-campaign: everything checked first, then the campaign and its audience in one
transaction.

Checking gathers every problem (the template, the audience, the values, the CSV's lines,
send_at, max_per_second) into one 400 before anything is written. Writing is one transaction:
the campaign row, the listed phones (new customers created), the customers the labels,
statuses or `all_customers` select (one INSERT ... SELECT), the opted-out skipped for a
MARKETING template, and the total stored on the campaign. An Idempotency-Key names the
campaign it created, so a retry finds that campaign instead of creating another.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

import templates_meta
from mumble.campaigns import audience, transitions
from mumble.campaigns import values as values_spec
from mumble.campaigns.csvfile import CsvAudience
from mumble.campaigns.views import campaign_view
from mumble.errors import BadRequest, MumbleError, Refusal
from mumble.models import Campaign, CampaignRecipient, CustomFieldDefinition, Template
from mumble.params import timestamp
from mumble.scheduled import rules as schedule_rules
from mumble.templates.service import find_template

INVALID = Refusal(BadRequest, "Invalid campaign")
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
NAME_MAX = 200
MAX_PER_SECOND = 1000.0
_SEND_AT = timestamp("send_at")


@dataclass(frozen=True)
class CreateRequest:
    """create-campaign's parameters as sent (checked by `create_campaign`)."""

    params: dict[str, Any]
    csv: CsvAudience | None = None
    idempotency_key: str | None = None


def _name(raw: Any, problems: list[str]) -> str:
    if not isinstance(raw, str) or not raw.strip():
        problems.append("name: required")
        return ""
    if len(raw.strip()) > NAME_MAX or "\x00" in raw:
        problems.append(f"name: at most {NAME_MAX} characters")
    return raw.strip()[:NAME_MAX]


def _send_at(params: dict[str, Any], now: dt.datetime, problems: list[str]) -> dt.datetime:
    try:
        moment = _SEND_AT.read(params)
        return now if moment is None else schedule_rules.check_send_at(moment, now=now)
    except MumbleError as exc:
        problems.append(f"send_at: {exc.message}")
        return now


def _rate(raw: Any, problems: list[str]) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        rate = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError):
        rate = math.nan
    if not (0 < rate <= MAX_PER_SECOND):
        problems.append(f"max_per_second: must be a number above 0, at most {MAX_PER_SECOND:g}")
        return None
    return rate


def _values(raw: Any, problems: list[str]) -> Any:
    if isinstance(raw, str):
        try:
            return orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError:
            problems.append("values: not valid JSON")
            return None
    return raw


async def _template(account_id: uuid.UUID, raw: Any, problems: list[str]) -> Template | None:
    if raw is None or not str(raw).strip():
        problems.append("template_id: required")
        return None
    try:
        template = await find_template(account_id, str(raw).strip()[:100])
    except MumbleError:
        problems.append("template_id: Template not found")
        return None
    if not templates_meta.load().is_sendable(template.status):
        problems.append(
            f"template_id: the template is {template.status} (only APPROVED templates can be sent)"
        )
    if template.category.upper() not in CATEGORIES:
        problems.append(
            f"template_id: the template's category {template.category} cannot be sent in a campaign"
        )
    return template


def _shape(template: Template) -> values_spec.TemplateShape:
    return values_spec.TemplateShape(
        category=template.category.upper(),
        parameter_format=template.parameter_format,
        body=template.body or "",
        body_variables=template.body_variables,
        buttons=list(template.buttons or []),
        header=template.header,
    )


async def create_campaign(
    account_id: uuid.UUID, request: CreateRequest, now: dt.datetime
) -> dict[str, Any]:
    """Check everything (one 400 listing every problem), then create the campaign and its
    recipients in one transaction; a known Idempotency-Key answers its campaign."""
    if request.idempotency_key is not None:
        earlier = await Campaign.get_or_none(
            account_id=account_id, idempotency_key=request.idempotency_key
        )
        if earlier is not None:
            return campaign_view(earlier)
    params = request.params
    problems: list[str] = []
    name = _name(params.get("name"), problems)
    template = await _template(account_id, params.get("template_id"), problems)
    wanted = audience.read_audience(params)
    problems += wanted.problems
    labels, unknown = await audience.label_ids(account_id, wanted.labels)
    problems += unknown
    csv = request.csv
    if csv is not None:
        problems += csv.problems
    if not (wanted.selects_customers or wanted.phones or csv is not None):
        problems.append(
            "audience: give labels, phones, conversation_statuses, "
            "all_customers: true or a CSV file"
        )
    spec = _values(params.get("values"), problems)
    if template is not None:
        custom = await CustomFieldDefinition.filter(account_id=account_id).values_list(
            "name", flat=True
        )
        known = values_spec.Known(
            fields=values_spec.customer_fields([str(name) for name in custom]),
            columns=csv.columns if csv is not None else None,
        )
        problems += values_spec.problems(_shape(template), spec, known)
    send_at = _send_at(params, now, problems)
    rate = _rate(params.get("max_per_second"), problems)
    if problems:
        raise INVALID(details=problems)
    assert template is not None
    listed = audience.listed(wanted.phones, csv.rows if csv is not None else [])
    try:
        async with in_transaction():
            campaign = await Campaign.create(
                account_id=account_id,
                name=name,
                template_id=template.id,
                audience=wanted.stored(len(csv.rows) if csv is not None else None),
                values=values_spec.normalised(spec),
                status=transitions.initial_status(send_at, now),
                send_at=send_at,
                max_per_second=rate,
                idempotency_key=request.idempotency_key,
                created_at=now,
                updated_at=now,
            )
            marketing = template.category.upper() == "MARKETING"
            await audience.add_listed(campaign.id, account_id, listed, now)
            if marketing and listed:
                await audience.skip_opted_out(campaign.id, now)
            if wanted.selects_customers:
                selection = audience.Selection(
                    labels, wanted.conversation_statuses, wanted.all_customers
                )
                await audience.add_selected(
                    campaign.id,
                    account_id,
                    selection,
                    now,
                    marketing=marketing,
                    after_listed=bool(listed),
                )
            campaign.recipients = await CampaignRecipient.filter(campaign_id=campaign.id).count()
            await campaign.save(update_fields=["recipients"])
    except IntegrityError:
        # A concurrent create with the same Idempotency-Key committed first.
        if request.idempotency_key is None:
            raise
        return campaign_view(
            await Campaign.get(account_id=account_id, idempotency_key=request.idempotency_key)
        )
    return campaign_view(campaign)

"""A campaign's audience: read from the request, then materialised as recipient rows.

The audience is any combination of `labels` (customers with any of them), `phones` (unknown
phones become customers), `conversation_statuses`, `all_customers: true`, or a CSV file.
Materialising runs inside create-campaign's transaction: the listed phones (from the request,
so already in memory) are inserted in bulk, in their order, first occurrences queued and
repeats skipped "duplicate", phones that do not normalise skipped "invalid_phone"; then the
customers the labels, statuses or `all_customers` reach are copied by one INSERT ... SELECT
that never brings them into Python (a customer already in the campaign, or reached by two
labels, is one row); then one UPDATE skips the opted-out customers of a MARKETING template.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from mumble.campaigns import sql
from mumble.campaigns.csvfile import CsvRow
from mumble.customers.fields import CONVERSATION_STATUS_SET
from mumble.customers.views import VIEW_COLUMNS, customer_views
from mumble.errors import MumbleError
from mumble.events.outbox import Pending, record_events
from mumble.labels.service import clean_label_name
from mumble.models import CampaignRecipient, Customer, Label, RecipientStatus
from mumble.models.states import Consent
from mumble.phones import country_of, normalize_phone

MAX_PHONES = 10_000
MAX_LABELS = 100
PHONE_COLUMN_MAX = 32
OPTED_OUT = "opted_out"
DUPLICATE = "duplicate"
INVALID_PHONE = "invalid_phone"
CANCELLED = "cancelled"


@dataclass
class AudienceRequest:
    """The audience as asked for (labels by name), and what is wrong with it."""

    labels: list[str] = field(default_factory=list)
    phones: list[Any] = field(default_factory=list)
    conversation_statuses: list[str] = field(default_factory=list)
    all_customers: bool = False
    problems: list[str] = field(default_factory=list)

    def stored(self, csv_rows: int | None) -> dict[str, Any]:
        """The audience as Campaign.audience keeps it."""
        kept: dict[str, Any] = {
            "labels": self.labels,
            "phones": len(self.phones),
            "conversation_statuses": self.conversation_statuses,
            "all_customers": self.all_customers,
        }
        if csv_rows is not None:
            kept["csv_rows"] = csv_rows
        return kept

    @property
    def selects_customers(self) -> bool:
        return bool(self.labels or self.conversation_statuses or self.all_customers)


def _list(raw: Any, name: str, problems: list[str]) -> list[Any]:
    """A list given as JSON, as JSON text (multipart fields), or comma-separated text."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                raw = orjson.loads(text)
            except orjson.JSONDecodeError:
                problems.append(f"{name}: not a valid JSON array")
                return []
        else:
            raw = [item.strip() for item in text.split(",") if item.strip()]
    if not isinstance(raw, list):
        problems.append(f"{name}: must be an array")
        return []
    return raw


def _flag(raw: Any, problems: list[str]) -> bool:
    if raw is None or raw == "" or raw is False:
        return False
    if raw is True:
        return True
    word = str(raw).strip().lower()
    if word in ("true", "1"):
        return True
    if word in ("false", "0"):
        return False
    problems.append("all_customers: must be true or false")
    return False


def read_audience(params: dict[str, Any]) -> AudienceRequest:
    """The audience parameters, each problem noted (nothing is looked up yet)."""
    problems: list[str] = []
    labels: list[str] = []
    for raw in _list(params.get("labels"), "labels", problems):
        try:
            name = clean_label_name(raw)
        except MumbleError:
            name = None
        if name is None:
            problems.append(f"labels: {str(raw)[:100]!r} is not a label name")
        elif name not in labels:
            labels.append(name)
    if len(labels) > MAX_LABELS:
        problems.append(f"labels: at most {MAX_LABELS}")
    statuses: list[str] = []
    for raw in _list(params.get("conversation_statuses"), "conversation_statuses", problems):
        if not isinstance(raw, str) or raw.strip() not in CONVERSATION_STATUS_SET:
            problems.append(f"conversation_statuses: unknown status {str(raw)[:40]!r}")
        elif raw.strip() not in statuses:
            statuses.append(raw.strip())
    phones = _list(params.get("phones"), "phones", problems)
    if len(phones) > MAX_PHONES:
        problems.append(f"phones: at most {MAX_PHONES} (upload a CSV for more)")
    everyone = _flag(params.get("all_customers"), problems)
    return AudienceRequest(labels, phones, statuses, everyone, problems)


async def label_ids(
    account_id: uuid.UUID, names: Sequence[str]
) -> tuple[list[uuid.UUID], list[str]]:
    """The ids of the account's labels with these names, and the names it has no label for."""
    if not names:
        return [], []
    found = dict(
        await Label.filter(account_id=account_id, name__in=list(names)).values_list("name", "id")
    )
    missing = [f"labels: unknown label '{name}'" for name in names if name not in found]
    return [uuid.UUID(str(found[name])) for name in names if name in found], missing


@dataclass(frozen=True)
class Listed:
    """One phone the request listed (`phones` or a CSV row), in order."""

    raw: str
    phone: str | None
    row: dict[str, str] | None = None


def listed(phones: Sequence[Any], csv_rows: Sequence[CsvRow]) -> list[Listed]:
    """The listed phones in order: `phones` first, then the CSV's rows."""
    out = []
    for raw in phones:
        text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else repr(raw)
        try:
            phone: str | None = normalize_phone(raw)
        except MumbleError:
            phone = None
        out.append(Listed(text[:PHONE_COLUMN_MAX], phone))
    out += [Listed(row.phone, row.phone, row.values) for row in csv_rows]
    return out


_BY_PHONE_PG = (
    "SELECT c.id, c.phone FROM jsonb_array_elements_text($2::jsonb) AS p(phone) "
    "JOIN customer c ON c.account_id = $1 AND c.phone = p.phone"
)
_BY_PHONE_SQLITE = (
    "SELECT c.id, c.phone FROM json_each($2) AS p "
    "JOIN customer c ON c.account_id = $1 AND c.phone = p.value"
)


async def _known(account_id: uuid.UUID, phones: Sequence[str]) -> dict[str, uuid.UUID]:
    """The account's customers with these phones, by phone (one statement)."""
    if not phones:
        return {}
    query = _BY_PHONE_PG if sql.is_postgres(Customer) else _BY_PHONE_SQLITE
    found = await sql.rows(Customer, query, [account_id, orjson.dumps(list(phones)).decode()])
    return {str(row["phone"]): uuid.UUID(str(row["id"])) for row in found}


# Rows per statement: the listed phones travel as one JSON parameter, so neither database's
# bound-parameter limit applies, and a batch of new customers' ids read back stays small.
_BATCH = 1000

# New customers as add-new-customer creates them from a phone alone; the ids come from Python
# (SQLite has no uuid function), conflicts with a concurrent writer's phone are skipped.
_NEW_CUSTOMERS_PG = (
    "INSERT INTO customer (id, account_id, phone, country, conversation_status, attribution, "
    "custom_fields, created_at, updated_at) SELECT (p->>0)::uuid, $1::uuid, p->>1, p->>2, "
    "'new', '{}'::jsonb, '{}'::jsonb, $2::timestamptz, $2::timestamptz "
    "FROM jsonb_array_elements($3::jsonb) AS p ON CONFLICT (account_id, phone) DO NOTHING"
)
_NEW_CUSTOMERS_SQLITE = (
    "INSERT INTO customer (id, account_id, phone, country, conversation_status, attribution, "
    "custom_fields, created_at, updated_at) SELECT json_extract(p.value, '$[0]'), $1, "
    "json_extract(p.value, '$[1]'), json_extract(p.value, '$[2]'), 'new', '{}', '{}', $2, $2 "
    "FROM json_each($3) AS p WHERE true ON CONFLICT (account_id, phone) DO NOTHING"
)
# The listed recipients in their order: [customer_id, phone, row, status, skip_reason] each.
_RECIPIENTS_PG = (
    'INSERT INTO campaign_recipient (campaign_id, customer_id, phone, "row", status, '
    "skip_reason, updated_at) SELECT $1::uuid, (r.v->>0)::uuid, r.v->>1, "
    "NULLIF(r.v->2, 'null'::jsonb), r.v->>3, r.v->>4, $2::timestamptz "
    "FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS r(v, n) ORDER BY r.n"
)
_RECIPIENTS_SQLITE = (
    'INSERT INTO campaign_recipient (campaign_id, customer_id, phone, "row", status, '
    "skip_reason, updated_at) SELECT $1, json_extract(r.value, '$[0]'), "
    "json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), "
    "json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]'), $2 "
    "FROM json_each($3) AS r ORDER BY r.key"
)


def _json(items: Sequence[Any]) -> str:
    return orjson.dumps(list(items)).decode()


async def _create_customers(account_id: uuid.UUID, phones: Sequence[str], now: dt.datetime) -> None:
    """A customer for each phone, each with customer.created as any new customer gets; one
    INSERT per 1,000 phones (phones a concurrent writer took meanwhile are skipped)."""
    statement = _NEW_CUSTOMERS_PG if sql.is_postgres(Customer) else _NEW_CUSTOMERS_SQLITE
    for start in range(0, len(phones), _BATCH):
        new = [
            (str(uuid.uuid4()), phone, country_of(phone))
            for phone in phones[start : start + _BATCH]
        ]
        await sql.execute(Customer, statement, [account_id, now, _json(new)])
        rows = (
            await Customer.filter(id__in=[customer_id for customer_id, _, _ in new])
            .order_by("created_at", "id")
            .values(*VIEW_COLUMNS)
        )
        views = await customer_views(rows)
        await record_events(
            account_id,
            [
                Pending("customer.created", {"customer": view}, uuid.UUID(str(row["id"])))
                for row, view in zip(rows, views, strict=True)
            ],
            now=now,
        )


async def add_listed(
    campaign_id: uuid.UUID, account_id: uuid.UUID, items: Sequence[Listed], now: dt.datetime
) -> None:
    """The listed phones as recipients, in order; unknown phones become customers first."""
    if not items:
        return
    wanted = list(dict.fromkeys(item.phone for item in items if item.phone is not None))
    known = await _known(account_id, wanted)
    missing = [phone for phone in wanted if phone not in known]
    if missing:
        await _create_customers(account_id, missing, now)
        known |= await _known(account_id, missing)
    seen: set[str] = set()
    rows: list[list[Any]] = []
    for item in items:
        status, reason, customer_id = RecipientStatus.QUEUED.value, None, None
        if item.phone is None:
            status, reason = RecipientStatus.SKIPPED.value, INVALID_PHONE
        else:
            found = known.get(item.phone)
            customer_id = None if found is None else str(found)
            if item.phone in seen:
                status, reason = RecipientStatus.SKIPPED.value, DUPLICATE
            seen.add(item.phone)
        rows.append([customer_id, item.phone or item.raw, item.row, status, reason])
    statement = _RECIPIENTS_PG if sql.is_postgres(CampaignRecipient) else _RECIPIENTS_SQLITE
    for start in range(0, len(rows), 5 * _BATCH):
        await sql.execute(
            CampaignRecipient,
            statement,
            [campaign_id, now, _json(rows[start : start + 5 * _BATCH])],
        )


def _selection(
    labels: Sequence[uuid.UUID],
    statuses: Sequence[str],
    everyone: bool,
    postgres: bool,
    number: int,
) -> tuple[str, list[Any]]:
    """The WHERE clause over customer `c` for the selected customers, and its parameters
    (numbered from `number`)."""
    if everyone:
        return "TRUE" if postgres else "1", []
    parts: list[str] = []
    params: list[Any] = []
    if labels:
        marks = ", ".join(f"${number + i}::uuid" for i in range(len(labels)))
        parts.append(
            "EXISTS (SELECT 1 FROM customer_label cl WHERE cl.customer_id = c.id "
            f"AND cl.label_id IN ({marks}))"
        )
        params += list(labels)
        number += len(labels)
    if statuses:
        marks = ", ".join(f"${number + i}::varchar" for i in range(len(statuses)))
        parts.append(f"c.conversation_status IN ({marks})")
        params += list(statuses)
    return "(" + " OR ".join(parts) + ")", params


async def add_selected(
    campaign_id: uuid.UUID,
    account_id: uuid.UUID,
    selection: Selection,
    now: dt.datetime,
    *,
    marketing: bool,
    after_listed: bool,
) -> None:
    """The customers the labels, statuses or `all_customers` reach, copied in one INSERT ...
    SELECT in the customers' (created_at, id) order, the opted-out ones of a `marketing`
    template skipped on the way; customers with no phone (known only by a business-scoped id)
    are left out, and so are those the listed phones added (`after_listed`: only then is the
    anti-join worth its cost)."""
    postgres = sql.is_postgres(CampaignRecipient)
    params: list[Any] = [campaign_id, account_id, RecipientStatus.QUEUED.value, now]
    status, reason = "$3::varchar", "NULL"
    if marketing:
        params += [Consent.OPTED_OUT.value, RecipientStatus.SKIPPED.value, OPTED_OUT]
        status = "CASE WHEN c.marketing_consent = $5::varchar THEN $6::varchar ELSE $3 END"
        reason = "CASE WHEN c.marketing_consent = $5::varchar THEN $7::varchar END"
    where, extra = _selection(
        selection.labels, selection.statuses, selection.everyone, postgres, len(params) + 1
    )
    listed = (
        "AND NOT EXISTS (SELECT 1 FROM campaign_recipient r WHERE r.campaign_id = $1 "
        "AND r.customer_id = c.id) "
        if after_listed
        else ""
    )
    statement = (
        "INSERT INTO campaign_recipient "
        "(campaign_id, customer_id, phone, status, skip_reason, updated_at) "
        f"SELECT $1::uuid, c.id, c.phone, {status}, {reason}, $4::timestamptz FROM customer c "
        f"WHERE c.account_id = $2 AND c.phone IS NOT NULL AND {where} {listed}"
        "ORDER BY c.created_at, c.id"
    )
    await sql.execute(CampaignRecipient, statement, [*params, *extra])


@dataclass(frozen=True)
class Selection:
    """The customers a campaign selects: by label ids, by conversation status, or everyone."""

    labels: Sequence[uuid.UUID]
    statuses: Sequence[str]
    everyone: bool


async def skip_opted_out(campaign_id: uuid.UUID, now: dt.datetime) -> None:
    """Skip, in one statement, the queued recipients who opted out of marketing (run after
    the listed phones, before the selected customers, who are skipped as they are copied)."""
    await sql.execute(
        CampaignRecipient,
        "UPDATE campaign_recipient SET status = $2, skip_reason = $3, updated_at = $4 "
        "WHERE campaign_id = $1 AND status = $5 AND customer_id IN "
        "(SELECT id FROM customer WHERE marketing_consent = $6)",
        [
            campaign_id,
            RecipientStatus.SKIPPED.value,
            OPTED_OUT,
            now,
            RecipientStatus.QUEUED.value,
            Consent.OPTED_OUT.value,
        ],
    )

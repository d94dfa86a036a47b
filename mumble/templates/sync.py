"""Periodic reconcile of every account's templates with Meta (GET /{waba-id}/message_templates).

A missed status webhook must never leave a template stuck: the sync reads every page of the
WABA's templates, applies status, category, quality and rejection reason, imports templates
created outside Mumble, and marks ours that Meta no longer lists as DELETED. Each value taken
from Meta's listing is fitted to its column as the template webhooks' are (clipped, NUL
replaced, a wrong type left out), and a template whose id, name or language no row can hold is
skipped, so one odd item never fails the account's sync nor the accounts after it. Tests call
`sync_account` / `sync_all` directly; the app lifespan runs `sync_all` every
`Settings.template_sync_seconds` (0 turns it off).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

import templates_meta
from mumble import tasks
from mumble.channels.lookup import channel_of, waba_of
from mumble.clock import Clock
from mumble.events.outbox import record_event
from mumble.models import Account, Template
from mumble.settings import Settings
from mumble.templates import rules, variables
from mumble.templates.inbound import fitted
from mumble.templates.service import template_view
from mumble.text import NUL
from mumble.whatsapp.client import Channel, GraphClient
from mumble.whatsapp.errors import WhatsAppError

log = logging.getLogger("mumble.templates.sync")

MAX_PAGES = 1000  # 100 per page: far beyond Meta's 6,000-template ceiling per WABA
STALE_RESERVATION = dt.timedelta(hours=1)


@dataclass
class SyncResult:
    """What one account's sync did."""

    updated: int = 0
    imported: int = 0
    deleted: int = 0


class _Fit:
    """The templates.inbound.Fitter of one listed template: repairs are logged by field only."""

    def __init__(self) -> None:
        self.done: set[str] = set()

    def text(self, field: str, value: str, max_length: int | None = None) -> str:
        if NUL in value:
            value = value.replace(NUL, "\ufffd")
            self.done.add(field)
        if max_length is not None and len(value) > max_length:
            value = value[:max_length]
            self.done.add(field)
        return value

    def dropped(self, field: str) -> None:
        self.done.add(field)


def _quality(fit: _Fit, raw: Any) -> str | None:
    score = raw.get("score") if isinstance(raw, dict) else raw
    return fitted(fit, "quality_score", score, upper=True) if isinstance(score, str) else None


def _reason(fit: _Fit, remote: dict[str, Any]) -> str | None:
    reason = remote.get("rejected_reason")
    return None if reason == "NONE" else fitted(fit, "rejection_reason", reason)


def _storable(remote: dict[str, Any]) -> bool:
    """Whether a row can hold the listed template's id, name and language as Meta has them."""
    keys = (
        ("meta_id", str(remote["id"])),
        ("name", str(remote["name"])),
        ("language", templates_meta.normalize_language(str(remote.get("language") or ""))),
    )
    for field, value in keys:
        limit = getattr(Template._meta.fields_map[field], "max_length", None)
        if NUL in value or (limit is not None and len(value) > limit):
            return False
    return True


async def _fetch_all(graph: GraphClient, channel: Channel) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _page in range(MAX_PAGES):
        page, cursor = await graph.list_templates(channel, after=cursor)
        items.extend(t for t in page if isinstance(t, dict) and t.get("id") and t.get("name"))
        if not cursor:
            return items
    raise RuntimeError("template listing did not end")


def _apply(template: Template, remote: dict[str, Any], now: dt.datetime, fit: _Fit) -> bool:
    """Bring one stored template in line with Meta; returns whether the status changed."""
    status = fitted(fit, "status", remote.get("status"), upper=True) or template.status
    changed = status != template.status
    if changed:
        template.status = status
        template.status_changed_at = now
    category = fitted(fit, "category", remote.get("category"), upper=True)
    if category:
        template.category = category
    reason = _reason(fit, remote)
    if status == "REJECTED":
        if reason:
            template.rejection_reason = reason
    elif status in ("APPROVED", "PENDING"):
        template.rejection_reason = None
    quality = _quality(fit, remote.get("quality_score"))
    if quality:
        template.quality_score = quality
    if isinstance(remote.get("components"), list) and remote["components"]:
        template.components = remote["components"]
        _take_content(template, remote)
    template.meta_id = str(remote["id"])
    template.synced_at = now
    return changed


def _format(remote: dict[str, Any]) -> str:
    return variables.parameter_format(remote.get("parameter_format")) or variables.POSITIONAL


def _take_content(template: Template, remote: dict[str, Any]) -> None:
    """Body, footer, buttons and variables as Meta now has them (an edit made anywhere); a media
    header keeps the sample link it was created with."""
    parts = rules.from_components(remote["components"])
    fmt = _format(remote)
    template.parameter_format = fmt
    template.body = parts["body"]
    template.body_variables = rules.body_variable_count(parts["body"], fmt)
    template.footer = parts["footer"]
    template.buttons = parts["buttons"]
    header = parts["header"]
    media_url = (template.header or {}).get("media_url")
    if (
        header is not None
        and media_url
        and header.get("format") == (template.header or {}).get("format")
    ):
        header["media_url"] = media_url
    template.header = header


async def _import(
    account_id: uuid.UUID, remote: dict[str, Any], now: dt.datetime, fit: _Fit
) -> Template:
    parts = rules.from_components(remote.get("components") or [])
    fmt = _format(remote)
    return await Template.create(
        account_id=account_id,
        meta_id=str(remote["id"]),
        name=str(remote["name"]),
        language=templates_meta.normalize_language(str(remote.get("language") or "")),
        category=fitted(fit, "category", remote.get("category"), upper=True) or "",
        status=fitted(fit, "status", remote.get("status"), upper=True) or "PENDING",
        rejection_reason=_reason(fit, remote),
        quality_score=_quality(fit, remote.get("quality_score")),
        body=parts["body"],
        header=parts["header"],
        footer=parts["footer"],
        buttons=parts["buttons"],
        body_variables=rules.body_variable_count(parts["body"], fmt),
        parameter_format=fmt,
        components=remote.get("components") or [],
        origin="meta",
        synced_at=now,
    )


async def _reconcile(account_id: uuid.UUID, remote: dict[str, Any], now: dt.datetime) -> str:
    if not _storable(remote):
        log.warning("template sync of account %s: a template no row can name skipped", account_id)
        return "skipped"
    fit = _Fit()
    outcome = await _reconciled(account_id, remote, now, fit)
    if fit.done:
        log.warning(
            "template sync of account %s: template %s repaired: %s",
            account_id,
            remote["id"],
            ", ".join(sorted(fit.done)),
        )
    return outcome


async def _reconciled(
    account_id: uuid.UUID, remote: dict[str, Any], now: dt.datetime, fit: _Fit
) -> str:
    language = templates_meta.normalize_language(str(remote.get("language") or ""))
    async with in_transaction():
        query = Template.filter(account_id=account_id).select_for_update()
        template = await query.filter(meta_id=str(remote["id"])).first()
        if template is None:
            template = await query.filter(
                name=str(remote["name"]), language=language, meta_id__isnull=True
            ).first()
        if template is None:
            await _import(account_id, remote, now, fit)
            return "imported"
        changed = _apply(template, remote, now, fit)
        await template.save()
        if changed:
            await record_event(
                account_id, "template.status_changed", template_view(template), now=now
            )
        return "updated" if changed else "same"


async def sync_account(graph: GraphClient, clock: Clock, account: Account) -> SyncResult:
    """Reconcile one account's templates with Meta (raises WhatsAppError if Meta cannot be read)."""
    channel = channel_of(account)
    waba_of(channel)
    started = clock.now()
    remote = await _fetch_all(graph, channel)
    now = clock.now()
    result = SyncResult()
    for item in remote:
        outcome = await _reconcile(account.id, item, now)
        result.updated += outcome == "updated"
        result.imported += outcome == "imported"
    listed = {str(item["id"]) for item in remote}
    # A template Meta accepted while the listing was read is not missing: skip rows touched since.
    gone = await Template.filter(
        account_id=account.id, meta_id__isnull=False, updated_at__lt=started
    ).exclude(status="DELETED")
    for template in gone:
        if template.meta_id in listed:
            continue
        async with in_transaction():
            template.status = "DELETED"
            template.status_changed_at = now
            template.synced_at = now
            await template.save()
            await record_event(
                account.id, "template.status_changed", template_view(template), now=now
            )
        result.deleted += 1
    # A reservation whose create never reached Meta (the process died mid-call) frees its name.
    await Template.filter(
        account_id=account.id, meta_id__isnull=True, created_at__lt=started - STALE_RESERVATION
    ).delete()
    return result


async def sync_all(graph: GraphClient, clock: Clock) -> dict[str, SyncResult]:
    """Sync every account with a channel; one account's failure does not stop the others."""
    results: dict[str, SyncResult] = {}
    accounts = await Account.filter(
        phone_number_id__isnull=False, waba_id__isnull=False, access_token__isnull=False
    )
    for account in accounts:
        try:
            results[str(account.id)] = await sync_account(graph, clock, account)
        except WhatsAppError as exc:
            log.warning("template sync of account %s failed: code %s", account.id, exc.code)
    return results


async def _loop(graph: GraphClient, clock: Clock, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await sync_all(graph, clock)
        except Exception:
            # Keep the loop alive: the next round may succeed (database blip, Meta outage).
            log.exception("template sync round failed")


def start(graph: GraphClient, clock: Clock, settings: Settings) -> asyncio.Task[None] | None:
    """Start the periodic sync (first round after one interval); None when it is turned off."""
    interval = settings.template_sync_seconds
    if interval <= 0:
        return None
    return tasks.start(_loop(graph, clock, interval), "template-sync")

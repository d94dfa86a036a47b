"""The application factory: create_app(settings) -> Starlette."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from tortoise import connections

import mumble.bots.ai.routes as ai_bot_routes
import mumble.bots.routes as bots_routes
import mumble.bots.routes_settings as bots_settings_routes
import mumble.campaigns.routes as campaigns_routes
import mumble.campaigns.runner as campaign_runner
import mumble.consent.routes as consent_routes
import mumble.conversations.routes as conversations_routes
import mumble.customers.routes as customers_routes
import mumble.customers.routes_fields as customers_fields_routes
import mumble.customers.routes_import as customers_import_routes
import mumble.inbound.routes as inbound_routes
import mumble.labels.routes as labels_routes
import mumble.messages.routes as messages_routes
import mumble.messages.routes_support as messages_support_routes
import mumble.observability.routes as observability_routes
import mumble.openapi.routes as openapi_routes
import mumble.scheduled.routes as scheduled_routes
import mumble.search.routes as search_routes
import mumble.team.routes as team_routes
import mumble.templates.flows as template_flows
import mumble.templates.routes as templates_routes
import mumble.templates.routes_manage as templates_manage_routes
import mumble.templates.sync as template_sync
import mumble.webhooks.routes as webhooks_routes
from mumble import tasks
from mumble.auth import KeyCache, LastUsedTracker
from mumble.bots.ai.answer import AiAnswer, answer
from mumble.bots.answering import AnswerHandler
from mumble.bots.dispatch import BotWorker, Handler
from mumble.bots.runtime import FlowHandler
from mumble.clock import Clock, SystemClock
from mumble.db import errors as db_errors
from mumble.db import open_database, triggers
from mumble.db.listener import Notices, Topic, listening
from mumble.db.readcache import ReadCache
from mumble.errors import EXCEPTION_HANDLERS
from mumble.events.worker import embedded_worker
from mumble.inbound.media import MediaFetcher
from mumble.messages import status_sets, sweep
from mumble.messages.flows import Sender
from mumble.middleware import AccessMiddleware, BodyDeadline
from mumble.models.states import BotMode
from mumble.observability import metrics
from mumble.pacing import sync as pace_sync
from mumble.pacing.pacer import Pacer
from mumble.ratelimit import RateLimiter
from mumble.scheduled.worker import ScheduledWorker
from mumble.services import Services
from mumble.settings import Settings
from mumble.wakeup import Wakeup
from mumble.whatsapp.client import GraphClient

HTTP_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=5, sock_read=20)

log = logging.getLogger("mumble.app")


def api_routes() -> list[BaseRoute]:
    """Every /mumbleapi route, collected from the domain packages."""
    return [
        *customers_routes.routes,
        *customers_import_routes.routes,
        *customers_fields_routes.routes,
        *search_routes.routes,
        *consent_routes.routes,
        *labels_routes.routes,
        *team_routes.routes,
        *bots_routes.routes,
        *ai_bot_routes.routes,
        *bots_settings_routes.routes,
        *messages_routes.routes,
        *messages_support_routes.routes,
        *conversations_routes.routes,
        *templates_routes.routes,
        *templates_manage_routes.routes,
        *scheduled_routes.routes,
        *campaigns_routes.routes,
        *webhooks_routes.routes,
    ]


def scheduled_sends(services: Services) -> ScheduledWorker:
    """The scheduled-send worker, sending through the template pipeline (consent included)."""
    sender = Sender.of(services)

    async def send(account_id: uuid.UUID, phone: str | None, template_id: str, request: Any) -> int:
        return await template_flows.send_scheduled(sender, account_id, phone, template_id, request)

    return ScheduledWorker(send, services.clock)


def bot_handlers(services: Services) -> dict[BotMode, Handler]:
    """The handler of each bot mode the bot worker runs turns for (a mode absent: none)."""
    sender = Sender.of(services)
    allow_private = services.settings.allow_private_urls

    async def ai_answer(
        account_id: uuid.UUID, customer_id: uuid.UUID, now: dt.datetime
    ) -> AiAnswer:
        return await answer(
            services.http, account_id, customer_id, now, allow_private=allow_private
        )

    return {
        BotMode.FLOW: FlowHandler(sender, services.clock),
        BotMode.AI: AnswerHandler(ai_answer, sender, services.clock),
    }


def bot_worker(services: Services) -> BotWorker:
    """The bot worker, run by the app (embedded) and by `mumble worker`."""
    lease = dt.timedelta(seconds=services.settings.bot_lease_seconds)
    return BotWorker(bot_handlers(services), services.clock, lease=lease)


def _cache_follows_listener(customers: ReadCache) -> Callable[[bool], None]:
    """The listener's connection callback for the customer cache: on while connected and the
    database has the triggers (without them, as in a database migrated by an older release, no
    change would be heard from other processes). Checked when the listener connects, not at
    startup, so an app whose database is down still starts and /readyz says why."""
    checks: set[asyncio.Task[None]] = set()

    async def check() -> None:
        try:
            notified = await triggers.installed(connections.get("default"))
        except Exception:
            log.warning("customer cache off: the trigger check failed", exc_info=True)
            notified = False
        customers.listen(notified)

    def connected(up: bool) -> None:
        customers.listen(False)
        if up:
            task = asyncio.get_running_loop().create_task(check())
            checks.add(task)
            task.add_done_callback(checks.discard)

    return connected


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """Build the ASGI app; the lifespan opens the database, HTTP client and rate-limit storage."""
    app_clock = clock or SystemClock()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with (
            open_database(settings.database_url),
            # One pooled HTTP client per process, for the Graph API and every outbound call.
            aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http,
        ):
            # Storages bind to the running loop, so they are built here, never at import time.
            limiter = RateLimiter(settings, app_clock)
            pacer = Pacer.of(settings)
            keys = KeyCache(app_clock, settings.auth_cache_seconds)
            deliveries = Wakeup()
            notices = Notices()
            notices.subscribe(Topic.KEYS, keys.clear)
            notices.on_connection(keys.listen)
            notices.subscribe(Topic.DELIVERIES, deliveries.kick)
            customers = ReadCache(
                app_clock,
                settings.customer_cache_seconds,
                max_entries=settings.customer_cache_entries,
            )
            notices.subscribe_detail(Topic.CUSTOMERS, customers.heard)
            notices.on_connection(_cache_follows_listener(customers))
            services = Services(
                settings=settings,
                clock=app_clock,
                http=http,
                graph=GraphClient(http, settings.graph_api_url, settings.whatsapp_api_version),
                limiter=limiter,
                pacer=pacer,
                key_usage=LastUsedTracker(app_clock),
                keys=keys,
                media_wakeup=Wakeup(),
                customers=customers,
                status_sets=status_sets.coalescer(settings),
            )
            sync_task = template_sync.start(services.graph, app_clock, settings)
            pace_task = pace_sync.start(services.graph, app_clock, settings)
            fetcher = MediaFetcher(services.graph, app_clock, services.media_wakeup)
            media_task = tasks.start(fetcher.run(), "mumble-media-fetcher")
            scheduled_task = tasks.start(scheduled_sends(services).run(), "mumble-scheduled-sends")
            bots_task = (
                tasks.start(bot_worker(services).run(), "mumble-bots")
                if settings.run_worker
                else None
            )
            # Campaigns are sent here unless MUMBLE_RUN_WORKER=0 leaves them to `mumble worker`.
            # A campaign never bursts one user: no pair-rate burst for its sends.
            campaigns = campaign_runner.through_templates(
                Sender.of(services, pair_burst=False), hold_seconds=settings.send_lease_seconds
            )
            notices.subscribe(Topic.CAMPAIGNS, campaigns.kick)
            campaign_task = (
                tasks.start(campaigns.run(), "mumble-campaigns") if settings.run_worker else None
            )
            await sweep.sweep_at_start(settings, app_clock)
            sweep_task = (
                tasks.start(sweep.run_sweeper(settings, app_clock), "mumble-send-sweep")
                if settings.run_worker
                else None
            )
            try:
                async with (
                    listening(settings.database_url, notices),
                    embedded_worker(settings, http, app_clock, deliveries),
                ):
                    # Starlette hands this state to every request: `request.state.services`.
                    yield {"services": services}
            finally:
                await tasks.stop(campaign_task)
                if services.status_sets is not None:
                    await services.status_sets.close()
                await tasks.stop(scheduled_task)
                await tasks.stop(bots_task)
                await tasks.stop(sweep_task)
                await tasks.stop(media_task)
                await tasks.stop(sync_task)
                await tasks.stop(pace_task)
                await limiter.close()
                await pacer.close()
                metrics.process_stopped()

    return Starlette(
        routes=[
            Mount("/mumbleapi", routes=api_routes()),
            *inbound_routes.routes,
            *openapi_routes.routes,
            *observability_routes.routes,
        ],
        middleware=[
            Middleware(AccessMiddleware),
            Middleware(BodyDeadline, seconds=settings.body_timeout_seconds),
        ],
        exception_handlers={**EXCEPTION_HANDLERS, **db_errors.EXCEPTION_HANDLERS},
        lifespan=lifespan,
    )

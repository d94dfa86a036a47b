"""The app's collaborators as one typed value: built by the lifespan, handed to every handler.

Handlers pick what a service function needs from it (the Graph client, the clock, a setting);
service functions never take the whole value, so each signature says what it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from mumble.auth import KeyCache, LastUsedTracker
from mumble.clock import Clock
from mumble.db.batches import Coalescer
from mumble.db.readcache import ReadCache
from mumble.pacing.pacer import Pacer
from mumble.ratelimit import RateLimiter
from mumble.settings import Settings
from mumble.wakeup import Wakeup
from mumble.whatsapp.client import GraphClient


@dataclass(frozen=True)
class Services:
    """Everything a request may use beyond its own parameters, for the life of the process."""

    settings: Settings
    clock: Clock
    # The one pooled HTTP client of the process (Graph API, webhooks, media links).
    http: aiohttp.ClientSession
    graph: GraphClient
    limiter: RateLimiter
    # The outbound pacer every send asks first (Redis-shared when the limiter's storage is).
    pacer: Pacer
    key_usage: LastUsedTracker
    # Key rows of this process, cleared by every change to keys, roles or accounts anywhere.
    keys: KeyCache
    # Kicked when an inbound message leaves a file to download.
    media_wakeup: Wakeup
    # get-customer's views, dropped by every change to what they show anywhere.
    customers: ReadCache
    # Gathers the statuses of concurrent webhook POSTs into sets (mumble.messages.status_sets
    # builds it); None applies them one by one.
    status_sets: Coalescer[Any, bool] | None = None

"""Every Prometheus metric family Mumble exports, the helpers that count them, and rendering.

Label values are always drawn from small fixed sets (route templates, status words, Meta codes),
never from request data, so the number of series stays bounded whatever clients send.

Multi-process: prometheus-client switches to its file-backed values when the environment variable
PROMETHEUS_MULTIPROC_DIR names a directory before the first metric is created (it reads the
variable itself, at import). Then every process writes its own files there and /metrics sums
them all, so any replica or uvicorn worker on the host answers for the whole host.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
    start_http_server,
    values,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# No `_created` series beside every counter and histogram: they double the series for nothing
# Prometheus queries here use (a process-wide switch of the library, set before any metric).
disable_created_metrics()
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Paths a probe or scraper polls every few seconds: the access log keeps them at debug level.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Fast reads sit in the low milliseconds; sends through Meta and uploads take seconds.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "mumble_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "mumble_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
HTTP_IN_PROGRESS = Gauge(
    "mumble_http_requests_in_progress",
    "Requests being handled right now.",
    multiprocess_mode="livesum",
)
MESSAGES = Counter(
    "mumble_messages",
    "Messages by direction (inbound, outbound) and the status they reached.",
    ["direction", "status"],
)
META_ERRORS = Counter(
    "mumble_meta_errors",
    "Failed WhatsApp Cloud API calls, by Meta error code (transport: no Graph error body).",
    ["code"],
)
RATE_LIMITED = Counter(
    "mumble_rate_limit_rejections",
    "Requests refused with 429 by our rate limiter, by layer (ip, key, messaging).",
    ["layer"],
)
WEBHOOK_DELIVERIES = Counter(
    "mumble_webhook_deliveries",
    "Event webhook delivery attempts, by outcome (delivered, failed, dead, lost_lease, error).",
    ["outcome"],
)
INBOUND_BATCHES = Counter(
    "mumble_inbound_webhook_batches",
    "WhatsApp webhook POSTs received, by outcome (processed, malformed, unsigned, bad_signature).",
    ["outcome"],
)
INBOUND_REPAIRS = Counter(
    "mumble_inbound_repairs",
    "Inbound webhook values that could not be stored as Meta sent them, by what was done "
    "(clipped, nul_replaced, out_of_range, too_deep, unmatchable, malformed) and to which field.",
    ["repair", "field"],
)

UNDOCUMENTED = Counter(
    "mumble_undocumented_responses",
    "API answers whose status the OpenAPI document does not declare, by route and status "
    "(always 0 unless an endpoint's declaration is incomplete).",
    ["route", "status"],
)


def method_label(method: str) -> str:
    """The HTTP method, or `other` for anything outside the standard set (bounded labels)."""
    return method if method in _METHODS else "other"


# Labelled children by label values: `.labels()` takes a lock and builds a key on every call,
# and this runs on every request. The key sets are bounded like the labels themselves.
_request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    key = (method_label(method), route, status)
    children = _request_children.get(key)
    if children is None:
        children = (
            HTTP_REQUESTS.labels(key[0], route, str(status)),
            HTTP_LATENCY.labels(key[0], route),
        )
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def count_message(direction: str, status: str) -> None:
    """A message reached `status` (accepted, sent, delivered, read, failed, received)."""
    MESSAGES.labels(direction, status).inc()


def count_meta_error(code: int | str) -> None:
    """A Graph API call failed with this Meta error code (or `transport`)."""
    META_ERRORS.labels(str(code)).inc()


def count_rate_limited(layer: str) -> None:
    """Our limiter answered 429 on this layer."""
    RATE_LIMITED.labels(layer).inc()


def count_delivery(outcome: str) -> None:
    """One webhook delivery attempt ended this way."""
    WEBHOOK_DELIVERIES.labels(outcome).inc()


def count_inbound_batch(outcome: str) -> None:
    """One POST to /webhooks/whatsapp ended this way."""
    INBOUND_BATCHES.labels(outcome).inc()


def count_inbound_repair(repair: str, field: str) -> None:
    """An inbound value was stored repaired (or, when unusable, skipped) this way."""
    INBOUND_REPAIRS.labels(repair, field).inc()


def count_undocumented(route: str, status: int) -> None:
    """An endpoint answered a status its declaration does not list."""
    UNDOCUMENTED.labels(route, str(status)).inc()


def is_multiprocess() -> bool:
    """True when prometheus-client writes values to PROMETHEUS_MULTIPROC_DIR files."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def outbox_family(depth: Mapping[str, int]) -> GaugeMetricFamily:
    """`mumble_webhook_outbox_depth` by status, from counts read at scrape time."""
    family = GaugeMetricFamily(
        "mumble_webhook_outbox_depth",
        "Webhook deliveries still to be made, by status (pending, failed = retry due, in_flight).",
        labels=["status"],
    )
    for status in ("pending", "failed", "in_flight"):  # DeliveryStatus.active(), a leaf here
        family.add_metric([status], depth.get(status, 0))
    return family


class _Snapshot:
    """A collector of families computed just before the scrape (database-derived gauges)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self._families


def render(snapshot: Iterable[Metric] = ()) -> bytes:
    """The Prometheus text exposition of every family, plus the scrape-time `snapshot`."""
    if is_multiprocess():
        # A fresh registry per scrape: the collector reads every process's files each time.
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry)
        output = generate_latest(registry)
    else:
        output = generate_latest(REGISTRY)
    return output + generate_latest(_Snapshot(snapshot))


def serve_in_thread(host: str, port: int) -> Callable[[], None]:
    """Serve this process's metrics over HTTP from a daemon thread (for processes without an
    API, like `mumble worker`); returns the function that stops it."""
    server, thread = start_http_server(port, addr=host)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


def process_stopped() -> None:
    """Drop this process's live gauges from the shared directory (multi-process mode only)."""
    if is_multiprocess():
        multiprocess.mark_process_dead(os.getpid())

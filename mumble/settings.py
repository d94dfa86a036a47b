"""Settings: one frozen value built from MUMBLE_* environment variables, passed down explicitly."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from typing import Any

_DEFAULT_DB = "sqlite://var/mumble.sqlite3"
# The Graph API version in every Cloud API path: the newest Meta offers
# (developers.facebook.com/docs/graph-api/changelog; v26.0 is available into 2028).
GRAPH_VERSION = "v26.0"


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()
    )


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the service is configured by. Secrets are excluded from repr."""

    database_url: str = _DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # `mumble serve` on SIGTERM: in-flight requests get this long to finish before being cut.
    shutdown_grace_seconds: int = 20
    max_body_bytes: int = 1024 * 1024
    # Slow clients: a request's headers must arrive within this many seconds of its first byte
    # (or of the connection opening), its whole body within body_timeout_seconds of the headers,
    # and an idle kept-alive connection is closed after keep_alive_seconds.
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 30
    keep_alive_seconds: int = 5
    max_upload_bytes: int = 100 * 1024 * 1024
    # The bulk endpoints (import-customers): largest JSON array or CSV file.
    max_import_bytes: int = 8 * 1024 * 1024
    # Reconcile every account's templates with Meta this often (0 turns the sync off).
    template_sync_seconds: int = 900
    # `mumble serve` applies migrations (and seeds the demo account) before serving. Set it to
    # false on API replicas so only the one-shot `mumble migrate` touches the schema.
    migrate_on_start: bool = True

    # WhatsApp Cloud API. An empty api_url means "the local sandbox".
    whatsapp_api_url: str = ""
    whatsapp_api_version: str = GRAPH_VERSION
    whatsapp_app_secret: str = dataclasses.field(default="", repr=False)
    whatsapp_verify_token: str = dataclasses.field(default="", repr=False)
    whatsapp_app_id: str = "sandbox-app"
    public_base_url: str = ""
    sandbox_port: int = 8765
    allow_private_urls: bool = False

    # Event webhooks: the delivery worker runs inside `mumble serve` unless MUMBLE_RUN_WORKER=0.
    run_worker: bool = True
    webhook_timeout_seconds: int = 10
    # A claimed delivery is retried by another worker once its lease runs out (crash recovery).
    webhook_lease_seconds: int = 60
    webhook_poll_seconds: int = 1
    # A claimed bot turn is run again by another worker once its lease runs out (crash recovery).
    bot_lease_seconds: int = 60
    # A send still `accepted` this long after it was recorded lost its process (a crash): the
    # sweep resolves it and releases its Idempotency-Key. Longer than a send's retried Graph calls.
    send_lease_seconds: int = 900
    # `mumble worker` serves Prometheus /metrics on this port (0: off; `mumble serve` has its own).
    worker_metrics_port: int = 0

    # Status webhooks on PostgreSQL: applied as sets (one read, one write per set), gathering
    # the statuses of concurrent POSTs for up to status_batch_ms (0: each POST's own set).
    # False applies them one by one, the general path (the benchmark's baseline).
    status_sets: bool = True
    status_batch_ms: int = 2

    # Rate limits, in the `limits` notation.
    rate_limit_storage: str = "memory://"
    rate_limit_per_key: str = "600/minute"
    rate_limit_per_ip: str = "300/minute"
    rate_limit_messaging: str = "5/second;100/minute;2000/hour"
    rate_limit_fail_open: bool = False
    # Redis answers each limiter pass within this many milliseconds, or counts as down. The
    # bound includes the wait for this process's event loop, so it leaves room for a burst of
    # concurrent requests on a busy machine (Redis itself answers in well under a millisecond).
    rate_limit_timeout_ms: int = 250
    # After Redis failed, requests get the fail-open/closed decision at once for this long.
    rate_limit_breaker_seconds: int = 5
    # Windows of at least this many requests reserve quota in blocks (1%, at most 1000).
    rate_limit_block_from: int = 1000
    # Prefix of every limiter key in shared storage (one per deployment, or per test app).
    rate_limit_key_prefix: str = "mumble"
    # Outbound pacing (mumble.pacing; its gates live in rate_limit_storage): a number's
    # messages per second unless its level or an admin says otherwise, and the pair rate (one
    # message per `pace_pair_interval_seconds` to the same user, bursts of `pace_pair_burst`).
    pace_default_mps: int = 80
    pace_pair_interval_seconds: int = 6
    pace_pair_burst: int = 45
    # Read every number's throughput level and messaging limit from Meta this often (0: off).
    pace_sync_seconds: int = 3600
    # API-key rows are cached this long at most (PostgreSQL, where changes are notified).
    auth_cache_seconds: int = 10
    # get-customer's views are cached this long at most (PostgreSQL, where every change to what
    # they show is notified by triggers); 0 turns the cache off.
    customer_cache_seconds: int = 10
    # At most this many views per process (least recently used first out).
    customer_cache_entries: int = 10_000
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @property
    def sandbox_host(self) -> str:
        """Where `mumble serve` binds the sandbox: loopback only (::1 beside an IPv6 API)."""
        return "::1" if ":" in self.host else "127.0.0.1"

    @property
    def graph_api_url(self) -> str:
        """The effective Graph API base URL: the configured one, else the local sandbox."""
        if self.whatsapp_api_url:
            return self.whatsapp_api_url
        host = self.sandbox_host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.sandbox_port}"

    @property
    def uses_sandbox(self) -> bool:
        """True when no real Graph URL is configured, so the sandbox stands in for Meta."""
        return not self.whatsapp_api_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from MUMBLE_* variables; keyword overrides win (used by CLI flags)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = env.get("MUMBLE_" + field.name.upper())
            if raw is None:
                continue
            if field.name == "trusted_proxies":
                values[field.name] = _networks(raw)
            elif field.type in ("int",):
                values[field.name] = int(raw)
            elif field.type in ("bool",):
                values[field.name] = _bool(raw)
            else:
                values[field.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

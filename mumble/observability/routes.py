"""/healthz, /readyz and /metrics: unauthenticated, outside /mumbleapi, never rate-limited."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mumble.endpoint import services_of
from mumble.errors import JsonResponse, error_response
from mumble.events import queue
from mumble.observability import health, metrics

log = logging.getLogger("mumble.observability")


async def healthz(request: Request) -> Response:
    """200 while the process serves requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """200 with every check when all pass; 503 naming the failed checks otherwise."""
    services = services_of(request)
    checks = await health.readiness(
        services.limiter.storage, services.http, services.settings.graph_api_url
    )
    failed = [name for name, check in checks.items() if not check.ok]
    if failed:
        return error_response(
            503,
            f"Not ready: {', '.join(failed)}",
            details=[f"{name}: {checks[name].error}" for name in failed],
        )
    return JsonResponse(
        {"status": "ready", "checks": {name: check.view() for name, check in checks.items()}}
    )


async def prometheus(request: Request) -> Response:
    """The Prometheus text exposition, with the outbox depth read from the database now."""
    snapshot = []
    try:
        snapshot.append(metrics.outbox_family(await queue.depth()))
    except Exception:
        # A scrape during a database outage still shows the process's own metrics.
        log.warning("outbox depth unavailable for this scrape", exc_info=True)
    return Response(metrics.render(snapshot), media_type=metrics.CONTENT_TYPE)


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
    Route("/metrics", prometheus, methods=["GET"]),
]

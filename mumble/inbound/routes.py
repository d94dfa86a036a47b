"""The inbound WhatsApp webhook (Meta -> us) at /webhooks/whatsapp.

GET: the subscription handshake. POST: the signature is checked over the raw bytes, in constant
time, before anything is parsed or stored; then the batch is processed and acknowledged with 200.
developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/create-webhook-endpoint
"""

from __future__ import annotations

import hmac
import logging

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from mumble.body import read_body
from mumble.endpoint import services_of
from mumble.errors import error_response
from mumble.inbound import service
from mumble.observability import metrics
from mumble.whatsapp import signature

log = logging.getLogger("mumble.inbound")

# Meta batches up to 1000 updates in payloads of up to 3 MB.
MAX_WEBHOOK_BYTES = 3 * 1024 * 1024 + 64 * 1024


async def verify_subscription(request: Request) -> Response:
    """200 with hub.challenge when the verify token matches, else 403."""
    settings = services_of(request).settings
    params = request.query_params
    token = params.get("hub.verify_token") or ""
    expected = settings.whatsapp_verify_token
    if (
        params.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(token.encode(), expected.encode())
    ):
        return PlainTextResponse(params.get("hub.challenge") or "")
    return error_response(403, "Webhook verification failed")


async def receive(request: Request) -> Response:
    """Verify X-Hub-Signature-256 on the raw body, then store the batch; 200 once handled."""
    services = services_of(request)
    settings = services.settings
    raw = await read_body(request, MAX_WEBHOOK_BYTES)
    header = request.headers.get(signature.HEADER)
    if header is None:
        metrics.count_inbound_batch("unsigned")
        return error_response(401, "Missing webhook signature")
    if not signature.verify(raw, header, settings.whatsapp_app_secret):
        log.warning("webhook with a bad signature refused")
        metrics.count_inbound_batch("bad_signature")
        return error_response(403, "Invalid webhook signature")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        # Signed by Meta but unreadable: retrying would not help, so acknowledge it.
        log.warning("signed webhook with a malformed JSON body dropped")
        metrics.count_inbound_batch("malformed")
        return PlainTextResponse("ok")
    media = await service.handle_payload(
        body,
        clock=services.clock,
        base_url=settings.public_base_url,
        pacer=services.pacer,
        statuses=services.status_sets,
    )
    metrics.count_inbound_batch("processed")
    if media:
        services.media_wakeup.kick()
    return PlainTextResponse("ok")


routes = [
    Route("/webhooks/whatsapp", verify_subscription, methods=["GET"]),
    Route("/webhooks/whatsapp", receive, methods=["POST"]),
]

"""The inbound WhatsApp webhook routes (Meta -> us), mounted at /webhooks/whatsapp."""

from starlette.routing import Route

routes: list[Route] = []

"""HTTP routes of the webhooks API."""

from starlette.routing import Route

routes: list[Route] = []

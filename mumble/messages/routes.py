"""HTTP routes of the messages API."""

from starlette.routing import Route

routes: list[Route] = []

"""HTTP routes of the conversations API."""

from starlette.routing import Route

routes: list[Route] = []

"""HTTP routes of the team API."""

from starlette.routing import Route

routes: list[Route] = []

"""HTTP routes of the bots API."""

from starlette.routing import Route

routes: list[Route] = []

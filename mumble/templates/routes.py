"""HTTP routes of the templates API."""

from starlette.routing import Route

routes: list[Route] = []

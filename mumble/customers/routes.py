"""HTTP routes of the customers API."""

from starlette.routing import Route

routes: list[Route] = []

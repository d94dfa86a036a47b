"""GET /openapi.json and the /docs page (Swagger UI served from our own process, no CDN)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from mumble.errors import NotFound
from mumble.openapi.document import build_document

# Swagger UI's own files, shipped by the swagger-ui-py package (only these are served).
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Paths are relative so the page works behind a proxy that mounts us under a prefix.
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Mumble API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/init.js"></script>
</body>
</html>
"""
# validatorUrl null: Swagger UI would otherwise send the document to an outside validator.
INIT_JS = """window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  persistAuthorization: false
});
"""


def asset_dir() -> Path:
    """Where the installed swagger-ui-py package keeps Swagger UI's static files."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


async def openapi_json(request: Request) -> Response:
    """The OpenAPI 3.1 document of this app, built once from its mounted routes."""
    cached = getattr(request.app.state, "openapi_document", None)
    if cached is None:
        cached = orjson.dumps(build_document(request.app.routes))
        request.app.state.openapi_document = cached
    return Response(cached, media_type="application/json")


async def docs(request: Request) -> Response:
    """The Swagger UI page; every file it loads comes from this server."""
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": _CSP})


async def docs_asset(request: Request) -> Response:
    """One of the page's files: our init script or a Swagger UI file; 404 for anything else."""
    name = request.path_params["name"]
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    if name == "init.js":
        return Response(INIT_JS, media_type="text/javascript; charset=utf-8", headers=headers)
    if name not in _ASSETS:
        raise NotFound("Not found")
    return FileResponse(asset_dir() / name, media_type=_ASSETS[name], headers=headers)


routes = [
    Route("/openapi.json", openapi_json, methods=["GET"], include_in_schema=False),
    Route("/docs", docs, methods=["GET"], include_in_schema=False),
    Route("/docs/assets/{name}", docs_asset, methods=["GET"], include_in_schema=False),
]

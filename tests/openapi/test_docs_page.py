"""/docs: a Swagger UI page whose every file is served by us (works with no internet)."""

from __future__ import annotations

import re

import httpx
import pytest

ASSETS = {
    "docs/assets/swagger-ui-bundle.js": "text/javascript",
    "docs/assets/swagger-ui.css": "text/css",
    "docs/assets/favicon-32x32.png": "image/png",
    "docs/assets/init.js": "text/javascript",
}


async def test_docs_page_loads_only_files_of_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "://" not in page.text  # no CDN, no absolute URL of any host
    referenced = set(re.findall(r'(?:src|href)="([^"]+)"', page.text))
    assert referenced == set(ASSETS)
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp


@pytest.mark.parametrize(("path", "media"), sorted(ASSETS.items()))
async def test_every_file_of_the_page_is_served(
    client: httpx.AsyncClient, path: str, media: str
) -> None:
    response = await client.get("/" + path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert len(response.content) > 100


async def test_swagger_ui_is_pointed_at_our_document_and_no_outside_validator(
    client: httpx.AsyncClient,
) -> None:
    init = (await client.get("/docs/assets/init.js")).text
    assert 'url: "openapi.json"' in init
    assert "validatorUrl: null" in init
    assert "://" not in init
    bundle = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert "SwaggerUIBundle" in bundle


@pytest.mark.parametrize(
    "name", ["index.css", "LICENSE", "..%2F..%2Fsettings.py", "swagger-editor.js", "x.js"]
)
async def test_only_the_pages_own_files_are_served(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Not found"}

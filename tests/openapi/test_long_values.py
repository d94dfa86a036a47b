"""No parameter of any endpoint, however long, reaches the database unchecked.

A text longer than the column it is looked up in made Tortoise refuse the query with a
ValidationError, answered 500 (a template_id of 92 characters on the send-template endpoints).
Every parameter every endpoint declares is sent far too long and exactly at its declared limit,
alone and beside valid values; no answer is a 5xx, and a refusal is a 4xx in the envelope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from mumble.endpoint import ApiRoute
from mumble.openapi.document import walk
from mumble.settings import Settings
from tests.api import call
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes

LONG = "Ω" * 300 + "x" * 10_000
# Values that get a request past its other checks, so the long one is the reason it stops.
VALID = {
    "customer_phone": PHONE,
    "phone": PHONE,
    "text": "Hello",
    "label_name": "VIP",
    "name": "Ada",
    "variable": ["one"],
    "media_url": "https://example.com/a.jpg",
    "url": "https://example.com/hook",
}


def _api_routes(app: Starlette) -> Iterator[tuple[str, str, ApiRoute]]:
    for method, path, route in walk(app.routes):
        if isinstance(route, ApiRoute):
            yield method, path, route


@pytest.fixture
def settings(settings: Settings) -> Settings:
    unlimited = "100000/minute"
    return dataclasses.replace(
        settings,
        rate_limit_per_key=unlimited,
        rate_limit_per_ip=unlimited,
        rate_limit_messaging=unlimited,
    )


async def test_no_parameter_value_up_to_any_length_is_a_server_error(
    app: Starlette, client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant)
    tried = 0
    for method, path, route in _api_routes(app):
        params_of = {param.name: param for param in route.contract.params}
        for name, param in params_of.items():
            beside = {key: value for key, value in VALID.items() if key in params_of}
            limit = param.schema.get("maxLength")
            at_limit = "Ω" * limit if isinstance(limit, int) else LONG
            for params in ({name: LONG}, beside | {name: LONG}, beside | {name: at_limit}):
                response = await call(client, tenant, method, path, params)
                tried += 1
                assert response.status_code < 500, (path, name, response.text[:300])
                assert response.json().get("error", False) is (response.status_code >= 400)
    assert tried > 100

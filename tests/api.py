"""Acting through the public API as a tenant's client would: one helper for every endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import httpx


class HasHeaders(Protocol):
    @property
    def headers(self) -> dict[str, str]: ...


Caller = HasHeaders | dict[str, str]


def _headers(caller: Caller) -> dict[str, str]:
    return caller if isinstance(caller, dict) else caller.headers


async def call(
    client: httpx.AsyncClient,
    caller: Caller,
    method: str,
    endpoint: str,
    params: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """`method /mumbleapi/{endpoint}` with the caller's key: GET in the query string, POST and
    DELETE in a JSON body (sent as given, so tests can send what a client must not)."""
    path = endpoint if endpoint.startswith("/") else f"/mumbleapi/{endpoint}"
    if method == "GET":
        return await client.get(path, params=dict(params or {}), headers=_headers(caller))
    return await client.request(method, path, json=dict(params or {}), headers=_headers(caller))


async def post(
    client: httpx.AsyncClient,
    caller: Caller,
    endpoint: str,
    body: Mapping[str, Any] | None = None,
    /,
    **fields: Any,
) -> httpx.Response:
    """POST the endpoint as the caller: `body` and the keyword `fields`, merged."""
    return await call(client, caller, "POST", endpoint, {**(body or {}), **fields})


async def get(
    client: httpx.AsyncClient,
    caller: Caller,
    endpoint: str,
    query: Mapping[str, Any] | None = None,
    /,
    **fields: Any,
) -> httpx.Response:
    """GET the endpoint as the caller, its parameters in the query string."""
    return await call(client, caller, "GET", endpoint, {**(query or {}), **fields})


async def delete(
    client: httpx.AsyncClient,
    caller: Caller,
    endpoint: str,
    body: Mapping[str, Any] | None = None,
    /,
    **fields: Any,
) -> httpx.Response:
    """DELETE the endpoint as the caller, its parameters in a JSON body."""
    return await call(client, caller, "DELETE", endpoint, {**(body or {}), **fields})


def body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object a response carries."""
    value = response.json()
    assert isinstance(value, dict), response.text
    return value


def ok(response: httpx.Response) -> dict[str, Any]:
    """The body of a 200 answer (anything else fails the test with the answer)."""
    assert response.status_code == 200, response.text
    return body(response)

"""Check a real response against what /openapi.json declares for its operation, and the row
type of the table of requests (tests/openapi/test_responses.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema

from tests.conftest import SandboxHandle, Tenant


@dataclass(frozen=True)
class Ask:
    """One request and the status it must get. `key` names the caller's API key in the
    scenario's values (None: no key); `keep` saves fields of the answer's body by name."""

    method: str
    path: str
    expect: int
    key: str | None = "key"
    json: Any = None
    params: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    documented_as: str | None = None
    keep: dict[str, str] = field(default_factory=dict)
    # Headers the answer must carry, each with a check of its value.
    answers_with: dict[str, Callable[[str], bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    client: httpx.AsyncClient
    sandbox: SandboxHandle
    tenant: Tenant
    server: str


Setup = Callable[[World], Awaitable[dict[str, str]]]


async def check(
    document: dict[str, Any],
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    expect: int,
    documented_as: str | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send the request, expect `expect`, and check the answer against the document."""
    response = await client.request(method, path, **kwargs)
    assert response.status_code == expect, response.text
    assert_documented(document, method, documented_as or path, response)
    return response


def _ref_to(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def assert_documented(
    document: dict[str, Any], method: str, path: str, response: httpx.Response
) -> None:
    """The status is declared, the content type matches, the body and headers validate."""
    operation = document["paths"][path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} answered undeclared {status}"
    declared = operation["responses"][status]
    media = response.headers["content-type"].split(";")[0].strip()
    content = declared["content"]
    assert media in content or "*/*" in content, f"{media} not in {sorted(content)}"
    if media == "application/json":
        # Validate from the document's root so `#/components/...` references resolve.
        pointer = _ref_to("paths", path, method.lower(), "responses", status, "content", media)
        root = {**document, "$ref": pointer + "/schema"}
        jsonschema.Draft202012Validator(root).validate(response.json())
    for name, header in declared.get("headers", {}).items():
        spec = _resolve(document, header)
        value = response.headers.get(name)
        if spec.get("required"):
            assert value is not None, f"required header {name} missing"
        if value is not None and spec["schema"].get("type") == "integer":
            assert value.isdigit(), f"{name}: {value!r} is not an integer"


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in node:
        return node
    target: Any = document
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return target  # type: ignore[no-any-return]

"""The request table's pieces: one request and its expected answer, the world a scenario's
setup sees, and filling `{name}` from values kept by earlier answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

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


def filled(value: Any, known: dict[str, str]) -> Any:
    """`value` with `{name}` in its texts replaced by the values kept so far."""
    if isinstance(value, str):
        return value.format_map(known) if "{" in value else value
    if isinstance(value, dict):
        return {key: filled(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, known) for item in value]
    return value

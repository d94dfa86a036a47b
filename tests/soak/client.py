"""The integrator's sending client: alternates API processes, fails over when one is down, and
retries what it saw fail with the same Idempotency-Key, as a careful integrator would."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from typing import Any

import httpx

SEND = "/mumbleapi/send-text-message"
MAX_ATTEMPTS = 12
# A retry of a key whose first request died with its process waits (server side, up to 60 s)
# for the crash sweep to settle the key: the client's timeout must be longer.
TIMEOUT_SECONDS = 90.0


@dataclasses.dataclass
class Outcomes:
    """What the client saw, per Idempotency-Key."""

    # key -> (message id, wamid) of the 200
    answered: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)
    refused: dict[str, int] = dataclasses.field(default_factory=dict)  # key -> final 4xx status
    gave_up: set[str] = dataclasses.field(default_factory=set)
    seen: Counter[str] = dataclasses.field(default_factory=Counter)  # answers and errors, by kind
    replayed: int = 0


class Client:
    """One HTTP client over the API processes' base URLs."""

    def __init__(self, http: httpx.AsyncClient, bases: list[str], key: str) -> None:
        self.http = http
        self.bases = bases
        self.key = key
        self.turn = 0
        self.outcomes = Outcomes()

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The request on the next process in turn, on another when it does not answer."""
        headers = {"Mumble-Api-Key": self.key, **kwargs.pop("headers", {})}
        first = self.turn % len(self.bases)
        self.turn += 1
        order = self.bases[first:] + self.bases[:first]
        for _ in range(3):
            for base in order:
                try:
                    return await self.http.request(method, base + path, headers=headers, **kwargs)
                except httpx.TransportError:
                    # The process died under the request (or is restarting): the request may or
                    # may not have done its work; the same key makes the retry safe.
                    self.outcomes.seen["transport error"] += 1
            await asyncio.sleep(0.5)
        raise RuntimeError(f"no API process answered {path}")

    async def send(self, phone: str, text: str, key: str) -> None:
        """send-text-message until a final answer: 200, or a refusal (4xx other than 409/429)."""
        out = self.outcomes
        for _ in range(MAX_ATTEMPTS):
            response = await self.call(
                "POST",
                SEND,
                json={"customer_phone": phone, "text": text},
                headers={"Idempotency-Key": key},
            )
            status = response.status_code
            out.seen[str(status)] += 1
            if status == 200:
                body = response.json()
                out.replayed += response.headers.get("Idempotent-Replayed") == "true"
                out.answered[key] = (int(body["id"]), str(body["message_wa_id"]))
                return
            if status == 429:
                reset = int(response.headers.get("X-RateLimit-Reset", "0"))
                await asyncio.sleep(min(2.0, max(0.1, reset - time.time())))
            elif status == 409 or status >= 500:
                # 409: the key's first request is still in progress (or died: the sweep
                # settles it); 5xx: nothing was stored as done, the key was released.
                await asyncio.sleep(1.0 if status == 409 else 0.2)
            else:
                out.refused[key] = status
                return
        out.gave_up.add(key)

"""A local OpenAI-compatible server and integrator agent over real HTTP, for AI bot tests.

`StandIn` serves `POST /v1/chat/completions` (point an AI bot's `base_url` at `base_url`) and
`POST /agent` (a webhook kind's `url`: `agent_url`). It records every request it is sent and
answers with the steps queued by `then(...)`, one per request, in order; with none queued it
answers `default_reply` (chat) or `{"reply": default_reply}` (agent). A step can delay its
answer (for timeouts), answer any status or any bytes. When `agent_secret` is set, agent
requests are checked like a real receiver checks Standard Webhooks signatures: a bad signature
is answered 401 and recorded as `signature_ok=False`.

    async with StandIn.running() as standin:      # or the `standin` fixture below
        standin.then(completion("Hi!"), failure(500))
        ... answer(...) ...
        standin.chat_requests[0].json["messages"]

Steps: `completion(text)`, `tool_call(name, arguments)`, `failure(status)`, `raw(bytes)`,
`slow(seconds, then)`, `agent_reply(text)`, `agent_handoff(reason)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest_asyncio
from aiohttp import web

from mumble.events import signing

DEFAULT_REPLY = "Hello from the stand-in."
# A delayed step never holds a test longer than this, even when nobody waits for it.
DELAY_CAP_SECONDS = 10.0
CHAT_PATH = "/v1/chat/completions"
AGENT_PATH = "/agent"


@dataclasses.dataclass(frozen=True)
class Step:
    """One answer: `status` with `body`, after `delay` seconds."""

    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    content_type: str = "application/json"


@dataclasses.dataclass(frozen=True)
class Seen:
    """One request the stand-in received."""

    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None = None

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


def _completion_body(message: dict[str, Any], finish_reason: str = "stop") -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-standin",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "standin",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )


def completion(text: str, *, delay: float = 0.0) -> Step:
    """A chat completion whose assistant message says `text`."""
    return Step(body=_completion_body({"role": "assistant", "content": text}), delay=delay)


def tool_call(name: str = "hand_off_to_human", arguments: dict[str, Any] | str = "") -> Step:
    """A chat completion that calls the tool `name` with `arguments` (a dict or raw JSON text)."""
    args = arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}
        ],
    }
    return Step(body=_completion_body(message, "tool_calls"))


def failure(status: int = 500, body: bytes = b'{"error": "stand-in failure"}') -> Step:
    """An error answer."""
    return Step(status=status, body=body)


def raw(body: bytes, *, status: int = 200, content_type: str = "application/json") -> Step:
    """Any bytes (malformed JSON, a body of the wrong shape)."""
    return Step(status=status, body=body, content_type=content_type)


def slow(seconds: float, then: Step | None = None) -> Step:
    """`then` (a normal completion) only after `seconds`: past a client's timeout."""
    step = then or completion(DEFAULT_REPLY)
    return dataclasses.replace(step, delay=seconds)


def agent_reply(text: str) -> Step:
    """The agent's answer: send `text`."""
    return Step(body=orjson.dumps({"reply": text}))


def agent_handoff(reason: str = "") -> Step:
    """The agent's answer: hand the conversation to humans."""
    return Step(body=orjson.dumps({"handoff": True, "reason": reason}))


class StandIn:
    """The running stand-in: its URLs, what it received, the answers queued."""

    def __init__(self) -> None:
        self.origin = ""
        self.seen: list[Seen] = []
        self.steps: list[Step] = []
        self.default_reply = DEFAULT_REPLY
        self.agent_secret: str | None = None

    @property
    def base_url(self) -> str:
        """An AI bot's `base_url` for this stand-in."""
        return f"{self.origin}/v1"

    @property
    def agent_url(self) -> str:
        """A webhook AI bot's `url` for this stand-in."""
        return f"{self.origin}{AGENT_PATH}"

    @property
    def chat_requests(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == CHAT_PATH]

    @property
    def agent_requests(self) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == AGENT_PATH]

    def then(self, *steps: Step) -> StandIn:
        """Queue answers for the next requests, in order."""
        self.steps.extend(steps)
        return self

    def _next(self, default: Step) -> Step:
        return self.steps.pop(0) if self.steps else default

    async def _answer(self, step: Step) -> web.Response:
        if step.delay:
            await asyncio.sleep(min(step.delay, DELAY_CAP_SECONDS))
        return web.Response(status=step.status, body=step.body, content_type=step.content_type)

    async def _chat(self, request: web.Request) -> web.Response:
        self.seen.append(Seen(request.path, dict(request.headers), await request.read()))
        return await self._answer(self._next(completion(self.default_reply)))

    async def _agent(self, request: web.Request) -> web.Response:
        body = await request.read()
        ok = None
        if self.agent_secret is not None:
            ok = signing.verify(
                self.agent_secret,
                request.headers.get("webhook-id", ""),
                request.headers.get("webhook-timestamp", ""),
                request.headers.get("webhook-signature", ""),
                body,
                now=time.time(),
            )
        self.seen.append(Seen(request.path, dict(request.headers), body, ok))
        if ok is False:
            return web.Response(status=401, text="bad signature")
        return await self._answer(self._next(agent_reply(self.default_reply)))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(CHAT_PATH, self._chat)
        app.router.add_post(AGENT_PATH, self._agent)
        return app

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, host: str = "127.0.0.1") -> AsyncIterator[StandIn]:
        """A stand-in listening on `host` at a free port, for the block's duration."""
        standin = cls()
        # handler_cancellation: a request the client gave up on (a timeout) stops its delay.
        runner = web.AppRunner(standin.app(), handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, 0)
        await site.start()
        port = runner.addresses[0][1]
        standin.origin = f"http://{host}:{port}"
        try:
            yield standin
        finally:
            await runner.cleanup()


@pytest_asyncio.fixture
async def standin() -> AsyncIterator[StandIn]:
    """A running stand-in for one test (import it into a conftest to use it elsewhere)."""
    async with StandIn.running() as running:
        yield running

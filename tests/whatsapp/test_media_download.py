"""Downloading a media URL: a few redirects are followed (the token stays on Meta's origin), and
anything but a 2xx with content is a failure, never a 0-byte file."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mumble.settings import GRAPH_VERSION
from mumble.whatsapp.client import MEDIA_REDIRECTS, Channel, GraphClient
from mumble.whatsapp.errors import TransportError
from tests.live import serve
from tests.whatsapp.conftest import RecordingSleep

FILE = b"\xff\xd8\xff\xe0 a photo"
CHANNEL = Channel("106540352242922", "102290129340398", "EAAmedia-token-1")


class Host:
    """A media host: /hop/{n} redirects n more times, then /file; it records who asked."""

    def __init__(self, cdn: Host | None = None) -> None:
        self.url = ""
        self.cdn = cdn
        self.seen: list[tuple[str, str | None]] = []

    def app(self) -> Starlette:
        async def hop(request: Request) -> Response:
            self._record(request)
            left = int(request.path_params["n"])
            return RedirectResponse(f"/hop/{left - 1}" if left > 1 else "/file", status_code=302)

        async def file(request: Request) -> Response:
            self._record(request)
            return Response(FILE, media_type="image/jpeg")

        async def status(request: Request) -> Response:
            self._record(request)
            return Response(b"", status_code=int(request.path_params["code"]))

        async def away(request: Request) -> Response:
            self._record(request)
            assert self.cdn is not None
            return RedirectResponse(f"{self.cdn.url}/file", status_code=302)

        return Starlette(
            routes=[
                Route("/hop/{n}", hop),
                Route("/file", file),
                Route("/status/{code}", status),
                Route("/away", away),
            ]
        )

    def _record(self, request: Request) -> None:
        self.seen.append((request.url.path, request.headers.get("authorization")))


@pytest_asyncio.fixture
async def host() -> AsyncIterator[Host]:
    cdn = Host()
    meta = Host(cdn)
    async with serve(meta.app()) as meta.url, serve(cdn.app()) as cdn.url:
        yield meta


@pytest_asyncio.fixture
async def client(sleeps: RecordingSleep) -> AsyncIterator[GraphClient]:
    async with aiohttp.ClientSession() as session:
        yield GraphClient(session, "http://unused", GRAPH_VERSION, sleep=sleeps, jitter=lambda: 1.0)


async def test_up_to_three_redirects_are_followed_to_the_file(
    host: Host, client: GraphClient
) -> None:
    data = await client.download_media(CHANNEL, f"{host.url}/hop/{MEDIA_REDIRECTS}")

    assert data == FILE
    assert [path for path, _ in host.seen] == ["/hop/3", "/hop/2", "/hop/1", "/file"]
    assert {auth for _, auth in host.seen} == {f"Bearer {CHANNEL.access_token}"}


async def test_one_redirect_too_many_is_a_failure_and_is_not_retried(
    host: Host, client: GraphClient, sleeps: RecordingSleep
) -> None:
    with pytest.raises(TransportError, match="too many redirects"):
        await client.download_media(CHANNEL, f"{host.url}/hop/{MEDIA_REDIRECTS + 1}")

    assert "/file" not in [path for path, _ in host.seen]
    assert sleeps.delays == []


async def test_a_redirect_to_another_origin_does_not_carry_the_token(
    host: Host, client: GraphClient
) -> None:
    data = await client.download_media(CHANNEL, f"{host.url}/away")

    assert data == FILE
    assert host.cdn is not None
    assert host.cdn.seen == [("/file", None)]


@pytest.mark.parametrize("code", [204, 304, 403, 404])
async def test_a_non_2xx_or_empty_answer_is_a_failure_not_an_empty_file(
    host: Host, client: GraphClient, code: int
) -> None:
    with pytest.raises(TransportError):
        await client.download_media(CHANNEL, f"{host.url}/status/{code}")

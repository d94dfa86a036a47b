"""`mumble bot create --flow FILE` and `mumble bot edit`: the API's checks, from a file."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from mumble.models import Bot, FlowVersion
from tests.api import get, ok
from tests.conftest import Tenant
from tests.test_cli import mumble

FLOW = {
    "start": "hi",
    "nodes": {"hi": {"type": "send_text", "text": "Hello", "next": "end"}, "end": {"type": "end"}},
}


async def test_the_cli_creates_and_edits_a_flow_bot_from_files_and_lists_every_problem(
    client: httpx.AsyncClient, tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    good, bad = tmp_path / "flow.json", tmp_path / "bad.json"
    good.write_bytes(orjson.dumps(FLOW))
    bad.write_bytes(orjson.dumps({"start": "x", "nodes": {"hi": {"type": "nope"}}}))
    account = str(tenant.account.id)
    run = await mumble(
        database_url, "bot", "create", "--account", account, "Hi", "--flow", str(good), "--json"
    )
    assert run.code == 0, run.stderr
    bot_id = run.json()["id"]
    shown = ok(await get(client, tenant, "get-bot", bot_id=bot_id))["bot"]
    assert (shown["version"], shown["flow"]) == (1, FLOW)

    run = await mumble(
        database_url, "bot", "edit", "--account", account, bot_id, "--flow", str(bad), "--json"
    )
    assert run.code == 1
    assert run.json() == {
        "error": True,
        "message": "The flow is not valid",
        "details": [
            "flow.start names an unknown node 'x'",
            "nodes.hi.type 'nope' is not a node type",
        ],
    }
    run = await mumble(
        database_url, "bot", "edit", "--account", account, bot_id, "--flow", str(good), "--json"
    )
    assert run.json() == {"id": bot_id, "name": "Hi", "version": 2}
    assert await FlowVersion.filter(bot_id=bot_id).count() == 2
    assert (await Bot.get(id=bot_id)).flow_version == 2

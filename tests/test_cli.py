"""The admin CLI, run as a real subprocess against the test database, checked over HTTP."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

from mumble.cli import build_parser
from mumble.models import Account, Agent, ApiKey, Bot, Team

ROOT = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return orjson.loads(self.stdout)


async def mumble(database_url: str, *args: str) -> Run:
    """`python -m mumble ARGS` with MUMBLE_DATABASE_URL pointing at the test database."""
    env = {**os.environ, "MUMBLE_DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mumble",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


async def _ok(database_url: str, *args: str) -> Any:
    run = await mumble(database_url, *args)
    assert run.code == 0, run.stderr
    return run.json()


async def test_cli_builds_an_account_whose_key_works_over_http(
    client: httpx.AsyncClient, database_url: str
) -> None:
    account = await _ok(database_url, "account", "create", "Acme CLI", "--json")
    assert account["name"] == "Acme CLI"
    account_id = account["id"]
    assert (await Account.get(id=account_id)).name == "Acme CLI"

    key = await _ok(database_url, "key", "create", "--account", account_id, "--json")
    assert key["key"].startswith("mbl_")
    assert key["account"] == account_id
    stored_key = await ApiKey.get(id=key["id"])
    # Only the hash is stored, never the plaintext.
    assert stored_key.key_hash != key["key"]
    assert key["key"] not in stored_key.key_hash
    headers = {"Mumble-Api-Key": key["key"]}

    agent = await _ok(database_url, "agent", "create", "--account", account_id, "Dana", "--json")
    team = await _ok(
        database_url,
        "team",
        "create",
        "--account",
        account_id,
        "Sales",
        "--member",
        agent["id"],
        "--json",
    )
    bot = await _ok(database_url, "bot", "create", "--account", account_id, "Flow", "--json")
    assert (await Agent.get(id=agent["id"])).account_id == uuid.UUID(account_id)  # type: ignore[attr-defined]
    assert (await Team.get(id=team["id"])).name == "Sales"
    assert (await Bot.get(id=bot["id"])).name == "Flow"

    agents = await client.get("/mumbleapi/get-agents", headers=headers)
    assert agents.status_code == 200
    assert agents.json() == {"success": True, "agents": [{"name": "Dana", "id": agent["id"]}]}
    teams = await client.get("/mumbleapi/get-teams", headers=headers)
    assert teams.json() == {
        "success": True,
        "teams": [
            {"name": "Sales", "id": team["id"], "members": [{"name": "Dana", "id": agent["id"]}]}
        ],
    }
    bots = await client.get("/mumbleapi/get-bots", headers=headers)
    assert bots.json() == {"success": True, "bots": [{"id": bot["id"], "name": "Flow"}]}


async def test_blocked_account_key_gets_401_until_unblocked(
    client: httpx.AsyncClient, database_url: str
) -> None:
    account_id = (await _ok(database_url, "account", "create", "Blocky", "--json"))["id"]
    key = (await _ok(database_url, "key", "create", "--account", account_id, "--json"))["key"]
    headers = {"Mumble-Api-Key": key}
    assert (await client.get("/mumbleapi/get-labels", headers=headers)).status_code == 200

    blocked = await _ok(database_url, "account", "block", account_id, "--json")
    assert blocked == {"id": account_id, "status": "blocked"}
    assert (await Account.get(id=account_id)).is_blocked
    response = await client.get("/mumbleapi/get-labels", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["error"] is True
    assert "blocked" in body["message"].lower()
    assert "usage" in body["message"].lower()

    unblocked = await _ok(database_url, "account", "unblock", account_id, "--json")
    assert unblocked == {"id": account_id, "status": "active"}
    assert (await client.get("/mumbleapi/get-labels", headers=headers)).status_code == 200


async def test_revoked_key_gets_401_saying_usage_is_blocked(
    client: httpx.AsyncClient, database_url: str
) -> None:
    account_id = (await _ok(database_url, "account", "create", "Revoky", "--json"))["id"]
    key = await _ok(database_url, "key", "create", "--account", account_id, "--json")
    revoked = await _ok(database_url, "key", "revoke", key["id"], "--json")
    assert revoked == {"id": key["id"], "status": "revoked"}
    response = await client.get("/mumbleapi/get-labels", headers={"Mumble-Api-Key": key["key"]})
    assert response.status_code == 401
    assert "blocked" in response.json()["message"].lower()


async def test_commands_without_json_print_the_new_id(
    client: httpx.AsyncClient, database_url: str
) -> None:
    run = await mumble(database_url, "account", "create", "Plain")
    assert run.code == 0, run.stderr
    account_id = run.stdout.strip()
    assert (await Account.get(id=uuid.UUID(account_id))).name == "Plain"
    for noun in ("agent", "team", "bot"):
        run = await mumble(database_url, noun, "create", "--account", account_id, f"My {noun}")
        assert run.code == 0, run.stderr
        uuid.UUID(run.stdout.strip())
    key_run = await mumble(database_url, "key", "create", "--account", account_id)
    assert key_run.code == 0, key_run.stderr
    plaintext = key_run.stdout.splitlines()[0]
    response = await client.get("/mumbleapi/get-bots", headers={"Mumble-Api-Key": plaintext})
    assert [bot["name"] for bot in response.json()["bots"]] == ["My bot"]


async def test_unknown_account_is_an_error_with_exit_code_1(
    client: httpx.AsyncClient, database_url: str
) -> None:
    for account in ("not-a-uuid", str(uuid.uuid4())):
        run = await mumble(database_url, "agent", "create", "--account", account, "X", "--json")
        assert run.code == 1
        assert run.json() == {"error": True, "message": "Account not found"}
    assert await Agent.all().count() == 0


async def test_team_member_of_another_account_is_refused(
    client: httpx.AsyncClient, database_url: str
) -> None:
    first = (await _ok(database_url, "account", "create", "First", "--json"))["id"]
    second = (await _ok(database_url, "account", "create", "Second", "--json"))["id"]
    agent = await _ok(database_url, "agent", "create", "--account", first, "Dana", "--json")
    run = await mumble(
        database_url,
        "team",
        "create",
        "--account",
        second,
        "Sales",
        "--member",
        agent["id"],
        "--json",
    )
    assert run.code == 1
    assert run.json() == {"error": True, "message": f"Agent not found: {agent['id']}"}
    assert await Team.all().count() == 0


async def test_a_phone_number_id_serves_one_account_only(
    client: httpx.AsyncClient, database_url: str
) -> None:
    taken = "That WhatsApp phone number id is already used by another account"
    first = await _ok(
        database_url, "account", "create", "First", "--phone-number-id", "555", "--json"
    )
    run = await mumble(
        database_url, "account", "create", "Second", "--phone-number-id", "555", "--json"
    )
    assert (run.code, run.json()) == (1, {"error": True, "message": taken})
    assert "Traceback" not in run.stderr
    second = await _ok(database_url, "account", "create", "Second", "--json")
    moved = await mumble(
        database_url, "account", "set-channel", second["id"], "--phone-number-id", "555", "--json"
    )
    assert (moved.code, moved.json()) == (1, {"error": True, "message": taken})
    numbers = {str(a.id): a.phone_number_id for a in await Account.all()}
    assert numbers == {first["id"]: "555", second["id"]: None}


def _leaf_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        return [(path, parser)]
    return [
        leaf
        for action in subparsers
        for name, child in action.choices.items()
        for leaf in _leaf_parsers(child, (*path, name))
    ]


def test_every_admin_command_takes_json() -> None:
    leaves = _leaf_parsers(build_parser())
    admin = [(path, p) for path, p in leaves if path[0] not in ("serve", "worker", "sandbox")]
    assert admin
    without = [" ".join(path) for path, p in admin if "--json" not in p._option_string_actions]
    assert without == []


async def test_role_permissions_and_migrate_answer_json(database_url: str) -> None:
    permissions = await _ok(database_url, "role", "permissions", "--json")
    names = [p["name"] for p in permissions["permissions"]]
    assert "messages:send" in names
    assert all(p["action"] for p in permissions["permissions"])
    assert await _ok(database_url, "migrate", "--json") == {"migrated": True}
    plain = await mumble(database_url, "migrate")
    assert (plain.code, plain.stdout) == (0, "migrations applied\n")


async def test_a_usage_error_with_json_is_a_json_error(database_url: str) -> None:
    run = await mumble(database_url, "key", "create", "--json")
    assert run.code == 2
    answer = run.json()
    assert answer["error"] is True
    assert "--account" in answer["message"]
    plain = await mumble(database_url, "key", "create")
    assert plain.code == 2
    assert plain.stdout == ""
    assert "--account" in plain.stderr


async def test_team_and_agent_names_are_unique_per_account(
    client: httpx.AsyncClient, database_url: str
) -> None:
    first = (await _ok(database_url, "account", "create", "First", "--json"))["id"]
    second = (await _ok(database_url, "account", "create", "Second", "--json"))["id"]
    for noun in ("team", "agent"):
        await _ok(database_url, noun, "create", "--account", first, "Sales", "--json")
        again = await mumble(database_url, noun, "create", "--account", first, "Sales", "--json")
        assert again.code == 1, again.stderr
        assert again.json() == {
            "error": True,
            "message": f"{noun.capitalize()} already exists",
        }
        # Another account may use the same name.
        await _ok(database_url, noun, "create", "--account", second, "Sales", "--json")
    assert await Team.filter(name="Sales").count() == 2
    assert await Agent.filter(name="Sales").count() == 2


async def test_cli_json_writes_timestamps_as_rfc3339_with_z(
    client: httpx.AsyncClient, database_url: str
) -> None:
    account = (await _ok(database_url, "account", "create", "Stamps", "--json"))["id"]
    key = await _ok(database_url, "key", "create", "--account", account, "--json")
    assert key["created_at"].endswith("Z")
    assert dt.datetime.fromisoformat(key["created_at"]).utcoffset() == dt.timedelta(0)

"""The operator's look around: account list/show, agent/team/bot list, team membership, --json."""

from __future__ import annotations

from typing import Any

from mumble.accounts import service as accounts
from mumble.bots import service as bots
from mumble.models import Team
from mumble.team import service as team
from tests.test_cli import mumble


async def _json(database_url: str, *args: str) -> Any:
    run = await mumble(database_url, *args, "--json")
    assert run.code == 0, run.stderr
    return run.json()


async def test_accounts_are_listed_and_shown_with_their_channel_never_the_token(
    server: str, database_url: str
) -> None:
    channel = accounts.ChannelSettings(
        phone_number_id="106540352242922",
        waba_id="102290129340398",
        access_token="EAAsecret-token",
        display_phone="15550001234",
    )
    acme = await accounts.create_account("Acme", channel)
    bare = await accounts.create_account("Bare")
    await accounts.create_key(acme.id)
    await team.create_agent(acme.id, "Dana")
    listed = await _json(database_url, "account", "list")
    by_id = {view["id"]: view for view in listed["accounts"]}
    assert set(by_id) == {str(acme.id), str(bare.id)}
    assert by_id[str(acme.id)]["phone_number_id"] == "106540352242922"
    assert by_id[str(acme.id)]["has_access_token"] is True
    assert by_id[str(bare.id)]["phone_number_id"] is None
    shown = await _json(database_url, "account", "show", str(acme.id))
    assert shown["phone_number_id"] == "106540352242922"
    assert shown["waba_id"] == "102290129340398"
    assert (shown["agents"], shown["active_keys"], shown["customers"]) == (1, 1, 0)
    assert shown["status"] == "active"
    human = await mumble(database_url, "account", "show", str(acme.id))
    assert "phone_number_id: 106540352242922" in human.stdout
    for run in (human, await mumble(database_url, "account", "list")):
        assert "EAAsecret-token" not in run.stdout + run.stderr
    assert "EAAsecret-token" not in str(listed) + str(shown)
    missing = await mumble(database_url, "account", "show", "nope", "--json")
    assert missing.code == 1
    assert missing.json() == {"error": True, "message": "Account not found"}


async def test_agents_teams_and_bots_are_listed_and_members_managed(
    server: str, database_url: str
) -> None:
    acme = await accounts.create_account("Acme")
    other = await accounts.create_account("Other")
    dana = await team.create_agent(acme.id, "Dana")
    eli = await team.create_agent(acme.id, "Eli")
    stranger = await team.create_agent(other.id, "Zed")
    support = await team.create_team(acme.id, "Support", [str(dana.id)])
    await bots.create_bot(acme.id, "Flow")
    account = str(acme.id)
    agents = await _json(database_url, "agent", "list", "--account", account)
    assert agents["agents"] == [
        {"name": "Dana", "id": str(dana.id)},
        {"name": "Eli", "id": str(eli.id)},
    ]
    assert [
        b["name"] for b in (await _json(database_url, "bot", "list", "--account", account))["bots"]
    ] == ["Flow"]
    added = await _json(
        database_url, "team", "add-member", "--account", account, str(support.id), str(eli.id)
    )
    assert [m["name"] for m in added["members"]] == ["Dana", "Eli"]
    teams = await _json(database_url, "team", "list", "--account", account)
    assert teams["teams"] == [added]
    removed = await _json(
        database_url, "team", "remove-member", "--account", account, str(support.id), str(dana.id)
    )
    assert [m["name"] for m in removed["members"]] == ["Eli"]
    human = await mumble(database_url, "team", "list", "--account", account)
    assert human.stdout.splitlines() == [f"{support.id}  Support", f"    {eli.id}  Eli"]
    # Another account's agent, or this team seen from another account, is not found.
    refused = await mumble(
        database_url,
        "team",
        "add-member",
        "--account",
        account,
        str(support.id),
        str(stranger.id),
        "--json",
    )
    assert refused.code == 1
    assert refused.json() == {"error": True, "message": "Agent not found"}
    elsewhere = await mumble(
        database_url,
        "team",
        "add-member",
        "--account",
        str(other.id),
        str(support.id),
        str(stranger.id),
    )
    assert elsewhere.code == 1
    assert elsewhere.stderr == "error: Team not found\n"
    assert [a.id for a in await (await Team.get(id=support.id)).members.all()] == [eli.id]
    empty = await _json(database_url, "bot", "list", "--account", str(other.id))
    assert empty == {"account": str(other.id), "bots": []}
    assert (
        await mumble(database_url, "agent", "list", "--account", str(other.id))
    ).stdout == f"{stranger.id}  Zed\n"
    unknown = await mumble(database_url, "agent", "list", "--account", "nope")
    assert unknown.code == 1

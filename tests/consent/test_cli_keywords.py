"""`mumble account set-consent-keywords`: an account's own words, and back to the defaults."""

from __future__ import annotations

from mumble.consent.keywords import defaults
from mumble.models import Account
from tests.conftest import Tenant
from tests.test_cli import mumble


async def test_the_cli_sets_an_account_s_keywords_and_resets_them(
    database_url: str, tenant: Tenant
) -> None:
    account_id = str(tenant.account.id)
    run = await mumble(
        database_url,
        "account",
        "set-consent-keywords",
        account_id,
        "--stop",
        "ENOUGH,Basta",
        "--json",
    )
    assert run.code == 0, run.stderr
    assert run.json() == {"stop": ["ENOUGH", "Basta"], "start": list(defaults()["start"])}
    stored = await Account.get(id=tenant.account.id)
    assert stored.consent_keywords == {"stop": ["ENOUGH", "Basta"]}

    bad = await mumble(
        database_url, "account", "set-consent-keywords", account_id, "--stop", "x", "--start", "X"
    )
    assert bad.code != 0
    assert "cannot both stop and start" in bad.stderr
    assert (await Account.get(id=tenant.account.id)).consent_keywords == {
        "stop": ["ENOUGH", "Basta"]
    }

    reset = await mumble(
        database_url, "account", "set-consent-keywords", account_id, "--defaults", "--json"
    )
    assert reset.code == 0, reset.stderr
    assert (await Account.get(id=tenant.account.id)).consent_keywords is None

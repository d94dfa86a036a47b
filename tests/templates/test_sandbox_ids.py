"""The embedded sandbox's control API takes create-template's `data.id` as well as Meta's id."""

from __future__ import annotations

import uuid

import httpx

from mumble.templates.service import meta_id_of
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import create, shown

NOTE = {"name": "shipping_note", "language": "en_US", "category": "UTILITY", "body": "Shipped!"}


async def test_the_sandbox_approves_a_template_named_by_our_id_as_mumble_serve_wires_it(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    sandbox.sandbox.template_alias = meta_id_of  # what `mumble serve` sets on its sandbox
    data = (await create(client, tenant, **NOTE)).json()["data"]

    status = await sandbox.control.post(
        f"/_sandbox/templates/{data['id']}/status", json={"status": "APPROVED"}
    )
    review = await sandbox.control.post(f"/_sandbox/templates/{data['id']}/review")

    assert status.status_code == 200, status.text
    assert status.json()["id"] == data["meta_id"]
    assert status.json()["delivery"] == 200
    assert review.status_code == 200, review.text
    assert (await shown(client, tenant, data["id"]))["status"] == "APPROVED"


async def test_meta_ids_still_work_and_unknown_ids_are_a_clear_400(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    sandbox.sandbox.template_alias = meta_id_of
    data = (await create(client, tenant, **NOTE)).json()["data"]

    by_meta = await sandbox.control.post(
        f"/_sandbox/templates/{data['meta_id']}/status", json={"status": "APPROVED"}
    )
    unknown = str(uuid.uuid4())
    missing = await sandbox.control.post(
        f"/_sandbox/templates/{unknown}/status", json={"status": "APPROVED"}
    )
    not_an_id = await sandbox.control.post("/_sandbox/templates/nope/status", json={})

    assert by_meta.status_code == 200, by_meta.text
    assert missing.status_code == 400
    assert missing.json() == {"error": f"no template {unknown}"}
    assert not_an_id.json() == {"error": "no template nope"}


async def test_without_the_mapping_only_meta_ids_are_known(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    data = (await create(client, tenant, **NOTE)).json()["data"]

    answer = await sandbox.control.post(
        f"/_sandbox/templates/{data['id']}/status", json={"status": "APPROVED"}
    )

    assert answer.status_code == 400
    assert answer.json() == {"error": f"no template {data['id']}"}

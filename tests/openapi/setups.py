"""What the scenarios of the request table prepare, and the values they send."""

from __future__ import annotations

from mumble.accounts import service as accounts
from mumble.bots import service as bots
from mumble.team import service as team
from tests.messages.support import PHONE, customer_writes, inject_fault
from tests.openapi.asks import World
from tests.templates.support import approved_template

UPLOAD = {"file": ("note.txt", b"hello there", "text/plain")}
MEDIA = "/mumbleapi/media/{message_id}"
USER_ID = "US.13491208655302741918"


async def nothing(world: World) -> dict[str, str]:
    return {}


async def a_team(world: World) -> dict[str, str]:
    agent = await team.create_agent(world.tenant.account.id, "Dana")
    await team.create_team(world.tenant.account.id, "Support", [str(agent.id)])
    await bots.create_bot(world.tenant.account.id, "Flow")
    return {}


async def managed(world: World) -> dict[str, str]:
    agent = await team.create_agent(world.tenant.account.id, "Dana")
    support = await team.create_team(world.tenant.account.id, "Support", [str(agent.id)])
    bot = await bots.create_bot(world.tenant.account.id, "Flow")
    return {"agent": str(agent.id), "team": str(support.id), "bot": str(bot.id)}


async def customer_wrote_in(world: World) -> dict[str, str]:
    await customer_writes(world.sandbox, world.tenant)
    return {}


async def a_bsuid_user_wrote_in(world: World) -> dict[str, str]:
    """A user with no visible phone writes in: a customer known only by its BSUID."""
    await customer_writes(world.sandbox, world.tenant, phone=None, user_id=USER_ID)
    return {}


async def meta_refuses_next_send(world: World) -> dict[str, str]:
    await customer_writes(world.sandbox, world.tenant)
    await inject_fault(world.sandbox, target="messages", error_code=131026, count=1)
    return {}


async def customer_wrote_a_message(world: World) -> dict[str, str]:
    written = await customer_writes(world.sandbox, world.tenant)
    return {"inbound": str(written["id"])}


async def an_approved_template(world: World) -> dict[str, str]:
    template = await approved_template(
        world.client,
        world.sandbox,
        world.tenant,
        name="order_update",
        body="Order {{1}} is here",
        body_examples=["#1"],
    )
    return {"template_id": template["id"]}


async def receiver(world: World) -> dict[str, str]:
    return {"hook_url": world.server + "/healthz"}


async def slow_key(world: World) -> dict[str, str]:
    _, slow = await accounts.create_key(world.tenant.account.id, rate_limit="1/minute")
    return {"slow": slow, "wrong": "wrong"}


LABEL = {"label_name": "VIP"}
CUSTOMER = {"customer_phone": PHONE, "name": "John", "utm_source": "google", "tier": "gold"}
TEMPLATE = {"name": "welcome", "language": "en_US", "category": "MARKETING", "body": "Hi"}
SEND_VARIABLE = "/mumbleapi/send-template-text-variable"
CANCEL = "/mumbleapi/cancel-scheduled-message"
LATER = {
    "customer_phone": PHONE,
    "template_id": "{template_id}",
    "variable": ["#7"],
    "send_at": "2026-06-30T09:00:00Z",
}

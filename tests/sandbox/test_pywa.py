"""pywa, a real Cloud API client, against a live sandbox: every messages, media and templates
operation through pywa's public API, and every webhook the sandbox sends through pywa's parsing.

pywa's `GraphAPI.__init__` (pywa/api.py) sets its httpx client's `base_url` to
`https://graph.facebook.com/v{version}` and offers no setting for it; the supported way in is the
httpx client pywa lets the caller pass (`WhatsApp(session=...)`), so that client's transport sends
pywa's Graph requests to the sandbox. Nothing of pywa itself is patched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pywa_async import WhatsApp, handlers, types
from pywa_async.types import templates as t

from tests.conftest import TEST_APP_SECRET, SandboxHandle
from tests.sandbox.conftest import PHONE_NUMBER_ID, WABA_ID, Received

CUSTOMER = "16505551234"
TOKEN = "EAApywa-token-0001"


class _ToSandbox(httpx.AsyncBaseTransport):
    """Sends requests for Meta's hosts to the sandbox; every other request goes out unchanged."""

    def __init__(self, sandbox_url: str) -> None:
        self._target = httpx.URL(sandbox_url)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in ("graph.facebook.com", "api.facebook.com"):
            request.url = request.url.copy_with(
                scheme=self._target.scheme, host=self._target.host, port=self._target.port
            )
            request.headers["host"] = f"{self._target.host}:{self._target.port}"
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


class Parsed:
    """What pywa's own update handling built from each webhook the sandbox sent."""

    def __init__(self) -> None:
        self.updates: list[Any] = []
        self.raw: list[Any] = []

    async def typed(self, _: WhatsApp, update: Any) -> None:
        self.updates.append(update)

    async def untyped(self, _: WhatsApp, update: Any) -> None:
        self.raw.append(update)


@pytest_asyncio.fixture
async def wa(sandbox: SandboxHandle, received: Received) -> AsyncIterator[WhatsApp]:
    """A pywa client on the sandbox, with BSUIDs and v23 conversation objects in webhooks."""
    await sandbox.control.post(
        "/_sandbox/config", json={"user_ids": True, "conversation": True, "voice_played": True}
    )
    async with httpx.AsyncClient(transport=_ToSandbox(sandbox.url), timeout=30) as session:
        yield WhatsApp(
            phone_id=PHONE_NUMBER_ID,
            token=TOKEN,
            session=session,
            waba_id=WABA_ID,
            app_id="sandbox-app",
            app_secret=TEST_APP_SECRET,
            verify_token="pywa-verify",
            # The test clock stands still, so two notices of one event can be byte-identical.
            skip_duplicate_updates=False,
        )


async def _customer_writes(sandbox: SandboxHandle, **extra: Any) -> dict[str, Any]:
    response = await sandbox.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "text": "Hi"} | extra,
    )
    assert response.status_code == 200
    return dict(response.json())


async def _parse_all(wa: WhatsApp, sandbox: SandboxHandle, received: Received) -> Parsed:
    """Every webhook received so far, signature-checked and parsed by pywa."""
    await sandbox.flush()
    parsed = Parsed()
    wa.add_handlers(
        handlers.MessageHandler(parsed.typed),
        handlers.MessageStatusHandler(parsed.typed),
        handlers.CallbackButtonHandler(parsed.typed),
        handlers.CallbackSelectionHandler(parsed.typed),
        handlers.TemplateStatusUpdateHandler(parsed.typed),
        handlers.RawUpdateHandler(parsed.untyped),
    )
    for raw, signature in received.raw:
        assert await wa.webhook_update_validator(raw, signature) is None
        assert await wa.webhook_update_handler(raw) == ("ok", 200)
    return parsed


async def test_pywa_sends_every_message_type_and_parses_every_webhook(
    wa: WhatsApp, sandbox: SandboxHandle, received: Received
) -> None:
    inbound = await _customer_writes(sandbox)
    upload = await wa.upload_media(
        media=b"\xff\xd8 a photo", mime_type="image/jpeg", filename="a.jpg"
    )
    sent = [
        await wa.send_message(CUSTOMER, "Hello from pywa", reply_to_message_id=inbound["id"]),
        await wa.send_message(
            CUSTOMER,
            "Pick one",
            buttons=[
                types.Button(title="Yes", callback_data="yes"),
                types.Button(title="No", callback_data="no"),
            ],
        ),
        await wa.send_message(
            CUSTOMER,
            "Choose",
            buttons=types.SectionList(
                button_title="Options",
                sections=[
                    types.Section(
                        title="Colours",
                        rows=[types.SectionRow(title="Red", callback_data="red")],
                    )
                ],
            ),
        ),
        await wa.send_message(
            CUSTOMER, "Track it", buttons=types.URLButton(title="Track", url="https://ex.com/t/1")
        ),
        await wa.send_image(CUSTOMER, upload.id, caption="By id"),
        await wa.send_image(CUSTOMER, "https://ex.com/a.jpg"),
        await wa.send_video(CUSTOMER, "https://ex.com/a.mp4"),
        await wa.send_document(CUSTOMER, "https://ex.com/a.pdf", filename="a.pdf"),
        await wa.send_audio(CUSTOMER, "https://ex.com/a.mp3"),
        await wa.send_voice(CUSTOMER, "https://ex.com/a.ogg"),
        await wa.send_sticker(CUSTOMER, "https://ex.com/a.webp"),
        await wa.send_reaction(CUSTOMER, "\U0001f44d", inbound["id"]),
        await wa.remove_reaction(CUSTOMER, inbound["id"]),
        await wa.send_location(CUSTOMER, latitude=32.08, longitude=34.78, name="HQ"),
        await wa.request_location(CUSTOMER, "Where are you?"),
        await wa.send_contact(
            CUSTOMER,
            types.Contact(
                name=types.Contact.Name(formatted_name="Jane Roe", first_name="Jane"),
                phones=[types.Contact.Phone(phone="+16505550199", type="CELL")],
            ),
        ),
    ]
    assert await wa.mark_message_as_read(inbound["id"])
    assert await wa.indicate_typing(inbound["id"])

    assert all(message.id.startswith("wamid.") for message in sent)
    logged = (await sandbox.control.get("/_sandbox/messages")).json()["data"]
    assert [m["type"] for m in logged] == [
        "text",
        "interactive",
        "interactive",
        "interactive",
        "image",
        "image",
        "video",
        "document",
        "audio",
        "audio",
        "sticker",
        "reaction",
        "reaction",
        "location",
        "interactive",
        "contacts",
    ]
    parsed = await _parse_all(wa, sandbox, received)
    # One typed update per webhook: pywa understood each one, BSUIDs and all.
    assert len(parsed.updates) == len(parsed.raw) == len(received.raw)
    message = parsed.updates[0]
    assert message.from_user.wa_id == CUSTOMER
    assert message.from_user.bsuid.startswith("US.")
    statuses = [u for u in parsed.updates if isinstance(u, types.MessageStatus)]
    assert {s.status.value for s in statuses} >= {"sent", "delivered", "read", "played"}
    assert all(s.from_user.bsuid == message.from_user.bsuid for s in statuses)
    assert all(s.pricing is not None for s in statuses if s.status.value != "played")


async def test_pywa_manages_media(wa: WhatsApp, sandbox: SandboxHandle) -> None:
    content = b"%PDF-1.4 an invoice"
    upload = await wa.upload_media(media=content, mime_type="application/pdf", filename="i.pdf")

    url = await wa.get_media_url(upload.id)
    downloaded = await wa.get_media_bytes(url.url)
    deleted = await wa.delete_media(upload.id)

    assert url.mime_type == "application/pdf"
    assert downloaded == content
    assert deleted
    with pytest.raises(Exception, match="does not exist"):
        await wa.get_media_url(upload.id)
    with pytest.raises(Exception, match="Param file must be a file"):
        await wa.upload_media(media=b"GIF89a", mime_type="image/gif", filename="a.gif")


def _template(
    name: str, category: t.TemplateCategory, *components: Any, **extra: Any
) -> t.Template:
    return t.Template(
        name=name,
        category=category,
        language=t.TemplateLanguage.ENGLISH_US,
        components=list(components),
        **extra,
    )


def _order_ready() -> t.Template:
    return _template(
        "order_ready",
        t.TemplateCategory.UTILITY,
        t.HeaderText("Order {{1}}", "42"),
        t.BodyText("Hi {{1}}, order {{2}} is ready.", "Ann", "42"),
        t.FooterText(text="Thanks"),
    )


def _named() -> t.Template:
    body = t.BodyText("Welcome {{first_name}}, enjoy {{perk}}!", first_name="Ann", perk="10%")
    return _template(
        "welcome_named", t.TemplateCategory.MARKETING, body, parameter_format=t.ParamFormat.NAMED
    )


def _authentication() -> t.Template:
    """Meta's copy-code shape: no body text (Meta writes it), an expiry, one OTP button."""
    return _template(
        "login_code",
        t.TemplateCategory.AUTHENTICATION,
        t.AuthenticationBody(add_security_recommendation=True),
        t.AuthenticationFooter(code_expiration_minutes=10),
        t.Buttons(buttons=[t.CopyCodeOTPButton(text="Copy code")]),
    )


async def _approve(sandbox: SandboxHandle, template_id: str) -> dict[str, Any]:
    reviewed = await sandbox.control.post(f"/_sandbox/templates/{template_id}/review")
    return dict(reviewed.json())


async def test_pywa_creates_reviews_lists_sends_edits_and_deletes_templates(
    wa: WhatsApp, sandbox: SandboxHandle, received: Received
) -> None:
    created = [await wa.create_template(make()) for make in (_order_ready, _named, _authentication)]
    reviews = [await _approve(sandbox, c.id) for c in created]
    await _customer_writes(sandbox)

    assert [r["status"] for r in reviews] == ["APPROVED"] * 3, [r["problems"] for r in reviews]
    listed = await wa.get_templates(
        statuses=[t.TemplateStatus.APPROVED, t.TemplateStatus.PAUSED], name="order"
    )
    assert [d.name for d in listed] == ["order_ready"]
    assert listed.total_count == 1
    one = await wa.get_template(created[1].id)
    assert one.parameter_format == t.ParamFormat.NAMED

    order, named, auth = _order_ready(), _named(), _authentication()
    header, body = order.components[0], order.components[1]
    sent = [
        await wa.send_template(
            CUSTOMER, template=order, params=[header.params("42"), body.params("Ann", "42")]
        ),
        await wa.send_template(
            CUSTOMER,
            template=named,
            params=[named.components[0].params(first_name="Ann", perk="10%")],
        ),
        # By name: pywa's own check against `template=` looks for an `index` its OTP button
        # parameters do not have, and refuses them before sending.
        await wa.send_template(
            CUSTOMER,
            "login_code",
            t.TemplateLanguage.ENGLISH_US,
            params=[
                auth.components[0].params(otp="123456"),
                auth.components[2].buttons[0].params(otp="123456"),
            ],
        ),
    ]
    assert all(s.id.startswith("wamid.") for s in sent)
    with pytest.raises(Exception, match="does not match"):
        # A named parameter missing: Meta counts named parameters by name (132000).
        await wa.send_template(
            CUSTOMER,
            "welcome_named",
            t.TemplateLanguage.ENGLISH_US,
            params=[t.BodyText.params(first_name="Ann")],
        )

    await sandbox.control.post(
        f"/_sandbox/templates/{created[0].id}/status", json={"status": "PAUSED"}
    )
    assert await wa.unpause_template(created[0].id)
    assert await wa.update_template(
        created[0].id, new_components=[t.BodyText("Hi {{1}}, it is ready.", "Ann")]
    )
    assert await wa.delete_template("welcome_named")
    assert await wa.delete_template("login_code", template_id=created[2].id)
    remaining = await wa.get_templates()
    assert [d.name for d in remaining] == ["order_ready"]
    with pytest.raises(Exception, match="not found"):
        await wa.delete_template("welcome_named")

    parsed = await _parse_all(wa, sandbox, received)
    assert len(parsed.updates) == len(parsed.raw) == len(received.raw)


async def test_a_bsuid_only_user_can_be_answered_through_pywa(
    wa: WhatsApp, sandbox: SandboxHandle, received: Received
) -> None:
    inbound = await sandbox.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "text": "hey", "username": "sheena"},
    )
    user_id = inbound.json()["envelope"]["entry"][0]["changes"][0]["value"]["contacts"][0][
        "user_id"
    ]

    answer = await wa.send_message(user_id, "Hello Sheena")

    assert answer.id.startswith("wamid.")
    [sent] = (await sandbox.control.get("/_sandbox/messages")).json()["data"]
    assert sent["payload"]["recipient"] == user_id
    parsed = await _parse_all(wa, sandbox, received)
    assert len(parsed.updates) == len(received.raw)
    assert parsed.updates[0].from_user.wa_id is None


async def test_pywa_is_stricter_than_meta_on_failed_statuses(
    wa: WhatsApp, sandbox: SandboxHandle, received: Received
) -> None:
    """pywa reads `contacts[0]` of every status webhook; Meta omits `contacts` on `failed`
    statuses (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
    reference/messages/status), so pywa cannot build those. The sandbox keeps Meta's shape."""
    await sandbox.control.post("/_sandbox/config", json={"auto_statuses": []})
    await _customer_writes(sandbox)
    sent = await wa.send_message(CUSTOMER, "Hi")
    await sandbox.control.post(
        "/_sandbox/statuses", json={"id": sent.id, "status": "failed", "error_code": 131026}
    )

    parsed = await _parse_all(wa, sandbox, received)

    failed = received.bodies[-1]["entry"][0]["changes"][0]["value"]
    assert "contacts" not in failed
    assert failed["statuses"][0]["errors"][0]["title"] == "Message undeliverable"
    assert len(parsed.raw) == len(received.raw)
    assert len(parsed.updates) == len(received.raw) - 1  # all but the failed status

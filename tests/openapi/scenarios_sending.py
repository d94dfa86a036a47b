"""The request table's scenarios of sending (messages, replies, interactive, templates,
scheduled sends); tests/openapi/test_responses.py runs them."""

from __future__ import annotations

from tests.messages.support import PHONE
from tests.openapi import setups as given
from tests.openapi.asks import Ask, Setup
from tests.openapi.setups import CANCEL, LATER, MEDIA, SEND_VARIABLE, TEMPLATE, UPLOAD

MESSAGING_SCENARIOS: dict[str, tuple[Setup, tuple[Ask, ...]]] = {
    "messaging": (
        given.customer_wrote_in,
        (
            Ask(
                "POST",
                "/mumbleapi/send-text-message",
                200,
                json={"customer_phone": PHONE, "text": "Hello"},
                headers={"Idempotency-Key": "k1"},
                keep={"wamid": "message_wa_id"},
            ),
            Ask(
                "POST",
                "/mumbleapi/send-text-message",
                200,
                json={"customer_phone": PHONE, "text": "Hello"},
                headers={"Idempotency-Key": "k1"},
                answers_with={"Idempotent-Replayed": lambda value: value == "true"},
            ),
            Ask(
                "POST",
                "/mumbleapi/send-text-message",
                409,
                json={"customer_phone": PHONE, "text": "Other"},
                headers={"Idempotency-Key": "k1"},
            ),
            Ask("GET", "/mumbleapi/get-message", 200, params={"message_wa_id": "{wamid}"}),
            Ask("GET", "/mumbleapi/get-conversation", 200, params={"customer_phone": PHONE}),
            Ask("GET", "/mumbleapi/is-active-conv", 200, params={"customer_phone": PHONE}),
            Ask(
                "POST",
                "/mumbleapi/send-media-message",
                200,
                data={"customer_phone": PHONE},
                files=UPLOAD,
                keep={"media_id": "id"},
            ),
            Ask("GET", "/mumbleapi/media/{media_id}", 200, documented_as=MEDIA),
            Ask("GET", "/mumbleapi/get-message", 200, params={"id": "{media_id}"}),
            Ask("GET", "/mumbleapi/get-message", 404, params={"id": "999999"}),
            Ask("GET", "/mumbleapi/get-message", 400, params={"id": "x"}),
            Ask("GET", "/mumbleapi/media/999999", 404, documented_as=MEDIA),
            Ask("POST", "/mumbleapi/send-media-message", 400, json={"customer_phone": PHONE}),
        ),
    ),
    "a send refused by Meta": (
        given.meta_refuses_next_send,
        (
            Ask(
                "POST",
                "/mumbleapi/send-text-message",
                400,
                json={"customer_phone": PHONE, "text": "Hello"},
                keep={"failed_id": "id"},
            ),
            Ask("GET", "/mumbleapi/get-message", 200, params={"id": "{failed_id}"}),
        ),
    ),
    # Five messaging calls: the messaging limit is 5 per second.
    "support": (
        given.customer_wrote_a_message,
        (
            Ask(
                "POST",
                "/mumbleapi/send-text-message",
                200,
                json={"customer_phone": PHONE, "text": "Hi", "reply_to": "{inbound}"},
            ),
            Ask(
                "POST",
                "/mumbleapi/send-reaction",
                200,
                json={"customer_phone": PHONE, "message_wa_id": "{inbound}", "emoji": "\u2705"},
                headers={"Idempotency-Key": "r1"},
            ),
            Ask(
                "POST",
                "/mumbleapi/send-reaction",
                404,
                json={"customer_phone": PHONE, "message_wa_id": "wamid.none", "emoji": ""},
            ),
            Ask(
                "POST",
                "/mumbleapi/mark-as-read",
                200,
                json={"message_wa_id": "{inbound}", "typing_indicator": True},
            ),
            Ask("POST", "/mumbleapi/mark-as-read", 404, json={"message_wa_id": "wamid.none"}),
        ),
    ),
    "interactive": (
        given.customer_wrote_in,
        (
            Ask(
                "POST",
                "/mumbleapi/send-interactive-message",
                200,
                json={
                    "customer_phone": PHONE,
                    "type": "button",
                    "body": "Pick one",
                    "buttons": [{"id": "yes", "title": "Yes"}],
                },
            ),
            Ask(
                "POST",
                "/mumbleapi/send-interactive-message",
                400,
                json={"customer_phone": PHONE, "type": "list", "body": "Pick one"},
            ),
        ),
    ),
    "templates": (
        given.an_approved_template,
        (
            Ask("GET", "/mumbleapi/get-templates", 200),
            Ask("POST", "/mumbleapi/create-template", 200, json=TEMPLATE),
            Ask("POST", "/mumbleapi/create-template", 409, json=TEMPLATE),
            Ask(
                "POST",
                "/mumbleapi/send-template-text-variable",
                200,
                json={"customer_phone": PHONE, "template_id": "{template_id}", "variable": ["#7"]},
            ),
            Ask(
                "POST",
                "/mumbleapi/send-template",
                400,
                json={"customer_phone": PHONE, "template_id": "{template_id}"},
            ),
            Ask(
                "POST",
                "/mumbleapi/edit-template",
                400,
                json={"template_id": "{template_id}", "category": "MARKETING", "body": "Hi there."},
            ),
            Ask(
                "POST",
                "/mumbleapi/edit-template",
                200,
                json={
                    "template_id": "{template_id}",
                    "body": "Order {{1}} left",
                    "body_examples": ["#1"],
                },
            ),
            Ask("POST", "/mumbleapi/edit-template", 404, json={"template_id": "nope", "body": "x"}),
            Ask("DELETE", "/mumbleapi/delete-template", 200, json={"template_id": "{template_id}"}),
            Ask("DELETE", "/mumbleapi/delete-template", 404, json={"template_id": "{template_id}"}),
            Ask("DELETE", "/mumbleapi/delete-template", 400, json={}),
        ),
    ),
    "scheduled": (
        given.an_approved_template,
        (
            Ask("POST", SEND_VARIABLE, 200, json=LATER, keep={"scheduled_id": "id"}),
            Ask("POST", SEND_VARIABLE, 400, json={**LATER, "send_at": "2020-01-01T00:00:00Z"}),
            Ask("GET", "/mumbleapi/get-scheduled-messages", 200, params={"page": 1}),
            Ask("GET", "/mumbleapi/get-scheduled-messages", 400, params={"status": "x"}),
            Ask("POST", CANCEL, 200, json={"id": "{scheduled_id}"}),
            Ask("POST", CANCEL, 409, json={"id": "{scheduled_id}"}),
            Ask("POST", CANCEL, 404, json={"id": "nope"}),
        ),
    ),
}

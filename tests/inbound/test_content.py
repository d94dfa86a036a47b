"""Pure reading of Meta's inbound message objects and timestamps."""

from __future__ import annotations

import datetime as dt

from mumble.inbound.content import meta_time, parse_content

NOW = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


def test_unknown_types_are_kept_as_unsupported() -> None:
    content = parse_content({"id": "w", "type": "poll_vote", "poll_vote": {}})
    assert content.type == "unsupported"
    assert content.text is None


def test_media_keeps_metas_id_mime_and_filename() -> None:
    content = parse_content(
        {
            "type": "document",
            "document": {
                "id": "123",
                "mime_type": "application/pdf",
                "filename": "a.pdf",
                "caption": "cv",
            },
        }
    )
    assert (content.media_id, content.mime_type, content.filename, content.text) == (
        "123",
        "application/pdf",
        "a.pdf",
        "cv",
    )


def test_removed_reaction_and_flows_reply() -> None:
    assert parse_content({"type": "reaction", "reaction": {"message_id": "w"}}).text is None
    flows = parse_content(
        {"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {"body": "Sent"}}}
    )
    assert flows.text == "Sent"


def test_unsupported_keeps_metas_error() -> None:
    content = parse_content(
        {
            "type": "unsupported",
            "errors": [{"code": 131051, "error_data": {"details": "not supported"}}],
        }
    )
    assert (content.error_code, content.error_message) == (131051, "not supported")


def test_meta_time_is_never_in_our_future_and_tolerates_garbage() -> None:
    past = int((NOW - dt.timedelta(minutes=5)).timestamp())
    assert meta_time(str(past), NOW) == NOW - dt.timedelta(minutes=5)
    assert meta_time(str(past + 3600), NOW) == NOW
    assert meta_time("soon", NOW) == NOW
    assert meta_time(None, NOW) == NOW


def test_what_a_message_answers_is_its_context_or_its_reactions_target() -> None:
    reply = parse_content(
        {"type": "image", "image": {"id": "1"}, "context": {"from": "155", "id": "wamid.Q"}}
    )
    reaction = parse_content({"type": "reaction", "reaction": {"message_id": "wamid.R"}})
    forwarded = parse_content(
        {"type": "text", "text": {"body": "fwd"}, "context": {"forwarded": True}}
    )
    oversized = parse_content({"type": "text", "text": {"body": "x"}, "context": {"id": "w" * 256}})
    assert (reply.reply_to, reaction.reply_to) == ("wamid.Q", "wamid.R")
    assert (forwarded.reply_to, oversized.reply_to) == (None, None)


def test_button_and_list_replies_keep_the_chosen_id_and_title() -> None:
    button = parse_content(
        {
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}},
        }
    )
    row = parse_content(
        {
            "type": "interactive",
            "interactive": {
                "type": "list_reply",
                "list_reply": {"id": "red", "title": "Red", "description": "Warm"},
            },
        }
    )
    quick = parse_content({"type": "button", "button": {"payload": "STOP", "text": "Stop"}})
    flow = parse_content(
        {"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {"name": "f"}}}
    )
    assert (button.choice_id, button.text) == ("yes", "Yes")
    assert (row.choice_id, row.text) == ("red", "Red")
    assert (quick.choice_id, quick.text) == ("STOP", "Stop")
    assert flow.choice_id is None

"""The AI bot's pure rules, without an app: reading answers, fitting replies, the history."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from mumble.bots.ai.completions import Malformed, completion_request, read_completion
from mumble.bots.ai.config import base_url_of, parse_config, secret_problem
from mumble.bots.ai.history import bounded, summary
from mumble.bots.ai.outcome import HandOff, Reply, fitted
from mumble.events import signing
from mumble.models import AiBot, Message
from mumble.models.ai import AiKind
from mumble.models.states import Direction, MessageStatus

AT = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


def _bot(**fields: object) -> AiBot:
    values: dict[str, object] = {
        "kind": AiKind.OPENAI,
        "url": "https://models.example.com/v1",
        "model": "m",
        "system_prompt": "",
        "handoff_marker": "[HANDOFF]",
        "max_reply_chars": 4096,
        "use_tools": True,
        **fields,
    }
    return AiBot(**values)


def _message(text: str | None, *, type: str = "text", **fields: object) -> Message:
    values: dict[str, object] = {
        "id": 1,
        "direction": Direction.INBOUND,
        "type": type,
        "text": text,
        "status": MessageStatus.RECEIVED,
        "occurred_at": AT,
        **fields,
    }
    return Message(**values)


def _completion(message: dict[str, object]) -> bytes:
    return orjson.dumps({"choices": [{"index": 0, "message": message}]})


def test_content_parts_are_joined() -> None:
    raw = _completion(
        {"content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}
    )
    assert read_completion(raw, _bot()) == Reply("Hello")


def test_the_legacy_function_call_hands_off() -> None:
    raw = _completion(
        {"content": None, "function_call": {"name": "hand_off_to_human", "arguments": "{}"}}
    )
    assert read_completion(raw, _bot()) == HandOff(
        "ai_decision", "the model called hand_off_to_human"
    )


def test_a_hand_off_call_with_unreadable_arguments_still_hands_off() -> None:
    raw = _completion(
        {"tool_calls": [{"function": {"name": "hand_off_to_human", "arguments": "{oops"}}]}
    )
    assert isinstance(read_completion(raw, _bot()), HandOff)


def test_a_think_block_is_never_sent() -> None:
    raw = _completion({"content": "<think>\nthe user wants X\n</think>\n\nHere is X."})
    assert read_completion(raw, _bot()) == Reply("Here is X.")


def test_only_thinking_is_an_empty_answer() -> None:
    with pytest.raises(Malformed, match="empty answer"):
        read_completion(_completion({"content": "<think>hmm</think>"}), _bot())


def test_the_request_leaves_out_what_is_not_configured() -> None:
    body = completion_request(_bot(use_tools=False), [])
    assert body == {"model": "m", "messages": [], "stream": False}


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("one two three four five", 16, "one two three…"),
        ("one two three four five", 12, "one two thr…"),
        ("abcdefghijklmnop", 5, "abcd…"),
        ("x" * 5000, 9999, "x" * 4095 + "…"),
    ],
)
def test_fitted_cuts_at_a_word_with_an_ellipsis(text: str, limit: int, expected: str) -> None:
    assert fitted(text, limit) == expected
    assert len(fitted(text, limit)) <= min(limit, 4096)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (_message("hi"), "hi"),
        (_message(None, type="image"), "[image]"),
        (_message("look", type="video"), "[video] look"),
        (_message(None, type="document", media_filename="a.pdf"), "[document: a.pdf]"),
        (_message("Tel Aviv", type="location"), "[location] Tel Aviv"),
        (_message("👍", type="reaction"), "[reaction: 👍]"),
        (_message(None, type="reaction"), ""),
        (_message("Yes", type="button"), "Yes"),
        (_message(None, type="unsupported"), "[unsupported message]"),
        (_message(None, type="template", rendered_body="Your code is 1234"), "Your code is 1234"),
    ],
)
def test_each_message_type_is_summarised(message: Message, shown: str) -> None:
    assert summary(message) == shown


def test_the_newest_message_is_clipped_to_the_budget_when_alone() -> None:
    [turn] = bounded([_message("y" * 500)], 10, 100)
    assert turn.content == "y" * 100


def test_blank_messages_do_not_count_against_the_bound() -> None:
    newest_first = [_message("c"), _message(None, type="reaction"), _message("b"), _message("a")]
    assert [turn.content for turn in bounded(newest_first, 3, 1000)] == ["a", "b", "c"]


def test_a_pasted_completions_path_is_dropped_from_the_base_url() -> None:
    assert base_url_of("http://h:1/v1/chat/completions") == "http://h:1/v1"
    assert base_url_of("http://h:1/v1/") == "http://h:1/v1"


def test_a_generated_secret_passes_the_secret_check() -> None:
    assert secret_problem(signing.new_secret()) is None
    assert secret_problem("whsec_!!!") == "'secret' must be whsec_ followed by base64."


def test_defaults_fill_what_is_left_out() -> None:
    draft, problems = parse_config({"kind": "webhook", "url": "https://agent.example.com"})
    assert problems == []
    assert draft is not None
    assert (draft.timeout_seconds, draft.attempts, draft.history_messages) == (20.0, 3, 20)
    assert (draft.max_reply_chars, draft.history_chars, draft.handoff_marker) == (
        4096,
        8000,
        "[HANDOFF]",
    )
    assert draft.secret is None  # kept or generated by the service

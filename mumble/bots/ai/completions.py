"""The OpenAI-compatible chat-completions call: the request body and reading the answer. Pure.

Only the common subset of the API is used (model, messages, temperature, max_tokens, tools), so
any compatible server works: vLLM, Ollama, llama.cpp, OpenAI and the hosted ones. The model hands
the conversation off by calling the declared `hand_off_to_human` tool, or, for models or servers
without tool support, by writing the account's marker (`[HANDOFF]` by default) in its answer.
Reasoning models served raw put a `<think>...</think>` block first; it is never sent.

Reference: https://platform.openai.com/docs/api-reference/chat/create
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from mumble.bots.ai.history import Turn
from mumble.bots.ai.outcome import AiAnswer, HandOff, Reply, fitted
from mumble.models.ai import AiBot

HAND_OFF_TOOL_NAME = "hand_off_to_human"
HAND_OFF_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": HAND_OFF_TOOL_NAME,
        "description": (
            "Hand this conversation to a human agent: when the customer asks for a person, "
            "when you cannot help, or when the request needs someone from the business."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "reason": {"type": "string", "description": "Why a human should take over."}
            },
            "required": [],
        },
    },
}
REASON_MAX = 200
_THINK = re.compile(r"^\s*<think>.*?</think>", re.DOTALL)


class Malformed(ValueError):
    """A 2xx answer that is no usable completion (its detail never quotes the answer)."""


def completion_request(bot: AiBot, turns: list[Turn]) -> dict[str, Any]:
    """The chat-completions body: the system prompt first, then the turns, oldest first."""
    messages: list[dict[str, str]] = []
    if bot.system_prompt:
        messages.append({"role": "system", "content": bot.system_prompt})
    messages.extend({"role": turn.role, "content": turn.content} for turn in turns)
    body: dict[str, Any] = {"model": bot.model, "messages": messages, "stream": False}
    if bot.temperature is not None:
        body["temperature"] = bot.temperature
    if bot.max_tokens is not None:
        body["max_tokens"] = bot.max_tokens
    if bot.use_tools:
        body["tools"] = [HAND_OFF_TOOL]
    return body


def _reason(arguments: object) -> str:
    """The `reason` the model gave in its tool call's arguments (a JSON text), if any."""
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return ""
    if isinstance(arguments, dict) and isinstance(arguments.get("reason"), str):
        reason: str = arguments["reason"].strip()
        return reason[:REASON_MAX]
    return ""


def _hand_off_call(message: dict[str, Any]) -> HandOff | None:
    # The legacy single `function_call`, then every `tool_calls` entry.
    functions: list[object] = [message.get("function_call")]
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        functions.extend(call.get("function") for call in calls if isinstance(call, dict))
    for function in functions:
        if isinstance(function, dict) and function.get("name") == HAND_OFF_TOOL_NAME:
            reason = _reason(function.get("arguments"))
            return HandOff("ai_decision", reason or "the model called hand_off_to_human")
    return None


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        # Some servers answer content parts: [{"type": "text", "text": "..."}].
        content = "".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    if not isinstance(content, str):
        return ""
    return _THINK.sub("", content).strip()


def has_marker(text: str, marker: str) -> bool:
    """Whether the hand-off marker is in the text (case does not matter)."""
    return bool(marker) and marker.casefold() in text.casefold()


def read_answer(text: str, bot: AiBot) -> AiAnswer:
    """A model's or agent's text: a hand-off when it holds the marker, else the fitted reply."""
    if has_marker(text, bot.handoff_marker):
        return HandOff("ai_decision", f"the answer held the marker {bot.handoff_marker}")
    return Reply(fitted(text, bot.max_reply_chars))


def read_completion(raw: bytes, bot: AiBot) -> AiAnswer:
    """The answer of a chat-completions response; Malformed when there is none."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Malformed("malformed answer: not JSON") from None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise Malformed("malformed answer: no choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise Malformed("malformed answer: no message")
    hand_off = _hand_off_call(message)
    if hand_off is not None:
        return hand_off
    text = _content(message)
    if not text:
        raise Malformed("empty answer")
    return read_answer(text, bot)

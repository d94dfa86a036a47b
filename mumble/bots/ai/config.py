"""Reading an AI bot configuration from set-ai-bot's parameters: every problem at once. Pure.

set-ai-bot replaces the whole configuration (a parameter left out takes its default), except
the secrets: an API key or signing secret left out keeps the stored one, so a client can change
the prompt without sending the key again. An empty `api_key` removes the key (vLLM and Ollama
need none). Parameters of the other kind are refused rather than silently ignored, so a typo
in `kind` does not store half a configuration.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mumble.bots.ai.outcome import WHATSAPP_TEXT_MAX
from mumble.events.signing import SECRET_PREFIX
from mumble.models.ai import AiKind
from mumble.text import NUL

URL_MAX = 2048
MODEL_MAX = 200
API_KEY_MAX = 4096
SYSTEM_PROMPT_MAX = 20_000
MARKER_MAX = 64
DEFAULT_MARKER = "[HANDOFF]"
# Standard Webhooks secrets carry 24 to 64 random bytes.
SECRET_MIN_BYTES, SECRET_MAX_BYTES = 24, 64
COMPLETIONS_PATH = "/chat/completions"


@dataclass(frozen=True)
class Bound:
    """A number's allowed range and its default."""

    minimum: float
    maximum: float
    default: float | None


TEMPERATURE = Bound(0.0, 2.0, None)
MAX_TOKENS = Bound(1, 100_000, None)
MAX_REPLY_CHARS = Bound(1, WHATSAPP_TEXT_MAX, WHATSAPP_TEXT_MAX)
TIMEOUT_SECONDS = Bound(0.5, 120.0, 20.0)
ATTEMPTS = Bound(1, 5, 3)
HISTORY_MESSAGES = Bound(1, 100, 20)
HISTORY_CHARS = Bound(100, 100_000, 8000)

OPENAI_ONLY = (
    "base_url",
    "model",
    "api_key",
    "system_prompt",
    "temperature",
    "max_tokens",
    "use_tools",
)
WEBHOOK_ONLY = ("url", "secret")


@dataclass(frozen=True)
class Draft:
    """A valid configuration, its URL not yet checked by the SSRF guard.

    `api_key` and `secret`: None keeps the stored value (a secret is generated when there is
    none); `api_key == ""` removes the key.
    """

    kind: AiKind
    url: str
    model: str | None
    api_key: str | None
    system_prompt: str
    temperature: float | None
    max_tokens: int | None
    use_tools: bool
    secret: str | None
    handoff_marker: str
    max_reply_chars: int
    timeout_seconds: float
    attempts: int
    history_messages: int
    history_chars: int


def _given(raw: Mapping[str, Any], name: str) -> bool:
    return raw.get(name) is not None


def _text(
    raw: Mapping[str, Any],
    name: str,
    problems: list[str],
    *,
    max_length: int,
    required: bool = False,
    strip: bool = True,
) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"'{name}' is required.")
        return None if value is None else ""
    if not isinstance(value, str):
        problems.append(f"'{name}' must be a string.")
        return None
    text = value.strip() if strip else value
    if NUL in text:
        problems.append(f"'{name}' must not contain NUL characters.")
        return None
    if len(text) > max_length:
        problems.append(f"'{name}' is too long (at most {max_length} characters).")
        return None
    return text


def _number(
    raw: Mapping[str, Any], name: str, bound: Bound, problems: list[str], *, integer: bool
) -> float | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return bound.default
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        # float() of an int past ~1e308 raises; such a value is out of every bound anyway.
        number = float(value) if abs(value) < 1e300 else None
    elif isinstance(value, str) and len(value) <= 32:
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    kind = "an integer" if integer else "a number"
    shown = f"{bound.minimum:g} to {bound.maximum:g}"
    if (
        number is None
        or not math.isfinite(number)
        or (integer and not number.is_integer())
        or not bound.minimum <= number <= bound.maximum
    ):
        problems.append(f"'{name}' must be {kind} from {shown}.")
        return None
    return number


def _flag(raw: Mapping[str, Any], name: str, default: bool, problems: list[str]) -> bool:
    value = raw.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"true", "1"}:
        return True
    if word in {"false", "0"}:
        return False
    problems.append(f"'{name}' must be true or false.")
    return default


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a Standard Webhooks secret ("whsec_" + base64 of 24-64 bytes)."""
    if not secret.startswith(SECRET_PREFIX):
        return f"'secret' must start with {SECRET_PREFIX}."
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return f"'secret' must be {SECRET_PREFIX} followed by base64."
    if not SECRET_MIN_BYTES <= len(key) <= SECRET_MAX_BYTES:
        return f"'secret' must encode {SECRET_MIN_BYTES} to {SECRET_MAX_BYTES} bytes."
    return None


def base_url_of(url: str) -> str:
    """The base URL without a trailing slash or a pasted `/chat/completions`."""
    url = url.rstrip("/")
    return url.removesuffix(COMPLETIONS_PATH).rstrip("/")


def parse_config(raw: Mapping[str, Any]) -> tuple[Draft | None, list[str]]:
    """The configuration set-ai-bot's parameters describe, or every problem found in them."""
    problems: list[str] = []
    kind_raw = raw.get("kind")
    if kind_raw is None or (isinstance(kind_raw, str) and not kind_raw.strip()):
        return None, ["'kind' is required (openai or webhook)."]
    try:
        kind = AiKind(str(kind_raw).strip().lower())
    except ValueError:
        return None, ["'kind' must be openai or webhook."]
    other = WEBHOOK_ONLY if kind == AiKind.OPENAI else OPENAI_ONLY
    problems.extend(
        f"'{name}' applies only to kind {_kind_of(name)}." for name in other if _given(raw, name)
    )

    url_name = "base_url" if kind == AiKind.OPENAI else "url"
    url = _text(raw, url_name, problems, max_length=URL_MAX, required=True)
    model = api_key = secret = None
    system_prompt = ""
    temperature = max_tokens = None
    use_tools = True
    if kind == AiKind.OPENAI:
        model = _text(raw, "model", problems, max_length=MODEL_MAX, required=True)
        api_key = _text(raw, "api_key", problems, max_length=API_KEY_MAX)
        # It becomes a header value: printable ASCII only, so it can never split the header.
        if api_key and not (api_key.isascii() and api_key.isprintable() and " " not in api_key):
            problems.append("'api_key' must be printable ASCII without spaces.")
        prompt = _text(raw, "system_prompt", problems, max_length=SYSTEM_PROMPT_MAX, strip=False)
        system_prompt = (prompt or "").strip()
        temperature = _number(raw, "temperature", TEMPERATURE, problems, integer=False)
        max_tokens = _number(raw, "max_tokens", MAX_TOKENS, problems, integer=True)
        use_tools = _flag(raw, "use_tools", True, problems)
    else:
        secret = _text(raw, "secret", problems, max_length=128)
        if secret == "":
            problems.append("'secret' must not be empty (leave it out to keep or generate one).")
        elif secret is not None and (problem := secret_problem(secret)) is not None:
            problems.append(problem)
    marker = _text(raw, "handoff_marker", problems, max_length=MARKER_MAX)
    numbers = {
        name: _number(raw, name, bound, problems, integer=name != "timeout_seconds")
        for name, bound in (
            ("max_reply_chars", MAX_REPLY_CHARS),
            ("timeout_seconds", TIMEOUT_SECONDS),
            ("attempts", ATTEMPTS),
            ("history_messages", HISTORY_MESSAGES),
            ("history_chars", HISTORY_CHARS),
        )
    }
    if problems or url is None:
        return None, problems
    return (
        Draft(
            kind=kind,
            url=base_url_of(url) if kind == AiKind.OPENAI else url,
            model=model,
            api_key=api_key,
            system_prompt=system_prompt,
            temperature=temperature,
            max_tokens=None if max_tokens is None else int(max_tokens),
            use_tools=use_tools,
            secret=secret,
            handoff_marker=marker or DEFAULT_MARKER,
            max_reply_chars=int(_known(numbers["max_reply_chars"])),
            timeout_seconds=_known(numbers["timeout_seconds"]),
            attempts=int(_known(numbers["attempts"])),
            history_messages=int(_known(numbers["history_messages"])),
            history_chars=int(_known(numbers["history_chars"])),
        ),
        [],
    )


def _known(number: float | None) -> float:
    # Every bound these are read with has a default, so only a refused value is None.
    if number is None:
        raise ValueError("a refused number reached the draft")
    return number


def _kind_of(name: str) -> str:
    return AiKind.OPENAI.value if name in OPENAI_ONLY else AiKind.WEBHOOK.value

"""Loading Meta's template rulebook: `rules.json`, schema-checked once, behind typed accessors.

The rules live in `rules.json` (versioned with a date); the loader checks its shape at first load,
so a broken data file fails at start-up and not in the middle of a request.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any


class RulebookError(ValueError):
    """The rules data file does not have the expected shape."""


# key -> expected JSON type of that top-level entry (the load-time schema).
_SCHEMA: dict[str, type] = {
    "version": str,
    "source": str,
    "name": dict,
    "categories": list,
    "component_types": list,
    "header_formats": dict,
    "limits": dict,
    "button_types": dict,
    "unsupported_button_types": list,
    "otp_types": list,
    "auth_forbidden_button_types": list,
    "variables": dict,
    "media": dict,
    "statuses": dict,
    "sendable_statuses": list,
    "event_statuses": dict,
    "pause_title_statuses": dict,
    "initial_status": str,
    "rejection_reasons": list,
    "quality_scores": list,
    "pause_titles": list,
    "languages": list,
    "details": dict,
}
_INT_LIMITS = (
    "header_text_length",
    "header_text_variables",
    "body_length",
    "footer_length",
    "buttons_total",
    "button_text_length",
    "url_length",
    "url_variables",
    "phone_number_length",
    "copy_code_example_length",
    "auth_parameter_length",
)


def _fail(message: str) -> RulebookError:
    return RulebookError(f"templates_meta/rules.json: {message}")


def _check_schema(raw: dict[str, Any]) -> None:
    for key, kind in _SCHEMA.items():
        if not isinstance(raw.get(key), kind):
            raise _fail(f"'{key}' must be a {kind.__name__}")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw["version"]):
        raise _fail("'version' must be a date YYYY-MM-DD")
    for name in _INT_LIMITS:
        value = raw["limits"].get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise _fail(f"limits.{name} must be a positive integer")
    for fmt, spec in raw["header_formats"].items():
        kind = spec.get("media_kind")
        if kind is not None and kind not in raw["media"]:
            raise _fail(f"header format {fmt} names an unknown media kind {kind}")
        if not set(spec.get("categories", [])) <= set(raw["categories"]):
            raise _fail(f"header format {fmt} names an unknown category")
    seen: set[str] = set()
    for kind, spec in raw["media"].items():
        mime_types = spec.get("mime_types")
        if not isinstance(mime_types, dict) or not mime_types:
            raise _fail(f"media.{kind}.mime_types must map MIME types to their extensions")
        if not isinstance(spec.get("max_bytes"), int):
            raise _fail(f"media.{kind} needs max_bytes")
        for mime, extensions in mime_types.items():
            if not isinstance(extensions, list) or not all(isinstance(e, str) for e in extensions):
                raise _fail(f"media.{kind}.mime_types.{mime} must list extensions")
            if seen & set(extensions):
                raise _fail(f"media.{kind}.mime_types.{mime} repeats an extension")
            seen |= set(extensions)
    for btype, spec in raw["button_types"].items():
        if not isinstance(spec.get("max"), int) or not isinstance(spec.get("needs"), list):
            raise _fail(f"button_types.{btype} needs max and needs")
    statuses = raw["statuses"]
    for status, targets in statuses.items():
        unknown = [t for t in targets if t not in statuses]
        if unknown:
            raise _fail(f"status {status} moves to unknown statuses {unknown}")
    targets = [*raw["event_statuses"].values(), *raw["pause_title_statuses"].values()]
    if not set(targets) <= set(statuses):
        raise _fail("event_statuses and pause_title_statuses must lead to known statuses")
    if not set(raw["sendable_statuses"]) <= set(statuses) or raw["initial_status"] not in statuses:
        raise _fail("sendable_statuses and initial_status must be known statuses")
    if len(set(raw["languages"])) != len(raw["languages"]):
        raise _fail("languages has duplicates")
    for code in raw["languages"]:
        if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", code):
            raise _fail(f"language code {code!r} is malformed")
    for key, text in raw["details"].items():
        if not isinstance(text, str) or not text:
            raise _fail(f"details.{key} must be a message")


@dataclass(frozen=True)
class MediaFormat:
    """One media format Meta takes: its kind (image, video, ...), MIME type, extensions, limit."""

    kind: str
    mime_type: str
    extensions: tuple[str, ...]
    max_bytes: int


@dataclass(frozen=True)
class Rulebook:
    """The loaded rules; `raw` is the JSON document, the rest are conveniences over it."""

    raw: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.raw["version"])

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self.raw["languages"])

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(self.raw["categories"])

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.raw["statuses"])

    @property
    def limits(self) -> dict[str, Any]:
        return dict(self.raw["limits"])

    @property
    def media(self) -> dict[str, Any]:
        return dict(self.raw["media"])

    @functools.cached_property
    def media_formats(self) -> tuple[MediaFormat, ...]:
        """Every MIME type Meta accepts for messages and headers, with its kind and limit."""
        return tuple(
            MediaFormat(kind, mime, tuple(extensions), int(spec["max_bytes"]))
            for kind, spec in self.raw["media"].items()
            for mime, extensions in spec["mime_types"].items()
        )

    def media_format(self, mime_type: str) -> MediaFormat | None:
        """The format of a MIME type (parameters such as `; codecs=opus` ignored), or None."""
        base = mime_type.split(";", 1)[0].strip().lower()
        return next((f for f in self.media_formats if f.mime_type == base), None)

    def media_for_extension(self, extension: str) -> MediaFormat | None:
        """The format a file extension ("jpg", no dot) stands for, or None."""
        ext = extension.lower().lstrip(".")
        return next((f for f in self.media_formats if ext in f.extensions), None)

    def media_mime_types(self, kind: str) -> tuple[str, ...]:
        """The MIME types Meta accepts for a media kind."""
        return tuple(f.mime_type for f in self.media_formats if f.kind == kind)

    def media_max_bytes(self, kind: str) -> int:
        """Meta's size limit for a media kind (animated stickers for `sticker`)."""
        return int(self.raw["media"][kind]["max_bytes"])

    def is_sendable(self, status: str) -> bool:
        """Only APPROVED templates can be sent (Meta: 132001/132015/132016 otherwise)."""
        return status in self.raw["sendable_statuses"]

    def status_for_event(self, event: str, pause_title: str | None = None) -> str:
        """The template status a status-update event means (REINSTATED and UNPAUSE: APPROVED)."""
        event = event.upper()
        if event == "PAUSED" and pause_title:
            return str(self.raw["pause_title_statuses"].get(pause_title.upper(), event))
        return str(self.raw["event_statuses"].get(event, event))

    def can_transition(self, current: str, new: str) -> bool:
        """Whether Meta documents a move from `current` to `new` (same status counts as allowed)."""
        return current == new or new in self.raw["statuses"].get(current, [])

    def media_kind(self, header_format: str) -> str | None:
        """The media kind ("image", ...) a header format carries, None for TEXT/LOCATION/unknown."""
        spec = self.raw["header_formats"].get(header_format.upper())
        return spec["media_kind"] if spec else None

    def detail(self, rule: str, **values: Any) -> str:
        """The readable message of one broken rule."""
        return str(self.raw["details"][rule]).format(**values)

    @property
    def rules(self) -> tuple[str, ...]:
        """Every rule id check_components can report."""
        return tuple(self.raw["details"])


@functools.cache
def indefinite(word: str, *, capital: bool = False) -> str:
    """`word` after its indefinite article: "an IMAGE header", "a VIDEO header"."""
    article = "an" if word[:1].upper() in "AEIOU" else "a"
    return f"{article.capitalize() if capital else article} {word}"


@functools.cache
def load() -> Rulebook:
    """The rulebook, read and schema-checked once per process; raises RulebookError if malformed."""
    text = resources.files("templates_meta").joinpath("rules.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise _fail("the document must be an object")
    _check_schema(raw)
    return Rulebook(raw)


def normalize_language(code: str) -> str:
    """Webhooks sometimes echo `en-US` for `en_US`: normalise the separator (doc §4.4)."""
    return code.strip().replace("-", "_")

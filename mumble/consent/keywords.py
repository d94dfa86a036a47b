"""Consent keywords: an inbound text that is exactly a stop or a start word. Pure.

The message must be the keyword and nothing else (trimmed, case- and accent-insensitive, inner
spaces collapsed, surrounding punctuation ignored): "STOP!" stops, "please don't stop" does not.
The defaults are data (`keywords.json`: English and at least Hebrew, Arabic, Spanish, Portuguese,
French, German, Russian); an account may replace either list with its own
(`Account.consent_keywords`, set with `mumble account set-consent-keywords`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mumble.models import Consent

KINDS = ("stop", "start")
KEYWORD_MAX = 100
KEYWORDS_MAX = 100
_DATA = Path(__file__).with_name("keywords.json")
# Trailing or leading marks that do not change what a one-word answer means.
_PUNCTUATION = " \t\r\n.,;:!?¡¿'\"`()[]{}-_*~。،؟"


def fold(text: str) -> str:
    """`text` as keywords compare it: accents dropped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split()).strip(_PUNCTUATION)


@dataclass(frozen=True)
class Keywords:
    """The folded stop and start words of one account."""

    stop: frozenset[str]
    start: frozenset[str]


@dataclass(frozen=True)
class KeywordChange:
    """What a keyword message asks for, and when it was read."""

    marketing: Consent
    keyword: str
    at: dt.datetime


def _folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(word for word in (fold(raw) for raw in words) if word)


@functools.cache
def defaults() -> dict[str, tuple[str, ...]]:
    """The default keywords of every language, per kind (as written in the data file)."""
    raw = json.loads(_DATA.read_text(encoding="utf-8"))
    return {kind: tuple(word for words in raw[kind].values() for word in words) for kind in KINDS}


def keywords_for(custom: Mapping[str, list[str]] | None) -> Keywords:
    """An account's keywords: its own list for a kind it set, the defaults for the other."""
    chosen = {kind: (custom or {}).get(kind) or defaults()[kind] for kind in KINDS}
    return Keywords(stop=_folded(chosen["stop"]), start=_folded(chosen["start"]))


def match(text: str | None, keywords: Keywords, *, now: dt.datetime) -> KeywordChange | None:
    """The consent change a whole inbound text asks for, or None when it is no keyword."""
    if not text or len(text) > KEYWORD_MAX * 2:
        return None
    word = fold(text)
    if word in keywords.stop:
        return KeywordChange(Consent.OPTED_OUT, word, now)
    if word in keywords.start:
        return KeywordChange(Consent.OPTED_IN, word, now)
    return None


def check_custom(stop: list[str] | None, start: list[str] | None) -> dict[str, list[str]]:
    """An account's keyword setting from the words given (None keeps a kind's defaults);
    ValueError names what is wrong."""
    setting: dict[str, list[str]] = {}
    for kind, words in (("stop", stop), ("start", start)):
        if words is None:
            continue
        cleaned = [word.strip() for word in words if word.strip()]
        if not cleaned or len(cleaned) > KEYWORDS_MAX:
            raise ValueError(f"{kind} keywords: give 1 to {KEYWORDS_MAX} words")
        if any(len(word) > KEYWORD_MAX or not fold(word) for word in cleaned):
            raise ValueError(f"{kind} keywords: each is 1 to {KEYWORD_MAX} characters of text")
        setting[kind] = cleaned
    both = _folded(setting.get("stop", [])) & _folded(setting.get("start", []))
    if both:
        raise ValueError(f"a keyword cannot both stop and start: {', '.join(sorted(both))}")
    return setting

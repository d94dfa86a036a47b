"""Keyword matching, a pure function: the whole message, trimmed, case- and accent-insensitive."""

from __future__ import annotations

import datetime as dt

import pytest

from mumble.consent.keywords import (
    KeywordChange,
    check_custom,
    defaults,
    fold,
    keywords_for,
    match,
)
from mumble.models import Consent

NOW = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)
DEFAULTS = keywords_for(None)

STOPS = [
    "STOP",
    "stop",
    "  Stop!  ",
    "Unsubscribe",
    "opt   out",
    "הסר",
    "توقف",
    "الغاء الاشتراك",
    "إلغاء الاشتراك",
    "Baja",
    "parar",
    "Cancelar inscricao",
    "arret",
    "Arrêt",
    "désabonner",
    "Stopp",
    "abmelden",
    "СТОП",
    "стоп",
    "Отписаться",
]
STARTS = ["START", "start.", "Unstop", "alta", "Anmelden", "старт", "ابدأ", "הרשמה", "reprendre"]
NEITHER = [
    "",
    "   ",
    "please stop",
    "stop sending me stuff",
    "don't stop",
    "stopwatch",
    "Hello",
    "STOP" * 300,
    None,
]


@pytest.mark.parametrize("text", STOPS)
def test_stop_keywords_opt_out(text: str) -> None:
    change = match(text, DEFAULTS, now=NOW)
    assert change == KeywordChange(Consent.OPTED_OUT, fold(text), NOW)


@pytest.mark.parametrize("text", STARTS)
def test_start_keywords_opt_back_in(text: str) -> None:
    change = match(text, DEFAULTS, now=NOW)
    assert change is not None
    assert (change.marketing, change.at) == (Consent.OPTED_IN, NOW)


@pytest.mark.parametrize("text", NEITHER)
def test_a_keyword_inside_a_longer_message_is_no_keyword(text: str | None) -> None:
    assert match(text, DEFAULTS, now=NOW) is None


def test_the_change_carries_the_injected_time() -> None:
    later = NOW + dt.timedelta(days=3)
    change = match("STOP", DEFAULTS, now=later)
    assert change is not None
    assert change.at == later


def test_the_defaults_cover_every_required_language_and_never_both_stop_and_start() -> None:
    stop, start = defaults()["stop"], defaults()["start"]
    assert not keywords_for(None).stop & keywords_for(None).start
    assert {"STOP", "UNSUBSCRIBE"} <= set(stop)
    assert len(stop) >= 8
    assert len(start) >= 8


def test_an_account_s_own_list_replaces_that_kind_only() -> None:
    own = keywords_for({"stop": ["ENOUGH", "Basta"]})
    assert match("enough", own, now=NOW) is not None
    assert match("STOP", own, now=NOW) is None
    change = match("START", own, now=NOW)
    assert change is not None
    assert change.marketing == Consent.OPTED_IN


@pytest.mark.parametrize(
    ("stop", "start", "problem"),
    [
        ([], None, "stop keywords: give 1 to 100 words"),
        (["  "], None, "stop keywords: give 1 to 100 words"),
        (["x" * 101], None, "stop keywords: each is 1 to 100 characters of text"),
        (["!!"], None, "stop keywords: each is 1 to 100 characters of text"),
        (["Halt"], ["HALT"], "a keyword cannot both stop and start: halt"),
    ],
)
def test_a_bad_account_list_is_refused(
    stop: list[str] | None, start: list[str] | None, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        check_custom(stop, start)

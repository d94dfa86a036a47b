"""Every Graph error code pywa knows gets one consistent meaning here: its class, its transience
and our answer agree, and pywa's families (throttling, authorization, integrity) map to ours.

pywa (david-lev/pywa, `pywa/errors.py`) keys its exceptions by Meta's code; its table is the
widest public list of the codes the Cloud API answers with.
"""

from __future__ import annotations

import pytest
from pywa import errors as pywa_errors

from mumble.channels.errors import (
    ACCOUNT_PROBLEM,
    META_RATE_LIMITED,
    UNAVAILABLE,
    meta_refusal,
)
from mumble.whatsapp.errors import (
    AccountError,
    AuthError,
    PermissionDenied,
    RateLimited,
    TemporaryError,
    WhatsAppError,
    from_graph,
)

PYWA_CODES = sorted(pywa_errors._all_exceptions().items())
RETRY_LATER = {META_RATE_LIMITED.message, UNAVAILABLE.message}


def _error(code: int, **extra: object) -> WhatsAppError:
    body = {"error": {"code": code, "message": f"(#{code}) Title", "type": "OAuthException"}}
    body["error"].update(extra)
    error = from_graph(body, 400)
    assert error is not None
    return error


@pytest.mark.parametrize(("code", "family"), PYWA_CODES, ids=[str(c) for c, _ in PYWA_CODES])
def test_each_pywa_code_maps_consistently_with_its_transient_flag(
    code: int, family: type[pywa_errors.WhatsAppError]
) -> None:
    error = _error(code)
    refusal = meta_refusal(error)

    assert error.is_transient == isinstance(error, RateLimited | TemporaryError)
    # Transient: the answer says "retry later" (429 with Retry-After, or 502 unavailable).
    # Permanent: never a "retry later" answer, never a 429.
    assert (refusal.message in RETRY_LATER) == error.is_transient
    assert (refusal.status == 429) == isinstance(error, RateLimited)
    if isinstance(error, RateLimited):
        assert int(refusal.headers["Retry-After"]) >= 1
    if issubclass(family, pywa_errors.ThrottlingError):
        assert isinstance(error, RateLimited)
    if issubclass(family, pywa_errors.AuthorizationError):
        assert isinstance(error, AuthError | PermissionDenied)
        assert refusal.status == 502
    if issubclass(family, pywa_errors.IntegrityError):
        assert isinstance(error, AccountError)
        assert refusal.message == ACCOUNT_PROBLEM.message.format(title="Title")


def test_metas_is_transient_counts_for_unknown_codes_but_never_overrides_a_known_one() -> None:
    unknown = _error(999001, is_transient=True)
    known = _error(131026, is_transient=True)

    assert isinstance(unknown, TemporaryError)
    assert unknown.is_transient
    assert meta_refusal(unknown).message == UNAVAILABLE.message
    assert type(known) is WhatsAppError
    assert not known.is_transient
    assert meta_refusal(known).status == 400

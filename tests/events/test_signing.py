"""Standard Webhooks signatures, checked against the specification's published example."""

from __future__ import annotations

import base64

from mumble.events import signing

# From the Standard Webhooks reference libraries' tests.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_standard_webhooks_example() -> None:
    assert signing.sign(SECRET, MSG_ID, TIMESTAMP, BODY) == EXPECTED
    assert signing.headers(SECRET, MSG_ID, TIMESTAMP, BODY) == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": EXPECTED,
    }


def test_verify_accepts_the_signature_among_several_and_refuses_tampering() -> None:
    header = f"v1,bm9wZQ== {EXPECTED}"
    assert signing.verify(SECRET, MSG_ID, str(TIMESTAMP), header, BODY, now=TIMESTAMP + 10)
    assert not signing.verify(SECRET, MSG_ID, str(TIMESTAMP), header, BODY + b" ", now=TIMESTAMP)
    assert not signing.verify(SECRET, "msg_other", str(TIMESTAMP), header, BODY, now=TIMESTAMP)
    assert not signing.verify(SECRET, MSG_ID, "not-a-number", header, BODY, now=TIMESTAMP)
    assert not signing.verify(SECRET, MSG_ID, str(TIMESTAMP), "v2,x", BODY, now=TIMESTAMP)


def test_verify_refuses_timestamps_outside_the_tolerance() -> None:
    ok = signing.verify(SECRET, MSG_ID, str(TIMESTAMP), EXPECTED, BODY, now=TIMESTAMP + 300)
    late = signing.verify(SECRET, MSG_ID, str(TIMESTAMP), EXPECTED, BODY, now=TIMESTAMP + 301)
    early = signing.verify(SECRET, MSG_ID, str(TIMESTAMP), EXPECTED, BODY, now=TIMESTAMP - 301)
    assert (ok, late, early) == (True, False, False)


def test_new_secrets_are_random_and_in_whsec_form() -> None:
    first, second = signing.new_secret(), signing.new_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == signing.SECRET_BYTES

"""What becomes of a recipient whose send did not go through: pure rules, no database.

Meta's back-pressure (130429 throughput, 131056 pair rate, 131048 spam rate, 80007 / 4 Graph
limits) is not the recipient's fault: it is queued again, later each time (Meta's usual wait for
the code, doubled per earlier attempt, capped). 131049 (Meta's per-user marketing limit) is not
retried and is reported as such. 132015 / 132016 (the template is paused / disabled, Meta's
answer before its status webhook arrives) put the recipient back and pause the campaign with
that reason. Any other refusal is the recipient's failure, with Meta's code
and message. Facts: ../shared/docs/whatsapp-cloud-api.md §3 and §7.
"""

from __future__ import annotations

from dataclasses import dataclass

from mumble.whatsapp.errors import DEFAULT_RETRY_AFTER

BACK_PRESSURE = frozenset({130429, 131056, 131048, 80007, 4})
MARKETING_LIMIT = 131049
MARKETING_LIMIT_REASON = "marketing_limit_131049"
TEMPLATE_STOPPED = {132015: "template_paused", 132016: "template_disabled"}
# The longest wait between attempts, unless Meta's own usual wait for the code is longer.
MAX_BACKOFF_SECONDS = 900.0


@dataclass(frozen=True)
class Retry:
    """Queue the recipient again, due in `seconds`."""

    seconds: float


@dataclass(frozen=True)
class Pause:
    """Queue the recipient again and pause the campaign with this reason."""

    reason: str


@dataclass(frozen=True)
class Fail:
    """The recipient failed (with this skip reason, when it names one)."""

    skip_reason: str | None = None


def backoff(code: int, attempts: int) -> float:
    """The wait before attempt `attempts + 1` after `attempts` pushed back with `code`."""
    base = float(DEFAULT_RETRY_AFTER.get(code, 1.0))
    grown: float = base * 2.0 ** max(0, attempts - 1)
    return min(grown, max(base, MAX_BACKOFF_SECONDS))


def after_failure(code: int | None, attempts: int) -> Retry | Pause | Fail:
    """A failed send's recipient: retried for back-pressure, kept for a stopped template,
    failed otherwise."""
    if code in TEMPLATE_STOPPED:
        return Pause(TEMPLATE_STOPPED[code])
    if code is not None and code in BACK_PRESSURE:
        return Retry(backoff(code, attempts))
    if code == MARKETING_LIMIT:
        return Fail(MARKETING_LIMIT_REASON)
    return Fail()

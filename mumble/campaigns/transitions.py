"""The campaign state machine as pure functions: which action moves which status where.

scheduled -> running (start, when send_at comes) -> completed (complete, nothing left to send);
scheduled | running -> paused (pause, by the API or the runner with a reason); paused -> running
or scheduled (resume: scheduled while send_at is still ahead); any but completed and cancelled
-> cancelled (cancel). completed and cancelled are final. The API and the runner both call
`next_status` on the row they locked, so one rule decides every change.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from mumble.errors import Conflict, Refusal
from mumble.models.campaigns import CampaignStatus

FINAL = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED})


class Action(StrEnum):
    """What can happen to a campaign."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    COMPLETE = "complete"


# The past participle each refusal names ("cannot be paused").
_DONE = {
    Action.START: "started",
    Action.PAUSE: "paused",
    Action.RESUME: "resumed",
    Action.CANCEL: "cancelled",
    Action.COMPLETE: "completed",
}
_FROM: dict[Action, frozenset[CampaignStatus]] = {
    Action.START: frozenset({CampaignStatus.SCHEDULED}),
    Action.PAUSE: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.RUNNING}),
    Action.RESUME: frozenset({CampaignStatus.PAUSED}),
    Action.CANCEL: frozenset(
        {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED}
    ),
    Action.COMPLETE: frozenset({CampaignStatus.RUNNING}),
}

NOT_ALLOWED = Refusal(Conflict, "Campaign is {status} and cannot be {done}")


def allowed(current: CampaignStatus, action: Action) -> bool:
    """Whether `action` applies to a campaign in `current`."""
    return CampaignStatus(current) in _FROM[action]


def next_status(
    current: CampaignStatus, action: Action, *, send_at: dt.datetime, now: dt.datetime
) -> CampaignStatus:
    """The status after `action`; 409 NOT_ALLOWED when the action does not apply."""
    current = CampaignStatus(current)
    if not allowed(current, action):
        raise NOT_ALLOWED(status=current.value, done=_DONE[action])
    if action is Action.START:
        return CampaignStatus.RUNNING
    if action is Action.PAUSE:
        return CampaignStatus.PAUSED
    if action is Action.RESUME:
        return CampaignStatus.SCHEDULED if send_at > now else CampaignStatus.RUNNING
    if action is Action.CANCEL:
        return CampaignStatus.CANCELLED
    return CampaignStatus.COMPLETED


def initial_status(send_at: dt.datetime, now: dt.datetime) -> CampaignStatus:
    """A new campaign: running when it is due now, scheduled for a later send_at."""
    return CampaignStatus.SCHEDULED if send_at > now else CampaignStatus.RUNNING


def is_final(status: CampaignStatus) -> bool:
    """Completed and cancelled campaigns never change again."""
    return CampaignStatus(status) in FINAL

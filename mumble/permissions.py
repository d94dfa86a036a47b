"""Permissions: one per resource and action, and the wording used when one is missing."""

from __future__ import annotations

# permission -> what a key without it is "not authorized to" do, in the reference's wording style.
PERMISSIONS: dict[str, str] = {
    "customers:read": "read customers",
    "customers:write": "modify customers",
    "customers:assign": "assign customers",
    "consent:read": "read marketing consent",
    "consent:write": "change marketing consent",
    "labels:read": "read labels",
    "labels:write": "modify labels",
    "team:read": "read agents and teams",
    "agents:write": "manage agents",
    "teams:write": "manage teams",
    "bots:read": "read bots",
    "bots:assign": "assign bots",
    "bots:write": "manage bots",
    "messages:send": "send messages",
    "messages:read": "read messages",
    "conversations:read": "read conversations",
    "templates:read": "read templates",
    "templates:write": "create templates",
    "templates:send": "send templates",
    "campaigns:read": "read campaigns",
    "campaigns:write": "manage campaigns",
    "webhooks:read": "read webhooks",
    "webhooks:write": "manage webhooks",
}

ALL_PERMISSIONS: frozenset[str] = frozenset(PERMISSIONS)


ALL = "*"


def unknown_permissions(candidates: list[str]) -> list[str]:
    """The names in `candidates` that are not permissions (`*` means all and is allowed)."""
    return [name for name in candidates if name != ALL and name not in PERMISSIONS]


def expand(granted: list[str]) -> frozenset[str]:
    """The concrete permission set of a role (`*` grants everything)."""
    if ALL in granted:
        return ALL_PERMISSIONS
    return frozenset(name for name in granted if name in PERMISSIONS)

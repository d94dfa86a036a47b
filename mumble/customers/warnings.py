"""Near-miss custom field names: a new custom field that looks like a typo of a known field. Pure.

Extra keys of add-new-customer / edit-customer become custom fields (the contract), so
`utm_sorce` is stored as a custom field rather than refused; the answer then carries a warning
naming the field the client probably meant.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.distance import DamerauLevenshtein

from mumble.customers.fields import ATTRIBUTION_FIELDS, STANDARD_FIELDS

_KNOWN: tuple[tuple[str, str], ...] = (
    *((name, "a standard field") for name in sorted(STANDARD_FIELDS)),
    *((name, "an attribution field") for name in ATTRIBUTION_FIELDS),
)
_NAMES = frozenset(name for name, _ in _KNOWN)
# Names this short differ from too many words by one letter (ip/id, fbc/fbp): only case and
# separators count for them.
_SHORT = 3


def _shape(name: str) -> str:
    """Case and separators do not make a name different (`UTM-Source` is `utm_source`)."""
    return name.lower().replace("-", "_").replace(".", "_").replace(" ", "_")


def _allowed(field: str) -> int:
    """How many edits away from `field` a name still counts as a near miss."""
    if len(field) <= _SHORT:
        return 0
    return 1 if len(field) <= 6 else 2


def near_miss(name: str) -> tuple[str, str] | None:
    """The known field `name` is a near miss of, and its kind; None when it is none."""
    if name in _NAMES:
        return None
    shaped = _shape(name)
    best: tuple[int, str, str] | None = None
    for field, kind in _KNOWN:
        limit = _allowed(field)
        distance = DamerauLevenshtein.distance(shaped, field, score_cutoff=limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, field, kind)
    return None if best is None else (best[1], best[2])


def near_miss_warnings(new_names: Iterable[str]) -> list[str]:
    """One warning per new custom field name that is a near miss of a known field."""
    warnings = []
    for name in new_names:
        found = near_miss(name)
        if found is not None:
            field, kind = found
            warnings.append(
                f"'{name}' was stored as a new custom field; did you mean '{field}' ({kind})?"
            )
    return warnings

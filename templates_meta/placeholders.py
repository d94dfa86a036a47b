"""Finding `{{...}}` placeholders in template text in one linear pass.

Client text reaches this on the event loop (create-template, the sandbox's review), so nothing here
may do more than linear work: a lazy `{{(.*?)}}` rescans the rest of the text from every `{{` that
does not close, which is quadratic on a run of `{{`. Splitting on the two fixed tokens `{{` and
`}}` cannot backtrack, and everything after it is list slicing and counting.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_BRACES = re.compile(r"(\{\{|\}\})")


class Placeholders(NamedTuple):
    """The placeholders of a text: their inner texts in order, and the text around them.

    `gaps[0]` stands before the first placeholder, `gaps[i]` between placeholder i-1 and i, and
    `gaps[-1]` after the last, so `len(gaps) == len(names) + 1`.
    """

    names: list[str]
    gaps: list[str]

    def adjacent(self) -> bool:
        """Whether two placeholders stand next to each other with only white space between."""
        return any(not gap.strip() for gap in self.gaps[1:-1])

    def at_start(self) -> bool:
        return bool(self.names) and not self.gaps[0].strip()

    def at_end(self) -> bool:
        return bool(self.names) and not self.gaps[-1].strip()


def placeholders(text: str) -> Placeholders | None:
    """The placeholders of `text`, or None when its braces do not pair up as `{{...}}`."""
    if text.count("{{") != text.count("}}"):  # the two cannot overlap: these are the token counts
        return None
    parts = _BRACES.split(text)
    tokens = parts[1::2]
    opens, closes = tokens[0::2], tokens[1::2]
    if len(opens) != len(closes) or opens.count("{{") != len(opens):
        return None
    if closes.count("}}") != len(closes):
        return None
    segments = parts[0::2]
    return Placeholders(names=segments[1::2], gaps=segments[0::2])

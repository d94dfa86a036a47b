"""Page-number paging that stays cheap deep into a large list.

A page is read as OFFSET/LIMIT from whichever end of the ordering is nearer, so the last page
of a million rows costs what the first does. The caller reads only the ids of the window
(an index-only scan), then the rows for those ids: skipped rows are never fetched.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Rows `offset .. offset + limit` counted from the start, or from the end if `from_end`."""

    offset: int
    limit: int
    from_end: bool


def page_window(total: int, page: int, per_page: int) -> Window | None:
    """Where page `page` (1-based) of `total` rows lies; None when it is past the last page."""
    start = (page - 1) * per_page
    if page < 1 or start >= total:
        return None
    limit = min(per_page, total - start)
    after = total - start - limit
    if after < start:
        return Window(after, limit, from_end=True)
    return Window(start, limit, from_end=False)

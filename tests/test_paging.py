"""page_window: every page is read from the nearer end, and the windows tile the list."""

from __future__ import annotations

import pytest

from mumble.paging import Window, page_window


def test_early_pages_count_from_the_start_and_late_ones_from_the_end() -> None:
    assert page_window(1000, 1, 250) == Window(0, 250, from_end=False)
    assert page_window(1000, 2, 250) == Window(250, 250, from_end=False)
    assert page_window(1000, 3, 250) == Window(250, 250, from_end=True)
    assert page_window(1000, 4, 250) == Window(0, 250, from_end=True)
    # A short last page is the first rows counted from the end.
    assert page_window(251, 2, 250) == Window(0, 1, from_end=True)


@pytest.mark.parametrize(("total", "page"), [(0, 1), (250, 2), (10, 0), (10, -1)])
def test_pages_past_the_end_or_below_one_are_empty(total: int, page: int) -> None:
    assert page_window(total, page, 250) is None


@pytest.mark.parametrize("total", [1, 49, 50, 51, 99, 100, 101, 250, 1234])
def test_windows_tile_the_list_in_order(total: int) -> None:
    rows = list(range(total))
    seen: list[int] = []
    for page in range(1, total // 50 + 3):
        window = page_window(total, page, 50)
        if window is None:
            continue
        if window.from_end:
            backwards = rows[::-1][window.offset : window.offset + window.limit]
            seen += backwards[::-1]
        else:
            seen += rows[window.offset : window.offset + window.limit]
    assert seen == rows

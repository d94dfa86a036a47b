"""A campaign's CSV audience: a `phone` column and one column per value it references.

Parsed as a stream, line by line from the uploaded file (never read whole), bounded in bytes
and rows. Every unusable row is reported with its line number (a phone that does not
normalise, a wrong column count, bytes that are not UTF-8), so one 400 lists them all; a
file past the bounds is refused as soon as that is known.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from mumble.errors import BadRequest, MumbleError, PayloadTooLarge, Refusal
from mumble.phones import normalize_phone

MAX_BYTES = 16 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 50
COLUMN_MAX = 100
CELL_MAX = 1024
# How many bad lines a 400 lists before summing up the rest.
MAX_LISTED = 100
PHONE = "phone"

TOO_LARGE = Refusal(PayloadTooLarge, f"CSV file too large (at most {MAX_BYTES} bytes)")
TOO_MANY_ROWS = Refusal(BadRequest, f"CSV file has too many rows (at most {MAX_ROWS})")


@dataclass(frozen=True)
class CsvRow:
    """One usable row: its line, the phone as normalised, every column's value."""

    line: int
    phone: str
    values: dict[str, str]


@dataclass
class CsvAudience:
    """The header's columns, the usable rows, and what is wrong with the others."""

    columns: list[str] = field(default_factory=list)
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    bad_lines: int = 0

    def refuse(self, line: int, why: str) -> None:
        self.bad_lines += 1
        if self.bad_lines <= MAX_LISTED:
            self.problems.append(f"CSV line {line}: {why}")


def _lines(binary: IO[bytes], bad: set[int]) -> Iterator[str]:
    """The file's lines as text; a line that is not UTF-8 is noted in `bad` (by number)."""
    read = 0
    for number, raw in enumerate(binary, start=1):
        read += len(raw)
        if read > MAX_BYTES:
            raise TOO_LARGE()
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.add(number)
            yield raw.decode("utf-8", errors="replace")


def _header(cells: list[str], audience: CsvAudience) -> bool:
    columns = [cell.strip() for cell in cells]
    if PHONE not in [column.lower() for column in columns]:
        audience.problems.append("CSV line 1: the header needs a 'phone' column")
        return False
    problems = []
    if len(columns) > MAX_COLUMNS:
        problems.append(f"CSV line 1: at most {MAX_COLUMNS} columns")
    if any(not column or len(column) > COLUMN_MAX for column in columns):
        problems.append(f"CSV line 1: every column needs a name of 1 to {COLUMN_MAX} characters")
    if len(set(columns)) != len(columns):
        problems.append("CSV line 1: column names must be distinct")
    audience.problems += problems
    audience.columns = [PHONE if column.lower() == PHONE else column for column in columns]
    return not problems


def read_csv(binary: IO[bytes]) -> CsvAudience:
    """Parse the upload (binary, positioned at its start); 413/400 past the bounds."""
    audience = CsvAudience()
    bad: set[int] = set()
    reader = csv.reader(_lines(binary, bad), strict=True)
    last_line = 0
    header_seen = False
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            audience.refuse(reader.line_num, f"not valid CSV ({exc})")
            last_line = reader.line_num
            continue
        first, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if any(number in bad for number in range(first, last_line + 1)):
            audience.refuse(first, "not UTF-8 text")
            continue
        if not header_seen:
            header_seen = True
            if not _header(cells, audience):
                return audience
            continue
        _row(cells, first, audience)
        if len(audience.rows) + audience.bad_lines > MAX_ROWS:
            raise TOO_MANY_ROWS()
    if not header_seen:
        audience.problems.append("CSV file is empty (it needs a header row with 'phone')")
    elif not audience.rows and not audience.bad_lines:
        audience.problems.append("CSV file has no rows")
    if audience.bad_lines > MAX_LISTED:
        audience.problems.append(f"... and {audience.bad_lines - MAX_LISTED} more bad lines")
    return audience


def _row(cells: list[str], line: int, audience: CsvAudience) -> None:
    if len(cells) != len(audience.columns):
        audience.refuse(line, f"expected {len(audience.columns)} columns, {len(cells)} found")
        return
    values = dict(zip(audience.columns, (cell.strip() for cell in cells), strict=True))
    if any(len(cell) > CELL_MAX or "\x00" in cell for cell in values.values()):
        audience.refuse(line, f"a value is longer than {CELL_MAX} characters or holds NUL")
        return
    try:
        phone = normalize_phone(values[PHONE])
    except MumbleError:
        audience.refuse(line, f"invalid phone {values[PHONE][:32]!r}")
        return
    audience.rows.append(CsvRow(line, phone, values))

"""The rows of import-customers, read and validated before anything is written. Pure.

Rows come as a JSON array of objects with the fields of add-new-customer / edit-customer, or as
a CSV file whose header row names those fields (an empty cell means "not given"; a JSON null
clears the field, as in edit-customer). Each row is validated on its own: a bad row becomes an
error naming what is wrong, and the other rows go on. Only what concerns the whole call (no
rows, too many, an unreadable file) refuses the call.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from mumble.customers.input import CustomerInput, parse_customer_input
from mumble.errors import BadRequest, MumbleError, Refusal
from mumble.phones import normalize_phone

MAX_ROWS = 1000
NO_ROWS = Refusal(BadRequest, "Customers are required (a JSON array of customers, or a CSV file)")
TOO_MANY_ROWS = Refusal(BadRequest, f"At most {MAX_ROWS} customers per import")
NOT_A_LIST = Refusal(BadRequest, "'customers' must be an array of customer objects")
BAD_CSV = Refusal(BadRequest, "Invalid CSV file")
ROW_INVALID = Refusal(BadRequest, "Invalid customer")
REFUSALS = (NO_ROWS, TOO_MANY_ROWS, NOT_A_LIST, BAD_CSV)
PHONE_COLUMN = "customer_phone"


@dataclass(frozen=True)
class Row:
    """One row: its 1-based number, the phone as far as it could be read, the validated input
    or why it is refused."""

    number: int
    phone: str | None
    data: CustomerInput | None = None
    error: str | None = None


def _phone_of(params: Mapping[str, Any]) -> str | None:
    raw = params.get(PHONE_COLUMN)
    if raw is None or isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    try:
        return normalize_phone(raw)
    except MumbleError:
        return str(raw)[:32]


def _reason(exc: MumbleError) -> str:
    return "; ".join(exc.details) if exc.details else exc.message


def read_row(number: int, params: object) -> Row:
    """Validate one row as add-new-customer / edit-customer would."""
    if not isinstance(params, dict):
        return Row(number, None, error="A row must be an object")
    try:
        data = parse_customer_input(params, ROW_INVALID)
    except MumbleError as exc:
        return Row(number, _phone_of(params), error=_reason(exc))
    return Row(number, data.phone, data)


def _counted(items: list[Any]) -> list[Any]:
    if not items:
        raise NO_ROWS()
    if len(items) > MAX_ROWS:
        raise TOO_MANY_ROWS(details=[f"{len(items)} given"])
    return items


def rows_from_json(raw: object) -> list[Row]:
    """The rows of a JSON array (or of its JSON text, from a form post)."""
    if raw is None:
        raise NO_ROWS()
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise NOT_A_LIST() from None
    if not isinstance(raw, list):
        raise NOT_A_LIST()
    return [read_row(number, item) for number, item in enumerate(_counted(raw), start=1)]


def _header(reader: Any) -> list[str]:
    try:
        names = next(reader)
    except StopIteration:
        raise NO_ROWS() from None
    header = [name.strip() for name in names]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise BAD_CSV(details=[f"Column named twice: {', '.join(duplicated)}"])
    if PHONE_COLUMN not in header:
        raise BAD_CSV(details=[f"The header row must name the {PHONE_COLUMN} column"])
    if any(not name for name in header):
        raise BAD_CSV(details=["Every column of the header row needs a name"])
    return header


def rows_from_csv(data: bytes) -> list[Row]:
    """The rows of a UTF-8 CSV file with a header row; empty lines are skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BAD_CSV(details=["The file must be UTF-8 text"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = _header(reader)
        lines = [cells for cells in reader if any(cell.strip() for cell in cells)]
    except csv.Error as exc:
        raise BAD_CSV(details=[f"Line {reader.line_num}: {exc}"]) from None
    rows = []
    for number, cells in enumerate(_counted(lines), start=1):
        if len(cells) > len(header):
            rows.append(Row(number, None, error="The row has more cells than the header row"))
            continue
        cells = [cell.strip() for cell in cells]
        params = {name: cell for name, cell in zip(header, cells, strict=False) if cell}
        rows.append(read_row(number, params))
    return rows

"""import-customers: bulk upsert for CRM syncs, as a JSON array or a CSV upload."""

from __future__ import annotations

from typing import Any

from mumble.customers import import_rows, importing
from mumble.customers.schemas import BODY_FIELDS, CUSTOM_VALUE, WARNINGS
from mumble.endpoint import Call, Endpoint, Upload, api_route
from mumble.openapi.schema import array, integer, nullable, obj, string, success
from mumble.params import value

TAG = "Customers"
_ROW: dict[str, Any] = {
    "type": "object",
    "properties": BODY_FIELDS,
    "required": ["customer_phone"],
    "additionalProperties": CUSTOM_VALUE,
}
CUSTOMERS = value(
    "customers",
    array(
        _ROW,
        "The customers, with the fields of add-new-customer / edit-customer. The JSON body may "
        "also be this array itself.",
        maxItems=import_rows.MAX_ROWS,
    ),
)
_RESULT = obj(
    {
        "row": integer("1-based, in the order sent.", minimum=1),
        "phone": nullable(string()),
        "status": string(enum=[importing.CREATED, importing.UPDATED, importing.ERROR]),
        "message": string(),
    },
    ("row", "phone", "status", "message"),
)
_TOTALS = obj(
    {
        name: integer(minimum=0)
        for name in ("rows", importing.CREATED, importing.UPDATED, importing.ERROR)
    },
    ("rows", importing.CREATED, importing.UPDATED, importing.ERROR),
)

IMPORT = Endpoint(
    "POST",
    "/import-customers",
    "customers:write",
    f"Create or update up to {import_rows.MAX_ROWS} customers by phone in one call.",
    TAG,
    success(
        {"results": array(_RESULT), "totals": _TOTALS, "warnings": WARNINGS},
        ("results", "totals"),
    ),
    params=(CUSTOMERS,),
    errors=import_rows.REFUSALS,
    action="import customers",
    description="Upsert by phone: a new phone is created, an existing customer gets only the "
    "fields given (null clears one; in a CSV an empty cell is not given). One transaction per "
    "call; every row is answered in order with `created`, `updated` or `error` (a bad row never "
    "blocks the others). Send a JSON array, or a CSV file as multipart (field `file`, a header "
    "row naming the fields). Counts as one request for the rate limits. With an "
    "Idempotency-Key a retried call replays the first answer and writes nothing.",
    idempotent=True,
    upload=Upload(
        description="A UTF-8 CSV file: a header row naming the fields, one customer per row."
    ),
    bulk_rows=CUSTOMERS.name,
)


async def import_customers(call: Call) -> dict[str, Any]:
    if call.upload is not None:
        rows = import_rows.rows_from_csv(await call.upload.read())
    else:
        rows = import_rows.rows_from_json(call.arg(CUSTOMERS))
    answer = await importing.import_customers(call.account_id, rows, call.now())
    return {"success": True, **answer}


routes = [api_route(IMPORT, import_customers)]

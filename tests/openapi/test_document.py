"""The OpenAPI document: valid 3.1, describing every mounted route, with the shared contract."""

from __future__ import annotations

from typing import Any

import httpx
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from mumble.app import api_routes
from mumble.endpoint import ApiRoute
from mumble.messages.params import BAD_USER_ID, BOTH_NAMED
from mumble.openapi.document import undescribed, walk

SENDS = (
    "/mumbleapi/send-text-message",
    "/mumbleapi/send-media-message",
    "/mumbleapi/send-template",
    "/mumbleapi/send-template-text-variable",
)


async def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


async def test_openapi_json_needs_no_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert "X-Request-ID" in response.headers


def test_every_mounted_route_is_described(app: Starlette) -> None:
    assert undescribed(app.routes) == []


def test_a_route_without_a_description_is_reported() -> None:
    async def handler(request: Request) -> Response:
        return Response()

    extra = Route("/undocumented-thing", handler, methods=["POST"])
    routes = [Mount("/mumbleapi", routes=[*api_routes(), extra])]
    assert undescribed(routes) == ["POST /mumbleapi/undocumented-thing"]


def test_every_api_route_is_described_by_the_declaration_it_was_built_from() -> None:
    for route in api_routes():
        assert isinstance(route, ApiRoute)
        assert route.contract.path == route.path


async def test_every_route_of_the_app_is_in_the_document(
    app: Starlette, document: dict[str, Any]
) -> None:
    served = {(method.lower(), path) for method, path, _ in walk(app.routes)}
    documented = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert served == documented
    for path in ("/mumbleapi/media/{message_id}", "/webhooks/whatsapp", "/healthz", "/metrics"):
        assert path in document["paths"]


async def test_every_api_operation_needs_the_key_and_declares_the_guard_answers(
    document: dict[str, Any],
) -> None:
    scheme = document["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Mumble-Api-Key"}
    for path, operations in document["paths"].items():
        if not path.startswith("/mumbleapi/"):
            continue
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiKey": []}], (method, path)
            responses = operation["responses"]
            for status in ("200", "400", "401", "413", "429", "500", "503"):
                assert status in responses, (method, path, status)
            ok_headers = responses["200"]["headers"]
            for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                assert name in ok_headers, (method, path, name)
            assert "Retry-After" in responses["429"]["headers"]
            assert responses["404" if "404" in responses else "401"]["content"] == {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            }


async def test_error_envelope_schema(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]
    assert set(error["properties"]) == {"error", "message", "details", "id"}
    assert error["properties"]["details"]["items"] == {"type": "string"}


async def test_get_and_delete_take_query_parameters_and_post_takes_json_or_form(
    document: dict[str, Any],
) -> None:
    get_message = document["paths"]["/mumbleapi/get-message"]["get"]
    # get-message takes our `id` or `message_wa_id`: neither is required alone.
    named = {p["name"]: p for p in get_message["parameters"]}
    assert {(named[n]["in"], named[n]["required"]) for n in ("id", "message_wa_id")} == {
        ("query", False)
    }
    # get-customer names the customer by one of two parameters, so neither is required alone.
    get_customer = document["paths"]["/mumbleapi/get-customer"]["get"]
    by = {p["name"]: (p["in"], p["required"]) for p in get_customer["parameters"]}
    assert by["customer_phone"] == by["customer_user_id"] == ("query", False)
    delete = document["paths"]["/mumbleapi/delete-label"]["delete"]
    assert any(p["name"] == "label_name" and p["in"] == "query" for p in delete["parameters"])
    add = document["paths"]["/mumbleapi/add-new-customer"]["post"]["requestBody"]["content"]
    assert set(add) == {"application/json", "application/x-www-form-urlencoded"}
    assert add["application/json"]["schema"]["required"] == ["customer_phone"]


def _named_by(operation: dict[str, Any]) -> dict[str, bool]:
    """Each parameter or body property of the operation, and whether it is required."""
    named = {p["name"]: bool(p.get("required")) for p in operation.get("parameters", ())}
    for content in operation.get("requestBody", {}).get("content", {}).values():
        schema = content["schema"]
        for name in schema.get("properties", {}):
            named[name] = name in schema.get("required", ())
    return named


async def test_every_operation_naming_a_customer_by_phone_takes_customer_user_id(
    document: dict[str, Any],
) -> None:
    naming = {
        (method, path): _named_by(operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "customer_phone" in _named_by(operation)
    }
    # add-new-customer creates a customer by phone; every other operation names one.
    creating = ("post", "/mumbleapi/add-new-customer")
    assert naming.pop(creating)["customer_phone"] is True
    assert len(naming) >= 20
    for (method, path), named in naming.items():
        where = f"{method} {path}"
        assert (named["customer_phone"], named.get("customer_user_id")) == (False, False), where
        refusals = document["paths"][path][method]["responses"]["400"]["description"]
        assert BOTH_NAMED in refusals, where
        assert BAD_USER_ID in refusals, where


async def test_send_media_message_takes_a_multipart_upload(document: dict[str, Any]) -> None:
    body = document["paths"]["/mumbleapi/send-media-message"]["post"]["requestBody"]["content"]
    multipart = body["multipart/form-data"]["schema"]
    assert "file" in multipart["properties"]
    # The customer is named by customer_phone or customer_user_id: neither is required alone.
    assert {"customer_phone", "customer_user_id"} <= set(multipart["properties"])


async def test_sends_take_an_idempotency_key_and_say_so_in_the_answer(
    document: dict[str, Any],
) -> None:
    for path in SENDS:
        operation = document["paths"][path]["post"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"Idempotency-Key", "X-Request-ID"} <= names
        assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]
        assert "409" in operation["responses"]
        assert "messaging limit" in operation["description"]


async def test_the_document_is_built_once_per_app(client: httpx.AsyncClient) -> None:
    first = await client.get("/openapi.json")
    second = await client.get("/openapi.json")
    assert first.content == second.content


async def test_every_link_names_an_operation_of_the_document(document: dict[str, Any]) -> None:
    operations = {
        op["operationId"]: op for ops in document["paths"].values() for op in ops.values()
    }
    links = [
        target
        for ops in document["paths"].values()
        for op in ops.values()
        for target in op["responses"]["200"].get("links", {}).values()
    ]
    assert len(links) >= 10
    for target in links:
        assert target["operationId"] in operations
        names = {p["name"] for p in operations[target["operationId"]].get("parameters", [])}
        for qualified in target.get("parameters", {}):
            assert qualified.split(".", 1)[1] in names, (target, qualified)

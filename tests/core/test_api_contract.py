"""The OpenAPI schema tells the truth (issue #14): it validates, every operation is typed
and documents its errors, lists are the paginated envelope, bodies are JSON, and the
contract check of ``tests/contract.py`` catches an answer that drifts from it."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import JsonResponse
from django.urls import reverse
from openapi_spec_validator import validate

from tests.contract import ContractViolation, check, schema_dict
from tests.factories import MembershipFactory
from tests.marketplace.factories import PostingFactory

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
NO_BODY = {"204", "304"}
# Documents rather than JSON: iCalendar feeds, RSS/Atom, the digest PDF, the CSV statement.
DOCUMENT_TYPES = {
    "text/calendar",
    "application/rss+xml",
    "application/atom+xml",
    "application/pdf",
    "text/csv",
}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema_dict()["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = schema_dict()["components"]["schemas"][name]
    return schema


def _is_typed(schema: dict[str, Any]) -> bool:
    """A schema a generated client can turn into a type: not an empty or free-form object."""
    schema = _resolve(schema)
    if not schema:
        return False
    if schema.get("type") == "array":
        return _is_typed(schema.get("items", {}))
    if schema.get("type") == "object" or "properties" in schema:
        return bool(schema.get("properties")) or (
            isinstance(schema.get("additionalProperties"), dict)
            and bool(schema["additionalProperties"])
        )
    return "type" in schema or "oneOf" in schema or "allOf" in schema or "enum" in schema


def test_the_schema_passes_the_independent_openapi_spec_validator() -> None:
    validate(schema_dict())  # raises OpenAPIValidationError with the first problem


def test_every_operation_has_a_typed_request_and_typed_responses() -> None:
    untyped: list[str] = []
    for method, path, operation in _operations():
        body = operation.get("requestBody")
        if body is not None:
            for media_type, content in body["content"].items():
                if not _is_typed(content.get("schema", {})):
                    untyped.append(f"{method} {path} request {media_type}")
        successes = [code for code in operation["responses"] if code.startswith(("2", "3"))]
        if not successes:
            untyped.append(f"{method} {path} documents no success")
        for code in successes:
            content = operation["responses"][code].get("content")
            if code in NO_BODY:
                assert not content, f"{method} {path} {code} has a body"
                continue
            if not content:
                untyped.append(f"{method} {path} {code} has no response schema")
                continue
            for media_type, entry in content.items():
                schema = entry.get("schema", {})
                if media_type in DOCUMENT_TYPES:
                    if schema.get("type") != "string":
                        untyped.append(f"{method} {path} {code} {media_type} is not a string")
                elif not _is_typed(schema):
                    untyped.append(f"{method} {path} {code} {media_type} is free-form")
    assert untyped == []


def test_request_bodies_are_json_and_multipart_only_for_uploads() -> None:
    wrong: list[str] = []
    for method, path, operation in _operations():
        body = operation.get("requestBody")
        if body is None:
            continue
        media_types = set(body["content"])
        if "multipart/form-data" in media_types:
            schema = _resolve(body["content"]["multipart/form-data"]["schema"])
            uploads = [
                name
                for name, prop in schema.get("properties", {}).items()
                if prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"
            ]
            if not uploads:
                wrong.append(f"{method} {path}: multipart without a file")
            media_types.discard("multipart/form-data")
        if media_types - {"application/json"}:
            wrong.append(f"{method} {path}: {sorted(media_types)}")
    assert wrong == []


def test_every_operation_documents_its_errors_in_the_one_error_shape() -> None:
    missing: list[str] = []
    for method, path, operation in _operations():
        responses = operation["responses"]
        errors = {code for code in responses if code.startswith(("4", "5"))}
        if operation.get("security") and {"bearerAuth": []} in operation["security"]:
            # An operation open to anonymous callers too ({} among its securities, e.g. the
            # media view) refuses with 404, never 403.
            public = {} in operation["security"]
            errors_needed = {"401", "429"} if public else {"401", "403", "429"}
            missing += [f"{method} {path} {code}" for code in errors_needed - errors]
        if "{" in path and "404" not in errors:
            missing.append(f"{method} {path} 404")
        if "requestBody" in operation and "400" not in errors:
            missing.append(f"{method} {path} 400")
        for code in errors:
            schema = responses[code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)
    assert missing == []


def test_lists_are_documented_as_the_paginated_envelope_with_their_parameters() -> None:
    envelope = _resolve(
        schema_dict()["paths"]["/api/v1/villages/{slug}/postings/"]["get"]["responses"]["200"][
            "content"
        ]["application/json"]["schema"]
    )
    assert envelope["required"] == ["next", "previous", "results"]
    assert envelope["properties"]["results"]["type"] == "array"
    paginated = [
        (method, path, operation)
        for method, path, operation in _operations()
        if {p["name"] for p in operation.get("parameters", [])} >= {"cursor", "page_size"}
    ]
    # the 12 lists issue #14 found documented as plain arrays are among them
    assert len(paginated) >= 12
    for method, path, operation in paginated:
        assert method == "GET", path
        schema = _resolve(operation["responses"]["200"]["content"]["application/json"]["schema"])
        assert {"next", "previous", "results"} <= set(schema["required"]), path


def test_an_answer_that_drifts_from_the_schema_fails_the_contract_check() -> None:
    # a field of the wrong type
    with pytest.raises(ContractViolation, match="/api/v1/me/"):
        check("GET", "/api/v1/me/", JsonResponse({"id": "not a number"}))
    # a list answered as a bare array where the envelope is documented
    with pytest.raises(ContractViolation):
        check("GET", "/api/v1/notifications/", JsonResponse([], safe=False))
    # a status the operation does not document
    with pytest.raises(ContractViolation):
        check("GET", "/api/v1/me/", JsonResponse({"error": {}}, status=418))
    # an endpoint that is not in the schema at all
    with pytest.raises(ContractViolation, match="not in the OpenAPI schema"):
        check("GET", "/api/v1/undocumented/", JsonResponse({}))
    # while the router's own 404 for an unknown URL is not the schema's business
    check("GET", "/api/v1/undocumented/", JsonResponse({"error": {}}, status=404))


def test_a_bad_cursor_is_a_400_in_the_error_shape(village, member, client_for) -> None:
    url = reverse("marketplace:posting-list", kwargs={"slug": village.slug})
    response = client_for(member.user).get(url, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_cursor"
    assert error["status"] == 400
    assert list(error["fields"]) == ["cursor"]


def test_nearest_first_honours_page_size_and_pages_with_a_cursor(village, client_for) -> None:
    from tests.factories import HouseholdFactory

    household = HouseholdFactory(village=village, latitude=50.79, longitude=7.872)
    me = MembershipFactory(village=village, household=household)
    titles = [f"p{i}" for i in range(5)]
    for i, title in enumerate(titles):
        PostingFactory(village=village, title=title, approx_lat=50.79 + i * 0.002, approx_lon=7.872)
    client = client_for(me.user)
    url = reverse("marketplace:posting-list", kwargs={"slug": village.slug})
    # when
    first = client.get(url, {"order": "nearest", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    # then
    assert [p["title"] for p in first["results"]] == titles[:2]
    assert [p["title"] for p in second["results"]] == titles[2:4]
    assert [p["title"] for p in third["results"]] == titles[4:]
    assert first["previous"] is None
    assert third["next"] is None
    assert [p["title"] for p in client.get(third["previous"]).json()["results"]] == titles[2:4]
    bad = client.get(url, {"order": "nearest", "cursor": "bz0tMQ=="})  # "o=-1"
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_cursor"


def test_a_form_encoded_body_is_refused_with_415_by_the_json_api(client_for, member) -> None:
    response = client_for(member.user).patch(
        "/api/v1/me/", "display_name=Neu", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"

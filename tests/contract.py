"""The API contract, checked on every test: each answer under ``/api/v1/`` that a test
receives through Django's or DRF's test client is validated against the OpenAPI schema.

The schema is generated once per test process (on first use) from the running code, as
``/api/schema/`` serves it. A response whose status the operation does not document, or
whose JSON does not match the documented schema, fails the test that received it: the
schema must change with the code. An endpoint missing from the schema fails too (unless
it answers 404/405, which is the router speaking, not the endpoint).

A test that deliberately breaks the app from the inside (a patched service returning
junk) can opt out with ``@pytest.mark.no_contract``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test.client import Client
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

PREFIX = "/api/v1/"


@cache
def schema_dict() -> dict[str, Any]:
    """The OpenAPI document exactly as ``/api/schema/`` would serve it (built once)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))  # type: ignore[no-any-return]


@cache
def openapi() -> OpenAPI:
    # The document itself is validated once, by tests/core/test_api_contract.py; each
    # worker skips that here (seconds per process).
    return OpenAPI.from_dict(schema_dict(), config=Config(spec_validator_cls=None))


@dataclass
class _Request:
    path: str
    method: str
    query: list[tuple[str, str]]
    host_url: str = "http://testserver"
    body: bytes | None = None
    content_type: str = "application/json"
    parameters: RequestParameters = field(default_factory=RequestParameters)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(query=ImmutableMultiDict(self.query))


@dataclass
class _Response:
    status_code: int
    content_type: str
    data: bytes | str | None
    headers: Headers


class ContractViolation(AssertionError):
    pass


class _State:
    enabled = True
    checked = 0


STATE = _State()


def check(method: str, url: str, response: Any) -> None:
    """Raise ContractViolation if ``response`` to ``method url`` drifts from the schema."""
    parts = urlsplit(url)
    if not parts.path.startswith(PREFIX) or getattr(response, "streaming", False):
        return
    content_type = response.get("Content-Type", "")
    request = _Request(
        path=parts.path,
        method=method.lower(),
        query=parse_qsl(parts.query, keep_blank_values=True),
    )
    body = response.content
    media_type = content_type.split(";")[0].strip().lower() if body else ""
    data: Any = body or None
    if body and media_type != "application/json":
        # a document (iCalendar, CSV, a feed, a PDF): documented as a string, so openapi-core
        # checks its media type and gets it as a string (latin-1 decodes any bytes)
        data = body.decode(response.charset if media_type.startswith("text/") else "latin-1")
    resp = _Response(
        status_code=response.status_code,
        content_type=media_type,
        data=data,
        headers=Headers(list(response.items())),
    )
    try:
        openapi().validate_response(request, resp)  # type: ignore[arg-type]
    except (PathNotFound, OperationNotFound) as exc:
        if response.status_code in (404, 405):
            return
        raise ContractViolation(
            f"{method.upper()} {parts.path} answered {response.status_code} "
            f"but is not in the OpenAPI schema ({exc})"
        ) from None
    except Exception as exc:
        detail = exc
        causes = []
        while detail is not None:
            causes.append(f"{type(detail).__name__}: {detail}")
            nested = getattr(detail, "schema_errors", None)
            if nested:
                causes.extend(f"  - {error.message}" for error in list(nested)[:5])
            detail = detail.__cause__  # type: ignore[assignment]
        snippet = body[:500].decode("utf-8", "replace")
        raise ContractViolation(
            f"{method.upper()} {parts.path} answered {response.status_code} ({content_type}) "
            f"against the OpenAPI schema:\n" + "\n".join(causes) + f"\nbody: {snippet}"
        ) from None
    STATE.checked += 1


_original_request = Client.request


def _checked_request(self: Client, **request: Any) -> Any:
    response = _original_request(self, **request)
    if STATE.enabled:
        path = request.get("PATH_INFO", "")
        query = request.get("QUERY_STRING", "")
        check(request.get("REQUEST_METHOD", "GET"), f"{path}?{query}" if query else path, response)
    return response


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_contract: do not validate this test's API answers against the schema"
    )
    # Django's Client and DRF's APIClient both end in Client.request (every verb,
    # follow=True's redirects included).
    Client.request = _checked_request  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _api_contract(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test's API answers are checked, unless it is marked ``no_contract``."""
    STATE.enabled = request.node.get_closest_marker("no_contract") is None
    yield
    STATE.enabled = True


@pytest.fixture(scope="session", autouse=True)
def _contract_schema_built_first(django_db_setup: None, django_db_blocker: Any) -> None:
    """Build the schema before any test runs, so its cost (and any query it might make)
    never lands inside a test's ``django_assert_num_queries`` block."""
    with django_db_blocker.unblock():
        openapi()

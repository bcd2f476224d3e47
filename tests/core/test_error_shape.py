"""Invariant 5: bad input gets a clear 4xx in one JSON shape, in the requester's language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from dorf.core.errors import json_not_found
from dorf.users.models import User
from dorf.villages.models import Membership

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"


def _assert_error_shape(body: dict[str, Any], status: int, code: str) -> None:
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


def test_malformed_json_is_400_and_writes_nothing(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, '{"email": "a@b.de", ', content_type="application/json")
    _assert_error_shape(response.json(), 400, "parse_error")
    assert not User.objects.exists()


def test_wrong_types_name_the_fields(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER,
        {"email": 42, "password": ["x"], "first_name": {"a": 1}, "last_name": "W"},
        format="json",
    )
    _assert_error_shape(response.json(), 400, "invalid")
    assert {"email", "password", "first_name"} <= set(response.json()["error"]["fields"])


def test_a_json_array_instead_of_an_object_is_refused(api_client: APIClient) -> None:
    response = api_client.post(REGISTER, [1, 2, 3], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_an_oversized_body_is_413_before_parsing(api_client: APIClient) -> None:
    huge = '{"email": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = api_client.post(REGISTER, huge, content_type="application/json")
    _assert_error_shape(response.json(), 413, "too_large")
    assert not User.objects.exists()


def test_an_unknown_url_answers_404_in_the_error_shape(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/gibt-es-nicht/")
    _assert_error_shape(response.json(), 404, "not_found")


def test_browser_pages_get_their_errors_as_a_german_page_with_a_way_back(
    admin_client: Client, rf: RequestFactory
) -> None:
    # when: a signed-in browser opens an address of the backoffice that does not exist
    backoffice = admin_client.get("/backoffice/keine/seite/")
    # then: an HTML page in German, linking back to the backoffice's start page
    assert backoffice.status_code == 404
    assert backoffice["Content-Type"].startswith("text/html")
    page = backoffice.content.decode()
    assert '<html lang="de">' in page
    assert "Seite nicht gefunden" in page
    assert 'href="/backoffice/"' in page
    # and: an operator's admin page in English links back to the admin, the API stays JSON
    with translation.override("en"):
        admin = json_not_found(rf.get("/admin/villages/village/99/change/"))
        api = json_not_found(rf.get("/api/v1/villages/nirgendwo/"))
    assert "Page not found" in admin.content.decode()
    assert 'href="/admin/"' in admin.content.decode()
    _assert_error_shape(json.loads(api.content), 404, "not_found")


def test_an_unknown_id_answers_404(member: Membership, client_for) -> None:
    response = client_for(member.user).post(
        f"/api/v1/villages/{member.village.slug}/members/999999/verify/"
    )
    _assert_error_shape(response.json(), 404, "not_found")


def test_messages_are_german_by_default_and_english_on_request(api_client: APIClient) -> None:
    german = api_client.get("/api/v1/me/")
    english = api_client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert german.json()["error"]["message"] == "Anmeldedaten fehlen."
    assert english.json()["error"]["message"] == "Authentication credentials were not provided."


def test_our_own_messages_are_translated_too(api_client: APIClient) -> None:
    huge = "x" * (2 * 1024 * 1024)
    german = api_client.post(REGISTER, huge, content_type="application/json")
    english = api_client.post(
        REGISTER, huge, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"
    )
    assert german.json()["error"]["message"].startswith("Der Inhalt der Anfrage ist zu groß")
    assert english.json()["error"]["message"].startswith("The request body is too large")


def test_too_many_login_attempts_are_throttled_with_429(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the production-like rate of 3 attempts a minute per address
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"user": "1000/min", "anon": "1000/min", "auth": "3/min"},
    )
    cache.delete("throttle_auth_10.9.8.7")

    def attempt() -> Any:
        return api_client.post(
            "/api/v1/auth/login/",
            {"email": "a@example.org", "password": "x"},
            REMOTE_ADDR="10.9.8.7",
        )

    # when
    statuses = [attempt().status_code for _ in range(3)]
    throttled = attempt()
    # then
    assert statuses == [400, 400, 400]
    _assert_error_shape(throttled.json(), 429, "throttled")
    assert "Retry-After" in throttled.headers

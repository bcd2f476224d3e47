"""German at every edge: error answers of dorf, DRF and Django in German by default and
English on ``Accept-Language: en``, addressing the user with "du" throughout."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from dorf.users.models import User
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

# Words that appear in English messages and never in German ones.
ENGLISH = re.compile(
    r"\b(the|is|are|not|this|that|must|required|valid|invalid|field|least|characters|"
    r"unknown|provided|allowed|found|request|please|number|enter|credentials|"
    r"permission|method|media|type|error|parse)\b",
    re.IGNORECASE,
)
# German that says "Sie" to the user (the house style is "du").
FORMAL = re.compile(r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b")


def _texts(body: Any) -> list[str]:
    """Every message of an error answer: its message and each field message."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in {"code", "status"}:
                continue
            found += _texts(value)
    elif isinstance(body, list):
        for item in body:
            found += _texts(item)
    elif isinstance(body, str):
        found.append(body)
    return found


Sweep = Callable[[APIClient, dict[str, str]], Any]


@pytest.fixture
def sweeps(village) -> dict[str, Sweep]:
    resident = MembershipFactory(village=village).user
    signed_in = APIClient()
    signed_in.force_authenticate(resident)
    slug = village.slug

    def as_resident(call: Callable[[APIClient], Any]) -> Sweep:
        return lambda _client, headers: call(signed_in)

    return {
        "not signed in": lambda c, h: c.get("/api/v1/me/", **h),
        "bad token": lambda c, h: c.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer nope", **h),
        "broken JSON": lambda c, h: c.post(
            "/api/v1/auth/login/", "{bad", content_type="application/json", **h
        ),
        "broken JSON to a view that also takes uploads": lambda c, h: signed_in.post(
            f"/api/v1/villages/{slug}/reports/", "{bad", content_type="application/json", **h
        ),
        "broken upload": lambda c, h: signed_in.post(
            f"/api/v1/villages/{slug}/reports/",
            b"--x\r\nkaputt",
            content_type="multipart/form-data",
            **h,
        ),
        "form body": lambda c, h: c.post(
            "/api/v1/auth/login/", "a=b", content_type="application/x-www-form-urlencoded", **h
        ),
        "missing and invalid fields": lambda c, h: c.post(
            "/api/v1/auth/register/", {"email": "kein-at", "password": 1}, format="json", **h
        ),
        "unknown field": lambda c, h: c.post(
            "/api/v1/auth/login/",
            {"email": "a@b.de", "password": "x", "role": "admin"},
            format="json",
            **h,
        ),
        "wrong login": lambda c, h: c.post(
            "/api/v1/auth/login/", {"email": "a@b.de", "password": "x"}, format="json", **h
        ),
        "method not allowed": lambda c, h: c.delete("/api/v1/auth/login/", **h),
        "unknown URL": lambda c, h: c.get("/api/v1/gibt-es-nicht/", **h),
        "unknown URL outside the API": lambda c, h: c.get("/gibt-es-nicht", **h),
        "healthz method": lambda c, h: c.post("/healthz", **h),
        "short search": lambda c, h: signed_in.get("/api/v1/chat/search/", {"q": "a"}, **h),
        "bad history parameter": lambda c, h: signed_in.get(
            "/api/v1/chat/rooms/1/messages/", {"before": "x"}, **h
        ),
        "bad cursor": lambda c, h: signed_in.get(
            f"/api/v1/villages/{slug}/postings/", {"cursor": "kaputt"}, **h
        ),
        "bad page size": lambda c, h: signed_in.get(
            f"/api/v1/villages/{slug}/postings/", {"page_size": "viele"}, **h
        ),
        "bad choice": lambda c, h: signed_in.get(
            f"/api/v1/villages/{slug}/postings/", {"kind": "tausch"}, **h
        ),
        "moderators only": lambda c, h: signed_in.get(
            f"/api/v1/villages/{slug}/posting-reports/", **h
        ),
        "another village": lambda c, h: signed_in.get("/api/v1/villages/nachbarhausen/", **h),
        "bad e-mail": lambda c, h: c.post(
            "/api/v1/auth/password-reset/", {"email": "kein-at"}, format="json", **h
        ),
        "unknown notification category": lambda c, h: signed_in.put(
            "/api/v1/notifications/preferences/",
            {"channels": {"gibt-es-nicht": {"push": True}}},
            format="json",
            **h,
        ),
    }


def _answer(sweep: Sweep, language: str | None) -> tuple[int, list[str]]:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = sweep(APIClient(), headers)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}, body
    return response.status_code, _texts(body["error"])


def test_error_answers_are_german_by_default_and_english_on_request(sweeps) -> None:
    problems: list[str] = []
    for name, sweep in sweeps.items():
        status_de, german = _answer(sweep, None)
        status_explicit, explicit = _answer(sweep, "de-DE,de;q=0.9")
        status_en, english = _answer(sweep, "en")
        assert status_de == status_en == status_explicit, name
        assert german == explicit, name
        for text in german:
            if ENGLISH.search(text):
                problems.append(f"{name}: English in German answer: {text!r}")
            if FORMAL.search(text):
                problems.append(f"{name}: 'Sie' instead of 'du': {text!r}")
            if "E-Mail Adresse" in text:
                problems.append(f"{name}: 'E-Mail Adresse' without hyphen: {text!r}")
        if german == english:
            problems.append(f"{name}: same answer in German and English: {german!r}")
        if not any(ENGLISH.search(text) for text in english):
            problems.append(f"{name}: the English answer is not English: {english!r}")
    assert problems == []


def test_the_sweep_sees_an_english_message_in_a_german_answer() -> None:
    assert ENGLISH.search("Authentication credentials were not provided.")
    assert ENGLISH.search("At least 2 characters.")
    assert not ENGLISH.search("Mindestens 2 Zeichen.")
    assert FORMAL.search("Sie sind nicht berechtigt, diese Aktion durchzuführen.")
    assert not FORMAL.search("Du darfst das nicht.")


def test_library_messages_say_du_and_spell_e_mail_adresse() -> None:
    with translation.override("de"):
        assert translation.gettext("Enter a valid email address.") == (
            "Gib eine gültige E-Mail-Adresse an."
        )
        assert not FORMAL.search(
            translation.gettext("You do not have permission to perform this action.")
        )
        assert translation.gettext("Authentication credentials were not provided.") == (
            "Anmeldedaten fehlen."
        )


def test_json_errors_and_head_healthz_also_with_debug_on(settings) -> None:
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    # an unknown URL: JSON, not Django's HTML debug page
    response = client.get("/gibt-es-nicht/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"status": 404, "code": "not_found", "message": "Nicht gefunden."}
    }
    # a wrong method on a plain Django view
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
    # the admin and the backoffice keep their HTML pages
    for site in ("/admin/", "/backoffice/"):
        page = client.get(f"{site}gibt-es-nicht/")
        assert page.get("Content-Type", "").startswith("text/html"), site
    # HEAD for load balancers
    assert client.head("/healthz").status_code == 200


@pytest.mark.no_contract
def test_a_crash_answers_json_500_also_with_debug_on(settings, monkeypatch) -> None:
    settings.DEBUG = True
    from dorf.users import api

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api.MeView, "get", crash)
    user = User.objects.create_user(email="crash@example.org", password="x" * 12)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert settings.LANGUAGE_CODE == "de"

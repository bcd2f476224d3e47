"""The language a person reads dorf in: stored at registration, changeable in the profile."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from dorf.users.models import User

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
ME = "/api/v1/me/"


@pytest.mark.parametrize(
    ("accept_language", "stored"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("de-AT", "de"),
        ("fr-FR,fr;q=0.9", "de"),  # a language we do not speak: German
        (None, "de"),
    ],
)
def test_registration_stores_the_language_the_request_asks_for(
    api_client: APIClient, accept_language: str | None, stored: str
) -> None:
    # given
    if accept_language:
        api_client.credentials(HTTP_ACCEPT_LANGUAGE=accept_language)
    # when
    response = api_client.post(
        REGISTER,
        {
            "email": "lena@example.org",
            "password": "sonnenblume-am-bach",
            "first_name": "Lena",
            "last_name": "Wolf",
        },
        format="json",
    )
    # then
    assert response.status_code == 202, response.content
    assert User.objects.get(email="lena@example.org").language == stored


def test_a_language_in_the_body_wins_over_the_header(api_client: APIClient) -> None:
    response = api_client.post(
        REGISTER,
        {
            "email": "lena@example.org",
            "password": "sonnenblume-am-bach",
            "first_name": "Lena",
            "last_name": "Wolf",
            "language": "de",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 202
    assert User.objects.get().language == "de"


def test_the_profile_changes_the_language_and_refuses_unknown_ones(client_for, member) -> None:
    # given
    client = client_for(member.user)
    # when
    changed = client.patch(ME, {"language": "en"}, format="json")
    refused = client.patch(ME, {"language": "fr"}, format="json")
    # then
    assert changed.status_code == 200
    assert changed.json()["language"] == "en"
    assert refused.status_code == 400
    assert "language" in refused.json()["error"]["fields"]
    member.user.refresh_from_db()
    assert member.user.language == "en"

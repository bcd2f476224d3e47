from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from dorf.users.models import ApiToken, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/me/"


def _register(client: APIClient, **overrides: str):
    body = {
        "email": "Lena.Wolf@Example.org",
        "password": "sonnenblume-am-bach",
        "first_name": "Lena",
        "last_name": "Wolf",
    }
    body.update(overrides)
    return client.post(REGISTER, body, format="json")


@pytest.mark.usefixtures("commit_each_request")
def test_registration_creates_an_unconfirmed_account_that_can_sign_in(
    api_client: APIClient, mailoutbox
) -> None:
    # when
    response = _register(api_client)
    # then: accepted, the confirmation link is on its way, the password works
    assert response.status_code == 202
    assert set(response.json()) == {"detail"}
    user = User.objects.get()
    assert user.email == "lena.wolf@example.org"
    assert user.email_confirmed_at is None
    assert [m.to for m in mailoutbox] == [["lena.wolf@example.org"]]
    login = api_client.post(
        LOGIN, {"email": "lena.wolf@example.org", "password": "sonnenblume-am-bach"}
    )
    assert login.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")
    me = api_client.get(ME).json()
    assert (me["first_name"], me["display_name"], me["email_confirmed"]) == (
        "Lena",
        "Lena W.",
        False,
    )


@pytest.mark.usefixtures("commit_each_request")
def test_registration_with_a_taken_email_answers_the_same_and_tells_only_the_owner(
    api_client: APIClient, mailoutbox
) -> None:
    # given
    first = _register(api_client)
    mailoutbox.clear()
    # when: someone registers the same address again (other case, other password)
    again = _register(api_client, email="LENA.wolf@example.org", password="ganz-anderes-wort")
    # then: the same answer, nothing created, the owner gets a note (no link to confirm)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert User.objects.count() == 1
    assert [m.to for m in mailoutbox] == [["lena.wolf@example.org"]]
    assert "email/confirm" not in mailoutbox[0].body


def test_registration_with_a_weak_password_is_refused(api_client: APIClient) -> None:
    response = _register(api_client, password="123")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not User.objects.exists()


def test_registration_cannot_make_the_user_staff(api_client: APIClient) -> None:
    # given: a body that tries mass assignment
    response = _register(api_client, is_staff="true", is_superuser="true")
    # then
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"is_staff", "is_superuser"}
    assert not User.objects.exists()


def test_login_returns_a_token_and_wrong_password_is_refused(api_client: APIClient) -> None:
    user = UserFactory(email="otto@example.org")
    ok = api_client.post(LOGIN, {"email": "OTTO@example.org", "password": TEST_PASSWORD})
    wrong = api_client.post(LOGIN, {"email": "otto@example.org", "password": "falsch-falsch"})
    unknown = api_client.post(LOGIN, {"email": "nobody@example.org", "password": "x"})
    assert ok.status_code == 200
    assert ok.json()["token"].startswith("dorf_")
    assert ApiToken.objects.filter(user=user).count() == 1
    assert wrong.status_code == unknown.status_code == 400
    # wrong password and unknown email are indistinguishable
    assert wrong.json() == unknown.json()


def test_logout_revokes_the_token(api_client: APIClient) -> None:
    UserFactory(email="otto@example.org")
    token = api_client.post(LOGIN, {"email": "otto@example.org", "password": TEST_PASSWORD}).json()[
        "token"
    ]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.post(LOGOUT).status_code == 204
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"


def test_an_expired_token_is_refused(client_for) -> None:
    user = UserFactory()
    client = client_for(user)
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"


def test_a_request_without_credentials_gets_401_in_the_error_shape(api_client: APIClient) -> None:
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_password_change_signs_out_other_devices_but_keeps_this_one(client_for) -> None:
    user = UserFactory()
    this_device, other_device = client_for(user), client_for(user)
    response = this_device.post(
        "/api/v1/auth/password/",
        {"old_password": TEST_PASSWORD, "new_password": "ein-neues-langes-passwort"},
    )
    assert response.status_code == 204
    assert this_device.get(ME).status_code == 200
    assert other_device.get(ME).status_code == 401
    user.refresh_from_db()
    assert user.check_password("ein-neues-langes-passwort")


def test_password_change_with_the_wrong_old_password_changes_nothing(client_for) -> None:
    user = UserFactory()
    response = client_for(user).post(
        "/api/v1/auth/password/",
        {"old_password": "nicht-richtig", "new_password": "ein-neues-langes-passwort"},
    )
    assert response.status_code == 400
    assert "old_password" in response.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_profile_update_accepts_names_but_not_the_email(client_for) -> None:
    user = UserFactory(first_name="Alt")
    client = client_for(user)
    assert client.patch(ME, {"first_name": "Neu"}).json()["first_name"] == "Neu"
    response = client.patch(ME, {"email": "hijack@example.org"})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email != "hijack@example.org"

"""Address confirmation and password reset by e-mail, without account enumeration."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIClient

from dorf.ledger.models import Transfer
from dorf.users.models import ApiToken, User
from dorf.users.services import token_issue
from dorf.villages.models import Membership, MembershipState
from dorf.villages.services import membership_verify
from tests.factories import MembershipFactory, UserFactory, VillageFactory

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
RESET = "/api/v1/auth/password-reset/"
RESET_CONFIRM = "/api/v1/auth/password-reset/confirm/"


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_each_request")]


def _register(client: APIClient, email: str = "lena@example.org") -> None:
    response = client.post(
        REGISTER,
        {
            "email": email,
            "password": "sonnenblume-am-bach",
            "first_name": "Lena",
            "last_name": "Wolf",
        },
        format="json",
    )
    assert response.status_code == 202, response.content


def _link_in(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://\S+", str(message.body))
    assert match is not None, message.body
    return match.group(0)


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _signed_in(user: User) -> APIClient:
    client = APIClient()
    _token, raw = token_issue(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_mailed_link_confirms_the_address_in_the_registrants_language(
    api_client: APIClient, mailoutbox
) -> None:
    # given: registered from an English phone
    api_client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    _register(api_client)
    (message,) = mailoutbox
    assert message.subject == "Please confirm your e-mail address"
    # when: the link is opened (a browser: GET, no login)
    response = APIClient().get(_path(_link_in(message)))
    # then
    assert response.status_code == 200
    assert response.json() == {"email_confirmed": True}
    assert User.objects.get().email_confirmed_at is not None
    # and: opening it again changes nothing and is fine
    assert APIClient().get(_path(_link_in(message))).status_code == 200


def test_a_forged_or_expired_confirmation_link_is_refused(
    api_client: APIClient, mailoutbox
) -> None:
    # given
    _register(api_client)
    path = _path(_link_in(mailoutbox[0]))
    # when / then: a changed token
    forged = APIClient().get(path[:-3] + "abc")
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "invalid_token"
    # when / then: the link after its lifetime
    with override_settings(DORF_EMAIL_CONFIRM_MAX_AGE_S=-1):
        assert APIClient().get(path).status_code == 400
    assert User.objects.get().email_confirmed_at is None


def test_an_unconfirmed_account_cannot_join_by_the_shared_invite_code(
    api_client: APIClient, mailoutbox
) -> None:
    # given: a village with a public invite code and a welcome credit
    village = VillageFactory(welcome_credit_minutes=60)
    _register(api_client)
    user = User.objects.get()
    client = _signed_in(user)
    join = f"/api/v1/villages/{village.slug}/join/"
    # when: joining with the code before confirming
    refused = client.post(join, {"invite_code": village.invite_code})
    # then
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "email_unconfirmed"
    assert not Membership.objects.exists()
    # when: confirmed, the same works and the welcome credit is booked
    assert APIClient().get(_path(_link_in(mailoutbox[0]))).status_code == 200
    joined = client.post(join, {"invite_code": village.invite_code})
    assert joined.status_code in (200, 201), joined.content
    assert Membership.objects.get(user=user).state == MembershipState.VERIFIED
    assert Transfer.objects.filter(village=village, kind="welcome").count() == 1


def test_a_member_verified_before_confirming_gets_the_welcome_credit_only_on_confirmation(
    mailoutbox,
) -> None:
    # given: a moderator verified an account whose address is not confirmed
    village = VillageFactory(welcome_credit_minutes=60)
    _register(APIClient())
    user = User.objects.get()
    moderator = MembershipFactory(village=village, role="moderator")
    pending = MembershipFactory(village=village, user=user, state=MembershipState.PENDING)
    membership_verify(actor=moderator, membership_id=pending.pk)
    assert not Transfer.objects.filter(kind="welcome").exists()
    # when
    assert APIClient().get(_path(_link_in(mailoutbox[0]))).status_code == 200
    # then: booked once, even if the link is opened twice
    APIClient().get(_path(_link_in(mailoutbox[0])))
    assert Transfer.objects.filter(kind="welcome", village=village).count() == 1


def test_a_password_reset_answers_the_same_whether_or_not_the_address_exists(
    api_client: APIClient, mailoutbox
) -> None:
    # given
    UserFactory(email="anna@example.org", language="en")
    # when
    known = api_client.post(RESET, {"email": "Anna@Example.org"})
    unknown = api_client.post(RESET, {"email": "niemand@example.org"})
    # then
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert known.status_code == 202
    assert [m.to for m in mailoutbox] == [["anna@example.org"]]
    assert mailoutbox[0].subject == "Reset your dorf password"


def test_the_reset_link_sets_a_new_password_once_and_signs_out_every_device(
    api_client: APIClient, mailoutbox
) -> None:
    # given: a signed-in user who forgot the password
    user = UserFactory(email="anna@example.org")
    token_issue(user=user)
    api_client.post(RESET, {"email": "anna@example.org"})
    query = _link_in(mailoutbox[0]).split("?", 1)[1]
    params = dict(part.split("=", 1) for part in query.split("&"))
    assert api_client.get(f"{RESET_CONFIRM}?{query}").json() == {"valid": True}
    # when
    body = {**params, "new_password": "neues-langes-kennwort"}
    done = api_client.post(RESET_CONFIRM, body)
    # then
    assert done.status_code == 204
    assert not ApiToken.objects.filter(user=user).exists()
    login = api_client.post(
        LOGIN, {"email": "anna@example.org", "password": "neues-langes-kennwort"}
    )
    assert login.status_code == 200
    # and: the link works only once
    again = api_client.post(RESET_CONFIRM, {**params, "new_password": "noch-ein-kennwort-x"})
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "invalid_token"
    assert api_client.get(f"{RESET_CONFIRM}?{query}").json() == {"valid": False}


def test_an_expired_reset_link_is_refused(api_client: APIClient, mailoutbox) -> None:
    # given
    UserFactory(email="anna@example.org")
    api_client.post(RESET, {"email": "anna@example.org"})
    params = dict(
        part.split("=", 1) for part in _link_in(mailoutbox[0]).split("?", 1)[1].split("&")
    )
    # when: past PASSWORD_RESET_TIMEOUT
    with override_settings(PASSWORD_RESET_TIMEOUT=-1):
        response = api_client.post(RESET_CONFIRM, {**params, "new_password": "neues-kennwort-42"})
    # then
    assert response.status_code == 400
    assert User.objects.get().check_password("neues-kennwort-42") is False


def test_a_reset_with_a_weak_password_changes_nothing(api_client: APIClient, mailoutbox) -> None:
    UserFactory(email="anna@example.org")
    api_client.post(RESET, {"email": "anna@example.org"})
    params = dict(
        part.split("=", 1) for part in _link_in(mailoutbox[0]).split("?", 1)[1].split("&")
    )
    response = api_client.post(RESET_CONFIRM, {**params, "new_password": "123"})
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]

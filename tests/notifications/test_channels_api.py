"""The channel API: VAPID key, push subscriptions (with SSRF refusals), preferences,
e-mail with one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.mail import EmailMessage, get_connection
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.test import APIClient

from dorf.notifications import delivery
from dorf.notifications.models import Category, Delivery, PushSubscription
from dorf.notifications.services import notify, notify_many, preferences_get, preferences_set
from dorf.users.models import Language
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "/api/v1/push/vapid-public-key/"
SUBSCRIPTIONS = "/api/v1/push/subscriptions/"
PREFERENCES = "/api/v1/notifications/preferences/"


def _body(device: Any, **extra: Any) -> dict[str, Any]:
    return {**device.subscription_json(), **extra}


def test_the_vapid_public_key_is_served_to_anyone(push_service, vapid_pair) -> None:
    response = APIClient().get(KEY)
    assert response.status_code == 200
    assert response.json() == {"public_key": vapid_pair[1]}


def test_without_a_configured_key_the_endpoint_says_so(settings) -> None:
    settings.DORF_VAPID_PRIVATE_KEY = ""
    response = APIClient().get(KEY)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_key_command_prints_a_working_pair(db: None) -> None:
    out = StringIO()
    call_command("push_vapid_keys", stdout=out)
    lines = out.getvalue().splitlines()
    private = lines[0].removeprefix("DORF_VAPID_PRIVATE_KEY=")
    public = lines[1].rsplit(" ", 1)[-1]
    with override_settings(DORF_VAPID_PRIVATE_KEY=private):
        assert delivery.vapid_public_key() == public


def test_a_device_subscribes_refreshes_moves_and_unsubscribes(push_service, client_for) -> None:
    # given
    user = UserFactory()
    client = client_for(user)
    device = push_service.device()
    # when: subscribing, then refreshing at the next app start
    created = client.post(SUBSCRIPTIONS, _body(device, user_agent="Firefox"), format="json")
    refreshed = client.put(SUBSCRIPTIONS, _body(device), format="json")
    # then
    assert created.status_code == 201, created.content
    assert refreshed.status_code == 200
    assert refreshed.json()["id"] == created.json()["id"]
    assert PushSubscription.objects.get().refreshed_at >= PushSubscription.objects.get().created_at
    # when: the browser replaced its subscription (pushsubscriptionchange)
    replacement = push_service.device()
    moved = client.put(
        SUBSCRIPTIONS, _body(replacement, old_endpoint=device.endpoint), format="json"
    )
    # then
    assert moved.status_code == 201
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        replacement.endpoint
    ]
    # when / then: someone else cannot delete it, its owner can
    other = client_for(UserFactory())
    body = {"endpoint": replacement.endpoint}
    assert other.delete(SUBSCRIPTIONS, body, format="json").status_code == 404
    assert client.delete(SUBSCRIPTIONS, body, format="json").status_code == 204
    assert not PushSubscription.objects.exists()


def test_i_list_only_my_own_subscriptions_in_constant_queries(
    push_service, client_for, django_assert_num_queries
) -> None:
    # given
    me, other = UserFactory(), UserFactory()
    for user in (me, me, me, other):
        device = push_service.device()
        client_for(user).post(SUBSCRIPTIONS, _body(device), format="json")
    client = client_for(me)
    client.get(PREFERENCES)  # the token's first use records last_used_at
    # when
    with django_assert_num_queries(2):  # token, page
        body = client.get(SUBSCRIPTIONS).json()
    # then
    assert len(body["results"]) == 3
    assert {"next", "previous", "results"} <= set(body)


def test_past_the_limit_the_device_not_refreshed_for_longest_is_dropped(
    push_service, client_for, settings
) -> None:
    settings.DORF_PUSH_MAX_SUBSCRIPTIONS = 2
    client = client_for(UserFactory())
    devices = [push_service.device() for _ in range(3)]
    for device in devices:
        assert client.post(SUBSCRIPTIONS, _body(device), format="json").status_code == 201
    endpoints = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert endpoints == {devices[1].endpoint, devices[2].endpoint}


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.net/abc",  # not https
        "https://10.0.0.1/abc",  # IP literal (private)
        "https://[::1]/abc",  # IP literal (loopback)
        "https://93.184.216.34/abc",  # IP literal (public): names only
        "https://localhost/abc",
        "https://push.localhost/abc",
        "https://router.local/abc",
        "https://metadata.internal/abc",
        "https://intranet/abc",  # a single-label name
        "https://push.example.net:8443/abc",  # another port
        "https://user:secret@push.example.net/abc",
        "ftp://push.example.net/abc",
    ],
)
def test_a_subscription_to_a_non_public_address_is_refused(
    client_for, endpoint: str, settings
) -> None:
    # given: the SSRF guard as in production
    settings.DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS = False
    body = {"endpoint": endpoint, "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22}}
    # when
    response = client_for(UserFactory()).post(SUBSCRIPTIONS, body, format="json")
    # then
    assert response.status_code == 400
    assert "endpoint" in response.json()["error"]["fields"]
    assert not PushSubscription.objects.exists()


def test_a_public_https_push_service_is_accepted(client_for, settings) -> None:
    settings.DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS = False
    body = {
        "endpoint": "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
        "expirationTime": None,
    }
    assert client_for(UserFactory()).post(SUBSCRIPTIONS, body, format="json").status_code == 201


def test_bad_keys_and_unknown_fields_are_refused(client_for, push_service) -> None:
    client = client_for(UserFactory())
    device = push_service.device()
    bad_keys = client.post(
        SUBSCRIPTIONS,
        {"endpoint": device.endpoint, "keys": {"p256dh": "x", "auth": "y"}},
        format="json",
    )
    assert bad_keys.status_code == 400
    unknown = client.post(SUBSCRIPTIONS, _body(device, user_id=1), format="json")
    assert unknown.status_code == 400
    assert not PushSubscription.objects.exists()


def test_preferences_list_every_category_with_defaults_and_change_only_what_is_named(
    client_for,
) -> None:
    # given
    client = client_for(UserFactory(language=Language.ENGLISH))
    # when
    before = client.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE="en").json()
    changed = client.put(
        PREFERENCES,
        {
            "categories": [{"category": "mention", "push": False}],
            "quiet_hours": {"starts": "23:30"},
        },
        format="json",
    )
    # then
    mention = next(c for c in before["categories"] if c["category"] == "mention")
    assert mention == {
        "category": "mention",
        "name": "Mention",
        "in_app": True,
        "socket": True,
        "push": True,
        "email": False,
    }
    assert {c["category"] for c in before["categories"]} == set(Category.values)
    assert before["quiet_hours"] == {"enabled": True, "starts": "22:00", "ends": "07:00"}
    assert changed.status_code == 200
    after = {c["category"]: c for c in changed.json()["categories"]}
    assert (after["mention"]["push"], after["mention"]["socket"]) == (False, True)
    assert after["reply"]["push"] is True
    assert changed.json()["quiet_hours"] == {"enabled": True, "starts": "23:30", "ends": "07:00"}


@pytest.mark.parametrize(
    "body",
    [
        {"categories": [{"category": "nonsense", "push": False}]},
        {"categories": [{"category": "mention", "fax": True}]},
        {"quiet_hours": {"starts": "25:00"}},
        {"muted": {"mention": True}},
    ],
)
def test_bad_preferences_are_a_400_and_change_nothing(client_for, body: dict[str, Any]) -> None:
    client = client_for(UserFactory())
    response = client.put(PREFERENCES, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert client.get(PREFERENCES).json()["quiet_hours"]["starts"] == "22:00"


def test_a_channel_switched_off_gets_nothing(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory()
    subscribe(user)
    preferences_set(user=user, channels={"mention": {"push": False}})
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, category=Category.MENTION, title="x")
    assert not Delivery.objects.exists()
    assert push_service.received == []


def _quiet_off(user: Any) -> None:
    preferences_set(user=user, quiet_hours={"enabled": False})


def test_an_email_notification_is_in_the_recipients_language_with_one_click_unsubscribe(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    # given: moderation decisions come by mail by default
    user = UserFactory(language=Language.ENGLISH, email="anna@example.org")
    _quiet_off(user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            user=user,
            category=Category.MODERATION,
            title=gettext_lazy("Your posting was hidden by a moderator"),
            body="Rasenmäher",
        )
    # then
    (message,) = mailoutbox
    assert message.to == ["anna@example.org"]
    assert message.subject == "Your posting was hidden by a moderator"
    assert "Rasenmäher" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    # when: the mail client's unsubscribe button (RFC 8058: a POST, no login, no cookie)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    response = APIClient(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    # then: e-mail is off for that category only
    assert response.status_code == 200
    assert response.json() == {"category": "moderation", "email": False}
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, category=Category.MODERATION, title="again")
    assert len(mailoutbox) == 1
    channels, _quiet = preferences_get(user=user)
    assert {c.category: c.email for c in channels}["rsvp"] is True


def test_a_forged_unsubscribe_token_is_a_404(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/notifications/unsubscribe/forged-token/")
    assert response.status_code == 404


def test_no_notification_mail_goes_to_an_unconfirmed_address(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory(email_confirmed_at=None)
    _quiet_off(user)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, category=Category.MODERATION, title="x")
    assert mailoutbox == []


def test_a_batch_of_mails_shares_one_connection_and_only_a_refused_mail_is_retried(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: three mails due; the server refuses the second recipient's
    users = [UserFactory() for _ in range(3)]
    for user in users:
        _quiet_off(user)
    with django_capture_on_commit_callbacks(execute=False):
        notifications = notify_many(recipients=users, category=Category.MODERATION, title="x")
    due = delivery.deliveries_plan(notification_ids=[n.pk for n in notifications])
    mail_ids = [pk for pk, channel in due if channel == "email"]
    original_send = EmailMessage.send

    def send(message: EmailMessage, fail_silently: bool = False) -> int:
        if message.to == [users[1].email]:
            raise ConnectionRefusedError("refused")
        return original_send(message, fail_silently)

    connections: list[Any] = []

    def connect(**kwargs: Any) -> Any:
        connections.append(get_connection(**kwargs))
        return connections[-1]

    monkeypatch.setattr(EmailMessage, "send", send)
    monkeypatch.setattr(delivery, "get_connection", connect)
    # when
    outcomes = delivery.email_send_batch(delivery_ids=mail_ids)
    # then
    assert len(connections) == 1
    assert sorted(outcome.state for outcome in outcomes.values()) == ["pending", "sent", "sent"]
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([users[0].email, users[2].email])
    refused = Delivery.objects.get(notification__user=users[1], channel="email")
    assert (refused.state, refused.tries, refused.last_error) == (
        "pending",
        1,
        "ConnectionRefusedError",
    )
    # and the same batch run again sends nothing twice
    assert delivery.email_send_batch(delivery_ids=mail_ids) == {}
    assert len(mailoutbox) == 2


def test_a_failing_mail_server_is_retried_and_loses_nothing(
    mailoutbox, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: the mail server refuses the connection
    user = UserFactory()
    _quiet_off(user)

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise ConnectionRefusedError("no SMTP")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, category=Category.MODERATION, title="x")
    # then
    row = Delivery.objects.get(channel="email")
    assert (row.state, row.tries, row.last_error) == ("pending", 1, "ConnectionRefusedError")
    assert row.due_at > timezone.now() + timedelta(seconds=5)
    assert notification.pk is not None

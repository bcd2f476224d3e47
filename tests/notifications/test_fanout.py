"""Fan-out: many recipients in one go, each in their own language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext_lazy

from dorf.chat import services as chat_services
from dorf.clubs import services as club_services
from dorf.core.seeding import seeding
from dorf.deliveries.models import DeliveryShift
from dorf.marketplace import services as marketplace_services
from dorf.notifications.models import Category, Notification, Urgency
from dorf.notifications.services import (
    Notice,
    NotificationText,
    notify_each,
    notify_many,
    preferences_set,
)
from dorf.users.models import Language, User
from dorf.villages.models import Role
from tests.clubs.factories import ClubEventFactory
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day
from tests.factories import MembershipFactory, UserFactory
from tests.marketplace.factories import PostingFactory

pytestmark = pytest.mark.django_db


def _titles(**filters: Any) -> dict[int, str]:
    return dict(Notification.objects.filter(**filters).values_list("user_id", "title"))


def test_notify_many_renders_each_notification_in_its_recipients_language(
    django_assert_num_queries, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: two German and one English resident, one of them muted the category
    german, muted_german = UserFactory.create_batch(2)
    english = UserFactory(language=Language.ENGLISH)
    preferences_set(user=muted_german, channels={"moderation": {"socket": False}})
    sent: list[tuple[str, dict[str, Any]]] = []

    class Layer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            sent.append((group, message))

    monkeypatch.setattr("dorf.core.realtime.get_channel_layer", lambda: Layer())
    # when: one preferences query and one bulk insert, one broadcast after commit (and
    # one hand-over of push and e-mail to the background)
    # (savepoint, the preferences, one insert, release)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        django_assert_num_queries(4),
    ):
        notify_many(
            recipients=[german, english, muted_german, german],
            category=Category.MODERATION,
            title=gettext_lazy("Your posting was hidden by a moderator"),
            body="100% Bio-Eier",
        )
    # then
    assert len(callbacks) == 2
    assert _titles() == {
        german.pk: "Dein Eintrag wurde von einem Moderator ausgeblendet",
        muted_german.pk: "Dein Eintrag wurde von einem Moderator ausgeblendet",
        english.pk: "Your posting was hidden by a moderator",
    }
    assert set(Notification.objects.values_list("body", flat=True)) == {"100% Bio-Eier"}
    assert sorted(group for group, _message in sent) == sorted(
        [f"user.{german.pk}", f"user.{english.pk}"]
    )
    payload = next(m["event"] for g, m in sent if g == f"user.{english.pk}")
    assert payload["type"] == "notification"
    assert payload["title"] == "Your posting was hidden by a moderator"
    assert payload["id"] == Notification.objects.get(user=english).pk


def test_a_village_wide_fan_out_takes_one_insert_per_batch_and_returns_what_was_stored(
    village, django_assert_num_queries, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: five residents, one of them English, and batches of two entries
    members = [
        *MembershipFactory.create_batch(4, village=village),
        MembershipFactory(village=village, user__language=Language.ENGLISH),
    ]
    monkeypatch.setattr("dorf.notifications.services.FANOUT_BATCH", 2)
    expires = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    # when: the residents as a QuerySet, as the news and warnings pass them
    # (savepoint, the recipients, three inserts, the socket preferences, release)
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        django_assert_num_queries(7),
    ):
        entries = notify_many(
            recipients=User.objects.filter(memberships__village=village).order_by("-pk"),
            category=Category.NEWS,
            title=gettext_lazy("Your posting was hidden by a moderator"),
            body="100% Bio-Eier",
            village=village,
            link_type="news_post",
            link_id=7,
            topic="news-7",
            expires_at=expires,
        )
    # then: the entries are the rows, in the recipients' order, each in its language
    stored = list(Notification.objects.order_by("-user_id"))
    assert [n.user_id for n in stored] == sorted((m.user_id for m in members), reverse=True)
    assert [
        (n.pk, n.user_id, n.title, n.created_at, n.read_at, n.urgency, n.expires_at)
        for n in entries
    ] == [
        (n.pk, n.user_id, n.title, n.created_at, n.read_at, n.urgency, n.expires_at) for n in stored
    ]
    assert {n.title for n in stored} == {
        "Dein Eintrag wurde von einem Moderator ausgeblendet",
        "Your posting was hidden by a moderator",
    }
    assert {
        (n.village_id, n.category, n.body, n.link_type, n.link_id, n.topic, n.urgency)
        for n in stored
    } == {(village.pk, "news", "100% Bio-Eier", "news_post", 7, "news-7", Urgency.LOW)}
    assert stored[0].expires_at == expires
    assert len(callbacks) == 2  # the socket events, push and e-mail: after commit


def test_the_demo_seeders_history_is_stored_but_not_announced(
    village, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given
    members = MembershipFactory.create_batch(3, village=village)
    sent: list[object] = []
    monkeypatch.setattr("dorf.core.realtime.get_channel_layer", lambda: sent.append(1))
    # when
    with seeding(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify_many(recipients=[m.user for m in members], category=Category.VILLAGE, title="Fest")
    # then: in the feeds; no socket event, push or e-mail
    assert Notification.objects.count() == 3
    assert callbacks == []
    assert sent == []


def test_params_fill_lazy_templates_and_are_translated_themselves() -> None:
    # given
    german, english = UserFactory(), UserFactory(language=Language.ENGLISH)
    text = NotificationText(
        title=gettext_lazy("You are in: %(title)s"),
        body=gettext_lazy("A place became free on %(when)s."),
        params={"title": gettext_lazy("Moderator"), "when": "01.04.2027 19:00"},
    )
    # when
    notify_each(
        notices=[Notice(user=user, category=Category.RSVP, text=text) for user in (german, english)]
    )
    # then
    assert Notification.objects.get(user=german).title == "Du bist dabei: Moderator"
    assert Notification.objects.get(user=english).body == "A place became free on 01.04.2027 19:00."


def test_a_moderator_acting_in_english_hides_a_german_residents_posting_in_german(
    village, moderator, client_for
) -> None:
    # given: the author reads German, the moderator's app asks for English
    author = MembershipFactory(village=village).user
    assert author.language == Language.GERMAN
    posting = PostingFactory(village=village, author=author)
    # when
    response = client_for(moderator.user).post(
        reverse("marketplace:posting-hide", kwargs={"posting_id": posting.pk}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then: the moderator's answer is English, the author's notification German
    assert response.status_code == 200
    notification = Notification.objects.get(user=author, category=Category.MODERATION)
    assert notification.title == "Dein Eintrag wurde von einem Moderator ausgeblendet"


def test_a_promotion_from_the_waitlist_is_written_in_the_promoted_persons_language(
    village,
) -> None:
    # given: capacity 1, one going, an English and a German resident waiting
    club = club_services.club_create(membership=MembershipFactory(village=village), name="TuS")
    event = ClubEventFactory(club=club, capacity=1, title="Sommerfest")
    going = MembershipFactory(village=village).user
    english = MembershipFactory(village=village, user__language=Language.ENGLISH).user
    german = MembershipFactory(village=village).user
    for user in (going, english, german):
        club_services.rsvp_set(user=user, event_id=event.pk, response="going")
    # when: the place becomes free twice
    club_services.rsvp_set(user=going, event_id=event.pk, response="not_going")
    club_services.rsvp_set(user=english, event_id=event.pk, response="not_going")
    # then
    assert _titles(category=Category.RSVP, link_id=event.pk) == {
        english.pk: "You are in: Sommerfest",
        german.pk: "Du bist dabei: Sommerfest",
    }


def test_route_offers_reach_each_volunteer_in_their_language(
    village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: two volunteers who are both needed, one reads English
    day = register_day(make_people(village, volunteers=2, recipients=4), client_for)
    english = day.volunteers[0].user
    english.language = Language.ENGLISH
    english.save(update_fields=["language"])
    DeliveryShift.objects.update(
        capacity_units=2, ends_at=F("starts_at") + dt.timedelta(minutes=12)
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(day.coordinator.user).post(
            day.url("plans/"), {"date": tomorrow().isoformat()}
        )
    assert response.status_code == 202
    # then
    titles = _titles(category=Category.DELIVERY, link_type="route")
    assert titles == {
        english.pk: "A delivery route is waiting for you",
        day.volunteers[1].user_id: "Eine Lieferroute wartet auf dich",
    }


def test_chat_mentions_are_rendered_per_recipient_in_one_insert(
    village, django_assert_num_queries
) -> None:
    # given: a square with a German and an English neighbour
    square = chat_services.square_for_village(village=village)
    sender, german, english = (
        MembershipFactory(village=village, user__first_name=name, user__language=lang)
        for name, lang in (("Alice", "en"), ("Bernd", "de"), ("Carol", "en"))
    )
    for membership in (sender, german, english):
        chat_services.village_member_verified(membership=membership)
    # when: Alice (English) mentions both
    chat_services.message_send(
        user=sender.user,
        room_id=square.pk,
        text="Wer hat 50% Rabatt?",
        client_msg_id="m1",
        mention_ids=[german.user.pk, english.user.pk],
    )
    # then
    name = sender.user.display_name
    assert _titles(category=Category.MENTION) == {
        german.user.pk: f"{name} hat dich erwähnt",
        english.user.pk: f"{name} mentioned you",
    }
    assert set(Notification.objects.values_list("body", flat=True)) == {"Wer hat 50% Rabatt?"}


def test_moderators_are_told_when_a_chat_message_is_reported(village) -> None:
    # given: a square, a moderator reading English, staff reading German, two residents
    square = chat_services.square_for_village(village=village)
    moderator = MembershipFactory(village=village, role=Role.MODERATOR, user__language="en")
    staff = MembershipFactory(village=village, role=Role.STAFF)
    other_village_moderator = MembershipFactory(role=Role.MODERATOR)
    alice, bob = MembershipFactory(village=village), MembershipFactory(village=village)
    for membership in (moderator, staff, alice, bob):
        chat_services.village_member_verified(membership=membership)
    message, _created = chat_services.message_send(
        user=bob.user, room_id=square.pk, text="Frechheit", client_msg_id="x"
    )
    # when
    report = chat_services.report_create(user=alice.user, message_id=message.pk, reason="unhöflich")
    # then: the village's moderators and staff, nobody else
    told = Notification.objects.filter(category=Category.REPORT)
    assert dict(told.values_list("user_id", "title")) == {
        moderator.user_id: "A chat message was reported",
        staff.user_id: "Eine Chat-Nachricht wurde gemeldet",
    }
    assert other_village_moderator.user_id not in told.values_list("user_id", flat=True)
    assert {(n.link_type, n.link_id, n.body, n.actor_id) for n in told} == {
        ("chat_report", report.pk, "unhöflich", alice.user_id)
    }


def test_moderators_are_told_when_a_posting_is_reported(village, moderator, member) -> None:
    # given
    posting = PostingFactory(village=village, title="Rasenmäher")
    # when
    report = marketplace_services.posting_report(
        user=member.user, posting_id=posting.pk, reason="Spam"
    )
    # then
    notification = Notification.objects.get(category=Category.REPORT)
    assert notification.user_id == moderator.user_id
    assert notification.title == "Ein Eintrag wurde gemeldet: Rasenmäher"
    assert (notification.link_type, notification.link_id) == ("posting_report", report.pk)

"""The backoffice's Beteiligung queues and external calendar sources with Django's test
client: counts, answers through the services, scoping (another village's object is a 404)
and the audit entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.notifications.models import Notification
from dorf.participation import selectors
from dorf.participation.models import (
    AnswerStatus,
    Feasibility,
    Proposal,
    ProposalComment,
    ProposalState,
    ReportState,
)
from dorf.villages.models import Membership
from tests.backoffice.scenario import World, build_world
from tests.backoffice.test_backoffice import _act, _counts, _login
from tests.events.factories import ExternalCalendarFactory
from tests.participation.factories import proposal_in

pytestmark = pytest.mark.django_db

CHURCH = (
    Path(__file__).parents[2] / "dorf" / "events" / "demo_data" / "kirche-st-martin.ics"
).read_bytes()


@pytest.fixture
def world() -> World:
    return build_world()


def _staff_client(world: World) -> Client:
    client = Client()
    _login(client, world.staff.email)
    return client


def _neighbour_client(world: World) -> Client:
    client = Client()
    _login(client, world.neighbour_staff.email)
    return client


# --- Beteiligung -------------------------------------------------------------------------------


def test_the_start_page_counts_the_participation_queues_like_the_api_queue(world) -> None:
    # given: the API's queue of Musterdorf
    membership = Membership.objects.get(user=world.staff, village=world.village)
    api_queue = list(selectors.proposals_awaiting_answer(membership=membership))

    # when
    counts = _counts(_staff_client(world))

    # then: the same proposal, and one of each other queue
    assert [p.pk for p in api_queue] == [world.proposal.pk]
    assert counts["proposal-answer_due"] == 1
    assert counts["commentreport-open"] == 1
    assert counts["poll-to_publish"] == 1
    assert counts["budgetitem-to_review"] == 1


def test_answering_a_proposal_goes_through_the_service_pushes_and_is_audited(
    world, django_capture_on_commit_callbacks
) -> None:
    client = _staff_client(world)
    url = reverse("backoffice_proposal_answer", args=[world.proposal.pk])

    # a rejection without a reason is refused by the service, nothing changes
    refused = client.post(url, {"status": AnswerStatus.REJECTED, "text": ""})
    assert refused.status_code == 200
    assert refused.context["form"].errors["text"]
    world.proposal.refresh_from_db()
    assert world.proposal.state == ProposalState.ANSWER_DUE
    assert not LogEntry.objects.filter(additional_data__verb="proposal_answer").exists()

    # with a reason it is answered, the supporters are told and the log has before/after
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {"status": AnswerStatus.REJECTED, "text": "Der Weiher ist Naturschutzgebiet."}
        )
    assert done.status_code == 302
    world.proposal.refresh_from_db()
    assert (world.proposal.state, world.proposal.answer_status) == (
        ProposalState.ANSWERED,
        AnswerStatus.REJECTED,
    )
    assert world.proposal.answered_by == world.staff
    assert Notification.objects.filter(user=world.supporter).exists()
    entry = LogEntry.objects.get(additional_data__verb="proposal_answer")
    assert entry.changes["state"] == ["answer_due", "answered"]
    assert entry.additional_data["village_id"] == world.village.pk
    assert _counts(client)["proposal-answer_due"] == 0


def test_another_villages_staff_get_404_for_musterdorfs_participation_objects(world) -> None:
    # given: Nachbarhausen's staff, and a proposal of their own
    own = proposal_in(world.neighbour, title="Brunnen sanieren")
    client = _neighbour_client(world)

    # when / then: Musterdorf's proposal and budget item are unknown, their own is not
    foreign = client.get(reverse("backoffice_proposal_answer", args=[world.proposal.pk]))
    posted = client.post(
        reverse("backoffice_proposal_answer", args=[world.proposal.pk]),
        {"status": AnswerStatus.ACCEPTED, "text": ""},
    )
    item = client.get(reverse("backoffice_budget_item_review", args=[world.budget_item.pk]))
    assert foreign.status_code == posted.status_code == item.status_code == 404
    assert client.get(reverse("backoffice_proposal_answer", args=[own.pk])).status_code == 200
    world.proposal.refresh_from_db()
    assert world.proposal.state == ProposalState.ANSWER_DUE
    # nor do the lists or the counts show any of it
    counts = _counts(client)
    assert counts["proposal-answer_due"] == counts["commentreport-open"] == 0
    for screen in ("proposal", "commentreport", "poll", "budgetitem"):
        listing = client.get(reverse(f"backoffice:participation_{screen}_changelist"))
        assert "Weiher" not in listing.content.decode()
        assert "Dorffest" not in listing.content.decode()
    # a resident of Musterdorf cannot enter at all
    resident = Client()
    resident.force_login(world.supporter)
    answer = resident.get(reverse("backoffice_proposal_answer", args=[world.proposal.pk]))
    assert answer.status_code == 302


def test_moderation_of_a_reported_comment_and_the_other_queues(world) -> None:
    client = _staff_client(world)

    _act(client, "participation_commentreport", "proposal_comment_hide", world.comment_report.pk)
    _act(client, "participation_poll", "poll_publish", world.poll.pk)
    item_url = reverse("backoffice_budget_item_review", args=[world.budget_item.pk])
    refused = client.post(item_url, {"feasibility": Feasibility.INFEASIBLE, "reason": ""})
    reviewed = client.post(
        item_url, {"feasibility": Feasibility.INFEASIBLE, "reason": "Zu teuer für 2027."}
    )

    world.comment_report.refresh_from_db()
    assert world.comment_report.state == ReportState.RESOLVED
    assert ProposalComment.objects.get(pk=world.comment_report.comment_id).hidden_at is not None
    world.poll.refresh_from_db()
    assert world.poll.published_at is not None
    assert refused.context["form"].errors["reason"]
    assert reviewed.status_code == 302
    world.budget_item.refresh_from_db()
    assert world.budget_item.feasibility == Feasibility.INFEASIBLE
    # one entry each, written by the services (not a second one by the backoffice)
    verbs = sorted(LogEntry.objects.values_list("additional_data__verb", flat=True))
    assert verbs == ["budget_item_review", "comment_hide", "poll_publish"]
    counts = _counts(client)
    assert counts["commentreport-open"] == counts["poll-to_publish"] == 0
    assert counts["budgetitem-to_review"] == 0


def test_an_operator_sees_every_proposal_but_cannot_answer_without_staff_membership(
    world,
) -> None:
    from tests.factories import UserFactory

    operator = UserFactory(is_staff=True)
    client = Client()
    _login(client, operator.email)

    page = client.get(reverse("backoffice_proposal_answer", args=[world.proposal.pk]))
    answer = client.post(
        reverse("backoffice_proposal_answer", args=[world.proposal.pk]),
        {"status": AnswerStatus.ACCEPTED, "text": ""},
    )

    assert page.status_code == 200
    assert answer.status_code == 200
    assert answer.context["form"].non_field_errors()
    assert Proposal.objects.get(pk=world.proposal.pk).state == ProposalState.ANSWER_DUE


# --- external calendars -----------------------------------------------------------------------


def test_staff_add_a_calendar_which_is_imported_at_once_and_audited(world, recorded_server) -> None:
    client = _staff_client(world)
    url = recorded_server.serve("/kirche.ics", CHURCH)

    response = client.post(
        reverse("backoffice_calendar_add"),
        {
            "village": world.village.pk,
            "name": "Pfarrei St. Martin",
            "url": url,
            "category": "church",
            "tag_filter": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    calendar = ExternalCalendar.objects.get()
    assert (calendar.village, calendar.created_by) == (world.village, world.staff)
    assert VillageEvent.objects.filter(calendar=calendar).count() == 6
    shown = [str(m) for m in response.context["messages"]]
    assert any("6 neu" in m for m in shown), shown
    row = response.context["cl"].result_list[0]
    assert row.imported_total == 6
    verbs = list(LogEntry.objects.order_by("pk").values_list("additional_data__verb", flat=True))
    assert verbs == ["external_calendar_create", "external_calendar_import"]


def test_a_refused_calendar_address_is_shown_on_the_form(world) -> None:
    client = _staff_client(world)
    response = client.post(
        reverse("backoffice_calendar_add"),
        {
            "village": world.village.pk,
            "name": "Intern",
            "url": "http://127.0.0.1:9/x.ics",
            "category": "other",
            "tag_filter": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not ExternalCalendar.objects.exists()


def test_staff_edit_pause_and_reimport_a_calendar_with_errors_shown(world, recorded_server) -> None:
    # given: a calendar whose source now answers with something that is not iCalendar
    calendar = ExternalCalendarFactory(
        village=world.village,
        name="Schule",
        url=recorded_server.serve("/schule.ics", b"<html>kaputt</html>", content_type="text/html"),
    )
    client = _staff_client(world)
    changelist = "events_externalcalendar"

    # when: imported now
    response = client.post(
        reverse(f"backoffice:{changelist}_changelist"),
        {
            "action": "external_calendar_import",
            "_selected_action": [str(calendar.pk)],
            "index": "0",
        },
        follow=True,
    )

    # then: the refusal is a warning on the list and stored on the calendar
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings
    assert "abgelehnt" in warnings[0]
    calendar.refresh_from_db()
    assert calendar.last_error
    assert "Fehler" in response.content.decode()

    # when: edited (tags, category) and paused
    edit = client.post(
        reverse("backoffice_calendar_edit", args=[calendar.pk]),
        {"name": "Grundschule", "category": "education", "tag_filter": "Elternabend, Fest"},
        follow=True,
    )
    assert edit.redirect_chain[0][1] == 302
    calendar.refresh_from_db()
    assert (calendar.name, calendar.category, calendar.tag_filter, calendar.active) == (
        "Grundschule",
        "education",
        ["elternabend", "fest"],
        False,
    )
    entry = LogEntry.objects.get(additional_data__verb="external_calendar_update")
    assert entry.changes["active"] == ["True", "False"]
    # saving it unchanged writes nothing and logs nothing
    client.post(
        reverse("backoffice_calendar_edit", args=[calendar.pk]),
        {"name": "Grundschule", "category": "education", "tag_filter": "elternabend, fest"},
        follow=True,
    )
    assert LogEntry.objects.filter(additional_data__verb="external_calendar_update").count() == 1

    # a paused calendar is not imported
    again = client.post(
        reverse(f"backoffice:{changelist}_changelist"),
        {
            "action": "external_calendar_import",
            "_selected_action": [str(calendar.pk)],
            "index": "0",
        },
        follow=True,
    )
    assert [m.level_tag for m in again.context["messages"]] == ["error"]


def test_another_villages_staff_get_404_for_musterdorfs_calendars(world) -> None:
    calendar = ExternalCalendarFactory(village=world.village, name="Pfarrei")
    client = _neighbour_client(world)

    page = client.get(reverse("backoffice_calendar_edit", args=[calendar.pk]))
    post = client.post(
        reverse("backoffice_calendar_edit", args=[calendar.pk]),
        {"name": "Gekapert", "category": "other", "tag_filter": "", "active": "on"},
    )
    listing = client.get(reverse("backoffice:events_externalcalendar_changelist"))
    paused = client.post(
        reverse("backoffice:events_externalcalendar_changelist"),
        {
            "action": "external_calendar_pause",
            "_selected_action": [str(calendar.pk)],
            "index": "0",
        },
    )
    added = client.post(
        reverse("backoffice_calendar_add"),
        {
            "village": world.village.pk,
            "name": "X",
            "url": "https://example.org/x.ics",
            "category": "other",
            "tag_filter": "",
        },
    )

    assert page.status_code == post.status_code == 404
    assert listing.context["cl"].result_count == 0
    assert paused.status_code in (200, 302)
    assert added.context["form"].errors["village"]
    calendar.refresh_from_db()
    assert (calendar.name, calendar.active) == ("Pfarrei", True)
    assert not LogEntry.objects.exists()


# --- news feed sources -------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Gemeinde</title><link>https://gemeinde.example/</link>
<description>Neues</description>
<item><title>Wasserleitung</title><link>https://gemeinde.example/1</link><guid>a1</guid></item>
<item><title>Laubsammlung</title><link>https://gemeinde.example/2</link><guid>a2</guid></item>
</channel></rss>"""


def test_a_news_feed_is_imported_now_with_its_counts_shown_and_audited(
    world, recorded_server
) -> None:
    from dorf.news.importing import feed_source_create
    from dorf.news.models import FeedSource

    source = feed_source_create(
        actor=world.staff,
        village_id=world.village.pk,
        url=recorded_server.serve("/gemeinde.rss", RSS),
        publisher_id=world.post.publisher_id,
        category_id=world.post.category_id,
    )
    client = _staff_client(world)
    changelist = reverse("backoffice:news_feedsource_changelist")

    def import_now():
        return client.post(
            changelist,
            {"action": "feed_source_import", "_selected_action": [str(source.pk)], "index": "0"},
            follow=True,
        )

    first, second = import_now(), import_now()

    assert [str(m) for m in first.context["messages"]] == [
        f"{source.url}: 2 neu, 0 schon bekannt, 0 übersprungen"
    ]
    assert [str(m) for m in second.context["messages"]] == [
        f"{source.url}: seit dem letzten Import unverändert"
    ]
    assert second.context["cl"].result_list[0].imported_total == 2
    assert LogEntry.objects.filter(additional_data__verb="feed_source_import").count() == 2
    # the neighbour's staff cannot import it (the row is not theirs)
    other = _neighbour_client(world)
    other.post(
        changelist,
        {"action": "feed_source_import", "_selected_action": [str(source.pk)], "index": "0"},
    )
    assert LogEntry.objects.filter(additional_data__verb="feed_source_import").count() == 2
    assert FeedSource.objects.get(pk=source.pk).posts.count() == 2

"""Staff work the queue: categories, status chain, assignment, merging, replies, keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dorf.chat.models import Message, Room
from dorf.notifications.models import Notification
from dorf.reports.models import ApiKey, Report, ReportSupporter, ReportUpdate, ServiceCategory
from dorf.reports.services import api_key_hash
from tests.factories import MembershipFactory
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _url(name: str, report) -> str:
    return reverse(f"reports:{name}", kwargs={"slug": report.village.slug, "report_id": report.pk})


def test_staff_create_a_category_with_an_attribute(village, staff, client_for) -> None:
    # given
    url = reverse("reports:category-list", kwargs={"slug": village.slug})
    body = {
        "code": "laterne",
        "name": "Straßenbeleuchtung",
        "responsible_team": "Bauhof",
        "forwarding": "email",
        "forward_email": "bauhof@example.org",
        "attributes": [
            {
                "code": "mast",
                "description": "Nummer des Laternenmasts",
                "datatype": "string",
                "required": True,
            },
            {
                "code": "art",
                "description": "Was ist los?",
                "datatype": "singlevaluelist",
                "values": [
                    {"key": "aus", "name": "brennt nicht"},
                    {"key": "an", "name": "brennt tags"},
                ],
            },
        ],
    }
    # when
    response = client_for(staff.user).post(url, body, format="json")
    # then
    assert response.status_code == 201, response.content
    assert [a["code"] for a in response.json()["attributes"]] == ["mast", "art"]
    assert [a["order"] for a in response.json()["attributes"]] == [1, 2]
    # and: the same code again is a conflict; e-mail forwarding needs an address
    assert client_for(staff.user).post(url, body, format="json").status_code == 409
    body |= {"code": "neu", "forward_email": ""}
    assert client_for(staff.user).post(url, body, format="json").status_code == 400
    assert ServiceCategory.objects.count() == 1


def test_a_category_can_be_deactivated_and_is_then_not_offered(
    village, staff, member, pothole, client_for
) -> None:
    url = reverse("reports:category-detail", kwargs={"slug": village.slug, "code": "schlagloch"})
    response = client_for(staff.user).patch(url, {"active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["active"] is False
    listed = client_for(member.user).get(
        reverse("reports:category-list", kwargs={"slug": village.slug})
    )
    assert listed.json() == []


def test_a_report_moves_through_the_chain_and_the_reporter_hears_each_step(
    village, staff, member, pothole, client_for
) -> None:
    # given
    report = ReportFactory(village=village, category=pothole, reporter=member.user)
    client = client_for(staff.user)
    # when
    for status in ("confirmed", "in_progress", "scheduled", "fixed", "closed"):
        response = client.post(
            _url("report-status", report), {"status": status, "note": f"-> {status}"}, format="json"
        )
        assert response.status_code == 200, response.content
    # then
    report.refresh_from_db()
    assert report.status == "closed"
    assert report.closed_at is not None
    assert report.fixed_at is not None
    titles = list(
        Notification.objects.filter(user=member.user, link_id=report.pk)
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert titles == [
        f"Deine Meldung #{report.pk}: {label}"
        for label in ("Bestätigt", "In Arbeit", "Terminiert", "Behoben", "Geschlossen")
    ]
    history = list(report.updates.values_list("old_status", "new_status"))
    assert history[-1] == ("fixed", "closed")


def test_a_transition_outside_the_chain_is_a_conflict(village, staff, pothole, client_for) -> None:
    report = ReportFactory(
        village=village, category=pothole, status="closed", closed_at=timezone.now()
    )
    response = client_for(staff.user).post(
        _url("report-status", report), {"status": "received"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_merging_a_duplicate_moves_its_people_to_the_original(
    village, staff, member, pothole, client_for
) -> None:
    # given: the original, and a duplicate with a supporter
    original = ReportFactory(village=village, category=pothole)
    duplicate = ReportFactory(village=village, category=pothole, reporter=member.user)
    neighbour = MembershipFactory(village=village).user
    ReportSupporter.objects.create(report=duplicate, user=neighbour)
    # when
    response = client_for(staff.user).post(
        _url("report-merge", duplicate), {"into_id": original.pk}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "duplicate"
    assert response.json()["duplicate_of_id"] == original.pk
    assert set(original.supporters.values_list("user_id", flat=True)) == {
        member.user_id,
        neighbour.pk,
    }
    assert Notification.objects.filter(user=member.user, link_id=duplicate.pk).exists()
    # and: merging into the duplicate, or into itself, is refused
    third = ReportFactory(village=village, category=pothole)
    client = client_for(staff.user)
    assert (
        client.post(
            _url("report-merge", third), {"into_id": duplicate.pk}, format="json"
        ).status_code
        == 400
    )
    assert (
        client.post(_url("report-merge", third), {"into_id": third.pk}, format="json").status_code
        == 400
    )


def test_merging_into_another_villages_report_is_not_found(
    village, other_village, staff, pothole, client_for
) -> None:
    report = ReportFactory(village=village, category=pothole)
    foreign = ReportFactory(village=other_village)
    response = client_for(staff.user).post(
        _url("report-merge", report), {"into_id": foreign.pk}, format="json"
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == "received"


def test_assigning_to_a_colleague_notifies_them(
    village, staff, member, pothole, client_for
) -> None:
    report = ReportFactory(village=village, category=pothole)
    colleague = MembershipFactory(village=village, role="staff")
    client = client_for(staff.user)
    ok = client.post(
        _url("report-assign", report), {"assignee_id": colleague.user_id}, format="json"
    )
    resident = client.post(
        _url("report-assign", report), {"assignee_id": member.user_id}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["assigned_to_id"] == colleague.user_id
    assert resident.status_code == 400
    assert Notification.objects.filter(user=colleague.user, link_id=report.pk).exists()


def test_a_reply_reaches_a_member_in_a_chat_room_and_an_open311_reporter_by_email(
    village, staff, member, pothole, client_for, django_capture_on_commit_callbacks
) -> None:
    # given
    mine = ReportFactory(village=village, category=pothole, reporter=member.user)
    anonymous = ReportFactory(village=village, category=pothole, reporter_email="a@example.org")
    client = client_for(staff.user)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(_url("report-reply", mine), {"text": "Wo genau?"}, format="json")
        second = client.post(_url("report-reply", anonymous), {"text": "Danke!"}, format="json")
    # then
    assert first.status_code == 201
    assert second.status_code == 201
    room = Room.objects.get(subject_type="problem_report", subject_id=mine.pk)
    assert set(room.members.values_list("user_id", flat=True)) == {member.user_id, staff.user_id}
    assert Message.objects.get(room=room).text == "Wo genau?"
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    assert mail.outbox[0].body == "Danke!"
    # and: replies are private, the reporter sees theirs
    detail = client_for(member.user).get(_url("report-detail", mine)).json()
    assert [u["kind"] for u in detail["updates"]] == ["reply"]
    other = client_for(MembershipFactory(village=village).user).get(_url("report-detail", mine))
    assert other.json()["updates"] == []


def test_the_queue_filters_by_category_status_and_age_in_few_queries(
    village, staff, lamp, pothole, client_for, django_assert_num_queries
) -> None:
    # given
    old = ReportFactory(village=village, category=pothole)
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    ReportFactory(village=village, category=pothole)
    ReportFactory(village=village, category=lamp)
    ReportFactory(
        village=village,
        category=pothole,
        status="fixed",
        fixed_at=timezone.now(),
        closed_at=timezone.now(),
    )
    url = reverse("reports:queue", kwargs={"slug": village.slug})
    client = client_for(staff.user)
    # when / then: token and its user, membership, reports, photos
    with django_assert_num_queries(5):
        response = client.get(url, {"service_code": "schlagloch", "older_than_days": 7})
    assert [r["id"] for r in response.json()["results"]] == [old.pk]
    assert len(client.get(url).json()["results"]) == 3  # open ones by default
    fixed = client.get(url, {"status": "fixed"}).json()["results"]
    assert [r["status"] for r in fixed] == ["fixed"]
    assert client.get(url, {"older_than_days": "bald"}).status_code == 400


def test_staff_issue_and_revoke_an_open311_key_shown_only_once(village, staff, client_for) -> None:
    url = reverse("reports:api-key-list", kwargs={"slug": village.slug})
    client = client_for(staff.user)
    created = client.post(url, {"name": "Stadtwerke-App"}, format="json").json()
    key = ApiKey.objects.get()
    assert key.key_hash == api_key_hash(created["key"])
    assert created["key"] not in key.key_hash
    assert "key" not in client.get(url).json()[0]
    revoke = reverse("reports:api-key-revoke", kwargs={"slug": village.slug, "key_id": key.pk})
    assert client.post(revoke).json()["revoked_at"] is not None


def test_photos_become_public_after_approval(village, staff, member, pothole, client_for) -> None:
    from dorf.reports.models import ReportPhoto

    report = ReportFactory(village=village, category=pothole)
    photo = ReportPhoto.objects.create(report=report, image="reports/x.jpg", width=1, height=1)
    neighbour = client_for(member.user)
    assert neighbour.get(_url("report-detail", report)).json()["photos"] == []
    url = reverse(
        "reports:photo-approve",
        kwargs={"slug": village.slug, "report_id": report.pk, "photo_id": photo.pk},
    )
    assert client_for(staff.user).post(url).json()["approved"] is True
    assert len(neighbour.get(_url("report-detail", report)).json()["photos"]) == 1
    assert ReportUpdate.objects.count() == 0

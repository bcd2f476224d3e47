"""Residents file reports, find duplicates nearby, say "me too" and reopen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dorf.notifications.models import Notification
from dorf.reports.models import Report, ReportPhoto, ReportSupporter
from tests.factories import MembershipFactory
from tests.reports.conftest import jpeg
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _list_url(village) -> str:
    return reverse("reports:report-list", kwargs={"slug": village.slug})


def _url(name: str, report) -> str:
    return reverse(f"reports:{name}", kwargs={"slug": report.village.slug, "report_id": report.pk})


def _body(**changes):
    body = {
        "service_code": "laterne",
        "description": "Die Laterne vor Nummer 12 ist dunkel.",
        "lat": 50.7905,
        "long": 7.8725,
        "attributes": {"mast": "0417"},
    }
    body.update(changes)
    return body


def test_a_member_files_a_report_and_staff_are_notified(
    village, member, staff, lamp, client_for
) -> None:
    # when
    response = client_for(member.user).post(_list_url(village), _body(), format="json")
    # then
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "received"
    assert data["status_label"] == "Eingegangen"
    assert data["open311_status"] == "open"
    assert data["is_mine"] is True
    assert "reporter_name" not in data
    assert "reporter_id" not in data
    report = Report.objects.get(pk=data["id"])
    assert report.reporter == member.user
    assert report.attributes == {"mast": "0417"}
    # and: the village's staff find it in their feed
    assert Notification.objects.filter(user=staff.user, link_id=report.pk).exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"lat": 51.5, "long": 7.8725}, "lat", "outside_village"),
        ({"service_code": "gibtsnicht"}, "service_code", "unknown_service"),
        ({"attributes": {}}, "attribute[mast]", "required"),
        ({"attributes": {"mast": "1", "farbe": "rot"}}, "attribute[farbe]", "unknown"),
        ({"description": "x" * 4001}, "description", "max_length"),
        ({"attributes": {"mast": "04\x0017"}}, "attribute[mast]", "invalid"),
        ({"lat": None, "long": None}, "lat", "location_missing"),
        ({"public": "vielleicht"}, "public", "invalid"),
        ({"reporter_id": 1}, "reporter_id", "unknown_field"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    village, member, lamp, client_for, changes, field, code
) -> None:
    # when
    response = client_for(member.user).post(_list_url(village), _body(**changes), format="json")
    # then
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
    assert error["code"] == code
    assert not Report.objects.exists()


def test_an_address_is_located_through_the_village_register(
    village, member, lamp, client_for
) -> None:
    # given
    from dorf.villages.models import AddressEntry

    AddressEntry.objects.create(
        village=village, street="Lindenweg", house_number="7", latitude=50.791, longitude=7.873
    )
    # when
    body = _body(lat=None, long=None, address="Lindenweg 7")
    response = client_for(member.user).post(_list_url(village), body, format="json")
    # then
    assert response.status_code == 201, response.content
    assert (response.json()["lat"], response.json()["long"]) == (50.791, 7.873)


def _multipart(client, village, photos, **fields):
    data = {
        "service_code": "schlagloch",
        "description": "Loch in der Straße",
        **fields,
        "photos": [SimpleUploadedFile(f"f{i}.jpg", p, "image/jpeg") for i, p in enumerate(photos)],
    }
    return client.post(_list_url(village), data, format="multipart")


def test_photos_are_stored_re_encoded_and_their_gps_places_the_report(
    village, member, pothole, client_for
) -> None:
    # given: a photo taken 30 m from the centre, no coordinates in the form
    photo = jpeg(gps=(50.79027, 7.87200))
    # when
    response = _multipart(client_for(member.user), village, [photo, jpeg()])
    # then
    assert response.status_code == 201, response.content
    data = response.json()
    assert abs(data["lat"] - 50.79027) < 1e-4
    assert abs(data["long"] - 7.872) < 1e-4
    assert len(data["photos"]) == 2  # the reporter sees their photos before approval
    assert all(p["approved"] is False for p in data["photos"])


def test_more_than_five_photos_or_a_polyglot_file_write_nothing(
    village, member, pothole, client_for
) -> None:
    client = client_for(member.user)
    # when: six photos
    response = _multipart(client, village, [jpeg()] * 6, lat=50.79, long=7.872)
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_photos"
    # when: a good photo and a file that is HTML with a JPEG header (a polyglot)
    polyglot = b"\xff\xd8\xff\xe0" + b"<html><script>alert(1)</script></html>" * 20
    response = _multipart(client, village, [jpeg(), polyglot], lat=50.79, long=7.872)
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"
    assert not Report.objects.exists()
    assert not ReportPhoto.objects.exists()


def test_unapproved_photos_and_private_reports_stay_hidden_from_neighbours(
    village, member, pothole, client_for
) -> None:
    # given: a private report with a photo, and a public one
    response = _multipart(
        client_for(member.user), village, [jpeg()], lat=50.79, long=7.872, public="false"
    )
    private_id = response.json()["id"]
    public = ReportFactory(village=village, category=pothole)
    ReportPhoto.objects.create(report=public, image="reports/p.jpg", width=1, height=1)
    neighbour = client_for(MembershipFactory(village=village).user)
    # when
    listed = neighbour.get(_list_url(village)).json()["results"]
    detail = neighbour.get(_url("report-detail", Report.objects.get(pk=private_id)))
    # then
    assert [r["id"] for r in listed] == [public.pk]
    assert listed[0]["photos"] == []
    assert detail.status_code == 404


def test_the_list_costs_the_same_few_queries_for_many_reports(
    village, member, pothole, client_for, django_assert_num_queries
) -> None:
    # given
    for _ in range(15):
        report = ReportFactory(village=village, category=pothole)
        ReportPhoto.objects.create(
            report=report, image="reports/a.jpg", width=1, height=1, approved_at=timezone.now()
        )
        ReportSupporter.objects.create(report=report, user=MembershipFactory(village=village).user)
    client = client_for(member.user)
    # when / then: token and its user, membership, reports, photos
    with django_assert_num_queries(5):
        response = client.get(_list_url(village))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 15
    assert response.json()["results"][0]["supporter_count"] == 1


def test_nearby_finds_open_reports_of_the_category_within_50_m_and_30_days(
    village, member, lamp, pothole, client_for
) -> None:
    # given
    centre = (50.7900, 7.8720)
    near = ReportFactory(village=village, category=lamp, latitude=50.79030, longitude=7.8720)
    ReportFactory(village=village, category=lamp, latitude=50.79060, longitude=7.8720)  # 67 m
    ReportFactory(village=village, category=pothole, latitude=centre[0], longitude=centre[1])
    ReportFactory(
        village=village,
        category=lamp,
        latitude=centre[0],
        longitude=centre[1],
        status="fixed",
        fixed_at=timezone.now(),
    )
    old = ReportFactory(village=village, category=lamp, latitude=centre[0], longitude=centre[1])
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    url = reverse("reports:report-nearby", kwargs={"slug": village.slug})
    # when
    response = client_for(member.user).get(
        url, {"lat": centre[0], "long": centre[1], "service_code": "laterne"}
    )
    # then
    assert response.status_code == 200
    assert [(r["id"], r["distance_m"]) for r in response.json()] == [(near.pk, 33)]


def test_me_too_makes_a_supporter_who_hears_of_status_changes(
    village, member, staff, pothole, client_for
) -> None:
    # given
    report = ReportFactory(village=village, category=pothole, reporter=member.user)
    neighbour = MembershipFactory(village=village)
    # when
    response = client_for(neighbour.user).post(_url("report-support", report))
    again = client_for(neighbour.user).post(_url("report-support", report))
    own = client_for(member.user).post(_url("report-support", report))
    # then
    assert response.status_code == 200
    assert response.json()["is_supporter"] is True
    assert again.status_code == 200
    assert response.json()["supporter_count"] == 1
    assert own.status_code == 409
    # when: staff confirm it
    client_for(staff.user).post(
        _url("report-status", report), {"status": "confirmed", "note": "Danke!"}, format="json"
    )
    # then: reporter and supporter are told, each in their language
    for user in (member.user, neighbour.user):
        note = Notification.objects.filter(user=user, link_id=report.pk).get()
        assert note.title == f"Deine Meldung #{report.pk}: Bestätigt"
        assert note.body == "Danke!"


def test_the_reporter_reopens_within_14_days_after_fixed_and_staff_hear_of_it(
    village, member, staff, pothole, client_for
) -> None:
    # given: fixed 13 days ago
    report = ReportFactory(
        village=village,
        category=pothole,
        reporter=member.user,
        status="fixed",
        fixed_at=timezone.now() - timedelta(days=13),
        closed_at=timezone.now() - timedelta(days=13),
    )
    # when
    response = client_for(member.user).post(
        _url("report-reopen", report), {"note": "Immer noch kaputt."}, format="json"
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    assert response.json()["can_reopen"] is False
    report.refresh_from_db()
    assert (report.reopened_count, report.closed_at, report.fixed_at) == (1, None, None)
    assert Notification.objects.filter(user=staff.user, link_id=report.pk).exists()


def test_reopening_is_refused_after_14_days_and_to_anyone_but_the_reporter(
    village, member, pothole, client_for
) -> None:
    # given
    late = ReportFactory(
        village=village,
        category=pothole,
        reporter=member.user,
        status="fixed",
        fixed_at=timezone.now() - timedelta(days=15),
        closed_at=timezone.now() - timedelta(days=15),
    )
    recent = ReportFactory(
        village=village,
        category=pothole,
        reporter=member.user,
        status="fixed",
        fixed_at=timezone.now(),
        closed_at=timezone.now(),
    )
    other = client_for(MembershipFactory(village=village).user)
    # when
    too_late = client_for(member.user).post(_url("report-reopen", late))
    not_mine = other.post(_url("report-reopen", recent))
    # then
    assert too_late.status_code == 409
    assert too_late.json()["error"]["code"] == "reopen_window_over"
    assert not_mine.status_code == 403
    assert Report.objects.filter(status="fixed").count() == 2


def test_a_resident_cannot_use_the_staff_queue_or_change_a_status(
    village, member, pothole, client_for
) -> None:
    report = ReportFactory(village=village, category=pothole)
    client = client_for(member.user)
    queue = client.get(reverse("reports:queue", kwargs={"slug": village.slug}))
    change = client.post(_url("report-status", report), {"status": "fixed"}, format="json")
    assert queue.status_code == 403
    assert change.status_code == 403
    report.refresh_from_db()
    assert report.status == "received"


def test_the_reporter_limit_per_hour_answers_429(
    village, member, lamp, client_for, settings
) -> None:
    # given: a limit of 2 per hour, the counter of this user's window cleared
    from django.core.cache import cache

    from dorf.reports import ratelimit

    settings.DORF_REPORTS_PER_REPORTER_PER_HOUR = 2
    window = int(__import__("time").time()) // ratelimit.WINDOW_S
    cache.delete(f"reports-rate:reporter:user:{member.user_id}:{window}")
    client = client_for(member.user)
    # when
    codes = [client.post(_list_url(village), _body(), format="json").status_code for _ in range(3)]
    # then
    assert codes[:2] == [201, 201]
    assert codes[2] == 429
    assert Report.objects.count() == 2

"""The backoffice with Django's test client: access, scoping, actions through services,
the audit log and its erasure, the address import."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from dorf.backoffice.privacy import erase_personal_data, export_personal_data
from dorf.core.privacy import ERASED
from dorf.news.models import PostState
from dorf.notifications.models import Notification
from dorf.reports.models import ReportStatus
from dorf.villages.models import AddressEntry, MembershipState
from tests.backoffice.scenario import World, build_world
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def _login(client: Client, email: str) -> None:
    response = client.post(
        reverse("backoffice:login"), {"username": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def _counts(client: Client) -> dict[str, int]:
    response = client.get(reverse("backoffice:index"))
    assert response.status_code == 200
    return {queue.key: queue.count for queue in response.context["queues"]}


def _act(client: Client, changelist: str, action: str, pk: int) -> None:
    response = client.post(
        reverse(f"backoffice:{changelist}_changelist"),
        {"action": action, "_selected_action": [str(pk)], "index": "0"},
        follow=True,
    )
    assert response.status_code == 200
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert not errors, errors


def test_staff_see_every_queue_of_their_village_with_counts(client, world) -> None:
    # given: a staff member of Musterdorf (also a news publisher)
    _login(client, world.staff.email)

    # when
    counts = _counts(client)

    # then
    assert counts == {
        "membership-pending": 1,
        "post-in_review": 1,
        "report-new": 1,
        "report-overdue": 0,
        "appointment-today": 1,
        "booking-requested": 1,
        "founditem-deadline_soon": 1,
        "claim-pending": 0,
        "report-open": 0,
        "postingreport-open": 0,
        "commentreport-open": 1,
        "proposal-answer_due": 1,
        "poll-to_publish": 1,
        "budgetitem-to_review": 1,
    }


def test_staff_of_the_neighbour_village_see_nothing_of_musterdorf(client, world) -> None:
    # given: a staff member of Nachbarhausen
    _login(client, world.neighbour_staff.email)

    # when: the start page, the lists, a search and a Musterdorf object's own page
    counts = _counts(client)
    search = client.get(reverse("backoffice:reports_report_changelist"), {"q": "Schlagloch"})
    all_reports = client.get(reverse("backoffice:reports_report_changelist"))
    members = client.get(reverse("backoffice:villages_membership_changelist"), {"q": "Neumann"})
    detail = client.get(
        reverse("backoffice:reports_report_change", args=[world.report.pk]), follow=False
    )
    unknown = client.get(reverse("backoffice:reports_report_change", args=[999_999]))

    # then: only the neighbour's own report, nothing else, and a foreign id is a 404 like
    # an unknown one
    assert counts["report-new"] == 1
    assert sum(counts.values()) == 1
    assert search.context["cl"].result_count == 0
    assert [r.description for r in all_reports.context["cl"].result_list] == [
        "Laterne am Feldweg dunkel"
    ]
    assert members.context["cl"].result_count == 0
    assert detail.status_code == unknown.status_code == 404
    assert detail.content == unknown.content
    assert "Musterdorf" not in all_reports.content.decode()


def test_a_resident_cannot_sign_in(client, world) -> None:
    resident = MembershipFactory(village=world.village).user
    response = client.post(
        reverse("backoffice:login"), {"username": resident.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get(reverse("backoffice:index")).status_code == 302


def test_every_change_screen_is_read_only(client, world) -> None:
    _login(client, world.staff.email)
    url = reverse("backoffice:reports_report_change", args=[world.report.pk])
    response = client.post(url, {"status": ReportStatus.CLOSED, "description": "x"})
    world.report.refresh_from_db()
    assert response.status_code == 403
    assert world.report.status == ReportStatus.RECEIVED
    assert client.get(reverse("backoffice:reports_report_add")).status_code == 403
    assert (
        client.get(reverse("backoffice:reports_report_delete", args=[world.report.pk])).status_code
        == 403
    )


def test_verifying_a_resident_goes_through_the_service_and_is_audited(client, world) -> None:
    _login(client, world.staff.email)

    _act(client, "villages_membership", "membership_verify", world.applicant.pk)

    world.applicant.refresh_from_db()
    assert world.applicant.state == MembershipState.VERIFIED
    assert world.applicant.verified_by == world.staff
    entry = LogEntry.objects.get(additional_data__verb="membership_verify")
    assert entry.actor == world.staff
    assert entry.changes["state"] == ["pending", "verified"]
    assert entry.additional_data["village_id"] == world.village.pk
    # the village's staff see it, the neighbour's do not
    log = client.get(reverse("backoffice:auditlog_logentry_changelist"))
    assert log.context["cl"].result_count == 1
    other = Client()
    _login(other, world.neighbour_staff.email)
    assert (
        other.get(reverse("backoffice:auditlog_logentry_changelist")).context["cl"].result_count
        == 0
    )


def test_a_refused_action_changes_nothing_and_logs_nothing(client, world) -> None:
    # given: the post is the staff member's own official notice (four eyes)
    world.post.author = world.staff
    world.post.official = True
    world.post.save()
    _login(client, world.staff.email)

    response = client.post(
        reverse("backoffice:news_post_changelist"),
        {"action": "post_publish", "_selected_action": [str(world.post.pk)], "index": "0"},
        follow=True,
    )

    world.post.refresh_from_db()
    assert world.post.state == PostState.IN_REVIEW
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not LogEntry.objects.exists()


def test_moving_a_report_to_fixed_notifies_the_reporter(
    client, world, django_capture_on_commit_callbacks
) -> None:
    _login(client, world.staff.email)

    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "reports_report", "report_status_fixed", world.report.pk)

    world.report.refresh_from_db()
    assert world.report.status == ReportStatus.FIXED
    assert Notification.objects.filter(user=world.reporter).exists()


def test_an_operator_sees_every_village_but_acts_only_with_a_staff_membership(
    client, world
) -> None:
    operator = UserFactory(is_staff=True)
    _login(client, operator.email)

    counts = _counts(client)
    response = client.post(
        reverse("backoffice:villages_membership_changelist"),
        {
            "action": "membership_verify",
            "_selected_action": [str(world.applicant.pk)],
            "index": "0",
        },
        follow=True,
    )

    assert counts["report-new"] == 2
    world.applicant.refresh_from_db()
    assert world.applicant.state == MembershipState.PENDING
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_start_page_query_count_does_not_grow_with_the_rows(
    client, world, django_assert_max_num_queries
) -> None:
    _login(client, world.staff.email)
    with django_assert_max_num_queries(25):
        client.get(reverse("backoffice:index"))


def test_erasure_unlinks_the_actor_and_empties_entries_about_the_person(client, world) -> None:
    _login(client, world.staff.email)
    _act(client, "villages_membership", "membership_verify", world.applicant.pk)
    assert export_personal_data(world.staff)["actions"][0]["verb"] == "membership_verify"

    erase_personal_data(world.applicant.user)
    erase_personal_data(world.staff)

    entry = LogEntry.objects.get()
    assert entry.actor is None
    assert entry.object_repr == ERASED
    assert entry.changes is None
    assert entry.additional_data["verb"] == "membership_verify"


def test_address_register_import_reports_bad_lines(client, world) -> None:
    _login(client, world.staff.email)
    lat, lon = world.village.centre_lat, world.village.centre_lon
    csv = (
        "strasse;hausnummer;plz;breite;laenge\n"
        f"Lindenweg;1;57000;{lat};{lon}\n"
        f"Lindenweg;2;57000;{lat + 0.001};{lon}\n"
        "Fernweg;9;57000;48.0;11.0\n"
        "Kaputt;1;57000;abc;def\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("backoffice_import_addresses"),
        {"village": world.village.pk, "file": SimpleUploadedFile("adressen.csv", csv)},
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.created, result.updated) == (2, 0)
    assert [line for line, _problem in result.errors] == [4, 5]
    assert AddressEntry.objects.filter(village=world.village).count() == 2
    assert LogEntry.objects.filter(additional_data__verb="address_register_import").exists()
    # the neighbour's staff cannot import into Musterdorf
    other = Client()
    _login(other, world.neighbour_staff.email)
    refused = other.post(
        reverse("backoffice_import_addresses"),
        {"village": world.village.pk, "file": SimpleUploadedFile("adressen.csv", csv)},
    )
    assert refused.context["form"].errors["village"]


def test_moderators_and_news_writers_see_only_their_queues(client, world) -> None:
    # given: a moderator of Musterdorf, and a resident who only writes the news
    from dorf.news.models import PublisherRoleKind
    from tests.news.factories import PublisherRoleFactory

    moderator = MembershipFactory(village=world.village, role="moderator").user
    writer = MembershipFactory(village=world.village).user
    PublisherRoleFactory(publisher=world.post.publisher, user=writer, role=PublisherRoleKind.EDITOR)

    # when
    _login(client, moderator.email)
    moderator_queues = set(_counts(client))
    reports_page = client.get(reverse("backoffice:reports_report_changelist"))
    writer_client = Client()
    _login(writer_client, writer.email)
    writer_queues = _counts(writer_client)

    # then
    assert moderator_queues == {
        "membership-pending",
        "report-open",
        "postingreport-open",
        "commentreport-open",
    }
    assert reports_page.status_code == 403
    assert writer_queues == {"post-in_review": 1}


def test_the_waste_plan_upload_lists_faulty_lines_then_imports(client, world) -> None:
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from dorf.waste.models import Collection
    from tests.waste.factories import csv_plan, plan_in

    plan = plan_in(world.village)
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    _login(client, world.staff.email)
    url = reverse("backoffice_import_waste_plan")

    def upload(*rows: str):
        data = {
            "village": world.village.pk,
            "format": "csv",
            "file": SimpleUploadedFile("plan.csv", csv_plan(*rows)),
        }
        return client.post(url, data)

    # a plan with a faulty line: every problem listed, nothing imported
    refused = upload(f"Rest A;Restmüll;{day};;", f"Rest Z;Restmüll;{day};;")
    assert refused.status_code == 200
    assert any(p.startswith("Zeile 3") for p in refused.context["problems"])
    assert not Collection.objects.exists()

    # the corrected plan is imported and shown on the collections screen
    imported = upload(f"Rest A;Restmüll;{day};;", f"Papier;Papier;{day};;")
    assert imported.context["report"].created == 2
    listing = client.get(reverse("backoffice:waste_collection_changelist"))
    assert listing.context["cl"].result_count == 2
    assert LogEntry.objects.filter(additional_data__verb="collections_import").count() == 1
    # the neighbour's staff see none of it
    assert plan.rest_a.village_id == world.village.pk
    other = Client()
    _login(other, world.neighbour_staff.email)
    assert (
        other.get(reverse("backoffice:waste_collection_changelist")).context["cl"].result_count == 0
    )

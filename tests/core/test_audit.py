"""The audit log of staff actions is written by the services (``dorf.core.audit``): an
API call by staff writes exactly one entry, a resident's own change none, the backoffice's
action of the same kind one (not two), and an erasure pseudonymises the actor."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from dorf.backoffice.privacy import erase_personal_data
from dorf.core.privacy import ERASED
from dorf.news import services as news_services
from dorf.reports import services as report_services
from dorf.reports.models import ReportStatus
from dorf.villages.models import Membership, MembershipState, Role, Village
from tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory
from tests.news.factories import PublisherFactory
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _members_url(village: Village, tail: str) -> str:
    return f"/api/v1/villages/{village.slug}/{tail}"


def _backoffice_client(user: object) -> Client:
    client = Client()
    response = client.post(
        reverse("backoffice:login"),
        {"username": user.email, "password": TEST_PASSWORD},  # type: ignore[attr-defined]
    )
    assert response.status_code == 302
    return client


def _backoffice_act(client: Client, changelist: str, action: str, pk: int) -> None:
    response = client.post(
        reverse(f"backoffice:{changelist}_changelist"),
        {"action": action, "_selected_action": [str(pk)], "index": "0"},
        follow=True,
    )
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert not errors, errors


def test_a_moderator_verifying_through_the_api_writes_one_entry_with_before_and_after(
    village: Village, moderator: Membership, client_for
) -> None:
    # given
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)

    # when
    response = client_for(moderator.user).post(
        _members_url(village, f"members/{pending.pk}/verify/")
    )

    # then
    assert response.status_code == 200
    entry = LogEntry.objects.get()
    assert entry.actor == moderator.user
    assert entry.additional_data["verb"] == "membership_verify"
    assert entry.additional_data["village_id"] == village.pk
    assert entry.additional_data["subject_user_id"] == pending.user_id
    assert entry.changes["state"] == ["pending", "verified"]
    assert entry.changes["verified_by_id"] == [None, str(moderator.user_id)]
    assert entry.object_pk == str(pending.pk)


def test_a_ban_through_the_api_keeps_the_reason(
    village: Village, moderator: Membership, member: Membership, client_for
) -> None:
    response = client_for(moderator.user).post(
        _members_url(village, f"members/{member.pk}/ban/"), {"reason": "Beleidigungen"}
    )

    assert response.status_code == 200
    entry = LogEntry.objects.get()
    assert entry.additional_data["verb"] == "membership_ban"
    assert entry.additional_data["reason"] == "Beleidigungen"
    assert entry.changes["state"] == ["verified", "banned"]


def test_a_resident_joining_with_the_invite_code_writes_no_entry(
    village: Village, client_for
) -> None:
    response = client_for(UserFactory()).post(
        _members_url(village, "join/"), {"invite_code": village.invite_code}
    )

    assert response.status_code == 201
    assert response.json()["state"] == "verified"
    assert not LogEntry.objects.exists()


def test_a_refused_api_action_writes_no_entry(
    village: Village, member: Membership, client_for
) -> None:
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)

    response = client_for(member.user).post(_members_url(village, f"members/{pending.pk}/verify/"))

    assert response.status_code == 403
    assert not LogEntry.objects.exists()


def test_a_report_status_change_by_staff_through_the_api_writes_one_entry(
    village: Village, client_for
) -> None:
    # given
    staff = MembershipFactory(village=village, role=Role.STAFF)
    reporter = MembershipFactory(village=village)
    report = ReportFactory(village=village, reporter=reporter.user)
    url = reverse("reports:report-status", kwargs={"slug": village.slug, "report_id": report.pk})

    # when
    response = client_for(staff.user).post(
        url, {"status": "confirmed", "note": "Bauhof informiert"}, format="json"
    )

    # then
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get()
    assert entry.actor == staff.user
    assert entry.additional_data["verb"] == "report_status_change"
    assert entry.additional_data["reason"] == "Bauhof informiert"
    assert entry.additional_data["subject_user_id"] == reporter.user_id
    assert entry.changes["status"] == [ReportStatus.RECEIVED, ReportStatus.CONFIRMED]


def test_the_backoffice_action_of_the_same_kind_writes_one_entry_not_two(
    village: Village,
) -> None:
    # given
    staff = MembershipFactory(village=village, role=Role.STAFF)
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)
    report = ReportFactory(village=village)
    client = _backoffice_client(staff.user)

    # when
    _backoffice_act(client, "villages_membership", "membership_verify", pending.pk)
    _backoffice_act(client, "reports_report", "report_status_fixed", report.pk)

    # then
    verbs = sorted(LogEntry.objects.values_list("additional_data__verb", flat=True))
    assert verbs == ["membership_verify", "report_status_change"]
    assert set(LogEntry.objects.values_list("actor", flat=True)) == {staff.user_id}
    # and: the village's audit screen shows both
    log = client.get(reverse("backoffice:auditlog_logentry_changelist"))
    assert log.context["cl"].result_count == 2


def test_erasing_the_actor_pseudonymises_entries_written_through_the_api(
    village: Village, moderator: Membership, client_for
) -> None:
    # given
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)
    client_for(moderator.user).post(_members_url(village, f"members/{pending.pk}/verify/"))

    # when
    erase_personal_data(moderator.user)
    erase_personal_data(pending.user)

    # then
    entry = LogEntry.objects.get()
    assert entry.actor is None
    assert entry.actor_email is None
    assert entry.object_repr == ERASED
    assert entry.changes is None
    assert entry.additional_data["verb"] == "membership_verify"


def test_a_publisher_role_given_and_taken_is_audited_with_its_deletion(village: Village) -> None:
    # given
    staff = MembershipFactory(village=village, role=Role.STAFF)
    editor = MembershipFactory(village=village)
    publisher = PublisherFactory(village=village)

    # when
    news_services.publisher_role_set(
        actor=staff.user, publisher_id=publisher.pk, user_id=editor.user_id, role="editor"
    )
    news_services.publisher_role_remove(
        actor=staff.user, publisher_id=publisher.pk, user_id=editor.user_id
    )

    # then
    given, taken = LogEntry.objects.order_by("pk")
    assert given.action == LogEntry.Action.CREATE
    assert given.changes["role"] == [None, "editor"]
    assert taken.action == LogEntry.Action.DELETE
    assert taken.additional_data["verb"] == "publisher_role_remove"
    assert taken.changes["role"] == ["editor", None]
    assert taken.additional_data["subject_user_id"] == editor.user_id


def test_an_open311_key_is_audited_without_its_hash(village: Village) -> None:
    staff = MembershipFactory(village=village, role=Role.STAFF)

    key, raw = report_services.api_key_issue(actor=staff, name="Bauhof-App")
    report_services.api_key_revoke(actor=staff, key_id=key.pk)

    issued, revoked = LogEntry.objects.order_by("pk")
    assert issued.additional_data["verb"] == "api_key_issue"
    assert "key_hash" not in issued.changes
    assert raw not in str(issued.changes)
    assert key.key_hash not in str(issued.changes)
    assert list(revoked.changes) == ["revoked_at"]

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
from dorf.council import services as council_services
from dorf.deliveries import services as delivery_services
from dorf.deliveries.models import Parcel, ParcelStatus, Route, RouteStatus
from dorf.jobs import services as job_services
from dorf.jobs.models import JobState
from dorf.ledger import services as ledger_services
from dorf.lostfound import services as lostfound_services
from dorf.news import services as news_services
from dorf.reports import services as report_services
from dorf.reports.models import ReportStatus
from dorf.villages.models import Membership, MembershipState, Role, Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day
from tests.factories import TEST_PASSWORD, HouseholdFactory, MembershipFactory, UserFactory
from tests.jobs.factories import job_in
from tests.ledger.factories import fund, member_with_account, pay
from tests.lostfound.factories import find_in
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


# --- the coordinators', moderators' and staff's actions of the later apps -------------------


def _entries(verb: str) -> list[LogEntry]:
    return list(LogEntry.objects.filter(additional_data__verb=verb).order_by("pk"))


def test_pickup_points_and_parcels_changed_by_staff_are_audited_without_the_pin_salt(
    village: Village,
) -> None:
    # given
    staff = MembershipFactory(village=village, role=Role.STAFF)
    household = HouseholdFactory(village=village, latitude=50.7901, longitude=7.8721)

    # when
    point = delivery_services.pickup_point_create(
        actor=staff, name="Dorfladen", kind="shop", latitude=50.7905, longitude=7.8725
    )
    parcel = delivery_services.parcel_register(
        actor=staff, pickup_point_id=point.pk, household_id=household.pk, size_units=2
    )
    Parcel.objects.filter(pk=parcel.pk).update(pin_attempts=5, status=ParcelStatus.RETURNED)
    delivery_services.parcel_pin_reset(actor=staff, parcel_id=parcel.pk)
    delivery_services.parcel_reschedule(actor=staff, parcel_id=parcel.pk, delivery_date=tomorrow())
    delivery_services.pickup_point_set_active(actor=staff, point_id=point.pk, is_active=False)
    delivery_services.pickup_point_set_active(actor=staff, point_id=point.pk, is_active=False)

    # then: one entry per change, none for the repeat that changed nothing
    verbs = list(LogEntry.objects.order_by("pk").values_list("additional_data__verb", flat=True))
    assert verbs == [
        "pickup_point_create",
        "parcel_register",
        "parcel_pin_reset",
        "parcel_reschedule",
        "pickup_point_set_active",
    ]
    assert set(LogEntry.objects.values_list("actor", flat=True)) == {staff.user_id}
    assert {e.additional_data["village_id"] for e in LogEntry.objects.all()} == {village.pk}
    (registered,) = _entries("parcel_register")
    assert registered.action == LogEntry.Action.CREATE
    assert registered.changes["household_id"] == [None, str(household.pk)]
    assert "pin_salt" not in registered.changes
    assert _entries("parcel_pin_reset")[0].changes["pin_attempts"] == ["5", "0"]
    rescheduled = _entries("parcel_reschedule")[0].changes
    assert rescheduled["status"] == [ParcelStatus.RETURNED, ParcelStatus.REGISTERED]
    assert rescheduled["delivery_date"][1] == tomorrow().isoformat()
    assert _entries("pickup_point_set_active")[0].changes["is_active"] == ["True", "False"]


def test_a_plan_request_and_a_no_show_are_audited_but_the_volunteers_own_steps_are_not(
    village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a registered day (staff's entries are not under test here)
    day = register_day(make_people(village), client_for)
    LogEntry.objects.all().delete()
    coordinator = client_for(day.coordinator.user)

    # when: the coordinator asks for a plan, the volunteer accepts, then does not come
    with django_capture_on_commit_callbacks(execute=True):
        planned = coordinator.post(day.url("plans/"), {"date": tomorrow().isoformat()})
    route = Route.objects.get(status=RouteStatus.PROPOSED)
    accepted = client_for(day.volunteers[0].user).post(day.url(f"routes/{route.pk}/accept/"))
    with django_capture_on_commit_callbacks(execute=True):
        no_show = coordinator.post(day.url(f"routes/{route.pk}/no-show/"))

    # then
    assert (planned.status_code, accepted.status_code, no_show.status_code) == (202, 200, 202)
    requested, dropped = LogEntry.objects.order_by("pk")
    assert requested.additional_data["verb"] == "plan_request"
    assert requested.actor == day.coordinator.user
    assert requested.object_pk == str(planned.json()["id"])
    assert requested.changes["date"] == [None, tomorrow().isoformat()]
    assert dropped.additional_data["verb"] == "route_no_show"
    assert dropped.object_pk == str(route.pk)
    assert dropped.changes["status"] == [RouteStatus.ACCEPTED, RouteStatus.DECLINED]
    assert dropped.additional_data["subject_user_id"] == day.volunteers[0].user_id
    assert dropped.additional_data["planning_job_id"] == no_show.json()["id"]


def test_a_club_grant_and_a_reversal_are_audited_once_even_when_retried(
    village: Village, moderator: Membership
) -> None:
    # given
    club = ledger_services.club_account_create(village=village, name="Chor")
    alice, alice_account = member_with_account(village)
    bob, bob_account = member_with_account(village)
    fund(alice_account, 100)
    payment = pay(alice, bob, 50)
    assert not LogEntry.objects.exists()  # a resident's payment is not a staff action

    # when: each moderator call is sent twice with its idempotency key
    for _attempt in range(2):
        grant = ledger_services.club_grant(
            actor=moderator,
            account_id=club.pk,
            minutes=90,
            memo="Jahresbeitrag",
            idempotency_key="g",
        )
        reversal = ledger_services.transfer_reverse(
            actor=moderator, transfer_id=payment.pk, memo="Irrtum", idempotency_key="r"
        )

    # then
    granted, reversed_ = LogEntry.objects.order_by("pk")
    assert granted.additional_data["verb"] == "club_grant"
    assert granted.object_pk == str(grant.pk)
    assert granted.actor == moderator.user
    assert granted.changes[f"account {club.pk}"] == [None, "+90 min"]
    assert granted.changes["memo"] == [None, "Jahresbeitrag"]
    assert reversed_.additional_data["verb"] == "transfer_reverse"
    assert reversed_.object_pk == str(reversal.pk)
    assert reversed_.changes["reverses_id"] == [None, str(payment.pk)]
    assert reversed_.changes[f"account {bob_account.pk}"] == [None, "-50 min"]
    assert reversed_.additional_data["subject_user_id"] == alice.user_id
    assert reversed_.additional_data["village_id"] == village.pk
    # and: erasing the payer empties the reversal's entry, the grant's stays
    erase_personal_data(alice.user)
    granted.refresh_from_db()
    reversed_.refresh_from_db()
    assert reversed_.changes is None
    assert reversed_.object_repr == ERASED
    assert granted.changes[f"account {club.pk}"] == [None, "+90 min"]


def test_news_categories_created_renamed_and_deleted_by_staff_are_audited(
    village: Village,
) -> None:
    staff = MembershipFactory(village=village, role=Role.STAFF)

    category = news_services.category_create(actor=staff.user, village_id=village.pk, name="Bauhof")
    news_services.category_update(actor=staff.user, category_id=category.pk, name="Bauhof")
    news_services.category_update(actor=staff.user, category_id=category.pk, name="Verkehr")
    news_services.category_delete(actor=staff.user, category_id=category.pk)

    created, renamed, deleted = LogEntry.objects.order_by("pk")
    assert created.action == LogEntry.Action.CREATE
    assert created.changes["name"] == [None, "Bauhof"]
    assert renamed.additional_data["verb"] == "category_update"
    assert renamed.changes["name"] == ["Bauhof", "Verkehr"]
    assert renamed.changes["slug"] == ["bauhof", "verkehr"]
    assert deleted.action == LogEntry.Action.DELETE
    assert deleted.changes["name"] == ["Verkehr", None]
    assert {e.additional_data["village_id"] for e in (created, renamed, deleted)} == {village.pk}


def test_the_council_source_set_by_staff_is_audited_when_it_changes(village: Village) -> None:
    staff = MembershipFactory(village=village, role=Role.STAFF)
    first, second = "https://ris.example.org/oparl/v1", "https://ris2.example.org/oparl/v1"

    council_services.source_set(
        actor=staff.user, village_id=village.pk, system_url=first, enabled=True
    )
    council_services.source_set(
        actor=staff.user, village_id=village.pk, system_url=first, enabled=True
    )
    council_services.source_set(
        actor=staff.user, village_id=village.pk, system_url=second, enabled=False
    )

    created, changed = LogEntry.objects.order_by("pk")
    assert created.additional_data["verb"] == "source_set"
    assert created.action == LogEntry.Action.CREATE
    assert created.changes["system_url"] == [None, first]
    assert changed.action == LogEntry.Action.UPDATE
    assert changed.changes["system_url"] == [first, second]
    assert changed.changes["enabled"] == ["True", "False"]


def test_staff_editing_and_archiving_someone_elses_job_offer_is_audited_the_poster_is_not(
    village: Village,
) -> None:
    # given
    poster = MembershipFactory(village=village)
    offer = job_in(village, poster=poster)
    staff = MembershipFactory(village=village, role=Role.STAFF)
    LogEntry.objects.all().delete()  # registering the publisher is audited, not under test

    # when
    job_services.job_update(actor=poster.user, job_id=offer.pk, title="Aushilfe (m/w/d)")
    job_services.job_update(actor=staff.user, job_id=offer.pk, title="Aushilfe Verkauf")
    job_services.job_archive(actor=staff.user, job_id=offer.pk)
    job_services.job_archive(actor=staff.user, job_id=offer.pk)

    # then
    edited, archived = LogEntry.objects.order_by("pk")
    assert edited.additional_data["verb"] == "job_update"
    assert edited.actor == staff.user
    assert edited.changes["title"] == ["Aushilfe (m/w/d)", "Aushilfe Verkauf"]
    assert edited.additional_data["subject_user_id"] == poster.user_id
    assert archived.additional_data["verb"] == "job_archive"
    assert archived.changes["state"] == [JobState.PUBLISHED, JobState.ARCHIVED]


def test_a_find_taken_in_at_the_counter_is_audited_a_residents_report_and_edit_are_not(
    village: Village,
) -> None:
    # given
    finder = MembershipFactory(village=village)
    staff = MembershipFactory(village=village, role=Role.STAFF)

    # when
    own = find_in(village, finder=finder)
    lostfound_services.found_item_update(
        actor=finder.user, found_item_id=own.pk, description="Braune Geldbörse, Leder"
    )
    counter = find_in(village, finder=staff, description="Schlüsselbund")

    # then
    (entry,) = LogEntry.objects.all()
    assert entry.additional_data["verb"] == "found_item_report"
    assert entry.object_pk == str(counter.pk)
    assert entry.actor == staff.user
    assert entry.changes["description"] == [None, "Schlüsselbund"]
    assert entry.changes["storage"] == [None, "town_hall"]
    assert "secret_features" not in entry.changes
    assert "Hund" not in str(entry.changes)


def test_the_new_entries_are_on_the_audit_screen_of_their_village_only(
    village: Village, other_village: Village
) -> None:
    # given: one action of each new kind in Musterdorf
    staff = MembershipFactory(village=village, role=Role.STAFF)
    neighbour_staff = MembershipFactory(village=other_village, role=Role.STAFF)
    delivery_services.pickup_point_create(
        actor=staff, name="Dorfladen", kind="shop", latitude=50.7905, longitude=7.8725
    )
    club = ledger_services.club_account_create(village=village, name="Chor")
    ledger_services.club_grant(
        actor=staff, account_id=club.pk, minutes=30, memo="Zuschuss", idempotency_key="g"
    )
    news_services.category_create(actor=staff.user, village_id=village.pk, name="Bauhof")
    council_services.source_set(
        actor=staff.user, village_id=village.pk, system_url="https://ris.example.org/", enabled=True
    )
    find_in(village, finder=staff)
    expected = {
        "pickup_point_create",
        "club_grant",
        "category_create",
        "source_set",
        "found_item_report",
    }
    assert set(LogEntry.objects.values_list("additional_data__verb", flat=True)) == expected

    # when
    ours = _backoffice_client(staff.user).get(reverse("backoffice:auditlog_logentry_changelist"))
    theirs = _backoffice_client(neighbour_staff.user).get(
        reverse("backoffice:auditlog_logentry_changelist")
    )

    # then
    assert ours.context["cl"].result_count == len(expected)
    assert theirs.context["cl"].result_count == 0

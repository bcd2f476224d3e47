"""The Fundbüro's rules: matching, claims decided only by staff, secret features kept
secret, handovers with the reward, deadlines moved on by the periodic task, erasure."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.privacy import ERASED
from dorf.lostfound import services
from dorf.lostfound.models import (
    AfterDeadline,
    ClaimState,
    FindState,
    FoundItem,
    HandoverTo,
    ItemCategory,
    Match,
)
from dorf.notifications.models import Notification
from dorf.users.models import User
from tests.factories import MembershipFactory, VillageFactory
from tests.lostfound.factories import claim_on, find_in, lost_report_in, staff_of

pytestmark = pytest.mark.django_db


def _user(user: User | None) -> User:
    assert user is not None
    return user


def test_a_find_gets_a_number_and_its_deadline_six_months_after_the_report(village) -> None:
    item = find_in(village)
    second = find_in(village)
    year = timezone.localtime(item.found_at).year
    assert (item.number, second.number) == (f"F-{year}-0001", f"F-{year}-0002")
    assert item.state == FindState.REPORTED
    # the rights end at the village's midnight after the day six months on from the report's
    # local day (whatever the hour of the report: one made at 23:30 counts its own day)
    tz = ZoneInfo(village.timezone)
    last_day = item.reported_at.astimezone(tz).date() + relativedelta(months=6)
    assert item.deadline_at == datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)
    assert timedelta(days=180) < item.deadline_at - item.reported_at <= timedelta(days=185)


def test_a_find_handed_in_by_staff_is_stored_and_goes_to_the_municipality(village) -> None:
    item = find_in(village, finder=staff_of(village))
    assert item.finder is None
    assert item.state == FindState.STORED
    assert item.after_deadline == AfterDeadline.MUNICIPALITY


def test_a_find_in_the_future_is_refused(village) -> None:
    with pytest.raises(ValidationFailed):
        find_in(village, found_at=timezone.now() + timedelta(hours=1))


def test_a_matching_loss_is_told_once_and_never_sees_the_secret_features(
    village, django_capture_on_commit_callbacks
) -> None:
    # given a lost wallet reported near the village centre
    loser = MembershipFactory(village=village)
    with django_capture_on_commit_callbacks(execute=True):
        services.lost_report_create(
            membership=loser,
            category=ItemCategory.WALLET,
            description="Geldbörse",
            lat=village.centre_lat,
            lon=village.centre_lon,
        )
        # when a wallet is found 1 km away, and a phone and a far-away wallet too
        item = find_in(village, lat=village.centre_lat + 0.009, lon=village.centre_lon)
        find_in(village, category=ItemCategory.PHONE)
        find_in(village, lat=village.centre_lat + 0.09, lon=village.centre_lon)  # ~10 km
    # then the loser is told about the one matching find, without its secrets
    notes = Notification.objects.filter(user=loser.user)
    assert notes.count() == 1
    assert item.number in notes.get().body
    assert "Hund" not in notes.get().title + notes.get().body
    assert Match.objects.get().found_item == item


def test_a_loss_reported_after_the_find_matches_too(village, django_capture_on_commit_callbacks):
    item = find_in(village)
    loser = MembershipFactory(village=village)
    with django_capture_on_commit_callbacks(execute=True):
        lost_report_in(village, reporter=loser)
    assert Match.objects.filter(found_item=item).count() == 1


def test_only_staff_decide_a_claim_and_a_granted_claim_reserves_the_find(village) -> None:
    item = find_in(village)
    claim = claim_on(item)
    with pytest.raises(Forbidden):
        services.claim_decide(actor=_user(item.finder), claim_id=claim.pk, grant=True)
    staff = staff_of(village)
    services.claim_decide(actor=staff.user, claim_id=claim.pk, grant=True)
    item.refresh_from_db()
    assert item.state == FindState.CLAIMED
    with pytest.raises(Conflict):
        claim_on(item)


def test_the_finder_cannot_claim_their_own_find(village) -> None:
    item = find_in(village)
    with pytest.raises(ValidationFailed):
        services.claim_create(user=_user(item.finder), found_item_id=item.pk, features="meins")


def test_handover_to_the_owner_needs_a_granted_claim_and_a_checked_identity(village) -> None:
    staff = staff_of(village)
    item = find_in(village, value_cents=600_00)
    with pytest.raises(Conflict):
        services.found_item_hand_over(
            actor=staff.user, found_item_id=item.pk, to=HandoverTo.OWNER, identity_checked=True
        )
    claim = claim_on(item)
    other = claim_on(item)
    services.claim_decide(actor=staff.user, claim_id=claim.pk, grant=True)
    with pytest.raises(ValidationFailed):
        services.found_item_hand_over(actor=staff.user, found_item_id=item.pk, to=HandoverTo.OWNER)
    handover = services.found_item_hand_over(
        actor=staff.user, found_item_id=item.pk, to=HandoverTo.OWNER, identity_checked=True
    )
    assert handover.reward_cents == 28_00
    other.refresh_from_db()
    assert other.state == ClaimState.REJECTED
    with pytest.raises(Conflict):
        services.claim_create(user=_user(other.claimant), found_item_id=item.pk, features="x")


def test_passing_to_the_finder_waits_for_the_deadline(village) -> None:
    staff = staff_of(village)
    item = find_in(village)
    with pytest.raises(Conflict):
        services.found_item_hand_over(actor=staff.user, found_item_id=item.pk, to="finder")


def test_staff_are_reminded_14_days_before_the_deadline_once_and_the_case_moves_on(
    village,
) -> None:
    staff = staff_of(village)
    item = find_in(village)
    before = Notification.objects.filter(user=staff.user).count()  # "new find" reported
    soon = item.deadline_at - timedelta(days=13)
    assert services.deadlines_process(now=soon) == (1, 0)
    assert services.deadlines_process(now=soon + timedelta(hours=1)) == (0, 0)
    assert Notification.objects.filter(user=staff.user).count() == before + 1
    # one minute before midnight nothing moves, at midnight it goes to the finder
    assert services.deadlines_process(now=item.deadline_at - timedelta(minutes=1)) == (0, 0)
    assert services.deadlines_process(now=item.deadline_at) == (0, 1)
    item.refresh_from_db()
    assert item.state == FindState.TO_FINDER
    assert item.handover.to == HandoverTo.FINDER
    assert services.deadlines_process(now=item.deadline_at + timedelta(days=1)) == (0, 0)


def test_a_claimed_find_is_not_passed_on_at_the_deadline(village) -> None:
    staff = staff_of(village)
    item = find_in(village)
    services.claim_decide(actor=staff.user, claim_id=claim_on(item).pk, grant=True)
    assert services.deadlines_process(now=item.deadline_at + timedelta(days=1))[1] == 0


def test_personal_data_of_a_closed_case_is_erased_after_six_months(village) -> None:
    staff = staff_of(village)
    item = find_in(village)
    claim = claim_on(item)
    services.found_item_hand_over(
        actor=staff.user, found_item_id=item.pk, to="disposed", note="verdorben"
    )
    item.refresh_from_db()
    closed_at = item.closed_at
    assert closed_at is not None
    assert services.closed_cases_erase(now=closed_at + timedelta(days=100)) == 0
    assert services.closed_cases_erase(now=closed_at + timedelta(days=190)) == 1
    item.refresh_from_db()
    claim.refresh_from_db()
    assert (item.finder, item.secret_features) == (None, ERASED)
    assert (claim.claimant, claim.features) == (None, ERASED)
    assert item.number  # the record stays
    assert item.category


def test_services_refuse_another_villages_find() -> None:
    item = find_in(VillageFactory())
    outsider = MembershipFactory()
    with pytest.raises(NotFound):
        services.claim_create(user=outsider.user, found_item_id=item.pk, features="x")
    staff = staff_of(outsider.village)
    with pytest.raises(NotFound):
        services.found_item_store(actor=staff.user, found_item_id=item.pk, shelf="A")
    assert FoundItem.objects.get(pk=item.pk).state == FindState.REPORTED

"""Write use-cases for villages: joining, verifying, banning, household addresses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from geopy.distance import geodesic

from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.users.models import Block, User
from dorf.villages.geocoding import GeoPoint, get_geocoder
from dorf.villages.models import (
    AddressEntry,
    Household,
    Membership,
    MembershipState,
    Role,
    Village,
    new_invite_code,
)
from dorf.villages.scoping import require_moderator, require_staff, users_share_a_village
from dorf.villages.signals import membership_banned, membership_verified


def _lock_membership(membership_id: int) -> Membership:
    return (
        Membership.objects.select_for_update()
        .select_related("village", "user")
        .get(pk=membership_id)
    )


def _verify(membership: Membership, *, by: User | None) -> None:
    membership.state = MembershipState.VERIFIED
    membership.verified_at = timezone.now()
    membership.verified_by = by
    membership.save(update_fields=["state", "verified_at", "verified_by", "updated_at"])
    membership_verified.send(sender=Membership, membership=membership)


@transaction.atomic
def village_join(
    *, user: User, village: Village, invite_code: str = "", message: str = ""
) -> Membership:
    """Join with the village's invite code (verified at once) or ask to be verified."""
    code_ok = bool(invite_code) and constant_time_compare(invite_code, village.invite_code)
    if invite_code and not code_ok:
        raise ValidationFailed(fields={"invite_code": [_("This invite code is not valid.")]})
    if code_ok and user.email_confirmed_at is None:
        # The shared code is public: without a confirmed address, anyone could farm
        # accounts (and welcome credits). A moderator can still verify the request.
        raise Forbidden(
            _("Confirm your e-mail address before you join with the invite code."),
            code="email_unconfirmed",
        )
    membership, created = Membership.objects.get_or_create(
        user=user, village=village, defaults={"request_message": message}
    )
    if not created:
        membership = _lock_membership(membership.pk)
        if membership.state == MembershipState.BANNED:
            raise Forbidden(_("You have been banned from this village."), code="banned")
        if membership.state == MembershipState.VERIFIED:
            raise Conflict(_("You are already a member of this village."), code="already_member")
    if code_ok:
        _verify(membership, by=None)
    return membership


@transaction.atomic
def membership_verify(*, actor: Membership, membership_id: int) -> Membership:
    require_moderator(actor)
    membership = _lock_membership(membership_id)
    if membership.state == MembershipState.VERIFIED:
        raise Conflict(_("This member is already verified."), code="already_verified")
    if membership.state == MembershipState.BANNED:
        raise Conflict(_("This member is banned."), code="banned")
    if membership.state == MembershipState.LEFT:
        raise Conflict(_("This account has been erased."), code="erased")
    before = audit.snapshot(membership)
    _verify(membership, by=actor.user)
    audit.record(
        actor=actor.user,
        instance=membership,
        before=before,
        verb="membership_verify",
        village_id=membership.village_id,
        subject_user_id=membership.user_id,
    )
    return membership


@transaction.atomic
def membership_ban(*, actor: Membership, membership_id: int, reason: str) -> Membership:
    """Ban a member: they lose access to everything of the village at once."""
    require_moderator(actor)
    membership = _lock_membership(membership_id)
    if membership.user_id == actor.user_id:
        raise ValidationFailed(_("You cannot ban yourself."), code="self_ban")
    if membership.role != Role.RESIDENT and actor.role != Role.STAFF:
        raise Forbidden(_("Only municipality staff can ban moderators or staff."))
    if membership.state == MembershipState.BANNED:
        raise Conflict(_("This member is already banned."), code="already_banned")
    before = audit.snapshot(membership)
    membership.state = MembershipState.BANNED
    membership.banned_at = timezone.now()
    membership.ban_reason = reason
    membership.save(update_fields=["state", "banned_at", "ban_reason", "updated_at"])
    audit.record(
        actor=actor.user,
        instance=membership,
        before=before,
        verb="membership_ban",
        village_id=membership.village_id,
        subject_user_id=membership.user_id,
        reason=reason,
    )
    membership_banned.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def village_rotate_invite_code(*, actor: Membership) -> Village:
    require_moderator(actor)
    village = Village.objects.select_for_update().get(pk=actor.village_id)
    before = audit.snapshot(village)
    village.invite_code = new_invite_code()
    village.save(update_fields=["invite_code", "updated_at"])
    # The code itself is a secret: the entry says that it changed, not to what.
    audit.record(
        actor=actor.user,
        instance=village,
        before=before,
        verb="village_rotate_invite_code",
        village_id=village.pk,
        changes={"invite_code": ["…", "…"]},
    )
    return village


def _normalise_street(street: str) -> str:
    return " ".join(street.split())


def address_locate(*, village: Village, street: str, house_number: str, postcode: str) -> GeoPoint:
    """Coordinates of an address: the village register first, then the geocoder.

    Runs outside any transaction: a geocoder may take a second or more.
    """
    entry = AddressEntry.objects.filter(
        village=village, street__iexact=street, house_number__iexact=house_number
    ).first()
    if entry is not None:
        return GeoPoint(entry.latitude, entry.longitude)
    query = f"{street} {house_number}, {postcode} {village.name}".replace(" ,", ",")
    point = get_geocoder().geocode(" ".join(query.split()))
    if point is None:
        raise ValidationFailed(_("This address is unknown in the village."), code="address_unknown")
    return point


def ensure_inside_village(*, village: Village, latitude: float, longitude: float) -> None:
    distance_m = geodesic((village.centre_lat, village.centre_lon), (latitude, longitude)).meters
    if distance_m > village.radius_m:
        raise ValidationFailed(
            _("This address lies outside the village (%(km).1f km from its centre).")
            % {"km": distance_m / 1000},
            code="outside_village",
        )


def household_set_address(
    *, membership: Membership, street: str, house_number: str, postcode: str = ""
) -> Household:
    """Move the member into the household at this address (created when new)."""
    street = _normalise_street(street)
    house_number = house_number.strip()
    village = membership.village
    point = address_locate(
        village=village, street=street, house_number=house_number, postcode=postcode
    )
    ensure_inside_village(village=village, latitude=point.latitude, longitude=point.longitude)
    with transaction.atomic():
        household, _created = Household.objects.get_or_create(
            village=village,
            street=street,
            house_number=house_number,
            defaults={
                "postcode": postcode,
                "latitude": point.latitude,
                "longitude": point.longitude,
            },
        )
        previous_id = membership.household_id
        Membership.objects.filter(pk=membership.pk).update(household=household)
        membership.household = household
        if previous_id and previous_id != household.pk:
            household_delete_if_empty(household_id=previous_id)
    return household


def household_delete_if_empty(*, household_id: int) -> None:
    """A household nobody lives in any more is personal data without a purpose."""
    Household.objects.filter(pk=household_id, memberships__isnull=True).delete()


def block_create(*, blocker: User, blocked_id: int) -> Block:
    """Block a neighbour. Only people one shares a village with can be found (else 404)."""
    if blocked_id == blocker.pk:
        raise ValidationFailed(fields={"user_id": [_("You cannot block yourself.")]})
    if not users_share_a_village(blocker, blocked_id):
        raise NotFound()
    block, _created = Block.objects.get_or_create(blocker=blocker, blocked_id=blocked_id)
    return block


def block_delete(*, blocker: User, blocked_id: int) -> None:
    deleted, _details = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if not deleted:
        raise NotFound()


@dataclass(frozen=True)
class AddressRow:
    """One line of an address register import (``line`` for the error report)."""

    line: int
    street: str
    house_number: str
    postcode: str
    latitude: float
    longitude: float


@dataclass
class AddressImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@transaction.atomic
def address_register_import(
    *, actor: Membership, rows: Sequence[AddressRow]
) -> AddressImportResult:
    """Add or update the village's address register (staff). A row outside the village is
    reported with its line and skipped; the other rows are imported."""
    require_staff(actor)
    village = actor.village
    result = AddressImportResult()
    for row in rows:
        street = _normalise_street(row.street)
        house_number = row.house_number.strip()
        if not street or not house_number:
            result.errors.append((row.line, _("Street and house number are required.")))
            continue
        try:
            ensure_inside_village(village=village, latitude=row.latitude, longitude=row.longitude)
        except ValidationFailed as exc:
            result.errors.append((row.line, str(exc.message)))
            continue
        _entry, created = AddressEntry.objects.update_or_create(
            village=village,
            street=street,
            house_number=house_number,
            defaults={
                "postcode": row.postcode.strip(),
                "latitude": row.latitude,
                "longitude": row.longitude,
            },
        )
        if created:
            result.created += 1
        else:
            result.updated += 1
    return result

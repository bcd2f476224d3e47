"""Write use-cases of the Branchenverzeichnis: staff keep entries, members claim them,
owners edit their own. Every change to an entry is recorded by django-auditlog with the
acting user as its actor."""

from __future__ import annotations

from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.core.privacy import ERASED
from dorf.directory import hours, locks
from dorf.directory.models import ClaimState, DirectoryEntry, OwnershipClaim, pickup_point_model
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role
from dorf.villages.scoping import require_member, require_staff

# What an owner or staff may change; the rest (village, owner, archived) has its own service.
EDITABLE = (
    "name",
    "category",
    "description",
    "address",
    "latitude",
    "longitude",
    "phone",
    "email",
    "website",
    "opening_hours",
    "delivers",
    "pickup_point_id",
)


def _clean(fields: dict[str, Any], *, village_id: int) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            fields={name: [_("This field is not accepted here.")] for name in unknown}
        )
    if fields.get("opening_hours"):
        try:
            fields["opening_hours"] = hours.validate(fields["opening_hours"] or "")
        except hours.InvalidOpeningHours as exc:
            raise ValidationFailed(
                _("The opening hours are not valid OpenStreetMap opening_hours syntax."),
                code="invalid_opening_hours",
                fields={"opening_hours": [str(exc)]},
            ) from None
    if ("latitude" in fields) != ("longitude" in fields) or (
        (fields.get("latitude") is None) != (fields.get("longitude") is None)
    ):
        raise ValidationFailed(fields={"latitude": [_("Give both coordinates or neither.")]})
    pickup_point_id = fields.get("pickup_point_id")
    if pickup_point_id is not None and not _pickup_point_in_village(pickup_point_id, village_id):
        raise ValidationFailed(
            fields={"pickup_point_id": [_("There is no such pickup point in this village.")]}
        )
    return fields


def _pickup_point_in_village(pickup_point_id: int, village_id: int) -> bool:
    model = pickup_point_model()
    return bool(model._default_manager.filter(pk=pickup_point_id, village_id=village_id).exists())


def _duplicate_name() -> Conflict:
    return Conflict(_("There is already an entry with this name."), code="duplicate")


@transaction.atomic
def entry_create(*, actor: User, village_id: int, **fields: Any) -> DirectoryEntry:
    """Staff add a business (or a service, a doctor, a mobile sales stop) to the directory."""
    require_staff(require_member(actor, village_id))
    fields = _clean(fields, village_id=village_id)
    try:
        with transaction.atomic(), set_actor(actor):
            return DirectoryEntry.objects.create(village_id=village_id, **fields)
    except IntegrityError:
        raise _duplicate_name() from None


@transaction.atomic
def entry_update(*, actor: User, entry_id: int, **fields: Any) -> DirectoryEntry:
    """Staff or the entry's owner change it; visible at once, recorded in its history."""
    entry = locks.entry_for(actor, entry_id)
    membership = require_member(actor, entry.village_id)
    if membership.role != Role.STAFF and entry.owner_id != actor.pk:
        raise Forbidden(_("Only the owner or the town hall can change this entry."))
    fields = _clean(fields, village_id=entry.village_id)
    if not fields:
        return entry
    for name, value in fields.items():
        setattr(entry, name, value)
    try:
        with transaction.atomic(), set_actor(actor):
            entry.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        raise _duplicate_name() from None
    return entry


@transaction.atomic
def entry_archive(*, actor: User, entry_id: int) -> DirectoryEntry:
    """Staff take an entry out of the directory (it stays in the history)."""
    entry = locks.entry_for(actor, entry_id)
    require_staff(require_member(actor, entry.village_id))
    entry.archived_at = timezone.now()
    with set_actor(actor):
        entry.save(update_fields=["archived_at", "updated_at"])
    OwnershipClaim.objects.filter(entry=entry, state=ClaimState.PENDING).update(
        state=ClaimState.REJECTED, decided_by=actor, decided_at=entry.archived_at
    )
    return entry


@transaction.atomic
def claim_create(*, user: User, entry_id: int, message: str = "") -> OwnershipClaim:
    """A verified member claims an entry as theirs; the town hall is told and decides."""
    entry = locks.entry_for(user, entry_id)
    membership = require_member(user, entry.village_id)
    if entry.owner_id == user.pk:
        raise Conflict(_("This entry is yours already."), code="already_owner")
    try:
        with transaction.atomic():
            claim = OwnershipClaim.objects.create(entry=entry, claimant=user, message=message)
    except IntegrityError:
        raise Conflict(_("You have claimed this entry already."), code="duplicate") from None
    staff = [
        m.user
        for m in Membership.objects.filter(
            village_id=entry.village_id, role=Role.STAFF, state=MembershipState.VERIFIED
        ).select_related("user")
    ]
    notify_many(
        recipients=staff,
        category=Category.VILLAGE,
        title=gettext_lazy("%(name)s claims the entry %(entry)s"),
        body=message,
        params={"name": membership.user.display_name, "entry": entry.name},
        village=entry.village,
        link_type="directory_claim",
        link_id=claim.pk,
    )
    return claim


@transaction.atomic
def claim_decide(*, actor: User, claim_id: int, confirm: bool) -> OwnershipClaim:
    """Staff confirm a claim (the claimant becomes the owner; other pending claims on the
    entry are rejected) or reject it. The claimant is told either way."""
    claim = locks.claim_for(actor, claim_id)
    entry = locks.entry_for(actor, claim.entry_id)
    require_staff(require_member(actor, entry.village_id))
    if claim.state != ClaimState.PENDING:
        raise Conflict(_("This claim has been decided already."), code="decided")
    before = audit.snapshot(claim)
    now = timezone.now()
    claim.state = ClaimState.CONFIRMED if confirm else ClaimState.REJECTED
    claim.decided_by = actor
    claim.decided_at = now
    claim.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    audit.record(
        actor=actor,
        instance=claim,
        before=before,
        verb="directory_claim_confirm" if confirm else "directory_claim_reject",
        village_id=entry.village_id,
        subject_user_id=claim.claimant_id,
    )
    if confirm:
        entry.owner = claim.claimant
        with set_actor(actor):
            entry.save(update_fields=["owner", "updated_at"])
        OwnershipClaim.objects.filter(entry=entry, state=ClaimState.PENDING).exclude(
            pk=claim.pk
        ).update(state=ClaimState.REJECTED, decided_by=actor, decided_at=now)
    notify_many(
        recipients=[claim.claimant],
        category=Category.VILLAGE,
        title=(
            gettext_lazy("You now manage the entry %(entry)s")
            if confirm
            else gettext_lazy("Your claim on %(entry)s was not confirmed")
        ),
        params={"entry": entry.name},
        village=entry.village,
        link_type="directory_entry",
        link_id=entry.pk,
    )
    return claim


@transaction.atomic
def erase_user(user: User) -> None:
    """GDPR erasure: the user no longer owns entries (the business stays in the directory,
    it is not personal data) and their claims lose their message."""
    for entry in DirectoryEntry.objects.filter(owner=user):
        entry.owner = None
        entry.save(update_fields=["owner", "updated_at"])
    OwnershipClaim.objects.filter(claimant=user).exclude(message="").update(message=ERASED)
    # The entries' history keeps what was changed, not by whom (auditlog stores the e-mail).
    LogEntry.objects.filter(
        actor=user, content_type=ContentType.objects.get_for_model(DirectoryEntry)
    ).update(actor=None, actor_email=None)

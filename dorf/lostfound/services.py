"""Write use-cases of the Fundbüro: report a find or a loss, correct it, add photos,
claim, decide, hand over, and the periodic work the law asks for (deadline reminders,
passing items on, erasure).

Photos are re-encoded (slow) before the transaction; their files are written inside it
and removed again if it fails, and a deleted photo's file goes only after the commit."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import IO
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from geopy.distance import geodesic

from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.photos import photo_prepare
from dorf.core.privacy import ERASED
from dorf.lostfound import law, locks
from dorf.lostfound.models import (
    CLOSED_STATES,
    OPEN_STATES,
    AfterDeadline,
    Claim,
    ClaimState,
    FindState,
    FoundItem,
    FoundItemPhoto,
    Handover,
    HandoverTo,
    ItemCategory,
    LostReport,
    Match,
    Storage,
)
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role, Village
from dorf.villages.scoping import require_member, require_staff

logger = logging.getLogger(__name__)

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MATCH_RADIUS_M = 5_000
# How far before the find a loss may have happened and still match (a day's slack for
# "lost yesterday evening, found this morning" reported with dates only).
MATCH_SLACK = timedelta(days=1)
STAFF_REMINDER_BEFORE = timedelta(days=14)
ERASE_AFTER_CLOSING = timedelta(days=183)
COARSE_DEGREES = 3  # ~100 m: a find's or a loss's spot is stored coarse


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COARSE_DEGREES)


def _village_tz(village: Village) -> ZoneInfo:
    return ZoneInfo(village.timezone)


def _staff_of(village_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            village_id=village_id, role=Role.STAFF, state=MembershipState.VERIFIED
        ).select_related("user")
    ]


def _next_number(village: Village, year: int) -> str:
    prefix = f"F-{year}-"
    last = (
        FoundItem.objects.filter(village=village, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _validate_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        raise ValidationFailed(fields={"lat": [_("Give both coordinates or neither.")]})


def found_item_report(
    *,
    membership: Membership,
    category: str,
    description: str,
    secret_features: str,
    found_at: datetime,
    found_place: str,
    value_cents: int,
    after_deadline: str = AfterDeadline.FINDER,
    storage: str = Storage.FINDER,
    finder_anonymous: bool = True,
    lat: float | None = None,
    lon: float | None = None,
) -> FoundItem:
    """A resident reports a find (they are the finder), or town-hall staff record a find
    handed in by someone who stays unknown (no finder; kept at the town hall)."""
    now = timezone.now()
    if found_at > now:
        raise ValidationFailed(fields={"found_at": [_("The find cannot be in the future.")]})
    if found_at < now - timedelta(days=366):
        raise ValidationFailed(fields={"found_at": [_("The find is more than a year ago.")]})
    _validate_coordinates(lat, lon)
    by_staff = membership.role == Role.STAFF
    finder = None if by_staff else membership.user
    if finder is None:
        storage = Storage.TOWN_HALL
        # With no finder to take it, the municipality does (§ 976 I).
        after_deadline = AfterDeadline.MUNICIPALITY
    village = membership.village
    deadline = law.owner_rights_end(
        found_at=found_at, reported_at=now, value_cents=value_cents, tz=_village_tz(village)
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                item = FoundItem.objects.create(
                    village=village,
                    number=_next_number(village, found_at.astimezone(_village_tz(village)).year),
                    category=category,
                    description=description,
                    secret_features=secret_features,
                    found_at=found_at,
                    found_place=found_place,
                    found_lat=_coarse(lat),
                    found_lon=_coarse(lon),
                    value_cents=value_cents,
                    storage=storage,
                    finder=finder,
                    finder_anonymous=finder_anonymous,
                    after_deadline=after_deadline,
                    reported_by=membership.user,
                    reported_at=now,
                    deadline_at=deadline,
                    state=FindState.STORED if storage == Storage.TOWN_HALL else FindState.REPORTED,
                )
                transaction.on_commit(partial(_match_found_item, item.pk))
                if by_staff:
                    # The counter's intake is a staff action; a resident's own report is not.
                    audit.record(
                        actor=membership.user,
                        instance=item,
                        before={},
                        verb="found_item_report",
                        village_id=village.pk,
                    )
                else:
                    notify_many(
                        recipients=_staff_of(village.pk),
                        category=Category.VILLAGE,
                        title=gettext_lazy("New find reported: %(number)s"),
                        body=description,
                        params={"number": item.number},
                        village=village,
                        link_type="found_item",
                        link_id=item.pk,
                    )
                return item
        except IntegrityError:
            # Two finds numbered at once in the same village: the loser takes the next number.
            continue
    raise Conflict(_("Please try again."), code="busy")


@transaction.atomic
def found_item_store(*, actor: User, found_item_id: int, shelf: str) -> FoundItem:
    """The town hall takes the item into its keeping."""
    item = locks.found_item_for(actor, found_item_id)
    require_staff(require_member(actor, item.village_id))
    if item.state not in OPEN_STATES:
        raise Conflict(_("This case is closed."), code="closed")
    before = audit.snapshot(item)
    item.storage = Storage.TOWN_HALL
    item.shelf = shelf
    if item.state == FindState.REPORTED:
        item.state = FindState.STORED
    item.save(update_fields=["storage", "shelf", "state", "updated_at"])
    audit.record(
        actor=actor,
        instance=item,
        before=before,
        verb="found_item_store",
        village_id=item.village_id,
        subject_user_id=item.finder_id,
    )
    return item


# --- correcting a find, its photos ------------------------------------------------------------


def _require_editor(actor: User, item: FoundItem) -> None:
    """Staff of the village and the finder may correct an open find and its photos."""
    membership = require_member(actor, item.village_id)
    if membership.role != Role.STAFF and item.finder_id != actor.pk:
        raise Forbidden()
    if item.state not in OPEN_STATES:
        raise Conflict(_("This case is closed."), code="closed")


def _refuse_id_document_photo(item: FoundItem) -> None:
    if item.category == ItemCategory.ID_DOCUMENT:
        raise Conflict(
            _("Finds of ID documents take no photos: a photo would be a copy of the document."),
            code="id_document_photo",
        )


def _delete_photo_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete the file of a find's photo", exc_info=True)


def _delete_photos(photos: Iterable[FoundItemPhoto]) -> int:
    """Delete the rows now and the files once the transaction has committed (a rollback
    must not leave rows pointing at deleted files)."""
    photos = list(photos)
    if not photos:
        return 0
    names = [str(p.image.name) for p in photos]
    FoundItemPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
    transaction.on_commit(partial(_delete_photo_files, names))
    return len(photos)


@transaction.atomic
def found_item_update(
    *,
    actor: User,
    found_item_id: int,
    category: str | None = None,
    description: str | None = None,
    secret_features: str | None = None,
    found_place: str | None = None,
) -> FoundItem:
    """Staff or the finder correct an open find. A find that turns out to be an ID
    document loses its photos in the same step: the town hall keeps no copy of a
    passport, and reclassifying must not wait for someone to delete them one by one."""
    item = locks.found_item_for(actor, found_item_id)
    _require_editor(actor, item)
    changed: list[str] = []
    for name, value in (
        ("category", category),
        ("description", description),
        ("secret_features", secret_features),
        ("found_place", found_place),
    ):
        if value is not None and getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name)
    if not changed:
        return item
    before = audit.snapshot(item)
    photos_deleted = 0
    if item.category == ItemCategory.ID_DOCUMENT:
        photos_deleted = _delete_photos(FoundItemPhoto.objects.filter(found_item=item))
    item.save(update_fields=[*changed, "updated_at"])
    if item.finder_id != actor.pk:  # the finder correcting their own report is no staff action
        audit.record(
            actor=actor,
            instance=item,
            before=before,
            verb="found_item_update",
            village_id=item.village_id,
            subject_user_id=item.finder_id,
            extra={"photos_deleted": photos_deleted} if photos_deleted else None,
        )
    if "category" in changed:
        transaction.on_commit(partial(_match_found_item, item.pk))
    return item


def found_item_photo_add(
    *, actor: User, found_item_id: int, upload: IO[bytes], size: int
) -> FoundItemPhoto:
    """Staff or the finder add a photo (at most five, never of an ID document). The
    upload is checked and re-encoded without EXIF first, outside the transaction; the
    rules are checked again under the find's lock, which a change of category takes too."""
    item = locks.found_item_for(actor, found_item_id, lock=False)
    _require_editor(actor, item)
    _refuse_id_document_photo(item)
    prepared = photo_prepare(upload, size=size, max_bytes=MAX_PHOTO_BYTES)
    stored = ""
    try:
        with transaction.atomic():
            item = locks.found_item_for(actor, found_item_id)
            _require_editor(actor, item)
            _refuse_id_document_photo(item)
            if FoundItemPhoto.objects.filter(found_item=item).count() >= MAX_PHOTOS:
                raise ValidationFailed(
                    fields={"image": [_("At most %(n)d photos per find.") % {"n": MAX_PHOTOS}]},
                    code="too_many_photos",
                )
            photo = FoundItemPhoto(found_item=item, width=prepared.width, height=prepared.height)
            photo.image.save(prepared.content.name or "photo.jpg", prepared.content, save=False)
            stored = str(photo.image.name)
            photo.save()
            FoundItem.objects.filter(pk=item.pk).update(updated_at=timezone.now())
            if item.finder_id != actor.pk:  # the finder's own photo is no staff action
                audit.record(
                    actor=actor,
                    instance=photo,
                    before={},
                    verb="found_item_photo_add",
                    village_id=item.village_id,
                    subject_user_id=item.finder_id,
                )
    except BaseException:
        if stored:
            _delete_photo_files([stored])
        raise
    return photo


@transaction.atomic
def found_item_photo_delete(*, actor: User, found_item_id: int, photo_id: int) -> None:
    item = locks.found_item_for(actor, found_item_id)
    _require_editor(actor, item)
    photo = FoundItemPhoto.objects.filter(found_item=item, pk=photo_id).first()
    if photo is None:
        raise NotFound()
    if item.finder_id != actor.pk:  # the finder's own photo is no staff action
        audit.record_deletion(
            actor=actor,
            instance=photo,
            verb="found_item_photo_delete",
            village_id=item.village_id,
            subject_user_id=item.finder_id,
        )
    _delete_photos([photo])


@transaction.atomic
def lost_report_create(
    *,
    membership: Membership,
    category: str,
    description: str,
    lost_from: date | None = None,
    lost_until: date | None = None,
    lost_place: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> LostReport:
    today = timezone.localdate(timezone=_village_tz(membership.village))
    start = lost_from or today
    end = lost_until or today
    if end < start:
        raise ValidationFailed(
            fields={"lost_until": [_("The end must not be before the start.")]},
            code="dates_order",
        )
    if end > today:
        raise ValidationFailed(fields={"lost_until": [_("A loss cannot be in the future.")]})
    _validate_coordinates(lat, lon)
    report = LostReport.objects.create(
        village=membership.village,
        reporter=membership.user,
        category=category,
        description=description,
        lost_from=start,
        lost_until=end,
        lost_place=lost_place,
        lost_lat=_coarse(lat),
        lost_lon=_coarse(lon),
    )
    transaction.on_commit(partial(_match_lost_report, report.pk))
    return report


@transaction.atomic
def lost_report_close(*, user: User, report_id: int) -> LostReport:
    report = locks.lost_report_for(user, report_id)
    if report.reporter_id != user.pk:
        raise Forbidden()
    if report.closed_at is None:
        report.closed_at = timezone.now()
        report.save(update_fields=["closed_at", "updated_at"])
    return report


def matches(item: FoundItem, report: LostReport) -> bool:
    """Same category, the find on or after the loss, and both within 5 km (when both
    places are known)."""
    if item.category != report.category or item.village_id != report.village_id:
        return False
    tz = _village_tz(item.village)
    found_day = item.found_at.astimezone(tz).date()
    if not (report.lost_from - MATCH_SLACK <= found_day <= report.lost_until + timedelta(days=60)):
        return False
    if None in (item.found_lat, item.found_lon, report.lost_lat, report.lost_lon):
        return True
    distance_m: float = geodesic(
        (item.found_lat, item.found_lon), (report.lost_lat, report.lost_lon)
    ).meters
    return distance_m <= MATCH_RADIUS_M


def _record_matches(pairs: list[tuple[FoundItem, LostReport]]) -> None:
    """Store new matches and tell each loser once; never the secret features."""
    for item, report in pairs:
        with transaction.atomic():
            _match, created = Match.objects.get_or_create(lost_report=report, found_item=item)
            if not created:
                continue
            notify_many(
                recipients=[report.reporter],
                category=Category.VILLAGE,
                title=gettext_lazy("A find may be yours: %(description)s"),
                body=gettext_lazy(
                    "The lost and found office has %(number)s (%(place)s). Describe its "
                    "features in a claim if it is yours."
                ),
                params={
                    "description": item.description,
                    "number": item.number,
                    "place": item.found_place,
                },
                village=item.village,
                link_type="found_item",
                link_id=item.pk,
            )


def _match_found_item(item_id: int) -> None:
    item = FoundItem.objects.select_related("village").get(pk=item_id)
    reports = LostReport.objects.filter(
        village=item.village_id, category=item.category, closed_at=None
    ).select_related("reporter")
    _record_matches([(item, report) for report in reports if matches(item, report)])


def _match_lost_report(report_id: int) -> None:
    report = LostReport.objects.select_related("reporter").get(pk=report_id)
    items = FoundItem.objects.filter(
        village=report.village_id, category=report.category, state__in=OPEN_STATES
    ).select_related("village")
    _record_matches([(item, report) for item in items if matches(item, report)])


@transaction.atomic
def claim_create(*, user: User, found_item_id: int, features: str) -> Claim:
    """Someone says the find is theirs and describes what only the owner knows."""
    item = locks.found_item_for(user, found_item_id)
    if item.state not in (FindState.REPORTED, FindState.STORED):
        raise Conflict(_("This find can no longer be claimed."), code="not_claimable")
    if item.finder_id == user.pk:
        raise ValidationFailed(_("You found it yourself."), code="own_find")
    try:
        with transaction.atomic():
            claim = Claim.objects.create(found_item=item, claimant=user, features=features)
    except IntegrityError as exc:
        raise Conflict(_("You have claimed this find already."), code="already_claimed") from exc
    notify_many(
        recipients=_staff_of(item.village_id),
        category=Category.VILLAGE,
        title=gettext_lazy("New claim for %(number)s"),
        params={"number": item.number},
        village=item.village,
        link_type="found_item",
        link_id=item.pk,
    )
    return claim


@transaction.atomic
def claim_withdraw(*, user: User, claim_id: int) -> Claim:
    claim = locks.claim_for(user, claim_id)
    if claim.claimant_id != user.pk:
        raise Forbidden()
    if claim.state != ClaimState.PENDING:
        raise Conflict(_("The town hall has decided already."), code="decided")
    claim.state = ClaimState.WITHDRAWN
    claim.save(update_fields=["state", "updated_at"])
    return claim


@transaction.atomic
def claim_decide(*, actor: User, claim_id: int, grant: bool, note: str = "") -> Claim:
    """Staff compare the claimant's description with the secret features. Only staff
    grant a claim; a granted claim reserves the find for its owner's handover."""
    claim = locks.claim_for(actor, claim_id)
    item = FoundItem.objects.select_for_update().get(pk=claim.found_item_id)
    require_staff(require_member(actor, item.village_id))
    if claim.state != ClaimState.PENDING:
        raise Conflict(_("This claim is decided already."), code="decided")
    if grant and item.state not in (FindState.REPORTED, FindState.STORED):
        raise Conflict(_("This find can no longer be claimed."), code="not_claimable")
    before = audit.snapshot(claim)
    claim.state = ClaimState.GRANTED if grant else ClaimState.REJECTED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_note = note
    claim.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    audit.record(
        actor=actor,
        instance=claim,
        before=before,
        verb="claim_grant" if grant else "claim_reject",
        village_id=item.village_id,
        subject_user_id=claim.claimant_id,
        reason=note,
    )
    if grant:
        item.state = FindState.CLAIMED
        item.save(update_fields=["state", "updated_at"])
    if claim.claimant is not None:
        notify_many(
            recipients=[claim.claimant],
            category=Category.VILLAGE,
            title=(
                gettext_lazy("Your claim for %(number)s was granted: please come to the town hall.")
                if grant
                else gettext_lazy("Your claim for %(number)s was not granted.")
            ),
            body=note,
            params={"number": item.number},
            village=item.village,
            link_type="found_item",
            link_id=item.pk,
        )
    return claim


@transaction.atomic
def found_item_hand_over(
    *,
    actor: User,
    found_item_id: int,
    to: str,
    identity_checked: bool = False,
    fee_cents: int = 0,
    note: str = "",
) -> Handover:
    """Close the case: to the owner (a granted claim and a checked identity; the finder's
    reward by § 971 is recorded), to the finder or the municipality (only once the owner's
    rights have ended), or disposed of (with a reason)."""
    item = locks.found_item_for(actor, found_item_id)
    require_staff(require_member(actor, item.village_id))
    if item.state not in OPEN_STATES:
        raise Conflict(_("This case is closed."), code="closed")
    now = timezone.now()
    claim = None
    before = audit.snapshot(item)
    reward = 0
    if to == HandoverTo.OWNER:
        claim = Claim.objects.filter(found_item=item, state=ClaimState.GRANTED).first()
        if claim is None:
            raise Conflict(_("No claim has been granted for this find."), code="no_granted_claim")
        if not identity_checked:
            raise ValidationFailed(
                fields={"identity_checked": [_("Check the owner's identity first.")]},
                code="identity_not_checked",
            )
        if item.finder_id is not None:
            reward = law.finders_reward_cents(
                item.value_cents, animal=item.category == ItemCategory.ANIMAL
            )
        item.state = FindState.HANDED_OVER
    elif to in (HandoverTo.FINDER, HandoverTo.MUNICIPALITY):
        if now < item.deadline_at:
            raise Conflict(_("The owner's rights have not ended yet."), code="deadline_not_reached")
        if to == HandoverTo.FINDER and item.finder_id is None:
            raise ValidationFailed(fields={"to": [_("This find has no known finder.")]})
        item.state = FindState.TO_FINDER if to == HandoverTo.FINDER else FindState.TO_MUNICIPALITY
    else:
        if not note.strip():
            raise ValidationFailed(fields={"note": [_("Say why the item is disposed of.")]})
        item.state = FindState.DISPOSED
    item.closed_at = now
    item.save(update_fields=["state", "closed_at", "updated_at"])
    Claim.objects.filter(found_item=item, state=ClaimState.PENDING).update(
        state=ClaimState.REJECTED, decided_by=actor, decided_at=now
    )
    audit.record(
        actor=actor,
        instance=item,
        before=before,
        verb="found_item_hand_over",
        village_id=item.village_id,
        subject_user_id=item.finder_id,
        reason=note,
    )
    return Handover.objects.create(
        found_item=item,
        to=to,
        claim=claim,
        identity_checked=identity_checked,
        reward_cents=reward,
        fee_cents=fee_cents,
        staff=actor,
        note=note,
    )


def deadlines_process(*, now: datetime | None = None) -> tuple[int, int]:
    """Remind staff 14 days before an owner's rights end, and pass on the items whose
    deadline has passed (to the finder or the municipality, as the finder chose).
    Returns (reminders sent, items passed on). Each step is guarded, so a second run or
    a parallel worker does nothing twice."""
    now = now or timezone.now()
    reminded = 0
    due = FoundItem.objects.filter(
        state__in=OPEN_STATES,
        deadline_reminder_sent_at=None,
        deadline_at__lte=now + STAFF_REMINDER_BEFORE,
        deadline_at__gt=now,
    ).values_list("pk", flat=True)
    for item_id in list(due):
        with transaction.atomic():
            if not FoundItem.objects.filter(pk=item_id, deadline_reminder_sent_at=None).update(
                deadline_reminder_sent_at=now
            ):
                continue
            item = FoundItem.objects.select_related("village").get(pk=item_id)
            local = item.deadline_at.astimezone(_village_tz(item.village))
            notify_many(
                recipients=_staff_of(item.village_id),
                category=Category.VILLAGE,
                title=gettext_lazy("Deadline of %(number)s on %(date)s"),
                body=gettext_lazy("Then the owner's rights end: %(to)s."),
                params={
                    "number": item.number,
                    "date": (local - timedelta(days=1)).strftime("%d.%m.%Y"),
                    "to": AfterDeadline(item.after_deadline).label,
                },
                village=item.village,
                link_type="found_item",
                link_id=item.pk,
            )
            reminded += 1
    passed = 0
    expired = FoundItem.objects.filter(
        state__in=(FindState.REPORTED, FindState.STORED), deadline_at__lte=now
    ).values_list("pk", flat=True)
    for item_id in list(expired):
        with transaction.atomic():
            locked = (
                FoundItem.objects.select_for_update(of=("self",))
                .filter(pk=item_id, state__in=(FindState.REPORTED, FindState.STORED))
                .select_related("village", "finder")
                .first()
            )
            if locked is None:  # claimed or closed meanwhile
                continue
            item = locked
            to_finder = item.after_deadline == AfterDeadline.FINDER and item.finder is not None
            item.state = FindState.TO_FINDER if to_finder else FindState.TO_MUNICIPALITY
            item.closed_at = now
            item.save(update_fields=["state", "closed_at", "updated_at"])
            Claim.objects.filter(found_item=item, state=ClaimState.PENDING).update(
                state=ClaimState.REJECTED, decided_at=now
            )
            Handover.objects.create(
                found_item=item,
                to=HandoverTo.FINDER if to_finder else HandoverTo.MUNICIPALITY,
                note=_("The owner's rights ended (§ 973 BGB)."),
            )
            if to_finder and item.finder is not None:
                notify_many(
                    recipients=[item.finder],
                    category=Category.VILLAGE,
                    title=gettext_lazy("%(number)s is yours now"),
                    body=gettext_lazy("Nobody claimed your find in six months (§ 973 BGB)."),
                    params={"number": item.number},
                    village=item.village,
                    link_type="found_item",
                    link_id=item.pk,
                )
            passed += 1
    return reminded, passed


@transaction.atomic
def closed_cases_erase(*, now: datetime | None = None) -> int:
    """Personal data of cases closed more than six months ago is erased, photos with it;
    the case itself (number, category, dates, outcome) stays for the municipality's
    records."""
    now = now or timezone.now()
    items = FoundItem.objects.filter(
        state__in=CLOSED_STATES,
        closed_at__lte=now - ERASE_AFTER_CLOSING,
        personal_data_erased_at=None,
    )
    ids = list(items.values_list("pk", flat=True))
    if not ids:
        return 0
    Claim.objects.filter(found_item_id__in=ids).update(
        claimant=None, features=ERASED, decision_note=""
    )
    Handover.objects.filter(found_item_id__in=ids).update(note="")
    Match.objects.filter(found_item_id__in=ids).delete()
    # A photo may show more than the item (a name tag, a face in a phone's lock screen).
    _delete_photos(FoundItemPhoto.objects.filter(found_item_id__in=ids))
    return FoundItem.objects.filter(pk__in=ids).update(
        finder=None,
        reported_by=None,
        secret_features=ERASED,
        found_lat=None,
        found_lon=None,
        personal_data_erased_at=now,
    )


def erase_user(user: User) -> None:
    """GDPR erasure of one person: their losses go, their claims and finds lose them."""
    LostReport.objects.filter(reporter=user).delete()
    Claim.objects.filter(claimant=user).update(claimant=None, features=ERASED)
    FoundItem.objects.filter(finder=user).update(finder=None)
    FoundItem.objects.filter(reported_by=user).update(reported_by=None)

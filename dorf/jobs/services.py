"""Write use-cases of the job offers: staff register publishers and their members, those
members post, change and withdraw offers, residents apply in the chat, and a periodic
task archives offers whose last day has passed (in the village's time zone)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.chat import services as chat_services
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.jobs import locks
from dorf.jobs.models import (
    JobApplication,
    JobOffer,
    JobPublisher,
    JobPublisherMember,
    JobState,
)
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role, Village
from dorf.villages.scoping import require_member, require_staff

DEFAULT_VALIDITY = timedelta(days=60)
MAX_VALIDITY = timedelta(days=366)
APPLICATION_SUBJECT = "job_application"

EDITABLE = (
    "title",
    "employer",
    "description",
    "employment_type",
    "street_address",
    "postal_code",
    "locality",
    "latitude",
    "longitude",
    "hours_per_week",
    "salary_min_cents",
    "salary_max_cents",
    "salary_unit",
    "start_date",
    "valid_through",
    "apply_via_chat",
    "apply_url",
    "apply_email",
)


def local_today(village: Village) -> date:
    return timezone.localdate(timezone=ZoneInfo(village.timezone))


# --- publishers ---------------------------------------------------------------------------


@transaction.atomic
def publisher_register(
    *, actor: User, village_id: int, name: str, kind: str, website: str = ""
) -> JobPublisher:
    """Staff register an organisation of the village as a publisher of job offers."""
    require_staff(require_member(actor, village_id))
    try:
        with transaction.atomic():
            publisher = JobPublisher.objects.create(
                village_id=village_id, name=name, kind=kind, website=website
            )
    except IntegrityError:
        raise Conflict(
            _("There is already a publisher with this name."), code="duplicate"
        ) from None
    audit.record(
        actor=actor,
        instance=publisher,
        before={},
        verb="job_publisher_register",
        village_id=village_id,
    )
    return publisher


@transaction.atomic
def publisher_member_add(*, actor: User, publisher_id: int, user_id: int) -> JobPublisherMember:
    """Staff let a verified member of the village post for the publisher."""
    publisher = locks.publisher_for(actor, publisher_id)
    require_staff(require_member(actor, publisher.village_id))
    if not Membership.objects.filter(
        user_id=user_id, village_id=publisher.village_id, state=MembershipState.VERIFIED
    ).exists():
        raise ValidationFailed(fields={"user_id": [_("Not a verified member of this village.")]})
    member, created = JobPublisherMember.objects.get_or_create(publisher=publisher, user_id=user_id)
    if created:
        audit.record(
            actor=actor,
            instance=member,
            before={},
            verb="job_publisher_member_add",
            village_id=publisher.village_id,
            subject_user_id=user_id,
        )
    return member


# --- offers -------------------------------------------------------------------------------


def _require_poster(actor: User, publisher: JobPublisher) -> None:
    membership = require_member(actor, publisher.village_id)
    if membership.role == Role.STAFF:
        return
    if not JobPublisherMember.objects.filter(publisher=publisher, user=actor).exists():
        raise Forbidden(_("Only the publisher's members or the town hall can do this."))


def _record_if_not_own(actor: User, job: JobOffer, *, before: audit.Values, verb: str) -> None:
    """Audit a change to someone else's offer (staff, or another member of the publisher);
    the person who posted it changing their own offer is not a staff action."""
    if job.posted_by_id == actor.pk:
        return
    audit.record(
        actor=actor,
        instance=job,
        before=before,
        verb=verb,
        village_id=job.village_id,
        subject_user_id=job.posted_by_id,
    )


def _check(job: JobOffer) -> None:
    """The rules of a complete offer, checked on the merged values (create and update)."""
    today = local_today(job.village)
    errors: dict[str, list[str]] = {}
    if job.valid_through < today:
        errors["valid_through"] = [_("The last day cannot be in the past.")]
    elif job.valid_through > today + MAX_VALIDITY:
        errors["valid_through"] = [_("An offer can run for a year at most.")]
    if job.start_date is not None and job.start_date > job.valid_through + MAX_VALIDITY:
        errors["start_date"] = [_("The start is too far away.")]
    if (job.latitude is None) != (job.longitude is None):
        errors["latitude"] = [_("Give both coordinates or neither.")]
    low, high = job.salary_min_cents, job.salary_max_cents
    if low is not None and high is not None and low > high:
        errors["salary_max"] = [_("The upper end must not be below the lower end.")]
    if (low is not None or high is not None) and not job.salary_unit:
        errors["salary_unit"] = [_("Say whether the salary is per hour, month or year.")]
    if not (job.apply_via_chat or job.apply_url or job.apply_email):
        errors["apply_via_chat"] = [_("Give at least one way to apply.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def job_create(*, actor: User, publisher_id: int, **fields: Any) -> JobOffer:
    """A publisher's member (or staff) posts an offer; it is published at once."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            fields={name: [_("This field is not accepted here.")] for name in unknown}
        )
    publisher = locks.publisher_for(actor, publisher_id)
    _require_poster(actor, publisher)
    village = publisher.village
    fields.setdefault("employer", publisher.name)
    fields.setdefault("locality", village.name)
    if fields.get("valid_through") is None:
        fields["valid_through"] = local_today(village) + DEFAULT_VALIDITY
    job = JobOffer(
        village=village,
        publisher=publisher,
        posted_by=actor,
        contact=actor,
        published_at=timezone.now(),
        **fields,
    )
    _check(job)
    job.save()
    return job


@transaction.atomic
def job_update(*, actor: User, job_id: int, **fields: Any) -> JobOffer:
    job = locks.job_for(actor, job_id)
    _require_poster(actor, job.publisher)
    if job.state != JobState.PUBLISHED:
        raise Conflict(_("This offer is archived."), code="archived")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            fields={name: [_("This field is not accepted here.")] for name in unknown}
        )
    if "valid_through" in fields and fields["valid_through"] is None:
        raise ValidationFailed(fields={"valid_through": [_("An offer needs a last day.")]})
    before = audit.snapshot(job)
    for name, value in fields.items():
        setattr(job, name, value)
    _check(job)
    job.save(update_fields=[*fields, "updated_at"])
    _record_if_not_own(actor, job, before=before, verb="job_update")
    return job


@transaction.atomic
def job_archive(*, actor: User, job_id: int) -> JobOffer:
    """The publisher withdraws an offer (it leaves the list and the public page)."""
    job = locks.job_for(actor, job_id)
    _require_poster(actor, job.publisher)
    if job.state == JobState.PUBLISHED:
        before = audit.snapshot(job)
        job.state = JobState.ARCHIVED
        job.archived_at = timezone.now()
        job.save(update_fields=["state", "archived_at", "updated_at"])
        _record_if_not_own(actor, job, before=before, verb="job_archive")
    return job


def jobs_archive_expired() -> int:
    """Archive every published offer whose last day has passed in its village's time
    zone. One guarded UPDATE per time zone: a second worker archives nothing twice."""
    now = timezone.now()
    archived = 0
    zones = (
        JobOffer.objects.filter(state=JobState.PUBLISHED)
        .values_list("village__timezone", flat=True)
        .distinct()
    )
    for zone in list(zones):
        today = timezone.localdate(now, timezone=ZoneInfo(zone))
        archived += JobOffer.objects.filter(
            state=JobState.PUBLISHED, village__timezone=zone, valid_through__lt=today
        ).update(state=JobState.ARCHIVED, archived_at=now, updated_at=now)
    return archived


# --- applying -----------------------------------------------------------------------------


@transaction.atomic
def job_apply(*, user: User, job_id: int, text: str) -> JobApplication:
    """Apply in the chat: opens (or continues) the applicant's room with the offer's
    contact person and sends ``text`` there, through the chat's own service (persist
    before announce, blocks, rate limit)."""
    job = locks.job_for(user, job_id)
    require_member(user, job.village_id)
    if job.state != JobState.PUBLISHED:
        raise Conflict(_("This offer is archived."), code="archived")
    if not job.apply_via_chat:
        raise Conflict(_("This offer takes applications by link or e-mail."), code="no_chat")
    contact = job.contact or job.posted_by
    if (
        contact is None
        or not Membership.objects.filter(
            user=contact, village_id=job.village_id, state=MembershipState.VERIFIED
        ).exists()
    ):
        raise Conflict(_("Nobody answers for this offer at the moment."), code="no_contact")
    if contact.pk == user.pk:
        raise ValidationFailed(_("You cannot apply to your own offer."), code="own_offer")
    application, _created = JobApplication.objects.get_or_create(job=job, applicant=user)
    if application.room_id is None:
        room = chat_services.room_for_subject(
            village=job.village,
            subject_type=APPLICATION_SUBJECT,
            subject_id=application.pk,
            title=job.title,
            members=[contact, user],
        )
        JobApplication.objects.filter(pk=application.pk).update(room=room)
        application.room = room
    assert application.room_id is not None
    chat_services.message_send(
        user=user,
        room_id=application.room_id,
        text=text,
        client_msg_id=f"job-{uuid.uuid4().hex}",
    )
    return application


@transaction.atomic
def erase_user(user: User) -> None:
    """GDPR erasure: offers stay (they are the organisation's) without the person; the
    applications' chat rooms are the chat app's to erase."""
    JobOffer.objects.filter(posted_by=user).update(posted_by=None)
    JobOffer.objects.filter(contact=user).update(contact=None)
    JobPublisherMember.objects.filter(user=user).delete()
    JobApplication.objects.filter(applicant=user).delete()

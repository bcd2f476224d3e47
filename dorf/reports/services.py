"""Write use-cases of the Mängelmelder.

Every service validates, locks (``locks.py``, scoped to the village), writes, and
schedules its side effects (notifications, e-mails) with ``transaction.on_commit``.
Slow work — re-encoding photos, geocoding an address — runs before the transaction.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from geopy.distance import geodesic

from dorf.chat import services as chat_services
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.photos import PreparedPhoto, photo_prepare
from dorf.reports import notices
from dorf.reports.locks import lock_report, lock_reports
from dorf.reports.models import (
    LIST_DATATYPES,
    MAX_DESCRIPTION_CHARS,
    MAX_PHOTOS,
    OPEN_STATUSES,
    RESOLUTIONS,
    ApiKey,
    Datatype,
    Forwarding,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportSupporter,
    ReportUpdate,
    ServiceAttribute,
    ServiceCategory,
    UpdateKind,
    allowed_next,
)
from dorf.reports.ratelimit import check_rate, reporter_key
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role, Village
from dorf.villages.scoping import require_staff
from dorf.villages.services import address_locate

logger = logging.getLogger(__name__)

REOPEN_WINDOW = timedelta(days=14)
ANONYMISE_AFTER = timedelta(days=90)
ERASED = "[gelöscht]"
CHAT_SUBJECT = "problem_report"


# --- categories -------------------------------------------------------------------------------


def _clean_attributes(raw: Sequence[Mapping[str, Any]]) -> list[ServiceAttribute]:
    attributes: list[ServiceAttribute] = []
    codes: set[str] = set()
    for index, item in enumerate(raw, start=1):
        datatype = item["datatype"]
        values = list(item.get("values") or [])
        if datatype in LIST_DATATYPES and not values:
            raise ValidationFailed(
                fields={"attributes": [_("A choice needs at least one value.")]},
                code="values_missing",
            )
        if item["code"] in codes:
            raise ValidationFailed(
                fields={"attributes": [_("Each attribute code may appear only once.")]},
                code="duplicate_code",
            )
        codes.add(item["code"])
        attributes.append(
            ServiceAttribute(
                code=item["code"],
                description=item["description"],
                datatype=datatype,
                datatype_description=item.get("datatype_description", ""),
                required=bool(item.get("required", False)),
                variable=bool(item.get("variable", True)),
                order=index,
                values=[{"key": str(v["key"]), "name": str(v["name"])} for v in values],
            )
        )
    return attributes


def _check_forwarding(category: ServiceCategory) -> None:
    if category.forwarding == Forwarding.EMAIL and not category.forward_email:
        raise ValidationFailed(
            fields={"forward_email": [_("E-mail forwarding needs an address.")]},
            code="forward_email_missing",
        )


@transaction.atomic
def category_create(
    *,
    actor: Membership,
    code: str,
    name: str,
    responsible_team: str,
    description: str = "",
    group: str = "",
    keywords: str = "",
    service_notice: str = "",
    forwarding: str = Forwarding.DORF,
    forward_email: str = "",
    attributes: Sequence[Mapping[str, Any]] = (),
) -> ServiceCategory:
    """A new category of the staff member's village, with its extra questions."""
    require_staff(actor)
    category = ServiceCategory(
        village_id=actor.village_id,
        code=code,
        name=name,
        responsible_team=responsible_team,
        description=description,
        group=group,
        keywords=keywords,
        service_notice=service_notice,
        forwarding=forwarding,
        forward_email=forward_email,
    )
    _check_forwarding(category)
    cleaned = _clean_attributes(attributes)
    if ServiceCategory.objects.filter(village_id=actor.village_id, code=code).exists():
        raise Conflict(_("A category with this code exists already."), code="code_taken")
    category.save()
    for attribute in cleaned:
        attribute.category = category
    ServiceAttribute.objects.bulk_create(cleaned)
    audit.record(
        actor=actor.user,
        instance=category,
        before={},
        verb="report_category_create",
        village_id=actor.village_id,
    )
    return category


@transaction.atomic
def category_update(
    *,
    actor: Membership,
    code: str,
    attributes: Sequence[Mapping[str, Any]] | None = None,
    **changes: Any,
) -> ServiceCategory:
    """Change a category; ``attributes`` (when given) replace its questions.

    Reports keep the answers they were filed with.
    """
    require_staff(actor)
    category = (
        ServiceCategory.objects.select_for_update()
        .filter(village_id=actor.village_id, code=code)
        .first()
    )
    if category is None:
        raise NotFound()
    before = audit.snapshot(category)
    allowed = {
        "name",
        "responsible_team",
        "description",
        "group",
        "keywords",
        "service_notice",
        "forwarding",
        "forward_email",
        "active",
    }
    for field, value in changes.items():
        if field not in allowed:
            raise ValidationFailed(fields={field: [_("This field is not accepted here.")]})
        setattr(category, field, value)
    _check_forwarding(category)
    category.save()
    if attributes is not None:
        cleaned = _clean_attributes(attributes)
        category.attributes.all().delete()
        for attribute in cleaned:
            attribute.category = category
        ServiceAttribute.objects.bulk_create(cleaned)
    audit.record(
        actor=actor.user,
        instance=category,
        before=before,
        verb="report_category_update",
        village_id=actor.village_id,
        extra={"questions_replaced": attributes is not None},
    )
    return category


# --- API keys -----------------------------------------------------------------------------------


def api_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_issue(*, actor: Membership, name: str) -> tuple[ApiKey, str]:
    """A new Open311 key for a third-party client of the village; the raw key is returned
    once and only its hash is stored."""
    require_staff(actor)
    raw = secrets.token_urlsafe(30)
    key = ApiKey.objects.create(
        village_id=actor.village_id,
        name=name,
        prefix=raw[:8],
        key_hash=api_key_hash(raw),
        created_by=actor.user,
    )
    audit.record(
        actor=actor.user,
        instance=key,
        before={},
        verb="api_key_issue",
        village_id=actor.village_id,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, actor: Membership, key_id: int) -> ApiKey:
    require_staff(actor)
    key = ApiKey.objects.select_for_update().filter(village_id=actor.village_id, pk=key_id).first()
    if key is None:
        raise NotFound()
    if key.revoked_at is None:
        before = audit.snapshot(key)
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor.user,
            instance=key,
            before=before,
            verb="api_key_revoke",
            village_id=actor.village_id,
        )
    return key


# --- filing a report -------------------------------------------------------------------------------


def _field_error(field: str, message: str, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(fields={field: [message]}, code=code)


def _clean_answers(category: ServiceCategory, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check the answers against the category's attributes (the Open311 definition)."""
    attributes = {a.code: a for a in category.attributes.all() if a.variable}
    unknown = sorted(set(answers) - set(attributes))
    if unknown:
        raise _field_error(
            f"attribute[{unknown[0]}]", _("This category has no such attribute."), "unknown"
        )
    cleaned: dict[str, Any] = {}
    for code, attribute in attributes.items():
        field = f"attribute[{code}]"
        value = answers.get(code)
        if "\x00" in str(value):  # PostgreSQL stores no NUL, not even inside JSON
            raise _field_error(field, _("Null characters are not allowed."))
        if value in (None, "", []):
            if attribute.required:
                raise _field_error(field, _("This answer is required."), "required")
            continue
        keys = {str(v["key"]) for v in attribute.values}
        if attribute.datatype == Datatype.MULTIVALUELIST:
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) and v in keys for v in values):
                raise _field_error(field, _("Choose from the listed values."), "invalid_choice")
            cleaned[code] = [str(v) for v in values]
            continue
        if not isinstance(value, str):
            raise _field_error(field, _("Give a single value."))
        if attribute.datatype == Datatype.SINGLEVALUELIST and value not in keys:
            raise _field_error(field, _("Choose from the listed values."), "invalid_choice")
        if attribute.datatype == Datatype.NUMBER:
            try:
                float(value)
            except ValueError:
                raise _field_error(field, _("Give a number.")) from None
        if attribute.datatype == Datatype.DATETIME and parse_w3c_datetime(value) is None:
            raise _field_error(field, _("Give a date and time like 2027-03-28T14:30:00+02:00."))
        if attribute.datatype == Datatype.STRING and ("\n" in value or len(value) > 300):
            raise _field_error(field, _("One line of at most 300 characters."))
        if len(value) > 2000:
            raise _field_error(field, _("At most 2000 characters."))
        cleaned[code] = value
    return cleaned


def parse_w3c_datetime(value: str) -> datetime | None:
    """An ISO 8601 date-time with a time zone (the W3C note), or None."""
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def ensure_inside(*, village: Village, latitude: float, longitude: float, field: str) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _field_error(field, _("These are not coordinates on earth."), "outside_village")
    distance_m = geodesic((village.centre_lat, village.centre_lon), (latitude, longitude)).meters
    if distance_m > village.radius_m:
        raise _field_error(
            field,
            _("This place lies outside the village (%(km).1f km from its centre).")
            % {"km": distance_m / 1000},
            "outside_village",
        )


def _locate(
    *,
    village: Village,
    latitude: float | None,
    longitude: float | None,
    address: str,
    photos: Sequence[PreparedPhoto],
) -> tuple[float, float]:
    """The report's point: given coordinates, else the address (register, then geocoder),
    else the GPS position of the first photo that has one."""
    if (latitude is None) != (longitude is None):
        raise _field_error("lat", _("Give both latitude and longitude."), "location_incomplete")
    if latitude is not None and longitude is not None:
        ensure_inside(village=village, latitude=latitude, longitude=longitude, field="lat")
        return latitude, longitude
    if address.strip():
        street, _sep, number = address.strip().rpartition(" ")
        point = address_locate(
            village=village,
            street=street or number,
            house_number=number if street else "",
            postcode="",
        )
        ensure_inside(
            village=village, latitude=point.latitude, longitude=point.longitude, field="address"
        )
        return point.latitude, point.longitude
    for photo in photos:
        if photo.gps is not None:
            ensure_inside(
                village=village, latitude=photo.gps[0], longitude=photo.gps[1], field="lat"
            )
            return photo.gps
    raise _field_error(
        "lat", _("Give the place: coordinates, an address or a photo with GPS."), "location_missing"
    )


def _prepare_photos(uploads: Sequence[tuple[IO[bytes], int]]) -> list[PreparedPhoto]:
    if len(uploads) > MAX_PHOTOS:
        raise _field_error(
            "photos", _("At most %(n)d photos per report.") % {"n": MAX_PHOTOS}, "too_many_photos"
        )
    return [photo_prepare(upload, size=size) for upload, size in uploads]


def report_create(
    *,
    village: Village,
    category_code: str,
    description: str,
    latitude: float | None = None,
    longitude: float | None = None,
    address: str = "",
    public: bool = True,
    reporter: Membership | None = None,
    reporter_email: str = "",
    reporter_name: str = "",
    api_key: ApiKey | None = None,
    answers: Mapping[str, Any] | None = None,
    uploads: Sequence[tuple[IO[bytes], int]] = (),
    external_media_url: str = "",
) -> Report:
    """File a report: by a verified member of ``village`` (``reporter``) or, through an
    Open311 key of this village, by someone known only by e-mail.

    Photos are re-encoded and the address geocoded before the transaction; nothing is
    written unless everything is valid (stored photo files are removed again on failure).
    """
    if reporter is not None:
        if reporter.village_id != village.pk or reporter.state != MembershipState.VERIFIED:
            raise NotFound()
    elif api_key is None or api_key.village_id != village.pk or api_key.revoked_at is not None:
        raise Forbidden()
    elif not reporter_email:
        raise _field_error("email", _("An e-mail address is required."), "email_missing")
    try:  # get(): (village, code) is unique
        category = ServiceCategory.objects.prefetch_related("attributes").get(
            village=village, code=category_code, active=True
        )
    except ServiceCategory.DoesNotExist:
        raise _field_error(
            "service_code", _("This category does not exist."), "unknown_service"
        ) from None
    description = description.strip()
    if not description:
        raise _field_error("description", _("Describe the problem."), "required")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise _field_error(
            "description",
            _("At most %(n)d characters.") % {"n": MAX_DESCRIPTION_CHARS},
            "too_long",
        )
    cleaned_answers = _clean_answers(category, answers or {})
    photos = _prepare_photos(uploads)
    point = _locate(
        village=village, latitude=latitude, longitude=longitude, address=address, photos=photos
    )
    if api_key is not None:
        check_rate(
            scope="key",
            ident=api_key.key_hash[:32],  # not the id: counters outlive a recreated database
            limit=settings.DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR,
        )
    check_rate(
        scope="reporter",
        ident=reporter_key(
            user_id=reporter.user_id if reporter is not None else None, email=reporter_email
        ),
        limit=settings.DORF_REPORTS_PER_REPORTER_PER_HOUR,
    )
    stored: list[str] = []
    try:
        report = _report_insert(
            village=village,
            category=category,
            description=description,
            point=point,
            address=address.strip()[:250],
            public=public,
            reporter=reporter.user if reporter is not None else None,
            reporter_email=reporter_email if reporter is None else "",
            reporter_name=reporter_name[:120],
            api_key=api_key,
            answers=cleaned_answers,
            photos=photos,
            stored=stored,
            external_media_url=external_media_url,
        )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return report


@transaction.atomic
def _report_insert(
    *,
    village: Village,
    category: ServiceCategory,
    description: str,
    point: tuple[float, float],
    address: str,
    public: bool,
    reporter: User | None,
    reporter_email: str,
    reporter_name: str,
    api_key: ApiKey | None,
    answers: dict[str, Any],
    photos: Sequence[PreparedPhoto],
    stored: list[str],
    external_media_url: str,
) -> Report:
    report = Report.objects.create(
        village=village,
        category=category,
        description=description,
        latitude=point[0],
        longitude=point[1],
        address=address,
        public=public,
        reporter=reporter,
        reporter_email=reporter_email,
        reporter_name=reporter_name,
        api_key=api_key,
        attributes=answers,
        external_media_url=external_media_url,
    )
    for prepared in photos:
        photo = ReportPhoto(report=report, width=prepared.width, height=prepared.height)
        photo.image.save(prepared.content.name or "photo.jpg", prepared.content, save=False)
        stored.append(str(photo.image.name))
        photo.save()
    ReportUpdate.objects.create(
        report=report, author=reporter, kind=UpdateKind.STATUS, new_status=ReportStatus.RECEIVED
    )
    notices.new_report_on_commit(report)
    return report


# --- residents: me too, reopen ------------------------------------------------------------------


@transaction.atomic
def report_support(*, membership: Membership, report_id: int) -> Report:
    """ "Me too": the member is notified of the report's changes like its reporter."""
    if not membership.is_verified:
        raise NotFound()
    report = lock_report(village_id=membership.village_id, report_id=report_id)
    if not report.public and report.reporter_id != membership.user_id:
        raise NotFound()
    if report.status not in OPEN_STATUSES:
        raise Conflict(_("This report is already resolved."), code="not_open")
    if report.reporter_id == membership.user_id:
        raise Conflict(_("This is your own report."), code="own_report")
    ReportSupporter.objects.get_or_create(report=report, user=membership.user)
    return report


def can_reopen(report: Report, user_id: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        report.reporter_id == user_id
        and report.status in (ReportStatus.FIXED, ReportStatus.CLOSED)
        and report.fixed_at is not None
        and now - report.fixed_at <= REOPEN_WINDOW
    )


@transaction.atomic
def report_reopen(*, membership: Membership, report_id: int, note: str = "") -> Report:
    """The reporter answers "not fixed" within 14 days of "fixed": the report is open
    (confirmed) again and the village's staff are told."""
    if not membership.is_verified:
        raise NotFound()
    report = lock_report(village_id=membership.village_id, report_id=report_id)
    if report.reporter_id != membership.user_id:
        if not report.public:
            raise NotFound()
        raise Forbidden(_("Only the reporter can reopen a report."), code="not_reporter")
    if not can_reopen(report, membership.user_id):
        raise Conflict(
            _("A report can be reopened only within 14 days after it was fixed."),
            code="reopen_window_over",
        )
    old = report.status
    report.status = ReportStatus.CONFIRMED
    report.fixed_at = None
    report.closed_at = None
    report.reopened_count += 1
    report.status_notes = note[:1000]
    report.save()
    ReportUpdate.objects.create(
        report=report,
        author=membership.user,
        kind=UpdateKind.REOPEN,
        old_status=old,
        new_status=report.status,
        note=note[:1000],
    )
    notices.reopened_on_commit(report)
    return report


# --- staff -------------------------------------------------------------------------------------------


def _apply_status(report: Report, status: str, now: datetime) -> None:
    report.status = status
    if status == ReportStatus.FIXED:
        report.fixed_at = now
    elif status != ReportStatus.CLOSED:
        report.fixed_at = None
    if status in OPEN_STATUSES:
        report.closed_at = None
    elif report.closed_at is None or status == ReportStatus.CLOSED:
        report.closed_at = now


@transaction.atomic
def report_status_change(
    *, actor: Membership, report_id: int, status: str, note: str = ""
) -> Report:
    """Move a report along the chain (``models.allowed_next``); the reporter and every
    supporter are notified. A duplicate is marked with ``report_merge``."""
    require_staff(actor)
    report = lock_report(village_id=actor.village_id, report_id=report_id)
    if status == ReportStatus.DUPLICATE:
        raise ValidationFailed(
            fields={"status": [_("Mark duplicates by merging them into the original.")]},
            code="use_merge",
        )
    if status not in allowed_next(report.status):
        raise Conflict(
            _("A report cannot go from %(old)s to %(new)s.")
            % {"old": ReportStatus(report.status).label, "new": ReportStatus(status).label},
            code="invalid_transition",
        )
    before = audit.snapshot(report)
    old = report.status
    _apply_status(report, status, timezone.now())
    report.status_notes = note[:1000]
    report.save()
    ReportUpdate.objects.create(
        report=report,
        author=actor.user,
        kind=UpdateKind.STATUS,
        old_status=old,
        new_status=status,
        note=note[:1000],
    )
    notices.status_changed_on_commit(report, actor_user_id=actor.user_id)
    audit.record(
        actor=actor.user,
        instance=report,
        before=before,
        verb="report_status_change",
        village_id=report.village_id,
        subject_user_id=report.reporter_id,
        reason=note[:1000],
    )
    return report


def _staff_of(village_id: int, user_id: int) -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(
            village_id=village_id, user_id=user_id, role=Role.STAFF, state=MembershipState.VERIFIED
        )
        .first()
    )
    if membership is None:
        raise _field_error("assignee_id", _("Not a staff member of this village."), "not_staff")
    return membership.user


@transaction.atomic
def report_assign(*, actor: Membership, report_id: int, assignee_id: int | None) -> Report:
    require_staff(actor)
    report = lock_report(village_id=actor.village_id, report_id=report_id)
    assignee = _staff_of(actor.village_id, assignee_id) if assignee_id is not None else None
    before = audit.snapshot(report)
    report.assigned_to = assignee
    report.save(update_fields=["assigned_to", "updated_at"])
    audit.record(
        actor=actor.user,
        instance=report,
        before=before,
        verb="report_assign",
        village_id=report.village_id,
        subject_user_id=report.reporter_id,
    )
    ReportUpdate.objects.create(
        report=report,
        author=actor.user,
        kind=UpdateKind.ASSIGN,
        note=assignee.display_name if assignee is not None else "",
        public=False,
    )
    if assignee is not None and assignee.pk != actor.user_id:
        notices.assigned_on_commit(report, assignee)
    return report


@transaction.atomic
def report_merge(*, actor: Membership, report_id: int, into_id: int, note: str = "") -> Report:
    """Mark ``report_id`` a duplicate of ``into_id``: its reporter and supporters become
    supporters of the original (and hear about it from then on)."""
    require_staff(actor)
    if report_id == into_id:
        raise _field_error("into_id", _("A report cannot duplicate itself."), "same_report")
    locked = lock_reports(village_id=actor.village_id, report_ids=[report_id, into_id])
    report, original = locked[report_id], locked[into_id]
    if original.status == ReportStatus.DUPLICATE:
        raise _field_error(
            "into_id", _("Merge into the original, not into a duplicate."), "is_duplicate"
        )
    if (
        report.status not in (*OPEN_STATUSES, *RESOLUTIONS)
        or report.status == ReportStatus.DUPLICATE
    ):
        raise Conflict(_("This report cannot be merged any more."), code="not_mergeable")
    before = audit.snapshot(report)
    old = report.status
    report.duplicate_of = original
    _apply_status(report, ReportStatus.DUPLICATE, timezone.now())
    report.status_notes = note[:1000] or _("Duplicate of report #%(id)d.") % {"id": original.pk}
    report.save()
    people = set(ReportSupporter.objects.filter(report=report).values_list("user_id", flat=True))
    if report.reporter_id is not None:
        people.add(report.reporter_id)
    people.discard(original.reporter_id)
    ReportSupporter.objects.bulk_create(
        [ReportSupporter(report=original, user_id=user_id) for user_id in sorted(people)],
        ignore_conflicts=True,
    )
    ReportUpdate.objects.create(
        report=report,
        author=actor.user,
        kind=UpdateKind.MERGE,
        old_status=old,
        new_status=ReportStatus.DUPLICATE,
        note=report.status_notes,
    )
    audit.record(
        actor=actor.user,
        instance=report,
        before=before,
        verb="report_merge",
        village_id=report.village_id,
        subject_user_id=report.reporter_id,
        reason=note[:1000],
    )
    notices.status_changed_on_commit(report, actor_user_id=actor.user_id)
    return report


@transaction.atomic
def report_reply(*, actor: Membership, report_id: int, text: str) -> ReportUpdate:
    """A private message from staff to the reporter: in a chat room of the two (a member),
    or by e-mail (an Open311 reporter known by e-mail)."""
    require_staff(actor)
    report = lock_report(village_id=actor.village_id, report_id=report_id)
    text = text.strip()
    if not text:
        raise _field_error("text", _("A reply cannot be empty."), "required")
    if report.reporter is None and not report.reporter_email:
        raise Conflict(_("This report has no reporter to reply to."), code="no_reporter")
    update = ReportUpdate.objects.create(
        report=report, author=actor.user, kind=UpdateKind.REPLY, note=text[:1000], public=False
    )
    if report.reporter is not None:
        room = chat_services.room_for_subject(
            village=report.village,
            subject_type=CHAT_SUBJECT,
            subject_id=report.pk,
            title=_("Report #%(id)d") % {"id": report.pk},
            members=[report.reporter, actor.user],
        )
        chat_services.message_send(
            user=actor.user, room_id=room.pk, text=text, client_msg_id=f"report-reply-{update.pk}"
        )
    else:
        notices.reply_email_on_commit(report, text)
    return update


@transaction.atomic
def photo_approve(*, actor: Membership, report_id: int, photo_id: int) -> ReportPhoto:
    require_staff(actor)
    report = lock_report(village_id=actor.village_id, report_id=report_id)
    photo = ReportPhoto.objects.filter(report=report, pk=photo_id).first()
    if photo is None:
        raise NotFound()
    if photo.approved_at is None:
        before = audit.snapshot(photo)
        photo.approved_at = timezone.now()
        photo.save(update_fields=["approved_at"])
        audit.record(
            actor=actor.user,
            instance=photo,
            before=before,
            verb="photo_approve",
            village_id=report.village_id,
            subject_user_id=report.reporter_id,
        )
    return photo


# --- privacy -----------------------------------------------------------------------------------------


def _delete_photo_files(photos: Iterable[ReportPhoto]) -> None:
    for photo in photos:
        try:
            photo.image.delete(save=False)
        except OSError:
            logger.warning("could not delete a report photo file", exc_info=True)


@transaction.atomic
def reports_anonymise_closed(*, now: datetime | None = None) -> int:
    """Drop the personal data of reports closed more than 90 days ago: the reporter's
    account link, e-mail and name, and the supporters. The report itself stays (the
    village's record of what was broken and fixed)."""
    now = now or timezone.now()
    due = Report.objects.filter(
        closed_at__lte=now - ANONYMISE_AFTER, anonymised_at__isnull=True
    ).exclude(status__in=OPEN_STATUSES)
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return 0
    ReportSupporter.objects.filter(report_id__in=ids).delete()
    ReportUpdate.objects.filter(report_id__in=ids, kind=UpdateKind.REPLY).update(note=ERASED)
    return Report.objects.filter(pk__in=ids).update(
        reporter=None, reporter_email="", reporter_name="", anonymised_at=now
    )


def erase_reporter(*, user: User) -> None:
    """GDPR erasure: the user's reports lose their link, words and photos."""
    mine = Report.objects.filter(reporter=user)
    photos = list(ReportPhoto.objects.filter(report__in=mine))
    with transaction.atomic():
        ReportPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
        ReportUpdate.objects.filter(author=user).exclude(note="").update(note=ERASED)
        ReportSupporter.objects.filter(user=user).delete()
        mine.update(description=ERASED, reporter=None, reporter_name="", status_notes="")
    transaction.on_commit(lambda: _delete_photo_files(photos))

"""Write use-cases of the warnings: village keys, ingesting CAP messages, check-ins.

The rules of a message (``message_ingest``):

1. only ``status=Actual`` and ``scope=Public`` are published (Test, Exercise, System,
   Draft and restricted messages are dropped);
2. a message is stored once under its canonical identifier: seen again, or from a second
   source, it changes nothing (the unique identifier is the guard: two pollers racing
   on the same message — the loser's insert fails and it pushes nothing);
3. an Update or Cancel joins the warning of the message it references and supersedes
   its content; a Cancel ends the warning with one all-clear ("Entwarnung") to the
   villages that were pushed the warning;
4. a message reaches a village when its area intersects the village's (shapely) or,
   lacking geometry, its geocodes name the village's ARS or warn cell;
5. Extreme/Severe: pushed at once with high urgency (quiet hours do not apply);
   Moderate: a normal push; Minor/Unknown: listed and in the feed, not pushed.
   ``WarningPush`` (unique per message and village) records each push.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from dorf.core import audit
from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.core.hooks import help_requested
from dorf.core.realtime import send_to_users_on_commit
from dorf.notifications.models import Category, Urgency
from dorf.notifications.services import moderators_of, notify_many, notify_moderators
from dorf.users.models import User
from dorf.villages.models import MembershipState, Village
from dorf.villages.scoping import require_member, require_staff
from dorf.warnings import geo
from dorf.warnings.cap import CapError, ParsedMessage
from dorf.warnings.models import (
    CheckIn,
    CheckInAnswer,
    MsgType,
    OfficialWarning,
    Severity,
    WarningArea,
    WarningMessage,
    WarningPush,
    WarningVillage,
)

logger = logging.getLogger(__name__)

HIGH = "high"
NORMAL = "normal"
CHECKIN_RETENTION = timedelta(days=30)


# --- village keys ---------------------------------------------------------------------------


def validate_ars(ars: str) -> str:
    """12 digits: Land (01 to 16), Regierungsbezirk, Kreis, Verband, Gemeinde."""
    ars = ars.strip()
    if len(ars) != 12 or not ars.isdigit():
        raise ValidationFailed(fields={"ars": [_("The ARS has exactly 12 digits.")]}, code="ars")
    if not 1 <= int(ars[:2]) <= 16:
        raise ValidationFailed(
            fields={"ars": [_("The ARS must start with a federal state (01 to 16).")]},
            code="ars",
        )
    if ars[2:5] == "000":
        raise ValidationFailed(
            fields={"ars": [_("The ARS must name at least a district.")]}, code="ars"
        )
    return ars


def _validate_area(area: dict[str, Any] | None) -> dict[str, Any] | None:
    if area is None:
        return None
    if area.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationFailed(fields={"area": [_("The area must be a GeoJSON polygon.")]})
    try:
        geometry = geo.geometry_of(area)
    except CapError:
        raise ValidationFailed(fields={"area": [_("The area is not a valid polygon.")]}) from None
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValidationFailed(fields={"area": [_("The area must be in WGS84 degrees.")]})
    return area


@transaction.atomic
def warning_area_set(
    *,
    actor: User,
    village_id: int,
    ars: str,
    warn_cells: list[str] | None = None,
    area: dict[str, Any] | None = None,
) -> WarningArea:
    require_staff(require_member(actor, village_id))
    cells = sorted({str(cell).strip() for cell in warn_cells or [] if str(cell).strip()})
    if any(not cell.isdigit() or len(cell) != 9 for cell in cells):
        raise ValidationFailed(fields={"warn_cells": [_("A DWD warn cell id has 9 digits.")]})
    existing = WarningArea.objects.filter(village_id=village_id).first()
    before = audit.snapshot(existing) if existing is not None else {}
    found, _created = WarningArea.objects.update_or_create(
        village_id=village_id,
        defaults={"ars": validate_ars(ars), "warn_cells": cells, "area": _validate_area(area)},
    )
    audit.record(
        actor=actor,
        instance=found,
        before=before,
        verb="warning_area_set",
        village_id=village_id,
    )
    return found


def _village_shape(area: WarningArea) -> Any:
    if area.area:
        return geo.geometry_of(area.area)
    village = area.village
    return geo.circle(village.centre_lat, village.centre_lon, village.radius_m)


def villages_reached(message: ParsedMessage) -> list[int]:
    """The ids of the villages a message's area or geocodes reach."""
    reached = []
    warning_shape = geo.geometry_of(message.geometry) if message.geometry else None
    for area in WarningArea.objects.select_related("village").order_by("village_id"):
        if warning_shape is not None:
            hit = warning_shape.intersects(_village_shape(area))
        else:
            hit = geo.geocodes_match(message.geocodes, ars=area.ars, warn_cells=area.warn_cells)
        if hit:
            reached.append(area.village_id)
    return reached


# --- ingesting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    stored: bool
    reason: str = ""  # why not: "not_public", "duplicate"
    warning_id: int | None = None
    pushes: int = 0  # village pushes made (each to all residents of one village)


def push_urgency(severity: str) -> str | None:
    if severity in (Severity.EXTREME, Severity.SEVERE):
        return HIGH
    if severity == Severity.MODERATE:
        return NORMAL
    return None


def message_ingest(*, message: ParsedMessage, now: datetime | None = None) -> IngestResult:
    """Apply the rules of the module docstring to one parsed message."""
    if message.status != "Actual" or message.scope != "Public":
        return IngestResult(stored=False, reason="not_public")
    if WarningMessage.objects.filter(identifier=message.identifier).exists():
        return IngestResult(stored=False, reason="duplicate")
    # Geometry work is outside the transaction (it does not need one).
    reached = villages_reached(message) if message.msg_type != MsgType.CANCEL else []
    try:
        with transaction.atomic():
            return _store(message, reached, now or timezone.now())
    except IntegrityError:
        # Another poller stored the same message a moment ago: it did the pushes.
        return IngestResult(stored=False, reason="duplicate")


def _store(message: ParsedMessage, reached: list[int], now: datetime) -> IngestResult:
    warning = (
        OfficialWarning.objects.select_for_update()
        .filter(messages__identifier__in=message.references)
        .order_by("pk")
        .first()
        if message.references
        else None
    )
    content = {
        "event": message.event,
        "headline": message.headline,
        "description": message.description,
        "instruction": message.instruction,
        "severity": message.severity,
        "urgency": message.urgency,
        "certainty": message.certainty,
        "sender_name": message.sender_name,
        "onset": message.onset,
        "expires": message.expires,
        "sent": message.sent,
    }
    if warning is None:
        warning = OfficialWarning.objects.create(
            root_identifier=message.identifier,
            source=message.source,
            provider=message.provider,
            **content,
        )
    stored = WarningMessage.objects.create(
        warning=warning,
        identifier=message.identifier,
        source=message.source,
        sender=message.sender,
        sent=message.sent,
        status=message.status,
        msg_type=message.msg_type,
        scope=message.scope,
        references=message.references,
        event=message.event,
        headline=message.headline,
        description=message.description,
        instruction=message.instruction,
        severity=message.severity,
        urgency=message.urgency,
        certainty=message.certainty,
        onset=message.onset,
        expires=message.expires,
        geometry=message.geometry,
        geocodes=[list(pair) for pair in message.geocodes],
        raw=message.raw,
    )
    if message.msg_type == MsgType.CANCEL:
        # Cancels often carry no area: they reach whom the warning reached.
        if warning.ended_at is None:
            warning.ended_at = now
        warning.cancelled = True
        warning.save(update_fields=["ended_at", "cancelled", "updated_at"])
        pushed_before = set(
            WarningPush.objects.filter(message__warning=warning, all_clear=False).values_list(
                "village_id", flat=True
            )
        )
        pushes = sum(
            _push(stored, warning, village_id, NORMAL, all_clear=True)
            for village_id in sorted(pushed_before)
        )
        return IngestResult(stored=True, warning_id=warning.pk, pushes=pushes)

    if message.sent >= warning.sent:
        for name, value in content.items():
            setattr(warning, name, value)
        warning.save()
    known = set(WarningVillage.objects.filter(warning=warning).values_list("village_id", flat=True))
    WarningVillage.objects.bulk_create(
        [WarningVillage(warning=warning, village_id=v) for v in reached if v not in known]
    )
    # An Update also reaches the villages of the earlier messages (they must hear the
    # change, even when the area shrank).
    targets = sorted(set(reached) | (known if message.msg_type == MsgType.UPDATE else set()))
    urgency = push_urgency(message.severity)
    pushes = 0
    if urgency is not None:
        pushes = sum(_push(stored, warning, village_id, urgency) for village_id in targets)
    return IngestResult(stored=True, warning_id=warning.pk, pushes=pushes)


ALERT_TITLE = gettext_lazy("Warning: %(headline)s")
UPDATE_TITLE = gettext_lazy("Warning updated: %(headline)s")
ALL_CLEAR_TITLE = gettext_lazy("All clear: %(headline)s")
ALL_CLEAR_BODY = gettext_lazy("The warning has been lifted.")


def _push(
    message: WarningMessage,
    warning: OfficialWarning,
    village_id: int,
    urgency: str,
    *,
    all_clear: bool = False,
) -> int:
    """Notify the village's residents of this message, unless that happened already."""
    record, created = WarningPush.objects.get_or_create(
        message=message,
        village_id=village_id,
        defaults={"urgency": urgency, "all_clear": all_clear},
    )
    if not created:
        return 0
    body: StrOrPromise
    if all_clear:
        title = ALL_CLEAR_TITLE
        body = ALL_CLEAR_BODY
    else:
        title = UPDATE_TITLE if message.msg_type == MsgType.UPDATE else ALERT_TITLE
        body = message.instruction or message.description
    residents = User.objects.filter(
        memberships__village_id=village_id, memberships__state=MembershipState.VERIFIED
    ).order_by("pk")
    notified = notify_many(
        recipients=residents,
        category=Category.WARNING,
        title=title,
        body=body,
        params={"headline": warning.headline},
        village=Village(pk=village_id),
        link_type="warning",
        link_id=warning.pk,
        # Severe and extreme: HIGH, which also ignores quiet hours; moderate warnings and
        # all-clears are NORMAL and wait for the end of a resident's quiet hours.
        urgency=Urgency(record.urgency),
        # One topic per warning: an update or all-clear replaces an undelivered alert.
        topic=f"warning-{warning.pk}",
        expires_at=None if all_clear else warning.expires,
    )
    record.recipients = len(notified)
    record.save(update_fields=["recipients"])
    return 1


def warnings_end_expired(*, now: datetime | None = None) -> int:
    """Warnings past ``expires`` end then (no all-clear: nothing was cancelled)."""
    now = now or timezone.now()
    ended = 0
    for warning in OfficialWarning.objects.filter(ended_at=None, expires__lte=now).only("expires"):
        ended += OfficialWarning.objects.filter(pk=warning.pk, ended_at=None).update(
            ended_at=warning.expires, updated_at=now
        )
    return ended


def warnings_end_vanished(*, source: str, still_listed: set[str], village_ids: list[int]) -> int:
    """Warnings of ``source`` that reached these villages and are no longer in the source's
    list end now (no all-clear: the source did not cancel them)."""
    now = timezone.now()
    candidates = OfficialWarning.objects.filter(
        ended_at=None, source=source, villages__village_id__in=village_ids
    ).distinct()
    ended = 0
    for warning in candidates:
        identifiers = set(warning.messages.values_list("identifier", flat=True))
        if not identifiers & still_listed:
            ended += OfficialWarning.objects.filter(pk=warning.pk, ended_at=None).update(
                ended_at=now, updated_at=now
            )
    return ended


# --- check-ins ------------------------------------------------------------------------------


def is_active(warning: OfficialWarning, now: datetime) -> bool:
    return warning.ended_at is None and (warning.expires is None or warning.expires > now)


@transaction.atomic
def checkin_answer(
    *, user: User, village_id: int, warning_id: int, answer: str, note: str = ""
) -> CheckIn:
    """ "I am safe" / "I need help" for an active warning of the user's village. "Need
    help" opens a help request in the marketplace (through ``dorf.core.hooks``) and tells
    the village's moderators; they see the counts change live."""
    require_member(user, village_id)
    warning = (
        OfficialWarning.objects.select_for_update()
        .filter(pk=warning_id, villages__village_id=village_id)
        .first()
    )
    if warning is None:
        raise NotFound()
    if not is_active(warning, timezone.now()):
        raise Conflict(_("This warning is no longer active."), code="warning_ended")
    if answer not in CheckInAnswer.values:
        raise ValidationFailed(fields={"answer": [_("Answer safe or need_help.")]})
    checkin, created = CheckIn.objects.get_or_create(
        warning=warning,
        user=user,
        defaults={"village_id": village_id, "answer": answer, "note": note.strip()},
    )
    changed_to_help = answer == CheckInAnswer.NEED_HELP and (
        created or checkin.answer != CheckInAnswer.NEED_HELP
    )
    if not created:
        checkin.answer = answer
        checkin.note = note.strip()
        checkin.save(update_fields=["answer", "note", "updated_at"])
    if changed_to_help:
        _ask_for_help(checkin, warning)
    _announce_counts(warning, village_id)
    return checkin


def _ask_for_help(checkin: CheckIn, warning: OfficialWarning) -> None:
    text = _("After the warning: %(headline)s") % {"headline": warning.headline}
    if checkin.note:
        text = f"{text}\n\n{checkin.note}"
    if checkin.help_posting_id is None:
        responses = help_requested.send(
            sender=CheckIn,
            village_id=checkin.village_id,
            user_id=checkin.user_id,
            title=_("I need help after the warning"),
            text=text,
        )
        posting_ids = [response for _receiver, response in responses if isinstance(response, int)]
        if posting_ids:
            checkin.help_posting_id = posting_ids[0]
            checkin.save(update_fields=["help_posting_id"])
    notify_moderators(
        village_id=checkin.village_id,
        title=NEEDS_HELP_TITLE,
        body=checkin.note or warning.headline,
        params={"name": checkin.user.display_name},
        link_type="warning",
        link_id=warning.pk,
        actor=checkin.user,
    )


NEEDS_HELP_TITLE = gettext_lazy("%(name)s needs help after a warning")


def checkin_counts(*, warning_id: int, village_id: int) -> dict[str, int]:
    found = dict(
        CheckIn.objects.filter(warning_id=warning_id, village_id=village_id)
        .values_list("answer")
        .annotate(n=Count("pk"))
        .values_list("answer", "n")
    )
    return {answer: int(found.get(answer, 0)) for answer in CheckInAnswer.values}


def _announce_counts(warning: OfficialWarning, village_id: int) -> None:
    counts = checkin_counts(warning_id=warning.pk, village_id=village_id)
    send_to_users_on_commit(
        [m.pk for m in moderators_of(village_id=village_id)],
        "warning.checkins",
        {"warning_id": warning.pk, "village_id": village_id, "counts": counts},
    )


def checkins_drop_old(*, now: datetime | None = None) -> int:
    """Check-ins of warnings that ended more than 30 days ago are deleted."""
    cutoff = (now or timezone.now()) - CHECKIN_RETENTION
    deleted, _rows = CheckIn.objects.filter(
        Q(warning__ended_at__lte=cutoff) | Q(warning__ended_at=None, warning__expires__lte=cutoff)
    ).delete()
    return deleted

"""The backoffice's screens: one read-only, village-scoped admin per queue.

Every screen is a ``ScopedAdmin``: its rows are limited to the villages the viewer works
for in the role the screen needs (``villages_for``), another village's row is as absent
as one that never existed (its change page is a 404 like an unknown id's, its search
finds nothing), and changes happen only through the actions, which call the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from auditlog.models import LogEntry
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from dorf.appointments import services as appointment_services
from dorf.appointments.models import Appointment, AppointmentStatus
from dorf.backoffice.access import Access, access_of
from dorf.backoffice.actions import ServiceCall, service_action
from dorf.backoffice.site import backoffice_site
from dorf.bookings import services as booking_services
from dorf.bookings.models import Booking, BookingStatus
from dorf.chat.models import Report as ChatReport
from dorf.chat.models import ReportAction, ReportState
from dorf.chat.services import moderation as chat_moderation
from dorf.core.admin import ReadOnlyAdmin
from dorf.lostfound import services as lostfound_services
from dorf.lostfound.models import OPEN_STATES, Claim, ClaimState, FoundItem, HandoverTo
from dorf.marketplace import services as marketplace_services
from dorf.marketplace.models import PostingReport
from dorf.news import services as news_services
from dorf.news.models import Post, PostState
from dorf.reports import services as report_services
from dorf.reports.models import OPEN_STATUSES, Report, ReportStatus
from dorf.users.models import User
from dorf.villages import services as village_services
from dorf.villages.models import AddressEntry, Membership, MembershipState, Village
from dorf.waste.models import Collection

# A problem report still open after two weeks is overdue (the start page shows it apart).
REPORT_OVERDUE_AFTER = timedelta(days=14)
# The Fundbüro's queue shows cases whose owner's rights end within this time (the app
# reminds staff 14 days ahead, too).
FOUND_ITEM_DEADLINE_SOON = timedelta(days=14)


@dataclass(frozen=True)
class QueueDef:
    """One queue of a screen: a named filter the start page counts and links to."""

    key: str
    title: StrPromise
    hint: StrPromise
    apply: Callable[[QuerySet[Any], HttpRequest], QuerySet[Any]]


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrPromise]]:
        return [(q.key, q.title) for q in model_admin.queue_defs]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        for queue in self.model_admin.queue_defs:
            if self.value() == queue.key:
                filtered: QuerySet[Any] = queue.apply(queryset, request)
                return filtered
        return queryset

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)


class VillageFilter(admin.SimpleListFilter):
    """Only the viewer's own villages (a related-field filter would list every village)."""

    title = _("village")
    parameter_name = "village"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        ids = model_admin.villages_for(access_of(request))
        villages = Village.objects.order_by("name")
        if ids is not None:
            villages = villages.filter(pk__in=ids)
        return [(str(v.pk), v.name) for v in villages]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() and self.value().isdigit():  # type: ignore[union-attr]
            field = self.model_admin.village_field
            return queryset.filter(**{f"{field}_id": int(self.value())})  # type: ignore[arg-type]
        return queryset

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)


class ScopedAdmin(ReadOnlyAdmin):
    """A read-only screen limited to the viewer's villages; actions call services."""

    village_field = "village"
    queue_defs: tuple[QueueDef, ...] = ()
    # Position on the start page.
    start_order = 100
    list_per_page = 50

    def villages_for(self, access: Access) -> Iterable[int] | None:
        """The villages whose rows this viewer may see; None means every village."""
        if access.operator:
            return None
        return access.staff_village_ids

    def scope(self, queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
        ids = self.villages_for(access)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.village_field}__in": list(ids)})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(super().get_queryset(request), access_of(request))

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters: list[Any] = [QueueFilter] if self.queue_defs else []
        return [*filters, VillageFilter, *self.list_filter]

    def _may_view(self, request: HttpRequest) -> bool:
        ids = self.villages_for(access_of(request))
        return ids is None or bool(list(ids))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may_view(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_view(request)

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> NoReturn:
        """Django's admin answers an id its queryset does not hold (another village's, or
        none at all) with a redirect and a message naming the id; we answer 404, as the
        API and our form pages do (the change, history and delete pages all end here)."""
        raise Http404


def _local_day_bounds(village: Village, now: datetime) -> tuple[datetime, datetime]:
    tz = ZoneInfo(village.timezone)
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def _today_in_each_village(queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
    """Rows whose slot starts today, each in its own village's time zone."""
    now = timezone.now()
    village_ids = queryset.values_list("village_id", flat=True).distinct()
    condition = Q(pk__in=[])
    for village in Village.objects.filter(pk__in=village_ids):
        start, end = _local_day_bounds(village, now)
        condition |= Q(village=village, slot_start__gte=start, slot_start__lt=end)
    return queryset.filter(condition)


# --- the services the actions call -----------------------------------------------------------
# One small function per parametrised action (a lambda in a loop would bind the last value).


def _mark(outcome: str) -> ServiceCall:
    def call(_user: User, staff: Membership, obj: Appointment) -> object:
        return appointment_services.appointment_mark(
            staff=staff, appointment_id=obj.pk, outcome=outcome
        )

    return call


def _decide_booking(approve: bool) -> ServiceCall:
    def call(_user: User, manager: Membership, obj: Booking) -> object:
        return booking_services.booking_decide(manager=manager, booking_id=obj.pk, approve=approve)

    return call


def _hand_over(to: str) -> ServiceCall:
    def call(user: User, _membership: Membership, obj: FoundItem) -> object:
        return lostfound_services.found_item_hand_over(actor=user, found_item_id=obj.pk, to=to)

    return call


def _decide_claim(grant: bool) -> ServiceCall:
    def call(user: User, _membership: Membership, obj: Claim) -> object:
        return lostfound_services.claim_decide(actor=user, claim_id=obj.pk, grant=grant)

    return call


def _resolve_chat_report(choice: ReportAction) -> ServiceCall:
    def call(_user: User, actor: Membership, obj: ChatReport) -> object:
        return chat_moderation.report_resolve(actor=actor, report_id=obj.pk, action=choice)

    return call


def _change_report_status(status: ReportStatus) -> ServiceCall:
    def call(_user: User, actor: Membership, obj: Report) -> object:
        return report_services.report_status_change(actor=actor, report_id=obj.pk, status=status)

    return call


# --- members ---------------------------------------------------------------------------------


@admin.register(Membership, site=backoffice_site)
class MembershipScreen(ScopedAdmin):
    start_order = 10
    list_display = ("person", "email", "village", "state", "role", "request_message", "created_at")
    list_select_related = ("user", "village")
    search_fields = ("user__first_name", "user__last_name", "user__email")
    ordering = ("-created_at",)
    fields = (
        "person",
        "email",
        "village",
        "role",
        "state",
        "request_message",
        "created_at",
        "verified_at",
    )
    readonly_fields = ("person", "email")
    queue_defs = (
        QueueDef(
            key="pending",
            title=_("Membership requests to verify"),
            hint=_("New residents waiting to be verified."),
            apply=lambda qs, _r: qs.filter(state=MembershipState.PENDING),
        ),
    )
    actions = [
        service_action(
            name="membership_verify",
            description=_("Verify"),
            call=lambda _user, actor, obj: village_services.membership_verify(
                actor=actor, membership_id=obj.pk
            ),
        )
    ]

    def villages_for(self, access: Access) -> Iterable[int] | None:
        return None if access.operator else access.moderator_village_ids

    @admin.display(description=_("name"), ordering="user__last_name")
    def person(self, obj: Membership) -> str:
        return f"{obj.user.first_name} {obj.user.last_name}".strip() or str(obj.user_id)

    @admin.display(description=_("e-mail"), ordering="user__email")
    def email(self, obj: Membership) -> str:
        return obj.user.email


# --- news ------------------------------------------------------------------------------------


@admin.register(Post, site=backoffice_site)
class PostScreen(ScopedAdmin):
    start_order = 20
    list_display = ("title", "publisher", "category", "state", "official", "author", "updated_at")
    list_select_related = ("publisher", "category", "author")
    search_fields = ("title", "teaser")
    ordering = ("-updated_at",)
    fields = (
        "title",
        "publisher",
        "category",
        "state",
        "official",
        "push",
        "teaser",
        "body_markdown",
        "publish_at",
        "published_at",
        "expires_at",
        "author",
        "approved_by",
    )
    queue_defs = (
        QueueDef(
            key="in_review",
            title=_("News drafts in review"),
            hint=_("Posts waiting for a publisher's approval."),
            apply=lambda qs, _r: qs.filter(state=PostState.IN_REVIEW),
        ),
    )
    actions = [
        service_action(
            name="post_publish",
            description=_("Approve and publish"),
            call=lambda user, _m, obj: news_services.post_publish(actor=user, post_id=obj.pk),
        ),
        service_action(
            name="post_return_to_draft",
            description=_("Return to draft"),
            call=lambda user, _m, obj: news_services.post_return_to_draft(
                actor=user, post_id=obj.pk
            ),
        ),
    ]

    def villages_for(self, access: Access) -> Iterable[int] | None:
        return None if access.operator else access.staff_village_ids | access.news_village_ids

    def scope(self, queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
        if access.operator:
            return queryset
        # Staff see their villages' news; editors and publishers their publishers' posts.
        return queryset.filter(
            Q(village_id__in=list(access.staff_village_ids))
            | Q(publisher_id__in=list(access.publisher_ids))
        )


# --- problem reports -------------------------------------------------------------------------


def _report_status_action(status: ReportStatus) -> Any:
    return service_action(
        name=f"report_status_{status.value}",
        description=format_lazy("{}: {}", _("Status"), status.label),
        call=_change_report_status(status),
    )


@admin.register(Report, site=backoffice_site)
class ReportScreen(ScopedAdmin):
    start_order = 30
    list_display = (
        "id",
        "category",
        "short_description",
        "address",
        "status",
        "created_at",
        "assigned_to",
    )
    list_select_related = ("category", "assigned_to")
    search_fields = ("description", "address")
    ordering = ("-created_at",)
    fields = (
        "category",
        "description",
        "address",
        "latitude",
        "longitude",
        "status",
        "status_notes",
        "public",
        "reporter_name",
        "reporter_email",
        "assigned_to",
        "duplicate_of",
        "created_at",
        "fixed_at",
        "closed_at",
        "reopened_count",
    )
    readonly_fields = ("created_at",)
    queue_defs = (
        QueueDef(
            key="new",
            title=_("New problem reports"),
            hint=_("Received and not yet looked at."),
            apply=lambda qs, _r: qs.filter(status=ReportStatus.RECEIVED),
        ),
        QueueDef(
            key="overdue",
            title=_("Overdue problem reports"),
            hint=_("Open for more than 14 days."),
            apply=lambda qs, _r: qs.filter(
                status__in=OPEN_STATUSES, created_at__lte=timezone.now() - REPORT_OVERDUE_AFTER
            ),
        ),
    )
    actions = [
        _report_status_action(status)
        for status in (
            ReportStatus.CONFIRMED,
            ReportStatus.IN_PROGRESS,
            ReportStatus.SCHEDULED,
            ReportStatus.FIXED,
            ReportStatus.NOT_RESPONSIBLE,
            ReportStatus.NO_ACTION,
            ReportStatus.CLOSED,
        )
    ]

    @admin.display(description=_("description"))
    def short_description(self, obj: Report) -> str:
        text = obj.description
        return text if len(text) <= 80 else text[:79] + "…"


# --- appointments ----------------------------------------------------------------------------


@admin.register(Appointment, site=backoffice_site)
class AppointmentScreen(ScopedAdmin):
    start_order = 40
    list_display = ("slot_start", "service", "person", "seat", "status", "note")
    list_select_related = ("service", "membership__user")
    search_fields = ("service__name", "membership__user__first_name", "membership__user__last_name")
    ordering = ("slot_start", "seat")
    fields = (
        "service",
        "person",
        "slot_start",
        "slot_end",
        "seat",
        "status",
        "note",
        "confirmed_at",
    )
    readonly_fields = ("person",)
    queue_defs = (
        QueueDef(
            key="today",
            title=_("Today's appointments"),
            hint=_("Mark each as done or as a no-show."),
            apply=lambda qs, request: _today_in_each_village(
                qs.filter(
                    status__in=(
                        AppointmentStatus.CONFIRMED,
                        AppointmentStatus.DONE,
                        AppointmentStatus.NO_SHOW,
                    )
                ),
                request,
            ),
        ),
    )
    actions = [
        service_action(
            name=f"appointment_mark_{outcome.value}",
            description=label,
            call=_mark(outcome),
        )
        for outcome, label in (
            (AppointmentStatus.DONE, _("Mark as done")),
            (AppointmentStatus.NO_SHOW, _("Mark as no-show")),
        )
    ]

    @admin.display(description=_("name"))
    def person(self, obj: Appointment) -> str:
        user = obj.membership.user
        return f"{user.first_name} {user.last_name}".strip()


# --- bookings --------------------------------------------------------------------------------


@admin.register(Booking, site=backoffice_site)
class BookingScreen(ScopedAdmin):
    start_order = 50
    list_display = (
        "resource",
        "title",
        "starts_at",
        "ends_at",
        "person",
        "status",
        "price_minutes",
    )
    list_select_related = ("resource", "membership__user")
    search_fields = ("title", "resource__name")
    ordering = ("starts_at", "pk")
    fields = (
        "resource",
        "title",
        "person",
        "starts_at",
        "ends_at",
        "status",
        "price_minutes",
        "decided_at",
        "decision_note",
    )
    readonly_fields = ("person",)
    queue_defs = (
        QueueDef(
            key="requested",
            title=_("Bookings waiting for approval"),
            hint=_("Rooms and equipment that need a decision."),
            apply=lambda qs, _r: qs.filter(status=BookingStatus.REQUESTED),
        ),
    )
    actions = [
        service_action(
            name=f"booking_{verb}",
            description=label,
            call=_decide_booking(approve),
        )
        for verb, label, approve in (
            ("approve", _("Approve"), True),
            ("reject", _("Reject"), False),
        )
    ]

    @admin.display(description=_("booked by"))
    def person(self, obj: Booking) -> str:
        user = obj.membership.user
        return f"{user.first_name} {user.last_name}".strip()


# --- Fundbüro --------------------------------------------------------------------------------


@admin.register(FoundItem, site=backoffice_site)
class FoundItemScreen(ScopedAdmin):
    start_order = 60
    list_display = ("number", "category", "description", "state", "storage", "shelf", "deadline_at")
    search_fields = ("number", "description")
    ordering = ("deadline_at",)
    fields = (
        "number",
        "category",
        "description",
        "secret_features",
        "found_at",
        "found_place",
        "value_cents",
        "storage",
        "shelf",
        "after_deadline",
        "reported_at",
        "deadline_at",
        "state",
        "closed_at",
    )
    queue_defs = (
        QueueDef(
            key="deadline_soon",
            title=_("Fundbüro cases near their legal deadline"),
            hint=_("The owner's rights end within 14 days (or have ended)."),
            apply=lambda qs, _r: qs.filter(
                state__in=OPEN_STATES, deadline_at__lte=timezone.now() + FOUND_ITEM_DEADLINE_SOON
            ),
        ),
    )
    actions = [
        service_action(
            name="found_item_store",
            description=_("Keep at the town hall"),
            call=lambda user, _m, obj: lostfound_services.found_item_store(
                actor=user, found_item_id=obj.pk, shelf=obj.shelf
            ),
        ),
        *[
            service_action(
                name=f"found_item_hand_over_{to.value}",
                description=label,
                call=_hand_over(to),
            )
            for to, label in (
                (HandoverTo.FINDER, _("Pass to the finder (deadline passed)")),
                (HandoverTo.MUNICIPALITY, _("Pass to the municipality (deadline passed)")),
            )
        ],
    ]


@admin.register(Claim, site=backoffice_site)
class ClaimScreen(ScopedAdmin):
    start_order = 61
    village_field = "found_item__village"
    list_display = ("found_item", "features", "state", "created_at")
    list_select_related = ("found_item",)
    search_fields = ("found_item__number", "features")
    fields = ("found_item", "features", "state", "decided_at", "decision_note")
    queue_defs = (
        QueueDef(
            key="pending",
            title=_("Claims on found items"),
            hint=_("Compare the description with the secret features."),
            apply=lambda qs, _r: qs.filter(state=ClaimState.PENDING),
        ),
    )
    actions = [
        service_action(
            name=f"claim_{verb}",
            description=label,
            call=_decide_claim(grant),
            village_id=lambda obj: int(obj.found_item.village_id),
        )
        for verb, label, grant in (("grant", _("Grant"), True), ("reject", _("Reject"), False))
    ]

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [QueueFilter]


# --- moderation ------------------------------------------------------------------------------


@admin.register(ChatReport, site=backoffice_site)
class ChatReportScreen(ScopedAdmin):
    start_order = 70
    list_display = ("created_at", "reason", "message_text", "reported_user", "state", "action")
    list_select_related = ("message", "reported_user")
    search_fields = ("reason", "message__text")
    ordering = ("-created_at",)
    fields = (
        "reason",
        "message_text",
        "reported_user",
        "state",
        "action",
        "resolved_at",
        "created_at",
    )
    readonly_fields = ("message_text",)
    queue_defs = (
        QueueDef(
            key="open",
            title=_("Reported chat content"),
            hint=_("Reports of messages or members for the moderators."),
            apply=lambda qs, _r: qs.filter(state=ReportState.OPEN),
        ),
    )
    actions = [
        service_action(
            name=f"chat_report_{choice.value}",
            description=choice.label,
            call=_resolve_chat_report(choice),
        )
        for choice in (ReportAction.DISMISS, ReportAction.HIDE, ReportAction.BAN)
    ]

    def villages_for(self, access: Access) -> Iterable[int] | None:
        return None if access.operator else access.moderator_village_ids

    @admin.display(description=_("message"))
    def message_text(self, obj: ChatReport) -> str:
        return obj.message.text if obj.message is not None else "—"


@admin.register(PostingReport, site=backoffice_site)
class PostingReportScreen(ScopedAdmin):
    start_order = 71
    village_field = "posting__village"
    list_display = ("created_at", "posting", "reason", "resolved_at")
    list_select_related = ("posting",)
    search_fields = ("reason", "posting__title")
    ordering = ("-created_at",)
    fields = list_display
    queue_defs = (
        QueueDef(
            key="open",
            title=_("Reported marketplace postings"),
            hint=_("Offers and requests reported by residents."),
            apply=lambda qs, _r: qs.filter(resolved_at__isnull=True),
        ),
    )
    actions = [
        service_action(
            name="posting_hide",
            description=_("Hide the posting"),
            call=lambda user, _m, obj: marketplace_services.posting_hide(
                actor=user, posting_id=obj.posting_id
            ),
            village_id=lambda obj: int(obj.posting.village_id),
        )
    ]

    def villages_for(self, access: Access) -> Iterable[int] | None:
        return None if access.operator else access.moderator_village_ids

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [QueueFilter]


# --- waste calendar -------------------------------------------------------------------------


@admin.register(Collection, site=backoffice_site)
class CollectionScreen(ScopedAdmin):
    """The imported collection dates; they change only by an import (``imports.py``)."""

    start_order = 85
    village_field = "tour__village"
    list_display = ("date", "tour", "original_date", "shift_reason", "holiday", "cancelled")
    list_select_related = ("tour",)
    search_fields = ("tour__name", "note")
    ordering = ("date", "tour__name")
    date_hierarchy = "date"
    fields = ("date", "tour", "original_date", "shift_reason", "note", "holiday", "cancelled")

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return ["cancelled"]


# --- address register ------------------------------------------------------------------------


@admin.register(AddressEntry, site=backoffice_site)
class AddressEntryScreen(ScopedAdmin):
    start_order = 90
    list_display = ("street", "house_number", "postcode", "latitude", "longitude", "village")
    search_fields = ("street", "postcode")
    fields = list_display


# --- audit log -------------------------------------------------------------------------------


@admin.register(LogEntry, site=backoffice_site)
class AuditLogScreen(ScopedAdmin):
    """Who did what when, with before and after: for the village's staff only."""

    start_order = 200
    list_display = ("time", "actor", "verb", "object_name", "changed", "reason")
    list_select_related = ("actor",)
    search_fields = ("object_repr",)
    ordering = ("-timestamp",)
    fields = ("time", "actor", "verb", "object_name", "changed", "reason")
    readonly_fields = ("time", "verb", "object_name", "changed", "reason")

    def scope(self, queryset: QuerySet[Any], access: Access) -> QuerySet[Any]:
        if access.operator:
            return queryset
        return queryset.filter(additional_data__village_id__in=list(access.staff_village_ids))

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return []

    @admin.display(description=_("action"))
    def verb(self, obj: LogEntry) -> str:
        return str((obj.additional_data or {}).get("verb", ""))

    @admin.display(description=_("Reason"))
    def reason(self, obj: LogEntry) -> str:
        return str((obj.additional_data or {}).get("reason", "")) or "—"

    @admin.display(description=_("time"), ordering="timestamp")
    def time(self, obj: LogEntry) -> Any:
        return obj.timestamp

    @admin.display(description=_("object"), ordering="object_repr")
    def object_name(self, obj: LogEntry) -> str:
        return str(obj.object_repr)

    @admin.display(description=_("changes (before → after)"))
    def changed(self, obj: LogEntry) -> Any:
        if not obj.changes:
            return "—"
        rows = [
            format_html("{}: {} → {}", name, values[0], values[1])
            for name, values in sorted(obj.changes.items())
            if isinstance(values, list) and len(values) == 2
        ]
        return format_html("<br>".join(["{}"] * len(rows)), *rows)

"""Admin for the town hall's staff: the report queue with its history, and actions that
move reports through the chain. Every change goes through ``services`` (who may do it,
the status chain, notifying reporter and supporters), never through a form's save."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dorf.core.admin import ReadOnlyAdmin, ReadOnlyInline
from dorf.core.exceptions import DomainError
from dorf.reports import services
from dorf.reports.models import (
    ApiKey,
    Report,
    ReportPhoto,
    ReportStatus,
    ReportSupporter,
    ReportUpdate,
    ServiceAttribute,
    ServiceCategory,
)
from dorf.villages.models import Membership, MembershipState, Role


class AttributeInline(ReadOnlyInline):
    model = ServiceAttribute
    fields = ("order", "code", "description", "datatype", "required", "variable", "values")
    readonly_fields = fields


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "village", "responsible_team", "forwarding", "active")
    list_filter = ("village", "forwarding", "active")
    list_select_related = ("village",)
    search_fields = ("name", "code", "responsible_team")
    inlines = [AttributeInline]


class PhotoInline(ReadOnlyInline):
    model = ReportPhoto
    fields = ("image", "width", "height", "approved_at")
    readonly_fields = fields


class UpdateInline(ReadOnlyInline):
    model = ReportUpdate
    fields = ("created_at", "kind", "old_status", "new_status", "note", "public", "author")
    readonly_fields = fields


class SupporterInline(ReadOnlyInline):
    model = ReportSupporter
    fields = ("user", "created_at")
    readonly_fields = fields


def _status_action(status: ReportStatus) -> Any:
    def action(modeladmin: ReportAdmin, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        changed = 0
        for report in queryset.order_by("pk"):
            actor = Membership.objects.filter(
                user_id=request.user.pk or 0,
                village_id=report.village_id,
                role=Role.STAFF,
                state=MembershipState.VERIFIED,
            ).first()
            try:
                if actor is None:
                    raise DomainError(gettext("You are not staff of this village."))
                services.report_status_change(actor=actor, report_id=report.pk, status=status)
                changed += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"#{report.pk}: {exc.message}", messages.ERROR)
        if changed:
            modeladmin.message_user(
                request, gettext("%(n)d reports changed.") % {"n": changed}, messages.SUCCESS
            )

    action.__name__ = f"set_{status.value}"
    return admin.action(description=format_lazy("{}: {}", _("Set status"), status.label))(action)


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "category", "status", "created_at", "assigned_to", "public")
    list_filter = ("status", "village", "category", "public")
    list_select_related = ("village", "category", "assigned_to")
    search_fields = ("description", "address")
    date_hierarchy = "created_at"
    inlines = [PhotoInline, SupporterInline, UpdateInline]
    actions = [
        _status_action(status)
        for status in ReportStatus
        if status not in (ReportStatus.RECEIVED, ReportStatus.DUPLICATE)
    ]


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "village", "created_at", "revoked_at")
    list_filter = ("village",)
    list_select_related = ("village",)
    exclude = ("key_hash",)

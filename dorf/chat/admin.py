"""Read-only views for the operator; moderation itself goes through the services (API)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from dorf.chat.models import Message, Report, Room


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["id", "village", "kind", "title", "subject_type", "subject_id", "created_at"]
    list_filter = ["kind", "village"]
    search_fields = ["title"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "room", "sender", "created_at", "deleted_at", "hidden_at"]
    list_select_related = ["room", "sender"]
    search_fields = ["text"]
    raw_id_fields = ["room", "sender", "reply_to", "hidden_by"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "village", "reporter", "reported_user", "state", "action", "created_at"]
    list_filter = ["state", "village"]
    list_select_related = ["village", "reporter", "reported_user"]

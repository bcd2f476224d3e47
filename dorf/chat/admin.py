"""Read-only views for the operator; moderation itself goes through the services (API)."""

from __future__ import annotations

from django.contrib import admin

from dorf.chat.models import Message, Report, Room
from dorf.core.admin import ReadOnlyAdmin


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

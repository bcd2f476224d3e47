"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.clubs.models import Club, ClubEvent
from dorf.core.admin import ReadOnlyAdmin


@admin.register(Club)
class ClubAdmin(ReadOnlyAdmin):
    list_display = ["id", "village", "name", "membership_policy"]
    search_fields = ["name"]


@admin.register(ClubEvent)
class ClubEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "club", "title", "starts_at", "capacity", "rrule"]

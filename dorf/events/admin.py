from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.events.models import ExternalCalendar, VillageEvent


@admin.register(VillageEvent)
class VillageEventAdmin(ReadOnlyAdmin):
    list_display = ("title", "village", "publisher", "calendar", "starts_at", "rrule")
    list_filter = ("village", "category")
    search_fields = ("title", "place")


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(ReadOnlyAdmin):
    list_display = ("name", "village", "url", "active", "last_imported_at", "last_error")
    list_filter = ("village", "active")

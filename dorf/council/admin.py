"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.council.models import CouncilSource, Meeting, Paper


@admin.register(CouncilSource)
class CouncilSourceAdmin(ReadOnlyAdmin):
    list_display = ["village", "system_url", "enabled", "last_success_at", "last_error"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "start", "cancelled"]


@admin.register(Paper)
class PaperAdmin(ReadOnlyAdmin):
    list_display = ["reference", "name", "village", "date"]

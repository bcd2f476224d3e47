"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.lostfound.models import Claim, FoundItem, LostReport


@admin.register(FoundItem)
class FoundItemAdmin(ReadOnlyAdmin):
    list_display = ["number", "village", "category", "description", "state", "deadline_at"]
    list_filter = ["state", "category"]
    search_fields = ["number", "description"]


@admin.register(LostReport)
class LostReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "village", "category", "description", "lost_from", "closed_at"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["id", "found_item", "state", "decided_at"]

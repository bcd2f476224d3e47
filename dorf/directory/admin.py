"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.directory.models import DirectoryEntry, OwnershipClaim


@admin.register(DirectoryEntry)
class DirectoryEntryAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "category", "opening_hours", "owner", "archived_at"]
    list_filter = ["category", "delivers"]
    search_fields = ["name", "description"]


@admin.register(OwnershipClaim)
class OwnershipClaimAdmin(ReadOnlyAdmin):
    list_display = ["id", "entry", "claimant", "state", "decided_at"]
    list_filter = ["state"]

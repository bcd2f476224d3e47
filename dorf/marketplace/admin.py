"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.marketplace.models import Posting, PostingReport


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["id", "village", "kind", "category", "title", "status", "hidden_at"]
    list_filter = ["kind", "category", "status"]
    search_fields = ["title"]


@admin.register(PostingReport)
class PostingReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "posting", "reason", "created_at", "resolved_at"]

"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.participation.models import CommentReport, ParticipationSettings, Proposal


@admin.register(ParticipationSettings)
class ParticipationSettingsAdmin(ReadOnlyAdmin):
    list_display = [
        "village",
        "support_threshold_percent",
        "support_threshold_count",
        "proposal_support_days",
    ]


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["title", "village", "state", "support_count", "support_threshold"]
    list_filter = ["state", "category"]
    search_fields = ["title"]


@admin.register(CommentReport)
class CommentReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "comment", "state", "created_at"]

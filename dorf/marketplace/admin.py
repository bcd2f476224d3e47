from django.contrib import admin

from dorf.marketplace.models import Posting, PostingReport


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin[Posting]):
    list_display = ["id", "village", "kind", "category", "title", "status", "hidden_at"]
    list_filter = ["kind", "category", "status"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Posting._meta.fields]


@admin.register(PostingReport)
class PostingReportAdmin(admin.ModelAdmin[PostingReport]):
    list_display = ["id", "posting", "reason", "created_at", "resolved_at"]
    readonly_fields = ["posting", "reporter", "reason", "created_at", "resolved_at"]

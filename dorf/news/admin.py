from __future__ import annotations

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.news.models import FeedSource, NewsCategory, Post, Publisher, PublisherRole


@admin.register(Publisher)
class PublisherAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "village")
    list_filter = ("kind",)


@admin.register(PublisherRole)
class PublisherRoleAdmin(ReadOnlyAdmin):
    list_display = ("publisher", "user", "role")


@admin.register(NewsCategory)
class NewsCategoryAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "village", "position")


@admin.register(Post)
class PostAdmin(ReadOnlyAdmin):
    list_display = ("title", "village", "publisher", "state", "official", "publish_at")
    list_filter = ("state", "official", "push")
    search_fields = ("title",)


@admin.register(FeedSource)
class FeedSourceAdmin(ReadOnlyAdmin):
    list_display = ("url", "village", "active", "last_polled_at", "last_error")

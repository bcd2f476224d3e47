"""Rathaus news: publishers with editor/publisher roles, posts with a publishing workflow,
imported website feeds.

A post moves draft → in_review → scheduled → published → archived. The step to
``published`` is one guarded ``UPDATE … WHERE state = 'scheduled'``: whoever flips the
row (the publish request, the periodic task, a retried or a second worker) is the one
that pushes, so a post is pushed exactly once.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


class NewsCategory(models.Model):
    """A village's own list of news categories (Rathaus, Bauen & Verkehr, …)."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="news_categories",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(max_length=60, verbose_name=_("slug"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("news category")
        verbose_name_plural = _("news categories")
        constraints = [
            models.UniqueConstraint(fields=["village", "slug"], name="news_category_unique_slug"),
        ]
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class PublisherKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    CLUB = "club", _("Club")


class Publisher(TimeStampedModel):
    """Who speaks: the municipality or a club of the village."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="news_publishers",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(max_length=16, choices=PublisherKind.choices, verbose_name=_("kind"))
    # The club this publisher speaks for (a reference only: news does not import clubs).
    club = models.ForeignKey(
        "clubs.Club",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("club"),
    )

    class Meta:
        verbose_name = _("publisher")
        verbose_name_plural = _("publishers")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="news_publisher_unique_name"),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(kind="municipality"),
                name="news_one_municipality_per_village",
            ),
            models.UniqueConstraint(
                fields=["club"], condition=Q(club__isnull=False), name="news_one_publisher_per_club"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PublisherRoleKind(models.TextChoices):
    EDITOR = "editor", _("Editor")
    PUBLISHER = "publisher", _("Publisher")


class PublisherRole(TimeStampedModel):
    """A person's role for one publisher: an editor writes drafts, a publisher also
    publishes, pushes and approves others' official notices."""

    publisher = models.ForeignKey(
        Publisher, on_delete=models.CASCADE, related_name="roles", verbose_name=_("publisher")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="news_roles",
        verbose_name=_("user"),
    )
    role = models.CharField(
        max_length=16, choices=PublisherRoleKind.choices, verbose_name=_("role")
    )

    class Meta:
        verbose_name = _("publisher role")
        verbose_name_plural = _("publisher roles")
        constraints = [
            models.UniqueConstraint(fields=["publisher", "user"], name="news_role_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.publisher_id}"


class PostState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class PushLevel(models.TextChoices):
    NONE = "none", _("No push")
    NORMAL = "normal", _("Normal push")
    URGENT = "urgent", _("Urgent push")


def visible_at(now: datetime) -> Q:
    """Published and not expired at ``now`` (a filter for posts)."""
    return Q(state=PostState.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class Post(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    publisher = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, related_name="posts", verbose_name=_("publisher")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news_posts",
        verbose_name=_("author"),
    )
    category = models.ForeignKey(
        NewsCategory, on_delete=models.PROTECT, related_name="posts", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=200)
    teaser = models.CharField(_("teaser"), max_length=500, blank=True)
    # What the editor wrote (Markdown) and what readers get: rendered and sanitised once,
    # at write time, so no reader ever sees unsanitised HTML.
    body_markdown = models.TextField(blank=True, verbose_name=_("body markdown"))
    body_html = models.TextField(blank=True, verbose_name=_("body html"))
    official = models.BooleanField(default=False, verbose_name=_("official"))
    pinned = models.BooleanField(default=False, verbose_name=_("pinned"))
    push = models.CharField(
        max_length=8, choices=PushLevel.choices, default=PushLevel.NONE, verbose_name=_("push")
    )
    state = models.CharField(
        max_length=16, choices=PostState.choices, default=PostState.DRAFT, verbose_name=_("state")
    )
    publish_at = models.DateTimeField(null=True, blank=True, verbose_name=_("publish at"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    pushed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("pushed at"))
    pushed_count = models.PositiveIntegerField(default=0, verbose_name=_("pushed count"))
    # Imported posts: the feed they came from and the entry's GUID (or link hash).
    feed_source = models.ForeignKey(
        "FeedSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
        verbose_name=_("feed source"),
    )
    import_key = models.CharField(max_length=128, blank=True, verbose_name=_("import key"))
    link = models.URLField(max_length=500, blank=True, verbose_name=_("link"))

    class Meta:
        verbose_name = _("news post")
        verbose_name_plural = _("news posts")
        indexes = [
            models.Index(fields=["village", "state", "-published_at"]),
            models.Index(fields=["state", "publish_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "import_key"],
                condition=~Q(import_key=""),
                name="news_post_import_once",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["scheduled", "published", "archived"])
                | Q(publish_at__isnull=False),
                name="news_post_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["published", "archived"]) | Q(published_at__isnull=False),
                name="news_post_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PostImage(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="images", verbose_name=_("post")
    )
    # Re-encoded JPEG without EXIF (dorf.core.photos, the marketplace's rules).
    image = models.FileField(upload_to="news/%Y/%m/", max_length=200, verbose_name=_("image"))
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("post image")
        verbose_name_plural = _("post images")

    def __str__(self) -> str:
        return str(self.image.name)


class PostAttachment(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("post")
    )
    file = models.FileField(upload_to="news/%Y/%m/", max_length=200, verbose_name=_("file"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    size_bytes = models.PositiveIntegerField(verbose_name=_("size (bytes)"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("post attachment")
        verbose_name_plural = _("post attachments")

    def __str__(self) -> str:
        return self.name


class PostRead(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="reads", verbose_name=_("post")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    read_at = models.DateTimeField(auto_now_add=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("post read")
        verbose_name_plural = _("post reads")
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="news_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.post_id}"


class CategoryMute(models.Model):
    """A news category a resident does not want pushed (all news: the ``news`` category of
    the notification preferences)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="news_mutes",
        verbose_name=_("user"),
    )
    category = models.ForeignKey(
        NewsCategory, on_delete=models.CASCADE, related_name="mutes", verbose_name=_("category")
    )

    class Meta:
        verbose_name = _("category mute")
        verbose_name_plural = _("category mutes")
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="news_mute_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.category_id}"


class FeedSource(TimeStampedModel):
    """The municipality's website feed (RSS or Atom), imported periodically."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="news_feed_sources",
        verbose_name=_("village"),
    )
    # A name the staff recognise the source by ("Gemeinde-Website"); the URL when empty.
    name = models.CharField(max_length=120, blank=True, verbose_name=_("name"))
    url = models.URLField(max_length=500, verbose_name=_("URL"))
    publisher = models.ForeignKey(
        Publisher, on_delete=models.CASCADE, related_name="+", verbose_name=_("publisher")
    )
    category = models.ForeignKey(
        NewsCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # Conditional GET: what the server answered last time.
    etag = models.CharField(max_length=200, blank=True, verbose_name=_("ETag"))
    last_modified = models.CharField(max_length=100, blank=True, verbose_name=_("last modified"))
    last_polled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last polled at"))
    last_error = models.CharField(max_length=300, blank=True, verbose_name=_("last error"))
    # The outcome of the last import that stored the feed (a 304 or a refusal keeps it).
    last_imported_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("last imported at")
    )
    last_import_created = models.PositiveIntegerField(
        default=0, verbose_name=_("new posts in the last import")
    )
    last_import_known = models.PositiveIntegerField(
        default=0, verbose_name=_("known entries in the last import")
    )
    last_import_skipped = models.PositiveIntegerField(
        default=0, verbose_name=_("entries skipped in the last import")
    )

    class Meta:
        verbose_name = _("feed source")
        verbose_name_plural = _("feed sources")
        constraints = [
            models.UniqueConstraint(fields=["village", "url"], name="news_feed_source_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.url

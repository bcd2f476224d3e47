"""Write use-cases of the news: categories, publishers and roles, posts and their workflow.

Who may do what:
- village staff manage categories, publishers, roles and feed sources;
- an *editor* of a publisher writes drafts and sends them to review;
- a *publisher* of a publisher also publishes (now or scheduled), archives and pushes;
  an official notice needs a publisher who is not its author (four eyes).

Publishing is one guarded ``UPDATE … WHERE state = 'scheduled'`` (``_flip_to_published``):
the transaction whose update changed the row pushes, every other one (a retried task, a
second worker, the publish request racing the periodic task) sees 0 rows and does nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import IO

from celery import current_app
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.photos import photo_prepare
from dorf.core.slugs import german_slug
from dorf.news import locks
from dorf.news.models import (
    CategoryMute,
    FeedSource,
    NewsCategory,
    Post,
    PostAttachment,
    PostImage,
    PostRead,
    PostState,
    Publisher,
    PublisherKind,
    PublisherRole,
    PublisherRoleKind,
    PushLevel,
    visible_at,
)
from dorf.news.push import push_post
from dorf.news.rendering import render_markdown
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Village
from dorf.villages.scoping import require_member, require_staff

MAX_IMAGES = 6
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024

DEFAULT_CATEGORIES = (
    ("Rathaus", "rathaus"),
    ("Bauen & Verkehr", "bauen-verkehr"),
    ("Vereine", "vereine"),
    ("Kita & Schule", "kita-schule"),
    ("Veranstaltungen", "veranstaltungen"),
)

EDITABLE_STATES = (PostState.DRAFT, PostState.IN_REVIEW, PostState.SCHEDULED)


# --- categories -----------------------------------------------------------------------------


def _staff_of(actor: User, village_id: int) -> Membership:
    return require_staff(require_member(actor, village_id))


@transaction.atomic
def categories_ensure_defaults(*, village: Village) -> list[NewsCategory]:
    """The five usual categories, for a village that has none yet."""
    if not NewsCategory.objects.filter(village=village).exists():
        NewsCategory.objects.bulk_create(
            NewsCategory(village=village, name=name, slug=slug, position=index)
            for index, (name, slug) in enumerate(DEFAULT_CATEGORIES)
        )
    return list(NewsCategory.objects.filter(village=village))


def _unique_slug(village_id: int, name: str, *, exclude_id: int | None = None) -> str:
    base = german_slug(name)[:50] or "kategorie"
    slug, n = base, 2
    taken = NewsCategory.objects.filter(village_id=village_id)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def category_create(*, actor: User, village_id: int, name: str, position: int = 0) -> NewsCategory:
    _staff_of(actor, village_id)
    if NewsCategory.objects.filter(village_id=village_id, name__iexact=name).exists():
        raise Conflict(_("A category with this name exists already."), code="duplicate")
    category = NewsCategory.objects.create(
        village_id=village_id, name=name, slug=_unique_slug(village_id, name), position=position
    )
    audit.record(
        actor=actor, instance=category, before={}, verb="category_create", village_id=village_id
    )
    return category


@transaction.atomic
def category_update(
    *, actor: User, category_id: int, name: str | None = None, position: int | None = None
) -> NewsCategory:
    category = NewsCategory.objects.select_for_update().filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    _staff_of(actor, category.village_id)
    before = audit.snapshot(category)
    if name is not None and name != category.name:
        category.name = name
        category.slug = _unique_slug(category.village_id, name, exclude_id=category.pk)
    if position is not None:
        category.position = position
    category.save()
    audit.record(
        actor=actor,
        instance=category,
        before=before,
        verb="category_update",
        village_id=category.village_id,
    )
    return category


@transaction.atomic
def category_delete(*, actor: User, category_id: int) -> None:
    category = NewsCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    _staff_of(actor, category.village_id)
    if category.posts.exists() or FeedSource.objects.filter(category=category).exists():
        raise Conflict(_("This category still has posts; rename it instead."), code="in_use")
    audit.record_deletion(
        actor=actor, instance=category, verb="category_delete", village_id=category.village_id
    )
    category.delete()


# --- publishers and roles -------------------------------------------------------------------


@transaction.atomic
def publisher_create(
    *, actor: User, village_id: int, name: str, kind: str, club_id: int | None = None
) -> Publisher:
    _staff_of(actor, village_id)
    if kind == PublisherKind.CLUB and club_id is None:
        raise ValidationFailed(fields={"club_id": [_("A club publisher needs its club.")]})
    if kind == PublisherKind.MUNICIPALITY and club_id is not None:
        raise ValidationFailed(fields={"club_id": [_("The municipality is not a club.")]})
    if club_id is not None and not _club_in_village(club_id, village_id):
        raise ValidationFailed(fields={"club_id": [_("No such club in this village.")]})
    try:
        with transaction.atomic():
            publisher = Publisher.objects.create(
                village_id=village_id, name=name, kind=kind, club_id=club_id
            )
    except IntegrityError:
        raise Conflict(
            _("This publisher exists already (one municipality, one per club, unique names)."),
            code="duplicate",
        ) from None
    audit.record(
        actor=actor, instance=publisher, before={}, verb="publisher_create", village_id=village_id
    )
    return publisher


def _club_in_village(club_id: int, village_id: int) -> bool:
    # Through the model registry: news sits beside clubs, not above it.
    from django.apps import apps

    club_model = apps.get_model("clubs", "Club")
    return bool(club_model.objects.filter(pk=club_id, village_id=village_id).exists())


@transaction.atomic
def publisher_role_set(*, actor: User, publisher_id: int, user_id: int, role: str) -> PublisherRole:
    """Make a verified member of the village an editor or publisher (or change the role)."""
    publisher = Publisher.objects.filter(pk=publisher_id).first()
    if publisher is None:
        raise NotFound()
    _staff_of(actor, publisher.village_id)
    if not Membership.objects.filter(
        user_id=user_id, village_id=publisher.village_id, state=MembershipState.VERIFIED
    ).exists():
        raise ValidationFailed(fields={"user_id": [_("Not a verified member of this village.")]})
    existing = PublisherRole.objects.filter(publisher=publisher, user_id=user_id).first()
    before = audit.snapshot(existing) if existing is not None else {}
    assignment, _created = PublisherRole.objects.update_or_create(
        publisher=publisher, user_id=user_id, defaults={"role": role}
    )
    audit.record(
        actor=actor,
        instance=assignment,
        before=before,
        verb="publisher_role_set",
        village_id=publisher.village_id,
        subject_user_id=user_id,
    )
    return assignment


@transaction.atomic
def publisher_role_remove(*, actor: User, publisher_id: int, user_id: int) -> None:
    publisher = Publisher.objects.filter(pk=publisher_id).first()
    if publisher is None:
        raise NotFound()
    _staff_of(actor, publisher.village_id)
    assignment = PublisherRole.objects.filter(publisher=publisher, user_id=user_id).first()
    if assignment is None:
        raise NotFound()
    audit.record_deletion(
        actor=actor,
        instance=assignment,
        verb="publisher_role_remove",
        village_id=publisher.village_id,
        subject_user_id=user_id,
    )
    assignment.delete()


def role_of(user: User, publisher_id: int) -> str | None:
    return (
        PublisherRole.objects.filter(publisher_id=publisher_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def _require_role(user: User, post_or_publisher_id: int, *, publisher: bool) -> str:
    role = role_of(user, post_or_publisher_id)
    if role is None:
        raise Forbidden(_("You do not write for this publisher."), code="not_editor")
    if publisher and role != PublisherRoleKind.PUBLISHER:
        raise Forbidden(_("Only a publisher may do this."), code="not_publisher")
    return role


# --- posts ----------------------------------------------------------------------------------


def _validate_times(publish_at: datetime | None, expires_at: datetime | None) -> None:
    if publish_at is not None and expires_at is not None and expires_at <= publish_at:
        raise ValidationFailed(
            fields={"expires_at": [_("A post must expire after it is published.")]}
        )


@transaction.atomic
def post_create(
    *,
    actor: User,
    village_id: int,
    publisher_id: int,
    category_id: int,
    title: str,
    teaser: str = "",
    body: str = "",
    official: bool = False,
    pinned: bool = False,
    push: str = PushLevel.NONE,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Post:
    """A draft by an editor or publisher of ``publisher_id``."""
    require_member(actor, village_id)
    publisher = Publisher.objects.filter(pk=publisher_id, village_id=village_id).first()
    if publisher is None:
        raise ValidationFailed(fields={"publisher_id": [_("No such publisher here.")]})
    if not NewsCategory.objects.filter(pk=category_id, village_id=village_id).exists():
        raise ValidationFailed(fields={"category_id": [_("No such category here.")]})
    _require_role(actor, publisher.pk, publisher=False)
    if not title.strip():
        raise ValidationFailed(fields={"title": [_("A post needs a title.")]})
    _validate_times(publish_at, expires_at)
    return Post.objects.create(
        village_id=village_id,
        publisher=publisher,
        author=actor,
        category_id=category_id,
        title=title.strip(),
        teaser=teaser.strip(),
        body_markdown=body,
        body_html=render_markdown(body),
        official=official,
        pinned=pinned,
        push=push,
        publish_at=publish_at,
        expires_at=expires_at,
    )


def _post_for_writer(actor: User, post_id: int) -> tuple[Post, str]:
    """The locked post and the actor's role; 404 for those who may not see it."""
    post = locks.lock_post(post_id)
    if post is None:
        raise NotFound()
    require_member(actor, post.village_id)
    role = role_of(actor, post.publisher_id)
    if role is None:
        if post.state == PostState.PUBLISHED:
            raise Forbidden(_("You do not write for this publisher."), code="not_editor")
        raise NotFound()
    return post, role


@transaction.atomic
def post_update(
    *,
    actor: User,
    post_id: int,
    title: str | None = None,
    teaser: str | None = None,
    body: str | None = None,
    category_id: int | None = None,
    official: bool | None = None,
    pinned: bool | None = None,
    push: str | None = None,
    publish_at: datetime | None = None,
    expires_at: datetime | None = None,
) -> Post:
    """Edit a post before it is published (``pinned`` and ``expires_at`` also after)."""
    post, _role = _post_for_writer(actor, post_id)
    content_changes = any(
        value is not None
        for value in (title, teaser, body, category_id, official, push, publish_at)
    )
    if post.state == PostState.ARCHIVED or (content_changes and post.state not in EDITABLE_STATES):
        raise Conflict(_("A published post can no longer be changed."), code="not_editable")
    if post.state == PostState.SCHEDULED or post.state == PostState.PUBLISHED:
        # Only a publisher touches what is already approved for readers.
        _require_role(actor, post.publisher_id, publisher=True)
    if title is not None:
        if not title.strip():
            raise ValidationFailed(fields={"title": [_("A post needs a title.")]})
        post.title = title.strip()
    if teaser is not None:
        post.teaser = teaser.strip()
    if body is not None:
        post.body_markdown = body
        post.body_html = render_markdown(body)
    if category_id is not None:
        if not NewsCategory.objects.filter(pk=category_id, village_id=post.village_id).exists():
            raise ValidationFailed(fields={"category_id": [_("No such category here.")]})
        post.category_id = category_id
    for name, value in (
        ("official", official),
        ("pinned", pinned),
        ("push", push),
        ("publish_at", publish_at),
        ("expires_at", expires_at),
    ):
        if value is not None:
            setattr(post, name, value)
    _validate_times(post.publish_at, post.expires_at)
    if content_changes and post.state == PostState.SCHEDULED and post.official:
        # A changed official notice needs its second pair of eyes again.
        post.state = PostState.IN_REVIEW
        post.approved_by = None
    post.save()
    return post


@transaction.atomic
def post_submit(*, actor: User, post_id: int) -> Post:
    """Draft → in review (asks a publisher to look at it)."""
    post, _role = _post_for_writer(actor, post_id)
    if post.state != PostState.DRAFT:
        raise Conflict(_("Only a draft can be sent to review."), code="not_draft")
    post.state = PostState.IN_REVIEW
    post.save(update_fields=["state", "updated_at"])
    return post


@transaction.atomic
def post_return_to_draft(*, actor: User, post_id: int) -> Post:
    """In review or scheduled → draft (withdrawn for more work)."""
    post, _role = _post_for_writer(actor, post_id)
    if post.state not in (PostState.IN_REVIEW, PostState.SCHEDULED):
        raise Conflict(_("This post is not waiting to be published."), code="not_pending")
    if post.state == PostState.SCHEDULED:
        _require_role(actor, post.publisher_id, publisher=True)
    before = audit.snapshot(post)
    post.state = PostState.DRAFT
    post.approved_by = None
    post.save(update_fields=["state", "approved_by", "updated_at"])
    audit.record(
        actor=actor,
        instance=post,
        before=before,
        verb="post_return_to_draft",
        village_id=post.village_id,
    )
    return post


@transaction.atomic
def post_publish(*, actor: User, post_id: int, publish_at: datetime | None = None) -> Post:
    """A publisher approves the post: published now (``publish_at`` missing or past) or
    scheduled. An official notice cannot be approved by its own author."""
    post, _role = _post_for_writer(actor, post_id)
    _require_role(actor, post.publisher_id, publisher=True)
    if post.state not in (PostState.DRAFT, PostState.IN_REVIEW, PostState.SCHEDULED):
        raise Conflict(_("This post is already published."), code="already_published")
    if post.official and post.author_id == actor.pk:
        raise Forbidden(
            _("An official notice needs a second publisher to approve it."), code="four_eyes"
        )
    now = timezone.now()
    when = publish_at or post.publish_at or now
    if when <= now:
        # A time in the past publishes now (readers see the real publication time).
        when = now
    before = audit.snapshot(post)
    _validate_times(when, post.expires_at)
    post.state = PostState.SCHEDULED
    post.publish_at = when
    post.approved_by = actor
    post.save(update_fields=["state", "publish_at", "approved_by", "updated_at"])
    if when <= now:
        _flip_to_published(post.pk, now=now)
        post.refresh_from_db()
    else:
        transaction.on_commit(lambda: _schedule_at(post.pk, when))
    audit.record(
        actor=actor,
        instance=post,
        before=before,
        verb="post_publish",
        village_id=post.village_id,
    )
    return post


def _schedule_at(post_id: int, when: datetime) -> None:
    """Ask a worker to publish at ``when`` (the periodic task is the safety net)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # inline mode would run it now, before it is due: beat publishes it
    # By name: the task module calls these services, not the other way round.
    current_app.send_task("news.publish_post_at", args=(post_id,), eta=when)


def _flip_to_published(post_id: int, *, now: datetime) -> bool:
    """Published and pushed, once: the guarded update decides who pushes.

    Two workers running this for the same post both issue the UPDATE; PostgreSQL makes
    the second wait for the first's row lock and then re-checks ``state = 'scheduled'``,
    which no longer holds, so it changes 0 rows and pushes nothing.
    """
    with transaction.atomic():
        flipped = Post.objects.filter(
            pk=post_id, state=PostState.SCHEDULED, publish_at__lte=now
        ).update(state=PostState.PUBLISHED, published_at=now, updated_at=now)
        if flipped != 1:
            return False
        post = Post.objects.select_related("village").get(pk=post_id)
        count = push_post(post)
        if post.push != PushLevel.NONE:
            Post.objects.filter(pk=post_id).update(pushed_at=now, pushed_count=count)
        return True


def posts_publish_due(*, now: datetime | None = None) -> int:
    """Publish every scheduled post whose time has come; returns how many this call did."""
    now = now or timezone.now()
    due = list(
        Post.objects.filter(state=PostState.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(1 for post_id in due if _flip_to_published(post_id, now=now))


def post_publish_if_due(*, post_id: int, now: datetime | None = None) -> bool:
    return _flip_to_published(post_id, now=now or timezone.now())


def posts_archive_expired(*, now: datetime | None = None) -> int:
    """Published posts past ``expires_at`` are archived (they left the lists already)."""
    now = now or timezone.now()
    return Post.objects.filter(state=PostState.PUBLISHED, expires_at__lte=now).update(
        state=PostState.ARCHIVED, updated_at=now
    )


@transaction.atomic
def post_archive(*, actor: User, post_id: int) -> Post:
    post, _role = _post_for_writer(actor, post_id)
    _require_role(actor, post.publisher_id, publisher=True)
    if post.state != PostState.PUBLISHED:
        raise Conflict(_("Only a published post can be archived."), code="not_published")
    before = audit.snapshot(post)
    post.state = PostState.ARCHIVED
    post.save(update_fields=["state", "updated_at"])
    audit.record(
        actor=actor,
        instance=post,
        before=before,
        verb="post_archive",
        village_id=post.village_id,
    )
    return post


@transaction.atomic
def post_delete(*, actor: User, post_id: int) -> None:
    """A post that never reached readers may be deleted; a published one is archived."""
    post, _role = _post_for_writer(actor, post_id)
    if post.state not in (PostState.DRAFT, PostState.IN_REVIEW):
        raise Conflict(_("Only drafts can be deleted."), code="not_draft")
    files = [str(image.image.name) for image in post.images.all()]
    files += [str(attachment.file.name) for attachment in post.attachments.all()]
    post.delete()

    def delete_files() -> None:
        for name in files:
            default_storage.delete(name)

    transaction.on_commit(delete_files)


def post_image_add(*, actor: User, post_id: int, upload: IO[bytes], size: int) -> PostImage:
    """The marketplace's photo rules: re-encoded JPEG, bounded, without EXIF."""
    with transaction.atomic():
        _post_for_writer(actor, post_id)
    prepared = photo_prepare(upload, size=size)
    with transaction.atomic():
        post, _role = _post_for_writer(actor, post_id)
        if post.images.count() >= MAX_IMAGES:
            raise ValidationFailed(
                fields={"image": [_("At most %(n)d images per post.") % {"n": MAX_IMAGES}]},
                code="too_many_images",
            )
        image = PostImage(post=post, width=prepared.width, height=prepared.height)
        image.image.save(prepared.content.name or "photo.jpg", prepared.content, save=False)
        try:
            image.save()
        except Exception:
            default_storage.delete(str(image.image.name))
            raise
    return image


def post_attachment_add(
    *, actor: User, post_id: int, upload: IO[bytes], size: int, name: str
) -> PostAttachment:
    """A PDF (checked by its signature, not its name), at most 8 MiB."""
    with transaction.atomic():
        _post_for_writer(actor, post_id)
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(fields={"file": [_("The file is too large.")]}, code="too_large")
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise ValidationFailed(
            fields={"file": [_("Only PDF files are accepted.")]}, code="invalid_file"
        )
    from django.core.files.base import ContentFile

    content = ContentFile(upload.read(MAX_ATTACHMENT_BYTES + 1), name="attachment.pdf")
    safe_name = (german_slug(name.rsplit(".", 1)[0])[:100] or "dokument") + ".pdf"
    with transaction.atomic():
        post, _role = _post_for_writer(actor, post_id)
        if post.attachments.count() >= MAX_ATTACHMENTS:
            raise ValidationFailed(
                fields={"file": [_("At most %(n)d files per post.") % {"n": MAX_ATTACHMENTS}]},
                code="too_many_files",
            )
        attachment = PostAttachment(post=post, name=safe_name, size_bytes=content.size)
        attachment.file.save(safe_name, content, save=False)
        try:
            attachment.save()
        except Exception:
            default_storage.delete(str(attachment.file.name))
            raise
    return attachment


# --- readers --------------------------------------------------------------------------------


@transaction.atomic
def post_mark_read(*, user: User, post_id: int) -> PostRead:
    post = Post.objects.filter(visible_at(timezone.now()), pk=post_id).first()
    if post is None:
        raise NotFound()
    require_member(user, post.village_id)
    read, _created = PostRead.objects.get_or_create(post=post, user=user)
    return read


@transaction.atomic
def mutes_set(*, user: User, village_id: int, category_ids: list[int]) -> list[int]:
    """Replace the user's muted news categories of one village; returns them."""
    require_member(user, village_id)
    wanted = set(category_ids)
    known = set(
        NewsCategory.objects.filter(village_id=village_id, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if wanted - known:
        raise ValidationFailed(fields={"muted_category_ids": [_("Unknown category.")]})
    CategoryMute.objects.filter(user=user, category__village_id=village_id).exclude(
        category_id__in=wanted
    ).delete()
    existing = set(
        CategoryMute.objects.filter(user=user, category_id__in=wanted).values_list(
            "category_id", flat=True
        )
    )
    CategoryMute.objects.bulk_create(
        CategoryMute(user=user, category_id=category_id)
        for category_id in sorted(wanted - existing)
    )
    return sorted(wanted)

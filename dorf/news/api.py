from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.parsers import UploadParser
from dorf.core.schema import binary_response, text_response
from dorf.core.serializers import InputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.news import digest, importing, selectors, services, syndication
from dorf.news.models import (
    NewsCategory,
    Post,
    PostState,
    Publisher,
    PublisherKind,
    PublisherRoleKind,
    PushLevel,
)
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Village
from dorf.villages.scoping import require_member, require_member_by_slug, require_staff

# --- serializers ----------------------------------------------------------------------------


class NewsCategorySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    position = serializers.IntegerField()


class NewsCategoryInput(InputSerializer):
    name = serializers.CharField(max_length=60)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)


class NewsCategoryUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=60, required=False)
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)


class PublisherSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    club_id = serializers.IntegerField(allow_null=True)


class PublisherInput(InputSerializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=PublisherKind.choices)
    club_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class PublisherRoleSerializer(serializers.Serializer[Any]):
    user_id = serializers.IntegerField()
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField()


class PublisherRoleInput(InputSerializer):
    user_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=PublisherRoleKind.choices)


class PostListSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    teaser = serializers.CharField()
    category = NewsCategorySerializer()
    publisher = serializers.SerializerMethodField()
    official = serializers.BooleanField()
    pinned = serializers.BooleanField()
    state = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    link = serializers.CharField()
    is_read = serializers.BooleanField()

    def get_publisher(self, post: Post) -> dict[str, Any]:
        return {"id": post.publisher_id, "name": post.publisher.name, "kind": post.publisher.kind}


class PostImageSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, obj: Any) -> str:
        return str(obj.image.url)


class PostAttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size_bytes = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj: Any) -> str:
        return str(obj.file.url)


class PostDetailSerializer(PostListSerializer):
    body_html = serializers.CharField()
    images = PostImageSerializer(many=True)
    attachments = PostAttachmentSerializer(many=True)


class WriterPostSerializer(PostListSerializer):
    body_markdown = serializers.CharField()
    body_html = serializers.CharField()
    push = serializers.CharField()
    publish_at = serializers.DateTimeField(allow_null=True)
    author_id = serializers.IntegerField(allow_null=True)
    approved_by_id = serializers.IntegerField(allow_null=True)
    pushed_at = serializers.DateTimeField(allow_null=True)
    pushed_count = serializers.IntegerField()


class PostInput(InputSerializer):
    publisher_id = serializers.IntegerField()
    category_id = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    teaser = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    body = serializers.CharField(max_length=50_000, required=False, default="", allow_blank=True)
    official = serializers.BooleanField(required=False, default=False)
    pinned = serializers.BooleanField(required=False, default=False)
    push = serializers.ChoiceField(choices=PushLevel.choices, required=False, default="none")
    publish_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class PostUpdateInput(InputSerializer):
    category_id = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=200, required=False)
    teaser = serializers.CharField(max_length=500, required=False, allow_blank=True)
    body = serializers.CharField(max_length=50_000, required=False, allow_blank=True)
    official = serializers.BooleanField(required=False)
    pinned = serializers.BooleanField(required=False)
    push = serializers.ChoiceField(choices=PushLevel.choices, required=False)
    publish_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False)


class PublishInput(InputSerializer):
    publish_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class ImageInput(InputSerializer):
    image = serializers.FileField()


class AttachmentInput(InputSerializer):
    file = serializers.FileField()


class MutesSerializer(InputSerializer):
    muted_category_ids = serializers.ListField(
        child=serializers.IntegerField(), max_length=100, allow_empty=True
    )


class FeedSourceSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()
    publisher_id = serializers.IntegerField()
    category_id = serializers.IntegerField()
    active = serializers.BooleanField()
    last_polled_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField()
    last_imported_at = serializers.DateTimeField(
        allow_null=True, help_text="When the feed was last stored (not a 304, not a refusal)."
    )
    last_import_created = serializers.IntegerField(help_text="Posts that import created.")
    last_import_known = serializers.IntegerField(help_text="Entries imported before.")
    last_import_skipped = serializers.IntegerField(
        help_text="Entries without a title or without a GUID and a link."
    )


class FeedSourceInput(InputSerializer):
    name = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    url = serializers.URLField(max_length=500)
    publisher_id = serializers.IntegerField()
    category_id = serializers.IntegerField()


class FeedSourceUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    url = serializers.URLField(max_length=500, required=False)
    publisher_id = serializers.IntegerField(required=False)
    category_id = serializers.IntegerField(required=False)
    active = serializers.BooleanField(
        required=False, help_text="false pauses the source: the periodic import leaves it out."
    )


class PublishedFirstCursor(IdCursorPagination):
    ordering = ("-published_at", "-id")


class NewestFirstCursor(IdCursorPagination):
    ordering = ("-id",)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name) in {"1", "true"}


def _post_of_member(request: AuthedRequest, post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id).only("pk", "village_id").first()
    if post is None:
        raise NotFound()
    require_member(request.user, post.village_id)
    return post


# --- residents ------------------------------------------------------------------------------


class PostListView(APIView):
    pagination_class = PublishedFirstCursor

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, required=False, description="category slug"),
            OpenApiParameter("pinned", bool, required=False),
            OpenApiParameter("official", bool, required=False),
        ],
        responses=PostListSerializer(many=True),
        tags=["news"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        posts = selectors.post_list(
            user=request.user,
            village=village,
            category_slug=request.query_params.get("category") or None,
            pinned_only=_flag(request, "pinned"),
            official_only=_flag(request, "official"),
        )
        return paginate(self, request, posts, PostListSerializer)

    @extend_schema(request=PostInput, responses={201: WriterPostSerializer}, tags=["news"])
    def post(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        data = PostInput.parse(request.data)
        post = services.post_create(actor=request.user, village_id=village.pk, **data)
        return Response(_writer_view(request, post.pk), status=status.HTTP_201_CREATED)


def _writer_view(request: AuthedRequest, post_id: int) -> dict[str, Any]:
    post = selectors.post_detail(user=request.user, post_id=post_id)
    return dict(WriterPostSerializer(post).data)


class PostDetailView(APIView):
    @extend_schema(responses=PostDetailSerializer, tags=["news"])
    def get(self, request: AuthedRequest, post_id: int) -> Response:
        post = selectors.post_detail(user=request.user, post_id=post_id)
        return Response(PostDetailSerializer(post).data)

    @extend_schema(request=PostUpdateInput, responses=WriterPostSerializer, tags=["news"])
    def patch(self, request: AuthedRequest, post_id: int) -> Response:
        data = PostUpdateInput.parse(request.data)
        services.post_update(actor=request.user, post_id=post_id, **data)
        return Response(_writer_view(request, post_id))

    @extend_schema(responses={204: None}, tags=["news"])
    def delete(self, request: AuthedRequest, post_id: int) -> Response:
        services.post_delete(actor=request.user, post_id=post_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostReadSerializer(serializers.Serializer[Any]):
    post_id = serializers.IntegerField()
    read_at = serializers.DateTimeField()


class PostReadView(APIView):
    @extend_schema(request=None, responses=PostReadSerializer, tags=["news"])
    def post(self, request: AuthedRequest, post_id: int) -> Response:
        read = services.post_mark_read(user=request.user, post_id=post_id)
        return Response({"post_id": post_id, "read_at": read.read_at})


class PostActionView(APIView):
    """submit, publish, return-to-draft, archive: one state step each."""

    action: str = ""

    @extend_schema(request=PublishInput, responses=WriterPostSerializer, tags=["news"])
    def post(self, request: AuthedRequest, post_id: int) -> Response:
        if self.action == "publish":
            data = PublishInput.parse(request.data)
            services.post_publish(actor=request.user, post_id=post_id, **data)
        else:
            InputSerializer.parse(request.data)
            step = {
                "submit": services.post_submit,
                "draft": services.post_return_to_draft,
                "archive": services.post_archive,
            }[self.action]
            step(actor=request.user, post_id=post_id)
        return Response(_writer_view(request, post_id))


class PostImageView(APIView):
    parser_classes = [UploadParser]

    @extend_schema(request=ImageInput, responses={201: PostImageSerializer}, tags=["news"])
    def post(self, request: AuthedRequest, post_id: int) -> Response:
        _post_of_member(request, post_id)
        upload = ImageInput.parse(request.data)["image"]
        image = services.post_image_add(
            actor=request.user, post_id=post_id, upload=upload, size=upload.size
        )
        return Response(PostImageSerializer(image).data, status=status.HTTP_201_CREATED)


class PostAttachmentView(APIView):
    parser_classes = [UploadParser]

    @extend_schema(
        request=AttachmentInput, responses={201: PostAttachmentSerializer}, tags=["news"]
    )
    def post(self, request: AuthedRequest, post_id: int) -> Response:
        _post_of_member(request, post_id)
        upload = AttachmentInput.parse(request.data)["file"]
        attachment = services.post_attachment_add(
            actor=request.user,
            post_id=post_id,
            upload=upload,
            size=upload.size,
            name=upload.name or "dokument.pdf",
        )
        return Response(PostAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class WriterPostListView(APIView):
    pagination_class = NewestFirstCursor

    @extend_schema(
        parameters=[OpenApiParameter("state", str, required=False, enum=PostState.values)],
        responses=WriterPostSerializer(many=True),
        tags=["news"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        state = request.query_params.get("state") or None
        if state is not None and state not in PostState.values:
            raise ValidationFailed(fields={"state": [_("Unknown state.")]})
        posts = selectors.writer_post_list(user=request.user, village=village, state=state)
        return paginate(self, request, posts, WriterPostSerializer)


class MutesView(APIView):
    @extend_schema(responses=MutesSerializer, tags=["news"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        ids = selectors.muted_category_ids(user=request.user, village=village)
        return Response({"muted_category_ids": ids})

    @extend_schema(request=MutesSerializer, responses=MutesSerializer, tags=["news"])
    def put(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        data = MutesSerializer.parse(request.data)
        ids = services.mutes_set(
            user=request.user, village_id=village.pk, category_ids=data["muted_category_ids"]
        )
        return Response({"muted_category_ids": ids})


# --- categories, publishers, roles (village staff) ------------------------------------------


class CategoryListView(APIView):
    @extend_schema(responses=NewsCategorySerializer(many=True), tags=["news"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        return Response(
            NewsCategorySerializer(selectors.category_list(village=village), many=True).data
        )

    @extend_schema(
        request=NewsCategoryInput, responses={201: NewsCategorySerializer}, tags=["news"]
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        data = NewsCategoryInput.parse(request.data)
        category = services.category_create(actor=request.user, village_id=village.pk, **data)
        return Response(NewsCategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailView(APIView):
    @extend_schema(request=NewsCategoryUpdateInput, responses=NewsCategorySerializer, tags=["news"])
    def patch(self, request: AuthedRequest, category_id: int) -> Response:
        data = NewsCategoryUpdateInput.parse(request.data)
        category = services.category_update(actor=request.user, category_id=category_id, **data)
        return Response(NewsCategorySerializer(category).data)

    @extend_schema(responses={204: None}, tags=["news"])
    def delete(self, request: AuthedRequest, category_id: int) -> Response:
        services.category_delete(actor=request.user, category_id=category_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublisherListView(APIView):
    @extend_schema(responses=PublisherSerializer(many=True), tags=["news"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        publishers = selectors.publisher_list(village=village)
        return Response(PublisherSerializer(publishers, many=True).data)

    @extend_schema(request=PublisherInput, responses={201: PublisherSerializer}, tags=["news"])
    def post(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        data = PublisherInput.parse(request.data)
        publisher = services.publisher_create(actor=request.user, village_id=village.pk, **data)
        return Response(PublisherSerializer(publisher).data, status=status.HTTP_201_CREATED)


def _publisher_for_staff(request: AuthedRequest, publisher_id: int) -> Publisher:
    publisher = Publisher.objects.filter(pk=publisher_id).first()
    if publisher is None:
        raise NotFound()
    require_staff(require_member(request.user, publisher.village_id))
    return publisher


class RoleListView(APIView):
    @extend_schema(responses=PublisherRoleSerializer(many=True), tags=["news"])
    def get(self, request: AuthedRequest, publisher_id: int) -> Response:
        publisher = _publisher_for_staff(request, publisher_id)
        roles = selectors.publisher_roles(publisher_id=publisher.pk)
        return Response(PublisherRoleSerializer(roles, many=True).data)

    @extend_schema(request=PublisherRoleInput, responses=PublisherRoleSerializer, tags=["news"])
    def put(self, request: AuthedRequest, publisher_id: int) -> Response:
        data = PublisherRoleInput.parse(request.data)
        role = services.publisher_role_set(actor=request.user, publisher_id=publisher_id, **data)
        return Response(PublisherRoleSerializer(role).data)


class RoleDetailView(APIView):
    @extend_schema(responses={204: None}, tags=["news"])
    def delete(self, request: AuthedRequest, publisher_id: int, user_id: int) -> Response:
        services.publisher_role_remove(
            actor=request.user, publisher_id=publisher_id, user_id=user_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedSourceListView(APIView):
    @extend_schema(responses=FeedSourceSerializer(many=True), tags=["news"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_staff(require_member_by_slug(request.user, slug))
        sources = selectors.feed_source_list(village=membership.village)
        return Response(FeedSourceSerializer(sources, many=True).data)

    @extend_schema(request=FeedSourceInput, responses={201: FeedSourceSerializer}, tags=["news"])
    def post(self, request: AuthedRequest, slug: str) -> Response:
        village = require_member_by_slug(request.user, slug).village
        data = FeedSourceInput.parse(request.data)
        source = importing.feed_source_create(actor=request.user, village_id=village.pk, **data)
        return Response(FeedSourceSerializer(source).data, status=status.HTTP_201_CREATED)


class FeedSourceDetailView(APIView):
    @extend_schema(responses=FeedSourceSerializer, tags=["news"])
    def get(self, request: AuthedRequest, source_id: int) -> Response:
        source = selectors.feed_source_for_staff(user=request.user, source_id=source_id)
        return Response(FeedSourceSerializer(source).data)

    @extend_schema(
        request=FeedSourceUpdateInput,
        responses=FeedSourceSerializer,
        tags=["news"],
        description="Staff rename a feed source, change its address (checked like a new "
        "one), publisher or category, or pause and activate it.",
    )
    def patch(self, request: AuthedRequest, source_id: int) -> Response:
        data = FeedSourceUpdateInput.parse(request.data)
        source = importing.feed_source_update(actor=request.user, source_id=source_id, **data)
        return Response(FeedSourceSerializer(source).data)


class FeedImportResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()
    known = serializers.IntegerField()
    skipped = serializers.IntegerField()
    not_modified = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True)


class FeedSourceImportView(APIView):
    @extend_schema(request=None, responses=FeedImportResultSerializer, tags=["news"])
    def post(self, request: AuthedRequest, source_id: int) -> Response:
        source = selectors.feed_source_for_staff(user=request.user, source_id=source_id)
        if not source.active:
            raise Conflict(_("This feed source is paused; activate it first."))
        result = importing.feed_source_import(source_id=source.pk)
        return Response(
            {
                "created": result.created,
                "known": result.known,
                "skipped": result.skipped,
                "not_modified": result.not_modified,
                "error": result.error,
            }
        )


# --- RSS 2.0 / Atom 1.0 (public: feed readers cannot sign in) -------------------------------

FEED_RESPONSE = {
    **text_response("application/rss+xml", "RSS 2.0 (news.rss)"),
    **text_response("application/atom+xml", "Atom 1.0 (news.atom)"),
}


class NewsFeedView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [AnonThrottle]
    kind = "rss"

    @extend_schema(
        parameters=[OpenApiParameter("category", str, required=False)],
        responses={**FEED_RESPONSE, 304: None},
        tags=["news"],
        auth=[],
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        village = Village.objects.filter(slug=slug).first()
        if village is None:
            raise NotFound()
        category_slug = request.query_params.get("category") or None
        category: NewsCategory | None = None
        if category_slug is not None:
            category = NewsCategory.objects.filter(village=village, slug=category_slug).first()
            if category is None:
                raise NotFound()
        count, last = selectors.feed_state(village=village, category_slug=category_slug)
        etag = syndication.feed_etag(
            village=village, kind=self.kind, category=category_slug or "", count=count, last=last
        )
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300"}
        if last is not None:
            headers["Last-Modified"] = http_date(last.timestamp())
        if _not_modified(request._request, etag, last):
            return HttpResponse(status=304, headers=headers)
        feed_path = reverse(f"news:feed-{self.kind}", kwargs={"slug": slug})
        query = f"?category={category_slug}" if category_slug else ""
        title = village.name if category is None else f"{village.name}: {category.name}"
        body = syndication.render_feed(
            kind=self.kind,
            village=village,
            title=_("News from %(village)s") % {"village": title},
            description=_("News and official notices of %(village)s") % {"village": village.name},
            link=request.build_absolute_uri(reverse("news:post-list", kwargs={"slug": slug})),
            feed_url=request.build_absolute_uri(feed_path + query),
            item_link=request.build_absolute_uri("/api/v1/news/{id}/"),
            posts=selectors.feed_posts(
                village=village, category_slug=category_slug, limit=syndication.FEED_ITEMS
            ),
        )
        return HttpResponse(
            body, content_type=syndication.CONTENT_TYPES[self.kind], headers=headers
        )


def _not_modified(request: HttpRequest, etag: str, last: Any) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        candidates = {tag.strip() for tag in if_none_match.split(",")}
        return etag in candidates or quote_etag(etag) in candidates or "*" in candidates
    since = request.headers.get("If-Modified-Since")
    if since and last is not None:
        from django.utils.http import parse_http_date_safe

        parsed = parse_http_date_safe(since)
        return parsed is not None and int(last.timestamp()) <= parsed
    return False


class DigestView(APIView):
    """The printed weekly digest as PDF (members of the village)."""

    @extend_schema(
        parameters=[OpenApiParameter("week", str, required=False, description="e.g. 2026-W49")],
        responses=binary_response("application/pdf", "The weekly digest, A4"),
        tags=["news"],
    )
    def get(self, request: AuthedRequest, slug: str) -> HttpResponse:
        village = require_member_by_slug(request.user, slug).village
        today = timezone.now().astimezone(ZoneInfo(village.timezone)).date()
        monday = digest.parse_week(request.query_params.get("week"), today=today)
        pdf = digest.render_digest(village=village, monday=monday)
        week = monday.isocalendar()
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'inline; filename="{village.slug}-{week.year}-W{week.week:02d}.pdf"'
                )
            },
        )

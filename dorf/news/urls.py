from django.urls import path

from dorf.news import api

app_name = "news"

urlpatterns = [
    path("villages/<slug:slug>/news/", api.PostListView.as_view(), name="post-list"),
    path("villages/<slug:slug>/news/mine/", api.WriterPostListView.as_view(), name="writer-posts"),
    path(
        "villages/<slug:slug>/news/categories/",
        api.CategoryListView.as_view(),
        name="category-list",
    ),
    path(
        "villages/<slug:slug>/news/publishers/",
        api.PublisherListView.as_view(),
        name="publisher-list",
    ),
    path("villages/<slug:slug>/news/mutes/", api.MutesView.as_view(), name="mutes"),
    path(
        "villages/<slug:slug>/news/feed-sources/",
        api.FeedSourceListView.as_view(),
        name="feed-source-list",
    ),
    path(
        "villages/<slug:slug>/news.rss",
        api.NewsFeedView.as_view(kind="rss"),
        name="feed-rss",
    ),
    path(
        "villages/<slug:slug>/news.atom",
        api.NewsFeedView.as_view(kind="atom"),
        name="feed-atom",
    ),
    path("villages/<slug:slug>/digest.pdf", api.DigestView.as_view(), name="digest"),
    path("news/<int:post_id>/", api.PostDetailView.as_view(), name="post-detail"),
    path("news/<int:post_id>/read/", api.PostReadView.as_view(), name="post-read"),
    path(
        "news/<int:post_id>/submit/",
        api.PostActionView.as_view(action="submit"),
        name="post-submit",
    ),
    path(
        "news/<int:post_id>/publish/",
        api.PostActionView.as_view(action="publish"),
        name="post-publish",
    ),
    path(
        "news/<int:post_id>/return-to-draft/",
        api.PostActionView.as_view(action="draft"),
        name="post-draft",
    ),
    path(
        "news/<int:post_id>/archive/",
        api.PostActionView.as_view(action="archive"),
        name="post-archive",
    ),
    path("news/<int:post_id>/images/", api.PostImageView.as_view(), name="post-images"),
    path(
        "news/<int:post_id>/attachments/",
        api.PostAttachmentView.as_view(),
        name="post-attachments",
    ),
    path(
        "news/categories/<int:category_id>/",
        api.CategoryDetailView.as_view(),
        name="category-detail",
    ),
    path(
        "news/publishers/<int:publisher_id>/roles/",
        api.RoleListView.as_view(),
        name="role-list",
    ),
    path(
        "news/publishers/<int:publisher_id>/roles/<int:user_id>/",
        api.RoleDetailView.as_view(),
        name="role-detail",
    ),
    path(
        "news/feed-sources/<int:source_id>/",
        api.FeedSourceDetailView.as_view(),
        name="feed-source-detail",
    ),
    path(
        "news/feed-sources/<int:source_id>/import/",
        api.FeedSourceImportView.as_view(),
        name="feed-source-import",
    ),
]

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dorf.news.models import Post, PostRead, PostState
from tests.factories import MembershipFactory
from tests.news.factories import PostFactory

pytestmark = pytest.mark.django_db


def _list_url(village, **query):
    url = reverse("news:post-list", kwargs={"slug": village.slug})
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def test_residents_list_published_posts_by_category_with_a_cursor(
    newsroom, member, client_for, django_assert_num_queries
) -> None:
    # given: 3 published town-hall posts, 1 building post, a draft and an expired post
    now = timezone.now()
    for hours in (3, 2, 1):
        PostFactory(
            village=newsroom.village,
            publisher=newsroom.publisher,
            category=newsroom.rathaus,
            publish_at=now - timedelta(hours=hours),
        )
    PostFactory(village=newsroom.village, publisher=newsroom.publisher, category=newsroom.bauen)
    PostFactory(
        village=newsroom.village,
        publisher=newsroom.publisher,
        category=newsroom.rathaus,
        state=PostState.DRAFT,
        publish_at=None,
        published_at=None,
    )
    PostFactory(
        village=newsroom.village,
        publisher=newsroom.publisher,
        category=newsroom.rathaus,
        expires_at=now - timedelta(minutes=1),
        publish_at=now - timedelta(days=2),
    )
    client = client_for(member.user)
    # when: page one of the town-hall category, two per page
    client.get(_list_url(newsroom.village))  # warm the auth path
    with django_assert_num_queries(3):  # token, membership, page
        first = client.get(_list_url(newsroom.village, category="rathaus", page_size=2))
    # then: newest first, a cursor to the rest
    assert first.status_code == 200
    body = first.json()
    titles = [item["title"] for item in body["results"]]
    assert len(titles) == 2
    assert body["results"][0]["published_at"] > body["results"][1]["published_at"]
    second = client.get(body["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    everything = client.get(_list_url(newsroom.village)).json()["results"]
    assert len(everything) == 4


def test_the_list_query_count_does_not_grow_with_posts(
    newsroom, member, client_for, django_assert_num_queries
) -> None:
    for _ in range(20):
        PostFactory(village=newsroom.village, publisher=newsroom.publisher, category=newsroom.bauen)
    client = client_for(member.user)
    client.get(_list_url(newsroom.village))
    with django_assert_num_queries(3):
        response = client.get(_list_url(newsroom.village))
    assert len(response.json()["results"]) == 20


def test_detail_and_mark_read(newsroom, member, client_for) -> None:
    post = PostFactory(village=newsroom.village, publisher=newsroom.publisher)
    client = client_for(member.user)
    detail = client.get(reverse("news:post-detail", kwargs={"post_id": post.pk}))
    assert detail.status_code == 200
    assert detail.json()["is_read"] is False
    assert detail.json()["body_html"] == "<p>Text</p>"
    read = client.post(reverse("news:post-read", kwargs={"post_id": post.pk}))
    assert read.status_code == 200
    client.post(reverse("news:post-read", kwargs={"post_id": post.pk}))
    assert PostRead.objects.filter(post=post, user=member.user).count() == 1
    listed = client.get(_list_url(newsroom.village)).json()["results"]
    assert listed[0]["is_read"] is True


def test_a_draft_is_not_found_for_residents_but_visible_to_its_writers(
    newsroom, member, client_for
) -> None:
    draft = PostFactory(
        village=newsroom.village,
        publisher=newsroom.publisher,
        state=PostState.DRAFT,
        publish_at=None,
        published_at=None,
    )
    url = reverse("news:post-detail", kwargs={"post_id": draft.pk})
    assert client_for(member.user).get(url).status_code == 404
    assert client_for(newsroom.editor).get(url).status_code == 200


def test_the_whole_workflow_through_the_api(newsroom, client_for) -> None:
    editor, chief = client_for(newsroom.editor), client_for(newsroom.chief)
    # when: the editor creates and submits, the chief publishes
    created = editor.post(
        _list_url(newsroom.village),
        {
            "publisher_id": newsroom.publisher.pk,
            "category_id": newsroom.rathaus.pk,
            "title": "Gemeinderat",
            "body": "**Dienstag** <script>x()</script>",
            "push": "normal",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    post_id = created.json()["id"]
    assert "<script>" not in created.json()["body_html"]
    assert editor.post(reverse("news:post-submit", kwargs={"post_id": post_id})).status_code == 200
    refused = editor.post(reverse("news:post-publish", kwargs={"post_id": post_id}))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_publisher"
    published = chief.post(reverse("news:post-publish", kwargs={"post_id": post_id}))
    # then
    assert published.status_code == 200
    assert published.json()["state"] == "published"
    assert published.json()["pushed_count"] == 4


def test_bad_post_input_gets_a_clear_400(newsroom, client_for) -> None:
    client = client_for(newsroom.editor)
    url = _list_url(newsroom.village)
    base = {"publisher_id": newsroom.publisher.pk, "category_id": newsroom.rathaus.pk}
    no_title = client.post(url, base, format="json")
    assert no_title.status_code == 400
    assert "title" in no_title.json()["error"]["fields"]
    mass = client.post(url, {**base, "title": "x", "state": "published"}, format="json")
    assert mass.status_code == 400
    assert "state" in mass.json()["error"]["fields"]
    bad_push = client.post(url, {**base, "title": "x", "push": "loud"}, format="json")
    assert bad_push.status_code == 400
    assert not Post.objects.exists()


def test_an_image_loses_its_exif_and_a_pdf_is_checked_by_its_signature(
    newsroom, client_for
) -> None:
    post = PostFactory(
        village=newsroom.village,
        publisher=newsroom.publisher,
        state=PostState.DRAFT,
        publish_at=None,
        published_at=None,
    )
    client = client_for(newsroom.editor)
    image = Image.new("RGB", (2400, 1200), "blue")
    exif = Image.Exif()
    exif[0x8825] = {2: (50.0, 47.0, 24.0)}
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    uploaded = client.post(
        reverse("news:post-images", kwargs={"post_id": post.pk}),
        {"image": SimpleUploadedFile("foto.jpg", raw.getvalue(), content_type="image/jpeg")},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["width"] == 1600
    stored = post.images.get()
    with stored.image.open("rb") as handle, Image.open(handle) as reopened:
        assert not reopened.getexif()
    pdf_url = reverse("news:post-attachments", kwargs={"post_id": post.pk})
    fake = client.post(
        pdf_url,
        {"file": SimpleUploadedFile("plan.pdf", b"MZ\x90 not a pdf", "application/pdf")},
        format="multipart",
    )
    assert fake.status_code == 400
    real = client.post(
        pdf_url,
        {"file": SimpleUploadedFile("Bebauungsplan Nr. 7.pdf", b"%PDF-1.7\n%%EOF\n", "x/y")},
        format="multipart",
    )
    assert real.status_code == 201
    assert real.json()["name"] == "bebauungsplan-nr-7.pdf"


def test_staff_manage_categories_publishers_and_roles(newsroom, member, client_for) -> None:
    staff = client_for(newsroom.staff)
    created = staff.post(
        reverse("news:category-list", kwargs={"slug": newsroom.village.slug}),
        {"name": "Kita & Schule"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["slug"] == "kita-schule"
    german = staff.post(
        reverse("news:category-list", kwargs={"slug": newsroom.village.slug}),
        {"name": "Straßen & Plätze"},
        format="json",
    )
    assert german.json()["slug"] == "strassen-plaetze"
    resident = client_for(member.user)
    refused = resident.post(
        reverse("news:category-list", kwargs={"slug": newsroom.village.slug}),
        {"name": "Meins"},
        format="json",
    )
    assert refused.status_code == 403
    role_url = reverse("news:role-list", kwargs={"publisher_id": newsroom.publisher.pk})
    assigned = staff.put(role_url, {"user_id": member.user.pk, "role": "editor"}, format="json")
    assert assigned.status_code == 200
    assert {r["user_id"] for r in staff.get(role_url).json()} >= {member.user.pk}
    assert resident.get(role_url).status_code == 403
    stranger = MembershipFactory().user
    outside = staff.put(role_url, {"user_id": stranger.pk, "role": "editor"}, format="json")
    assert outside.status_code == 400


def test_mutes_are_per_village_categories(newsroom, member, client_for, other_village) -> None:
    client = client_for(member.user)
    url = reverse("news:mutes", kwargs={"slug": newsroom.village.slug})
    saved = client.put(url, {"muted_category_ids": [newsroom.bauen.pk]}, format="json")
    assert saved.json() == {"muted_category_ids": [newsroom.bauen.pk]}
    assert client.get(url).json() == {"muted_category_ids": [newsroom.bauen.pk]}
    from tests.news.factories import NewsCategoryFactory

    foreign = NewsCategoryFactory(village=other_village)
    refused = client.put(url, {"muted_category_ids": [foreign.pk]}, format="json")
    assert refused.status_code == 400

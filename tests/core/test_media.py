"""Uploaded files are served by dorf.core.media, only to those allowed to see them."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dorf.news.models import PostAttachment, PostImage
from dorf.reports.models import ReportPhoto
from tests.factories import MembershipFactory
from tests.marketplace.factories import PostingFactory
from tests.news.factories import PostFactory, PublisherRoleFactory
from tests.participation.factories import proposal_in
from tests.reports.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="JPEG")
    return out.getvalue()


def _posting_photo_url(client, posting) -> str:
    url = reverse("marketplace:posting-photos", kwargs={"posting_id": posting.pk})
    upload = SimpleUploadedFile("foto.jpg", _jpeg(), content_type="image/jpeg")
    response = client.post(url, {"image": upload}, format="multipart")
    assert response.status_code == 201, response.content
    return str(response.json()["url"])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_member_fetches_an_uploaded_posting_photo_and_an_outsider_gets_404(
    village, outsider, client_for, api_client
) -> None:
    # given a photo uploaded to a posting, its URL as the API answered it
    author = MembershipFactory(village=village).user
    posting = PostingFactory(village=village, author=author)
    url = _posting_photo_url(client_for(author), posting)
    assert url.startswith("/media/marketplace/")
    neighbour = MembershipFactory(village=village).user

    # when a member of the village, a member of another village and nobody fetch it
    own = client_for(neighbour).get(url)
    foreign = client_for(outsider.user).get(url)
    anonymous = api_client.get(url)

    # then only the member gets the JPEG; the others cannot tell it exists
    assert own.status_code == 200
    assert own["Content-Type"] == "image/jpeg"
    assert own["Cache-Control"] == "private, max-age=3600"
    with Image.open(io.BytesIO(_body(own))) as image:
        assert image.size == (40, 30)
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "not_found"
    assert anonymous.status_code == 404
    # and the posting's own answer links the same URL
    detail = client_for(neighbour).get(
        reverse("marketplace:posting-detail", kwargs={"posting_id": posting.pk})
    )
    assert [p["url"] for p in detail.json()["photos"]] == [url]


def test_behind_the_reverse_proxy_the_file_is_handed_over_by_x_accel_redirect(
    village, client_for
) -> None:
    author = MembershipFactory(village=village).user
    url = _posting_photo_url(client_for(author), PostingFactory(village=village, author=author))

    with override_settings(DORF_MEDIA_ACCEL_PREFIX="/protected-media/"):
        response = client_for(author).get(url, HTTP_ACCEPT="image/webp,image/*")

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-media/" + url.removeprefix("/media/")
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == b""


@pytest.mark.parametrize(
    "name", ["../config/settings.py", "marketplace/../../etc/passwd", "unknown/x.jpg"]
)
def test_paths_outside_an_apps_uploads_are_404(member, client_for, name) -> None:
    response = client_for(member.user).get(f"/media/{name}")
    assert response.status_code == 404


def test_report_photos_unapproved_for_staff_and_reporter_approved_public_ones_for_all(
    village, outsider, client_for, api_client
) -> None:
    # given a public report with one unapproved and one approved photo
    reporter = MembershipFactory(village=village).user
    report = ReportFactory(village=village, reporter=reporter, public=True)
    pending = ReportPhoto.objects.create(report=report, width=40, height=30)
    pending.image.save("pending.jpg", ContentFile(_jpeg()))
    approved = ReportPhoto.objects.create(
        report=report, width=40, height=30, approved_at=timezone.now()
    )
    approved.image.save("approved.jpg", ContentFile(_jpeg()))
    neighbour = client_for(MembershipFactory(village=village).user)

    # then the reporter sees the pending photo, a neighbour does not
    assert client_for(reporter).get(pending.image.url).status_code == 200
    assert neighbour.get(pending.image.url).status_code == 404
    # and the approved one is public, like the Open311 feed that links it
    assert api_client.get(approved.image.url).status_code == 200
    assert client_for(outsider.user).get(approved.image.url).status_code == 200


def test_news_files_for_the_villages_members_and_drafts_for_their_writers(
    village, outsider, client_for
) -> None:
    published = PostFactory(village=village)
    image = PostImage.objects.create(post=published, width=40, height=30)
    image.image.save("bild.jpg", ContentFile(_jpeg()))
    draft = PostFactory(
        village=village, publisher=published.publisher, state="draft", published_at=None
    )
    attachment = PostAttachment.objects.create(post=draft, name="Plan.pdf", size_bytes=4)
    attachment.file.save("plan.pdf", ContentFile(b"%PDF"))
    member = client_for(MembershipFactory(village=village).user)
    writer = MembershipFactory(village=village).user
    PublisherRoleFactory(publisher=draft.publisher, user=writer)

    assert member.get(image.image.url).status_code == 200
    assert client_for(outsider.user).get(image.image.url).status_code == 404
    assert member.get(attachment.file.url).status_code == 404
    download = client_for(writer).get(attachment.file.url)
    assert download.status_code == 200
    # not an image: offered as a download, never shown as a page of dorf's origin
    assert download["Content-Disposition"] == "attachment"
    assert _body(download) == b"%PDF"


def test_every_app_with_uploads_declares_who_may_see_them() -> None:
    # given every upload field of dorf
    uploads = [
        (model, field)
        for model in apps.get_models()
        if model.__module__.startswith("dorf.")
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]
    assert len(uploads) >= 4
    for model, field in uploads:
        config = apps.get_app_config(model._meta.app_label)
        # then its files live under the app's label and the app says who may fetch them
        # (without a declaration dorf.core.media serves them to nobody)
        assert str(field.upload_to).startswith(f"{config.label}/"), model
        assert getattr(config, "media_access", None), model


def test_a_proposal_photo_for_the_villages_members_only(village, outsider, client_for) -> None:
    proposal = proposal_in(village)
    proposal.photo.save("vorschlag.jpg", ContentFile(_jpeg()))
    member = client_for(MembershipFactory(village=village).user)

    assert member.get(proposal.photo.url).status_code == 200
    assert client_for(outsider.user).get(proposal.photo.url).status_code == 404

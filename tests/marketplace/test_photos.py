from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import MembershipFactory
from tests.marketplace.factories import PostingFactory

pytestmark = pytest.mark.django_db


def _jpeg_with_gps(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), "green")
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x8825] = {2: (50.0, 47.0, 24.0)}  # GPSInfo: GPSLatitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def own_posting(village):
    author = MembershipFactory(village=village).user
    return PostingFactory(village=village, author=author)


def _upload(client, posting, content: bytes, name="foto.jpg", content_type="image/jpeg"):
    url = reverse("marketplace:posting-photos", kwargs={"posting_id": posting.pk})
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(url, {"image": upload}, format="multipart")


def test_a_photo_is_resized_to_1600_px_and_loses_its_exif(own_posting, client_for) -> None:
    # given: a large JPEG with a camera make and GPS position
    content = _jpeg_with_gps(3200, 2000)
    # when
    response = _upload(client_for(own_posting.author), own_posting, content)
    # then
    assert response.status_code == 201, response.content
    assert (response.json()["width"], response.json()["height"]) == (1600, 1000)
    photo = own_posting.photos.get()
    with default_storage.open(photo.image.name) as stored, Image.open(stored) as image:
        assert image.size == (1600, 1000)
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}


def test_a_file_that_is_not_an_image_is_rejected(own_posting, client_for) -> None:
    response = _upload(client_for(own_posting.author), own_posting, b"%PDF-1.4 not an image")
    assert response.status_code == 400
    assert "image" in response.json()["error"]["fields"]
    assert not own_posting.photos.exists()


def test_an_unaccepted_image_type_is_rejected(own_posting, client_for) -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    response = _upload(
        client_for(own_posting.author), own_posting, out.getvalue(), "x.gif", "image/gif"
    )
    assert response.status_code == 400
    assert not own_posting.photos.exists()


def test_only_the_author_adds_photos(village, own_posting, client_for) -> None:
    other = MembershipFactory(village=village).user
    response = _upload(client_for(other), own_posting, _jpeg_with_gps(20, 20))
    assert response.status_code == 403
    assert not own_posting.photos.exists()

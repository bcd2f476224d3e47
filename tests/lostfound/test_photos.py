"""Photos of finds: staff and the finder add them (at most five, re-encoded without
EXIF), members see them through the authenticated media path, and an ID document never
has one."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dorf.core.exceptions import ValidationFailed
from dorf.lostfound import services
from dorf.lostfound.models import FindState, FoundItemPhoto, ItemCategory
from tests.factories import MembershipFactory
from tests.lostfound.factories import find_in, staff_of

pytestmark = pytest.mark.django_db


def _jpeg(width: int = 40, height: int = 30) -> bytes:
    image = Image.new("RGB", (width, height), "brown")
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x8825] = {1: "N", 2: (50.0, 47.0, 24.0), 3: "E", 4: (7.0, 1.0, 2.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _url(item, suffix: str = "") -> str:
    return f"/api/v1/villages/{item.village.slug}/lostfound/finds/{item.pk}/{suffix}"


def _upload(client, item, content: bytes | None = None, name: str = "fund.jpg"):
    upload = SimpleUploadedFile(name, content or _jpeg(), content_type="image/jpeg")
    return client.post(_url(item, "photos/"), {"image": upload}, format="multipart")


def _add(item, actor) -> FoundItemPhoto:
    content = _jpeg()
    return services.found_item_photo_add(
        actor=actor.user, found_item_id=item.pk, upload=io.BytesIO(content), size=len(content)
    )


def test_the_finder_adds_a_photo_that_loses_its_exif_and_members_see_it(
    village, client_for, api_client, outsider
) -> None:
    # given: a resident's find
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder)
    # when: the finder uploads a photo with a camera make and a GPS position
    answer = _upload(client_for(finder.user), item, _jpeg(3200, 2000))
    # then: stored re-encoded, without metadata, 1600 px on the long side
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["width"], body["height"]) == (1600, 1000)
    photo = FoundItemPhoto.objects.get(found_item=item)
    with default_storage.open(str(photo.image.name)) as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
    # and another member sees the photo in the list and the detail, never the finder
    # or the secret features
    neighbour = client_for(MembershipFactory(village=village).user)
    listed = neighbour.get(f"/api/v1/villages/{village.slug}/lostfound/finds/").json()
    assert [p["url"] for p in listed["results"][0]["photos"]] == [body["url"]]
    assert listed["results"][0]["finder_name"] is None
    assert "secret_features" not in listed["results"][0]
    detail = neighbour.get(_url(item)).json()
    assert [p["id"] for p in detail["photos"]] == [body["id"]]
    assert (detail["finder_name"], detail["secret_features"]) == (None, None)
    # and the file itself only through the media path, for members only
    assert body["url"].startswith("/media/lostfound/")
    assert neighbour.get(body["url"]).status_code == 200
    assert client_for(outsider.user).get(body["url"]).status_code == 404
    assert api_client.get(body["url"]).status_code == 404


def test_staff_add_photos_and_other_residents_may_not(village, client_for) -> None:
    item = find_in(village)
    resident = client_for(MembershipFactory(village=village).user)
    refused = _upload(resident, item)
    assert refused.status_code == 403
    assert _upload(client_for(staff_of(village).user), item).status_code == 201
    assert FoundItemPhoto.objects.filter(found_item=item).count() == 1


def test_a_sixth_photo_is_refused_and_nothing_is_stored(village, client_for) -> None:
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder)
    for _ in range(5):
        _add(item, finder)
    files_before = sorted(
        default_storage.listdir("lostfound/" + timezone.now().strftime("%Y/%m"))[1]
    )
    answer = _upload(client_for(finder.user), item)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "too_many_photos"
    assert "image" in error["fields"]
    assert FoundItemPhoto.objects.filter(found_item=item).count() == 5
    files_after = sorted(
        default_storage.listdir("lostfound/" + timezone.now().strftime("%Y/%m"))[1]
    )
    assert files_after == files_before  # the refused upload left no file behind


def test_a_find_of_an_id_document_refuses_photos_in_german_and_english(village, client_for) -> None:
    # given: a found identity card
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder, category=ItemCategory.ID_DOCUMENT)
    client = client_for(finder.user)
    # when: the finder tries to add a photo, once in each language
    german = _upload(client, item)
    english = client.post(
        _url(item, "photos/"),
        {"image": SimpleUploadedFile("ausweis.jpg", _jpeg(), content_type="image/jpeg")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then: a 409 in the error shape, nothing stored
    assert german.status_code == english.status_code == 409
    assert german.json()["error"]["code"] == "id_document_photo"
    assert "Ausweis" in german.json()["error"]["message"]
    assert english.json()["error"]["message"] == (
        "Finds of ID documents take no photos: a photo would be a copy of the document."
    )
    assert not FoundItemPhoto.objects.exists()


def test_changing_a_find_to_an_id_document_deletes_its_photos_and_their_files(
    village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a wallet with two photos; it turns out to hold nothing but an identity card
    staff = staff_of(village)
    item = find_in(village)
    names = [str(_add(item, staff).image.name) for _ in range(2)]
    assert all(default_storage.exists(name) for name in names)
    # when: staff change its category
    with django_capture_on_commit_callbacks(execute=True):
        answer = client_for(staff.user).patch(
            _url(item), {"category": "id_document"}, format="json"
        )
    # then: the find is an ID document without photos, rows and files gone
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["category"], answer.json()["photos"]) == ("id_document", [])
    assert not FoundItemPhoto.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    entry = LogEntry.objects.get(additional_data__verb="found_item_update")
    assert entry.additional_data["photos_deleted"] == 2
    # and a new photo is refused
    assert _upload(client_for(staff.user), item).status_code == 409


def test_a_failed_change_keeps_the_photos(village, client_for) -> None:
    staff = staff_of(village)
    item = find_in(village)
    photo = _add(item, staff)
    answer = client_for(staff.user).patch(
        _url(item), {"category": "id_document", "description": "x" * 501}, format="json"
    )
    assert answer.status_code == 400
    assert "description" in answer.json()["error"]["fields"]
    assert FoundItemPhoto.objects.filter(pk=photo.pk).exists()
    assert default_storage.exists(str(photo.image.name))


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"%PDF-1.4 not an image", "image"),
        (_jpeg() + b"PK\x03\x04 a zip behind the picture", "image"),
    ],
)
def test_hostile_uploads_get_a_400_and_store_nothing(village, client_for, content, field):
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder)
    answer = _upload(client_for(finder.user), item, content)
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert not FoundItemPhoto.objects.exists()


def test_a_photo_above_the_fundbueros_limit_is_refused(village, settings) -> None:
    settings.DORF_MAX_PHOTO_BYTES = 64 * 1024 * 1024
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder)
    with pytest.raises(ValidationFailed) as refused:
        services.found_item_photo_add(
            actor=finder.user,
            found_item_id=item.pk,
            upload=io.BytesIO(_jpeg()),
            size=services.MAX_PHOTO_BYTES + 1,
        )
    assert refused.value.code == "invalid_image"
    assert not FoundItemPhoto.objects.exists()


def test_a_closed_case_takes_no_photos_and_the_finder_deletes_one(village, client_for) -> None:
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder)
    photo = _add(item, finder)
    client = client_for(finder.user)
    assert client.delete(_url(item, f"photos/{photo.pk}/")).status_code == 204
    assert not FoundItemPhoto.objects.exists()
    assert client.delete(_url(item, f"photos/{photo.pk}/")).status_code == 404
    services.found_item_hand_over(
        actor=staff_of(village).user, found_item_id=item.pk, to="disposed", note="verdorben"
    )
    assert _upload(client, item).status_code == 409


def test_photos_go_with_the_personal_data_of_a_closed_case(
    village, django_capture_on_commit_callbacks
) -> None:
    staff = staff_of(village)
    item = find_in(village)
    name = str(_add(item, staff).image.name)
    services.found_item_hand_over(
        actor=staff.user, found_item_id=item.pk, to="disposed", note="verdorben"
    )
    with django_capture_on_commit_callbacks(execute=True):
        erased = services.closed_cases_erase(now=timezone.now() + timedelta(days=200))
    assert erased == 1
    item.refresh_from_db()
    assert item.state == FindState.DISPOSED
    assert not FoundItemPhoto.objects.exists()
    assert not default_storage.exists(name)


def test_the_finder_corrects_the_description_and_a_resident_may_not(village, client_for):
    finder = MembershipFactory(village=village)
    item = find_in(village, finder=finder)
    answer = client_for(finder.user).patch(
        _url(item), {"description": "Rote Geldbörse"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["description"] == "Rote Geldbörse"
    other = client_for(MembershipFactory(village=village).user)
    assert other.patch(_url(item), {"description": "meins"}, format="json").status_code == 403
    assert other.patch(_url(item), {"category": "ufo"}, format="json").status_code == 400


def test_staff_adding_and_deleting_a_finders_photos_is_audited_the_finders_own_are_not(
    village,
) -> None:
    # given: a resident's find
    finder = MembershipFactory(village=village)
    staff = staff_of(village)
    item = find_in(village, finder=finder)
    LogEntry.objects.all().delete()

    # when: the finder adds and deletes a photo, then staff do the same
    own = _add(item, finder)
    services.found_item_photo_delete(actor=finder.user, found_item_id=item.pk, photo_id=own.pk)
    added = _add(item, staff)
    services.found_item_photo_delete(actor=staff.user, found_item_id=item.pk, photo_id=added.pk)

    # then: two entries, both about the finder, the deletion with the photo's last values
    add, delete = LogEntry.objects.order_by("pk")
    assert add.additional_data["verb"] == "found_item_photo_add"
    assert add.actor == delete.actor == staff.user
    assert add.object_pk == delete.object_pk == str(added.pk)
    assert add.additional_data["subject_user_id"] == finder.user_id
    assert delete.additional_data["verb"] == "found_item_photo_delete"
    assert delete.action == LogEntry.Action.DELETE
    assert delete.changes["image"][1] is None

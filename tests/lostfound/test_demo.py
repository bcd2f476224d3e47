from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from dorf.lostfound.models import FoundItem, FoundItemPhoto, ItemCategory

pytestmark = pytest.mark.django_db


def test_the_demo_fundbuero_shows_the_found_keys_with_a_photo() -> None:
    call_command("seed_demo", residents=20, stdout=io.StringIO())
    keys = FoundItem.objects.get(village__slug="musterdorf", category=ItemCategory.KEYS)
    photo = FoundItemPhoto.objects.get(found_item=keys)
    with default_storage.open(str(photo.image.name)) as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("JPEG", (480, 360))
    assert not FoundItemPhoto.objects.exclude(found_item=keys).exists()

from __future__ import annotations

import io

import pytest
from PIL import Image

from dorf.reports.models import ServiceCategory
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory
from tests.reports.factories import AttributeFactory, CategoryFactory


@pytest.fixture
def staff(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


@pytest.fixture
def lamp(village: Village) -> ServiceCategory:
    """Street lighting, with the required question for the mast number."""
    category = CategoryFactory(village=village, code="laterne", name="Straßenbeleuchtung")
    AttributeFactory(category=category, code="mast", order=1)
    return category


@pytest.fixture
def pothole(village: Village) -> ServiceCategory:
    return CategoryFactory(village=village, code="schlagloch", name="Schlagloch")


def jpeg(width: int = 40, height: int = 30, gps: tuple[float, float] | None = None) -> bytes:
    image = Image.new("RGB", (width, height), "orange")
    out = io.BytesIO()
    if gps is None:
        image.save(out, format="JPEG")
        return out.getvalue()
    exif = Image.Exif()

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))

    exif[0x8825] = {1: "N", 2: dms(gps[0]), 3: "E", 4: dms(gps[1])}
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()

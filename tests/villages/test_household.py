from __future__ import annotations

from collections.abc import Iterator

import pytest

from dorf.villages.geocoding import FakeGeocoder, GeoPoint
from dorf.villages.models import AddressEntry, Household, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_geocoder() -> Iterator[dict[str, GeoPoint]]:
    FakeGeocoder.known = {}
    yield FakeGeocoder.known
    FakeGeocoder.known = {}


def _put(client, membership: Membership, **body: str):
    return client.put(f"/api/v1/villages/{membership.village.slug}/household/", body)


def test_an_address_from_the_register_gets_its_coordinates(member: Membership, client_for) -> None:
    AddressEntry.objects.create(
        village=member.village,
        street="Lindenweg",
        house_number="4",
        postcode="57518",
        latitude=50.7911,
        longitude=7.8731,
    )
    response = _put(client_for(member.user), member, street="lindenweg", house_number="4")
    assert response.status_code == 200
    assert (response.json()["latitude"], response.json()["longitude"]) == (50.7911, 7.8731)
    member.refresh_from_db()
    assert member.household is not None


def test_an_unknown_address_falls_back_to_the_geocoder(
    member: Membership, client_for, fake_geocoder: dict[str, GeoPoint]
) -> None:
    fake_geocoder["neuer weg 9, 57518 musterdorf"] = GeoPoint(50.795, 7.880)
    response = _put(
        client_for(member.user), member, street="Neuer Weg", house_number="9", postcode="57518"
    )
    assert response.status_code == 200
    assert response.json()["latitude"] == 50.795


def test_an_address_nobody_knows_is_refused(member: Membership, client_for, fake_geocoder) -> None:
    response = _put(client_for(member.user), member, street="Nirgendwo", house_number="1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "address_unknown"
    assert not Household.objects.exists()


def test_an_address_far_outside_the_village_is_refused(
    member: Membership, client_for, fake_geocoder: dict[str, GeoPoint]
) -> None:
    fake_geocoder["domplatz 1, musterdorf"] = GeoPoint(50.9413, 6.9583)  # Cologne
    response = _put(client_for(member.user), member, street="Domplatz", house_number="1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_village"
    assert not Household.objects.exists()


def test_moving_leaves_no_empty_household_behind(member: Membership, client_for) -> None:
    for number in ("1", "2"):
        AddressEntry.objects.create(
            village=member.village,
            street="Kirchstraße",
            house_number=number,
            latitude=50.79,
            longitude=7.872,
        )
    client = client_for(member.user)
    _put(client, member, street="Kirchstraße", house_number="1")
    _put(client, member, street="Kirchstraße", house_number="2")
    assert list(Household.objects.values_list("house_number", flat=True)) == ["2"]

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory

from dorf.deliveries.models import DeliveryShift, Parcel, PickupPoint, PickupPointKind, Vehicle
from dorf.deliveries.pins import new_pin_salt
from tests.factories import HouseholdFactory, UserFactory, VillageFactory

BERLIN = ZoneInfo("Europe/Berlin")


def tomorrow() -> dt.date:
    return dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)


class PickupPointFactory(factory.django.DjangoModelFactory[PickupPoint]):
    class Meta:
        model = PickupPoint

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Abholpunkt {n}")
    kind = PickupPointKind.SHOP
    latitude = 50.7905
    longitude = 7.8725


class ParcelFactory(factory.django.DjangoModelFactory[Parcel]):
    class Meta:
        model = Parcel

    village = factory.SubFactory(VillageFactory)
    pickup_point = factory.SubFactory(
        PickupPointFactory, village=factory.SelfAttribute("..village")
    )
    household = factory.SubFactory(HouseholdFactory, village=factory.SelfAttribute("..village"))
    size_units = 1
    delivery_date = factory.LazyFunction(tomorrow)
    pin_salt = factory.LazyFunction(new_pin_salt)


class DeliveryShiftFactory(factory.django.DjangoModelFactory[DeliveryShift]):
    class Meta:
        model = DeliveryShift

    village = factory.SubFactory(VillageFactory)
    volunteer = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(tomorrow)
    starts_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.date, dt.time(9), tzinfo=BERLIN)
    )
    ends_at = factory.LazyAttribute(
        lambda o: dt.datetime.combine(o.date, dt.time(13), tzinfo=BERLIN)
    )
    vehicle = Vehicle.BIKE
    capacity_units = 4
    start_latitude = 50.791
    start_longitude = 7.873
    end_latitude = 50.791
    end_longitude = 7.873

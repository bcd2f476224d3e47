"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import factory
from django.utils import timezone

from dorf.users.models import User
from dorf.villages.models import Household, Membership, MembershipState, Role, Village

TEST_PASSWORD = "korrekt-pferd-batterie"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    password = factory.django.Password(TEST_PASSWORD)
    # Most tests are about people who confirmed their address at registration.
    email_confirmed_at = factory.LazyFunction(timezone.now)


class VillageFactory(factory.django.DjangoModelFactory[Village]):
    class Meta:
        model = Village

    name = factory.Sequence(lambda n: f"Dorf {n}")
    slug = factory.Sequence(lambda n: f"dorf-{n}")
    centre_lat = 50.790
    centre_lon = 7.872
    invite_code = factory.Sequence(lambda n: f"code-{n}")


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    village = factory.SubFactory(VillageFactory)
    street = "Lindenweg"
    house_number = factory.Sequence(lambda n: str(n + 1))
    latitude = factory.Sequence(lambda n: 50.790 + (n % 50) * 0.0002)
    longitude = factory.Sequence(lambda n: 7.872 + (n % 37) * 0.0002)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    """A verified resident unless told otherwise."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    village = factory.SubFactory(VillageFactory)
    role = Role.RESIDENT
    state = MembershipState.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)

"""Musterdorf: a believable German village around Betzdorf's real centre, for the demo."""

from __future__ import annotations

import math
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from dorf.users.models import User
from dorf.villages.demo_context import DEMO_PASSWORD, DemoContext, Users
from dorf.villages.models import (
    AddressEntry,
    Bundesland,
    Household,
    Membership,
    MembershipState,
    Role,
    Village,
)

CENTRE = (50.790, 7.872)
POSTCODE = "57518"
STREETS = [
    "Hauptstraße",
    "Kirchstraße",
    "Lindenweg",
    "Am Mühlbach",
    "Schulstraße",
    "Wiesengrund",
    "Auf dem Höchst",
    "Bergstraße",
    "Eichenweg",
    "Im Siegtal",
    "Gartenstraße",
    "Rosenweg",
    "Am Sportplatz",
    "Brunnenstraße",
    "Birkenhang",
    "Zum Steinbruch",
    "Talblick",
    "Alte Dorfstraße",
    "Am Backes",
    "Hohlweg",
]
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Karin",
    "Lukas",
    "Marie",
    "Niklas",
    "Olga",
    "Paul",
    "Rita",
    "Stefan",
    "Tanja",
    "Uwe",
    "Vera",
    "Werner",
    "Yvonne",
    "Zoe",
    "Helga",
    "Klaus",
    "Sabine",
    "Thomas",
    "Monika",
    "Jürgen",
    "Lea",
    "Finn",
    "Mia",
    "Elias",
    "Ursula",
    "Dieter",
    "Petra",
    "Michael",
    "Sophie",
    "Leon",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Herrmann",
    "Walter",
    "Mayer",
    "Huber",
    "Kaiser",
    "Fuchs",
]
# Fixed demo accounts: (email, first, last, role)
DEMO_ACCOUNTS = [
    ("maria.schmidt@musterdorf.example", "Maria", "Schmidt", Role.MODERATOR),
    ("rathaus@musterdorf.example", "Rita", "Rathaus", Role.STAFF),
    ("anna.becker@musterdorf.example", "Anna", "Becker", Role.RESIDENT),
    ("jonas.weber@musterdorf.example", "Jonas", "Weber", Role.RESIDENT),
]
INVITE_CODE = "willkommen-musterdorf"
OPERATOR_EMAIL = "admin@musterdorf.example"


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    dlat = north_m / 111_320
    dlon = east_m / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _address_register(
    village: Village, rng: random.Random, houses_needed: int
) -> list[AddressEntry]:
    """Streets as straight lines from random points within ~2 km, a house every ~25 m."""
    per_street = max(8, math.ceil(houses_needed * 1.3 / len(STREETS)))
    entries: list[AddressEntry] = []
    for street in STREETS:
        radius = 1800 * math.sqrt(rng.random())
        angle = rng.uniform(0, 2 * math.pi)
        start_n, start_e = radius * math.cos(angle), radius * math.sin(angle)
        bearing = rng.uniform(0, 2 * math.pi)
        for number in range(1, per_street + 1):
            along = number * 25 / 2  # odd and even numbers face each other
            side = 12 if number % 2 else -12
            north = start_n + along * math.cos(bearing) - side * math.sin(bearing)
            east = start_e + along * math.sin(bearing) + side * math.cos(bearing)
            lat, lon = _offset(village.centre_lat, village.centre_lon, north, east)
            entries.append(
                AddressEntry(
                    village=village,
                    street=street,
                    house_number=str(number),
                    postcode=POSTCODE,
                    latitude=lat,
                    longitude=lon,
                )
            )
    AddressEntry.objects.bulk_create(entries)
    return entries


def seed_village(*, residents: int, rng: random.Random, out: Any) -> DemoContext:
    village = Village.objects.create(
        name="Musterdorf",
        slug="musterdorf",
        centre_lat=CENTRE[0],
        centre_lon=CENTRE[1],
        radius_m=4000,
        bundesland=Bundesland.NW,
        invite_code=INVITE_CODE,
        welcome_credit_minutes=60,
    )
    household_count = max(1, residents // 2)
    register = _address_register(village, rng, household_count)
    chosen = rng.sample(register, min(household_count, len(register)))
    households = Household.objects.bulk_create(
        Household(
            village=village,
            street=e.street,
            house_number=e.house_number,
            postcode=e.postcode,
            latitude=e.latitude,
            longitude=e.longitude,
        )
        for e in chosen
    )
    # Hashed once for every demo account, the operator's too: one PBKDF2 hash takes 0.6 s.
    password = make_password(DEMO_PASSWORD)
    confirmed = timezone.now()  # the demo's addresses count as confirmed
    users: list[User] = []
    roles: list[Role] = []
    for email, first, last, role in DEMO_ACCOUNTS:
        users.append(
            User(
                email=email,
                first_name=first,
                last_name=last,
                password=password,
                email_confirmed_at=confirmed,
            )
        )
        roles.append(role)
    for index in range(max(0, residents - len(DEMO_ACCOUNTS))):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}.{index}@musterdorf.example".lower()
        users.append(
            User(
                email=email,
                first_name=first,
                last_name=last,
                password=password,
                email_confirmed_at=confirmed,
            )
        )
        roles.append(Role.MODERATOR if index in (7, 113) else Role.RESIDENT)
    users = User.objects.bulk_create(users)
    now = timezone.now()
    memberships = Membership.objects.bulk_create(
        Membership(
            user=user,
            village=village,
            role=role,
            state=MembershipState.VERIFIED,
            verified_at=now,
            household=households[index % len(households)],
        )
        for index, (user, role) in enumerate(zip(users, roles, strict=True))
    )
    ctx = DemoContext(
        village=village,
        rng=rng,
        out=out,
        residents=Users(u for u, r in zip(users, roles, strict=True) if r == Role.RESIDENT),
        moderators=Users(u for u, r in zip(users, roles, strict=True) if r == Role.MODERATOR),
        staff=Users(u for u, r in zip(users, roles, strict=True) if r == Role.STAFF),
        households=households,
        memberships=memberships,
    )
    for email, _first, _last, role in DEMO_ACCOUNTS:
        ctx.logins.append((email, f"{role.label} (Musterdorf)"))

    # A neighbouring village proves the scoping: its members see nothing of Musterdorf.
    neighbour = Village.objects.create(
        name="Nachbarhausen",
        slug="nachbarhausen",
        centre_lat=50.812,
        centre_lon=7.905,
        radius_m=3000,
        invite_code="willkommen-nachbarhausen",
    )
    neighbour_user = User.objects.create(
        email="karl.nachbar@nachbarhausen.example",
        first_name="Karl",
        last_name="Nachbar",
        password=password,
    )
    Membership.objects.create(
        user=neighbour_user,
        village=neighbour,
        role=Role.MODERATOR,
        state=MembershipState.VERIFIED,
        verified_at=now,
    )
    ctx.other_villages.append(neighbour)
    ctx.logins.append((neighbour_user.email, "Moderator (Nachbarhausen)"))
    # A pending applicant for the moderators' queue.
    applicant = User.objects.create(
        email="neu.zugezogen@musterdorf.example",
        first_name="Nele",
        last_name="Neumann",
        password=password,
    )
    Membership.objects.create(
        user=applicant,
        village=village,
        request_message="Wir sind neu im Lindenweg 3.",
    )
    # The operator of the deployment (Django admin), with the same password.
    User.objects.create(
        email=OPERATOR_EMAIL,
        first_name="Olaf",
        last_name="Operator",
        password=password,
        is_staff=True,
        is_superuser=True,
        email_confirmed_at=confirmed,
    )
    return ctx

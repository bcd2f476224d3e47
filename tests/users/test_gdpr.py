"""GDPR: export everything about me; erase my personal data, keep other people's records."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models

from dorf.chat.models import Room
from dorf.clubs import services as club_services
from dorf.marketplace import services as marketplace_services
from dorf.notifications.models import Notification
from dorf.users.models import ApiToken, Block, User
from dorf.villages.models import AddressEntry, Household, Membership
from tests.factories import TEST_PASSWORD, HouseholdFactory, MembershipFactory, UserFactory
from tests.marketplace.factories import PostingFactory

pytestmark = pytest.mark.django_db


def _rows_containing(value: str) -> list[str]:
    """Every (model.field) of every installed model whose text contains ``value``."""
    hits = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                lookup = {f"{field.attname}__icontains": value}
                if model._default_manager.filter(**lookup).exists():
                    hits.append(f"{model._meta.label}.{field.name}")
    return hits


@pytest.fixture
def resident() -> Membership:
    user = UserFactory(
        email="zacharias.quast@example.org", first_name="Zacharias", last_name="Quast"
    )
    household = HouseholdFactory(street="Quittenallee", house_number="7", postcode="57518")
    return MembershipFactory(user=user, village=household.village, household=household)


def test_export_contains_every_personal_field(resident: Membership, client_for) -> None:
    neighbour = MembershipFactory(village=resident.village)
    client = client_for(resident.user)
    client.post("/api/v1/me/blocks/", {"user_id": neighbour.user_id})
    # when
    response = client.get("/api/v1/me/export/")
    # then
    assert response.status_code == 200
    data = response.json()
    profile = data["users"]["profile"]
    assert (profile["email"], profile["first_name"], profile["last_name"]) == (
        "zacharias.quast@example.org",
        "Zacharias",
        "Quast",
    )
    assert data["users"]["blocked_users"][0]["user_id"] == neighbour.user_id
    assert data["users"]["tokens"][0]["name"] == "test"
    household = data["villages"]["memberships"][0]["household"]
    assert household["street"] == "Quittenallee"
    assert household["house_number"] == "7"
    assert "latitude" in household
    # every app that stores personal data has its own section
    assert {"users", "villages"} <= set(data)


def test_erasure_removes_email_name_and_street_from_the_whole_database(
    resident: Membership, client_for
) -> None:
    user = resident.user
    neighbour = MembershipFactory(village=resident.village)
    Block.objects.create(blocker=neighbour.user, blocked=user)
    client = client_for(user)
    assert _rows_containing("Quittenallee")  # the test can see what it looks for
    # when
    response = client.delete("/api/v1/me/", {"password": TEST_PASSWORD})
    # then
    assert response.status_code == 204
    for value in ("zacharias.quast@example.org", "Zacharias", "Quast", "Quittenallee"):
        assert _rows_containing(value) == [], value
    user.refresh_from_db()
    assert not user.is_active
    assert user.erased_at is not None
    assert not ApiToken.objects.filter(user=user).exists()
    assert not Household.objects.filter(street="Quittenallee").exists()
    # other people's records stay intact
    assert Membership.objects.filter(pk=neighbour.pk).exists()
    assert Block.objects.filter(blocker=neighbour.user).exists()
    assert client.get("/api/v1/me/").status_code == 401


def test_erasure_keeps_a_shared_household_for_the_others(resident: Membership, client_for) -> None:
    partner = MembershipFactory(village=resident.village, household=resident.household)
    client_for(resident.user).delete("/api/v1/me/", {"password": TEST_PASSWORD})
    partner.refresh_from_db()
    assert partner.household is not None
    assert partner.household.street == "Quittenallee"


def test_erasure_needs_the_password(resident: Membership, client_for) -> None:
    response = client_for(resident.user).delete("/api/v1/me/", {"password": "falsch"})
    assert response.status_code == 400
    assert User.objects.get(pk=resident.user_id).email == "zacharias.quast@example.org"


def test_the_village_address_register_is_not_personal_data(resident: Membership) -> None:
    # The register is the village's list of buildings; erasure does not touch it, which is
    # why the test above uses a street that is only in the user's household.
    AddressEntry.objects.create(
        village=resident.village,
        street="Kirchstraße",
        house_number="1",
        latitude=50.79,
        longitude=7.87,
    )
    assert json.dumps(_rows_containing("Kirchstraße")) == '["villages.AddressEntry.street"]'


def test_erasure_reaches_what_others_received_from_me_in_chat_marketplace_and_clubs(
    resident: Membership, client_for
) -> None:
    # given: my reply to a neighbour's posting (a chat room; the neighbour was notified with
    # my name and words), a neighbour's reply to my posting, a request to join a club
    neighbour = MembershipFactory(village=resident.village)
    theirs = PostingFactory(village=resident.village, author=neighbour.user, title="Leiter")
    marketplace_services.conversation_open(
        user=resident.user, posting_id=theirs.pk, text="Quasts Quittenmus als Dank"
    )
    mine = PostingFactory(
        village=resident.village, author=resident.user, title="Quast sucht Quittenpresse"
    )
    marketplace_services.conversation_open(user=neighbour.user, posting_id=mine.pk, text="Hallo")
    club = club_services.club_create(
        membership=neighbour, name="Chor", membership_policy="approval"
    )
    club_services.club_join(user=resident.user, club_id=club.pk)
    assert _rows_containing("Zacharias")  # the neighbour's feed names me
    # when
    response = client_for(resident.user).delete("/api/v1/me/", {"password": TEST_PASSWORD})
    # then: neither my name nor my words are left anywhere
    assert response.status_code == 204
    for value in ("Zacharias", "Quast", "Quitten"):
        assert _rows_containing(value) == [], value
    # and: the neighbour keeps the conversation and the notifications, without my words
    assert Room.objects.filter(subject_type="posting_reply").count() == 2
    assert Notification.objects.filter(user=neighbour.user).count() == 2

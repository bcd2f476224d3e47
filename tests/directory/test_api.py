"""The Branchenverzeichnis over the API: who may change what, open now / open at, the
next change in the village's time zone, distance, bad input, history and query counts."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from dorf.directory.models import DirectoryEntry
from tests.directory.factories import claim_on, entry_in, staff_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/directory/"


@pytest.fixture
def nrw_village(village):
    village.bundesland = "NW"
    village.save(update_fields=["bundesland"])
    return village


def test_staff_create_an_entry_and_residents_see_when_it_opens(nrw_village, client_for):
    staff = staff_of(nrw_village)
    answer = client_for(staff.user).post(
        f"{_base(nrw_village)}entries/",
        {
            "name": "Bäckerei Klein",
            "category": "shop",
            "opening_hours": " Mo-Fr 08:00-18:00; PH off ",
            "latitude": nrw_village.centre_lat,
            "longitude": nrw_village.centre_lon,
            "email": "bäckerei@klein.example",
        },
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["opening_hours"] == "Mo-Fr 08:00-18:00; PH off"
    resident = client_for(MembershipFactory(village=nrw_village).user)
    # Wednesday before Fronleichnam (a holiday in NRW), in the evening, with no offset:
    listed = resident.get(f"{_base(nrw_village)}entries/", {"open_at": "2026-06-03T17:00"}).json()
    assert [e["name"] for e in listed["results"]] == ["Bäckerei Klein"]
    hours = listed["results"][0]["hours"]
    assert hours["state"] == "open"
    assert hours["next_change_at"] == "2026-06-03T18:00:00+02:00"
    closed = resident.get(
        f"{_base(nrw_village)}entries/", {"open_at": "2026-06-04T10:00:00+02:00"}
    ).json()
    assert closed["results"] == []


def test_the_next_change_skips_the_holiday_and_is_given_in_the_village_time(
    nrw_village, client_for, monkeypatch
):
    entry = entry_in(nrw_village, opening_hours="Mo-Fr 08:00-18:00; PH off")
    monkeypatch.setattr(
        timezone, "now", lambda: datetime.fromisoformat("2026-06-03T16:30:00+00:00")
    )
    resident = client_for(MembershipFactory(village=nrw_village).user)
    body = resident.get(f"{_base(nrw_village)}entries/{entry.pk}/").json()
    # 18:30 local on Wednesday: closed, reopens Friday 08:00 (Thursday is Fronleichnam)
    assert body["hours"] == {
        "state": "closed",
        "comment": "",
        "next_change_at": "2026-06-05T08:00:00+02:00",
        "next_state": "open",
    }


def test_open_now_filters_both_ways(village, client_for, monkeypatch):
    entry_in(village, name="Immer", opening_hours="24/7")
    entry_in(village, name="Nie", opening_hours="off")
    entry_in(village, name="Unbekannt", opening_hours="")
    client = client_for(MembershipFactory(village=village).user)
    open_now = client.get(f"{_base(village)}entries/", {"open_now": "true"}).json()
    not_open = client.get(f"{_base(village)}entries/", {"open_now": "false"}).json()
    assert [e["name"] for e in open_now["results"]] == ["Immer"]
    assert [e["name"] for e in not_open["results"]] == ["Nie", "Unbekannt"]
    assert not_open["results"][1]["hours"] is None


def test_filters_by_category_and_distance_nearest_first(village, client_for):
    lat, lon = village.centre_lat, village.centre_lon
    entry_in(village, name="Nah", latitude=lat + 0.001, longitude=lon)  # ~110 m
    entry_in(village, name="Mittel", latitude=lat + 0.01, longitude=lon)  # ~1.1 km
    entry_in(village, name="Fern", latitude=lat + 0.05, longitude=lon)  # ~5.5 km
    entry_in(village, name="Arzt", category="health", latitude=lat, longitude=lon)
    client = client_for(MembershipFactory(village=village).user)
    near = client.get(
        f"{_base(village)}entries/",
        {"category": "shop", "max_distance_m": 2000, "order": "nearest"},
    ).json()
    assert [e["name"] for e in near["results"]] == ["Nah", "Mittel"]
    assert 100 <= near["results"][0]["distance_m"] <= 120
    health = client.get(f"{_base(village)}entries/", {"category": "health"}).json()
    assert [e["name"] for e in health["results"]] == ["Arzt"]


def test_invalid_opening_hours_are_a_400_with_the_parsers_message(village, client_for):
    client = client_for(staff_of(village).user)
    answer = client.post(
        f"{_base(village)}entries/",
        {"name": "Laden", "category": "shop", "opening_hours": "Mo-Fx 08:00-18:00"},
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_opening_hours"
    assert "Öffnungszeiten" in error["message"]
    assert "expected wday" in error["fields"]["opening_hours"][0]
    assert not DirectoryEntry.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "ufo"}, "category"),
        ({"latitude": 50.0}, "latitude"),
        ({"website": "kein link"}, "website"),
        ({"owner_id": 1}, "owner_id"),
        ({"pickup_point_id": 999999}, "pickup_point_id"),
    ],
)
def test_bad_entries_get_a_clear_400_in_german(village, client_for, body, field):
    client = client_for(staff_of(village).user)
    answer = client.post(f"{_base(village)}entries/", {"name": "Laden", "category": "shop", **body})
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["error"]["fields"]
    assert not DirectoryEntry.objects.exists()


def test_bad_filters_get_a_400(village, client_for):
    client = client_for(MembershipFactory(village=village).user)
    for params in (
        {"open_at": "gestern"},
        {"lat": "50"},
        {"open_now": "true", "open_at": "2026-01-01T10:00"},
    ):
        answer = client.get(f"{_base(village)}entries/", params)
        assert answer.status_code == 400, params


def test_a_resident_cannot_create_or_change_an_entry(village, client_for):
    entry = entry_in(village)
    client = client_for(MembershipFactory(village=village).user)
    assert (
        client.post(f"{_base(village)}entries/", {"name": "X", "category": "shop"}).status_code
        == 403
    )
    answer = client.patch(f"{_base(village)}entries/{entry.pk}/", {"name": "Meins"})
    assert answer.status_code == 403
    assert client.delete(f"{_base(village)}entries/{entry.pk}/").status_code == 403


def test_a_confirmed_owner_edits_at_once_and_the_history_says_who(village, client_for):
    staff = staff_of(village)
    entry = entry_in(village, name="Metzgerei Schäfer", staff=staff)
    owner = MembershipFactory(village=village)
    claim = claim_on(entry, owner)
    # a pending claim gives no rights yet
    owner_client = client_for(owner.user)
    assert (
        owner_client.patch(f"{_base(village)}entries/{entry.pk}/", {"delivers": True}).status_code
        == 403
    )
    decided = client_for(staff.user).post(
        f"{_base(village)}claims/{claim.pk}/decide/", {"confirm": True}
    )
    assert decided.json()["state"] == "confirmed"
    changed = owner_client.patch(
        f"{_base(village)}entries/{entry.pk}/",
        {"delivers": True, "opening_hours": "Tu-Sa 08:00-12:00"},
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["can_edit"] is True
    seen = client_for(MembershipFactory(village=village).user).get(
        f"{_base(village)}entries/{entry.pk}/"
    )
    assert seen.json()["delivers"] is True
    assert seen.json()["can_edit"] is False
    history = owner_client.get(f"{_base(village)}entries/{entry.pk}/history/").json()["results"]
    latest = history[0]
    assert latest["action"] == "update"
    assert latest["actor_name"] == owner.user.display_name
    assert latest["changes"]["opening_hours"] == ["Mo-Fr 08:00-18:00; PH off", "Tu-Sa 08:00-12:00"]
    assert history[-1]["action"] == "create"
    assert history[-1]["actor_name"] == staff.user.display_name


def test_the_history_is_for_staff_and_owner_only(village, client_for):
    entry = entry_in(village)
    answer = client_for(MembershipFactory(village=village).user).get(
        f"{_base(village)}entries/{entry.pk}/history/"
    )
    assert answer.status_code == 403


def test_confirming_one_claim_rejects_the_others(village, client_for):
    entry = entry_in(village)
    first, second = claim_on(entry), claim_on(entry)
    staff = client_for(staff_of(village).user)
    staff.post(f"{_base(village)}claims/{first.pk}/decide/", {"confirm": True})
    second.refresh_from_db()
    assert second.state == "rejected"
    again = staff.post(f"{_base(village)}claims/{second.pk}/decide/", {"confirm": True})
    assert again.status_code == 409
    claims = staff.get(f"{_base(village)}entries/{entry.pk}/claims/").json()
    assert {c["state"] for c in claims} == {"confirmed", "rejected"}


def test_a_member_claims_once(village, client_for):
    entry = entry_in(village)
    client = client_for(MembershipFactory(village=village).user)
    url = f"{_base(village)}entries/{entry.pk}/claims/"
    assert client.post(url, {"message": "Meins"}).status_code == 201
    assert client.post(url, {"message": "Meins!"}).status_code == 409
    assert [c["message"] for c in client.get(url).json()] == ["Meins"]


def test_archived_entries_disappear(village, client_for):
    entry = entry_in(village)
    staff = client_for(staff_of(village).user)
    assert staff.delete(f"{_base(village)}entries/{entry.pk}/").status_code == 204
    assert staff.get(f"{_base(village)}entries/{entry.pk}/").status_code == 404
    assert staff.get(f"{_base(village)}entries/").json()["results"] == []


def test_the_list_costs_the_same_queries_for_one_or_many_entries(
    village, client_for, django_assert_num_queries
):
    client = client_for(MembershipFactory(village=village).user)
    entry_in(village, name="A", opening_hours="24/7")
    url = f"{_base(village)}entries/"
    client.get(url)  # the token's last use is recorded once a minute, not per request
    with django_assert_num_queries(4):
        assert len(client.get(url, {"open_now": "true"}).json()["results"]) == 1
    for n in range(5):
        entry_in(village, name=f"Laden {n}", opening_hours="24/7")
    with django_assert_num_queries(4):
        assert len(client.get(url, {"open_now": "true"}).json()["results"]) == 6


def test_erasure_removes_the_owner_and_the_claim_text(village, client_for):
    from dorf.directory import privacy

    staff = staff_of(village)
    entry = entry_in(village, staff=staff)
    owner = MembershipFactory(village=village)
    claim = claim_on(entry, owner)
    client_for(staff.user).post(f"{_base(village)}claims/{claim.pk}/decide/", {"confirm": True})
    client_for(owner.user).patch(f"{_base(village)}entries/{entry.pk}/", {"phone": "0123"})
    assert privacy.export_personal_data(owner.user)["owned_entries"][0]["name"] == entry.name
    # when
    privacy.erase_personal_data(owner.user)
    # then: the business stays, the person is gone from it and from its history
    entry.refresh_from_db()
    claim.refresh_from_db()
    assert entry.owner_id is None
    assert claim.message == "[gelöscht]"
    history = client_for(staff.user).get(f"{_base(village)}entries/{entry.pk}/history/").json()
    assert owner.user.display_name not in {h["actor_name"] for h in history["results"]}
    assert privacy.export_personal_data(owner.user)["owned_entries"] == []

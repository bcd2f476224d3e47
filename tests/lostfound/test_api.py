"""The Fundbüro over the API: what residents, finders and staff each see, bad input, and
the list's query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dorf.lostfound.models import FoundItem
from tests.factories import MembershipFactory
from tests.lostfound.factories import claim_on, find_in, staff_of

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/lostfound/"


def test_a_resident_reports_a_find_and_sees_its_secrets_others_do_not(village, client_for):
    finder = MembershipFactory(village=village)
    answer = client_for(finder.user).post(
        f"{_base(village)}finds/",
        {
            "category": "wallet",
            "description": "Rote Geldbörse",
            "secret_features": "Zettel mit Telefonnummer",
            "found_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "found_place": "Bäckerei",
            "value": "600.00",
        },
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["secret_features"] == "Zettel mit Telefonnummer"
    assert body["finders_reward"] == "28.00"
    assert body["finder_name"] is None  # anonymous unless the finder says otherwise
    other = client_for(MembershipFactory(village=village).user)
    seen = other.get(f"{_base(village)}finds/{body['id']}/").json()
    assert seen["secret_features"] is None
    assert seen["value"] is None
    staff = client_for(staff_of(village).user)
    assert staff.get(f"{_base(village)}finds/{body['id']}/").json()["secret_features"]


def test_a_claimant_describes_features_and_staff_see_every_claim(village, client_for) -> None:
    item = find_in(village)
    claimant = MembershipFactory(village=village)
    claim_on(item)
    url = f"{_base(village)}finds/{item.pk}/claims/"
    answer = client_for(claimant.user).post(url, {"features": "Ein Hundefoto"})
    assert answer.status_code == 201
    assert [c["features"] for c in client_for(claimant.user).get(url).json()] == ["Ein Hundefoto"]
    assert len(client_for(staff_of(village).user).get(url).json()) == 2
    again = client_for(claimant.user).post(url, {"features": "nochmal"})
    assert again.status_code == 409


def test_a_resident_cannot_decide_a_claim(village, client_for) -> None:
    claim = claim_on(find_in(village))
    answer = client_for(MembershipFactory(village=village).user).post(
        f"{_base(village)}claims/{claim.pk}/decide/", {"grant": True}
    )
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "-1.00"}, "value"),
        ({"category": "ufo"}, "category"),
        ({"found_at": "2099-01-01T10:00:00Z"}, "found_at"),
        ({"role": "staff"}, "role"),
        ({"lat": 50.0}, "lat"),
    ],
)
def test_bad_finds_get_a_clear_400_in_german_and_nothing_is_written(
    village, client_for, body, field
) -> None:
    valid = {
        "category": "keys",
        "description": "Schlüssel",
        "secret_features": "grüne Kappe",
        "found_at": timezone.now().isoformat(),
        "found_place": "Kirche",
        "value": "5.00",
    }
    answer = client_for(MembershipFactory(village=village).user).post(
        f"{_base(village)}finds/", {**valid, **body}
    )
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert not FoundItem.objects.exists()


def test_a_lost_report_with_dates_in_the_wrong_order_is_refused(village, client_for) -> None:
    answer = client_for(MembershipFactory(village=village).user).post(
        f"{_base(village)}lost/",
        {
            "category": "keys",
            "description": "Schlüssel",
            "lost_from": "2026-11-20",
            "lost_until": "2026-11-10",
        },
    )
    assert answer.status_code == 400
    assert "lost_until" in answer.json()["error"]["fields"]


def test_the_list_of_finds_costs_the_same_queries_for_one_or_many(
    village, client_for, django_assert_num_queries
) -> None:
    viewer = client_for(MembershipFactory(village=village).user)
    find_in(village)
    viewer.get(f"{_base(village)}finds/")  # the token's last use is recorded at most once a while
    with django_assert_num_queries(4) as one:  # token, membership, finds, their photos
        assert len(viewer.get(f"{_base(village)}finds/").json()["results"]) == 1
    for _ in range(5):
        find_in(village, finder_anonymous=False)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(viewer.get(f"{_base(village)}finds/").json()["results"]) == 6


def test_the_marketplace_sends_finds_and_losses_to_the_fundbuero(village, client_for) -> None:
    answer = client_for(MembershipFactory(village=village).user).post(
        f"/api/v1/villages/{village.slug}/postings/",
        {"kind": "offer", "category": "lost_found", "title": "Fund"},
    )
    assert answer.status_code == 400
    assert "Fundbüro" in answer.json()["error"]["fields"]["category"][0]

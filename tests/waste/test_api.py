"""The resident's schedule, next dates and reminder over the API; the staff's import;
bad input; the lists' query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dorf.waste.models import ReminderSetting
from tests.factories import MembershipFactory
from tests.waste.factories import import_csv, resident_at

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/waste/"


def _upcoming(plan) -> list[str]:
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in (3, 10, 17, 24)]
    return [
        f"Rest A;Restmüll;{days[0]};;",
        f"Rest A;Restmüll;{days[2]};{days[2] - timedelta(days=1)};Feiertag",
        f"Rest B;Restmüll;{days[1]};;",
        f"Papier;Papier;{days[1]};;",
        f"Papier;Papier;{days[3]};;",
    ]


def test_a_resident_sees_the_collections_of_their_own_tours(plan, client_for) -> None:
    # given: Lindenweg 5 is on Rest A and Papier, not on Rest B
    import_csv(plan, *_upcoming(plan))
    resident = resident_at(plan.village, "Lindenweg", "5")
    client = client_for(resident.user)
    # when
    body = client.get(f"{_base(plan.village)}schedule/").json()
    # then
    today = timezone.localdate()
    assert [(c["date"], c["type"]) for c in body["results"]] == [
        (str(today + timedelta(days=3)), "rest"),
        (str(today + timedelta(days=10)), "papier"),
        (str(today + timedelta(days=17)), "rest"),
        (str(today + timedelta(days=24)), "papier"),
    ]
    shifted = body["results"][2]
    assert shifted["shifted"] is True
    assert shifted["original_date"] == str(today + timedelta(days=16))
    only_paper = client.get(f"{_base(plan.village)}schedule/?types=papier").json()["results"]
    assert {c["type"] for c in only_paper} == {"papier"}
    window = client.get(
        f"{_base(plan.village)}schedule/?from={today + timedelta(days=5)}&to={today + timedelta(days=12)}"
    ).json()["results"]
    assert [c["type"] for c in window] == ["papier"]
    other_side = client_for(resident_at(plan.village, "Lindenweg", "23a").user)
    assert [
        c["tour"] for c in other_side.get(f"{_base(plan.village)}schedule/").json()["results"]
    ] == [
        "Rest B",
        "Papier",
        "Papier",
    ]


def test_next_lists_the_next_date_of_each_type(plan, client_for) -> None:
    import_csv(plan, *_upcoming(plan))
    client = client_for(resident_at(plan.village).user)
    body = client.get(f"{_base(plan.village)}next/").json()
    today = timezone.localdate()
    assert [(c["type"], c["date"]) for c in body["collections"]] == [
        ("rest", str(today + timedelta(days=3))),
        ("papier", str(today + timedelta(days=10))),
    ]


def test_the_schedule_costs_the_same_queries_for_many_collections(
    plan, client_for, django_assert_num_queries
) -> None:
    client = client_for(resident_at(plan.village).user)
    url = f"{_base(plan.village)}schedule/"
    import_csv(plan, *_upcoming(plan)[:1])
    client.get(url)  # warm the token and session paths
    # auth, membership, household, tour streets, page of collections
    with django_assert_num_queries(5):
        few = client.get(url)
    today = timezone.localdate()
    import_csv(
        plan,
        *[f"Rest A;Restmüll;{today + timedelta(days=n)};;" for n in range(1, 60)],
        *[f"Papier;Papier;{today + timedelta(days=n)};;" for n in range(1, 60)],
    )
    with django_assert_num_queries(5):
        many = client.get(url)
    assert len(few.json()["results"]) == 1
    assert len(many.json()["results"]) == 100
    assert many.json()["next"]


def test_the_type_list_is_paginated_with_a_fixed_query_count(
    plan, client_for, django_assert_num_queries
) -> None:
    client = client_for(resident_at(plan.village).user)
    client.get(f"{_base(plan.village)}types/")
    # auth, membership, page of types
    with django_assert_num_queries(3):
        body = client.get(f"{_base(plan.village)}types/").json()
    assert [t["code"] for t in body["results"]] == ["rest", "papier"]


def test_a_household_without_address_is_told_what_to_set(plan, client_for) -> None:
    homeless = MembershipFactory(village=plan.village)
    client = client_for(homeless.user)
    for url in ("schedule/", "next/", "feed/"):
        answer = client.get(f"{_base(plan.village)}{url}")
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "household_missing"
        assert "household" in answer.json()["error"]["message"]
    answer = client.put(f"{_base(plan.village)}reminder/", {"days_before": 1}, format="json")
    assert answer.json()["error"]["code"] == "household_missing"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?types=sondermuell", "types"),
        ("?from=2027-13-01", "from"),
        ("?from=2027-02-01&to=2027-01-01", "to"),
        ("?from=2027-01-01&to=2029-01-01", "to"),
    ],
)
def test_bad_schedule_queries_are_a_clear_400(plan, client_for, query: str, field: str) -> None:
    client = client_for(resident_at(plan.village).user)
    answer = client.get(f"{_base(plan.village)}schedule/{query}")
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]


def test_a_member_sets_their_reminder_and_sees_the_next_one(plan, client_for) -> None:
    import_csv(plan, *_upcoming(plan))
    resident = resident_at(plan.village)
    client = client_for(resident.user)
    assert client.get(f"{_base(plan.village)}reminder/").status_code == 404
    answer = client.put(
        f"{_base(plan.village)}reminder/",
        {"types": ["papier"], "days_before": 2, "time": "18:30", "email": True},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    paper_day = timezone.localdate() + timedelta(days=10)
    assert body["types"] == ["papier"]
    assert body["time"] == "18:30"
    assert (body["push"], body["email"]) == (True, True)
    assert body["next_collection_date"] == str(paper_day)
    assert body["next_reminder_at"].startswith(str(paper_day - timedelta(days=2)))
    default = client.put(f"{_base(plan.village)}reminder/", {}, format="json").json()
    assert (default["days_before"], default["time"], default["types"]) == (1, "19:00", [])
    assert client.delete(f"{_base(plan.village)}reminder/").status_code == 204
    assert not ReminderSetting.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days_before": 4}, "days_before"),
        ({"days_before": -1}, "days_before"),
        ({"types": ["sondermuell"]}, "types"),
        ({"time": "25:00"}, "time"),
        ({"channel": "sms"}, "channel"),
    ],
)
def test_bad_reminder_input_is_a_clear_400(plan, client_for, body, field: str) -> None:
    client = client_for(resident_at(plan.village).user)
    answer = client.put(f"{_base(plan.village)}reminder/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert not ReminderSetting.objects.exists()


def test_staff_import_a_csv_upload_and_see_the_faulty_lines(plan, client_for) -> None:
    client = client_for(plan.staff.user)
    bad = SimpleUploadedFile(
        "plan.csv", b"tour;type;date\nRest A;rest;2027-01-05\nNirgendwo;rest;2027-01-06\n"
    )
    answer = client.post(
        f"{_base(plan.village)}imports/", {"format": "csv", "file": bad}, format="multipart"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "import_invalid"
    assert answer.json()["error"]["fields"]["file"] == ["Zeile 3: unbekannte Tour „Nirgendwo“"]
    good = SimpleUploadedFile("plan.csv", b"tour;type;date\nRest A;rest;2027-01-05\n")
    answer = client.post(
        f"{_base(plan.village)}imports/",
        {"format": "csv", "file": good, "bundesland": "BY"},
        format="multipart",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["created"] == 1


def test_residents_cannot_import(plan, client_for) -> None:
    client = client_for(resident_at(plan.village).user)
    upload = SimpleUploadedFile("plan.csv", b"tour;type;date\nRest A;rest;2027-01-05\n")
    answer = client.post(
        f"{_base(plan.village)}imports/", {"format": "csv", "file": upload}, format="multipart"
    )
    assert answer.status_code == 403


def test_an_import_url_must_be_a_url(plan, client_for) -> None:
    client = client_for(plan.staff.user)
    answer = client.post(
        f"{_base(plan.village)}imports/",
        {"format": "ics", "url": "file:///etc/passwd"},
        format="json",
    )
    assert answer.status_code == 400

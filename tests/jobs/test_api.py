"""Job offers over the API: publishers registered by staff, offers by their members,
valid_through's default and limits, filters (type, distance, newest), applying in the
chat, bad input, and the list's query count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dorf.chat.models import Message, RoomMember
from dorf.jobs import services
from dorf.jobs.models import JobOffer
from tests.factories import MembershipFactory
from tests.jobs.factories import job_in, publisher_in, staff_of

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/jobs/"


def test_staff_register_a_publisher_whose_member_posts_with_a_60_day_default(village, client_for):
    staff = client_for(staff_of(village).user)
    answer = staff.post(
        f"{_base(village)}publishers/", {"name": "Pflegedienst Sonne", "kind": "business"}
    )
    assert answer.status_code == 201, answer.json()
    publisher_id = answer.json()["id"]
    baker = MembershipFactory(village=village)
    added = staff.post(
        f"{_base(village)}publishers/{publisher_id}/members/", {"user_id": baker.user_id}
    )
    assert added.status_code == 201
    created = client_for(baker.user).post(
        _base(village),
        {
            "publisher_id": publisher_id,
            "title": "Pflegefachkraft (m/w/d)",
            "description": "Ambulante Pflege im Dorf.",
            "employment_type": "part_time",
            "salary_min": "18.50",
            "salary_unit": "HOUR",
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["employer"] == "Pflegedienst Sonne"
    assert body["locality"] == village.name
    assert body["salary_min"] == "18.50"
    job = JobOffer.objects.get(pk=body["id"])
    assert job.valid_through == services.local_today(village) + timedelta(days=60)
    assert body["public_url"] == f"/jobs/{village.slug}/{job.pk}/"


def test_a_resident_who_is_no_publisher_member_cannot_post(village, client_for):
    publisher = publisher_in(village)
    answer = client_for(MembershipFactory(village=village).user).post(
        _base(village),
        {
            "publisher_id": publisher.pk,
            "title": "x",
            "description": "x",
            "employment_type": "minijob",
        },
    )
    assert answer.status_code == 403
    assert (
        client_for(MembershipFactory(village=village).user)
        .post(f"{_base(village)}publishers/", {"name": "Ich", "kind": "business"})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"valid_through": "2020-01-01"}, "valid_through"),
        ({"valid_through": None}, "valid_through"),
        ({"employment_type": "sklave"}, "employment_type"),
        ({"salary_min": "-1"}, "salary_min"),
        ({"salary_min": "20", "salary_max": "10", "salary_unit": "HOUR"}, "salary_max"),
        ({"salary_min": "20"}, "salary_unit"),
        ({"apply_via_chat": False}, "apply_via_chat"),
        ({"apply_email": "kein-mail"}, "apply_email"),
        ({"state": "archived"}, "state"),
        ({"latitude": 50.0}, "latitude"),
    ],
)
def test_bad_offers_get_a_clear_400_and_nothing_is_written(village, client_for, body, field):
    poster = MembershipFactory(village=village)
    publisher = publisher_in(village, member=poster)
    answer = client_for(poster.user).post(
        _base(village),
        {
            "publisher_id": publisher.pk,
            "title": "Aushilfe",
            "description": "Samstags",
            "employment_type": "minijob",
            **body,
        },
        format="json",
    )
    assert answer.status_code == 400, answer.json()
    assert field in answer.json()["error"]["fields"], answer.json()
    assert not JobOffer.objects.exists()


def test_a_publisher_of_another_village_is_a_404(village, other_village, client_for):
    poster = MembershipFactory(village=village)
    foreign = publisher_in(other_village)
    answer = client_for(poster.user).post(
        _base(village),
        {
            "publisher_id": foreign.pk,
            "title": "x",
            "description": "x",
            "employment_type": "minijob",
        },
    )
    assert answer.status_code == 404


def test_filters_by_type_and_distance_newest_first(village, client_for):
    lat, lon = village.centre_lat, village.centre_lon
    near = job_in(village, title="Nah", latitude=lat + 0.001, longitude=lon)
    far = job_in(village, title="Fern", latitude=lat + 0.1, longitude=lon)  # ~11 km
    volunteer = job_in(village, title="Ehrenamt", employment_type="volunteer")
    client = client_for(MembershipFactory(village=village).user)
    newest = client.get(_base(village)).json()["results"]
    assert [j["id"] for j in newest] == [volunteer.pk, far.pk, near.pk]
    minijobs = client.get(_base(village), {"employment_type": "minijob"}).json()["results"]
    assert {j["title"] for j in minijobs} == {"Nah", "Fern"}
    close = client.get(_base(village), {"max_distance_m": 5000, "order": "nearest"}).json()
    assert [j["title"] for j in close["results"]] == ["Nah"]
    assert 100 <= close["results"][0]["distance_m"] <= 120
    assert client.get(_base(village), {"order": "oldest"}).status_code == 400


def test_applying_opens_a_chat_with_the_contact_person(village, client_for):
    poster = MembershipFactory(village=village)
    job = job_in(village, poster=poster)
    applicant = MembershipFactory(village=village)
    url = f"{_base(village)}{job.pk}/applications/"
    answer = client_for(applicant.user).post(url, {"text": "Ich hätte Interesse."})
    assert answer.status_code == 201, answer.json()
    room_id = answer.json()["room_id"]
    assert set(RoomMember.objects.filter(room_id=room_id).values_list("user_id", flat=True)) == {
        poster.user_id,
        applicant.user_id,
    }
    assert Message.objects.get(room_id=room_id).text == "Ich hätte Interesse."
    # a second message goes to the same room
    again = client_for(applicant.user).post(url, {"text": "Wann kann ich vorbeikommen?"})
    assert again.json()["room_id"] == room_id
    assert Message.objects.filter(room_id=room_id).count() == 2
    # the poster sees the application, another resident only their own (none)
    assert len(client_for(poster.user).get(url).json()["results"]) == 1
    assert client_for(MembershipFactory(village=village).user).get(url).json()["results"] == []
    assert client_for(poster.user).post(url, {"text": "Ich selbst"}).status_code == 400


def test_an_offer_without_chat_takes_no_chat_application(village, client_for):
    job = job_in(village, apply_via_chat=False, apply_url="https://example.org/bewerben")
    answer = client_for(MembershipFactory(village=village).user).post(
        f"{_base(village)}{job.pk}/applications/", {"text": "Hallo"}
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "no_chat"


def test_the_poster_changes_and_withdraws_an_offer(village, client_for):
    poster = MembershipFactory(village=village)
    job = job_in(village, poster=poster)
    client = client_for(poster.user)
    changed = client.patch(f"{_base(village)}{job.pk}/", {"hours_per_week": 10})
    assert changed.json()["hours_per_week"] == 10
    stranger = client_for(MembershipFactory(village=village).user)
    assert stranger.patch(f"{_base(village)}{job.pk}/", {"title": "x"}).status_code == 403
    assert client.delete(f"{_base(village)}{job.pk}/").status_code == 204
    assert client.get(_base(village)).json()["results"] == []
    assert client.patch(f"{_base(village)}{job.pk}/", {"title": "x"}).status_code == 409


def test_the_list_costs_the_same_queries_for_one_or_many_offers(
    village, client_for, django_assert_num_queries
):
    client = client_for(MembershipFactory(village=village).user)
    job_in(village)
    client.get(_base(village))  # the token's last use is recorded once a minute
    with django_assert_num_queries(3):
        assert len(client.get(_base(village)).json()["results"]) == 1
    for _n in range(4):
        job_in(village)
    with django_assert_num_queries(3):
        assert len(client.get(_base(village)).json()["results"]) == 5

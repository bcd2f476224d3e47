"""The council over the API: meetings with their agenda, follows, the staff's source
configuration, and the lists' query counts."""

from __future__ import annotations

import pytest

from dorf.council import services
from dorf.council.models import CouncilSource, Meeting, Organization, Paper
from dorf.villages.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/council/"


@pytest.fixture
def imported(source):
    services.source_import(source_id=source.pk)
    return source


def test_meetings_list_and_detail_show_the_agenda(imported, member, client_for) -> None:
    client = client_for(member.user)
    listed = client.get(f"{_base(imported.village)}meetings/").json()["results"]
    assert len(listed) == 4
    council = next(m for m in listed if m["start"].startswith("2026-12-08"))
    assert council["organizations"][0]["short_name"] == "GR"
    assert council["agenda_item_count"] == 4
    detail = client.get(f"{_base(imported.village)}meetings/{council['id']}/").json()
    assert [i["number"] for i in detail["agenda_items"]] == ["1", "2", "3", "4"]
    upcoming = client.get(
        f"{_base(imported.village)}meetings/", {"from": "2026-12-10T00:00:00+01:00"}
    ).json()["results"]
    assert len(upcoming) == 2


def test_residents_follow_and_unfollow_committees_and_papers(imported, member, client_for):
    client = client_for(member.user)
    committee = Organization.objects.get(short_name="BUA")
    url = f"{_base(imported.village)}organizations/{committee.pk}/follow/"
    assert client.post(url).status_code == 204
    assert client.post(url).status_code == 409
    listed = client.get(f"{_base(imported.village)}organizations/").json()["results"]
    assert {o["short_name"]: o["followed_by_me"] for o in listed}["BUA"] is True
    assert client.delete(url).status_code == 204
    paper = Paper.objects.get(reference="AN/2026/007")
    paper_url = f"{_base(imported.village)}papers/{paper.pk}/follow/"
    assert client.post(paper_url).status_code == 204


def test_only_staff_configure_the_source(village, member, client_for, recorded_server) -> None:
    body = {"system_url": "https://ris.example.org/oparl/v1/system"}
    url = f"{_base(village)}source/"
    assert client_for(member.user).put(url, body, format="json").status_code == 403
    staff = client_for(MembershipFactory(village=village, role=Role.STAFF).user)
    assert staff.get(url).status_code == 404
    answer = staff.put(url, {**body, "enabled": False}, format="json")
    assert answer.status_code == 200, answer.json()
    assert CouncilSource.objects.get(village=village).system_url == body["system_url"]
    assert staff.get(url).json()["enabled"] is False


def test_the_meeting_list_costs_the_same_queries_for_few_or_many(
    imported, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    url = f"{_base(imported.village)}meetings/"
    client.get(url)  # the token's last use is recorded at most once a while
    with django_assert_num_queries(4):  # token, membership, page, organisations
        assert len(client.get(url).json()["results"]) == 4
    for index in range(5):
        Meeting.objects.create(
            village=imported.village, oparl_id=f"https://x.example/m/{index}", name="Extra"
        )
    with django_assert_num_queries(4):
        assert len(client.get(url).json()["results"]) == 9

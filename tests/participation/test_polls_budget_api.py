"""Polls and the budget over the API: shapes, status codes and list query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dorf.participation.models import Poll
from tests.factories import MembershipFactory
from tests.participation.factories import budget_in, poll_in, staff_of

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/participation/"


def test_staff_create_and_publish_a_poll_members_vote_and_see_results_after_close(
    village, member, client_for
) -> None:
    staff = client_for(staff_of(village).user)
    now = timezone.now()
    created = staff.post(
        f"{_base(village)}polls/",
        {
            "question": "Welche Farbe für die Bänke?",
            "kind": "multiple",
            "options": ["Grün", "Blau", "Holz"],
            "max_choices": 2,
            "allow_free_text": True,
            "opens_at": (now - timedelta(minutes=1)).isoformat(),
            "closes_at": (now + timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    poll = created.json()
    assert poll["published"] is False
    assert client_for(member.user).get(f"{_base(village)}polls/{poll['id']}/").status_code == 404
    assert staff.post(f"{_base(village)}polls/{poll['id']}/publish/").status_code == 200
    client = client_for(member.user)
    vote_url = f"{_base(village)}polls/{poll['id']}/vote/"
    ids = [o["id"] for o in poll["options"]]
    voted = client.post(vote_url, {"option_ids": ids[:2], "free_text": "Holz!"}, format="json")
    assert voted.status_code == 201, voted.json()
    assert client.post(vote_url, {"option_ids": ids[:1]}, format="json").status_code == 409
    results_url = f"{_base(village)}polls/{poll['id']}/results/"
    assert staff.get(results_url).status_code == 409  # hidden from staff too
    Poll.objects.filter(pk=poll["id"]).update(closes_at=timezone.now())
    results = client.get(results_url).json()
    assert [o["votes"] for o in results["options"]] == [1, 1, 0]
    assert results["free_texts"] == ["Holz!"]
    assert client.get(f"{_base(village)}polls/{poll['id']}/").json()["voted_by_me"] is True


def test_the_poll_list_costs_the_same_queries_for_one_or_many(
    village, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    poll_in(village)
    client.get(f"{_base(village)}polls/")  # the token's last use is recorded once a while
    with django_assert_num_queries(4):  # token, membership, page, options
        assert len(client.get(f"{_base(village)}polls/").json()["results"]) == 1
    for _ in range(4):
        poll_in(village)
    with django_assert_num_queries(4):
        assert len(client.get(f"{_base(village)}polls/").json()["results"]) == 5


def test_a_budget_vote_over_the_api_and_its_result(village, member, client_for) -> None:
    made, (a, b, c) = budget_in(village)
    client = client_for(member.user)
    ballot_url = f"{_base(village)}budgets/{made.pk}/ballot/"
    assert client.get(ballot_url).json() == {"budget_id": made.pk, "item_ids": [], "total": "0.00"}
    over = client.put(ballot_url, {"item_ids": [a.pk, b.pk, c.pk]}, format="json")
    assert over.status_code == 400
    assert over.json()["error"]["code"] == "over_budget"
    done = client.put(ballot_url, {"item_ids": [a.pk, b.pk]}, format="json")
    assert done.json() == {"budget_id": made.pk, "item_ids": [a.pk, b.pk], "total": "7000.00"}
    result_url = f"{_base(village)}budgets/{made.pk}/result/"
    assert client.get(result_url).status_code == 409
    staff = client_for(staff_of(village).user)
    advanced = staff.post(f"{_base(village)}budgets/{made.pk}/advance/", {}, format="json")
    assert advanced.json()["phase"] == "results"
    result = client.get(result_url).json()
    assert result["spent"] == "7000.00"
    assert [(r["item_id"], r["selected"]) for r in result["ranking"]] == [
        (b.pk, True),
        (a.pk, True),
        (c.pk, False),
    ]


def test_residents_propose_items_staff_review_them_in_the_queue(
    village, member, client_for, django_assert_num_queries
) -> None:
    staff_member = staff_of(village)
    staff = client_for(staff_member.user)
    made = staff.post(
        f"{_base(village)}budgets/", {"title": "2027", "amount": "20000.00"}, format="json"
    ).json()
    client = client_for(member.user)
    item = client.post(
        f"{_base(village)}budgets/{made['id']}/items/",
        {"title": "Boulebahn", "description": "Am Dorfplatz", "cost": "2500.00"},
        format="json",
    )
    assert item.status_code == 201, item.json()
    queue = staff.get(f"{_base(village)}queue/").json()
    assert [i["id"] for i in queue["budget_items_to_review"]] == [item.json()["id"]]
    assert client.get(f"{_base(village)}queue/").status_code == 403
    review_url = f"{_base(village)}budget-items/{item.json()['id']}/review/"
    assert client.post(review_url, {"feasible": True}, format="json").status_code == 403
    reviewed = staff.post(review_url, {"feasible": False, "reason": "Zu laut"}, format="json")
    assert reviewed.json()["feasibility"] == "infeasible"
    items_url = f"{_base(village)}budgets/{made['id']}/items/"
    with django_assert_num_queries(4):  # token, membership, budget, page with proposers
        assert len(client.get(items_url).json()["results"]) == 1
    for _ in range(3):
        other = MembershipFactory(village=village)
        client_for(other.user).post(
            items_url, {"title": "x", "description": "y", "cost": "1.00"}, format="json"
        )
    with django_assert_num_queries(4):
        assert len(client.get(items_url).json()["results"]) == 4

"""Proposals over the API: shape, status codes, permissions and the list's query count."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dorf.participation.services import proposals
from tests.factories import MembershipFactory
from tests.participation.factories import comment_on, proposal_in, staff_of

pytestmark = pytest.mark.django_db


def _base(village) -> str:
    return f"/api/v1/villages/{village.slug}/participation/"


def test_a_resident_proposes_and_others_support_and_withdraw(village, client_for) -> None:
    author = MembershipFactory(village=village)
    answer = client_for(author.user).post(
        f"{_base(village)}proposals/",
        {
            "title": "Mehr Mülleimer",
            "text": "Am Spielplatz fehlt ein Mülleimer.",
            "category": "environment",
            "lat": 50.79123,
            "lon": 7.87234,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["state"] == "open"
    assert (body["lat"], body["lon"]) == (50.791, 7.872)  # stored coarse
    assert body["author_name"] == author.user.display_name
    supporter = client_for(MembershipFactory(village=village).user)
    url = f"{_base(village)}proposals/{body['id']}/support/"
    supported = supporter.post(url)
    assert supported.status_code == 200
    assert (supported.json()["support_count"], supported.json()["supported_by_me"]) == (1, True)
    assert supporter.post(url).status_code == 409
    withdrawn = supporter.delete(url)
    assert (withdrawn.json()["support_count"], withdrawn.json()["supported_by_me"]) == (0, False)


def test_unknown_fields_and_bad_categories_are_a_400(village, member, client_for) -> None:
    client = client_for(member.user)
    bad = client.post(
        f"{_base(village)}proposals/",
        {"title": "x", "text": "y", "category": "weltfrieden", "role": "staff"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"role"}
    bad = client.post(
        f"{_base(village)}proposals/",
        {"title": "x", "text": "y", "category": "weltfrieden"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"category"}


def test_only_staff_answer_and_change_settings(village, member, client_for) -> None:
    proposal = proposal_in(village)
    url = f"{_base(village)}proposals/{proposal.pk}/answer/"
    payload = {"status": "rejected", "text": "Kein Geld im Haushalt."}
    assert client_for(member.user).post(url, payload, format="json").status_code == 403
    staff = client_for(staff_of(village).user)
    answered = staff.post(url, payload, format="json")
    assert answered.status_code == 200
    assert answered.json()["answer_status"] == "rejected"
    settings_url = f"{_base(village)}settings/"
    rules = {"support_threshold_count": 12, "proposal_support_days": 45}
    assert client_for(member.user).put(settings_url, rules, format="json").status_code == 403
    changed = staff.put(settings_url, rules, format="json")
    assert changed.status_code == 200
    assert changed.json()["current_threshold"] == 12


def test_hidden_proposals_are_gone_for_residents_but_not_for_moderators(
    village, member, moderator, client_for
) -> None:
    proposal = proposal_in(village)
    hide = f"{_base(village)}proposals/{proposal.pk}/hide/"
    assert client_for(member.user).post(hide).status_code == 403
    assert client_for(moderator.user).post(hide).status_code == 200
    detail = f"{_base(village)}proposals/{proposal.pk}/"
    assert client_for(member.user).get(detail).status_code == 404
    assert client_for(moderator.user).get(detail).json()["hidden"] is True


def test_a_hidden_comment_is_a_tombstone_without_text(village, moderator, client_for) -> None:
    proposal = proposal_in(village)
    comment = comment_on(proposal)
    client = client_for(moderator.user)
    assert client.post(f"{_base(village)}comments/{comment.pk}/hide/").status_code == 200
    listed = client.get(f"{_base(village)}proposals/{proposal.pk}/comments/").json()["results"]
    assert listed == [
        {
            "id": comment.pk,
            "author_name": None,
            "text": None,
            "deleted": False,
            "hidden": True,
            "created_at": listed[0]["created_at"],
        }
    ]


def test_reports_reach_the_moderators_queue_and_can_be_dismissed(
    village, member, moderator, client_for
) -> None:
    comment = comment_on(proposal_in(village))
    reported = client_for(member.user).post(
        f"{_base(village)}comments/{comment.pk}/report/", {"reason": "Spam"}, format="json"
    )
    assert reported.status_code == 201
    queue_url = f"{_base(village)}comment-reports/"
    assert client_for(member.user).get(queue_url).status_code == 403
    queue = client_for(moderator.user).get(queue_url).json()["results"]
    assert [r["comment_text"] for r in queue] == ["Gute Idee"]
    dismiss = f"{_base(village)}comment-reports/{queue[0]['id']}/dismiss/"
    assert client_for(moderator.user).post(dismiss).json()["state"] == "dismissed"
    assert client_for(moderator.user).get(queue_url).json()["results"] == []


def test_the_proposal_list_costs_the_same_queries_for_one_or_many(
    village, member, client_for, django_assert_num_queries
) -> None:
    client = client_for(member.user)
    url = f"{_base(village)}proposals/"
    proposal_in(village)
    client.get(url)  # the token's last use is recorded at most once a while
    with django_assert_num_queries(3):  # token, membership, page with authors
        assert len(client.get(url).json()["results"]) == 1
    for _ in range(5):
        proposals.proposal_support(
            user=MembershipFactory(village=village).user, proposal_id=proposal_in(village).pk
        )
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["results"]) == 6


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="PNG")
    return SimpleUploadedFile("bank.png", buffer.getvalue(), content_type="image/png")


def test_the_author_adds_a_photo_others_may_not(village, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = MembershipFactory(village=village)
    proposal = proposal_in(village, author=author)
    url = f"{_base(village)}proposals/{proposal.pk}/photo/"
    other = client_for(MembershipFactory(village=village).user)
    assert other.post(url, {"image": _png()}, format="multipart").status_code == 403
    answer = client_for(author.user).post(url, {"image": _png()}, format="multipart")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["photo_url"].endswith(".jpg")
    junk = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    bad = client_for(author.user).post(url, {"image": junk}, format="multipart")
    assert bad.status_code == 400

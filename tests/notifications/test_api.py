from __future__ import annotations

from typing import Any

import pytest

from dorf.notifications.models import Category
from dorf.notifications.services import notify, preferences_set

pytestmark = pytest.mark.django_db


def test_feed_lists_my_notifications_newest_first_in_constant_queries(
    client_for, member, django_assert_num_queries
):
    for i in range(4):
        notify(user=member.user, category=Category.MENTION, title=f"N{i}")
    client = client_for(member.user)
    client.get("/api/v1/notifications/preferences/")  # first token use records last_used_at
    with django_assert_num_queries(3):  # token, page, unread count
        body = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in body["results"]] == ["N3", "N2", "N1", "N0"]
    assert body["unread_count"] == 4


def test_feed_pages_forward_and_back_by_cursor(client_for, member, moderator):
    # given: seven of mine (two read) and one of someone else's
    mine = [notify(user=member.user, category=Category.MENTION, title=f"N{i}") for i in range(7)]
    notify(user=moderator.user, category=Category.MENTION, title="theirs")
    client = client_for(member.user)
    for read in mine[:2]:
        client.post(f"/api/v1/notifications/{read.pk}/read/")
    # when: following next links three at a time, then previous links back
    pages, url = [], "/api/v1/notifications/?page_size=3"
    while url:
        body = client.get(url).json()
        pages.append([n["title"] for n in body["results"]])
        last, url = body, body["next"]
    back, url = [], last["previous"]
    while url:
        body = client.get(url).json()
        back.append([n["title"] for n in body["results"]])
        url = body["previous"]
    unread = client.get("/api/v1/notifications/?unread=1&page_size=4").json()
    # then: newest first, every one once, the same pages backwards, the filter kept
    assert pages == [["N6", "N5", "N4"], ["N3", "N2", "N1"], ["N0"]]
    assert back == [["N3", "N2", "N1"], ["N6", "N5", "N4"]]
    assert [n["title"] for n in unread["results"]] == ["N6", "N5", "N4", "N3"]
    rest = client.get(unread["next"]).json()
    assert [n["title"] for n in rest["results"]] == ["N2"]
    assert rest["next"] is None


def test_a_forged_feed_cursor_is_a_400_and_a_position_past_any_id_is_a_page(client_for, member):
    notify(user=member.user, category=Category.MENTION, title="N")
    client = client_for(member.user)
    for cursor in ("cD14", "bz14"):  # p=x, o=x
        response = client.get(f"/api/v1/notifications/?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert "cursor" in str(response.json())
    # p=99999999999999999999: beyond a bigint, still "older than that"
    response = client.get("/api/v1/notifications/?cursor=cD05OTk5OTk5OTk5OTk5OTk5OTk5OQ==")
    assert response.status_code == 200
    assert [n["title"] for n in response.json()["results"]] == ["N"]


def test_mark_one_and_all_read(client_for, member):
    first = notify(user=member.user, category=Category.REPLY, title="a")
    notify(user=member.user, category=Category.REPLY, title="b")
    client = client_for(member.user)
    assert client.post(f"/api/v1/notifications/{first.pk}/read/").json()["read_at"]
    assert client.get("/api/v1/notifications/?unread=1").json()["unread_count"] == 1
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked_read": 1}
    assert client.get("/api/v1/notifications/?unread=1").json()["results"] == []


def test_another_users_notification_is_404(client_for, member, moderator):
    theirs = notify(user=moderator.user, category=Category.REPLY, title="a")
    assert (
        client_for(member.user).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    )


def test_a_muted_category_is_stored_but_not_pushed_live(
    member, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    pushed: list[str] = []

    class RecordingLayer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            pushed.append(message["event"]["type"])

    monkeypatch.setattr("dorf.core.realtime.get_channel_layer", RecordingLayer)
    preferences_set(user=member.user, channels={"mention": {"socket": False}})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=member.user, category=Category.MENTION, title="still stored")
        notify(user=member.user, category=Category.REPLY, title="pushed")
    # then
    assert member.user.notifications.count() == 2
    assert pushed == ["notification"]

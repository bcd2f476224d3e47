from __future__ import annotations

import pytest
from django.core.cache import cache

from dorf.chat import services
from dorf.chat.tickets import ticket_consume
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def post_message(client, room, text="Hallo", cid="1", **extra):
    return client.post(
        f"/api/v1/chat/rooms/{room.pk}/messages/", {"text": text, "client_msg_id": cid, **extra}
    )


def test_ws_ticket_is_short_lived_and_single_use(client_for, alice):
    # when
    response = client_for(alice.user).post("/api/v1/ws-ticket")
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["expires_in"] == 30
    assert ticket_consume(body["ticket"]) == alice.user.pk
    assert ticket_consume(body["ticket"]) is None


def test_ws_ticket_is_stored_hashed(client_for, alice):
    ticket = client_for(alice.user).post("/api/v1/ws-ticket").json()["ticket"]
    assert cache.get(f"ws-ticket:{ticket}") is None


def test_ws_ticket_needs_authentication(api_client):
    assert api_client.post("/api/v1/ws-ticket").status_code == 401


def test_sending_over_rest_is_idempotent_by_client_msg_id(client_for, alice, square):
    client = client_for(alice.user)
    first = post_message(client, square, cid="x1")
    again = post_message(client, square, cid="x1")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_oversized_text_is_refused_with_a_400(client_for, alice, square):
    response = post_message(client_for(alice.user), square, text="x" * 4001)
    assert response.status_code == 400
    assert "text" in response.json()["error"]["fields"]


def test_unknown_fields_are_refused(client_for, alice, square):
    response = post_message(client_for(alice.user), square, sender_id=1)
    assert response.status_code == 400


def test_my_rooms_lists_unread_counts_and_last_message_in_constant_queries(
    client_for, alice, bob, square, django_assert_num_queries
):
    # given: several rooms with messages
    client = client_for(bob.user)
    for i in range(3):
        group = services.group_create(membership=alice, title=f"G{i}", is_open=True)
        services.group_join(user=bob.user, room_id=group.pk)
        services.message_send(user=alice.user, room_id=group.pk, text="Hi", client_msg_id=str(i))
    services.message_send(user=alice.user, room_id=square.pk, text="Moin", client_msg_id="s")
    client.get("/api/v1/ws-ticket")  # the token's first use records last_used_at
    # when: auth (token lookup) + rooms (with the block list as a subquery)
    with django_assert_num_queries(2):
        response = client.get("/api/v1/chat/rooms/")
    # then
    rooms = response.json()
    assert len(rooms) == 4
    assert all(room["unread_count"] == 1 for room in rooms)
    assert rooms[0]["id"] == square.pk  # most recent activity first
    assert rooms[0]["last_message"]["text"] == "Moin"


def test_history_is_paginated_by_id_in_constant_queries(
    client_for, alice, bob, square, django_assert_num_queries
):
    ids = [
        services.message_send(
            user=alice.user, room_id=square.pk, text=str(i), client_msg_id=str(i)
        )[0].pk
        for i in range(6)
    ]
    services.reaction_add(user=bob.user, message_id=ids[-1], emoji="👍")
    client = client_for(bob.user)
    client.get("/api/v1/ws-ticket")  # the token's first use records last_used_at
    # token, then one query: the page with its member check, block list and reactions
    with django_assert_num_queries(2):
        page = client.get(f"/api/v1/chat/rooms/{square.pk}/messages/?limit=3").json()
    assert [m["id"] for m in page["results"]] == ids[3:]
    assert page["results"][-1]["reactions"] == [{"emoji": "👍", "count": 1, "mine": True}]
    older = client.get(f"/api/v1/chat/rooms/{square.pk}/messages/?before={ids[3]}&limit=3")
    assert [m["id"] for m in older.json()["results"]] == ids[:3]
    newer = client.get(f"/api/v1/chat/rooms/{square.pk}/messages/?after={ids[2]}&limit=2")
    assert [m["id"] for m in newer.json()["results"]] == ids[3:5]


def test_history_of_a_room_in_another_village_is_404(client_for, square, outsider):
    response = client_for(outsider.user).get(f"/api/v1/chat/rooms/{square.pk}/messages/")
    assert response.status_code == 404


def test_an_empty_history_page_and_a_404_take_one_query_after_the_token(
    client_for, village, alice, bob, square, outsider, django_assert_num_queries
):
    # given: a room with no messages yet, a member and a resident of another village
    group = services.group_create(membership=alice, title="Neu", is_open=True)
    member, stranger = client_for(alice.user), client_for(outsider.user)
    for client in (member, stranger):
        client.get("/api/v1/ws-ticket")  # the token's first use records last_used_at
    url = f"/api/v1/chat/rooms/{group.pk}/messages/"
    # when
    with django_assert_num_queries(2):
        empty = member.get(url)
    with django_assert_num_queries(2):
        hidden = stranger.get(url)
    # then
    assert empty.json() == {"results": [], "oldest_id": None, "newest_id": None, "has_more": False}
    assert hidden.status_code == 404


def test_edit_delete_and_react_over_rest(client_for, alice, bob, square):
    client = client_for(alice.user)
    message_id = post_message(client, square).json()["id"]
    edited = client.patch(f"/api/v1/chat/messages/{message_id}/", {"text": "Neu"})
    assert edited.json()["text"] == "Neu"
    assert (
        client_for(bob.user)
        .patch(f"/api/v1/chat/messages/{message_id}/", {"text": "x"})
        .status_code
        == 403
    )
    react = client_for(bob.user).post(
        f"/api/v1/chat/messages/{message_id}/reactions/", {"emoji": "🎉"}
    )
    assert react.status_code == 204
    deleted = client.delete(f"/api/v1/chat/messages/{message_id}/")
    assert deleted.json()["deleted"] is True
    assert deleted.json()["text"] == ""


def test_group_create_join_and_direct_open(client_for, village, alice, bob):
    created = client_for(alice.user).post(
        f"/api/v1/villages/{village.slug}/chat/groups/", {"title": "Gartenfreunde"}
    )
    assert created.status_code == 201
    joined = client_for(bob.user).post(f"/api/v1/chat/rooms/{created.json()['id']}/join/")
    assert joined.json()["state"] == "active"
    direct = client_for(alice.user).post(
        f"/api/v1/villages/{village.slug}/chat/direct/", {"user_id": bob.user.pk}
    )
    assert direct.status_code == 200
    assert direct.json()["kind"] == "direct"


def test_the_square_cannot_be_left(client_for, alice, square):
    response = client_for(alice.user).post(f"/api/v1/chat/rooms/{square.pk}/leave/")
    assert response.status_code == 403


def test_read_marker_over_rest(client_for, alice, bob, square):
    message_id = post_message(client_for(alice.user), square).json()["id"]
    response = client_for(bob.user).post(
        f"/api/v1/chat/rooms/{square.pk}/read/", {"message_id": message_id}
    )
    assert response.json() == {"room_id": square.pk, "last_read_id": message_id}


def test_search_requires_two_characters_and_finds_my_messages(client_for, alice, square):
    client = client_for(alice.user)
    post_message(client, square, text="Wer hat eine Leiter?")
    assert client.get("/api/v1/chat/search/?q=L").status_code == 400
    results = client.get("/api/v1/chat/search/?q=Leiter").json()["results"]
    assert [r["text"] for r in results] == ["Wer hat eine Leiter?"]


def test_report_flow_through_the_moderators_queue(client_for, village, alice, bob, mod, square):
    # given
    message_id = post_message(client_for(bob.user), square, text="Unfug").json()["id"]
    created = client_for(alice.user).post(
        "/api/v1/chat/reports/", {"message_id": message_id, "reason": "Spam"}
    )
    assert created.status_code == 201
    # when
    queue = (
        client_for(mod.user).get(f"/api/v1/villages/{village.slug}/chat/reports/").json()["results"]
    )
    resolved = client_for(mod.user).post(
        f"/api/v1/villages/{village.slug}/chat/reports/{queue[0]['id']}/resolve/",
        {"action": "hide"},
    )
    # then
    assert queue[0]["message_text"] == "Unfug"
    assert resolved.json()["state"] == "resolved"
    history = client_for(alice.user).get(f"/api/v1/chat/rooms/{square.pk}/messages/").json()
    assert history["results"][0]["hidden"] is True
    assert history["results"][0]["text"] == ""
    assert (
        client_for(alice.user).get(f"/api/v1/villages/{village.slug}/chat/reports/").status_code
        == 403
    )


def test_a_user_can_be_reported_in_a_village(client_for, village, alice, bob):
    response = client_for(alice.user).post(
        "/api/v1/chat/reports/", {"village": village.slug, "user_id": bob.user.pk, "reason": "x"}
    )
    assert response.status_code == 201


def test_moderator_hides_a_message_directly(client_for, alice, mod, square):
    message_id = post_message(client_for(alice.user), square).json()["id"]
    assert (
        client_for(alice.user).post(f"/api/v1/chat/messages/{message_id}/hide/").status_code == 403
    )
    hidden = client_for(mod.user).post(f"/api/v1/chat/messages/{message_id}/hide/")
    assert hidden.json()["hidden"] is True


def test_mute_over_rest_blocks_sending(client_for, alice, mod, square):
    response = client_for(mod.user).post(
        f"/api/v1/chat/rooms/{square.pk}/members/{alice.user.pk}/mute/", {"minutes": 5}
    )
    assert response.status_code == 200
    refused = post_message(client_for(alice.user), square)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "muted"


def test_pending_members_appear_after_approval(client_for, village, alice, bob):
    room = services.group_create(membership=alice, title="Vorstand", is_open=False)
    client_for(bob.user).post(f"/api/v1/chat/rooms/{room.pk}/join/")
    approved = client_for(alice.user).post(
        f"/api/v1/chat/rooms/{room.pk}/members/{bob.user.pk}/approve/"
    )
    assert approved.json()["state"] == "active"
    other = MembershipFactory(village=village)
    assert client_for(other.user).get(f"/api/v1/chat/rooms/{room.pk}/messages/").status_code == 404

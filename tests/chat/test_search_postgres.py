from __future__ import annotations

import pytest

from dorf.chat import selectors, services


@pytest.mark.postgres
@pytest.mark.django_db
def test_search_uses_german_stemming(alice, square):
    # given: an inflected form ("Leitern") and the query's stem form
    services.message_send(
        user=alice.user, room_id=square.pk, text="Wir brauchen zwei Leitern", client_msg_id="1"
    )
    # when
    results = list(selectors.message_search(user=alice.user, query="Leiter"))
    # then
    assert len(results) == 1

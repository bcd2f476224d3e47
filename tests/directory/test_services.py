"""Directory services scope by village themselves: an owner whose membership was banned
can no longer change the entry they own, whoever calls the service."""

from __future__ import annotations

import pytest

from dorf.core.exceptions import NotFound
from dorf.directory import services
from dorf.villages.models import MembershipState
from tests.directory.factories import claim_on, entry_in, staff_of
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_banned_owner_cannot_change_their_entry_any_more(village) -> None:
    # given: a confirmed owner
    staff = staff_of(village)
    entry = entry_in(village, staff=staff, name="Friseur")
    owner = MembershipFactory(village=village)
    services.claim_decide(actor=staff.user, claim_id=claim_on(entry, owner).pk, confirm=True)
    services.entry_update(actor=owner.user, entry_id=entry.pk, phone="0123")
    # when: the owner is banned from the village
    owner.state = MembershipState.BANNED
    owner.save(update_fields=["state"])
    # then: the service refuses as if the entry did not exist
    with pytest.raises(NotFound):
        services.entry_update(actor=owner.user, entry_id=entry.pk, name="Übernommen")
    with pytest.raises(NotFound):
        services.claim_create(user=owner.user, entry_id=entry.pk)
    entry.refresh_from_db()
    assert (entry.name, entry.phone) == ("Friseur", "0123")


def test_staff_of_another_village_cannot_archive(village, other_village) -> None:
    entry = entry_in(village)
    with pytest.raises(NotFound):
        services.entry_archive(actor=staff_of(other_village).user, entry_id=entry.pk)

"""Who may fetch a proposal's photo (``dorf.core.media``): whoever may see the proposal
(the village's members; a hidden proposal only its moderators)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from dorf.participation.models import Proposal
from dorf.participation.selectors import proposal_get
from dorf.users.models import User
from dorf.villages.scoping import membership_for


def can_view_media(*, user: User | AnonymousUser, name: str) -> bool:
    proposal = Proposal.objects.filter(photo=name).only("pk", "village_id").first()
    if proposal is None:
        return False
    membership = membership_for(user, proposal.village_id)
    if membership is None:
        return False
    return proposal_get(membership=membership, proposal_id=proposal.pk) is not None

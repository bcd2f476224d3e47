"""Opening the ledger's accounts: a member's, the village community account, a club's."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dorf.core.exceptions import ValidationFailed
from dorf.ledger.models import (
    Account,
    AccountKind,
)
from dorf.villages.models import Membership, Village

COMMUNITY_ACCOUNT_NAME = "Gemeinschaftskonto"


def account_for_membership(membership: Membership) -> Account:
    """The member's account in the membership's village (created on first use)."""
    account, _created = Account.objects.get_or_create(
        membership=membership,
        defaults={"village_id": membership.village_id, "kind": AccountKind.MEMBER},
    )
    return account


def community_account(village: Village) -> Account:
    """The village's community account, which issues credits (created on first use)."""
    account, _created = Account.objects.get_or_create(
        village=village,
        kind=AccountKind.COMMUNITY,
        defaults={"name": COMMUNITY_ACCOUNT_NAME},
    )
    return account


def club_account_create(*, village: Village, name: str) -> Account:
    """A new club account (balance 0). It is funded by a moderator's grant
    (``club_grant``) from the community account and may never go below zero."""
    name = name.strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("A name is required.")]})
    return Account.objects.create(village=village, kind=AccountKind.CLUB, name=name[:120])

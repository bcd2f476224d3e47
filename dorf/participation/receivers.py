"""Signal receivers of participation, connected by ``ParticipationConfig.ready``."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dorf.villages.signals import membership_banned


@receiver(membership_banned, dispatch_uid="participation.ban_removes_open_voice")
def _on_banned(sender: object, membership: Any, **kwargs: Any) -> None:
    from dorf.participation.services import budget, proposals

    proposals.member_banned(membership=membership)
    budget.member_banned(membership=membership)

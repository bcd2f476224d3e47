"""A club's board announces something to its members."""

from __future__ import annotations

from django.db import transaction

from dorf.chat import services as chat_services
from dorf.chat.models import MAX_MESSAGE_CHARS
from dorf.clubs import locks
from dorf.clubs.models import (
    Announcement,
    Club,
    ClubMembership,
    ClubMemberState,
)
from dorf.clubs.services.clubs import club_room, require_board
from dorf.core.exceptions import DomainError
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User


@transaction.atomic
def announcement_create(
    *, user: User, club_id: int, title: str, text: str = "", pinned: bool = False
) -> Announcement:
    """A board post; every active member (except the author) is notified, and the post
    also appears in the club's chat room."""
    club = locks.club_for(user, club_id, lock=False)
    require_board(user, club)
    announcement = Announcement.objects.create(
        club=club, author=user, title=title, text=text, pinned=pinned
    )
    members = (
        ClubMembership.objects.filter(club=club, state=ClubMemberState.ACTIVE)
        .exclude(user=user)
        .select_related("user")
    )
    for member in members:
        notify(
            user=member.user,
            category=Category.CLUB,
            title=f"{club.name}: {title}",
            body=text[:200],
            village=club.village,
            link_type="club_announcement",
            link_id=announcement.pk,
            actor=user,
        )
    _announce_in_room(club, announcement)
    return announcement


def _announce_in_room(club: Club, announcement: Announcement) -> None:
    # A courtesy copy: the announcement stands on its own, so a board member the chat
    # refuses (muted in the room, sending too fast) still gets it published.
    text = f"{announcement.title}\n\n{announcement.text}".strip()[:MAX_MESSAGE_CHARS]
    try:
        with transaction.atomic():
            chat_services.message_send(
                user=announcement.author,
                room_id=club_room(club).pk,
                text=text,
                client_msg_id=f"club-announcement-{announcement.pk}",
            )
    except DomainError:
        return

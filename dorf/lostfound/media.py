"""Who may fetch the photo of a find (``dorf.core.media``): the village's members, who
see the find in the Fundbüro's list; nobody outside the village, nobody signed out."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from dorf.lostfound.models import FoundItemPhoto
from dorf.users.models import User
from dorf.villages.scoping import membership_for


def can_view_media(*, user: User | AnonymousUser, name: str) -> bool:
    village_id = (
        FoundItemPhoto.objects.filter(image=name)
        .values_list("found_item__village_id", flat=True)
        .first()
    )
    if village_id is None:
        return False
    return membership_for(user, village_id) is not None

"""The news app's publishers as a ``dorf.villages.publishers.PublisherDirectory``."""

from __future__ import annotations

from dorf.news.models import Publisher, PublisherRoleKind
from dorf.users.models import User
from dorf.villages.publishers import PublisherRef


def _ref(publisher: Publisher) -> PublisherRef:
    return PublisherRef(
        id=publisher.pk, village_id=publisher.village_id, name=publisher.name, kind=publisher.kind
    )


class NewsPublisherDirectory:
    def publisher(self, *, publisher_id: int) -> PublisherRef | None:
        found = Publisher.objects.filter(pk=publisher_id).first()
        return _ref(found) if found is not None else None

    def publishers_of(self, *, user: User, village_id: int) -> list[PublisherRef]:
        publishers = Publisher.objects.filter(
            village_id=village_id, roles__user=user, roles__role=PublisherRoleKind.PUBLISHER
        ).order_by("id")
        return [_ref(p) for p in publishers]

from __future__ import annotations

from typing import Any

from dorf.jobs import services
from dorf.jobs.models import EmploymentType, JobOffer, JobPublisher, PublisherKind
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory


def staff_of(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


def publisher_in(
    village: Village, *, member: Membership | None = None, name: str | None = None
) -> JobPublisher:
    staff = staff_of(village)
    publisher = services.publisher_register(
        actor=staff.user,
        village_id=village.pk,
        name=name or f"Firma {JobPublisher.objects.count() + 1}",
        kind=PublisherKind.BUSINESS,
    )
    if member is not None:
        services.publisher_member_add(
            actor=staff.user, publisher_id=publisher.pk, user_id=member.user_id
        )
    return publisher


def job_in(village: Village, *, poster: Membership | None = None, **fields: Any) -> JobOffer:
    poster = poster or MembershipFactory(village=village)
    publisher = publisher_in(village, member=poster)
    values: dict[str, Any] = {
        "title": "Verkaufsaushilfe",
        "description": "Samstags im Laden.",
        "employment_type": EmploymentType.MINIJOB,
    }
    values.update(fields)
    return services.job_create(actor=poster.user, publisher_id=publisher.pk, **values)

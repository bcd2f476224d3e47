"""The one place that loads the job rows a write changes, scoped to the acting user's
villages (another village's id is a 404) and row-locked."""

from __future__ import annotations

from dorf.jobs.models import JobOffer, JobPublisher
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def publisher_for(user: User, publisher_id: int) -> JobPublisher:
    publishers = (
        JobPublisher.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(village__in=member_village_ids(user))
    )
    return get_scoped_or_404(publishers, pk=publisher_id)


def job_for(user: User, job_id: int) -> JobOffer:
    jobs = (
        JobOffer.objects.select_for_update(of=("self",))
        .select_related("village", "publisher")
        .filter(village__in=member_village_ids(user))
    )
    return get_scoped_or_404(jobs, pk=job_id)

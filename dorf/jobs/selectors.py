"""Read use-cases of the job offers, scoped to the viewer's village (or public)."""

from __future__ import annotations

from django.db.models import QuerySet

from dorf.core.geo import distance_sq_m2
from dorf.jobs.models import JobApplication, JobOffer, JobPublisher, JobState
from dorf.users.models import User
from dorf.villages.models import Membership, Role


def job_list(
    *,
    membership: Membership,
    employment_type: str | None = None,
    publisher_id: int | None = None,
    include_archived: bool = False,
    origin: tuple[float, float] | None = None,
    max_distance_m: int | None = None,
) -> QuerySet[JobOffer]:
    """The village's offers (published ones unless asked otherwise); with ``origin``,
    annotated with ``distance_sq`` (m²) and limited to offers with a location."""
    jobs = JobOffer.objects.filter(village_id=membership.village_id)
    if not include_archived:
        jobs = jobs.filter(state=JobState.PUBLISHED)
    if employment_type:
        jobs = jobs.filter(employment_type=employment_type)
    if publisher_id:
        jobs = jobs.filter(publisher_id=publisher_id)
    if origin is not None:
        jobs = jobs.exclude(latitude=None).annotate(
            distance_sq=distance_sq_m2(origin, lat_field="latitude", lon_field="longitude")
        )
        if max_distance_m is not None:
            jobs = jobs.filter(distance_sq__lte=float(max_distance_m) ** 2)
    return jobs.select_related("publisher", "village")


def job_get(*, membership: Membership, job_id: int) -> JobOffer | None:
    return (
        JobOffer.objects.filter(village_id=membership.village_id, pk=job_id)
        .select_related("publisher", "village")
        .first()
    )


def public_job_get(*, village_slug: str, job_id: int) -> JobOffer | None:
    """A published offer for the public page (search engines, people without an account)."""
    return (
        JobOffer.objects.filter(village__slug=village_slug, pk=job_id, state=JobState.PUBLISHED)
        .select_related("publisher", "village")
        .first()
    )


def publisher_list(*, membership: Membership) -> QuerySet[JobPublisher]:
    return JobPublisher.objects.filter(village_id=membership.village_id).order_by("name")


def may_manage(user: User, membership: Membership, job: JobOffer) -> bool:
    """Staff of the village and the members of the offer's publisher."""
    return membership.role == Role.STAFF or (
        job.publisher.members.filter(pk=user.pk).exists()  # one small query per detail view
    )


def application_list(
    *, user: User, membership: Membership, job: JobOffer
) -> QuerySet[JobApplication]:
    """The publisher's members and staff see every application; an applicant their own."""
    applications = JobApplication.objects.filter(job=job).select_related("applicant")
    if not may_manage(user, membership, job):
        applications = applications.filter(applicant=user)
    return applications

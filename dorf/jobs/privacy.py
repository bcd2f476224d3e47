"""GDPR export and erasure for job offers (declared in the app registry)."""

from __future__ import annotations

from typing import Any

from dorf.jobs import services
from dorf.jobs.models import JobApplication, JobOffer, JobPublisherMember
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "posted_offers": [
            {"id": job.pk, "title": job.title, "employer": job.employer, "state": job.state}
            for job in JobOffer.objects.filter(posted_by=user)
        ],
        "publisher_memberships": [
            member.publisher.name
            for member in JobPublisherMember.objects.filter(user=user).select_related("publisher")
        ],
        "applications": [
            {"job": application.job.title, "created_at": application.created_at.isoformat()}
            for application in JobApplication.objects.filter(applicant=user).select_related("job")
        ],
    }


def erase_personal_data(user: User) -> None:
    services.erase_user(user)

"""schema.org ``JobPosting`` for an offer, with every property Google for Jobs requires
(title, description, datePosted, hiringOrganization, jobLocation) and the recommended
ones we know (validThrough, employmentType, baseSalary, identifier, directApply)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.html import escape, linebreaks

from dorf.jobs.models import EmploymentType, JobOffer

# Google's employmentType values; ours are finer.
SCHEMA_EMPLOYMENT_TYPES = {
    EmploymentType.FULL_TIME: ["FULL_TIME"],
    EmploymentType.PART_TIME: ["PART_TIME"],
    EmploymentType.MINIJOB: ["PART_TIME"],
    EmploymentType.APPRENTICESHIP: ["FULL_TIME", "OTHER"],
    EmploymentType.INTERNSHIP: ["INTERN"],
    EmploymentType.TEMPORARY: ["TEMPORARY"],
    EmploymentType.VOLUNTEER: ["VOLUNTEER"],
}


def _euros(cents: int) -> float:
    return float(Decimal(cents) / 100)


def job_posting(job: JobOffer, *, url: str) -> dict[str, Any]:
    """The JSON-LD object for ``job``; ``url`` is its public page."""
    publisher = job.publisher
    organisation: dict[str, Any] = {"@type": "Organization", "name": job.employer}
    if publisher.website:
        organisation["sameAs"] = publisher.website
    address: dict[str, Any] = {
        "@type": "PostalAddress",
        "addressLocality": job.locality,
        "addressCountry": "DE",
    }
    if job.street_address:
        address["streetAddress"] = job.street_address
    if job.postal_code:
        address["postalCode"] = job.postal_code
    if job.village.bundesland:
        address["addressRegion"] = job.village.bundesland
    place: dict[str, Any] = {"@type": "Place", "address": address}
    if job.latitude is not None and job.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": job.latitude,
            "longitude": job.longitude,
        }
    posting: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": job.title,
        # Google wants HTML here: the plain text, escaped, in paragraphs.
        "description": linebreaks(escape(job.description)),
        "identifier": {
            "@type": "PropertyValue",
            "name": publisher.name,
            "value": str(job.pk),
        },
        "datePosted": job.published_at.date().isoformat(),
        "validThrough": job.valid_through.isoformat(),
        "employmentType": SCHEMA_EMPLOYMENT_TYPES[EmploymentType(job.employment_type)],
        "hiringOrganization": organisation,
        "jobLocation": place,
        "url": url,
        "directApply": job.apply_via_chat,
    }
    if job.start_date is not None:
        posting["jobStartDate"] = job.start_date.isoformat()
    if job.hours_per_week is not None:
        posting["workHours"] = f"{job.hours_per_week} h/Woche"
    if job.salary_min_cents is not None or job.salary_max_cents is not None:
        value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": job.salary_unit}
        if job.salary_min_cents is not None and job.salary_max_cents is not None:
            value["minValue"] = _euros(job.salary_min_cents)
            value["maxValue"] = _euros(job.salary_max_cents)
        else:
            only = (
                job.salary_min_cents if job.salary_min_cents is not None else job.salary_max_cents
            )
            assert only is not None
            value["value"] = _euros(only)
        posting["baseSalary"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": value}
    return posting

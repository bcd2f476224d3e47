"""The public page of an offer carries schema.org JobPosting JSON-LD with every property
Google for Jobs requires: extracted by an independent parser (extruct), validated against
a JSON schema (jsonschema)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import extruct
import jsonschema
import pytest
from django.utils import timezone

from dorf.jobs import services
from tests.factories import MembershipFactory
from tests.jobs.factories import job_in

pytestmark = pytest.mark.django_db

# Google's required properties (developers.google.com/search/docs/appearance/structured-data/
# job-posting) and the recommended ones we always fill, with their shapes.
JOB_POSTING_SCHEMA = {
    "type": "object",
    "required": [
        "@context",
        "@type",
        "title",
        "description",
        "datePosted",
        "validThrough",
        "employmentType",
        "hiringOrganization",
        "jobLocation",
        "identifier",
    ],
    "properties": {
        "@context": {"type": "string", "pattern": "^https?://schema.org/?$"},
        "@type": {"const": "JobPosting"},
        "title": {"type": "string", "minLength": 1, "maxLength": 150},
        "description": {"type": "string", "minLength": 1},
        "datePosted": {"type": "string", "format": "date"},
        "validThrough": {"type": "string", "format": "date"},
        "employmentType": {
            "type": "array",
            "minItems": 1,
            "items": {
                "enum": [
                    "FULL_TIME",
                    "PART_TIME",
                    "CONTRACTOR",
                    "TEMPORARY",
                    "INTERN",
                    "VOLUNTEER",
                    "PER_DIEM",
                    "OTHER",
                ]
            },
        },
        "hiringOrganization": {
            "type": "object",
            "required": ["@type", "name"],
            "properties": {"@type": {"const": "Organization"}, "name": {"type": "string"}},
        },
        "jobLocation": {
            "type": "object",
            "required": ["@type", "address"],
            "properties": {
                "@type": {"const": "Place"},
                "address": {
                    "type": "object",
                    "required": ["@type", "addressLocality", "addressCountry"],
                    "properties": {
                        "@type": {"const": "PostalAddress"},
                        "streetAddress": {"type": "string"},
                        "addressLocality": {"type": "string", "minLength": 1},
                        "postalCode": {"type": "string"},
                        "addressRegion": {"type": "string"},
                        "addressCountry": {"const": "DE"},
                    },
                },
            },
        },
        "identifier": {
            "type": "object",
            "required": ["@type", "name", "value"],
        },
        "baseSalary": {
            "type": "object",
            "required": ["@type", "currency", "value"],
            "properties": {
                "@type": {"const": "MonetaryAmount"},
                "currency": {"const": "EUR"},
                "value": {
                    "type": "object",
                    "required": ["@type", "unitText"],
                    "properties": {
                        "@type": {"const": "QuantitativeValue"},
                        "unitText": {"enum": ["HOUR", "DAY", "WEEK", "MONTH", "YEAR"]},
                        "minValue": {"type": "number", "minimum": 0},
                        "maxValue": {"type": "number", "minimum": 0},
                        "value": {"type": "number", "minimum": 0},
                    },
                },
            },
        },
    },
}


def _extract(html: str, url: str) -> list[dict[str, Any]]:
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld"], uniform=True)
    return [item for item in data["json-ld"] if item.get("@type") == "JobPosting"]


def test_the_public_page_has_valid_job_posting_json_ld(village, client) -> None:
    # given: an offer with every optional field, and a title that tries to end the script
    village.bundesland = "NW"
    village.save(update_fields=["bundesland"])
    job = job_in(
        village,
        title="Bäcker </script><script>alert(1)</script>",
        description="Frühschicht.\n\nMeisterbrief & Erfahrung erwünscht.",
        employment_type="full_time",
        street_address="Hauptstraße 3",
        postal_code="57518",
        latitude=50.79,
        longitude=7.87,
        hours_per_week=39,
        salary_min_cents=3_000_00,
        salary_max_cents=3_400_00,
        salary_unit="MONTH",
        start_date=timezone.localdate() + timedelta(days=30),
        apply_email="jobs@baeckerei.example",
    )
    url = f"/jobs/{village.slug}/{job.pk}/"
    # when: anyone (no account) opens the public page
    answer = client.get(url)
    # then: the independent extractor finds one JobPosting that passes the schema
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "<script>alert(1)</script>" not in html
    postings = _extract(html, f"http://testserver{url}")
    assert len(postings) == 1
    posting = postings[0]
    jsonschema.validate(posting, JOB_POSTING_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert posting["title"] == job.title
    assert posting["hiringOrganization"]["name"] == job.employer
    assert posting["jobLocation"]["address"]["addressRegion"] == "NW"
    assert posting["jobLocation"]["address"]["postalCode"] == "57518"
    assert posting["validThrough"] == job.valid_through.isoformat()
    assert posting["employmentType"] == ["FULL_TIME"]
    assert posting["baseSalary"]["value"]["minValue"] == 3000.0
    assert "Meisterbrief &amp; Erfahrung" in posting["description"]
    assert posting["url"] == f"http://testserver{url}"


def test_a_minimal_offer_still_has_every_required_property(village, client) -> None:
    job = job_in(village, employment_type="volunteer")
    postings = _extract(client.get(f"/jobs/{village.slug}/{job.pk}/").content.decode(), "http://t/")
    jsonschema.validate(postings[0], JOB_POSTING_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert postings[0]["jobLocation"]["address"]["addressLocality"] == village.name
    assert postings[0]["employmentType"] == ["VOLUNTEER"]
    assert "baseSalary" not in postings[0]


def test_the_api_gives_the_same_json_ld(village, client_for) -> None:
    job = job_in(village)
    member = client_for(MembershipFactory(village=village).user)
    body = member.get(f"/api/v1/villages/{village.slug}/jobs/{job.pk}/jsonld/").json()
    jsonschema.validate(body, JOB_POSTING_SCHEMA, format_checker=jsonschema.FormatChecker())
    assert body["datePosted"] == timezone.localdate(job.published_at).isoformat()


def test_an_archived_offer_has_no_public_page(village, client) -> None:
    poster = MembershipFactory(village=village)
    job = job_in(village, poster=poster)
    services.job_archive(actor=poster.user, job_id=job.pk)
    assert client.get(f"/jobs/{village.slug}/{job.pk}/").status_code == 404
    assert client.get(f"/jobs/other-village/{job.pk}/").status_code == 404

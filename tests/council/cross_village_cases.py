from __future__ import annotations

from typing import Any

from dorf.council.models import Meeting, Organization, Paper
from dorf.villages.models import Village
from tests.cross_village import Case, register


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _meeting(village: Village) -> dict[str, Any]:
    meeting = Meeting.objects.create(village=village, oparl_id="https://x.example/m", name="M")
    return {"slug": village.slug, "meeting_id": meeting.pk}


def _organization(village: Village) -> dict[str, Any]:
    organization = Organization.objects.create(
        village=village, oparl_id="https://x.example/o", name="O"
    )
    return {"slug": village.slug, "organization_id": organization.pk}


def _paper(village: Village) -> dict[str, Any]:
    paper = Paper.objects.create(village=village, oparl_id="https://x.example/p", name="P")
    return {"slug": village.slug, "paper_id": paper.pk}


register(
    Case(
        "council:source",
        _slug,
        methods=("get", "put"),
        body={"system_url": "https://ris.example.org/system"},
    )
)
register(Case("council:meeting-list", _slug))
register(Case("council:organization-list", _slug))
register(Case("council:paper-list", _slug))
register(Case("council:meeting-detail", _meeting))
register(Case("council:organization-follow", _organization, methods=("post", "delete")))
register(Case("council:paper-follow", _paper, methods=("post", "delete")))

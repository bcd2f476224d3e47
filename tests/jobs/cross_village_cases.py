from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.jobs.factories import job_in, publisher_in


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _job(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "job_id": job_in(village).pk}


def _publisher(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "publisher_id": publisher_in(village).pk}


register(
    Case(
        "jobs:job-list",
        _slug,
        methods=("get", "post"),
        body={"title": "x", "description": "x", "employment_type": "minijob", "publisher_id": 1},
    )
)
register(
    Case(
        "jobs:publisher-list",
        _slug,
        methods=("get", "post"),
        body={"name": "Übernahme", "kind": "business"},
    )
)
register(
    Case(
        "jobs:publisher-members",
        _publisher,
        methods=("post",),
        body={"user_id": 1},
    )
)
register(Case("jobs:job-detail", _job, methods=("get", "patch", "delete"), body={"title": "x"}))
register(Case("jobs:job-jsonld", _job))
register(Case("jobs:job-applications", _job, methods=("get", "post"), body={"text": "Hallo"}))

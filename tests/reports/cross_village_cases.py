from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.factories import MembershipFactory
from tests.reports.factories import CategoryFactory, ReportFactory


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _report(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "report_id": ReportFactory(village=village).pk}


def _category(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "code": CategoryFactory(village=village).code}


def _key(village: Village) -> dict[str, Any]:
    from dorf.reports import services

    staff = MembershipFactory(village=village, role="staff")
    key, _raw = services.api_key_issue(actor=staff, name="App")
    return {"slug": village.slug, "key_id": key.pk}


def _photo(village: Village) -> dict[str, Any]:
    from dorf.reports.models import ReportPhoto

    report = ReportFactory(village=village)
    photo = ReportPhoto.objects.create(report=report, image="reports/x.jpg", width=1, height=1)
    return {"slug": village.slug, "report_id": report.pk, "photo_id": photo.pk}


register(Case("reports:report-list", _slug, methods=("get", "post"), body={"service_code": "x"}))
register(Case("reports:report-nearby", _slug))
register(Case("reports:queue", _slug))
register(Case("reports:category-list", _slug, methods=("get", "post"), body={"code": "x"}))
register(Case("reports:category-detail", _category, methods=("patch",), body={"name": "x"}))
register(Case("reports:api-key-list", _slug, methods=("get", "post"), body={"name": "x"}))
register(Case("reports:api-key-revoke", _key, methods=("post",)))
register(Case("reports:report-detail", _report))
register(Case("reports:report-support", _report, methods=("post",)))
register(Case("reports:report-reopen", _report, methods=("post",)))
register(Case("reports:report-status", _report, methods=("post",), body={"status": "fixed"}))
register(Case("reports:report-assign", _report, methods=("post",), body={"assignee_id": None}))
register(Case("reports:report-merge", _report, methods=("post",), body={"into_id": 1}))
register(Case("reports:report-reply", _report, methods=("post",), body={"text": "x"}))
register(Case("reports:photo-approve", _photo, methods=("post",)))

"""GDPR for problem reports: export what a user reported, supported and wrote;
erasure removes their link, words and photos from their reports (the reports stay: the
village's record of what was broken). Everyone's reports are anonymised anyway 90 days
after closure (``services.reports_anonymise_closed``)."""

from __future__ import annotations

from typing import Any

from dorf.reports import services
from dorf.reports.models import Report, ReportSupporter, ReportUpdate
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "reports": [
            {
                "id": r.pk,
                "village": r.village_id,
                "category": r.category.code,
                "description": r.description,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "address": r.address,
                "attributes": r.attributes,
                "public": r.public,
                "status": r.status,
                "created_at": r.created_at.isoformat(),
                "photos": [photo.image.name for photo in r.photos.all()],
            }
            for r in Report.objects.filter(reporter=user)
            .select_related("category")
            .prefetch_related("photos")
            .order_by("id")
        ],
        "supported_reports": list(
            ReportSupporter.objects.filter(user=user)
            .order_by("id")
            .values_list("report_id", flat=True)
        ),
        "report_updates": [
            {
                "report_id": u.report_id,
                "kind": u.kind,
                "note": u.note,
                "at": u.created_at.isoformat(),
            }
            for u in ReportUpdate.objects.filter(author=user).order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    services.erase_reporter(user=user)

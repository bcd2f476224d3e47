"""The one place that locks report rows.

Reports are locked in primary-key order (a merge locks two), always scoped to the
village the caller acts in: a service handed another village's id finds nothing and
answers 404, whoever calls it.
"""

from __future__ import annotations

from collections.abc import Iterable

from dorf.core.exceptions import NotFound
from dorf.reports.models import Report


def lock_reports(*, village_id: int, report_ids: Iterable[int]) -> dict[int, Report]:
    """``SELECT … FOR UPDATE`` of the village's reports in pk order; 404 if one is missing."""
    ids = sorted(set(report_ids))
    reports = {
        report.pk: report
        for report in Report.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(village_id=village_id, pk__in=ids)
        .order_by("pk")
    }
    if len(reports) != len(ids):
        raise NotFound()
    return reports


def lock_report(*, village_id: int, report_id: int) -> Report:
    return lock_reports(village_id=village_id, report_ids=[report_id])[report_id]

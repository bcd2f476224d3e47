"""Who may fetch a report photo (``dorf.core.media``).

An approved photo of a public report is public: the Open311 feed, which anyone may read,
links it as the report's ``media_url``. Every other photo is seen by the village's staff
and by the reporter, as in the report's own API answer (``selectors._with_details``).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from dorf.reports.models import ReportPhoto
from dorf.users.models import User
from dorf.villages.scoping import membership_for


def can_view_media(*, user: User | AnonymousUser, name: str) -> bool:
    photo = ReportPhoto.objects.select_related("report").filter(image=name).first()
    if photo is None:
        return False
    report = photo.report
    if report.public and photo.approved_at is not None:
        return True
    membership = membership_for(user, report.village_id)
    if membership is None:
        return False
    return membership.is_staff or report.reporter_id == membership.user_id

"""Who hears about a report's changes, and how.

Members (the reporter, supporters, staff) get a feed notification through the
notification service, in their own language; the rows are written in the caller's
transaction and announced after commit. An Open311 reporter known only by e-mail, and a
category forwarded by e-mail, get an e-mail sent by a Celery task after commit.
"""

from __future__ import annotations

from collections.abc import Mapping

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from dorf.core.seeding import is_seeding
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.reports.models import Report, ReportStatus, ReportSupporter
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role

LINK_TYPE = "problem_report"


def _render(text: StrOrPromise, params: Mapping[str, object]) -> str:
    values = {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}
    return str(text) % values if isinstance(text, Promise) and values else str(text)


def _email_text(template: StrOrPromise, **params: object) -> str:
    """E-mail to someone known only by address: in the default language (German)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _render(template, params)


def staff_of_village(village_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            village_id=village_id, role=Role.STAFF, state=MembershipState.VERIFIED
        )
        .select_related("user")
        .order_by("user_id")
    ]


def followers(report: Report) -> list[User]:
    """The reporter (a member) and every supporter."""
    users = [s.user for s in ReportSupporter.objects.filter(report=report).select_related("user")]
    if report.reporter is not None:
        users.append(report.reporter)
    return users


@shared_task(name="reports.send_email", autoretry_for=(OSError,), max_retries=5, retry_backoff=10)
def send_report_email(*, to: str, subject: str, body: str) -> int:
    """Celery: one e-mail (retried while the mail server is unreachable)."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _send_email_on_commit(*, to: str, subject: str, body: str) -> None:
    if is_seeding():  # the demo's reports happened "last month": no mail about them
        return
    transaction.on_commit(lambda: send_report_email.delay(to=to, subject=subject, body=body))


def new_report_on_commit(report: Report) -> None:
    """Staff of the village hear of a new report; an e-mail-forwarded category also goes
    to its address; an Open311 reporter gets a receipt."""
    notify_many(
        recipients=staff_of_village(report.village_id),
        category=Category.VILLAGE,
        title=_("New report: %(category)s"),
        body=report.description[:300],
        params={"category": report.category.name},
        village=report.village,
        link_type=LINK_TYPE,
        link_id=report.pk,
    )
    if report.category.forwarding == "email" and report.category.forward_email:
        _send_email_on_commit(
            to=report.category.forward_email,
            subject=_email_text(
                _("Problem report #%(id)s: %(category)s"),
                id=report.pk,
                category=report.category.name,
            ),
            body=_email_text(
                _(
                    "%(description)s\n\nPlace: %(lat).6f, %(lon).6f %(address)s\n"
                    "Category: %(category)s (%(team)s)\n"
                ),
                description=report.description,
                lat=report.latitude,
                lon=report.longitude,
                address=report.address,
                category=report.category.name,
                team=report.category.responsible_team,
            ),
        )
    if report.reporter is None and report.reporter_email:
        _send_email_on_commit(
            to=report.reporter_email,
            subject=_email_text(_("Your report #%(id)s was received"), id=report.pk),
            body=_email_text(
                _("Thank you! Your report (%(category)s) has the number %(id)s.\n%(notice)s\n"),
                category=report.category.name,
                id=report.pk,
                notice=report.category.service_notice,
            ),
        )


def status_changed_on_commit(report: Report, *, actor_user_id: int) -> None:
    """The reporter and the supporters hear of every status change."""
    label = ReportStatus(report.status).label
    notify_many(
        recipients=[u for u in followers(report) if u.pk != actor_user_id],
        category=Category.VILLAGE,
        title=_("Your report #%(id)s: %(status)s"),
        body=report.status_notes,
        params={"id": report.pk, "status": label},
        village=report.village,
        link_type=LINK_TYPE,
        link_id=report.pk,
    )
    if report.reporter is None and report.reporter_email:
        _send_email_on_commit(
            to=report.reporter_email,
            subject=_email_text(_("Your report #%(id)s: %(status)s"), id=report.pk, status=label),
            body=_email_text(
                _("New status: %(status)s\n%(notes)s\n"), status=label, notes=report.status_notes
            ),
        )


def reopened_on_commit(report: Report) -> None:
    """Staff (and whoever the report is assigned to) hear that it is not fixed after all."""
    recipients = staff_of_village(report.village_id)
    if report.assigned_to is not None:
        recipients.append(report.assigned_to)
    notify_many(
        recipients=recipients,
        category=Category.VILLAGE,
        title=_("Report #%(id)s is not fixed"),
        body=report.status_notes,
        params={"id": report.pk},
        village=report.village,
        link_type=LINK_TYPE,
        link_id=report.pk,
    )


def assigned_on_commit(report: Report, assignee: User) -> None:
    notify_many(
        recipients=[assignee],
        category=Category.VILLAGE,
        title=_("Report #%(id)s was assigned to you"),
        params={"id": report.pk},
        village=report.village,
        link_type=LINK_TYPE,
        link_id=report.pk,
    )


def reply_email_on_commit(report: Report, text: str) -> None:
    _send_email_on_commit(
        to=report.reporter_email,
        subject=_email_text(_("A reply about your report #%(id)s"), id=report.pk),
        body=text,
    )

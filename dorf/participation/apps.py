from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class ParticipationConfig(DorfAppConfig):
    name = "dorf.participation"
    label = "participation"
    verbose_name = _("Participation")
    personal_data = "dorf.participation.privacy"
    media_access = "dorf.participation.media.can_view_media"
    demo_seeder = "dorf.participation.demo.seed"
    demo_order = 100
    periodic_tasks = (
        # Support deadlines are days long; hourly is precise enough and a missed run is
        # made up by the next one (the expiry is a guarded update, safe to repeat).
        PeriodicTask(
            name="participation-expire-proposals",
            task="participation.expire_proposals",
            schedule=crontab(minute=12),
        ),
        # Polls and budget votes close at a minute the staff chose: every five minutes the
        # voters are told and the budget's result is stored (both guarded, safe to repeat;
        # votes are refused from the closing minute on, whatever the task does).
        PeriodicTask(
            name="participation-close-votes",
            task="participation.close_votes",
            schedule=crontab(minute="*/5"),
        ),
    )

    def ready(self) -> None:
        from dorf.participation import receivers  # noqa: F401

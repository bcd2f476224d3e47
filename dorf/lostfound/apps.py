from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class LostfoundConfig(DorfAppConfig):
    name = "dorf.lostfound"
    label = "lostfound"
    verbose_name = _("Lost and found office")
    personal_data = "dorf.lostfound.privacy"
    media_access = "dorf.lostfound.media.can_view_media"
    demo_seeder = "dorf.lostfound.demo.seed"
    demo_order = 90
    periodic_tasks = (
        # Legal deadlines are days; twice an hour is more than precise enough, and a run
        # that is missed (a restart) is made up by the next one.
        PeriodicTask(
            name="lostfound-deadlines",
            task="lostfound.process_deadlines",
            schedule=crontab(minute="7,37"),
        ),
        PeriodicTask(
            name="lostfound-erase-closed-cases",
            task="lostfound.erase_closed_cases",
            schedule=crontab(hour=4, minute=40),
        ),
    )

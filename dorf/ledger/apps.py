from __future__ import annotations

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from dorf.core.registry import DorfAppConfig, PeriodicTask


class LedgerConfig(DorfAppConfig):
    name = "dorf.ledger"
    label = "ledger"
    verbose_name = _("Ledger")
    personal_data = "dorf.ledger.privacy"
    demo_seeder = "dorf.ledger.demo.seed"
    demo_order = 10
    periodic_tasks = (
        # The nightly audit of the books (CELERY_TIMEZONE is Europe/Berlin).
        PeriodicTask(
            name="ledger-audit-nightly", task="ledger.audit", schedule=crontab(hour=3, minute=15)
        ),
        PeriodicTask(
            name="ledger-expire-payment-requests",
            task="ledger.expire_payment_requests",
            schedule=crontab(minute=5),
        ),
    )

    def ready(self) -> None:
        from dorf.ledger import receivers  # noqa: F401 - connects the signal receivers

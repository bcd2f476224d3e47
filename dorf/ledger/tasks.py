"""Periodic ledger work: the nightly audit and the expiry of open payment requests."""

from __future__ import annotations

import logging

from celery import shared_task

from dorf.ledger import services
from dorf.ledger.audit import audit_all

logger = logging.getLogger(__name__)


@shared_task(name="ledger.audit")
def ledger_audit() -> int:
    """Audit every village; logs each violation as an error and returns how many."""
    violations = 0
    for report in audit_all():
        for violation in report.violations:
            logger.error("ledger audit %s: %s", report.slug, violation)
        violations += len(report.violations)
    if not violations:
        logger.info("ledger audit: no violations")
    return violations


@shared_task(name="ledger.expire_payment_requests")
def expire_payment_requests() -> int:
    return services.payment_requests_expire()

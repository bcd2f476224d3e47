from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dorf.ledger.audit import audit_all, audit_village
from dorf.villages.models import Village


class Command(BaseCommand):
    help = "Check the books of every village; exits non-zero on any violation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--village", help="only this village (slug)")

    def handle(self, *args: Any, village: str | None = None, **options: Any) -> None:
        if village:
            found = Village.objects.filter(slug=village).first()
            if found is None:
                raise CommandError(f"unknown village {village!r}")
            reports = [audit_village(found)]
        else:
            reports = audit_all()
        violations = 0
        for report in reports:
            state = "OK" if report.ok else f"{len(report.violations)} VIOLATION(S)"
            self.stdout.write(
                f"{report.slug}: {report.accounts} accounts, {report.transfers} transfers, "
                f"balances sum to {report.balance_total_minutes}: {state}"
            )
            for violation in report.violations:
                self.stdout.write(f"  - {violation}")
            violations += len(report.violations)
        if violations:
            raise CommandError(f"ledger audit found {violations} violation(s)")
        self.stdout.write("ledger audit: no violations")

"""Print a village's weekly digest to a PDF file (for the notice board or the Gemeindeblatt).

python manage.py news_digest musterdorf --week 2026-W49 --out digest.pdf
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dorf.core.exceptions import ValidationFailed
from dorf.news import digest
from dorf.villages.models import Village


class Command(BaseCommand):
    help = "Render a village's weekly digest (A4 PDF, German) to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("village", help="the village's slug")
        parser.add_argument(
            "--week", default="", help="ISO week, e.g. 2026-W49 (default: this week)"
        )
        parser.add_argument("--out", default="", help="file name (default: <slug>-<week>.pdf)")

    def handle(self, *args: Any, village: str, week: str, out: str, **options: Any) -> None:
        found = Village.objects.filter(slug=village).first()
        if found is None:
            raise CommandError(f"No village {village!r}.")
        today = timezone.now().astimezone(ZoneInfo(found.timezone)).date()
        try:
            monday = digest.parse_week(week, today=today)
        except ValidationFailed as exc:
            raise CommandError(str(exc.fields)) from exc
        iso = monday.isocalendar()
        path = Path(out or f"{found.slug}-{iso.year}-W{iso.week:02d}.pdf")
        path.write_bytes(digest.render_digest(village=found, monday=monday))
        self.stdout.write(f"Wrote {path}.")

from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from dorf.core.registry import demo_seeders
from dorf.core.seeding import seeding
from dorf.villages.demo import OPERATOR_EMAIL, seed_village
from dorf.villages.demo_context import DEMO_PASSWORD
from dorf.villages.models import Village


class Command(BaseCommand):
    help = "Create the demo village Musterdorf (idempotent: a second run changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, residents: int, seed: int, **options: Any) -> None:
        if Village.objects.filter(slug="musterdorf").exists():
            self.stdout.write("Musterdorf exists already: nothing changed.")
        else:
            # One transaction; the history it writes is not pushed or mailed (core.seeding).
            with seeding(), transaction.atomic():
                self._seed(residents=residents, seed=seed)
        self._print_logins()

    def _seed(self, *, residents: int, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        ctx = seed_village(residents=residents, rng=rng, out=self.stdout)
        # Every app declares its seeder and its place in the order (dorf.core.registry).
        for _label, seed_app in demo_seeders():
            seed_app(ctx)
        self.stdout.write(
            f"Seeded Musterdorf: {len(ctx.memberships)} residents in "
            f"{len(ctx.households)} households."
        )

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {OPERATOR_EMAIL:42} Betreiber (admin)")
        for email, role in [
            ("maria.schmidt@musterdorf.example", "Moderatorin (Musterdorf)"),
            ("rathaus@musterdorf.example", "Gemeinde (Musterdorf)"),
            ("anna.becker@musterdorf.example", "Einwohnerin (Musterdorf)"),
            ("jonas.weber@musterdorf.example", "Einwohner und Helfer (Musterdorf)"),
            ("karl.nachbar@nachbarhausen.example", "Moderator (Nachbarhausen)"),
        ]:
            self.stdout.write(f"  {email:42} {role}")
        self.stdout.write(
            "Rathaus-Backoffice (/backoffice/): rathaus@musterdorf.example "
            f"with the password {DEMO_PASSWORD}."
        )

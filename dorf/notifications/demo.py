"""A few feed entries for the demo's residents."""

from __future__ import annotations

from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.villages.demo_context import DemoContext


def seed(ctx: DemoContext) -> None:
    # Through the product's fan-out (one multi-row insert per batch), as the town hall
    # would send them.
    recipients = [membership.user for membership in ctx.memberships]
    for title, body in (
        ("Willkommen in {village}!", "Schau im Dorfplatz-Chat vorbei."),
        ("Wasser wird am Dienstag abgestellt", "Zwischen 8 und 12 Uhr."),
    ):
        notify_many(
            recipients=recipients,
            category=Category.VILLAGE,
            title=title.format(village=ctx.village.name),
            body=body,
            village=ctx.village,
        )

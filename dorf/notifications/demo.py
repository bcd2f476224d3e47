"""A few feed entries for the demo's residents."""

from __future__ import annotations

from dorf.notifications.models import Category, Notification
from dorf.villages.demo_context import DemoContext


def seed(ctx: DemoContext) -> None:
    entries = [
        (Category.VILLAGE, "Willkommen in {village}!", "Schau im Dorfplatz-Chat vorbei."),
        (Category.VILLAGE, "Wasser wird am Dienstag abgestellt", "Zwischen 8 und 12 Uhr."),
    ]
    Notification.objects.bulk_create(
        Notification(
            user=membership.user,
            village=ctx.village,
            category=category,
            title=title.format(village=ctx.village.name),
            body=body,
        )
        for membership in ctx.memberships
        for category, title, body in entries
    )

"""Demo news for Musterdorf: the municipality as publisher (Rita Rathaus and Maria Schmidt
publish, a resident edits), posts in several categories — one official notice approved
by a second person, one pinned, one scheduled for tomorrow morning, one waiting for
review — all through the services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dorf.news import services
from dorf.news.models import PublisherKind, PublisherRoleKind, PushLevel
from dorf.villages.demo_context import DemoContext

POSTS = [
    # (category slug, title, teaser, body, official, pinned, push)
    (
        "rathaus",
        "Öffentliche Sitzung des Gemeinderats",
        "Der Gemeinderat tagt am Donnerstag um 19 Uhr im Bürgerhaus.",
        "## Tagesordnung\n\n1. Haushalt 2027\n2. Bebauungsplan *Am Mühlbach*\n"
        "3. Verschiedenes\n\nDie Sitzung ist öffentlich. Gäste sind willkommen.",
        True,
        False,
        PushLevel.NORMAL,
    ),
    (
        "bauen-verkehr",
        "Vollsperrung der Hauptstraße",
        "Wegen Kanalarbeiten ist die Hauptstraße zwei Wochen gesperrt.",
        "Die Umleitung führt über den **Lindenweg**. Der Bus hält an der Ersatzhaltestelle "
        "am Friedhof.",
        False,
        False,
        PushLevel.NORMAL,
    ),
    (
        "kita-schule",
        "Anmeldung für das neue Kita-Jahr",
        "Anmeldungen nimmt die Kita Sonnenschein bis Ende des Monats entgegen.",
        "Das Formular liegt im Rathaus aus und steht auf der Website der Gemeinde.",
        False,
        False,
        PushLevel.NONE,
    ),
    (
        "veranstaltungen",
        "Backhausfest am Sonntag",
        "Frisches Brot, Zwiebelkuchen und Musik rund ums alte Backhaus.",
        "Ab 11 Uhr. Der Heimatverein freut sich über Kuchenspenden.",
        False,
        True,
        PushLevel.NONE,
    ),
]


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    services.categories_ensure_defaults(village=village)
    staff = ctx.staff[0]
    second = ctx.moderators[0]
    editor = next(m.user for m in ctx.memberships if m.user not in (*ctx.staff, *ctx.moderators))
    # The demo's staff is also the one who sets up the roles, as in the real app.
    municipality = services.publisher_create(
        actor=staff,
        village_id=village.pk,
        name=f"Gemeinde {village.name}",
        kind=PublisherKind.MUNICIPALITY,
    )
    for user, role in (
        (staff, PublisherRoleKind.PUBLISHER),
        (second, PublisherRoleKind.PUBLISHER),
        (editor, PublisherRoleKind.EDITOR),
    ):
        services.publisher_role_set(
            actor=staff, publisher_id=municipality.pk, user_id=user.pk, role=role
        )
    categories = {c.slug: c.pk for c in services.categories_ensure_defaults(village=village)}
    for slug, title, teaser, body, official, pinned, push in POSTS:
        post = services.post_create(
            actor=staff,
            village_id=village.pk,
            publisher_id=municipality.pk,
            category_id=categories[slug],
            title=title,
            teaser=teaser,
            body=body,
            official=official,
            pinned=pinned,
            push=push,
        )
        services.post_submit(actor=staff, post_id=post.pk)
        # The official notice is approved by the second publisher (four eyes).
        services.post_publish(actor=second if official else staff, post_id=post.pk)

    tz = ZoneInfo(village.timezone)
    tomorrow = (timezone.now().astimezone(tz) + timedelta(days=1)).date()
    scheduled = services.post_create(
        actor=editor,
        village_id=village.pk,
        publisher_id=municipality.pk,
        category_id=categories["rathaus"],
        title="Sprechstunde des Bürgermeisters",
        teaser="Morgen von 9 bis 12 Uhr im Rathaus, ohne Termin.",
        body="Bitte bringen Sie Ihre Anliegen mit. Für längere Gespräche vereinbaren Sie "
        "einen Termin.",
        push=PushLevel.NORMAL,
    )
    services.post_submit(actor=editor, post_id=scheduled.pk)
    services.post_publish(
        actor=staff,
        post_id=scheduled.pk,
        publish_at=datetime.combine(tomorrow, time(8, 0), tzinfo=tz),
    )
    waiting = services.post_create(
        actor=editor,
        village_id=village.pk,
        publisher_id=municipality.pk,
        category_id=categories["veranstaltungen"],
        title="Seniorennachmittag im Bürgerhaus",
        teaser="Kaffee, Kuchen und ein Vortrag über die Dorfgeschichte.",
        body="Fahrdienst auf Anfrage beim Rathaus.",
    )
    services.post_submit(actor=editor, post_id=waiting.pk)
    ctx.out.write(
        f"News: publisher {municipality.name} with {len(POSTS) + 2} posts "
        "(one official, one scheduled, one in review)"
    )

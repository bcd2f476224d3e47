"""Demo Fundbüro for Musterdorf: finds in several states, a pending claim, a handover with
the finder's reward, a find close to its legal deadline, a lost report with a match, and
a photo of the found keys (drawn here, so the demo needs no image file).
Everything goes through the services (the deadline case is then dated back)."""

from __future__ import annotations

import io
from datetime import timedelta

from django.utils import timezone
from PIL import Image, ImageDraw

from dorf.lostfound import law, services
from dorf.lostfound.models import AfterDeadline, FoundItem, HandoverTo, ItemCategory, Storage
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership


def seed(ctx: DemoContext) -> None:
    members = {m.user.email: m for m in ctx.memberships}
    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    anna = members.get("anna.becker@musterdorf.example", ctx.memberships[0])
    jonas = members.get("jonas.weber@musterdorf.example", ctx.memberships[1])
    finder = _resident(ctx, skip={anna.pk, jonas.pk, staff.pk})
    now = timezone.now()

    # A wallet found by a resident and kept at the town hall; Anna claims it.
    wallet = services.found_item_report(
        membership=finder,
        category=ItemCategory.WALLET,
        description="Braune Lederbörse",
        secret_features="Foto eines Hundes im Fach, Bibliotheksausweis Kirchen",  # noqa: S106 - not a password
        found_at=now - timedelta(days=3),
        found_place="Bushaltestelle Dorfplatz",
        value_cents=40_00,
        lat=ctx.village.centre_lat,
        lon=ctx.village.centre_lon,
        finder_anonymous=False,
    )
    services.found_item_store(actor=staff.user, found_item_id=wallet.pk, shelf="Regal A2")
    services.claim_create(
        user=anna.user,
        found_item_id=wallet.pk,
        features="Ein Hundefoto ist drin, Bibliotheksausweis",
    )

    # Keys handed in at the town hall by someone unknown; Jonas lost them, which matches.
    keys = services.found_item_report(
        membership=staff,
        category=ItemCategory.KEYS,
        description="Schlüsselbund mit rotem Anhänger",
        secret_features="Drei Schlüssel, einer mit grüner Kappe",  # noqa: S106 - not a password
        found_at=now - timedelta(days=1),
        found_place="Friedhof, Eingang Kirchweg",
        value_cents=5_00,
    )
    services.lost_report_create(
        membership=jonas,
        category=ItemCategory.KEYS,
        description="Schlüsselbund, roter Anhänger",
        lost_from=(now - timedelta(days=2)).date(),
        lost_until=(now - timedelta(days=1)).date(),
        lost_place="Kirchweg",
    )
    photo = _keys_picture()
    services.found_item_photo_add(
        actor=staff.user, found_item_id=keys.pk, upload=io.BytesIO(photo), size=len(photo)
    )

    # A bicycle whose owner came, was checked and paid the finder's reward (§ 971).
    bike = services.found_item_report(
        membership=finder,
        category=ItemCategory.BICYCLE,
        description="Blaues Kinderfahrrad",
        secret_features="Aufkleber 'Lea' unter dem Sattel",  # noqa: S106 - not a password
        found_at=now - timedelta(days=20),
        found_place="Spielplatz Siegstraße",
        value_cents=120_00,
        storage=Storage.TOWN_HALL,
    )
    owner = _resident(ctx, skip={anna.pk, jonas.pk, staff.pk, finder.pk})
    claim = services.claim_create(user=owner.user, found_item_id=bike.pk, features="Lea-Aufkleber")
    services.claim_decide(actor=staff.user, claim_id=claim.pk, grant=True, note="Passt.")
    services.found_item_hand_over(
        actor=staff.user, found_item_id=bike.pk, to=HandoverTo.OWNER, identity_checked=True
    )

    # A phone reported almost six months ago: its deadline is ten days away.
    phone = services.found_item_report(
        membership=finder,
        category=ItemCategory.PHONE,
        description="Schwarzes Smartphone mit Sprung im Glas",
        secret_features="Hintergrundbild: Leuchtturm",  # noqa: S106 - not a password
        found_at=now - timedelta(days=12),
        found_place="Sportplatz",
        value_cents=150_00,
        after_deadline=AfterDeadline.MUNICIPALITY,
    )
    reported_at = now - timedelta(days=172)
    FoundItem.objects.filter(pk=phone.pk).update(
        found_at=reported_at - timedelta(days=1),
        reported_at=reported_at,
        deadline_at=law.owner_rights_end(
            found_at=reported_at, reported_at=reported_at, value_cents=phone.value_cents,
            tz=services._village_tz(ctx.village),
        ),
    )  # fmt: skip


def _keys_picture() -> bytes:
    """A drawn bunch of keys on a red tag (PNG)."""
    image = Image.new("RGB", (480, 360), (222, 216, 204))
    draw = ImageDraw.Draw(image)
    draw.ellipse((190, 60, 290, 160), outline=(120, 120, 120), width=10)  # the ring
    draw.rounded_rectangle((120, 150, 200, 260), radius=16, fill=(196, 30, 40))  # the tag
    for x, colour in ((230, (180, 160, 60)), (265, (150, 150, 150)), (300, (60, 140, 70))):
        draw.rectangle((x, 150, x + 18, 300), fill=colour)  # three keys, one green-capped
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _resident(ctx: DemoContext, *, skip: set[int]) -> Membership:
    return next(
        m
        for m in ctx.memberships
        if m.pk not in skip and m.user not in ctx.staff and m.user not in ctx.moderators
    )

"""Demo Branchenverzeichnis for Musterdorf: a dozen businesses and services with opening
hours in the OSM syntax (the bakery is closed on public holidays, the pharmacy's
emergency service is not), one that delivers, the village shop as a parcel pickup point,
and an entry claimed by its owner. Everything goes through the services."""

from __future__ import annotations

from typing import Any

from dorf.directory import services
from dorf.directory.models import DirectoryEntry, EntryCategory, pickup_point_model
from dorf.villages.demo_context import DemoContext

ENTRIES: list[dict[str, Any]] = [
    {
        "name": "Bäckerei Klein",
        "category": EntryCategory.SHOP,
        "description": "Brot und Brötchen aus dem Holzofen, sonntags frische Kuchen.",
        "address": "Hauptstraße 3",
        "opening_hours": "Mo-Fr 06:30-18:00; Sa 06:30-13:00; Su 08:00-11:00; PH off",
        "offset": (0.0008, 0.0004),
        "phone": "02741 1234",
    },
    {
        "name": "Dorfladen Musterdorf",
        "category": EntryCategory.SHOP,
        "description": "Lebensmittel aus der Region, Post- und Paketannahme.",
        "address": "Hauptstraße 12",
        "opening_hours": "Mo-Fr 08:00-19:00; Sa 08:00-14:00",
        "offset": (0.0012, -0.0008),
        "pickup_point": "Dorfladen",
    },
    {
        "name": "Metzgerei Schäfer",
        "category": EntryCategory.SHOP,
        "description": "Hausschlachtung, Partyservice auf Bestellung.",
        "address": "Kirchstraße 8",
        "opening_hours": "Tu-Fr 08:00-12:30,14:30-18:00; Sa 07:30-12:00; PH off",
        "offset": (-0.0006, 0.0011),
        "delivers": True,
    },
    {
        "name": "Hausarztpraxis Dr. Yilmaz",
        "category": EntryCategory.HEALTH,
        "description": "Allgemeinmedizin, Hausbesuche nach Absprache.",
        "address": "Siegstraße 21",
        "opening_hours": "Mo,Tu,Th 08:00-12:00,15:00-18:00; We,Fr 08:00-12:00; PH off",
        "offset": (0.0020, 0.0015),
        "phone": "02741 5566",
    },
    {
        "name": "Linden-Apotheke",
        "category": EntryCategory.HEALTH,
        "description": "Notdienst laut Aushang.",
        "address": "Hauptstraße 20",
        "opening_hours": ('Mo-Fr 08:30-18:30; Sa 08:30-13:00; PH 10:00-12:00 "Notdienst"'),
        "offset": (0.0014, 0.0002),
        "delivers": True,
    },
    {
        "name": "Gasthaus Zur Linde",
        "category": EntryCategory.FOOD,
        "description": "Gutbürgerliche Küche, Biergarten im Sommer.",
        "address": "Hauptstraße 22",
        "opening_hours": "We-Sa 17:00-23:00; Su,PH 11:30-14:30,17:00-22:00",
        "offset": (0.0015, 0.0003),
    },
    {
        "name": "Eiscafé Venezia",
        "category": EntryCategory.FOOD,
        "description": "Hausgemachtes Eis, nur im Sommerhalbjahr.",
        "address": "Marktplatz 2",
        "opening_hours": "Apr-Sep Mo-Su 12:00-21:00; Oct-Mar off",
        "offset": (0.0002, -0.0003),
    },
    {
        "name": "Elektro Hoffmann",
        "category": EntryCategory.TRADE,
        "description": "Elektroinstallation, Photovoltaik, Notdienst.",
        "address": "Industriestraße 4",
        "opening_hours": "Mo-Fr 07:00-16:00",
        "offset": (-0.0030, -0.0020),
        "website": "https://elektro-hoffmann.example",
    },
    {
        "name": "Schreinerei Becker",
        "category": EntryCategory.TRADE,
        "description": "Möbel nach Maß, Fenster und Türen.",
        "address": "Am Sägewerk 1",
        "opening_hours": "Mo-Fr 07:30-12:00,13:00-16:30",
        "offset": (-0.0025, 0.0030),
    },
    {
        "name": "Friseur Haarmonie",
        "category": EntryCategory.SERVICE,
        "description": "Termine auch kurzfristig.",
        "address": "Kirchstraße 2",
        "opening_hours": "Tu-Fr 09:00-18:00; Sa 08:00-13:00",
        "offset": (-0.0004, 0.0006),
    },
    {
        "name": "Rollende Bäckerei (Halt Kirchplatz)",
        "category": EntryCategory.MOBILE,
        "description": "Der Bäckerwagen hält am Kirchplatz.",
        "address": "Kirchplatz",
        "opening_hours": "Tu,Fr 10:15-10:45",
        "offset": (-0.0009, 0.0014),
    },
    {
        "name": "Autowerkstatt Krämer",
        "category": EntryCategory.SERVICE,
        "description": "Reparatur aller Marken, TÜV-Abnahme dienstags.",
        "address": "Siegener Straße 40",
        "opening_hours": 'Mo-Fr 08:00-17:30; Sa 09:00-12:00 "nach Vereinbarung"',
        "offset": (0.0040, -0.0035),
    },
]


def seed(ctx: DemoContext) -> None:
    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    pickup_points = _pickup_points_by_name(ctx.village.pk)
    lat0, lon0 = ctx.village.centre_lat, ctx.village.centre_lon
    created: list[DirectoryEntry] = []
    for spec in ENTRIES:
        fields = dict(spec)
        d_lat, d_lon = fields.pop("offset")
        point_name = fields.pop("pickup_point", None)
        created.append(
            services.entry_create(
                actor=staff.user,
                village_id=ctx.village.pk,
                latitude=round(lat0 + d_lat, 6),
                longitude=round(lon0 + d_lon, 6),
                pickup_point_id=pickup_points.get(point_name) if point_name else None,
                **fields,
            )
        )
    # The baker runs her own entry: she claimed it, staff confirmed, she changed it.
    baker = next(
        m for m in ctx.memberships if m.user not in ctx.staff and m.user not in ctx.moderators
    )
    bakery = created[0]
    claim = services.claim_create(
        user=baker.user, entry_id=bakery.pk, message="Die Bäckerei gehört mir."
    )
    services.claim_decide(actor=staff.user, claim_id=claim.pk, confirm=True)
    services.entry_update(
        actor=baker.user,
        entry_id=bakery.pk,
        description="Brot und Brötchen aus dem Holzofen, sonntags frische Kuchen. "
        "Vorbestellung per Telefon.",
    )
    ctx.out.write(f"  directory: {len(created)} entries\n")


def _pickup_points_by_name(village_id: int) -> dict[str, int]:
    model = pickup_point_model()
    return dict(model._default_manager.filter(village_id=village_id).values_list("name", "pk"))

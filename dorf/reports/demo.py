"""Demo Mängelmelder for Musterdorf: categories with a question, reports in every state,
one duplicate with supporters, one reopened — all through the services."""

from __future__ import annotations

from dorf.reports import services
from dorf.reports.models import ReportStatus, ServiceCategory
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership

CATEGORIES = [
    {
        "code": "strassenbeleuchtung",
        "name": "Straßenbeleuchtung",
        "responsible_team": "Bauhof",
        "description": "Laterne defekt, flackert oder brennt tagsüber.",
        "group": "Straße",
        "keywords": "Laterne, Licht, Lampe",
        "service_notice": "Der Bauhof prüft defekte Laternen in der Regel binnen einer Woche.",
        "attributes": [
            {
                "code": "mastnummer",
                "description": "Nummer des Laternenmasts",
                "datatype": "string",
                "required": True,
                "datatype_description": "Steht auf dem Schild am Mast, z. B. 0417.",
            }
        ],
    },
    {
        "code": "schlagloch",
        "name": "Schlagloch",
        "responsible_team": "Bauhof",
        "description": "Schäden an Straßen und Gehwegen.",
        "group": "Straße",
        "keywords": "Straße, Gehweg, Loch",
        "attributes": [
            {
                "code": "groesse",
                "description": "Wie groß ist das Loch?",
                "datatype": "singlevaluelist",
                "values": [
                    {"key": "klein", "name": "kleiner als ein Teller"},
                    {"key": "gross", "name": "größer als ein Teller"},
                ],
            }
        ],
    },
    {
        "code": "muell",
        "name": "Wilder Müll",
        "responsible_team": "Ordnungsamt",
        "description": "Illegal abgeladener Müll.",
        "group": "Sauberkeit",
        "forwarding": "email",
        "forward_email": "ordnungsamt@musterdorf.example",
    },
    {
        "code": "spielplatz",
        "name": "Spielplatz",
        "responsible_team": "Grünflächenamt",
        "description": "Kaputte Spielgeräte, Scherben, Vandalismus.",
        "group": "Grünflächen",
    },
]

# (category, description, answers, final status)
REPORTS: list[tuple[str, str, dict[str, str], str]] = [
    (
        "strassenbeleuchtung",
        "Laterne vor Hausnummer 12 ist dunkel.",
        {"mastnummer": "0417"},
        "received",
    ),
    (
        "schlagloch",
        "Tiefes Loch in der Einfahrt zum Sportplatz.",
        {"groesse": "gross"},
        "confirmed",
    ),
    ("spielplatz", "Die Schaukel hat eine gerissene Kette.", {}, "in_progress"),
    (
        "strassenbeleuchtung",
        "Laterne flackert die ganze Nacht.",
        {"mastnummer": "0233"},
        "scheduled",
    ),
    ("schlagloch", "Gullydeckel klappert laut.", {"groesse": "klein"}, "fixed"),
    ("muell", "Sperrmüll am Waldweg abgeladen.", {}, "not_responsible"),
    ("spielplatz", "Graffiti am Klettergerüst.", {}, "no_action"),
    ("schlagloch", "Risse im Gehweg an der Kirche.", {"groesse": "klein"}, "closed"),
]
CHAIN = {
    "received": [],
    "confirmed": ["confirmed"],
    "in_progress": ["confirmed", "in_progress"],
    "scheduled": ["confirmed", "scheduled"],
    "fixed": ["confirmed", "in_progress", "fixed"],
    "not_responsible": ["not_responsible"],
    "no_action": ["confirmed", "no_action"],
    "closed": ["confirmed", "fixed", "closed"],
}


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    if ServiceCategory.objects.filter(village=village).exists():
        return  # seeding is idempotent
    staff = Membership.objects.get(user=ctx.staff[0], village=village)
    for category in CATEGORIES:
        services.category_create(actor=staff, **category)  # type: ignore[arg-type]
    residents = [
        m for m in ctx.memberships if m.user.is_active and m.is_verified and not m.is_moderator
    ]
    reporters = ctx.rng.sample(residents, len(REPORTS) + 4)

    def spot(index: int) -> tuple[float, float]:
        return (
            village.centre_lat + 0.0011 * (index % 5 - 2),
            village.centre_lon + 0.0013 * (index // 5 - 1),
        )

    for index, (code, text, answers, final) in enumerate(REPORTS):
        lat, lon = spot(index)
        report = services.report_create(
            village=village,
            reporter=reporters[index],
            category_code=code,
            description=text,
            latitude=lat,
            longitude=lon,
            answers=answers,
        )
        for status in CHAIN[final]:
            services.report_status_change(
                actor=staff, report_id=report.pk, status=status, note=_NOTES.get(status, "")
            )

    # One lamp reported twice: the second report is merged into the first, whose
    # supporters now include both the second reporter and a neighbour who said "me too".
    lat, lon = village.centre_lat + 0.0031, village.centre_lon - 0.0017
    first_reporter, second_reporter, neighbour, reopener = reporters[len(REPORTS) :]
    original = services.report_create(
        village=village,
        reporter=first_reporter,
        category_code="strassenbeleuchtung",
        description="Laterne am Dorfplatz ist aus.",
        latitude=lat,
        longitude=lon,
        answers={"mastnummer": "0101"},
    )
    services.report_support(membership=neighbour, report_id=original.pk)
    duplicate = services.report_create(
        village=village,
        reporter=second_reporter,
        category_code="strassenbeleuchtung",
        description="Am Dorfplatz ist es nachts stockdunkel.",
        latitude=lat + 0.0001,
        longitude=lon,
        answers={"mastnummer": "0101"},
    )
    services.report_merge(actor=staff, report_id=duplicate.pk, into_id=original.pk)

    # One reported fixed, but the reporter says it is not.
    reopened = services.report_create(
        village=village,
        reporter=reopener,
        category_code="schlagloch",
        description="Schlagloch vor der Bäckerei.",
        latitude=village.centre_lat - 0.0021,
        longitude=village.centre_lon + 0.0009,
        answers={"groesse": "gross"},
    )
    for status in ("confirmed", "fixed"):
        services.report_status_change(actor=staff, report_id=reopened.pk, status=status)
    services.report_reopen(
        membership=reopener, report_id=reopened.pk, note="Das Loch ist immer noch da."
    )
    ctx.out.write(f"Reports: {len(REPORTS) + 3} reports in {len(CATEGORIES)} categories.")


_NOTES: dict[str, str] = {
    ReportStatus.CONFIRMED: "Danke, wir kümmern uns.",
    ReportStatus.SCHEDULED: "Reparatur ist für nächste Woche geplant.",
    ReportStatus.FIXED: "Erledigt.",
    ReportStatus.NOT_RESPONSIBLE: "Zuständig ist der Kreis; wir haben die Meldung weitergegeben.",
}

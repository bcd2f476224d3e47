"""A small waste calendar: Restmüll on two tours split by house number, Papier for the
whole Lindenweg, households on both sides."""

from __future__ import annotations

from dataclasses import dataclass

from dorf.villages.models import Household, Membership, Role, Village
from dorf.waste import services
from dorf.waste.models import Tour, WasteType
from tests.factories import HouseholdFactory, MembershipFactory


@dataclass
class Plan:
    village: Village
    rest: WasteType
    papier: WasteType
    rest_a: Tour  # Lindenweg 1-20
    rest_b: Tour  # Lindenweg 21+ and Kirchstraße
    papier_tour: Tour
    staff: Membership


def plan_in(village: Village) -> Plan:
    rest = services.waste_type_create(
        village=village, code="rest", label="Restmüll", colour="#555555"
    )
    papier = services.waste_type_create(
        village=village, code="papier", label="Papier", colour="#1e88e5"
    )
    return Plan(
        village=village,
        rest=rest,
        papier=papier,
        rest_a=services.tour_create(
            village=village, name="Rest A", waste_type=rest, streets=[("Lindenweg", 1, 20, "all")]
        ),
        rest_b=services.tour_create(
            village=village,
            name="Rest B",
            waste_type=rest,
            streets=[("Lindenweg", 21, None, "all"), ("Kirchstraße", None, None, "all")],
        ),
        papier_tour=services.tour_create(
            village=village,
            name="Papier",
            waste_type=papier,
            streets=[("Lindenweg", None, None, "all")],
        ),
        staff=MembershipFactory(village=village, role=Role.STAFF),
    )


def resident_at(village: Village, street: str = "Lindenweg", number: str = "5") -> Membership:
    household = Household.objects.filter(
        village=village, street=street, house_number=number
    ).first()
    if household is None:
        household = HouseholdFactory(village=village, street=street, house_number=number)
    return MembershipFactory(village=village, household=household)


def csv_plan(*rows: str) -> bytes:
    return ("tour;type;date;original_date;reason\n" + "\n".join(rows)).encode()


def import_csv(plan: Plan, *rows: str):
    return services.collections_import(
        user=plan.staff.user,
        village_id=plan.village.pk,
        fmt="csv",
        content=csv_plan(*rows),
        bundesland="NW",
    )

"""Read use-cases of the Müllkalender, scoped to what the viewer may see."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dorf.core.exceptions import ValidationFailed
from dorf.notifications.categories import policy_of
from dorf.notifications.models import Category, NotificationPreference
from dorf.users.models import User
from dorf.villages.models import Household, Membership, Village
from dorf.waste.addresses import StreetPart, TourIndex, normalise_street
from dorf.waste.importing import Catalogue
from dorf.waste.models import Collection, ReminderSetting, Tour, TourStreet, WasteType

NEXT_HORIZON_DAYS = 400

HOUSEHOLD_MISSING = _(
    "Your household has no address yet. Set it first (PUT /api/v1/villages/<village>/household/): "
    "the collection dates follow from the street and house number."
)


def tour_index(*, village_id: int) -> TourIndex:
    """Every tour street of the village, for matching addresses in memory (one query)."""
    return TourIndex(
        StreetPart(
            tour_id=tour_id,
            street=normalise_street(street),
            number_from=number_from,
            number_to=number_to,
            parity=parity,
        )
        for tour_id, street, number_from, number_to, parity in TourStreet.objects.filter(
            tour__village_id=village_id
        ).values_list("tour_id", "street", "number_from", "number_to", "parity")
    )


def household_of(membership: Membership) -> Household:
    """The member's household, or a 400 that says what to set."""
    if membership.household is None:
        raise ValidationFailed(HOUSEHOLD_MISSING, code="household_missing")
    return membership.household


def household_tour_ids(*, household: Household) -> set[int]:
    index = tour_index(village_id=household.village_id)
    return index.tours_of(household.street, household.house_number)


def waste_types(*, village_id: int) -> QuerySet[WasteType]:
    return WasteType.objects.filter(village_id=village_id).order_by("label", "id")


def types_by_code(*, village_id: int, codes: list[str]) -> list[WasteType]:
    """The village's types with these codes; an unknown code is a 400 naming it."""
    found = list(WasteType.objects.filter(village_id=village_id, code__in=codes))
    unknown = sorted(set(codes) - {t.code for t in found})
    if unknown:
        raise ValidationFailed(
            code="unknown_waste_type",
            fields={"types": [_("Unknown waste type: %(code)s") % {"code": c} for c in unknown]},
        )
    return found


def household_collections(
    *,
    household: Household,
    first: date,
    last: date,
    type_ids: list[int] | None = None,
    include_cancelled: bool = False,
) -> QuerySet[Collection]:
    """The collections of the household's tours from ``first`` to ``last`` (inclusive)."""
    tours = household_tour_ids(household=household)
    collections = Collection.objects.filter(
        tour_id__in=tours, date__gte=first, date__lte=last
    ).select_related("tour__waste_type")
    if not include_cancelled:
        collections = collections.filter(cancelled=False)
    if type_ids is not None:
        collections = collections.filter(tour__waste_type_id__in=type_ids)
    return collections.order_by("date", "id")


def next_collections(*, household: Household, today: date) -> list[Collection]:
    """The next collection of each waste type the household has (one query after the
    tour match; a year ahead at most)."""
    tours = household_tour_ids(household=household)
    first: dict[int, Collection] = {}
    for collection in (
        Collection.objects.filter(
            tour_id__in=tours,
            date__gte=today,
            date__lte=today + timedelta(days=NEXT_HORIZON_DAYS),
            cancelled=False,
        )
        .select_related("tour__waste_type")
        .order_by("date", "id")
    ):
        first.setdefault(collection.tour.waste_type_id, collection)
    return sorted(first.values(), key=lambda c: (c.date, c.tour.waste_type.label))


def catalogue(*, village_id: int) -> Catalogue:
    """The village's tours by name and by their type's label and code, for an import."""
    tour_by_name: dict[str, int] = {}
    tours_by_type: dict[str, list[int]] = {}
    type_names: dict[int, set[str]] = {}
    for tour in Tour.objects.filter(village_id=village_id).select_related("waste_type"):
        tour_by_name[Catalogue.key(tour.name)] = tour.pk
        names = {Catalogue.key(tour.waste_type.label), Catalogue.key(tour.waste_type.code)}
        type_names[tour.pk] = names
        for name in names:
            tours_by_type.setdefault(name, []).append(tour.pk)
    return Catalogue(
        tour_by_name=tour_by_name, tours_by_type=tours_by_type, type_names_of_tour=type_names
    )


def reminder_setting_of(*, membership: Membership) -> ReminderSetting | None:
    return (
        ReminderSetting.objects.filter(membership=membership)
        .prefetch_related("waste_types")
        .first()
    )


def collections_for_staff(*, village_id: int) -> QuerySet[Collection]:
    return Collection.objects.filter(tour__village_id=village_id).select_related("tour__waste_type")


def waste_channels(*, user: User) -> tuple[bool, bool]:
    """The member's push and e-mail choice for waste notifications (else the defaults)."""
    stored = NotificationPreference.objects.filter(user=user, category=Category.WASTE).first()
    policy = policy_of(Category.WASTE)
    if stored is None:
        return policy.push, policy.email
    return stored.push, stored.email


def village_id_by_slug(*, slug: str) -> int | None:
    return Village.objects.filter(slug=slug).values_list("pk", flat=True).first()

"""Village scoping in one place.

Every query a request makes goes through these helpers: an object of a village where
the requester is not a verified member is indistinguishable from one that does not
exist (404, never 403), so nobody can probe another village's ids.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Model, QuerySet

from dorf.core.exceptions import Forbidden, NotFound
from dorf.core.sql import Columns, prepared_cursor
from dorf.users.models import User
from dorf.villages.models import (
    MODERATING_ROLES,
    Household,
    Membership,
    MembershipState,
    Role,
    Village,
)

M = TypeVar("M", bound=Model)


def member_village_ids(user: User | AnonymousUser) -> QuerySet[Membership, int]:
    """A subquery of the ids of villages where ``user`` is a verified member."""
    if not user.is_authenticated:
        return Membership.objects.none().values_list("village_id", flat=True)
    return Membership.objects.filter(user=user, state=MembershipState.VERIFIED).values_list(
        "village_id", flat=True
    )


def member_village_ids_sql(user_id: int) -> tuple[str, list[Any]]:
    """``member_village_ids`` as a subquery for hand-written SQL (dorf.core.sql): the SQL
    of the village ids and its parameters."""
    table = connection.ops.quote_name(Membership._meta.db_table)
    sql = f"SELECT village_id FROM {table} WHERE user_id = %s AND state = %s"  # noqa: S608
    return sql, [user_id, MembershipState.VERIFIED.value]


def scope_to_member_villages(
    queryset: QuerySet[M], user: User | AnonymousUser, village_field: str = "village"
) -> QuerySet[M]:
    """Limit ``queryset`` to rows whose ``village_field`` is one of the user's villages."""
    return queryset.filter(**{f"{village_field}__in": member_village_ids(user)})


def get_scoped_or_404(queryset: QuerySet[M], **lookup: object) -> M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise NotFound()
    return obj


def membership_for(user: User | AnonymousUser, village: Village | int) -> Membership | None:
    """The user's verified membership in ``village``, or None."""
    if not user.is_authenticated:
        return None
    village_id = village if isinstance(village, int) else village.pk
    # get(), not first(): (user, village) is unique, and first()'s ORDER BY costs every
    # request a noticeable share of its CPU (docs/benchmarks.md, "Ledger").
    try:
        return Membership.objects.select_related("village").get(
            user=user, village_id=village_id, state=MembershipState.VERIFIED
        )
    except Membership.DoesNotExist:
        return None


def require_member(user: User | AnonymousUser, village: Village | int) -> Membership:
    """The verified membership, or 404 as if the village's object did not exist."""
    membership = membership_for(user, village)
    if membership is None:
        raise NotFound()
    return membership


def require_member_by_slug(user: User | AnonymousUser, slug: str) -> Membership:
    if not user.is_authenticated:
        raise NotFound()
    try:  # get(): see membership_for
        return Membership.objects.select_related("village").get(
            user=user, village__slug=slug, state=MembershipState.VERIFIED
        )
    except Membership.DoesNotExist:
        raise NotFound() from None


class MemberPlace(NamedTuple):
    """What a list read needs of the viewer's verified membership: where they belong."""

    membership_id: int
    village_id: int
    household_id: int | None
    # The household's coordinates (None without a household).
    latitude: float | None
    longitude: float | None


_MEMBERSHIP = Columns(Membership, "m", only=["id", "village_id", "household_id"])
_HOUSEHOLD = Columns(Household, "h", only=["latitude", "longitude"])
_VILLAGE = Columns(Village, "v", only=[])


def _member_place_sql() -> str:
    # Names from the models' _meta only; user, slug and state are parameters.
    return (
        f"SELECT {_MEMBERSHIP.select()}, {_HOUSEHOLD.select()} "  # noqa: S608
        f"FROM {_MEMBERSHIP.table} JOIN {_VILLAGE.table} ON v.id = m.village_id "
        f"LEFT JOIN {_HOUSEHOLD.table} ON h.id = m.household_id "
        "WHERE m.user_id = %s AND v.slug = %s AND m.state = %s"
    )


def require_member_place(user: User | AnonymousUser, slug: str) -> MemberPlace:
    """``require_member_by_slug`` for a read that needs only the membership's ids and its
    household's coordinates: those, or 404. One hand-written query (dorf.core.sql), no
    model instances: the ORM's query cost ~0.5 ms of CPU more, a noticeable share of a
    small list (docs/benchmarks.md, "REST reads")."""
    if not user.is_authenticated:
        raise NotFound()
    with prepared_cursor() as cursor:
        cursor.execute(_member_place_sql(), [user.pk, slug, MembershipState.VERIFIED.value])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    membership = _MEMBERSHIP.values(row[: len(_MEMBERSHIP)])
    household = _HOUSEHOLD.values(row[len(_MEMBERSHIP) :])
    return MemberPlace(
        membership_id=membership["id"],
        village_id=membership["village_id"],
        household_id=membership["household_id"],
        latitude=household["latitude"],
        longitude=household["longitude"],
    )


def require_moderator(membership: Membership) -> Membership:
    """Moderators and municipality staff of this village; other members get 403."""
    if membership.role not in MODERATING_ROLES:
        raise Forbidden()
    return membership


def require_staff(membership: Membership) -> Membership:
    if membership.role != Role.STAFF:
        raise Forbidden()
    return membership


def users_share_a_village(user_a: User, user_b_id: int) -> bool:
    """True when both are verified members of at least one common village."""
    return Membership.objects.filter(
        user_id=user_b_id,
        state=MembershipState.VERIFIED,
        village_id__in=member_village_ids(user_a),
    ).exists()

"""Village scoping in one place.

Every query a request makes goes through these helpers: an object of a village where
the requester is not a verified member is indistinguishable from one that does not
exist (404, never 403), so nobody can probe another village's ids.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Model, QuerySet

from dorf.core.exceptions import Forbidden, NotFound
from dorf.users.models import User
from dorf.villages.models import MODERATING_ROLES, Membership, MembershipState, Role, Village

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


def require_member_fields(user: User | AnonymousUser, slug: str, *fields: str) -> dict[str, Any]:
    """``require_member_by_slug`` for a read that needs only a few of the membership's
    fields (``"village_id"``, ``"household__latitude"``…): those as a dict, or 404. One
    query without model instances or the village's row, a noticeable share of a small
    list's CPU (docs/benchmarks.md, "REST reads")."""
    if not user.is_authenticated:
        raise NotFound()
    rows: QuerySet[Membership, dict[str, Any]] = Membership.objects.filter(
        user=user, village__slug=slug, state=MembershipState.VERIFIED
    ).values(*fields)
    for row in rows[:1]:  # (user, village) is unique; no first(): see membership_for
        return row
    raise NotFound()


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

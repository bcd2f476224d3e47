"""Backoffice actions call the apps' services, one object at a time.

An action is a function of (acting user, their membership of the object's village, the
object) that calls one service. ``service_action`` turns it into an admin action: for
each selected row it finds the actor's membership in the row's village (an operator
without one is refused) and calls the service. Every service an action calls writes its
own audit entry (``dorf.core.audit``) in its own transaction, so the same action through
the API and here is logged alike, once, and a refused action leaves neither a change nor
an entry. Only what no service does, the imports run from here, is logged here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_stubs_ext import StrOrPromise

from dorf.backoffice.access import access_of
from dorf.backoffice.site import acting_user
from dorf.core import audit
from dorf.core.exceptions import DomainError
from dorf.users.models import User
from dorf.villages.models import Membership

ServiceCall = Callable[[User, Membership, Any], object]
AdminAction = Callable[[admin.ModelAdmin[Any], HttpRequest, QuerySet[Any]], None]


def _message_of(exc: DomainError) -> str:
    if exc.fields:
        for problems in exc.fields.values():
            if problems:
                return str(problems[0])
    return str(exc.message)


def service_action(
    *,
    name: str,
    description: StrOrPromise,
    call: ServiceCall,
    village_id: Callable[[Any], int] = lambda obj: int(obj.village_id),
) -> AdminAction:
    """An admin action named ``name`` that runs ``call`` for each selected row."""

    def action(
        modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
    ) -> None:
        access = access_of(request)
        user = acting_user(request)
        done = 0
        for obj in queryset.order_by("pk"):
            membership = access.membership(village_id(obj))
            if membership is None:
                modeladmin.message_user(
                    request,
                    _("%(object)s: you do not work for this village.") % {"object": obj},
                    messages.ERROR,
                )
                continue
            try:
                call(user, membership, obj)
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {_message_of(exc)}", messages.ERROR)
                continue
            done += 1
        if done:
            modeladmin.message_user(
                request,
                ngettext("%(count)d entry: %(action)s.", "%(count)d entries: %(action)s.", done)
                % {"count": done, "action": description},
                messages.SUCCESS,
            )

    action.__name__ = name
    return admin.action(description=description)(action)


ImportRun = Callable[[Any], tuple[str, bool]]


def import_action(*, name: str, description: StrOrPromise, run: ImportRun) -> AdminAction:
    """An admin action that imports each selected source now (a calendar, a news feed).

    Unlike ``service_action`` it opens no transaction around the call: an import fetches
    over the network first and owns its own transaction for storing. ``run`` returns the
    summary to show and whether the import went through; a refused source keeps its
    previous import and is shown as a warning. Only the village's staff may import.
    """

    def action(
        modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
    ) -> None:
        access = access_of(request)
        user = acting_user(request)
        for source in queryset.order_by("pk"):
            membership = access.membership(int(source.village_id))
            if membership is None or not membership.is_staff:
                modeladmin.message_user(
                    request,
                    _("%(object)s: you do not work for this village.") % {"object": source},
                    messages.ERROR,
                )
                continue
            if not source.active:
                modeladmin.message_user(
                    request,
                    _("%(object)s: paused; activate it first.") % {"object": source},
                    messages.ERROR,
                )
                continue
            summary, ok = run(source)
            audit.record(
                actor=user,
                instance=source,
                before={},
                verb=name,
                village_id=membership.village_id,
                changes={"import": [None, summary]},
            )
            modeladmin.message_user(
                request, f"{source}: {summary}", messages.SUCCESS if ok else messages.WARNING
            )

    action.__name__ = name
    return admin.action(description=description)(action)

"""What the screens of imported sources share (news feeds, external calendars): the list
with the count of what each source brought in and the state of its last import, the
"add" button for staff, the edit link, and the actions import now, pause and activate.

A screen names its model's hooks (``add_url_name``, ``edit_url_name``, ``imported``,
``summary``, ``run_import``, ``set_active``); the rules stay in the domain's services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from dorf.backoffice.access import access_of
from dorf.backoffice.actions import AdminAction, import_action, service_action
from dorf.backoffice.screens import ScopedAdmin
from dorf.users.models import User
from dorf.villages.models import Membership

# (the acting user, a source) -> the service's result
SetActive = Callable[[User, Model, bool], object]


def source_actions(
    prefix: str, *, run_import: Callable[[Any], tuple[str, bool]], set_active: SetActive
) -> list[AdminAction]:
    """Import now, pause and activate, each through the domain's service."""

    def switch(active: bool) -> Callable[[User, Membership, Any], object]:
        def call(user: User, _membership: Membership, obj: Any) -> object:
            return set_active(user, obj, active)

        return call

    return [
        import_action(
            name=f"{prefix}_import", description=gettext_lazy("Import now"), run=run_import
        ),
        service_action(
            name=f"{prefix}_pause", description=gettext_lazy("Pause"), call=switch(False)
        ),
        service_action(
            name=f"{prefix}_activate", description=gettext_lazy("Activate"), call=switch(True)
        ),
    ]


class SourceScreen(ScopedAdmin):
    """A list of imported sources (a model with ``last_error`` and ``last_polled_at``)."""

    change_list_template = "backoffice/change_list.html"
    add_url_name: ClassVar[str]
    add_title: ClassVar[StrOrPromise]
    edit_url_name: ClassVar[str]
    # The relation holding what the sources imported (counted as ``imported_total``).
    imported: ClassVar[str]

    def summary(self, obj: Any) -> str:
        """The counts of the source's last import, as the import showed them."""
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        sources: QuerySet[Any] = super().get_queryset(request)
        counted: QuerySet[Any] = sources.annotate(imported_total=Count(self.imported))
        return counted

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        extra = {"add_url": "", **(extra_context or {})}
        if access_of(request).staff_village_ids:
            extra["add_url"] = reverse(self.add_url_name)
            extra["add_title"] = self.add_title
        return super().changelist_view(request, extra)

    @admin.display(description=gettext_lazy("result of the last import"))
    def last_import(self, obj: Any) -> str:
        return self.summary(obj)

    @admin.display(description=gettext_lazy("last import"))
    def status(self, obj: Any) -> str:
        if obj.last_error:
            return _("Error: %(error)s") % {"error": obj.last_error}
        if obj.last_polled_at is None:
            return _("not imported yet")
        return _("OK")

    @admin.display(description=gettext_lazy("edit"))
    def edit(self, obj: Any) -> str:
        return format_html(
            '<a href="{}" aria-label="{}">{}</a>',
            reverse(self.edit_url_name, args=[obj.pk]),
            _("Edit %(name)s") % {"name": obj},
            _("Edit"),
        )

"""External calendar sources (ICS by address) of the village calendar: the staff list them,
add and edit them, pause and activate them and import one now, through dorf.events'
services (the same as the API's), each change audited.

An import fetches over the network, so it runs outside any transaction (the import owns
its own) and is audited afterwards with its counts; a refused file is stored on the
calendar (``last_error``) and the previous import kept, as in the periodic task.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.backoffice.access import access_of
from dorf.backoffice.pages import form_page, show_refusal, staff_object_or_404, staff_villages
from dorf.backoffice.site import acting_user, backoffice_site
from dorf.backoffice.sources import SourceScreen, source_actions
from dorf.calendar.sources import CalendarCategory
from dorf.core import audit
from dorf.core.exceptions import DomainError
from dorf.events import importing
from dorf.events import services as event_services
from dorf.events.importing import ImportResult
from dorf.events.models import ExternalCalendar
from dorf.users.models import User
from dorf.villages.models import Village


def import_summary(result: ImportResult) -> str:
    if result.error:
        return _("refused: %(error)s (the previous import is kept)") % {"error": result.error}
    if result.not_modified:
        return _("unchanged since the last import")
    return _(
        "%(created)d new, %(updated)d changed, %(deleted)d removed, %(unchanged)d unchanged, "
        "%(skipped)d skipped, %(filtered)d filtered out"
    ) % {
        "created": result.created,
        "updated": result.updated,
        "deleted": result.deleted,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "filtered": result.filtered,
    }


def last_import_summary(calendar: ExternalCalendar) -> str:
    """The counts of the last import that stored the file, as the import showed them."""
    if calendar.last_imported_at is None:
        return _("not imported yet")
    return import_summary(
        ImportResult(
            created=calendar.last_import_created,
            updated=calendar.last_import_updated,
            deleted=calendar.last_import_deleted,
            unchanged=calendar.last_import_unchanged,
            skipped=calendar.last_import_skipped,
            filtered=calendar.last_import_filtered,
        )
    )


def calendar_import(calendar: ExternalCalendar) -> tuple[str, bool]:
    """Import one calendar now (the staff's "import now" and the first import)."""
    result = importing.external_calendar_import(calendar_id=calendar.pk)
    return import_summary(result), not result.error


def _set_active(user: User, calendar: Any, active: bool) -> object:
    return event_services.external_calendar_update(
        actor=user, calendar_id=calendar.pk, active=active
    )


@admin.register(ExternalCalendar, site=backoffice_site)
class ExternalCalendarScreen(SourceScreen):
    """The village calendar's imported ICS sources, with the state of their last import."""

    start_order = 82
    list_display = (
        "name",
        "category",
        "active",
        "events",
        "last_imported_at",
        "last_import",
        "status",
        "edit",
    )
    search_fields = ("name", "url")
    ordering = ("name",)
    fields = (
        "name",
        "url",
        "village",
        "category",
        "tag_filter",
        "active",
        "events",
        "last_imported_at",
        "last_import",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("events", "last_import")
    actions = source_actions(
        "external_calendar", run_import=calendar_import, set_active=_set_active
    )
    add_url_name = "backoffice_calendar_add"
    add_title = gettext_lazy("Add an external calendar")
    edit_url_name = "backoffice_calendar_edit"
    imported = "events"

    def summary(self, obj: ExternalCalendar) -> str:
        return last_import_summary(obj)

    @admin.display(description=gettext_lazy("imported events"), ordering="imported_total")
    def events(self, obj: ExternalCalendar) -> int:
        return int(getattr(obj, "imported_total", 0))


# --- the form pages ------------------------------------------------------------------------


def _tags(value: str) -> list[str]:
    return [tag.strip() for tag in value.split(",") if tag.strip()]


class CalendarForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=CalendarCategory.choices, initial="other"
    )
    tag_filter = forms.CharField(
        label=gettext_lazy("Only events with these categories"),
        required=False,
        max_length=1300,
        help_text=gettext_lazy(
            "Comma-separated CATEGORIES of the calendar, e.g. Gottesdienst, Konzert; "
            "empty: every event."
        ),
    )


class CalendarAddForm(CalendarForm):
    village = forms.ModelChoiceField(queryset=Village.objects.none(), label=gettext_lazy("Village"))
    url = forms.URLField(
        label=gettext_lazy("Calendar address (iCalendar, .ics)"),
        max_length=500,
        assume_scheme="https",
    )
    field_order = ("village", "name", "url", "category", "tag_filter")

    def __init__(self, *args: Any, villages: list[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice = self.fields["village"]
        assert isinstance(choice, forms.ModelChoiceField)
        choice.queryset = Village.objects.filter(pk__in=[v.pk for v in villages])
        if len(villages) == 1:
            choice.initial = villages[0].pk


class CalendarEditForm(CalendarForm):
    active = forms.BooleanField(
        label=gettext_lazy("Active (imported every hour)"),
        required=False,
    )


def _list_url() -> str:
    return reverse("backoffice:events_externalcalendar_changelist")


def calendar_add(request: HttpRequest) -> HttpResponse:
    villages = staff_villages(access_of(request))
    form = CalendarAddForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = acting_user(request)
        try:
            # The service writes the audit entry of the creation.
            calendar = event_services.external_calendar_create(
                actor=user,
                village_id=data["village"].pk,
                name=data["name"],
                url=data["url"],
                category=data["category"],
                tag_filter=_tags(data["tag_filter"]),
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            # The first import right away, so the staff see at once whether it works.
            summary, ok = calendar_import(calendar)
            audit.record(
                actor=user,
                instance=calendar,
                before={},
                verb="external_calendar_import",
                village_id=calendar.village_id,
                changes={"import": [None, summary]},
            )
            messages.add_message(
                request,
                messages.SUCCESS if ok else messages.WARNING,
                _("The calendar %(name)s was saved. First import: %(summary)s")
                % {"name": calendar.name, "summary": summary},
            )
            return redirect(_list_url())
    return form_page(
        request,
        title=_("Add an external calendar"),
        form=form,
        submit=_("Save and import"),
        back_url=_list_url(),
        back_title=_("External calendars"),
    )


def calendar_edit(request: HttpRequest, calendar_id: int) -> HttpResponse:
    access = access_of(request)
    calendars = ExternalCalendar.objects.select_related("village")
    calendar = staff_object_or_404(access, calendars, calendar_id)
    initial = {
        "name": calendar.name,
        "category": calendar.category,
        "tag_filter": ", ".join(calendar.tag_filter),
        "active": calendar.active,
    }
    form = CalendarEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = {**data, "tag_filter": _tags(data["tag_filter"])}
        old = {**initial, "tag_filter": list(calendar.tag_filter)}
        changes = {name: value for name, value in new.items() if value != old[name]}
        try:
            # Saved unchanged: no write and no audit entry (the service writes it).
            if changes:
                event_services.external_calendar_update(
                    actor=acting_user(request), calendar_id=calendar.pk, **changes
                )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, _("The calendar %(name)s was saved.") % {"name": data["name"]}
            )
            return redirect(_list_url())
    return form_page(
        request,
        title=_("Edit the external calendar"),
        form=form,
        submit=_("Save"),
        facts=[
            (_("Village"), calendar.village.name),
            (_("Address"), calendar.url),
            (_("Last import"), calendar.last_imported_at or _("not imported yet")),
            (_("Result of the last import"), last_import_summary(calendar)),
            (_("Last error"), calendar.last_error or "—"),
        ],
        back_url=_list_url(),
        back_title=_("External calendars"),
    )

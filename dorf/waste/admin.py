"""The waste calendar in the operator's admin: types, tours and their streets are
configuration and edited here; collections are read-only and change only by an import
(the same service the API calls)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from dorf.core.admin import ReadOnlyAdmin
from dorf.core.exceptions import DomainError
from dorf.villages.models import Village
from dorf.waste import services
from dorf.waste.models import (
    Bundesland,
    Collection,
    ReminderSetting,
    Tour,
    TourStreet,
    WasteSettings,
    WasteType,
)


@admin.register(WasteSettings)
class WasteSettingsAdmin(admin.ModelAdmin[WasteSettings]):
    list_display = ["village", "bundesland"]


@admin.register(WasteType)
class WasteTypeAdmin(admin.ModelAdmin[WasteType]):
    list_display = ["label", "code", "colour", "village"]
    list_filter = ["village"]


class TourStreetInline(admin.TabularInline[TourStreet, Tour]):
    model = TourStreet
    extra = 1


@admin.register(Tour)
class TourAdmin(admin.ModelAdmin[Tour]):
    list_display = ["name", "waste_type", "village"]
    list_filter = ["village", "waste_type"]
    inlines = [TourStreetInline]


class ImportForm(forms.Form):
    village = forms.ModelChoiceField(queryset=Village.objects.order_by("name"), label=_("village"))
    format = forms.ChoiceField(choices=[("ics", "iCalendar"), ("csv", "CSV")], label=_("format"))
    file = forms.FileField(required=False, label=_("file"))
    url = forms.URLField(required=False, label=_("URL"), assume_scheme="https")
    tour = forms.ModelChoiceField(
        queryset=Tour.objects.order_by("name"), required=False, label=_("tour")
    )
    bundesland = forms.ChoiceField(
        choices=[("", "-"), *Bundesland.choices], required=False, label=_("federal state")
    )


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = ["date", "tour", "original_date", "shift_reason", "holiday", "cancelled"]
    list_filter = ["tour__village", "tour__waste_type", "cancelled"]
    date_hierarchy = "date"

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="waste_collection_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST or None, request.FILES or None)
        context: dict[str, Any] = {**self.admin_site.each_context(request), "form": form}
        if not request.user.has_perm("waste.add_collection") and not request.user.is_superuser:
            context["errors"] = [_("Only the operator imports here.")]
            return TemplateResponse(request, "admin/waste/import.html", context, status=403)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            tour = data["tour"]
            try:
                context["report"] = services.collections_import_into(
                    village=data["village"],
                    fmt=data["format"],
                    content=upload.read(services.import_limit() + 1) if upload else None,
                    url=data["url"] or "",
                    tour_id=tour.pk if tour else None,
                    bundesland=data["bundesland"] or None,
                )
            except DomainError as exc:
                messages = [str(exc.message)]
                for values in (exc.fields or {}).values():
                    messages.extend(str(v) for v in values)
                context["errors"] = messages
        return TemplateResponse(request, "admin/waste/import.html", context)


@admin.register(ReminderSetting)
class ReminderSettingAdmin(ReadOnlyAdmin):
    list_display = ["membership", "days_before", "time_local", "enabled", "next_fire_at"]

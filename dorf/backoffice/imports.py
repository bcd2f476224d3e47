"""Import screens: the address register (CSV), the news feed sources and the waste plan.

The views parse and validate the upload, then call the owning app's service; the result
(with an error line per refused row) is shown on the same page.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.backoffice.access import access_of
from dorf.backoffice.pages import staff_villages
from dorf.backoffice.site import acting_user, backoffice_site
from dorf.core import audit
from dorf.core.exceptions import DomainError
from dorf.villages.models import Village
from dorf.villages.services import AddressImportResult, AddressRow, address_register_import
from dorf.waste.models import Tour
from dorf.waste.services import collections_import, import_limit

MAX_CSV_BYTES = 2 * 1024 * 1024
# Column names we accept (German first), each mapped to the row's field.
COLUMNS = {
    "strasse": "street",
    "straße": "street",
    "street": "street",
    "hausnummer": "house_number",
    "house_number": "house_number",
    "plz": "postcode",
    "postcode": "postcode",
    "breite": "latitude",
    "latitude": "latitude",
    "lat": "latitude",
    "laenge": "longitude",
    "länge": "longitude",
    "longitude": "longitude",
    "lon": "longitude",
}
REQUIRED = ("street", "house_number", "latitude", "longitude")


class AddressImportForm(forms.Form):
    village = forms.ModelChoiceField(queryset=Village.objects.none(), label=gettext_lazy("Village"))
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns strasse; hausnummer; plz; breite; laenge (WGS84 degrees), "
            "separated by semicolons or commas, UTF-8."
        ),
    )

    def __init__(self, *args: Any, villages: list[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village_field = self.fields["village"]
        assert isinstance(village_field, forms.ModelChoiceField)
        village_field.queryset = Village.objects.filter(pk__in=[v.pk for v in villages])
        if len(villages) == 1:
            village_field.initial = villages[0].pk


def parse_address_csv(data: bytes) -> tuple[list[AddressRow], list[tuple[int, str]]]:
    """Rows and (line, problem) pairs; the header is line 1."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, _("The file is not UTF-8 text."))]
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, [])
    names = [COLUMNS.get(column.strip().lower(), "") for column in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        return [], [(1, _("Columns missing: %(columns)s") % {"columns": ", ".join(missing)})]
    rows: list[AddressRow] = []
    errors: list[tuple[int, str]] = []
    for line, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        record = {name: value.strip() for name, value in zip(names, values, strict=False) if name}
        try:
            latitude = float(record.get("latitude", "").replace(",", "."))
            longitude = float(record.get("longitude", "").replace(",", "."))
        except ValueError:
            errors.append((line, _("Latitude and longitude must be numbers.")))
            continue
        rows.append(
            AddressRow(
                line=line,
                street=record.get("street", ""),
                house_number=record.get("house_number", ""),
                postcode=record.get("postcode", ""),
                latitude=latitude,
                longitude=longitude,
            )
        )
    return rows, errors


def address_import(request: HttpRequest) -> HttpResponse:
    access = access_of(request)
    villages = staff_villages(access)
    result: AddressImportResult | None = None
    form = AddressImportForm(request.POST or None, request.FILES or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        village = form.cleaned_data["village"]
        membership = access.membership(village.pk)
        assert membership is not None  # the form offers the staff's own villages only
        if upload.size > MAX_CSV_BYTES:
            form.add_error("file", _("The file is larger than 2 MB."))
        else:
            rows, errors = parse_address_csv(upload.read())
            try:
                with transaction.atomic():
                    result = address_register_import(actor=membership, rows=rows)
                    audit.record(
                        actor=acting_user(request),
                        instance=village,
                        before={},
                        verb="address_register_import",
                        village_id=village.pk,
                        changes={
                            "address_register": [
                                None,
                                _("%(created)d new, %(updated)d updated")
                                % {"created": result.created, "updated": result.updated},
                            ]
                        },
                    )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                result.errors = sorted(errors + result.errors)
    context = {
        **backoffice_site.each_context(request),
        "title": _("Import the address register"),
        "form": form,
        "result": result,
    }
    return TemplateResponse(request, "backoffice/address_import.html", context)


class WastePlanForm(forms.Form):
    village = forms.ModelChoiceField(queryset=Village.objects.none(), label=gettext_lazy("Village"))
    format = forms.ChoiceField(
        choices=[("ics", "iCalendar (.ics)"), ("csv", "CSV")], label=gettext_lazy("Format")
    )
    file = forms.FileField(required=False, label=gettext_lazy("File"))
    url = forms.URLField(
        required=False,
        label=gettext_lazy("or the plan's web address"),
        assume_scheme="https",
        max_length=500,
    )
    tour = forms.ModelChoiceField(
        queryset=Tour.objects.none(),
        required=False,
        label=gettext_lazy("Tour (for a plan of a single tour)"),
    )

    def __init__(self, *args: Any, villages: list[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [v.pk for v in villages]
        for name, queryset in (
            ("village", Village.objects.filter(pk__in=ids)),
            ("tour", Tour.objects.filter(village_id__in=ids).order_by("name")),
        ):
            choice = self.fields[name]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.queryset = queryset
        if len(villages) == 1:
            self.fields["village"].initial = ids[0]


def waste_plan_import(request: HttpRequest) -> HttpResponse:
    """Upload the collection company's plan: all or nothing, the faulty lines listed."""
    access = access_of(request)
    villages = staff_villages(access)
    form = WastePlanForm(request.POST or None, request.FILES or None, villages=villages)
    report = None
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        village = data["village"]
        upload = data["file"]
        try:
            # The service writes the audit entry with the import's counts.
            report = collections_import(
                user=acting_user(request),
                village_id=village.pk,
                fmt=data["format"],
                content=upload.read(import_limit() + 1) if upload else None,
                url=data["url"] or "",
                tour_id=data["tour"].pk if data["tour"] else None,
            )
        except DomainError as exc:
            problems = [str(exc.message)]
            for values in (exc.fields or {}).values():
                problems.extend(str(value) for value in values)
    context = {
        **backoffice_site.each_context(request),
        "title": _("Upload the waste plan"),
        "form": form,
        "report": report,
        "problems": problems,
    }
    return TemplateResponse(request, "backoffice/waste_import.html", context)

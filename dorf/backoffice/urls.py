from __future__ import annotations

from django.urls import path

from dorf.backoffice import (
    calendars,
    feeds,
    imports,
    participation,
    screens,  # noqa: F401 - registers the screens on the site
)
from dorf.backoffice.site import backoffice_site

urlpatterns = [
    path(
        "import/adressen/",
        backoffice_site.admin_view(imports.address_import),
        name="backoffice_import_addresses",
    ),
    path(
        "import/nachrichtenquellen/",
        backoffice_site.admin_view(feeds.feed_source_add),
        name="backoffice_import_feed_source",
    ),
    path(
        "import/nachrichtenquellen/<int:source_id>/",
        backoffice_site.admin_view(feeds.feed_source_edit),
        name="backoffice_feed_source_edit",
    ),
    path(
        "import/abfuhrplan/",
        backoffice_site.admin_view(imports.waste_plan_import),
        name="backoffice_import_waste_plan",
    ),
    path(
        "import/kalender/neu/",
        backoffice_site.admin_view(calendars.calendar_add),
        name="backoffice_calendar_add",
    ),
    path(
        "import/kalender/<int:calendar_id>/",
        backoffice_site.admin_view(calendars.calendar_edit),
        name="backoffice_calendar_edit",
    ),
    path(
        "beteiligung/vorschlaege/<int:proposal_id>/antwort/",
        backoffice_site.admin_view(participation.proposal_answer),
        name="backoffice_proposal_answer",
    ),
    path(
        "beteiligung/haushalt/<int:item_id>/pruefung/",
        backoffice_site.admin_view(participation.budget_item_review),
        name="backoffice_budget_item_review",
    ),
    path("", backoffice_site.urls),
]

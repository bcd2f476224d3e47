from __future__ import annotations

from django.urls import path

from dorf.backoffice import (
    imports,
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
        backoffice_site.admin_view(imports.feed_source_add),
        name="backoffice_import_feed_source",
    ),
    path(
        "import/abfuhrplan/",
        backoffice_site.admin_view(imports.waste_plan_import),
        name="backoffice_import_waste_plan",
    ),
    path("", backoffice_site.urls),
]

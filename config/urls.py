from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from dorf.core.health import healthz
from dorf.core.media import MediaView
from dorf.core.observability import metrics

api_v1 = [
    path("", include("dorf.users.urls")),
    path("", include("dorf.villages.urls")),
    path("", include("dorf.calendar.urls")),
    path("", include("dorf.ledger.urls")),
    path("", include("dorf.chat.urls")),
    path("", include("dorf.notifications.urls")),
    path("", include("dorf.marketplace.urls")),
    path("", include("dorf.clubs.urls")),
    path("", include("dorf.deliveries.urls")),
    path("", include("dorf.lostfound.urls")),
    path("", include("dorf.appointments.urls")),
    path("", include("dorf.reports.urls")),
    path("", include("dorf.news.urls")),
    path("", include("dorf.warnings.urls")),
    path("", include("dorf.bookings.urls")),
    path("", include("dorf.waste.urls")),
    path("", include("dorf.participation.urls")),
    path("", include("dorf.events.urls")),
    path("", include("dorf.council.urls")),
    path("", include("dorf.directory.urls")),
    path("", include("dorf.jobs.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    # Open311 GeoReport v2 (problem reports), outside the dorf API: the spec fixes its shape.
    path("open311/v2/", include("dorf.reports.open311.urls")),
    # Public pages of job offers with schema.org JSON-LD, for people and search engines.
    path("jobs/", include("dorf.jobs.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("healthz", healthz, name="healthz"),
    # Prometheus metrics: the scraper's bearer token or an operator's login (else 404).
    path("metrics", metrics, name="metrics"),
    # Uploaded files: only to those allowed to see them (dorf.core.media).
    path("media/<path:name>", MediaView.as_view(), name="media"),
    path("admin/", admin.site.urls),
    # The Rathaus backoffice: a second, village-scoped admin site for staff (docs/backoffice.md).
    path("backoffice/", include("dorf.backoffice.urls")),
]

handler400 = "dorf.core.errors.json_bad_request"
handler403 = "dorf.core.errors.json_permission_denied"
handler404 = "dorf.core.errors.json_not_found"
handler500 = "dorf.core.errors.json_server_error"

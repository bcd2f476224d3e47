from django.urls import path

from dorf.events import api

app_name = "events"

urlpatterns = [
    path(
        "villages/<slug:slug>/calendar/events/",
        api.VillageEventListView.as_view(),
        name="event-list",
    ),
    path(
        "calendar-events/<int:event_id>/", api.VillageEventDetailView.as_view(), name="event-detail"
    ),
    path(
        "villages/<slug:slug>/calendar/external/",
        api.ExternalCalendarListView.as_view(),
        name="calendar-list",
    ),
    path(
        "external-calendars/<int:calendar_id>/",
        api.ExternalCalendarDetailView.as_view(),
        name="calendar-detail",
    ),
    path(
        "external-calendars/<int:calendar_id>/import/",
        api.ExternalCalendarImportView.as_view(),
        name="calendar-import",
    ),
]

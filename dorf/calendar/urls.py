from django.urls import path

from dorf.calendar import api

app_name = "calendar"

urlpatterns = [
    path(
        "villages/<slug:slug>/calendar/", api.VillageCalendarView.as_view(), name="village-calendar"
    ),
    path("villages/<slug:slug>/calendar.ics", api.VillageFeedView.as_view(), name="village-feed"),
]

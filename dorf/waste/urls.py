from django.urls import path

from dorf.waste import api

app_name = "waste"

_base = "villages/<slug:slug>/waste/"

urlpatterns = [
    path(f"{_base}types/", api.WasteTypeListView.as_view(), name="type-list"),
    path(f"{_base}schedule/", api.ScheduleView.as_view(), name="schedule"),
    path(f"{_base}next/", api.NextView.as_view(), name="next"),
    path(f"{_base}reminder/", api.ReminderView.as_view(), name="reminder"),
    path(f"{_base}feed/", api.FeedTokenView.as_view(), name="feed-token"),
    path(f"{_base}feed/<str:token>.ics", api.HouseholdFeedView.as_view(), name="household-feed"),
    path(f"{_base}imports/", api.ImportView.as_view(), name="import"),
]

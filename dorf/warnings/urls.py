from django.urls import path

from dorf.warnings import api

app_name = "warnings"

urlpatterns = [
    path("villages/<slug:slug>/warnings/", api.WarningListView.as_view(), name="list"),
    path("villages/<slug:slug>/warnings.atom", api.ActiveWarningsFeedView.as_view(), name="feed"),
    path("villages/<slug:slug>/warning-area/", api.WarningAreaView.as_view(), name="area"),
    path("warnings/<int:warning_id>/", api.WarningDetailView.as_view(), name="detail"),
    path("warnings/<int:warning_id>/checkin/", api.CheckInView.as_view(), name="checkin"),
    path(
        "warnings/<int:warning_id>/checkins/",
        api.CheckInSummaryView.as_view(),
        name="checkin-summary",
    ),
]

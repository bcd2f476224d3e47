from django.urls import path

from dorf.council import api

app_name = "council"

_base = "villages/<slug:slug>/council/"

urlpatterns = [
    path(f"{_base}source/", api.SourceView.as_view(), name="source"),
    path(f"{_base}meetings/", api.MeetingListView.as_view(), name="meeting-list"),
    path(
        f"{_base}meetings/<int:meeting_id>/", api.MeetingDetailView.as_view(), name="meeting-detail"
    ),
    path(f"{_base}organizations/", api.OrganizationListView.as_view(), name="organization-list"),
    path(
        f"{_base}organizations/<int:organization_id>/follow/",
        api.OrganizationFollowView.as_view(),
        name="organization-follow",
    ),
    path(f"{_base}papers/", api.PaperListView.as_view(), name="paper-list"),
    path(
        f"{_base}papers/<int:paper_id>/follow/", api.PaperFollowView.as_view(), name="paper-follow"
    ),
]

from django.urls import path

from dorf.directory import api

app_name = "directory"

_base = "villages/<slug:slug>/directory/"

urlpatterns = [
    path(f"{_base}entries/", api.EntryListView.as_view(), name="entry-list"),
    path(f"{_base}entries/<int:entry_id>/", api.EntryDetailView.as_view(), name="entry-detail"),
    path(f"{_base}entries/<int:entry_id>/claims/", api.ClaimListView.as_view(), name="claim-list"),
    path(
        f"{_base}entries/<int:entry_id>/history/",
        api.EntryHistoryView.as_view(),
        name="entry-history",
    ),
    path(
        f"{_base}claims/<int:claim_id>/decide/",
        api.ClaimDecisionView.as_view(),
        name="claim-decide",
    ),
]

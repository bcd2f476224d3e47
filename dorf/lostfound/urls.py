from django.urls import path

from dorf.lostfound import api

app_name = "lostfound"

_base = "villages/<slug:slug>/lostfound/"

urlpatterns = [
    path(f"{_base}finds/", api.FoundItemListView.as_view(), name="find-list"),
    path(
        f"{_base}finds/<int:found_item_id>/", api.FoundItemDetailView.as_view(), name="find-detail"
    ),
    path(
        f"{_base}finds/<int:found_item_id>/photos/",
        api.FoundItemPhotoListView.as_view(),
        name="find-photos",
    ),
    path(
        f"{_base}finds/<int:found_item_id>/photos/<int:photo_id>/",
        api.FoundItemPhotoDetailView.as_view(),
        name="find-photo",
    ),
    path(
        f"{_base}finds/<int:found_item_id>/store/",
        api.FoundItemStoreView.as_view(),
        name="find-store",
    ),
    path(
        f"{_base}finds/<int:found_item_id>/claims/", api.ClaimListView.as_view(), name="claim-list"
    ),
    path(
        f"{_base}finds/<int:found_item_id>/handover/",
        api.HandoverView.as_view(),
        name="find-handover",
    ),
    path(
        f"{_base}claims/<int:claim_id>/decide/",
        api.ClaimDecisionView.as_view(),
        name="claim-decide",
    ),
    path(
        f"{_base}claims/<int:claim_id>/withdraw/",
        api.ClaimWithdrawView.as_view(),
        name="claim-withdraw",
    ),
    path(f"{_base}lost/", api.LostReportListView.as_view(), name="lost-list"),
    path(
        f"{_base}lost/<int:report_id>/close/",
        api.LostReportCloseView.as_view(),
        name="lost-close",
    ),
    path(
        f"{_base}lost/<int:report_id>/matches/",
        api.LostReportMatchesView.as_view(),
        name="lost-matches",
    ),
]

from django.urls import path

from dorf.marketplace import api

app_name = "marketplace"

urlpatterns = [
    path("villages/<slug:slug>/postings/", api.PostingListView.as_view(), name="posting-list"),
    path("villages/<slug:slug>/posting-reports/", api.ReportListView.as_view(), name="report-list"),
    path("postings/<int:posting_id>/", api.PostingDetailView.as_view(), name="posting-detail"),
    path(
        "postings/<int:posting_id>/withdraw/",
        api.PostingWithdrawView.as_view(),
        name="posting-withdraw",
    ),
    path("postings/<int:posting_id>/renew/", api.PostingRenewView.as_view(), name="posting-renew"),
    path(
        "postings/<int:posting_id>/photos/", api.PostingPhotoView.as_view(), name="posting-photos"
    ),
    path(
        "postings/<int:posting_id>/report/", api.PostingReportView.as_view(), name="posting-report"
    ),
    path("postings/<int:posting_id>/hide/", api.PostingHideView.as_view(), name="posting-hide"),
    path(
        "postings/<int:posting_id>/conversations/",
        api.ConversationListView.as_view(),
        name="conversation-list",
    ),
    path(
        "posting-conversations/<int:conversation_id>/accept/",
        api.AcceptView.as_view(),
        name="conversation-accept",
    ),
    path(
        "agreements/<int:agreement_id>/", api.AgreementDetailView.as_view(), name="agreement-detail"
    ),
    path(
        "agreements/<int:agreement_id>/propose/",
        api.AgreementProposeView.as_view(),
        name="agreement-propose",
    ),
    path(
        "agreements/<int:agreement_id>/confirm/",
        api.AgreementConfirmView.as_view(),
        name="agreement-confirm",
    ),
    path(
        "agreements/<int:agreement_id>/decline/",
        api.AgreementDeclineView.as_view(),
        name="agreement-decline",
    ),
]

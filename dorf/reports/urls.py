from django.urls import path

from dorf.reports import api

app_name = "reports"

P = "villages/<slug:slug>/reports/"
R = P + "<int:report_id>/"

urlpatterns = [
    path(P, api.ReportListView.as_view(), name="report-list"),
    path(P + "nearby/", api.ReportNearbyView.as_view(), name="report-nearby"),
    path(P + "queue/", api.QueueView.as_view(), name="queue"),
    path(P + "categories/", api.CategoryListView.as_view(), name="category-list"),
    path(P + "categories/<slug:code>/", api.CategoryDetailView.as_view(), name="category-detail"),
    path(P + "api-keys/", api.ApiKeyListView.as_view(), name="api-key-list"),
    path(
        P + "api-keys/<int:key_id>/revoke/", api.ApiKeyRevokeView.as_view(), name="api-key-revoke"
    ),
    path(R, api.ReportDetailView.as_view(), name="report-detail"),
    path(R + "me-too/", api.ReportSupportView.as_view(), name="report-support"),
    path(R + "reopen/", api.ReportReopenView.as_view(), name="report-reopen"),
    path(R + "status/", api.StatusView.as_view(), name="report-status"),
    path(R + "assign/", api.AssignView.as_view(), name="report-assign"),
    path(R + "merge/", api.MergeView.as_view(), name="report-merge"),
    path(R + "reply/", api.ReplyView.as_view(), name="report-reply"),
    path(
        R + "photos/<int:photo_id>/approve/",
        api.PhotoApproveView.as_view(),
        name="photo-approve",
    ),
]

from django.urls import path

from dorf.participation.api import proposals

app_name = "participation"

_base = "villages/<slug:slug>/participation/"
_proposal = f"{_base}proposals/<int:proposal_id>/"
_comment = f"{_base}comments/<int:comment_id>/"

urlpatterns = [
    path(f"{_base}settings/", proposals.SettingsView.as_view(), name="settings"),
    path(f"{_base}proposals/", proposals.ProposalListView.as_view(), name="proposal-list"),
    path(_proposal, proposals.ProposalDetailView.as_view(), name="proposal-detail"),
    path(f"{_proposal}support/", proposals.ProposalSupportView.as_view(), name="proposal-support"),
    path(f"{_proposal}answer/", proposals.ProposalAnswerView.as_view(), name="proposal-answer"),
    path(f"{_proposal}hide/", proposals.ProposalHideView.as_view(), name="proposal-hide"),
    path(f"{_proposal}comments/", proposals.CommentListView.as_view(), name="comment-list"),
    path(f"{_comment}delete/", proposals.CommentDeleteView.as_view(), name="comment-delete"),
    path(f"{_comment}hide/", proposals.CommentHideView.as_view(), name="comment-hide"),
    path(f"{_comment}report/", proposals.CommentReportView.as_view(), name="comment-report"),
    path(
        f"{_base}comment-reports/",
        proposals.CommentReportListView.as_view(),
        name="comment-report-list",
    ),
    path(
        f"{_base}comment-reports/<int:report_id>/dismiss/",
        proposals.CommentReportDismissView.as_view(),
        name="comment-report-dismiss",
    ),
]

from django.urls import path

from dorf.participation.api import budget, polls, proposals

app_name = "participation"

_base = "villages/<slug:slug>/participation/"
_proposal = f"{_base}proposals/<int:proposal_id>/"
_comment = f"{_base}comments/<int:comment_id>/"
_poll = f"{_base}polls/<int:poll_id>/"
_budget = f"{_base}budgets/<int:budget_id>/"

urlpatterns = [
    path(f"{_base}settings/", proposals.SettingsView.as_view(), name="settings"),
    path(f"{_base}proposals/", proposals.ProposalListView.as_view(), name="proposal-list"),
    path(_proposal, proposals.ProposalDetailView.as_view(), name="proposal-detail"),
    path(f"{_proposal}support/", proposals.ProposalSupportView.as_view(), name="proposal-support"),
    path(f"{_proposal}answer/", proposals.ProposalAnswerView.as_view(), name="proposal-answer"),
    path(f"{_proposal}hide/", proposals.ProposalHideView.as_view(), name="proposal-hide"),
    path(f"{_proposal}photo/", proposals.ProposalPhotoView.as_view(), name="proposal-photo"),
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
    path(f"{_base}queue/", budget.QueueView.as_view(), name="queue"),
    path(f"{_base}polls/", polls.PollListView.as_view(), name="poll-list"),
    path(_poll, polls.PollDetailView.as_view(), name="poll-detail"),
    path(f"{_poll}publish/", polls.PollPublishView.as_view(), name="poll-publish"),
    path(f"{_poll}vote/", polls.PollVoteView.as_view(), name="poll-vote"),
    path(f"{_poll}results/", polls.PollResultsView.as_view(), name="poll-results"),
    path(f"{_base}budgets/", budget.BudgetListView.as_view(), name="budget-list"),
    path(_budget, budget.BudgetDetailView.as_view(), name="budget-detail"),
    path(f"{_budget}advance/", budget.BudgetAdvanceView.as_view(), name="budget-advance"),
    path(f"{_budget}items/", budget.BudgetItemListView.as_view(), name="budget-item-list"),
    path(f"{_budget}ballot/", budget.BallotView.as_view(), name="budget-ballot"),
    path(f"{_budget}result/", budget.BudgetResultView.as_view(), name="budget-result"),
    path(
        f"{_base}budget-items/<int:item_id>/review/",
        budget.BudgetItemReviewView.as_view(),
        name="budget-item-review",
    ),
]

"""Beteiligung in the backoffice: the queues of dorf.participation and their answers.

- proposals past their support threshold, answered by the staff (accepted, to the
  council, rejected with a reason, done) on a form page; the service pushes the answer to
  the author and every supporter;
- reported comments under proposals, for the moderators (hide the comment, dismiss);
- polls waiting to be published, and budget items waiting for their review.

Each queue narrows the screen's rows through the same selector the API's queue uses
(``dorf.participation.selectors``), so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.backoffice.access import Access, access_of
from dorf.backoffice.actions import service_action
from dorf.backoffice.pages import form_page, show_refusal, staff_object_or_404
from dorf.backoffice.screens import QueueDef, ScopedAdmin
from dorf.backoffice.site import acting_user, backoffice_site
from dorf.core.exceptions import DomainError
from dorf.participation import selectors
from dorf.participation.models import (
    AnswerStatus,
    BudgetItem,
    CommentReport,
    Feasibility,
    Poll,
    Proposal,
    ProposalState,
)
from dorf.participation.services import budget as budget_services
from dorf.participation.services import polls as poll_services
from dorf.participation.services import proposals as proposal_services


def _staff_scope(access: Access) -> list[int] | None:
    return None if access.operator else list(access.staff_village_ids)


def _link(url: str, text: str, label: str) -> str:
    return format_html('<a href="{}" aria-label="{}">{}</a>', url, label, text)


# --- proposals -------------------------------------------------------------------------------


@admin.register(Proposal, site=backoffice_site)
class ProposalScreen(ScopedAdmin):
    start_order = 75
    list_display = (
        "title",
        "category",
        "state",
        "supports",
        "threshold_reached_at",
        "answer_status",
        "answer",
    )
    search_fields = ("title", "text")
    ordering = ("-created_at",)
    fields = (
        "title",
        "text",
        "category",
        "state",
        "support_count",
        "support_threshold",
        "supports_until",
        "threshold_reached_at",
        "answer_status",
        "answer_text",
        "answered_at",
        "hidden_at",
    )
    queue_defs = (
        QueueDef(
            key="answer_due",
            title=gettext_lazy("Proposals awaiting an answer"),
            hint=gettext_lazy("They reached their support threshold: the town hall answers."),
            apply=lambda qs, _r: selectors.awaiting_answer(qs),
        ),
    )

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [*super().get_list_filter(request), "state"]

    @admin.display(description=gettext_lazy("supports"), ordering="support_count")
    def supports(self, obj: Proposal) -> str:
        return f"{obj.support_count} / {obj.support_threshold}"

    @admin.display(description=gettext_lazy("answer"))
    def answer(self, obj: Proposal) -> str:
        if obj.hidden_at is not None or obj.state == ProposalState.EXPIRED:
            return "—"
        return _link(
            reverse("backoffice_proposal_answer", args=[obj.pk]),
            _("Answer") if obj.state != ProposalState.ANSWERED else _("Update the answer"),
            _("Answer %(title)s") % {"title": obj.title},
        )


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("The town hall's answer"),
        choices=AnswerStatus.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=gettext_lazy("Text of the answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=5000,
        help_text=gettext_lazy(
            "Published on the proposal and pushed to its supporters. A rejection needs its reason."
        ),
    )


def proposal_answer(request: HttpRequest, proposal_id: int) -> HttpResponse:
    access = access_of(request)
    proposal = staff_object_or_404(access, Proposal.objects.select_related("village"), proposal_id)
    initial = {"status": proposal.answer_status, "text": proposal.answer_text}
    form = AnswerForm(request.POST or None, initial=initial)
    queue_url = reverse("backoffice:participation_proposal_changelist") + "?queue=answer_due"
    if request.method == "POST" and form.is_valid():
        try:
            # The service writes the audit entry.
            proposal_services.proposal_answer(
                actor=acting_user(request),
                proposal_id=proposal.pk,
                status=form.cleaned_data["status"],
                text=form.cleaned_data["text"],
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("The answer to %(title)s is published and sent to its supporters.")
                % {"title": proposal.title},
            )
            return redirect(queue_url)
    return form_page(
        request,
        title=_("Answer the proposal"),
        form=form,
        submit=_("Publish the answer"),
        facts=[
            (_("Proposal"), proposal.title),
            (_("Village"), proposal.village.name),
            (_("Text"), proposal.text),
            (_("Supports"), f"{proposal.support_count} / {proposal.support_threshold}"),
            (_("State"), proposal.get_state_display()),
        ],
        back_url=queue_url,
        back_title=_("Proposals awaiting an answer"),
    )


# --- reported comments -----------------------------------------------------------------------


@admin.register(CommentReport, site=backoffice_site)
class CommentReportScreen(ScopedAdmin):
    start_order = 72
    village_field = "comment__proposal__village"
    list_display = ("created_at", "proposal", "comment_text", "author", "reason", "state")
    list_select_related = ("comment__proposal", "comment__author")
    search_fields = ("reason", "comment__text")
    ordering = ("-created_at",)
    fields = ("proposal", "comment_text", "author", "reason", "state", "resolved_at", "created_at")
    readonly_fields = ("proposal", "comment_text", "author")
    queue_defs = (
        QueueDef(
            key="open",
            title=gettext_lazy("Reported comments on proposals"),
            hint=gettext_lazy("Comments reported by residents, for the moderators."),
            apply=lambda qs, _r: selectors.open_comment_reports(qs),
        ),
    )
    actions = [
        service_action(
            name="proposal_comment_hide",
            description=gettext_lazy("Hide the comment"),
            call=lambda user, _m, obj: proposal_services.comment_hide(
                actor=user, comment_id=obj.comment_id
            ),
            village_id=lambda obj: int(obj.comment.proposal.village_id),
        ),
        service_action(
            name="proposal_comment_report_dismiss",
            description=gettext_lazy("Dismiss the report"),
            call=lambda user, _m, obj: proposal_services.comment_report_dismiss(
                actor=user, report_id=obj.pk
            ),
            village_id=lambda obj: int(obj.comment.proposal.village_id),
        ),
    ]

    def villages_for(self, access: Access) -> Iterable[int] | None:
        return None if access.operator else access.moderator_village_ids

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [*super().get_list_filter(request), "state"]

    @admin.display(description=gettext_lazy("proposal"))
    def proposal(self, obj: CommentReport) -> str:
        return obj.comment.proposal.title

    @admin.display(description=gettext_lazy("comment"))
    def comment_text(self, obj: CommentReport) -> str:
        text = obj.comment.text
        return text if len(text) <= 120 else text[:119] + "…"

    @admin.display(description=gettext_lazy("written by"))
    def author(self, obj: CommentReport) -> str:
        user = obj.comment.author
        if user is None:
            return "—"
        return f"{user.first_name} {user.last_name}".strip() or str(user.pk)


# --- polls -----------------------------------------------------------------------------------


@admin.register(Poll, site=backoffice_site)
class PollScreen(ScopedAdmin):
    start_order = 76
    list_display = ("question", "kind", "opens_at", "closes_at", "published_at")
    search_fields = ("question",)
    ordering = ("-opens_at",)
    fields = (
        "question",
        "description",
        "kind",
        "max_choices",
        "allow_free_text",
        "results_live",
        "opens_at",
        "closes_at",
        "published_at",
    )
    queue_defs = (
        QueueDef(
            key="to_publish",
            title=gettext_lazy("Polls to publish"),
            hint=gettext_lazy("Drafts of the village's polls; publishing tells the voters."),
            apply=lambda qs, _r: selectors.unpublished(qs),
        ),
    )
    actions = [
        service_action(
            name="poll_publish",
            description=gettext_lazy("Publish"),
            call=lambda user, _m, obj: poll_services.poll_publish(actor=user, poll_id=obj.pk),
        )
    ]


# --- the participatory budget ----------------------------------------------------------------


def _euros(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f} €".replace(",", " ").replace(".", ",")


@admin.register(BudgetItem, site=backoffice_site)
class BudgetItemScreen(ScopedAdmin):
    start_order = 77
    village_field = "budget__village"
    list_display = ("title", "budget", "cost", "feasibility", "feasibility_reason", "review")
    list_select_related = ("budget",)
    search_fields = ("title", "description")
    ordering = ("budget", "pk")
    fields = ("title", "budget", "description", "cost", "feasibility", "feasibility_reason")
    readonly_fields = ("cost",)
    queue_defs = (
        QueueDef(
            key="to_review",
            title=gettext_lazy("Budget items to review"),
            hint=gettext_lazy("Residents' items: feasible, or not with a reason."),
            apply=lambda qs, _r: selectors.awaiting_review(qs),
        ),
    )
    actions = [
        service_action(
            name="budget_item_feasible",
            description=gettext_lazy("Feasible"),
            call=lambda user, _m, obj: budget_services.budget_item_review(
                actor=user, item_id=obj.pk, feasible=True
            ),
            village_id=lambda obj: int(obj.budget.village_id),
        )
    ]

    @admin.display(description=gettext_lazy("cost"), ordering="cost_cents")
    def cost(self, obj: BudgetItem) -> str:
        return _euros(obj.cost_cents)

    @admin.display(description=gettext_lazy("review"))
    def review(self, obj: BudgetItem) -> str:
        return _link(
            reverse("backoffice_budget_item_review", args=[obj.pk]),
            _("Review"),
            _("Review %(title)s") % {"title": obj.title},
        )


class ReviewForm(forms.Form):
    feasibility = forms.ChoiceField(
        label=gettext_lazy("Result of the review"),
        choices=[
            (Feasibility.FEASIBLE, Feasibility.FEASIBLE.label),
            (Feasibility.INFEASIBLE, Feasibility.INFEASIBLE.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Needed when the item is not feasible; the proposer is told."),
    )


def budget_item_review(request: HttpRequest, item_id: int) -> HttpResponse:
    access = access_of(request)
    items = BudgetItem.objects.select_related("budget__village")
    village_ids = _staff_scope(access)
    if village_ids is not None:
        items = items.filter(budget__village_id__in=village_ids)
    item = items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    form = ReviewForm(request.POST or None)
    queue_url = reverse("backoffice:participation_budgetitem_changelist") + "?queue=to_review"
    if request.method == "POST" and form.is_valid():
        try:
            # The service writes the audit entry.
            budget_services.budget_item_review(
                actor=acting_user(request),
                item_id=item.pk,
                feasible=form.cleaned_data["feasibility"] == Feasibility.FEASIBLE,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(title)s is reviewed.") % {"title": item.title})
            return redirect(queue_url)
    return form_page(
        request,
        title=_("Review the budget item"),
        form=form,
        submit=_("Save the review"),
        facts=[
            (_("Budget item"), item.title),
            (_("Budget"), item.budget.title),
            (_("Cost"), _euros(item.cost_cents)),
            (_("Description"), item.description),
        ],
        back_url=queue_url,
        back_title=_("Budget items to review"),
    )

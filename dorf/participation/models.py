"""Beteiligung: residents' proposals the town hall must answer, polls and the
participatory budget (Bürgerhaushalt).

Rules the models carry (the services enforce them, the tests prove them):

- one support per member and proposal, one vote per member and poll, one budget ballot per
  member and budget: unique constraints, so a burst of parallel requests counts once;
- a proposal's threshold is fixed when it is made (the village's rule applied to the
  verified members of that day), so residents see from the start what it needs;
- who voted in a poll (``PollParticipation``) and what was voted (``PollBallot``) are two
  tables with no key, no timestamp and no order between them: nobody, staff included, can
  tell who voted what. Erasing a person removes them from the participation list; the
  ballots, and so the totals, stay;
- a budget ballot is changeable until the vote closes, so it belongs to its voter (like a
  support); the result is recomputed from the stored ballots by one documented rule
  (``dorf.participation.knapsack``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


class ParticipationSettings(TimeStampedModel):
    """A village's rules for proposals; a village without a row uses the defaults."""

    village = models.OneToOneField(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="participation_settings",
        verbose_name=_("village"),
    )
    support_threshold_percent = models.PositiveSmallIntegerField(
        _("support threshold (percent of verified members)"), null=True, blank=True, default=5
    )
    support_threshold_count = models.PositiveIntegerField(
        _("support threshold (number of supporters)"), null=True, blank=True
    )
    proposal_support_days = models.PositiveSmallIntegerField(
        _("days a proposal collects supports"), default=90
    )

    class Meta:
        verbose_name = _("participation settings")
        verbose_name_plural = _("participation settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(support_threshold_percent__isnull=False)
                | Q(support_threshold_count__isnull=False),
                name="participation_settings_has_threshold",
            ),
            models.CheckConstraint(
                condition=Q(support_threshold_percent__isnull=True)
                | Q(support_threshold_percent__gte=1, support_threshold_percent__lte=100),
                name="participation_settings_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(support_threshold_count__isnull=True)
                | Q(support_threshold_count__gte=1),
                name="participation_settings_count_positive",
            ),
            models.CheckConstraint(
                condition=Q(proposal_support_days__gte=1), name="participation_settings_days"
            ),
        ]

    def __str__(self) -> str:
        return f"settings of {self.village_id}"


class ProposalCategory(models.TextChoices):
    TRAFFIC = "traffic", _("Traffic and roads")
    ENVIRONMENT = "environment", _("Environment and green spaces")
    COMMUNITY = "community", _("Community life")
    CHILDREN = "children", _("Children and youth")
    SENIORS = "seniors", _("Seniors")
    CULTURE = "culture", _("Culture and sport")
    ADMINISTRATION = "administration", _("Town hall and services")
    OTHER = "other", _("Other")


class ProposalState(models.TextChoices):
    OPEN = "open", _("Collecting supports")
    ANSWER_DUE = "answer_due", _("Threshold reached, answer due")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")


class AnswerStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    TO_COUNCIL = "to_council", _("Passed to the council")
    REJECTED = "rejected", _("Rejected")
    DONE = "done", _("Done")


SUPPORTABLE_STATES = (ProposalState.OPEN, ProposalState.ANSWER_DUE)


class Proposal(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("village"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=150)
    text = models.TextField(_("text"), max_length=5000)
    category = models.CharField(_("category"), max_length=20, choices=ProposalCategory.choices)
    # Rounded to about 100 m: a proposal is about a place, not about someone's house.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    photo = models.FileField(
        _("photo"), upload_to="participation/%Y/%m/", max_length=200, blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.OPEN
    )
    support_threshold = models.PositiveIntegerField(_("supports needed"))
    support_count = models.PositiveIntegerField(_("supports"), default=0)
    supports_until = models.DateTimeField(_("supports collected until"), db_index=True)
    threshold_reached_at = models.DateTimeField(_("threshold reached at"), null=True, blank=True)
    answer_status = models.CharField(
        _("answer"), max_length=20, choices=AnswerStatus.choices, blank=True
    )
    answer_text = models.TextField(_("answer text"), max_length=5000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(support_threshold__gte=1), name="proposal_threshold_positive"
            ),
            models.CheckConstraint(
                condition=~Q(state="answered") | ~Q(answer_status=""),
                name="proposal_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(answer_status="rejected") | ~Q(answer_text=""),
                name="proposal_rejection_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["village", "state"])]

    def __str__(self) -> str:
        return self.title


class ProposalSupport(models.Model):
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="supports", verbose_name=_("proposal")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_supports",
        verbose_name=_("supporter"),
    )
    created_at = models.DateTimeField(_("supported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="proposal_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.proposal_id}"


class ProposalComment(models.Model):
    """A comment under a proposal. As in the chat, a deleted or hidden comment stays as a
    tombstone: its text is gone from every answer, its id remains."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="comments", verbose_name=_("proposal")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="proposal_comments",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.proposal_id}"

    @property
    def is_tombstone(self) -> bool:
        return self.deleted_at is not None or self.hidden_at is not None


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class CommentReport(models.Model):
    """A resident's report of a comment, queued for the village's moderators."""

    comment = models.ForeignKey(
        ProposalComment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="proposal_comment_reports",
        verbose_name=_("reporter"),
    )
    reason = models.CharField(_("reason"), max_length=1000)
    state = models.CharField(
        _("state"), max_length=16, choices=ReportState.choices, default=ReportState.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="proposal_comment_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.state})"

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

import uuid

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


# --- polls ------------------------------------------------------------------------------------


class PollKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


class Poll(TimeStampedModel):
    """A question for the village or a club's members, open from-to. Drafts are published
    by staff (or, for a club's poll, by the club's board)."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="polls",
        verbose_name=_("village"),
    )
    # A club's poll is for the club's active members (a reference only: participation does
    # not import clubs, it asks the model registry).
    club = models.ForeignKey(
        "clubs.Club",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("club"),
    )
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PollKind.choices)
    max_choices = models.PositiveSmallIntegerField(_("at most this many choices"), default=1)
    allow_free_text = models.BooleanField(_("free text allowed"), default=False)
    results_live = models.BooleanField(_("results shown while open"), default=False)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_notified_at = models.DateTimeField(_("close announced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="poll_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__gte=1), name="poll_max_choices_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="single") | Q(max_choices=1), name="poll_single_means_one"
            ),
        ]
        indexes = [models.Index(fields=["village", "published_at", "closes_at"])]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="options", verbose_name=_("poll")
    )
    label = models.CharField(_("label"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("poll option")
        verbose_name_plural = _("poll options")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position")
        ]

    def __str__(self) -> str:
        return self.label


class PollParticipation(models.Model):
    """That someone voted (never what). The unique constraint is the "one vote per
    member" rule; an erased person's row loses its user and stays (the count of voters)."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="participations", verbose_name=_("poll")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="poll_participations",
        verbose_name=_("voter"),
    )
    voted_on = models.DateField(_("voted on"))

    class Meta:
        verbose_name = _("poll participation")
        verbose_name_plural = _("poll participations")
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="poll_vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} voted in {self.poll_id}"


class PollBallot(models.Model):
    """What was voted, by nobody in particular: a random key (no sequence to match against
    the participations), no user and no timestamp."""

    id = models.UUIDField(_("id"), primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("poll")
    )
    options = models.ManyToManyField(
        PollOption, related_name="ballots", blank=True, verbose_name=_("options")
    )
    free_text = models.CharField(_("free text"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("poll ballot")
        verbose_name_plural = _("poll ballots")

    def __str__(self) -> str:
        return f"ballot of {self.poll_id}"


# --- participatory budget -------------------------------------------------------------------


class BudgetPhase(models.TextChoices):
    COLLECT = "collect", _("Collecting items")
    REVIEW = "review", _("Review by the town hall")
    VOTE = "vote", _("Voting")
    RESULTS = "results", _("Results")


BUDGET_PHASE_ORDER = [
    BudgetPhase.COLLECT,
    BudgetPhase.REVIEW,
    BudgetPhase.VOTE,
    BudgetPhase.RESULTS,
]


class ParticipatoryBudget(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="participatory_budgets",
        verbose_name=_("village"),
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    phase = models.CharField(
        _("phase"), max_length=10, choices=BudgetPhase.choices, default=BudgetPhase.COLLECT
    )
    vote_closes_at = models.DateTimeField(_("voting closes at"), null=True, blank=True)
    results_at = models.DateTimeField(_("results computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("participatory budget")
        verbose_name_plural = _("participatory budgets")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gte=1), name="participatory_budget_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(phase="vote") | Q(vote_closes_at__isnull=False),
                name="participatory_budget_vote_has_end",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Feasibility(models.TextChoices):
    PENDING = "pending", _("Not reviewed yet")
    FEASIBLE = "feasible", _("Feasible")
    INFEASIBLE = "infeasible", _("Not feasible")


class BudgetItem(TimeStampedModel):
    budget = models.ForeignKey(
        ParticipatoryBudget,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("budget"),
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="budget_items",
        verbose_name=_("proposed by"),
    )
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), max_length=5000)
    cost_cents = models.PositiveBigIntegerField(_("cost (cents)"))
    feasibility = models.CharField(
        _("feasibility"), max_length=12, choices=Feasibility.choices, default=Feasibility.PENDING
    )
    feasibility_reason = models.CharField(_("reason"), max_length=1000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    # The stored result (filled when the vote closes; reproducible from the ballots).
    approvals = models.PositiveIntegerField(_("approvals"), null=True, blank=True)
    selected = models.BooleanField(_("funded"), null=True, blank=True)

    class Meta:
        verbose_name = _("budget item")
        verbose_name_plural = _("budget items")
        constraints = [
            models.CheckConstraint(condition=Q(cost_cents__gte=1), name="budget_item_cost"),
            models.CheckConstraint(
                condition=~Q(feasibility="infeasible") | ~Q(feasibility_reason=""),
                name="budget_item_infeasible_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class BudgetBallot(TimeStampedModel):
    """A member's approvals; changeable until the vote closes, so it is theirs (one per
    member and budget, by the database)."""

    budget = models.ForeignKey(
        ParticipatoryBudget,
        on_delete=models.CASCADE,
        related_name="ballots",
        verbose_name=_("budget"),
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="budget_ballots",
        verbose_name=_("voter"),
    )
    items = models.ManyToManyField(
        BudgetItem, related_name="ballots", blank=True, verbose_name=_("approved items")
    )

    class Meta:
        verbose_name = _("budget ballot")
        verbose_name_plural = _("budget ballots")
        constraints = [
            models.UniqueConstraint(fields=["budget", "voter"], name="budget_ballot_once")
        ]

    def __str__(self) -> str:
        return f"ballot of {self.voter_id} for {self.budget_id}"

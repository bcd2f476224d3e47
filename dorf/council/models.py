"""The council's work, imported from the village's council information system over
OParl 1.1 (https://oparl.org): bodies, organisations (committees), meetings with their
agenda items, and papers. Rows are keyed by their OParl ``id`` (a URL) per village, so a
re-import updates in place; residents follow a committee or a paper and are told when it
changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel

OPARL_ID_LENGTH = 500


class CouncilSource(TimeStampedModel):
    """A village's OParl endpoint (the URL of its ``System`` object) and the import's state."""

    village = models.OneToOneField(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="council_source",
        verbose_name=_("village"),
    )
    system_url = models.URLField(_("OParl system URL"), max_length=OPARL_ID_LENGTH)
    enabled = models.BooleanField(_("import enabled"), default=True)
    # The largest ``modified`` of an imported object: the next run asks only for newer ones.
    modified_since = models.DateTimeField(_("imported up to"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=1000, blank=True)
    last_object_count = models.PositiveIntegerField(_("objects in the last import"), default=0)

    class Meta:
        verbose_name = _("council information system")
        verbose_name_plural = _("council information systems")

    def __str__(self) -> str:
        return self.system_url


class OParlObject(models.Model):
    """Fields every imported object has."""

    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    oparl_id = models.URLField(_("OParl id"), max_length=OPARL_ID_LENGTH)
    name = models.CharField(_("name"), max_length=500)
    web_url = models.URLField(_("web page"), max_length=OPARL_ID_LENGTH, blank=True)
    modified = models.DateTimeField(_("modified (in the council system)"), null=True, blank=True)
    deleted = models.BooleanField(_("deleted in the council system"), default=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Body(OParlObject):
    short_name = models.CharField(_("short name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        constraints = [
            models.UniqueConstraint(fields=["village", "oparl_id"], name="council_body_unique")
        ]


class Organization(OParlObject):
    """A committee, faction or the council itself."""

    body = models.ForeignKey(
        Body,
        null=True,
        on_delete=models.SET_NULL,
        related_name="organizations",
        verbose_name=_("body"),
    )
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    organization_type = models.CharField(_("type"), max_length=100, blank=True)
    classification = models.CharField(_("classification"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "oparl_id"], name="council_organization_unique"
            )
        ]


class Meeting(OParlObject):
    start = models.DateTimeField(_("start"), null=True, blank=True, db_index=True)
    end = models.DateTimeField(_("end"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=500, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    organizations = models.ManyToManyField(
        Organization, related_name="meetings", blank=True, verbose_name=_("organisations")
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(fields=["village", "oparl_id"], name="council_meeting_unique")
        ]


class Paper(OParlObject):
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    paper_type = models.CharField(_("type"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)

    class Meta:
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        constraints = [
            models.UniqueConstraint(fields=["village", "oparl_id"], name="council_paper_unique")
        ]


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("meeting")
    )
    oparl_id = models.URLField(_("OParl id"), max_length=OPARL_ID_LENGTH)
    number = models.CharField(_("number"), max_length=50, blank=True)
    order = models.IntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=1000)
    public = models.BooleanField(_("public"), default=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    paper = models.ForeignKey(
        Paper,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
        verbose_name=_("paper"),
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "oparl_id"], name="council_agenda_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Follow(models.Model):
    """A resident follows a committee (its meetings) or a paper."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="council_follows",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("organisation"),
    )
    paper = models.ForeignKey(
        Paper,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
        verbose_name=_("paper"),
    )
    created_at = models.DateTimeField(_("followed since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=True, paper__isnull=False)
                | Q(organization__isnull=False, paper__isnull=True),
                name="council_follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=Q(organization__isnull=False),
                name="council_follow_organization_once",
            ),
            models.UniqueConstraint(
                fields=["user", "paper"],
                condition=Q(paper__isnull=False),
                name="council_follow_paper_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.organization_id or self.paper_id}"

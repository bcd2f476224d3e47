"""The Mängelmelder: problem reports of residents (or Open311 clients) to the municipality.

A village's staff define service categories (Open311 "services") with a responsible team
and optional extra questions (Open311 attributes). A report moves through one status
chain; ``STATUS_TABLE`` maps each status to Open311's open/closed and to FixMyStreet's
extended states, in one place. Personal data (the reporter, their e-mail, supporters) is
anonymised 90 days after a report is closed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel

MAX_PHOTOS = 5
MAX_DESCRIPTION_CHARS = 4000  # the Open311 limit for description


class Forwarding(models.TextChoices):
    DORF = "dorf", _("Handled in dorf")
    EMAIL = "email", _("Forwarded by e-mail")


class ServiceCategory(TimeStampedModel):
    """An Open311 service: what can be reported in a village, and who handles it."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="report_categories",
        verbose_name=_("village"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    group = models.CharField(_("group"), max_length=60, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    responsible_team = models.CharField(_("responsible team"), max_length=120)
    # What the reporter is told on submission (Open311 service_notice).
    service_notice = models.CharField(_("service notice"), max_length=500, blank=True)
    forwarding = models.CharField(
        _("forwarding"), max_length=8, choices=Forwarding.choices, default=Forwarding.DORF
    )
    forward_email = models.EmailField(_("forward to e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["village", "code"], name="report_category_code_unique"),
            models.CheckConstraint(
                condition=~Q(forwarding="email") | ~Q(forward_email=""),
                name="report_category_email_forwarding_has_address",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Datatype(models.TextChoices):
    STRING = "string", _("Text (one line)")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Text")
    SINGLEVALUELIST = "singlevaluelist", _("Choice")
    MULTIVALUELIST = "multivaluelist", _("Multiple choice")


LIST_DATATYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class ServiceAttribute(models.Model):
    """An extra question of a category (Open311 service definition attribute)."""

    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.CASCADE,
        related_name="attributes",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=40)
    description = models.CharField(_("question"), max_length=300)
    datatype = models.CharField(_("data type"), max_length=16, choices=Datatype.choices)
    datatype_description = models.CharField(_("data type hint"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=False)
    # False: the attribute only informs the reporter (shown, never answered).
    variable = models.BooleanField(_("needs an answer"), default=True)
    order = models.PositiveIntegerField(_("order"))
    # [{"key": "...", "name": "..."}] for the list datatypes.
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        verbose_name = _("report category attribute")
        verbose_name_plural = _("report category attributes")
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="report_attribute_code"),
            models.UniqueConstraint(fields=["category", "order"], name="report_attribute_order"),
            models.CheckConstraint(condition=Q(order__gte=1), name="report_attribute_order_pos"),
        ]

    def __str__(self) -> str:
        return self.code


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    SCHEDULED = "scheduled", _("Scheduled")
    FIXED = "fixed", _("Fixed")
    NOT_RESPONSIBLE = "not_responsible", _("Not responsible")
    DUPLICATE = "duplicate", _("Duplicate")
    NO_ACTION = "no_action", _("No action")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    ReportStatus.RECEIVED,
    ReportStatus.CONFIRMED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.SCHEDULED,
)
RESOLUTIONS = (
    ReportStatus.FIXED,
    ReportStatus.NOT_RESPONSIBLE,
    ReportStatus.DUPLICATE,
    ReportStatus.NO_ACTION,
)

# The one table from our status to Open311's status and FixMyStreet's extended state.
STATUS_TABLE: dict[str, tuple[str, str]] = {
    ReportStatus.RECEIVED: ("open", "open"),
    ReportStatus.CONFIRMED: ("open", "investigating"),
    ReportStatus.IN_PROGRESS: ("open", "in_progress"),
    ReportStatus.SCHEDULED: ("open", "action_scheduled"),
    ReportStatus.FIXED: ("closed", "fixed"),
    ReportStatus.NOT_RESPONSIBLE: ("closed", "not_councils_responsibility"),
    ReportStatus.DUPLICATE: ("closed", "duplicate"),
    ReportStatus.NO_ACTION: ("closed", "no_further_action"),
    ReportStatus.CLOSED: ("closed", "closed"),
}


def open311_status(status: str) -> str:
    return STATUS_TABLE[status][0]


def fms_status(status: str) -> str:
    return STATUS_TABLE[status][1]


def statuses_for_open311(open311: str) -> list[str]:
    return [status for status, (mapped, _fms) in STATUS_TABLE.items() if mapped == open311]


def allowed_next(status: str) -> tuple[str, ...]:
    """Where staff may move a report from ``status``.

    Forward along the open chain or to a resolution; from a resolution back into the open
    chain (a mistake, or work resumed) or to closed. Closed is final; only the reporter's
    "not fixed" reopens a recently fixed report.
    """
    if status in OPEN_STATUSES:
        later = OPEN_STATUSES[OPEN_STATUSES.index(ReportStatus(status)) + 1 :]
        return (*later, *RESOLUTIONS)
    if status in RESOLUTIONS:
        others = tuple(s for s in RESOLUTIONS if s != status)
        return (*OPEN_STATUSES[1:], *others, ReportStatus.CLOSED)
    return ()


class ApiKey(models.Model):
    """An Open311 API key of a third-party client, issued by a village's staff.

    Only a hash is stored; the key itself is shown once, when issued.
    """

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="open311_keys",
        verbose_name=_("village"),
    )
    name = models.CharField(_("client name"), max_length=120)
    prefix = models.CharField(max_length=8, verbose_name=_("prefix"))
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


def new_token() -> str:
    return uuid.uuid4().hex


class Report(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village", on_delete=models.CASCADE, related_name="+", verbose_name=_("village")
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("category"),
    )
    description = models.TextField(_("description"), max_length=MAX_DESCRIPTION_CHARS)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=250, blank=True)
    # Answers to the category's attributes: {code: value or [values]}.
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    status_notes = models.CharField(_("status notes"), max_length=1000, blank=True)
    public = models.BooleanField(_("public"), default=True)
    # A member of the village, or an Open311 client's reporter known by e-mail only.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problem_reports",
        verbose_name=_("reporter"),
    )
    reporter_email = models.EmailField(_("reporter e-mail"), blank=True)
    reporter_name = models.CharField(_("reporter name"), max_length=120, blank=True)
    api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("api key"),
    )
    token = models.CharField(max_length=32, unique=True, default=new_token, verbose_name=_("token"))
    external_media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    fixed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("fixed at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    reopened_count = models.PositiveIntegerField(default=0, verbose_name=_("reopened count"))
    anonymised_at = models.DateTimeField(null=True, blank=True, verbose_name=_("anonymised at"))

    class Meta:
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        indexes = [
            models.Index(fields=["village", "status", "-id"], name="report_village_status"),
            # The exact order of Open311's GET requests (newest first, id breaking ties), so
            # a page is read straight off the index even before the planner has statistics;
            # with (village, -created_at) alone a freshly loaded table sorted every row.
            models.Index(
                fields=["village", "-created_at", "-id"], name="report_village_created_id"
            ),
            models.Index(fields=["village", "category", "latitude"], name="report_village_cat_lat"),
            models.Index(fields=["closed_at"], name="report_closed_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="report_location_on_earth",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("id")), name="report_not_its_own_duplicate"
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="report_duplicate_names_original",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) | ~Q(status="closed"),
                name="report_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category_id} ({self.status})"

    @property
    def open311_status(self) -> str:
        return open311_status(self.status)


class ReportPhoto(models.Model):
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("report")
    )
    # Re-encoded JPEG without EXIF (dorf.core.photos).
    image = models.FileField(upload_to="reports/%Y/%m/", max_length=200, verbose_name=_("image"))
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))
    # Photos become public only after staff approve them (faces, number plates).
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.image.name)


class ReportSupporter(models.Model):
    """A resident who has the same problem ("me too"): notified of changes like the reporter."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="supporters", verbose_name=_("report")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="report_supporter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.report_id}"


class UpdateKind(models.TextChoices):
    STATUS = "status", _("Status change")
    REOPEN = "reopen", _("Reopened by the reporter")
    ASSIGN = "assign", _("Assigned")
    MERGE = "merge", _("Merged")
    REPLY = "reply", _("Reply")


class ReportUpdate(models.Model):
    """The history of a report: every status change, reopening, assignment and reply.

    Public updates feed Open311's status_notes and FixMyStreet's servicerequestupdates;
    replies are private between staff and reporter.
    """

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="updates", verbose_name=_("report")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(max_length=8, choices=UpdateKind.choices, verbose_name=_("kind"))
    old_status = models.CharField(
        max_length=16, choices=ReportStatus.choices, blank=True, verbose_name=_("old status")
    )
    new_status = models.CharField(
        max_length=16, choices=ReportStatus.choices, blank=True, verbose_name=_("new status")
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)
    public = models.BooleanField(default=True, verbose_name=_("public"))
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} of {self.report_id}"

"""Job offers (Stellenangebote) of the village's organisations.

Publishers are the organisations staff register for the village (the municipality,
clubs, local businesses); their members post offers. An offer is public while it is
published and its ``valid_through`` day (in the village's time zone) has not passed: the
public page carries schema.org ``JobPosting`` JSON-LD for search engines. A periodic
task archives expired offers. Applying happens in a chat with the employer's contact
person, or by the URL or e-mail address the offer gives.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dorf.core.models import TimeStampedModel


class PublisherKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    CLUB = "club", _("Club")
    BUSINESS = "business", _("Business")
    OTHER = "other", _("Other organisation")


class JobPublisher(TimeStampedModel):
    """An organisation of the village that staff registered to post job offers."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="job_publishers",
        verbose_name=_("village"),
    )
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=PublisherKind.choices)
    website = models.URLField(_("website"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="JobPublisherMember",
        related_name="job_publishers",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("job publisher")
        verbose_name_plural = _("job publishers")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="job_publisher_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class JobPublisherMember(TimeStampedModel):
    """A person who posts offers for a publisher and answers applications in the chat."""

    publisher = models.ForeignKey(
        JobPublisher, on_delete=models.CASCADE, verbose_name=_("publisher")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("publisher member")
        verbose_name_plural = _("publisher members")
        constraints = [
            models.UniqueConstraint(fields=["publisher", "user"], name="job_publisher_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.publisher_id}"


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("Full time")
    PART_TIME = "part_time", _("Part time")
    MINIJOB = "minijob", _("Minijob")
    APPRENTICESHIP = "apprenticeship", _("Apprenticeship (Ausbildung)")
    INTERNSHIP = "internship", _("Internship")
    TEMPORARY = "temporary", _("Temporary help")
    VOLUNTEER = "volunteer", _("Volunteer (Ehrenamt)")


class SalaryUnit(models.TextChoices):
    HOUR = "HOUR", _("per hour")
    MONTH = "MONTH", _("per month")
    YEAR = "YEAR", _("per year")


class JobState(models.TextChoices):
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class JobOffer(TimeStampedModel):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="job_offers",
        verbose_name=_("village"),
    )
    publisher = models.ForeignKey(
        JobPublisher, on_delete=models.PROTECT, related_name="offers", verbose_name=_("publisher")
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("posted by"),
    )
    # Who applicants chat with (a member of the publisher).
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact person"),
    )
    title = models.CharField(_("title"), max_length=150)
    employer = models.CharField(_("employer"), max_length=120)
    description = models.TextField(_("description"), max_length=10_000)
    employment_type = models.CharField(
        _("employment type"), max_length=16, choices=EmploymentType.choices
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    locality = models.CharField(_("place"), max_length=120)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), null=True, blank=True)
    salary_min_cents = models.PositiveIntegerField(_("salary from (cents)"), null=True, blank=True)
    salary_max_cents = models.PositiveIntegerField(_("salary up to (cents)"), null=True, blank=True)
    salary_unit = models.CharField(
        _("salary per"), max_length=8, choices=SalaryUnit.choices, blank=True
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    valid_through = models.DateField(_("valid through"))
    apply_via_chat = models.BooleanField(_("apply in the chat"), default=True)
    apply_url = models.URLField(_("application link"), blank=True)
    apply_email = models.EmailField(_("application e-mail"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=JobState.choices, default=JobState.PUBLISHED
    )
    published_at = models.DateTimeField(_("published at"))
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job offer")
        verbose_name_plural = _("job offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(apply_via_chat=True) | ~Q(apply_url="") | ~Q(apply_email=""),
                name="job_offer_has_a_way_to_apply",
            ),
            models.CheckConstraint(
                condition=Q(salary_min_cents__isnull=True)
                | Q(salary_max_cents__isnull=True)
                | Q(salary_min_cents__lte=models.F("salary_max_cents")),
                name="job_offer_salary_order",
            ),
            models.CheckConstraint(
                condition=Q(salary_min_cents__isnull=True, salary_max_cents__isnull=True)
                | ~Q(salary_unit=""),
                name="job_offer_salary_has_unit",
            ),
        ]
        indexes = [models.Index(fields=["village", "state", "-published_at"])]

    def __str__(self) -> str:
        return self.title


class JobApplication(TimeStampedModel):
    """An applicant's conversation with the employer about one offer (a chat room)."""

    job = models.ForeignKey(
        JobOffer, on_delete=models.CASCADE, related_name="applications", verbose_name=_("job")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="job_applications",
        verbose_name=_("applicant"),
    )
    room = models.ForeignKey(
        "chat.Room",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("chat room"),
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["job", "applicant"], name="job_application_once")
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} → {self.job_id}"

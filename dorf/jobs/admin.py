"""Read-only views for the operator: every change goes through the services (API)."""

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.jobs.models import JobApplication, JobOffer, JobPublisher


@admin.register(JobPublisher)
class JobPublisherAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "kind"]


@admin.register(JobOffer)
class JobOfferAdmin(ReadOnlyAdmin):
    list_display = ["title", "village", "employer", "employment_type", "state", "valid_through"]
    list_filter = ["state", "employment_type"]
    search_fields = ["title", "employer"]


@admin.register(JobApplication)
class JobApplicationAdmin(ReadOnlyAdmin):
    list_display = ["id", "job", "applicant", "created_at"]

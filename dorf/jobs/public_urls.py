"""The public pages of job offers (outside the API: search engines read them)."""

from django.urls import path

from dorf.jobs import api

app_name = "jobs-public"

urlpatterns = [
    path("<slug:slug>/<int:job_id>/", api.job_page, name="job-page"),
]

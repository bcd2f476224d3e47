from django.urls import path

from dorf.jobs import api

app_name = "jobs"

_base = "villages/<slug:slug>/jobs/"

urlpatterns = [
    path(f"{_base}", api.JobListView.as_view(), name="job-list"),
    path(f"{_base}publishers/", api.PublisherListView.as_view(), name="publisher-list"),
    path(
        f"{_base}publishers/<int:publisher_id>/members/",
        api.PublisherMemberView.as_view(),
        name="publisher-members",
    ),
    path(f"{_base}<int:job_id>/", api.JobDetailView.as_view(), name="job-detail"),
    path(f"{_base}<int:job_id>/jsonld/", api.JobJsonLdView.as_view(), name="job-jsonld"),
    path(
        f"{_base}<int:job_id>/applications/",
        api.JobApplicationsView.as_view(),
        name="job-applications",
    ),
]

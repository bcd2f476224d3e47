"""Routes of /open311/v2/: every method with its format suffix (.xml or .json)."""

from django.urls import re_path

from dorf.reports.open311 import views

app_name = "open311"

F = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.service_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[-\w]{1,40})" + F, views.service_definition, name="service"
    ),
    re_path(r"^requests" + F, views.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>\d{1,18})" + F, views.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token>[0-9a-fA-F]{1,32})" + F, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + F, views.service_request_updates, name="updates"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]

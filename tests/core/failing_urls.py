"""The project's URLs plus one view that fails, for the error-reporting test."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom in a view")


urlpatterns = [path("test-failure/", fail), path("", include("config.urls"))]

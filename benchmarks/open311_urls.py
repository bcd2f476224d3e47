"""The product's URLs plus the bare baseline of benchmarks/open311_reports.py.

``bare_insert`` does what ``POST /open311/v2/requests`` must do at the least — parse the
form, find the village's category, insert one report — and nothing else (no API key,
no validation of attributes or place, no rate limit, no history, no notification).
It exists only for the benchmark; the product's urls know nothing of it.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as product_urlpatterns
from dorf.reports.models import Report, ServiceCategory


@csrf_exempt
def bare_insert(request: HttpRequest) -> HttpResponse:
    form = request.POST
    category = ServiceCategory.objects.select_related("village").get(
        village__slug=form["jurisdiction_id"], code=form["service_code"]
    )
    with transaction.atomic():
        report = Report.objects.create(
            village=category.village,
            category=category,
            description=form["description"],
            latitude=float(form["lat"]),
            longitude=float(form["long"]),
            reporter_email=form["email"],
        )
    return JsonResponse([{"service_request_id": report.pk}], safe=False, status=201)


urlpatterns = [*product_urlpatterns, path("bench/bare-insert/", bare_insert)]

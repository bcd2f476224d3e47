"""The product's URLs plus the bare baseline of benchmarks/open311_reports.py.

``bare_insert`` does what ``POST /open311/v2/requests`` must do at the least — parse the
form, find the village's category, insert one report — and nothing else (no API key,
no validation of attributes or place, no rate limit, no history, no notification).
``bare_list`` is the same for ``GET /open311/v2/requests.json``: the village by its slug,
the same query for the newest 100 public reports (the first approved photo as a
subquery), and the rows as JSON as they come (no Open311 field names, no time zone, no
media URL). It is the floor a Django view on this machine can reach in the same run, so
a noisy run still says how far the product path is from it.

Both exist only for the benchmark; the product's urls know nothing of them.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as product_urlpatterns
from dorf.reports.models import Report, ServiceCategory
from dorf.reports.open311.queries import request_rows
from dorf.villages.models import Village


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


def bare_list(request: HttpRequest) -> HttpResponse:
    village = Village.objects.get(slug=request.GET["jurisdiction_id"])
    end = timezone.now()
    rows = request_rows(village_id=village.pk, start=end - timedelta(days=90), end=end, limit=100)
    return JsonResponse(rows, safe=False)


urlpatterns = [
    *product_urlpatterns,
    path("bench/bare-insert/", bare_insert),
    path("bench/bare-list/", bare_list),
]

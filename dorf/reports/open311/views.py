"""Open311 GeoReport v2 at /open311/v2/ (``jurisdiction_id`` = the village's slug).

Plain Django views: the specification fixes every element name, the date format and the
error document, so the documents are written here exactly as it shows them (formats.py),
in XML and JSON. Reading is public (public reports only, never who reported); filing
needs an API key issued by the village's staff. Errors: ``<errors><error><code/>
<description/></error></errors>`` with 400 (bad input), 403 (API key), 404 (unknown),
429 (rate limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from dorf.core.exceptions import DomainError, ValidationFailed
from dorf.reports import services
from dorf.reports.models import MAX_PHOTOS, fms_status, open311_status
from dorf.reports.open311 import queries
from dorf.reports.open311.formats import Doc, Obj, errors_document, render, w3c
from dorf.villages.models import Village

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-30T00:00:00Z"  # when this endpoint's behaviour last changed
MAX_SPAN = timedelta(days=90)
# GET requests answers a page of the newest matching reports; ``page`` and ``page_size``
# (as Chicago's and SeeClickFix's servers offer) reach the rest. A full thousand costs
# ~40 ms of CPU to answer, a hundred ~7 ms, so the default page is smaller
# (docs/benchmarks.md).
DEFAULT_PAGE_SIZE = 100
MAX_RESULTS = 1000
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description
        super().__init__(description)


View = Callable[..., HttpResponse]


def open311(view: View) -> View:
    """Answer every failure in the specification's error document, in the asked format."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            _refuse_null_characters(request)
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return render(errors_document([(exc.status, exc.description)]), fmt, exc.status)
        except DomainError as exc:
            return render(errors_document(_domain_errors(exc)), fmt, exc.status_code)

    return wrapper


def _refuse_null_characters(request: HttpRequest) -> None:
    # PostgreSQL cannot store or even compare a text with NUL: refuse it before any query.
    for params in (request.GET, request.POST):
        for key, values in params.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                raise Open311Error(
                    400, _("%(name)s contains a null character.") % {"name": key[:40]}
                )


def _domain_errors(exc: DomainError) -> list[tuple[int | str, str]]:
    if not exc.fields:
        return [(exc.status_code, str(exc.message))]
    return [
        (exc.status_code, f"{_open311_field(field)}: {message}")
        for field, messages in exc.fields.items()
        for message in (messages if isinstance(messages, list) else [messages])
    ]


def _open311_field(field: str) -> str:
    return {"photos": "media", "image": "media", "address": "address_string"}.get(field, field)


def _village(params: QueryDict) -> Village:
    slug = (params.get("jurisdiction_id") or "").strip()
    if not slug:
        raise Open311Error(400, _("jurisdiction_id was not provided."))
    # get(), not first(): the slug is unique and first()'s ORDER BY costs CPU on every call.
    try:
        return Village.objects.get(slug=slug)
    except Village.DoesNotExist:
        raise Open311Error(404, _("jurisdiction_id was not found.")) from None


def _parse_date(params: QueryDict, name: str) -> datetime | None:
    raw = params.get(name) or ""
    if not raw:
        return None
    parsed = services.parse_w3c_datetime(raw)
    if parsed is None:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date-time such as 2010-01-01T00:00:00Z.") % {"name": name},
        )
    return parsed


def _date_range(params: QueryDict, default: timedelta) -> tuple[datetime, datetime]:
    start, end = _parse_date(params, "start_date"), _parse_date(params, "end_date")
    if start is None and end is None:
        end = timezone.now()
        start = end - default
    elif start is None:
        assert end is not None
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, _("end_date lies before start_date."))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date and end_date may not span more than 90 days."))
    return start, end


def _positive_int(params: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise Open311Error(
            400, _("%(name)s must be a number from 1 to %(max)d.") % {"name": name, "max": maximum}
        )
    return int(raw)


def _csv(params: QueryDict, name: str) -> list[str]:
    return [part.strip() for raw in params.getlist(name) for part in raw.split(",") if part.strip()]


# --- discovery, services --------------------------------------------------------------------------


@require_http_methods(["GET"])
@open311
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    endpoint = Obj(
        "endpoint",
        [
            ("specification", SPECIFICATION),
            ("url", request.build_absolute_uri("/open311/v2")),
            ("changeset", CHANGESET),
            ("type", "production"),
            ("formats", Doc("formats", ["text/xml", "application/json"], item_tag="format")),
        ],
    )
    document = Obj(
        "discovery",
        [
            ("changeset", CHANGESET),
            ("contact", settings.DORF_OPEN311_CONTACT),
            (
                "key_service",
                _("API keys are issued by the staff of each village (jurisdiction_id)."),
            ),
            ("endpoints", Doc("endpoints", [endpoint])),
        ],
    )
    return render(document, fmt)


@require_http_methods(["GET"])
@open311
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    village = _village(request.GET)
    items = [
        Obj(
            "service",
            [
                ("service_code", category.code),
                ("service_name", category.name),
                ("description", category.description or None),
                ("metadata", any(a.variable for a in category.attributes.all())),
                ("type", "realtime"),
                ("keywords", category.keywords or None),
                ("group", category.group or None),
            ],
        )
        for category in queries.categories(village_id=village.pk)
    ]
    return render(Doc("services", items), fmt)


@require_http_methods(["GET"])
@open311
def service_definition(request: HttpRequest, service_code: str, *, fmt: str) -> HttpResponse:
    village = _village(request.GET)
    category = queries.categories(village_id=village.pk).filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, _("service_code was not found."))
    attributes = [
        Obj(
            "attribute",
            [
                ("variable", a.variable),
                ("code", a.code),
                ("datatype", a.datatype),
                ("required", a.required),
                ("datatype_description", a.datatype_description or None),
                ("order", a.order),
                ("description", a.description),
                (
                    "values",
                    Doc(
                        "values",
                        [Obj("value", [("key", v["key"]), ("name", v["name"])]) for v in a.values],
                    ),
                ),
            ],
        )
        for a in category.attributes.all()
    ]
    document = Obj(
        "service_definition",
        [("service_code", category.code), ("attributes", Doc("attributes", attributes))],
    )
    return render(document, fmt)


# --- requests ----------------------------------------------------------------------------------------


def _request_obj(row: dict[str, Any], tz: str, media_base: str) -> Obj:
    media = row["media"]
    return Obj(
        "request",
        [
            ("service_request_id", row["id"]),
            ("status", open311_status(row["status"])),
            ("status_notes", row["status_notes"] or None),
            ("service_name", row["category__name"]),
            ("service_code", row["category__code"]),
            ("description", row["description"]),
            ("agency_responsible", row["category__responsible_team"] or None),
            ("service_notice", row["category__service_notice"] or None),
            ("requested_datetime", w3c(row["created_at"], tz)),
            ("updated_datetime", w3c(row["updated_at"], tz)),
            ("expected_datetime", None),
            ("address", row["address"] or None),
            ("address_id", None),
            ("zipcode", None),
            ("lat", row["latitude"]),
            ("long", row["longitude"]),
            ("media_url", media_base + media if media else None),
        ],
    )


def _media_base(request: HttpRequest) -> str:
    return request.build_absolute_uri(
        settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else "/" + settings.MEDIA_URL
    )


def _requests_doc(request: HttpRequest, village: Village, rows: list[dict[str, Any]]) -> Doc:
    base = _media_base(request)
    return Doc("service_requests", [_request_obj(row, village.timezone, base) for row in rows])


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    params = request.GET
    village = _village(params)
    ids = _csv(params, "service_request_id")
    if ids:  # "This overrides all other arguments."
        if not all(i.isdigit() and len(i) < 19 for i in ids):
            raise Open311Error(400, _("service_request_id must be a list of numbers."))
        rows = queries.request_rows(village_id=village.pk, ids=[int(i) for i in ids])
        return render(_requests_doc(request, village, rows), fmt)
    statuses = _csv(params, "status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status must be open or closed."))
    start, end = _date_range(params, MAX_SPAN)
    page = _positive_int(params, "page", 1, 10_000)
    page_size = _positive_int(params, "page_size", DEFAULT_PAGE_SIZE, MAX_RESULTS)
    rows = queries.request_rows(
        village_id=village.pk,
        codes=_csv(params, "service_code"),
        start=start,
        end=end,
        open311_statuses=statuses,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return render(_requests_doc(request, village, rows), fmt)


@require_http_methods(["GET"])
@open311
def request_detail(request: HttpRequest, service_request_id: str, *, fmt: str) -> HttpResponse:
    village = _village(request.GET)
    rows = (
        queries.request_rows(village_id=village.pk, ids=[int(service_request_id)])
        if len(service_request_id) < 19
        else []
    )
    if not rows:
        raise Open311Error(404, _("service_request_id was not found."))
    return render(_requests_doc(request, village, rows), fmt)


@require_http_methods(["GET"])
@open311
def token_detail(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    village = _village(request.GET)
    report_id = queries.report_id_for_token(village_id=village.pk, token=token)
    if report_id is None:
        raise Open311Error(404, _("token was not found."))
    item = Obj("request", [("service_request_id", report_id), ("token", token)])
    return render(Doc("service_requests", [item]), fmt)


def _attributes(params: QueryDict) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key, values in params.lists():
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code, is_list = match.group(1), match.group(2) is not None
        answers[code] = list(values) if is_list else values[-1]
    return answers


def _float(params: QueryDict, name: str) -> float | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name})
    return value


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Open311Error(
            400,
            _("Send the request as application/x-www-form-urlencoded (or multipart/form-data)."),
        )
    params = request.POST
    village = _village(params)
    key = queries.api_key_for(params.get("api_key") or "")
    if key is None or key.village_id != village.pk:
        raise Open311Error(403, _("Invalid api_key received -- can't proceed with create_request."))
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    email = (params.get("email") or "").strip()
    if not email or len(email) > 254 or "@" not in email:
        raise Open311Error(400, _("email: an e-mail address is required."))
    latitude, longitude = _float(params, "lat"), _float(params, "long")
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    if latitude is None and longitude is None and not address and address_id:
        entry = queries.address_entry(village_id=village.pk, address_id=address_id)
        if entry is None:
            raise Open311Error(404, _("address_id was not found."))
        latitude, longitude, address = entry.latitude, entry.longitude, str(entry)
    uploads = request.FILES.getlist("media")
    if len(uploads) > MAX_PHOTOS:
        raise Open311Error(400, _("At most %(n)d photos per report.") % {"n": MAX_PHOTOS})
    name = " ".join(
        part
        for part in (
            (params.get("first_name") or "").strip(),
            (params.get("last_name") or "").strip(),
        )
        if part
    )
    media_url = (params.get("media_url") or "").strip()
    try:
        report = services.report_create(
            village=village,
            api_key=key,
            category_code=code,
            description=params.get("description") or "",
            latitude=latitude,
            longitude=longitude,
            address=address,
            reporter_email=email,
            reporter_name=name,
            answers=_attributes(params),
            uploads=[(upload, upload.size or 0) for upload in uploads],
            external_media_url=media_url
            if media_url.startswith(("https://", "http://")) and len(media_url) <= 500
            else "",
        )
    except ValidationFailed as exc:
        if exc.code == "unknown_service":  # the specification asks for 404 here
            raise Open311Error(404, _("service_code was not found.")) from None
        raise
    item = Obj(
        "request",
        [
            ("service_request_id", report.pk),
            ("service_notice", report.category.service_notice or None),
            ("account_id", None),
        ],
    )
    return render(Doc("service_requests", [item]), fmt, status=201)


# --- FixMyStreet's extension ---------------------------------------------------------------------


@require_http_methods(["GET"])
@open311
def service_request_updates(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """Public status changes of public reports in a date range (default: the last day)."""
    village = _village(request.GET)
    start, end = _date_range(request.GET, timedelta(days=1))
    items = [
        Obj(
            "request_update",
            [
                ("update_id", row["id"]),
                ("service_request_id", row["report_id"]),
                ("status", fms_status(row["new_status"]).upper()),
                ("updated_datetime", w3c(row["created_at"], village.timezone)),
                ("description", row["note"]),
                ("media_url", None),
            ],
        )
        for row in queries.update_rows(
            village_id=village.pk, start=start, end=end, limit=MAX_RESULTS
        )
    ]
    return render(Doc("service_requests_updates", items), fmt)


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "json" if path.endswith(".json") else "xml"
    return render(errors_document([(404, _("This Open311 method does not exist."))]), fmt, 404)

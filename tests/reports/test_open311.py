"""Conformance with Open311 GeoReport v2, written from the specification.

Every method in XML (parsed with an XML parser and checked element by element, in the
order the specification lists them) and JSON; the error document; W3C dates; the
village as jurisdiction_id; and bad input.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from defusedxml import ElementTree as SafeET
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dorf.reports import services
from dorf.reports.models import Report, ReportPhoto, ReportUpdate
from tests.factories import MembershipFactory
from tests.reports.conftest import jpeg
from tests.reports.factories import AttributeFactory, ReportFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
REQUEST_ELEMENTS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return SafeET.fromstring(response.content)


def tags(element) -> list[str]:
    return [child.tag for child in element]


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def key(village, staff) -> str:
    _key, raw = services.api_key_issue(actor=staff, name="Stadt-App")
    return raw


@pytest.fixture
def lamp_choice(lamp):
    AttributeFactory(
        category=lamp,
        code="art",
        datatype="multivaluelist",
        required=False,
        order=2,
        description="Was ist los?",
        values=[{"key": "aus", "name": "brennt nicht"}, {"key": "tags", "name": "brennt tags"}],
    )
    return lamp


def _post(client, key, fmt="xml", **fields):
    data = {
        "api_key": key,
        "jurisdiction_id": "musterdorf",
        "service_code": "laterne",
        "lat": "50.7905",
        "long": "7.8725",
        "email": "hans@example.org",
        "first_name": "Hans",
        "last_name": "Meier",
        "description": "Laterne brennt nicht.",
        "attribute[mast]": "0417",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}requests.{fmt}", data)


# --- discovery and services --------------------------------------------------------------------


def test_discovery_in_xml_and_json(client) -> None:
    root = xml(client.get(f"{BASE}discovery.xml"))
    assert root.tag == "discovery"
    assert tags(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert tags(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://testserver/open311/v2"
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert W3C.match(root.findtext("changeset"))
    data = client.get(f"{BASE}discovery.json").json()
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["type"] == "production"


def test_services_list_in_xml_and_json(client, village, lamp, pothole) -> None:
    lamp.group, lamp.keywords = "Straße", "Laterne, Licht"
    lamp.save()
    root = xml(client.get(f"{BASE}services.xml", {"jurisdiction_id": "musterdorf"}))
    assert root.tag == "services"
    services_ = root.findall("service")
    assert [s.findtext("service_code") for s in services_] == ["schlagloch", "laterne"]
    lamp_xml = services_[1]
    assert tags(lamp_xml) == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert lamp_xml.findtext("service_name") == "Straßenbeleuchtung"
    assert lamp_xml.findtext("metadata") == "true"
    assert services_[0].findtext("metadata") == "false"
    assert lamp_xml.findtext("type") == "realtime"
    assert lamp_xml.findtext("group") == "Straße"
    data = client.get(f"{BASE}services.json", {"jurisdiction_id": "musterdorf"}).json()
    assert data[1] == {
        "service_code": "laterne",
        "service_name": "Straßenbeleuchtung",
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": "Laterne, Licht",
        "group": "Straße",
    }


def test_service_definition_in_xml_and_json(client, lamp_choice) -> None:
    url = f"{BASE}services/laterne"
    root = xml(client.get(url + ".xml", {"jurisdiction_id": "musterdorf"}))
    assert root.tag == "service_definition"
    assert tags(root) == ["service_code", "attributes"]
    first, second = root.findall("attributes/attribute")
    assert tags(first) == [
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    ]
    assert (first.findtext("code"), first.findtext("datatype"), first.findtext("required")) == (
        "mast",
        "string",
        "true",
    )
    assert [(v.findtext("key"), v.findtext("name")) for v in second.findall("values/value")] == [
        ("aus", "brennt nicht"),
        ("tags", "brennt tags"),
    ]
    data = client.get(url + ".json", {"jurisdiction_id": "musterdorf"}).json()
    assert data["service_code"] == "laterne"
    assert data["attributes"][1] == {
        "variable": True,
        "code": "art",
        "datatype": "multivaluelist",
        "required": False,
        "datatype_description": None,
        "order": 2,
        "description": "Was ist los?",
        "values": [{"key": "aus", "name": "brennt nicht"}, {"key": "tags", "name": "brennt tags"}],
    }


# --- POST requests ----------------------------------------------------------------------------


def test_post_request_in_xml_creates_a_report_for_an_anonymous_reporter(
    client, key, lamp_choice, staff, django_capture_on_commit_callbacks
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, key, **{"attribute[art][]": ["aus", "tags"]})
    # then
    assert response.status_code == 201, response.content
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert tags(request) == ["service_request_id", "service_notice", "account_id"]
    assert request.find("account_id").text is None
    report = Report.objects.get(pk=int(request.findtext("service_request_id")))
    assert (report.reporter_id, report.reporter_email) == (None, "hans@example.org")
    assert report.reporter_name == "Hans Meier"
    assert report.attributes == {"mast": "0417", "art": ["aus", "tags"]}
    assert report.api_key is not None
    # and: the reporter got a receipt; staff are notified
    assert [m.to for m in mail.outbox] == [["hans@example.org"]]
    assert staff.user.notifications.filter(link_id=report.pk).exists()


def test_post_request_in_json(client, key, lamp) -> None:
    response = _post(client, key, fmt="json")
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (item,) = response.json()
    assert set(item) == {"service_request_id", "service_notice", "account_id"}
    assert item["account_id"] is None
    assert Report.objects.filter(pk=item["service_request_id"]).exists()


def test_post_request_as_a_url_encoded_form_as_georeport_clients_send_it(client, key, lamp) -> None:
    # The dorf API takes JSON only; Open311 keeps the form bodies its standard posts.
    from urllib.parse import urlencode

    body = urlencode(
        {
            "api_key": key,
            "jurisdiction_id": "musterdorf",
            "service_code": "laterne",
            "lat": "50.7905",
            "long": "7.8725",
            "email": "hans@example.org",
            "description": "Laterne flackert.",
            "attribute[mast]": "0417",
        }
    )
    response = client.post(
        f"{BASE}requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().description == "Laterne flackert."


def test_post_with_a_photo_and_address_id(client, key, village, pothole) -> None:
    from dorf.villages.models import AddressEntry

    entry = AddressEntry.objects.create(
        village=village, street="Lindenweg", house_number="7", latitude=50.791, longitude=7.873
    )
    response = client.post(
        f"{BASE}requests.json",
        {
            "api_key": key,
            "jurisdiction_id": "musterdorf",
            "service_code": "schlagloch",
            "address_id": str(entry.pk),
            "email": "a@example.org",
            "description": "Loch",
            "media": SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg"),
        },
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert (report.latitude, report.longitude, report.address) == (50.791, 7.873, "Lindenweg 7")
    assert report.photos.count() == 1


def _error(response, status: int, fmt: str = "xml") -> str:
    assert response.status_code == status, response.content
    if fmt == "json":
        (item,) = response.json()
        assert set(item) == {"code", "description"}
        assert item["code"] == status
        return str(item["description"])
    root = xml(response)
    assert root.tag == "errors"
    (error,) = root.findall("error")
    assert tags(error) == ["code", "description"]
    assert error.findtext("code") == str(status)
    return str(error.findtext("description"))


@pytest.mark.parametrize(
    ("fields", "status", "needle"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "falsch"}, 403, "api_key"),
        ({"jurisdiction_id": None}, 400, "jurisdiction_id"),
        ({"jurisdiction_id": "gibtsnicht"}, 404, "jurisdiction_id"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "gibtsnicht"}, 404, "service_code"),
        ({"lat": "51.5"}, 400, "außerhalb"),
        ({"lat": "abc"}, 400, "lat"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"attribute[mast]": None}, 400, "attribute[mast]"),
        ({"attribute[farbe]": "rot"}, 400, "attribute[farbe]"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"email": None}, 400, "email"),
    ],
)
def test_bad_posts_answer_in_the_error_format_and_write_nothing(
    client, key, lamp, fields, status, needle
) -> None:
    description = _error(_post(client, key, **fields), status)
    assert needle in description
    assert not Report.objects.exists()


def test_a_key_of_another_village_is_refused(client, lamp, other_village) -> None:
    staff = MembershipFactory(village=other_village, role="staff")
    _key, raw = services.api_key_issue(actor=staff, name="Fremd")
    description = _error(_post(client, raw, fmt="json"), 403, "json")
    assert "api_key" in description
    assert not Report.objects.exists()


def test_a_revoked_key_is_refused(client, key, staff, lamp) -> None:
    from dorf.reports.models import ApiKey

    services.api_key_revoke(actor=staff, key_id=ApiKey.objects.get().pk)
    _error(_post(client, key), 403)


def test_more_than_five_photos_and_polyglots_are_refused(client, key, pothole) -> None:
    base = {
        "api_key": key,
        "jurisdiction_id": "musterdorf",
        "service_code": "schlagloch",
        "lat": "50.79",
        "long": "7.872",
        "email": "a@example.org",
        "description": "Loch",
    }
    six = [SimpleUploadedFile(f"{i}.jpg", jpeg(), "image/jpeg") for i in range(6)]
    _error(client.post(f"{BASE}requests.xml", {**base, "media": six}), 400)
    polyglot = SimpleUploadedFile("x.jpg", b"GIF89a<?php echo 1; ?>" * 10, "image/jpeg")
    assert "media" in _error(client.post(f"{BASE}requests.xml", {**base, "media": polyglot}), 400)
    assert not Report.objects.exists()
    assert not ReportPhoto.objects.exists()


def test_null_characters_are_refused_before_any_query(client, key, lamp) -> None:
    assert "description" in _error(_post(client, key, description="Loch\x00"), 400)
    assert "jurisdiction_id" in _error(
        client.get(f"{BASE}requests.json", {"jurisdiction_id": "muster\x00dorf"}), 400, "json"
    )
    assert not Report.objects.exists()


def test_xml_or_json_bodies_are_refused(client, key, lamp) -> None:
    body = b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>"
    response = client.post(f"{BASE}requests.xml", body, content_type="text/xml")
    assert "x-www-form-urlencoded" in _error(response, 400)


def test_the_rate_limit_per_reporter_answers_429(client, key, lamp, settings) -> None:
    settings.DORF_REPORTS_PER_REPORTER_PER_HOUR = 2
    email = f"{timezone.now().timestamp()}@example.org"
    codes = [_post(client, key, email=email).status_code for _ in range(3)]
    assert codes[:2] == [201, 201]
    _error(_post(client, key, email=email), 429)
    assert Report.objects.count() == 2


def test_the_rate_limit_per_key_answers_429(client, key, lamp, settings) -> None:
    settings.DORF_OPEN311_REQUESTS_PER_KEY_PER_HOUR = 1
    assert _post(client, key, email="a@example.org").status_code == 201
    _error(_post(client, key, email="b@example.org", fmt="json"), 429, "json")


# --- GET requests --------------------------------------------------------------------------------


@pytest.fixture
def reports(village, lamp, pothole):
    berlin = ZoneInfo("Europe/Berlin")
    fixed = ReportFactory(
        village=village,
        category=lamp,
        status="fixed",
        status_notes="Neue Birne.",
        address="Lindenweg 7",
        fixed_at=timezone.now(),
        closed_at=timezone.now(),
    )
    ReportPhoto.objects.create(
        report=fixed, image="reports/a.jpg", width=1, height=1, approved_at=timezone.now()
    )
    ReportPhoto.objects.create(report=fixed, image="reports/hidden.jpg", width=1, height=1)
    open_ = ReportFactory(village=village, category=pothole, reporter_email="geheim@example.org")
    private = ReportFactory(village=village, category=pothole, public=False)
    old = ReportFactory(village=village, category=pothole)
    Report.objects.filter(pk=old.pk).update(
        created_at=datetime(2026, 3, 29, 1, 30, tzinfo=berlin)  # the spring clock change
    )
    return {"fixed": fixed, "open": open_, "private": private, "old": old}


def test_get_requests_in_xml_lists_public_reports_element_by_element(
    client, reports, django_assert_num_queries
) -> None:
    # when: village, rows (with the first approved photo as a subquery)
    with django_assert_num_queries(2):
        response = client.get(f"{BASE}requests.xml", {"jurisdiction_id": "musterdorf"})
    # then
    root = xml(response)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert [int(r.findtext("service_request_id")) for r in requests] == [
        reports["open"].pk,
        reports["fixed"].pk,
    ]
    fixed = requests[1]
    assert tags(fixed) == REQUEST_ELEMENTS
    assert fixed.findtext("status") == "closed"
    assert fixed.findtext("status_notes") == "Neue Birne."
    assert fixed.findtext("service_code") == "laterne"
    assert fixed.findtext("agency_responsible") == "Bauhof"
    assert fixed.findtext("address") == "Lindenweg 7"
    assert float(fixed.findtext("lat")) == reports["fixed"].latitude
    assert fixed.findtext("media_url") == "http://testserver/media/reports/a.jpg"
    for name in ("requested_datetime", "updated_datetime"):
        assert W3C.match(fixed.findtext(name)), fixed.findtext(name)
    assert fixed.findtext("requested_datetime").endswith("+01:00")  # Berlin in winter
    assert requests[0].findtext("status") == "open"
    assert requests[0].find("media_url").text is None
    assert b"geheim@example.org" not in response.content


def test_get_requests_costs_two_queries_however_many_reports_and_photos_a_page_holds(
    client, village, lamp, pothole, django_assert_num_queries
) -> None:
    # given: 30 public reports in two categories, each with two approved photos
    for index in range(30):
        report = ReportFactory(village=village, category=lamp if index % 2 else pothole)
        for name in ("first", "second"):
            ReportPhoto.objects.create(
                report=report,
                image=f"reports/{report.pk}-{name}.jpg",
                width=1,
                height=1,
                approved_at=timezone.now(),
            )
    params = {"jurisdiction_id": "musterdorf", "page_size": "1000"}
    for fmt in ("json", "xml"):
        # when: the village, then every row with its first approved photo in one statement
        with django_assert_num_queries(2):
            response = client.get(f"{BASE}requests.{fmt}", params)
        # then
        assert response.status_code == 200
    data = client.get(f"{BASE}requests.json", params).json()
    assert len(data) == 30
    assert all(
        r["media_url"] == f"http://testserver/media/reports/{r['service_request_id']}-first.jpg"
        for r in data
    )


def test_get_requests_in_json_with_filters(client, reports) -> None:
    url = f"{BASE}requests.json"
    j = {"jurisdiction_id": "musterdorf"}
    data = client.get(url, j).json()
    assert [r["service_request_id"] for r in data] == [reports["open"].pk, reports["fixed"].pk]
    assert list(data[1]) == REQUEST_ELEMENTS
    assert data[0]["expected_datetime"] is None
    assert data[0]["status_notes"] is None
    assert [r["status"] for r in client.get(url, j | {"status": "closed"}).json()] == ["closed"]
    assert client.get(url, j | {"status": "open,closed"}).json() == data
    first = client.get(url, j | {"page_size": "1"}).json()
    second = client.get(url, j | {"page_size": "1", "page": "2"}).json()
    assert [r["service_request_id"] for r in first + second] == [
        r["service_request_id"] for r in data
    ]
    assert [r["service_code"] for r in client.get(url, j | {"service_code": "laterne"}).json()] == [
        "laterne"
    ]
    # the spring clock change, in W3C with an offset
    old = client.get(
        url,
        j | {"start_date": "2026-03-29T01:00:00+01:00", "end_date": "2026-03-29T04:00:00+02:00"},
    ).json()
    assert [(r["service_request_id"], r["requested_datetime"]) for r in old] == [
        (reports["old"].pk, "2026-03-29T01:30:00+01:00")
    ]
    # service_request_id overrides every other argument; private reports never appear
    ids = f"{reports['old'].pk},{reports['private'].pk},{reports['fixed'].pk}"
    listed = client.get(url, j | {"service_request_id": ids, "status": "open"}).json()
    assert sorted(r["service_request_id"] for r in listed) == sorted(
        [reports["old"].pk, reports["fixed"].pk]
    )


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"start_date": "gestern"}, "start_date"),
        ({"end_date": "2026-13-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00"}, "start_date"),  # no time zone
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"status": "offen"}, "status"),
        ({"service_request_id": "1,abc"}, "service_request_id"),
        ({"page_size": "1001"}, "page_size"),
        ({"page": "0"}, "page"),
    ],
)
def test_get_requests_with_bad_filters(client, reports, params, needle) -> None:
    response = client.get(f"{BASE}requests.xml", {"jurisdiction_id": "musterdorf"} | params)
    assert needle in _error(response, 400)


def test_get_one_request_and_its_token(client, reports) -> None:
    fixed = reports["fixed"]
    root = xml(client.get(f"{BASE}requests/{fixed.pk}.xml", {"jurisdiction_id": "musterdorf"}))
    (request,) = root.findall("request")
    assert tags(request) == REQUEST_ELEMENTS
    data = client.get(f"{BASE}requests/{fixed.pk}.json", {"jurisdiction_id": "musterdorf"}).json()
    assert [r["service_request_id"] for r in data] == [fixed.pk]
    token = client.get(f"{BASE}tokens/{fixed.token}.xml", {"jurisdiction_id": "musterdorf"})
    (item,) = xml(token).findall("request")
    assert tags(item) == ["service_request_id", "token"]
    assert (item.findtext("service_request_id"), item.findtext("token")) == (
        str(fixed.pk),
        fixed.token,
    )
    as_json = client.get(f"{BASE}tokens/{fixed.token}.json", {"jurisdiction_id": "musterdorf"})
    assert as_json.json() == [{"service_request_id": fixed.pk, "token": fixed.token}]


def test_other_villages_private_and_unknown_requests_are_404(
    client, reports, other_village
) -> None:
    foreign = ReportFactory(village=other_village)
    j = {"jurisdiction_id": "musterdorf"}
    _error(client.get(f"{BASE}requests/{foreign.pk}.xml", j), 404)
    _error(client.get(f"{BASE}requests/{reports['private'].pk}.json", j), 404, "json")
    _error(client.get(f"{BASE}tokens/{foreign.token}.xml", j), 404)
    _error(client.get(f"{BASE}services/{foreign.category.code}.xml", j), 404)
    _error(client.get(f"{BASE}requests/99999999.xml", j), 404)
    _error(client.get(f"{BASE}frobnicate.xml"), 404)
    listed = client.get(f"{BASE}requests.json", j | {"service_request_id": str(foreign.pk)})
    assert listed.json() == []


def test_errors_follow_the_requested_language(client) -> None:
    response = client.get(f"{BASE}services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert _error(response, 400, "json") == "jurisdiction_id was not provided."
    response = client.get(f"{BASE}services.json")
    assert _error(response, 400, "json") == "jurisdiction_id wurde nicht angegeben."


def test_text_that_xml_cannot_carry_is_removed_not_written(client, village, pothole) -> None:
    ReportFactory(village=village, category=pothole, description="Loch\x0b\x1b <b>&amp; ]]>")
    root = xml(client.get(f"{BASE}requests.xml", {"jurisdiction_id": "musterdorf"}))
    assert root.findtext("request/description") == "Loch <b>&amp; ]]>"


# --- FixMyStreet's servicerequestupdates ---------------------------------------------------------


def test_service_request_updates_in_xml_and_json(client, village, staff, pothole) -> None:
    report = ReportFactory(village=village, category=pothole)
    services.report_status_change(
        actor=staff, report_id=report.pk, status="confirmed", note="Geprüft"
    )
    services.report_status_change(actor=staff, report_id=report.pk, status="fixed", note="Erledigt")
    ReportUpdate.objects.create(report=report, kind="reply", note="privat", public=False)
    j = {"jurisdiction_id": "musterdorf"}
    root = xml(client.get(f"{BASE}servicerequestupdates.xml", j))
    assert root.tag == "service_requests_updates"
    updates = root.findall("request_update")
    assert tags(updates[0]) == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]
    assert [(u.findtext("status"), u.findtext("description")) for u in updates] == [
        ("INVESTIGATING", "Geprüft"),
        ("FIXED", "Erledigt"),
    ]
    data = client.get(f"{BASE}servicerequestupdates.json", j).json()
    assert [d["service_request_id"] for d in data] == [report.pk, report.pk]
    assert W3C.match(data[0]["updated_datetime"])
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert client.get(f"{BASE}servicerequestupdates.json", j | {"start_date": later}).json() == []

"""An independent Open311 client from PyPI (``georeport``) reads our server over HTTP.

georeport only reads (services, a service definition, requests, one request); no Open311
client on PyPI that posts runs on Python 3 (``three`` and ``open311`` are Python 2), so the
post is made as the specification describes it: a form-encoded POST with ``requests``.
"""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from dorf.reports import services
from dorf.reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_georeport_reads_what_a_form_post_filed(live_server, village, staff, lamp, fmt) -> None:
    # given
    _key, raw = services.api_key_issue(actor=staff, name="Client")
    root = f"{live_server.url}/open311/v2"
    # when: posted as the specification writes it
    response = requests.post(
        f"{root}/requests.{fmt}",
        data={
            "api_key": raw,
            "jurisdiction_id": village.slug,
            "service_code": "laterne",
            "lat": "50.7905",
            "long": "7.8725",
            "email": "client@example.org",
            "description": "Laterne aus",
            "attribute[mast]": "0815",
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    report = Report.objects.get()
    client = GeoReport(root, jurisdiction=village.slug, output_format=fmt)
    # then
    listed = client.get_service_list()
    if fmt == "xml":  # xmltodict: one child is a dict, several a list
        listed = [listed] if isinstance(listed, dict) else listed
    assert [s["service_code"] for s in listed] == ["laterne"]
    definition = client.get_service_definition("laterne")
    assert definition["service_code"] == "laterne"
    one = client.get_service_request(str(report.pk))
    assert str(one["service_request_id"]) == str(report.pk)
    assert one["status"] == "open"
    assert one["description"] == "Laterne aus"
    several = client.get_service_requests(status="open", service_code="laterne")
    if fmt == "xml":
        several = [several] if isinstance(several, dict) else several
    assert [str(r["service_request_id"]) for r in several] == [str(report.pk)]

"""Operations: the request log line, error reporting to Sentry, the metrics endpoint."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from dorf.core.observability import sentry_init
from tests.factories import MembershipFactory, UserFactory

ROOT = Path(settings.BASE_DIR)


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter with the test settings and ``env``."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", **env}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_with_the_json_setting_each_request_is_one_json_line_with_its_context() -> None:
    # given the settings' logging with DORF_LOG_FORMAT=json, and a client's request id
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='localhost').get(\n"
        "    '/api/v1/villages/musterdorf/', HTTP_X_REQUEST_ID='trace-1234567')\n"
        "print(r.status_code, r['X-Request-ID'])\n"
    )
    # when one request is made
    result = _python(code, DORF_LOG_FORMAT="json", DORF_LOG_LEVEL="INFO")
    # then stdout shows the answer and stderr holds exactly one JSON line for the request
    assert result.stdout.split() == ["401", "trace-1234567"]
    lines = [json.loads(line) for line in result.stderr.splitlines() if '"dorf.request"' in line]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line["logger"] == "dorf.request"
    assert line["request_id"] == "trace-1234567"
    assert line["user_id"] is None
    assert line["village"] == "musterdorf"
    assert line["status"] == 401
    assert line["route"] == "/api/v1/villages/<slug:slug>/"
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert {"time", "level", "message"} <= set(line)


def test_text_is_the_default_and_an_unknown_format_is_refused() -> None:
    code = "import django; django.setup(); from django.conf import settings as s; print(s.DORF_LOG_FORMAT)"
    assert _python(code).stdout.strip() == "text"
    with pytest.raises(subprocess.CalledProcessError) as refused:
        _python(code, DORF_LOG_FORMAT="xml")
    assert "DORF_LOG_FORMAT" in refused.value.stderr


@pytest.mark.django_db
def test_the_request_line_names_the_signed_in_user_and_the_village(
    village, client_for, caplog: pytest.LogCaptureFixture
) -> None:
    member = MembershipFactory(village=village)
    with caplog.at_level(logging.INFO, logger="dorf.request"):
        response = client_for(member.user).get(
            reverse("villages:village-detail", kwargs={"slug": village.slug})
        )
    (record,) = [r for r in caplog.records if r.name == "dorf.request"]
    assert response.status_code == 200
    fields: dict[str, Any] = record.__dict__
    assert fields["user_id"] == member.user_id
    assert fields["village"] == village.slug
    assert fields["status"] == 200
    assert fields["method"] == "GET"
    # a request without an acceptable id of its own gets a new one, answered in the header
    assert fields["request_id"] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32


def test_a_dsn_turns_error_reporting_on_without_personal_data() -> None:
    code = (
        "import django; django.setup(); import sentry_sdk\n"
        "c = sentry_sdk.get_client()\n"
        "print(c.is_active(), (c.options.get('data_collection') or {}).get('user_info'), c.options['environment'])\n"
    )
    on = _python(code, SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging")
    assert on.stdout.split() == ["True", "False", "staging"]
    assert _python(code, SENTRY_DSN="").stdout.split()[0] == "False"


@pytest.mark.django_db
@pytest.mark.urls("tests.core.failing_urls")
def test_an_unhandled_error_in_a_view_is_reported_to_sentry() -> None:
    events: list[dict[str, Any]] = []

    class Capture(Transport):
        def capture_envelope(self, envelope: Envelope) -> None:
            event = envelope.get_event()
            if event is not None:
                events.append(dict(event))

    sentry_init(
        dsn="http://public@127.0.0.1:9/1", environment="test", traces_sample_rate=0.0,
        transport=Capture,
    )  # fmt: skip
    try:
        client = Client(raise_request_exception=False)
        response = client.get("/test-failure/", HTTP_COOKIE="sessionid=secret-cookie")
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: reporting off again for the other tests
    assert response.status_code == 500
    (event,) = events
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "boom in a view")
    assert "secret-cookie" not in json.dumps(event)


@pytest.mark.django_db
def test_the_metrics_endpoint_refuses_anonymous_and_residents(client: Client, village) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guessed").status_code == 404
    resident = MembershipFactory(village=village).user
    client.force_login(resident)
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_the_scraper_with_its_token_and_an_operator_read_the_metrics(client: Client) -> None:
    client.get("/healthz")
    with override_settings(DORF_METRICS_TOKEN="scrape-secret-0123456789"):
        scraped = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
        wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-012345678")
    assert scraped.status_code == 200
    assert wrong.status_code == 404
    body = scraped.content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert scraped["Content-Type"].startswith("text/plain")
    operator = UserFactory(is_staff=True)
    client.force_login(operator)
    assert client.get("/metrics").status_code == 200

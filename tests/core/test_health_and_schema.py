from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_channel_layer_and_broker() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert set(checks) == {"database", "redis", "channel_layer", "broker"}
    assert all(check["ok"] for check in checks.values())


def test_healthz_answers_503_when_a_component_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from dorf.core import health

    def broken() -> str:
        raise ConnectionError("redis down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["broker"]["ms"],
    }


def test_the_openapi_schema_is_valid_and_has_no_warnings(tmp_path) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/auth/login/" in text
    assert "/api/v1/villages/{slug}/members/" in text


def test_swagger_ui_is_served_without_a_cdn() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn.jsdelivr.net" not in response.content


def test_seed_demo_is_deterministic_and_idempotent(django_capture_on_commit_callbacks) -> None:
    from django.core import mail

    from dorf.notifications.models import Delivery, Notification
    from dorf.users.models import User
    from dorf.villages.models import Household, Membership

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--residents", "30", stdout=StringIO())
    # the demo's history is in the feeds, but nobody is pushed or mailed about it
    assert Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mail.outbox == []
    counts = (User.objects.count(), Household.objects.count(), Membership.objects.count())
    emails = sorted(User.objects.values_list("email", flat=True))
    out = StringIO()
    call_command("seed_demo", "--residents", "30", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert (User.objects.count(), Household.objects.count(), Membership.objects.count()) == counts
    assert sorted(User.objects.values_list("email", flat=True)) == emails
    assert counts[0] >= 30


@pytest.mark.postgres
@pytest.mark.redis
def test_ci_runs_on_the_real_postgresql_and_redis() -> None:
    response = Client().get("/healthz")
    checks = response.json()["checks"]
    assert checks["database"]["backend"] == "postgresql"
    assert checks["channel_layer"]["backend"] == "ResyncingPubSubChannelLayer"


@pytest.mark.postgres
def test_the_database_refuses_a_self_block() -> None:
    from django.db import IntegrityError, transaction

    from dorf.users.models import Block
    from tests.factories import UserFactory

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=user, blocked=user)

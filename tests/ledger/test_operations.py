"""Operations around the ledger: periodic tasks, the demo seeder, the read-only admin."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dorf.core.registry import beat_schedule
from dorf.ledger import demo, services, tasks
from dorf.ledger.audit import audit_village
from dorf.ledger.models import Account, PaymentRequest, PaymentRequestStatus, Transfer
from dorf.users.models import User
from dorf.villages.demo import seed_village
from tests.ledger.factories import fund, member_with_account

pytestmark = pytest.mark.django_db


def test_the_audit_runs_nightly_at_a_quarter_past_three() -> None:
    entry = beat_schedule()["ledger-audit-nightly"]
    assert entry["task"] == tasks.ledger_audit.name
    assert entry["schedule"] == crontab(hour=3, minute=15)
    assert settings.CELERY_TIMEZONE == "Europe/Berlin"


def test_audit_task_counts_violations(village) -> None:
    _membership, account = member_with_account(village)
    fund(account, 30)
    assert tasks.ledger_audit.delay().get() == 0
    Account.objects.filter(pk=account.pk).update(balance_minutes=31)
    assert tasks.ledger_audit.delay().get() == 2  # the sum and the replay


def test_expiry_task_closes_old_open_requests(village) -> None:
    payee, _a = member_with_account(village)
    payer, _b = member_with_account(village)
    request = services.payment_request_create(
        payee=payee, payer_membership_id=payer.pk, minutes=5, memo="x", idempotency_key="k"
    )
    assert tasks.expire_payment_requests.delay().get() == 0
    PaymentRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert tasks.expire_payment_requests.delay().get() == 1
    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.EXPIRED


def test_demo_seeds_accounts_welcome_credits_and_a_history_that_audits_clean() -> None:
    ctx = seed_village(residents=24, rng=random.Random(7), out=io.StringIO())
    demo.seed(ctx)
    village = ctx.village
    assert Account.objects.filter(village=village, kind="member").count() == 24
    assert Transfer.objects.filter(village=village, kind="welcome").count() == 24
    history = Transfer.objects.filter(village=village).exclude(kind="welcome")
    assert history.count() > 60
    oldest = history.order_by("created_at").first()
    assert oldest is not None
    assert oldest.created_at < timezone.now() - dt.timedelta(days=30)
    assert audit_village(village).ok


def test_ledger_admin_is_read_only(client, village) -> None:
    _membership, account = member_with_account(village)
    transfer = fund(account, 30)
    admin = User.objects.create_superuser("op@example.org", "pw", first_name="O", last_name="P")
    client.force_login(admin)
    assert client.get(reverse("admin:ledger_transfer_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:ledger_transfer_change", args=[transfer.pk])).status_code == 200
    )
    assert client.get(reverse("admin:ledger_transfer_add")).status_code == 403
    response = client.post(
        reverse("admin:ledger_transfer_delete", args=[transfer.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert Transfer.objects.filter(pk=transfer.pk).exists()

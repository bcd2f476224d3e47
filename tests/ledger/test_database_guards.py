"""Defence in depth: PostgreSQL itself refuses to corrupt the books, even by raw SQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from dorf.ledger.models import MEMO_ERASED, Account, Entry, Transfer
from tests.ledger.factories import fund, member_with_account

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def booked(village) -> tuple[Transfer, Account]:
    _membership, account = member_with_account(village)
    return fund(account, 60), account


def _refused(sql: str, params: list[Any]) -> None:
    def run() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            # The balance check is deferred to commit; make it fire now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(IntegrityError, match="ledger:"):
        run()


def test_database_refuses_an_unbalanced_transfer(village, booked) -> None:
    _transfer, account = booked
    _refused(
        "WITH t AS (INSERT INTO ledger_transfer (village_id, kind, memo, idempotency_key,"
        " request_hash, link_type, created_at) VALUES (%s, 'help', 'x', 'raw-1', '', '', now())"
        " RETURNING id) INSERT INTO ledger_entry (transfer_id, account_id, minutes,"
        " balance_after_minutes) SELECT t.id, %s, 10, 70 FROM t",
        [village.pk, account.pk],
    )
    assert not Transfer.objects.filter(idempotency_key="raw-1").exists()


def test_database_refuses_a_transfer_without_entries(village) -> None:
    _refused(
        "INSERT INTO ledger_transfer (village_id, kind, memo, idempotency_key, request_hash,"
        " link_type, created_at) VALUES (%s, 'help', 'x', 'raw-2', '', '', now())",
        [village.pk],
    )


def test_database_refuses_updating_an_entry(booked) -> None:
    transfer, _account = booked
    _refused("UPDATE ledger_entry SET minutes = minutes * 2 WHERE transfer_id = %s", [transfer.pk])
    assert sorted(Entry.objects.filter(transfer=transfer).values_list("minutes", flat=True)) == [
        -60,
        60,
    ]


def test_database_refuses_deleting_entries_and_transfers(booked) -> None:
    transfer, _account = booked
    _refused("DELETE FROM ledger_entry WHERE transfer_id = %s", [transfer.pk])
    _refused("DELETE FROM ledger_transfer WHERE id = %s", [transfer.pk])
    assert Entry.objects.filter(transfer=transfer).count() == 2


def test_database_refuses_updating_a_transfer_except_redacting_its_memo(booked) -> None:
    transfer, _account = booked
    _refused("UPDATE ledger_transfer SET kind = 'payment' WHERE id = %s", [transfer.pk])
    _refused("UPDATE ledger_transfer SET memo = 'anders' WHERE id = %s", [transfer.pk])
    _refused(
        "UPDATE ledger_transfer SET memo = %s, link_id = 5 WHERE id = %s",
        [MEMO_ERASED, transfer.pk],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_transfer SET memo = %s WHERE id = %s", [MEMO_ERASED, transfer.pk]
        )
    transfer.refresh_from_db()
    assert transfer.memo == MEMO_ERASED


def test_database_refuses_deleting_an_account_or_moving_it(booked, other_village) -> None:
    _transfer, account = booked
    _refused("DELETE FROM ledger_account WHERE id = %s", [account.pk])
    _refused(
        "UPDATE ledger_account SET village_id = %s WHERE id = %s", [other_village.pk, account.pk]
    )
    assert Account.objects.filter(pk=account.pk, village_id=account.village_id).exists()

from __future__ import annotations

from typing import Any

from dorf.ledger import services
from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.ledger.factories import fund, member_with_account, new_key


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _transfer(village: Village) -> dict[str, Any]:
    _membership, account = member_with_account(village)
    transfer = fund(account, 60)
    return {"slug": village.slug, "transfer_id": transfer.pk}


def _payment_request(village: Village) -> dict[str, Any]:
    payee, _a = member_with_account(village)
    payer, _b = member_with_account(village)
    request = services.payment_request_create(
        payee=payee,
        payer_membership_id=payer.pk,
        minutes=30,
        memo="Einkauf",
        idempotency_key=new_key(),
    )
    return {"slug": village.slug, "request_id": request.pk}


def _club_account(village: Village) -> dict[str, Any]:
    account = services.club_account_create(village=village, name="Sportverein")
    return {"slug": village.slug, "account_id": account.pk}


register(Case("ledger:balance", _slug))
register(Case("ledger:statement", _slug))
register(Case("ledger:statement-csv", _slug))
register(Case("ledger:payment-create", _slug, methods=("post",), body={"minutes": 1}))
register(Case("ledger:payment-request-list", _slug, methods=("get", "post")))
register(Case("ledger:payment-request-confirm", _payment_request, methods=("post",)))
register(Case("ledger:payment-request-decline", _payment_request, methods=("post",)))
register(Case("ledger:transfer-list", _slug))
register(Case("ledger:transfer-detail", _transfer))
register(Case("ledger:transfer-reverse", _transfer, methods=("post",), body={"memo": "Irrtum"}))
register(Case("ledger:account-list", _slug))
register(
    Case("ledger:club-grant", _club_account, methods=("post",), body={"minutes": 60, "memo": "x"})
)
register(Case("ledger:figures", _slug))

"""Payment requests: a resident asks another for minutes; the payer confirms or declines."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.ledger.models import (
    Account,
    PaymentRequest,
    PaymentRequestStatus,
    TransferKind,
)
from dorf.ledger.services._common import (
    _require_verified,
    _validate_amount,
    _validate_key,
    _validate_memo,
)
from dorf.ledger.services.accounts import account_for_membership
from dorf.ledger.services.transfers import request_hash, transfer_create
from dorf.villages.models import Membership, MembershipState

PAYMENT_REQUEST_TTL = timedelta(days=7)


def _payee_in_village(payer: Membership, payee_membership_id: object, field: str) -> Membership:
    if type(payee_membership_id) is not int:
        raise ValidationFailed(fields={field: [_("Unknown member.")]})
    # The payer's row comes along so that one query also brings both accounts.
    rows = {
        membership.pk: membership
        for membership in Membership.objects.select_related("user", "ledger_account").filter(
            pk__in=[payer.pk, payee_membership_id], village_id=payer.village_id
        )
    }
    payee = rows.get(payee_membership_id)
    if payee is None:
        raise ValidationFailed(fields={field: [_("Unknown member.")]}, code="unknown_member")
    if payee.pk == payer.pk:
        raise ValidationFailed(_("You cannot pay yourself."), code="same_account")
    if payee.state != MembershipState.VERIFIED:
        raise ValidationFailed(
            _("Only verified members of the village can send or receive minutes."),
            code="not_verified",
        )
    if payer.pk in rows:
        payer.ledger_account = _account_of(rows[payer.pk])
    return payee


def _account_of(membership: Membership) -> Account:
    """The account fetched along with the membership, or a newly opened one."""
    try:
        return membership.ledger_account
    except Account.DoesNotExist:
        return account_for_membership(membership)


@transaction.atomic
def payment_request_create(
    *,
    payee: Membership,
    payer_membership_id: int,
    minutes: int,
    memo: str,
    idempotency_key: str,
) -> PaymentRequest:
    """The payee asks the payer for minutes; nothing moves until the payer confirms."""
    _require_verified(payee)
    key = f"request:{payee.user_id}:{_validate_key(idempotency_key)}"
    payer = _payee_in_village(payee, payer_membership_id, "payer_membership_id")
    amount = _validate_amount(minutes, payee.village)
    memo = _validate_memo(memo)
    expected_hash = request_hash({"payer": payer.pk, "minutes": amount, "memo": memo})
    existing = PaymentRequest.objects.filter(
        village_id=payee.village_id, idempotency_key=key
    ).first()
    if existing is not None:
        if existing.request_hash != expected_hash:
            raise Conflict(
                _("This Idempotency-Key was already used for a different request."),
                code="idempotency_key_reused",
            )
        return existing
    try:
        with transaction.atomic():
            payment_request = PaymentRequest.objects.create(
                village_id=payee.village_id,
                payee=payee,
                payer=payer,
                minutes=amount,
                memo=memo,
                idempotency_key=key,
                request_hash=expected_hash,
                expires_at=timezone.now() + PAYMENT_REQUEST_TTL,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            code="idempotency_key_reused",
        ) from exc
    from dorf.notifications.models import Category
    from dorf.notifications.services import notify

    notify(
        user=payer.user,
        category=Category.LEDGER,
        title=_("%(name)s asks you for %(minutes)d minutes")
        % {"name": payee.user.display_name, "minutes": amount},
        body=memo,
        village=payee.village,
        link_type="payment_request",
        link_id=payment_request.pk,
        actor=payee.user,
    )
    return payment_request


def _lock_request(*, actor: Membership, request_id: int) -> PaymentRequest:
    payment_request = (
        PaymentRequest.objects.select_for_update(of=("self",))
        .select_related("payer__user", "payee__user")
        .filter(pk=request_id, village_id=actor.village_id)
        .first()
    )
    if payment_request is None or actor.pk not in (
        payment_request.payer_id,
        payment_request.payee_id,
    ):
        raise NotFound()
    return payment_request


@transaction.atomic
def payment_request_confirm(*, actor: Membership, request_id: int) -> PaymentRequest:
    """The payer confirms: the minutes move. Confirming twice returns the same result."""
    _require_verified(actor)
    payment_request = _lock_request(actor=actor, request_id=request_id)
    if payment_request.payer_id != actor.pk:
        raise Forbidden(_("Only the payer can confirm a payment request."))
    if payment_request.status == PaymentRequestStatus.CONFIRMED:
        return payment_request
    if payment_request.status != PaymentRequestStatus.PENDING:
        raise Conflict(_("This payment request is no longer open."), code="request_closed")
    if payment_request.expires_at <= timezone.now():
        raise Conflict(_("This payment request has expired."), code="request_expired")
    transfer = transfer_create(
        village=actor.village,
        kind=TransferKind.PAYMENT,
        legs=[
            (account_for_membership(payment_request.payer), -payment_request.minutes),
            (account_for_membership(payment_request.payee), payment_request.minutes),
        ],
        memo=payment_request.memo,
        idempotency_key=f"payreq:{payment_request.pk}",
        created_by=actor.user,
    )
    payment_request.status = PaymentRequestStatus.CONFIRMED
    payment_request.transfer = transfer
    payment_request.decided_at = timezone.now()
    payment_request.save(update_fields=["status", "transfer", "decided_at"])
    return payment_request


@transaction.atomic
def payment_request_decline(*, actor: Membership, request_id: int) -> PaymentRequest:
    """The payer declines, or the payee withdraws, an open request."""
    payment_request = _lock_request(actor=actor, request_id=request_id)
    if payment_request.status == PaymentRequestStatus.DECLINED:
        return payment_request
    if payment_request.status != PaymentRequestStatus.PENDING:
        raise Conflict(_("This payment request is no longer open."), code="request_closed")
    payment_request.status = PaymentRequestStatus.DECLINED
    payment_request.decided_at = timezone.now()
    payment_request.save(update_fields=["status", "decided_at"])
    return payment_request


def payment_requests_expire() -> int:
    """Mark open requests past their expiry as expired (periodic task); returns how many."""
    now = timezone.now()
    return PaymentRequest.objects.filter(
        status=PaymentRequestStatus.PENDING, expires_at__lte=now
    ).update(status=PaymentRequestStatus.EXPIRED, decided_at=now)

"""The ledger's rules, through the service layer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.ledger import services
from dorf.ledger.audit import audit_village
from dorf.ledger.models import (
    MEMO_ERASED,
    Account,
    AccountKind,
    Entry,
    PaymentRequest,
    PaymentRequestStatus,
    Transfer,
    TransferKind,
)
from dorf.ledger.privacy import erase_personal_data, export_personal_data
from dorf.villages.models import Membership, MembershipState, Role, Village
from dorf.villages.services import membership_ban, membership_verify
from tests.factories import MembershipFactory
from tests.ledger.factories import fund, member_with_account, new_key, pay

pytestmark = pytest.mark.django_db


def balance(account_or_membership: Account | Membership) -> int:
    if isinstance(account_or_membership, Membership):
        return services.account_for_membership(account_or_membership).balance_minutes
    account_or_membership.refresh_from_db()
    return account_or_membership.balance_minutes


@pytest.fixture
def alice(village: Village) -> Membership:
    membership, account = member_with_account(village)
    fund(account, 300)
    return membership


@pytest.fixture
def bob(village: Village) -> Membership:
    return member_with_account(village)[0]


def test_payment_moves_minutes_with_two_entries_that_sum_to_zero(alice, bob) -> None:
    # when
    transfer = pay(alice, bob, 90)
    # then
    entries = list(transfer.entries.order_by("minutes"))
    assert [e.minutes for e in entries] == [-90, 90]
    assert [e.balance_after_minutes for e in entries] == [210, 90]
    assert balance(alice) == 210
    assert balance(bob) == 90
    assert transfer.kind == TransferKind.PAYMENT
    assert transfer.created_by == alice.user


def test_balances_of_a_village_always_sum_to_zero(village, alice, bob) -> None:
    pay(alice, bob, 45)
    pay(bob, alice, 15)
    total = sum(Account.objects.filter(village=village).values_list("balance_minutes", flat=True))
    assert total == 0
    assert services.community_account(village).balance_minutes == -300


@pytest.mark.parametrize("minutes", [0, -5, 1.5, True, "60", 10**12])
def test_payment_with_a_bad_amount_is_refused_and_writes_nothing(alice, bob, minutes) -> None:
    entries_before = Entry.objects.count()
    with pytest.raises(ValidationFailed):
        services.payment_create(
            payer=alice,
            payee_membership_id=bob.pk,
            minutes=minutes,
            memo="x",
            idempotency_key=new_key(),
        )
    assert Entry.objects.count() == entries_before
    assert balance(alice) == 300


def test_amount_above_the_village_maximum_is_refused(village, alice, bob) -> None:
    village.max_transfer_minutes = 100
    village.save()
    alice.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        pay(alice, bob, 101)
    assert exc.value.code == "max_transfer_exceeded"
    assert pay(alice, bob, 100).pk


def test_transfer_is_rejected_when_payer_would_exceed_credit_limit(alice, bob) -> None:
    # given: bob has 0 and the limit is -600
    # when / then: exactly to the limit is fine, one minute more is not
    pay(bob, alice, 600)
    assert balance(bob) == -600
    with pytest.raises(ValidationFailed) as exc:
        pay(bob, alice, 1)
    assert exc.value.code == "credit_limit_exceeded"
    assert balance(bob) == -600


def test_transfer_is_rejected_when_payee_would_exceed_maximum_balance(village, alice, bob) -> None:
    village.max_balance_minutes = 100
    village.save()
    alice.refresh_from_db()
    pay(alice, bob, 100)
    with pytest.raises(ValidationFailed) as exc:
        pay(alice, bob, 1)
    assert exc.value.code == "max_balance_exceeded"
    assert balance(bob) == 100


def test_nobody_can_pay_themselves(alice) -> None:
    with pytest.raises(ValidationFailed) as exc:
        pay(alice, alice, 10)
    assert exc.value.code == "same_account"


def test_a_member_of_another_village_cannot_be_paid(alice, outsider) -> None:
    with pytest.raises(ValidationFailed) as exc:
        pay(alice, outsider, 10)
    assert exc.value.code == "unknown_member"


def test_an_unknown_payee_is_refused(alice) -> None:
    with pytest.raises(ValidationFailed):
        services.payment_create(
            payer=alice, payee_membership_id=999_999, minutes=5, memo="x", idempotency_key="k"
        )


def test_a_banned_member_can_neither_receive_nor_send(village, alice, bob, moderator) -> None:
    membership_ban(actor=moderator, membership_id=bob.pk, reason="Spam")
    bob.refresh_from_db()
    with pytest.raises(ValidationFailed) as exc:
        pay(alice, bob, 10)
    assert exc.value.code == "not_verified"
    with pytest.raises(Forbidden):
        pay(bob, alice, 10)


def test_a_banned_member_account_cannot_be_used_in_a_transfer(village, alice, bob, moderator):
    bob_account = services.account_for_membership(bob)
    membership_ban(actor=moderator, membership_id=bob.pk, reason="Spam")
    with pytest.raises(ValidationFailed):
        services.transfer_create(
            village=village,
            kind=TransferKind.HELP,
            legs=[(services.account_for_membership(alice), -10), (bob_account, 10)],
            memo="Hilfe",
            idempotency_key=new_key(),
            created_by=alice.user,
        )


@pytest.mark.parametrize("memo", ["", "   "])
def test_a_memo_is_required(alice, bob, memo) -> None:
    with pytest.raises(ValidationFailed):
        services.payment_create(
            payer=alice, payee_membership_id=bob.pk, minutes=5, memo=memo, idempotency_key="k"
        )


def test_retry_with_the_same_key_returns_the_original_and_never_pays_twice(alice, bob) -> None:
    first = pay(alice, bob, 30, key="retry-1")
    second = pay(alice, bob, 30, key="retry-1")
    assert second.pk == first.pk
    assert balance(bob) == 30
    assert Transfer.objects.filter(kind=TransferKind.PAYMENT).count() == 1


def test_retry_returns_the_original_even_when_the_payer_is_now_at_the_limit(alice, bob) -> None:
    first = pay(bob, alice, 600, key="all-in")
    assert pay(bob, alice, 600, key="all-in").pk == first.pk


def test_same_key_with_a_different_body_is_a_conflict(alice, bob) -> None:
    pay(alice, bob, 30, key="retry-2")
    with pytest.raises(Conflict) as exc:
        pay(alice, bob, 31, key="retry-2")
    assert exc.value.code == "idempotency_key_reused"
    assert balance(bob) == 30


def test_a_key_taken_by_a_transfer_between_other_accounts_is_a_conflict(
    village, alice, bob
) -> None:
    # given: a route paid to alice under the key other apps derive from the route
    community = services.community_account(village)
    alice_account = services.account_for_membership(alice)
    bob_account = services.account_for_membership(bob)
    alice_before, bob_before = balance(alice), balance(bob)
    legs: list[tuple[Account, int]] = [(community, -15), (alice_account, 15)]
    first = services.transfer_create(
        village=village,
        kind=TransferKind.DELIVERY,
        legs=legs,
        memo="Route 9",
        idempotency_key="route:9",
        created_by=None,
    )

    # when: the same key comes with other accounts (their locks do not serialise it)
    with pytest.raises(Conflict) as exc:
        services.transfer_create(
            village=village,
            kind=TransferKind.DELIVERY,
            legs=[(community, -15), (bob_account, 15)],
            memo="Route 9",
            idempotency_key="route:9",
            created_by=None,
        )

    # then: refused, nothing written; the same request again returns the original
    assert exc.value.code == "idempotency_key_reused"
    assert (balance(alice), balance(bob)) == (alice_before + 15, bob_before)
    assert Transfer.objects.filter(idempotency_key="route:9").count() == 1
    again = services.transfer_create(
        village=village,
        kind=TransferKind.DELIVERY,
        legs=legs,
        memo="Route 9",
        idempotency_key="route:9",
        created_by=None,
    )
    assert again.pk == first.pk
    assert balance(alice) == alice_before + 15


def test_keys_of_different_users_do_not_collide(alice, bob) -> None:
    pay(alice, bob, 10, key="same")
    pay(bob, alice, 5, key="same")
    assert balance(bob) == 5


def test_a_missing_key_is_refused(alice, bob) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.payment_create(
            payer=alice, payee_membership_id=bob.pk, minutes=5, memo="x", idempotency_key=""
        )
    assert exc.value.code == "idempotency_key_required"


def _legs(*pairs: tuple[Account, Any]) -> list[tuple[Account, Any]]:
    return list(pairs)


def test_transfer_create_refuses_unbalanced_single_duplicate_and_foreign_legs(
    village, alice, bob, outsider
) -> None:
    a = services.account_for_membership(alice)
    b = services.account_for_membership(bob)
    foreign = services.account_for_membership(outsider)
    cases: list[tuple[list[tuple[Account, Any]], type[Exception]]] = [
        (_legs((a, -10), (b, 9)), ValidationFailed),
        (_legs((a, -10)), ValidationFailed),
        (_legs((a, -10), (a, 10)), ValidationFailed),
        (_legs((a, -10), (foreign, 10)), NotFound),
        (_legs((a, 0), (b, 0)), ValidationFailed),
    ]
    for legs, error in cases:
        with pytest.raises(error):
            services.transfer_create(
                village=village,
                kind=TransferKind.HELP,
                legs=legs,
                memo="Hilfe",
                idempotency_key=new_key(),
                created_by=None,
            )
    assert Transfer.objects.filter(kind=TransferKind.HELP).count() == 0


def test_a_club_pays_several_helpers_in_one_shift_transfer(village, moderator, alice, bob) -> None:
    # given: a club funded by a moderator's grant from the community account
    club = services.club_account_create(village=village, name="Feuerwehr")
    services.club_grant(
        actor=moderator, account_id=club.pk, minutes=500, memo="Budget", idempotency_key="g1"
    )
    # when
    transfer = services.transfer_create(
        village=village,
        kind=TransferKind.SHIFT,
        legs=[
            (club, -300),
            (services.account_for_membership(alice), 120),
            (services.account_for_membership(bob), 180),
        ],
        memo="Dorffest Aufbau",
        idempotency_key="shift:7",
        created_by=moderator.user,
        link_type="shift",
        link_id=7,
    )
    # then
    assert transfer.entries.count() == 3
    assert balance(club) == 200
    assert balance(bob) == 180


def test_a_club_account_cannot_go_below_zero(village, alice) -> None:
    club = services.club_account_create(village=village, name="Chor")
    with pytest.raises(ValidationFailed) as exc:
        services.transfer_create(
            village=village,
            kind=TransferKind.SHIFT,
            legs=[(club, -10), (services.account_for_membership(alice), 10)],
            memo="Probe",
            idempotency_key=new_key(),
            created_by=None,
        )
    assert exc.value.code == "insufficient_funds"


def test_only_moderators_grant_and_only_to_club_accounts(village, moderator, alice, bob) -> None:
    club = services.club_account_create(village=village, name="Chor")
    with pytest.raises(Forbidden):
        services.club_grant(
            actor=alice, account_id=club.pk, minutes=10, memo="x", idempotency_key="k"
        )
    with pytest.raises(NotFound):
        services.club_grant(
            actor=moderator,
            account_id=services.account_for_membership(bob).pk,
            minutes=10,
            memo="x",
            idempotency_key="k",
        )


def test_verification_opens_the_account_and_books_the_welcome_credit(village, moderator) -> None:
    # given
    village.welcome_credit_minutes = 120
    village.save()
    applicant = MembershipFactory(village=village, state=MembershipState.PENDING)
    # when
    membership_verify(actor=moderator, membership_id=applicant.pk)
    # then
    account = Account.objects.get(membership=applicant)
    assert account.balance_minutes == 120
    welcome = Transfer.objects.get(kind=TransferKind.WELCOME)
    assert welcome.idempotency_key == f"welcome:{applicant.pk}"
    assert services.community_account(village).balance_minutes == -120


def test_a_zero_welcome_credit_opens_the_account_without_a_transfer(village, moderator) -> None:
    applicant = MembershipFactory(village=village, state=MembershipState.PENDING)
    membership_verify(actor=moderator, membership_id=applicant.pk)
    assert Account.objects.get(membership=applicant).balance_minutes == 0
    assert not Transfer.objects.exists()


def test_welcome_credit_is_booked_only_once(village) -> None:
    village.welcome_credit_minutes = 60
    village.save()
    member = MembershipFactory(village=village)
    services.welcome_credit_book(membership=member)
    assert services.welcome_credit_book(membership=member) is None
    assert balance(member) == 60


def test_moderator_reversal_is_a_new_transfer_pointing_at_the_original(alice, bob, moderator):
    original = pay(alice, bob, 50)
    reversal = services.transfer_reverse(
        actor=moderator, transfer_id=original.pk, memo="Irrtum", idempotency_key="r1"
    )
    assert reversal.kind == TransferKind.REVERSAL
    assert reversal.reverses == original
    assert sorted(reversal.entries.values_list("minutes", flat=True)) == [-50, 50]
    assert balance(alice) == 300
    assert balance(bob) == 0
    # the original is untouched
    assert sorted(original.entries.values_list("minutes", flat=True)) == [-50, 50]


def test_a_transfer_is_reversed_at_most_once_and_a_reversal_not_at_all(alice, bob, moderator):
    original = pay(alice, bob, 50)
    reversal = services.transfer_reverse(
        actor=moderator, transfer_id=original.pk, memo="Irrtum", idempotency_key="r1"
    )
    retried = services.transfer_reverse(
        actor=moderator, transfer_id=original.pk, memo="Irrtum", idempotency_key="r1"
    )
    assert retried.pk == reversal.pk
    with pytest.raises(Conflict):
        services.transfer_reverse(
            actor=moderator, transfer_id=original.pk, memo="nochmal", idempotency_key="r2"
        )
    with pytest.raises(Conflict):
        services.transfer_reverse(
            actor=moderator, transfer_id=reversal.pk, memo="zurück", idempotency_key="r3"
        )
    assert balance(bob) == 0


def test_residents_cannot_reverse(alice, bob) -> None:
    original = pay(alice, bob, 50)
    with pytest.raises(Forbidden):
        services.transfer_reverse(
            actor=bob, transfer_id=original.pk, memo="Irrtum", idempotency_key="r"
        )


def test_a_reversal_respects_the_credit_limit(alice, bob, moderator) -> None:
    original = pay(alice, bob, 300)
    pay(bob, alice, 300)
    pay(bob, alice, 600)  # bob at -600
    with pytest.raises(ValidationFailed):
        services.transfer_reverse(
            actor=moderator, transfer_id=original.pk, memo="Irrtum", idempotency_key="r"
        )


def _request(payee: Membership, payer: Membership, minutes: int = 40) -> PaymentRequest:
    return services.payment_request_create(
        payee=payee,
        payer_membership_id=payer.pk,
        minutes=minutes,
        memo="Einkauf erledigt",
        idempotency_key=new_key(),
    )


def test_a_confirmed_payment_request_pays_once(alice, bob) -> None:
    request = _request(payee=bob, payer=alice)
    assert balance(bob) == 0
    confirmed = services.payment_request_confirm(actor=alice, request_id=request.pk)
    again = services.payment_request_confirm(actor=alice, request_id=request.pk)
    assert confirmed.status == PaymentRequestStatus.CONFIRMED
    assert again.transfer_id == confirmed.transfer_id
    assert balance(bob) == 40


def test_only_the_payer_confirms_and_a_declined_request_stays_unpaid(alice, bob) -> None:
    request = _request(payee=bob, payer=alice)
    with pytest.raises(Forbidden):
        services.payment_request_confirm(actor=bob, request_id=request.pk)
    services.payment_request_decline(actor=alice, request_id=request.pk)
    with pytest.raises(Conflict):
        services.payment_request_confirm(actor=alice, request_id=request.pk)
    assert balance(bob) == 0


def test_an_expired_payment_request_cannot_be_confirmed(alice, bob) -> None:
    request = _request(payee=bob, payer=alice)
    PaymentRequest.objects.filter(pk=request.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(Conflict) as exc:
        services.payment_request_confirm(actor=alice, request_id=request.pk)
    assert exc.value.code == "request_expired"
    assert services.payment_requests_expire() == 1
    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.EXPIRED
    assert balance(bob) == 0


def test_a_payment_request_over_the_credit_limit_stays_open(alice, bob) -> None:
    request = _request(payee=alice, payer=bob, minutes=601)
    with pytest.raises(ValidationFailed):
        services.payment_request_confirm(actor=bob, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.PENDING


def test_payment_request_keys_are_idempotent(alice, bob) -> None:
    args: dict[str, Any] = {
        "payee": bob,
        "payer_membership_id": alice.pk,
        "minutes": 10,
        "memo": "x",
        "idempotency_key": "req",
    }
    first = services.payment_request_create(**args)
    assert services.payment_request_create(**args).pk == first.pk
    with pytest.raises(Conflict):
        services.payment_request_create(**{**args, "minutes": 11})


def test_balance_changes_are_announced_after_commit(
    alice, bob, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    # given: a channel layer that records what is sent to which group
    sent: list[tuple[str, str, dict[str, Any]]] = []

    class RecordingLayer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            event = dict(message["event"])
            sent.append((group, event.pop("type"), event))

    monkeypatch.setattr("dorf.core.realtime.get_channel_layer", RecordingLayer)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transfer = pay(alice, bob, 20)

    # then: nothing before commit, one callback for the transfer, one event per member
    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(sent) == 2
    by_group = {group: payload for group, kind, payload in sent if kind == "balance.changed"}
    assert by_group[f"user.{alice.user_id}"]["balance_minutes"] == 280
    assert by_group[f"user.{bob.user_id}"]["balance_minutes"] == 20
    assert by_group[f"user.{bob.user_id}"]["transfer_id"] == transfer.pk


def test_audit_passes_on_correct_books_and_fails_on_a_corrupted_balance(
    village, alice, bob
) -> None:
    pay(alice, bob, 20)
    assert audit_village(village).ok
    call_command("ledger_audit")
    # a bug elsewhere writes a balance directly
    Account.objects.filter(membership=bob).update(balance_minutes=999)
    report = audit_village(village)
    assert any("sum to" in v for v in report.violations)
    assert any("cached balance 999" in v for v in report.violations)
    with pytest.raises(CommandError):
        call_command("ledger_audit")


def test_audit_finds_an_account_outside_its_limits(village, alice, bob) -> None:
    pay(bob, alice, 500)
    village.credit_limit_minutes = -100
    village.save()
    report = audit_village(village)
    assert any("below the credit limit" in v for v in report.violations)


def test_erasure_replaces_the_memos_the_user_wrote_and_keeps_the_amounts(alice, bob) -> None:
    mine = pay(alice, bob, 20)
    theirs = pay(bob, alice, 5)
    request = _request(payee=alice, payer=bob, minutes=7)
    services.payment_request_confirm(actor=bob, request_id=request.pk)
    exported = export_personal_data(alice.user)
    assert {t["memo"] for t in exported["transfers"]} >= {"Rasen gemäht", "Einkauf erledigt"}
    erase_personal_data(alice.user)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    request.refresh_from_db()
    assert mine.memo == MEMO_ERASED
    assert theirs.memo == "Rasen gemäht"
    assert request.memo == MEMO_ERASED
    assert Transfer.objects.get(idempotency_key=f"payreq:{request.pk}").memo == MEMO_ERASED
    assert balance(alice) == 300 - 20 + 5 + 7
    assert audit_village(alice.village).ok


def test_account_helpers_return_the_same_account(village, alice) -> None:
    assert services.community_account(village).pk == services.community_account(village).pk
    assert services.account_for_membership(alice).kind == AccountKind.MEMBER
    moderator = MembershipFactory(village=village, role=Role.MODERATOR)
    assert services.account_for_membership(moderator).membership == moderator


# --- transfer_create_many: opening a village's books in bulk ------------------------------


def _welcome(account: Account, community: Account, minutes: int = 60) -> services.TransferSpec:
    return services.TransferSpec(
        kind=TransferKind.WELCOME,
        legs=[(community, -minutes), (account, minutes)],
        memo="Willkommensguthaben",
        idempotency_key=f"welcome:{account.membership_id}",
    )


def test_bulk_transfers_book_in_order_with_running_balances_the_audit_replays(village) -> None:
    # given
    accounts = [member_with_account(village)[1] for _ in range(3)]
    community = services.community_account(village)
    specs = [_welcome(account, community) for account in accounts]
    # when
    ids = services.transfer_create_many(village=village, transfers=specs)
    # then
    assert len(set(ids)) == 3
    assert None not in ids
    assert [balance(account) for account in accounts] == [60, 60, 60]
    assert balance(community) == -180
    running = list(
        Entry.objects.filter(account=community)
        .order_by("id")
        .values_list("balance_after_minutes", flat=True)
    )
    assert running == [-60, -120, -180]
    booked = Transfer.objects.filter(village=village).order_by("id")
    assert list(booked.values_list("id", flat=True)) == ids
    assert audit_village(village).ok


def test_bulk_transfers_retried_pay_nothing_twice_and_answer_the_original_ids(village) -> None:
    # given
    account = member_with_account(village)[1]
    community = services.community_account(village)
    first = services.transfer_create_many(village=village, transfers=[_welcome(account, community)])
    # when: the same batch again, and a key repeated within one batch
    again = services.transfer_create_many(
        village=village, transfers=[_welcome(account, community), _welcome(account, community)]
    )
    # then
    assert again == first * 2
    assert balance(account) == 60
    assert Transfer.objects.filter(village=village).count() == 1
    # and the same key with another body is a conflict
    with pytest.raises(Conflict):
        services.transfer_create_many(
            village=village, transfers=[_welcome(account, community, minutes=30)]
        )
    assert audit_village(village).ok


def test_a_refused_bulk_transfer_writes_nothing_unless_skipped(village, alice, bob) -> None:
    # given: bob would go below the credit limit paying alice 700 minutes twice
    payer = services.account_for_membership(bob)
    payee = services.account_for_membership(alice)
    specs = [
        services.TransferSpec(
            kind=TransferKind.PAYMENT,
            legs=[(payer, -minutes), (payee, minutes)],
            memo="Rasen gemäht",
            idempotency_key=f"bulk:{index}",
            created_by=bob.user,
        )
        for index, minutes in enumerate([500, 200, 50])
    ]
    transfers_before = Transfer.objects.count()
    # when / then: without skipping, nothing is booked
    with pytest.raises(ValidationFailed):
        services.transfer_create_many(village=village, transfers=specs)
    assert Transfer.objects.count() == transfers_before
    # when: skipping refused ones, the second (past the limit of -600) is left out
    ids = services.transfer_create_many(village=village, transfers=specs, skip_refused=True)
    # then
    assert ids[1] is None
    assert None not in (ids[0], ids[2])
    assert balance(bob) == -550
    assert audit_village(village).ok

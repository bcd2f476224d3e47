from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from dorf.ledger.models import Entry, Transfer, TransferKind
from dorf.marketplace import services
from dorf.marketplace.models import AgreementStatus, PostingStatus
from tests.factories import MembershipFactory
from tests.marketplace.factories import AgreementFactory, ConversationFactory, PostingFactory


@pytest.fixture
def agreement(village):
    """A request: the author is helped, the replier helps; agreed, nothing proposed yet."""
    author = MembershipFactory(village=village).user
    helper = MembershipFactory(village=village).user
    posting = PostingFactory(village=village, author=author, kind="request", status="agreed")
    conversation = ConversationFactory(posting=posting, replier=helper)
    return AgreementFactory(conversation=conversation)


def _post(client, name, agreement, body=None):
    return client.post(
        reverse(f"marketplace:{name}", kwargs={"agreement_id": agreement.pk}), body or {}
    )


def _balances(village) -> dict[int, int]:
    rows = Entry.objects.filter(transfer__village=village).values_list(
        "account__membership__user_id", "minutes"
    )
    totals: dict[int, int] = {}
    for user_id, minutes in rows:
        totals[user_id] = totals.get(user_id, 0) + minutes
    return totals


@pytest.mark.django_db
def test_helper_proposes_the_helped_confirms_and_the_minutes_move_to_the_helper(
    village, agreement, client_for
) -> None:
    # given
    helper, helped = client_for(agreement.helper), client_for(agreement.helped)
    # when
    assert _post(helper, "agreement-propose", agreement, {"minutes": 90}).status_code == 200
    response = _post(helped, "agreement-confirm", agreement, {"minutes": 90})
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == AgreementStatus.CONFIRMED
    transfer = Transfer.objects.get()
    assert body["transfer_id"] == transfer.pk
    assert (transfer.kind, transfer.link_type, transfer.link_id) == (
        TransferKind.HELP,
        "posting",
        agreement.posting_id,
    )
    assert _balances(village) == {agreement.helped_id: -90, agreement.helper_id: 90}
    agreement.posting.refresh_from_db()
    assert agreement.posting.status == PostingStatus.DONE


@pytest.mark.django_db
def test_confirming_twice_books_one_transfer(village, agreement, client_for) -> None:
    services.agreement_propose(user=agreement.helped, agreement_id=agreement.pk, minutes=30)
    helper = client_for(agreement.helper)
    first = _post(helper, "agreement-confirm", agreement, {"minutes": 30})
    second = _post(helper, "agreement-confirm", agreement, {"minutes": 30})
    assert first.status_code == second.status_code == 200
    assert first.json()["transfer_id"] == second.json()["transfer_id"]
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_confirming_more_minutes_than_proposed_is_rejected_and_nothing_is_booked(
    agreement, client_for
) -> None:
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=30)
    response = _post(client_for(agreement.helped), "agreement-confirm", agreement, {"minutes": 45})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "minutes_mismatch"
    assert not Transfer.objects.exists()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.PROPOSED


@pytest.mark.django_db
def test_a_confirmed_agreement_cannot_be_paid_again_with_other_minutes(
    agreement, client_for
) -> None:
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=30)
    services.agreement_confirm(user=agreement.helped, agreement_id=agreement.pk, minutes=30)
    client = client_for(agreement.helper)
    assert _post(client, "agreement-propose", agreement, {"minutes": 60}).status_code == 409
    assert (
        _post(
            client_for(agreement.helped), "agreement-confirm", agreement, {"minutes": 60}
        ).status_code
        == 409
    )
    assert Transfer.objects.count() == 1


@pytest.mark.django_db
def test_the_proposer_cannot_confirm_their_own_proposal(agreement, client_for) -> None:
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=30)
    response = _post(client_for(agreement.helper), "agreement-confirm", agreement, {"minutes": 30})
    assert response.status_code == 403
    assert not Transfer.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("dispute", [False, True])
def test_decline_or_dispute_books_nothing(dispute, agreement, client_for) -> None:
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=30)
    response = _post(
        client_for(agreement.helped), "agreement-decline", agreement, {"dispute": dispute}
    )
    assert response.status_code == 200
    expected = AgreementStatus.DISPUTED if dispute else AgreementStatus.ACCEPTED
    assert response.json()["status"] == expected
    assert not Transfer.objects.exists()
    # and a confirm after that finds nothing to confirm
    assert (
        _post(
            client_for(agreement.helped), "agreement-confirm", agreement, {"minutes": 30}
        ).status_code
        == 409
    )


@pytest.mark.django_db
def test_a_proposal_above_the_villages_transfer_maximum_is_rejected(agreement, client_for) -> None:
    response = _post(
        client_for(agreement.helper), "agreement-propose", agreement, {"minutes": 5000}
    )
    assert response.status_code == 400
    agreement.refresh_from_db()
    assert agreement.proposed_minutes is None


@pytest.mark.django_db
def test_a_payment_beyond_the_credit_limit_fails_cleanly_and_can_be_retried(
    village, agreement
) -> None:
    # given: the helped person may only go to -20 minutes
    village.credit_limit_minutes = -20
    village.save()
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=30)
    # when
    from dorf.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.agreement_confirm(user=agreement.helped, agreement_id=agreement.pk, minutes=30)
    # then: the status flip was rolled back with the failed transfer
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.PROPOSED
    assert not Transfer.objects.exists()


@pytest.mark.django_db
def test_people_outside_the_agreement_get_404(village, agreement, client_for) -> None:
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=30)
    stranger = client_for(MembershipFactory(village=village).user)
    assert _post(stranger, "agreement-confirm", agreement, {"minutes": 30}).status_code == 404
    assert not Transfer.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_taps_on_confirm_book_exactly_one_transfer(village, agreement) -> None:
    # given
    services.agreement_propose(user=agreement.helper, agreement_id=agreement.pk, minutes=45)
    barrier = threading.Barrier(8)
    results: list[str] = []

    def tap() -> None:
        try:
            barrier.wait()
            confirmed = services.agreement_confirm(
                user=agreement.helped, agreement_id=agreement.pk, minutes=45
            )
            results.append(f"ok:{confirmed.transfer_id}")
        except Exception as exc:  # recorded for the assertion below
            results.append(type(exc).__name__)
        finally:
            connection.close()

    # when: eight taps at once, each on its own connection
    threads = [threading.Thread(target=tap) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    transfer = Transfer.objects.get()
    assert results == [f"ok:{transfer.pk}"] * 8
    assert _balances(village) == {agreement.helped_id: -45, agreement.helper_id: 45}

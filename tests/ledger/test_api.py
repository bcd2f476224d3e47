"""The ledger's REST API: auth, scoping, status codes, error shape, query counts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db.models import Prefetch
from django.urls import reverse

from dorf.ledger import selectors, services
from dorf.ledger.api import StatementEntrySerializer
from dorf.ledger.models import Account, Entry, Transfer, TransferKind
from dorf.villages.models import Membership, MembershipState
from tests.factories import MembershipFactory
from tests.ledger.factories import fund, member_with_account, pay

pytestmark = pytest.mark.django_db


def url(name: str, village, **kwargs: Any) -> str:
    return reverse(f"ledger:{name}", kwargs={"slug": village.slug, **kwargs})


@pytest.fixture
def alice(village) -> Membership:
    membership, account = member_with_account(village)
    fund(account, 300)
    return membership


@pytest.fixture
def bob(village) -> Membership:
    return member_with_account(village)[0]


def post_payment(client, village, body: dict[str, Any], key: str | None = "k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url("payment-create", village), body, format="json", **headers)


def test_my_balance_shows_minutes_and_the_village_limits(client_for, village, alice) -> None:
    response = client_for(alice.user).get(url("balance", village))
    assert response.status_code == 200
    assert response.json()["balance_minutes"] == 300
    assert response.json()["credit_limit_minutes"] == -600


def test_anonymous_requests_are_refused(api_client, village) -> None:
    assert api_client.get(url("balance", village)).status_code in (401, 403)


def test_payment_is_created_and_a_retry_returns_the_same_transfer(
    client_for, village, alice, bob
) -> None:
    client = client_for(alice.user)
    body = {"payee_membership_id": bob.pk, "minutes": 45, "memo": "Hecke geschnitten"}
    first = post_payment(client, village, body)
    retry = post_payment(client, village, body)
    assert first.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert sorted(e["minutes"] for e in first.json()["entries"]) == [-45, 45]
    assert Transfer.objects.filter(kind=TransferKind.PAYMENT).count() == 1
    assert client.get(url("balance", village)).json()["balance_minutes"] == 255


def test_a_payment_answers_with_both_legs_in_a_fixed_number_of_queries(
    client_for, village, alice, bob, django_assert_num_queries
) -> None:
    # given: a client whose token was just used (its last_used_at is not due a write)
    client = client_for(alice.user)
    body = {"payee_membership_id": bob.pk, "minutes": 10, "memo": "Einkauf"}
    assert post_payment(client, village, body, key="warm-up").status_code == 201

    # when: token, my membership, both parties with their accounts, the lock, three
    # writes; the savepoint pair is the BEGIN/COMMIT outside the test's transaction
    with django_assert_num_queries(9):
        response = post_payment(client, village, {**body, "minutes": 20})

    # then
    assert response.status_code == 201
    legs = {leg["membership_id"]: leg for leg in response.json()["entries"]}
    assert legs[alice.pk]["minutes"] == -20
    assert legs[alice.pk]["name"] == alice.user.display_name
    assert legs[bob.pk]["minutes"] == 20
    assert legs[bob.pk]["name"] == bob.user.display_name
    assert {leg["account_kind"] for leg in legs.values()} == {"member"}
    entries = Entry.objects.filter(transfer_id=response.json()["id"]).order_by("minutes")
    assert [(e.account.membership_id, e.balance_after_minutes) for e in entries] == [
        (alice.pk, 270),
        (bob.pk, 30),
    ]


def test_a_reused_key_with_a_different_body_is_409(client_for, village, alice, bob) -> None:
    client = client_for(alice.user)
    body = {"payee_membership_id": bob.pk, "minutes": 45, "memo": "Hecke"}
    post_payment(client, village, body)
    response = post_payment(client, village, {**body, "minutes": 46})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_a_missing_idempotency_key_is_400(client_for, village, alice, bob) -> None:
    body = {"payee_membership_id": bob.pk, "minutes": 45, "memo": "Hecke"}
    response = post_payment(client_for(alice.user), village, body, key=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "idempotency_key_required"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": -10}, "minutes"),
        ({"minutes": 1.5}, "minutes"),
        ({"minutes": 10.0}, "minutes"),
        ({"minutes": "60"}, "minutes"),
        ({"minutes": True}, "minutes"),
        ({"minutes": 10**15}, "minutes"),
        ({"minutes": 1201}, "minutes"),
        ({"memo": ""}, "memo"),
        ({"payee_membership_id": 999_999}, "payee_membership_id"),
        ({"role": "moderator"}, "role"),
    ],
)
def test_bad_payment_input_is_400_in_the_error_shape_and_writes_nothing(
    client_for, village, alice, bob, changes, field
) -> None:
    entries_before = Entry.objects.count()
    body = {"payee_membership_id": bob.pk, "minutes": 45, "memo": "Hecke", **changes}
    response = post_payment(client_for(alice.user), village, body)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["status"] == 400
    assert field in error["fields"]
    assert Entry.objects.count() == entries_before


def test_paying_a_member_of_another_village_is_400(client_for, village, alice, outsider) -> None:
    body = {"payee_membership_id": outsider.pk, "minutes": 5, "memo": "x"}
    response = post_payment(client_for(alice.user), village, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_member"


def test_a_payer_over_the_credit_limit_gets_400_and_nothing_is_written(
    client_for, village, alice, bob
) -> None:
    pay(bob, alice, 600)
    body = {"payee_membership_id": alice.pk, "minutes": 1, "memo": "x"}
    response = post_payment(client_for(bob.user), village, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "credit_limit_exceeded"
    assert services.account_for_membership(bob).balance_minutes == -600


def test_a_banned_member_cannot_pay_or_be_paid(client_for, village, alice, bob) -> None:
    Membership.objects.filter(pk=bob.pk).update(state=MembershipState.BANNED)
    body = {"payee_membership_id": alice.pk, "minutes": 5, "memo": "x"}
    assert post_payment(client_for(bob.user), village, body).status_code == 404
    body = {"payee_membership_id": bob.pk, "minutes": 5, "memo": "x"}
    response = post_payment(client_for(alice.user), village, body, key="k-2")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_verified"


def test_statement_has_a_running_balance_and_filters_by_kind(
    client_for, village, alice, bob
) -> None:
    pay(alice, bob, 30)
    pay(bob, alice, 10)
    client = client_for(alice.user)
    rows = client.get(url("statement", village)).json()["results"]
    assert [(r["kind"], r["minutes"], r["balance_after_minutes"]) for r in rows] == [
        ("payment", 10, 280),
        ("payment", -30, 270),
        ("delivery", 300, 300),
    ]
    assert rows[0]["counterparties"] == [bob.user.display_name]
    only = client.get(url("statement", village), {"kind": "delivery"}).json()["results"]
    assert [r["kind"] for r in only] == ["delivery"]
    assert client.get(url("statement", village), {"since": "2999-01-01"}).json()["results"] == []
    assert client.get(url("statement", village), {"kind": "nope"}).status_code == 400


def test_statement_is_cursor_paginated(client_for, village, alice, bob) -> None:
    for _ in range(4):
        pay(alice, bob, 5)
    client = client_for(alice.user)
    page = client.get(url("statement", village), {"page_size": 2}).json()
    assert len(page["results"]) == 2
    second = client.get(page["next"]).json()
    assert second["results"][0]["id"] < page["results"][-1]["id"]


def test_statement_query_count_does_not_grow_with_rows(
    client_for, village, alice, bob, django_assert_num_queries
) -> None:
    client = client_for(alice.user)
    pay(alice, bob, 5)
    client.get(url("balance", village))  # warm up: the token's first use is recorded
    # token; my entries with their transfers and all their legs (scoped to my membership)
    with django_assert_num_queries(2) as few:
        client.get(url("statement", village))
    for _ in range(10):
        pay(alice, bob, 5)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url("statement", village))
    assert len(response.json()["results"]) == 12


def test_a_statement_row_is_the_entry_as_its_serializer_shows_it(
    client_for, village, alice, bob
) -> None:
    # given: a payment to bob, one from bob, and the community account's credit
    pay(alice, bob, 30)
    pay(bob, alice, 10)
    # when
    rows = client_for(alice.user).get(url("statement", village)).json()["results"]
    # then: field for field (and in the same order) what StatementEntrySerializer answers
    entries = _statement_by_model(Account.objects.get(membership=alice))
    expected = [StatementEntrySerializer(entry).data for entry in entries]
    assert rows == expected
    assert [list(row) for row in rows] == [list(row) for row in expected]
    assert [row["counterparties"] for row in rows] == [
        [bob.user.display_name],
        [bob.user.display_name],
        [str(services.community_account(village).name)],
    ]


def _statement_by_model(account: Account, **filters: Any) -> list[Entry]:
    """The statement read through model instances (what the export once read): the
    reference the row reads are held equal to."""
    entries = (
        Entry.objects.filter(account=account)
        .select_related("transfer")
        .prefetch_related(
            Prefetch(
                "transfer__entries",
                queryset=Entry.objects.select_related("account__membership__user").order_by("id"),
            )
        )
    )
    if "kind" in filters:
        entries = entries.filter(transfer__kind=filters["kind"])
    if "since" in filters:
        entries = entries.filter(transfer__created_at__date__gte=filters["since"])
    if "until" in filters:
        entries = entries.filter(transfer__created_at__date__lte=filters["until"])
    return list(entries.order_by("-id"))


def _csv_by_model(entries: list[Entry]) -> bytes:
    def cell(value: str) -> str:
        return "'" + value if value[:1] in ("=", "+", "-", "@") else value

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "kind", "minutes", "balance_after_minutes", "counterparties", "memo"])
    for entry in entries:
        others = [
            selectors.account_label(other.account)
            for other in entry.transfer.entries.all()
            if other.account_id != entry.account_id
        ]
        writer.writerow(
            [
                entry.transfer.created_at.isoformat(),
                entry.transfer.kind,
                entry.minutes,
                entry.balance_after_minutes,
                cell("; ".join(others)),
                cell(entry.transfer.memo),
            ]
        )
    return buffer.getvalue().encode()


@pytest.fixture
def busy_statement(village, alice: Membership, bob: Membership) -> Membership:
    """alice's statement with every kind of counterparty: members, a club, the community
    account, a formula-like memo, and entries of others that are not hers."""
    pay(alice, bob, 30)
    pay(bob, alice, 10)
    services.payment_create(
        payer=alice, payee_membership_id=bob.pk, minutes=15, memo="=HYPERLINK()",
        idempotency_key="formula",
    )  # fmt: skip
    club = services.club_account_create(village=village, name="Sportverein")
    services.transfer_create(
        village=village,
        kind=TransferKind.HELP,
        legs=[(Account.objects.get(membership=alice), -20), (club, 20)],
        memo="Trikots gewaschen",
        idempotency_key="club",
        created_by=None,
    )
    carol = member_with_account(village)[0]
    pay(bob, carol, 5)
    return alice


@pytest.mark.parametrize(
    "query",
    [{}, {"kind": "payment"}, {"since": "2000-01-01", "until": "2999-12-31"}, {"kind": "help"}],
)
def test_the_statement_csv_is_the_model_based_export(
    client_for, village, busy_statement, query
) -> None:
    # when
    response = client_for(busy_statement.user).get(url("statement-csv", village), query)
    # then: byte for byte what reading the entries as model instances writes
    assert response.status_code == 200
    account = Account.objects.get(membership=busy_statement)
    assert response.content == _csv_by_model(_statement_by_model(account, **query))
    assert response["Content-Disposition"] == f'attachment; filename="zeitkonto-{village.slug}.csv"'


@pytest.mark.parametrize("query", [{}, {"kind": "payment"}, {"until": "2999-12-31"}])
def test_every_statement_page_is_the_entries_as_their_serializer_shows_them(
    client_for, village, busy_statement, query
) -> None:
    # given: pages of two, walked forward and back again
    client = client_for(busy_statement.user)
    account = Account.objects.get(membership=busy_statement)
    expected = [
        StatementEntrySerializer(entry).data for entry in _statement_by_model(account, **query)
    ]
    pages = [client.get(url("statement", village), {**query, "page_size": 2}).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    back = client.get(pages[-1]["previous"]).json() if pages[-1]["previous"] else pages[0]
    # then
    assert [row for page in pages for row in page["results"]] == expected
    assert back["results"] == pages[-2 if len(pages) > 1 else 0]["results"]


def test_a_statement_shows_only_my_own_entries(client_for, village, busy_statement, bob) -> None:
    # when
    mine = client_for(busy_statement.user).get(url("statement", village)).json()["results"]
    bobs = client_for(bob.user).get(url("statement", village)).json()["results"]
    # then
    assert {row["id"] for row in mine} == set(
        Entry.objects.filter(account__membership=busy_statement).values_list("id", flat=True)
    )
    assert {row["id"] for row in bobs} == set(
        Entry.objects.filter(account__membership=bob).values_list("id", flat=True)
    )


@pytest.mark.parametrize("state", [MembershipState.PENDING, MembershipState.BANNED])
@pytest.mark.parametrize("name", ["statement", "statement-csv"])
def test_a_statement_is_not_found_without_a_verified_membership(
    client_for, village, other_village, busy_statement, state, name
) -> None:
    # given: alice, no longer verified here, and a stranger of another village
    Membership.objects.filter(pk=busy_statement.pk).update(state=state)
    stranger = MembershipFactory(village=other_village)
    # when / then
    for user in (busy_statement.user, stranger.user):
        response = client_for(user).get(url(name, village))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_member_without_an_account_has_an_empty_statement(client_for, village) -> None:
    newcomer = MembershipFactory(village=village)
    client = client_for(newcomer.user)
    page = client.get(url("statement", village)).json()
    export = client.get(url("statement-csv", village))
    assert page == {"next": None, "previous": None, "results": []}
    assert export.content == b"date,kind,minutes,balance_after_minutes,counterparties,memo\r\n"


@pytest.mark.parametrize("name", ["statement", "statement-csv"])
@pytest.mark.parametrize(
    ("query", "answer"),
    [
        (
            {"kind": "nope"},
            {"kind": ['"nope" is not a valid choice.']},
        ),
        (
            {"since": "gestern", "until": "2026-13-01"},
            {
                "since": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
                "until": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            },
        ),
    ],
)
def test_a_bad_statement_filter_is_a_400_naming_the_field(
    client_for, village, alice, name, query, answer
) -> None:
    response = client_for(alice.user).get(url(name, village), query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == answer


def test_statement_as_csv(client_for, village, alice, bob) -> None:
    services.payment_create(
        payer=alice,
        payee_membership_id=bob.pk,
        minutes=15,
        memo="=HYPERLINK()",
        idempotency_key="c",
    )
    response = client_for(alice.user).get(url("statement-csv", village))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["date", "kind", "minutes", "balance_after_minutes"]
    assert rows[1][1:4] == ["payment", "-15", "285"]
    assert rows[1][5] == "'=HYPERLINK()"


def test_payment_request_flow_over_the_api(client_for, village, alice, bob) -> None:
    # given: bob asks alice for 40 minutes
    bob_client, alice_client = client_for(bob.user), client_for(alice.user)
    created = bob_client.post(
        url("payment-request-list", village),
        {"payer_membership_id": alice.pk, "minutes": 40, "memo": "Einkauf"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    listed = alice_client.get(url("payment-request-list", village), {"role": "payer"}).json()
    assert [r["id"] for r in listed["results"]] == [request_id]
    # when: the payee may not confirm, the payer may (twice, as a retry)
    confirm = url("payment-request-confirm", village, request_id=request_id)
    assert bob_client.post(confirm).status_code == 403
    first = alice_client.post(confirm)
    again = alice_client.post(confirm)
    # then
    assert first.status_code == 200
    assert first.json()["status"] == "confirmed"
    assert again.json()["transfer_id"] == first.json()["transfer_id"]
    assert bob_client.get(url("balance", village)).json()["balance_minutes"] == 40
    decline = url("payment-request-decline", village, request_id=request_id)
    assert alice_client.post(decline).status_code == 409


def test_a_stranger_in_the_village_cannot_see_or_decide_a_request(
    client_for, village, alice, bob
) -> None:
    request = services.payment_request_create(
        payee=bob, payer_membership_id=alice.pk, minutes=5, memo="x", idempotency_key="k"
    )
    stranger = MembershipFactory(village=village)
    response = client_for(stranger.user).post(
        url("payment-request-confirm", village, request_id=request.pk)
    )
    assert response.status_code == 404


def test_payment_request_list_query_count_is_constant(
    client_for, village, alice, bob, django_assert_num_queries
) -> None:
    def ask(n: int) -> None:
        services.payment_request_create(
            payee=bob, payer_membership_id=alice.pk, minutes=5, memo="x", idempotency_key=f"q{n}"
        )

    ask(0)
    client = client_for(alice.user)
    client.get(url("balance", village))  # warm up: the token's first use is recorded
    with django_assert_num_queries(3) as few:
        client.get(url("payment-request-list", village))
    for n in range(1, 8):
        ask(n)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(url("payment-request-list", village)).json()["results"]) == 8


def test_moderator_reverses_a_transfer_and_a_resident_may_not(
    client_for, village, alice, bob, moderator
) -> None:
    original = pay(alice, bob, 50)
    reverse_url = url("transfer-reverse", village, transfer_id=original.pk)
    resident = client_for(alice.user).post(
        reverse_url, {"memo": "bitte"}, format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert resident.status_code == 403
    response = client_for(moderator.user).post(
        reverse_url, {"memo": "Irrtum"}, format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert response.status_code == 201
    assert response.json()["reverses_id"] == original.pk
    assert response.json()["kind"] == "reversal"
    assert services.account_for_membership(bob).balance_minutes == 0


def test_transfer_detail_is_visible_to_parties_and_moderators_only(
    client_for, village, alice, bob, moderator
) -> None:
    transfer = pay(alice, bob, 50)
    detail = url("transfer-detail", village, transfer_id=transfer.pk)
    assert client_for(bob.user).get(detail).status_code == 200
    assert client_for(moderator.user).get(detail).status_code == 200
    stranger = MembershipFactory(village=village)
    assert client_for(stranger.user).get(detail).status_code == 404


def test_transfers_linked_to_a_shift(
    client_for, village, alice, moderator, django_assert_num_queries
):
    club = services.club_account_create(village=village, name="Feuerwehr")
    client = client_for(moderator.user)
    granted = client.post(
        url("club-grant", village, account_id=club.pk),
        {"minutes": 600, "memo": "Jahresbudget"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="g",
    )
    assert granted.status_code == 201
    alice_account = services.account_for_membership(alice)
    for n in range(3):
        services.transfer_create(
            village=village,
            kind=TransferKind.SHIFT,
            legs=[(club, -60), (alice_account, 60)],
            memo="Schicht",
            idempotency_key=f"shift:{n}",
            created_by=moderator.user,
            link_type="shift",
            link_id=11 if n < 2 else 12,
        )
    with django_assert_num_queries(4):
        response = client.get(url("transfer-list", village), {"link_type": "shift", "link_id": 11})
    assert [t["link_id"] for t in response.json()["results"]] == [11, 11]
    names = {e["name"] for e in response.json()["results"][0]["entries"]}
    assert names == {"Feuerwehr", alice.user.display_name}
    assert client.get(url("transfer-list", village), {"link_type": "x"}).status_code == 400


def test_grant_by_a_resident_is_403(client_for, village, alice) -> None:
    club = services.club_account_create(village=village, name="Chor")
    response = client_for(alice.user).post(
        url("club-grant", village, account_id=club.pk),
        {"minutes": 60, "memo": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="g",
    )
    assert response.status_code == 403


def test_moderator_figures_and_account_list(
    client_for, village, alice, bob, moderator, django_assert_num_queries
) -> None:
    pay(alice, bob, 90)
    client = client_for(moderator.user)
    figures = client.get(url("figures", village)).json()
    assert figures["balance_total_minutes"] == 0
    assert figures["credits_in_circulation_minutes"] == 300
    assert figures["hours_exchanged_per_month"][-1]["minutes"] == 390
    assert figures["top_helpers"][0]["membership_id"] == alice.pk
    with django_assert_num_queries(3) as few:
        client.get(url("account-list", village))
    member_with_account(village)
    member_with_account(village)
    with django_assert_num_queries(len(few.captured_queries)):
        accounts = client.get(url("account-list", village)).json()["results"]
    assert sum(a["balance_minutes"] for a in accounts) == 0
    assert client_for(alice.user).get(url("figures", village)).status_code == 403
    assert client_for(alice.user).get(url("account-list", village)).status_code == 403

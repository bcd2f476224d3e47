"""Demo ledger for Musterdorf: an account per member, welcome credits and a believable
history of a few hundred transfers over the past months, all booked through the ledger's
bulk service (the same rules, one lock per account) so that the audit finds the books
right."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dorf.ledger import services
from dorf.ledger.models import Account, AccountKind, TransferKind
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import MembershipState

HISTORY_DAYS = 180
HISTORY_TRANSFERS_MAX = 400
PAYMENT_MEMOS = [
    "Rasen gemäht",
    "Einkauf für Oma Else erledigt",
    "Fahrt zum Arzt nach Betzdorf",
    "Hecke geschnitten",
    "Hilfe beim Umzug",
    "Nachhilfe Mathe",
    "Katze gefüttert im Urlaub",
    "Fahrrad repariert",
    "Kuchen fürs Dorffest gebacken",
    "Computer eingerichtet",
    "Schnee geschippt",
    "Blumen gegossen",
]
HELP_MEMOS = [
    "Hilfe über den Marktplatz: Gartenarbeit",
    "Hilfe über den Marktplatz: Einkauf",
    "Hilfe über den Marktplatz: Begleitung zum Amt",
]
DELIVERY_MEMOS = ["Paketrunde Oberdorf", "Paketrunde Siegtal", "Paketrunde Hauptstraße"]


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    memberships = [m for m in ctx.memberships if m.state == MembershipState.VERIFIED]
    community = services.community_account(village)
    # One INSERT for all accounts: the village seeder made the members without signals.
    # The created objects come back with their ids and memberships (users included), so
    # they need not be read again.
    accounts = Account.objects.bulk_create(
        Account(village=village, kind=AccountKind.MEMBER, membership=m) for m in memberships
    )
    now = timezone.now()
    start = now - dt.timedelta(days=HISTORY_DAYS)
    welcome = village.welcome_credit_minutes
    if welcome > 0:
        # In bulk: one lock per account, not one per transfer on the community account.
        services.transfer_create_many(
            village=village,
            transfers=[
                services.TransferSpec(
                    kind=TransferKind.WELCOME,
                    legs=[(community, -welcome), (account, welcome)],
                    memo="Willkommensguthaben",
                    idempotency_key=f"welcome:{account.membership_id}",
                    booked_at=start,
                )
                for account in accounts
            ],
        )
    rng = ctx.rng
    # A small core of active neighbours does most of the helping, as in real time banks.
    active = accounts[: max(2, len(accounts) // 3)]
    moments = sorted(
        start + dt.timedelta(seconds=rng.uniform(3600, HISTORY_DAYS * 86400 - 3600))
        for _ in range(min(HISTORY_TRANSFERS_MAX, 4 * len(accounts)))
    )
    history: list[services.TransferSpec] = []
    for index, moment in enumerate(moments):
        minutes = rng.choice([15, 30, 30, 45, 60, 60, 60, 90, 120, 180])
        roll = rng.random()
        helper = rng.choice(active)
        if roll < 0.12:
            kind, payer, memo = TransferKind.DELIVERY, community, rng.choice(DELIVERY_MEMOS)
        else:
            payer = rng.choice(accounts)
            if payer.pk == helper.pk:
                continue
            if roll < 0.35:
                kind, memo = TransferKind.HELP, rng.choice(HELP_MEMOS)
            else:
                kind, memo = TransferKind.PAYMENT, rng.choice(PAYMENT_MEMOS)
        history.append(
            services.TransferSpec(
                kind=kind,
                legs=[(payer, -minutes), (helper, minutes)],
                memo=memo,
                idempotency_key=f"demo:{index}",
                created_by=payer.membership.user if payer.membership else None,
                booked_at=moment,
            )
        )
    # A payer at the credit limit is skipped, as the app would refuse the payment.
    booked = sum(
        1
        for transfer_id in services.transfer_create_many(
            village=village, transfers=history, skip_refused=True
        )
        if transfer_id is not None
    )
    ctx.out.write(
        f"Ledger: {len(accounts)} accounts, welcome credit {welcome} min, "
        f"{booked} transfers over {HISTORY_DAYS} days."
    )

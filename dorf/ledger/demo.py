"""Demo ledger for Musterdorf: an account per member, welcome credits and a believable
history of a few hundred transfers over the past months, all booked through the service
so that the audit finds the books right."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dorf.core.exceptions import DomainError
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
    Account.objects.bulk_create(
        Account(village=village, kind=AccountKind.MEMBER, membership=m) for m in memberships
    )
    accounts = list(
        Account.objects.filter(village=village, kind=AccountKind.MEMBER)
        .select_related("membership__user", "membership__village")
        .order_by("id")
    )
    now = timezone.now()
    start = now - dt.timedelta(days=HISTORY_DAYS)
    welcome = village.welcome_credit_minutes
    if welcome > 0:
        for account in accounts:
            assert account.membership is not None
            services.transfer_create(
                village=village,
                kind=TransferKind.WELCOME,
                legs=[(community, -welcome), (account, welcome)],
                memo="Willkommensguthaben",
                idempotency_key=f"welcome:{account.membership_id}",
                created_by=None,
                booked_at=start,
            )
    rng = ctx.rng
    # A small core of active neighbours does most of the helping, as in real time banks.
    active = accounts[: max(2, len(accounts) // 3)]
    moments = sorted(
        start + dt.timedelta(seconds=rng.uniform(3600, HISTORY_DAYS * 86400 - 3600))
        for _ in range(min(HISTORY_TRANSFERS_MAX, 4 * len(accounts)))
    )
    booked = 0
    for index, moment in enumerate(moments):
        minutes = rng.choice([15, 30, 30, 45, 60, 60, 60, 90, 120, 180])
        roll = rng.random()
        helper = rng.choice(active)
        try:
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
            creator = payer.membership.user if payer.membership else None
            services.transfer_create(
                village=village,
                kind=kind,
                legs=[(payer, -minutes), (helper, minutes)],
                memo=memo,
                idempotency_key=f"demo:{index}",
                created_by=creator,
                booked_at=moment,
            )
            booked += 1
        except DomainError:
            continue  # the payer is at the credit limit: skipped, as the app would refuse
    ctx.out.write(
        f"Ledger: {len(accounts)} accounts, welcome credit {welcome} min, "
        f"{booked} transfers over {HISTORY_DAYS} days."
    )

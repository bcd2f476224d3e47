from __future__ import annotations

import io
import random

import pytest

from dorf.bookings import demo
from dorf.bookings.models import Booking, BookingSeries, Resource
from dorf.ledger.models import Transfer
from dorf.villages.demo import seed_village


@pytest.mark.django_db
def test_the_demo_seeds_the_hall_two_desks_bookings_and_a_series_with_a_skipped_date() -> None:
    # given
    ctx = seed_village(residents=40, rng=random.Random(3), out=io.StringIO())
    out = io.StringIO()
    ctx.out = out
    # when
    demo.seed(ctx)
    # then
    assert Resource.objects.filter(name="Dorfgemeinschaftshaus").exists()
    assert Resource.objects.filter(kind="desk").count() == 2
    series = BookingSeries.objects.get()
    assert series.bookings.count() == 7
    assert "7 dates, 1 skipped" in out.getvalue()
    party = Booking.objects.get(title="Geburtstagsfeier")
    assert party.status == "approved"
    assert Transfer.objects.filter(pk=party.payment_transfer_id or 0).exists()
    assert Booking.objects.filter(resource__kind="desk").count() == 3

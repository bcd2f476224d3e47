from __future__ import annotations

import io
import random

import pytest

from dorf.appointments import demo
from dorf.appointments.models import Appointment, OpeningRule, Service, WaitlistEntry
from dorf.villages.demo import seed_village


@pytest.mark.django_db
def test_the_demo_seeds_services_with_opening_hours_bookings_and_a_waitlist() -> None:
    # given
    ctx = seed_village(residents=40, rng=random.Random(3), out=io.StringIO())
    # when
    demo.seed(ctx)
    # then
    assert Service.objects.count() == 3
    assert OpeningRule.objects.count() == 6
    assert Appointment.objects.filter(status="confirmed").count() == 5
    assert WaitlistEntry.objects.filter(state="waiting").count() == 1

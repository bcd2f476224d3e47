"""Demo job offers for Musterdorf: the municipality, the bakery and the sports club post
offers (full time, Minijob, Ausbildung, Ehrenamt), with salaries where they give one, and
one resident has applied in the chat. Everything goes through the services."""

from __future__ import annotations

from datetime import timedelta

from dorf.jobs import services
from dorf.jobs.models import EmploymentType, PublisherKind, SalaryUnit
from dorf.villages.demo_context import DemoContext


def seed(ctx: DemoContext) -> None:
    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    residents = [
        m for m in ctx.memberships if m.user not in ctx.staff and m.user not in ctx.moderators
    ]
    baker, coach, applicant = residents[0], residents[1], residents[2]
    village = ctx.village
    today = services.local_today(village)

    municipality = services.publisher_register(
        actor=staff.user,
        village_id=village.pk,
        name=f"Gemeinde {village.name}",
        kind=PublisherKind.MUNICIPALITY,
        website="https://musterdorf.example",
    )
    bakery = services.publisher_register(
        actor=staff.user, village_id=village.pk, name="Bäckerei Klein", kind=PublisherKind.BUSINESS
    )
    club = services.publisher_register(
        actor=staff.user, village_id=village.pk, name="SV Musterdorf 1921", kind=PublisherKind.CLUB
    )
    services.publisher_member_add(actor=staff.user, publisher_id=bakery.pk, user_id=baker.user_id)
    services.publisher_member_add(actor=staff.user, publisher_id=club.pk, user_id=coach.user_id)

    services.job_create(
        actor=staff.user,
        publisher_id=municipality.pk,
        title="Mitarbeiter (m/w/d) im Bauhof",
        description="Du pflegst Grünflächen, Wege und Spielplätze und hilfst im Winterdienst.\n\n"
        "Führerschein Klasse B nötig, C1 wünschenswert.",
        employment_type=EmploymentType.FULL_TIME,
        street_address="Kirchstraße 1",
        postal_code="57518",
        latitude=village.centre_lat - 0.001,
        longitude=village.centre_lon + 0.0015,
        hours_per_week=39,
        salary_min_cents=3_100_00,
        salary_max_cents=3_600_00,
        salary_unit=SalaryUnit.MONTH,
        start_date=today + timedelta(days=30),
        apply_via_chat=False,
        apply_email="bewerbung@musterdorf.example",
    )
    services.job_create(
        actor=staff.user,
        publisher_id=municipality.pk,
        title="Ausbildung Verwaltungsfachangestellte (m/w/d)",
        description="Drei Jahre Ausbildung im Rathaus, Berufsschule in Siegen.",
        employment_type=EmploymentType.APPRENTICESHIP,
        street_address="Kirchstraße 1",
        postal_code="57518",
        start_date=today + timedelta(days=240),
        valid_through=today + timedelta(days=90),
        apply_via_chat=False,
        apply_url="https://musterdorf.example/ausbildung",
    )
    minijob = services.job_create(
        actor=baker.user,
        publisher_id=bakery.pk,
        title="Verkaufsaushilfe am Samstag",
        description="Samstags 6:30 bis 13 Uhr im Verkauf. Freundlich und früh wach.",
        employment_type=EmploymentType.MINIJOB,
        street_address="Hauptstraße 3",
        postal_code="57518",
        latitude=village.centre_lat + 0.0008,
        longitude=village.centre_lon + 0.0004,
        hours_per_week=7,
        salary_min_cents=13_50,
        salary_unit=SalaryUnit.HOUR,
    )
    services.job_create(
        actor=coach.user,
        publisher_id=club.pk,
        title="Trainer/in für die F-Jugend",
        description="Zweimal pro Woche Training mit den Jüngsten, Übungsleiterpauschale.",
        employment_type=EmploymentType.VOLUNTEER,
        locality=village.name,
        hours_per_week=3,
    )
    services.job_apply(
        user=applicant.user,
        job_id=minijob.pk,
        text="Hallo, ich hätte samstags Zeit und würde gern aushelfen.",
    )
    ctx.out.write("  jobs: 4 offers from 3 publishers\n")

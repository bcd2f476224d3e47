"""The backoffice in a real browser: Debian's Chromium driven by Playwright against a live
test server. Screenshots of every page land in var/test-artifacts/backoffice/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from dorf.appointments.models import AppointmentStatus
from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.news.models import PostState
from dorf.notifications.models import Notification
from dorf.participation.models import AnswerStatus, ProposalState
from dorf.reports.models import ReportStatus
from dorf.villages.models import MembershipState
from tests.backoffice.scenario import World, build_world
from tests.factories import TEST_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "backoffice"
# A tablet in landscape: the backoffice must be readable there.
VIEWPORT = {"width": 1024, "height": 768}

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
]

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def page(world: World, live_server) -> Iterator[object]:
    """A German tablet-sized page in Debian's Chromium. Started after ``world``: building
    the data broadcasts through async_to_sync, which refuses to run next to Playwright's
    event loop."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium package")
    # Playwright's synchronous API runs an event loop in this thread; Django refuses ORM
    # calls next to a running loop unless told that this test thread is not async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = browser.new_context(
                locale="de-DE", viewport=VIEWPORT, base_url=live_server.url
            )
            context.set_default_timeout(30_000)
            yield context.new_page()
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page, email: str) -> None:
    page.goto("/backoffice/login/")
    _shot(page, "00-anmeldung")
    # The fields are found by their visible German labels (every field has one).
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url("**/backoffice/")


def _run_action(page, pk: int, action_label: str) -> None:
    """Select the row with the keyboard, choose the action, run it."""
    checkbox = page.locator(f'input.action-select[value="{pk}"]')
    checkbox.focus()
    page.keyboard.press("Space")
    assert checkbox.is_checked()
    page.get_by_label("Aktion:").select_option(label=action_label)
    page.get_by_role("button", name="Ausführen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".messagelist .error").count() == 0, page.locator(
        ".messagelist"
    ).inner_text()
    assert page.locator(".messagelist .success").count() == 1


def _open_queue(page, title: str) -> None:
    page.goto("/backoffice/")
    with page.expect_navigation():
        page.get_by_role("link", name=title).click()


def test_musterdorf_staff_work_their_queues(page, world: World) -> None:
    _login(page, world.staff.email)

    # the start page counts every queue
    queues = page.locator(".backoffice-queues")
    assert "Mitgliedsanfragen zum Bestätigen" in queues.inner_text()
    assert page.locator('[data-queue="membership-pending"] .count').inner_text() == "1"
    assert page.locator('[data-queue="appointment-today"] .count').inner_text() == "1"
    _shot(page, "01-startseite")

    # verify a resident
    _open_queue(page, "Mitgliedsanfragen zum Bestätigen")
    assert "Neumann" in page.locator("#result_list").inner_text()
    _shot(page, "02-mitgliedsanfragen")
    _run_action(page, world.applicant.pk, "Bestätigen")
    _shot(page, "03-mitglied-bestaetigt")
    world.applicant.refresh_from_db()
    assert world.applicant.state == MembershipState.VERIFIED

    # approve a news post
    _open_queue(page, "Nachrichten in Prüfung")
    _shot(page, "04-nachrichten-in-pruefung")
    _run_action(page, world.post.pk, "Freigeben und veröffentlichen")
    world.post.refresh_from_db()
    assert world.post.state == PostState.PUBLISHED

    # move a report to fixed: the reporter is told
    _open_queue(page, "Neue Mängelmeldungen")
    _shot(page, "05-neue-maengelmeldungen")
    _run_action(page, world.report.pk, "Status: Behoben")
    world.report.refresh_from_db()
    assert world.report.status == ReportStatus.FIXED
    assert Notification.objects.filter(user=world.reporter).exists()

    # mark today's appointment done
    _open_queue(page, "Heutige Termine")
    _shot(page, "06-heutige-termine")
    _run_action(page, world.appointment.pk, "Als erledigt markieren")
    world.appointment.refresh_from_db()
    assert world.appointment.status == AppointmentStatus.DONE

    # the audit log shows all four actions with before and after
    page.goto("/backoffice/auditlog/logentry/")
    _shot(page, "07-protokoll")
    assert page.locator("#result_list tbody tr").count() == 4
    assert "pending → verified" in page.locator("#result_list").inner_text()


def test_neighbour_staff_see_nothing_of_musterdorf(page, world: World) -> None:
    _login(page, world.neighbour_staff.email)
    _shot(page, "10-nachbar-startseite")
    # only the neighbour's own new report is counted
    assert page.locator('[data-queue="report-new"] .count').inner_text() == "1"
    assert page.locator('[data-queue="membership-pending"] .count').inner_text() == "0"

    seen = []
    for path, name in (
        ("/backoffice/reports/report/", "11-nachbar-maengelmeldungen"),
        ("/backoffice/reports/report/?q=Schlagloch", "12-nachbar-suche"),
        ("/backoffice/villages/membership/?q=Neumann", "13-nachbar-mitglieder-suche"),
        ("/backoffice/news/post/", "14-nachbar-nachrichten"),
        ("/backoffice/appointments/appointment/", "15-nachbar-termine"),
    ):
        page.goto(path)
        _shot(page, name)
        seen.append(page.locator("#content").inner_text())
    # a Musterdorf object's address is a 404, as an unknown id is
    foreign = page.goto(f"/backoffice/reports/report/{world.report.pk}/change/")
    assert foreign is not None
    foreign_body = foreign.body()  # gone once the page navigates on
    _shot(page, "16-nachbar-fremde-meldung")
    seen.append(page.content())
    unknown = page.goto("/backoffice/reports/report/999999/change/")
    assert unknown is not None

    text = "\n".join(seen)
    for secret in ("Schlagloch", "Neumann", "Sperrung der Hauptstraße", "Weber", "Musterdorf"):
        assert secret not in text
    assert "Laterne am Feldweg dunkel" in seen[0]
    assert foreign.status == unknown.status == 404
    assert foreign_body == unknown.body()


def test_staff_answer_a_proposal_and_import_an_external_calendar(
    page, world: World, recorded_server
) -> None:
    church = (Path(settings.BASE_DIR) / "dorf/events/demo_data/kirche-st-martin.ics").read_bytes()
    ics_url = recorded_server.serve("/kirche.ics", church, content_type="text/calendar")
    _login(page, world.staff.email)
    assert page.locator('[data-queue="proposal-answer_due"] .count').inner_text() == "1"

    # answer the proposal past its threshold: rejected, with the reason
    _open_queue(page, "Vorschläge, die auf Antwort warten")
    _shot(page, "20-vorschlaege-antwort-faellig")
    with page.expect_navigation():
        page.get_by_role("link", name="Bank am Weiher beantworten").click()
    page.get_by_label("Abgelehnt").check()
    page.get_by_label("Text der Antwort").fill("Der Weiher ist Naturschutzgebiet.")
    _shot(page, "21-vorschlag-beantworten")
    with page.expect_navigation():
        page.get_by_role("button", name="Antwort veröffentlichen").click()
    assert page.locator(".messagelist .success").count() == 1
    world.proposal.refresh_from_db()
    assert world.proposal.state == ProposalState.ANSWERED
    assert world.proposal.answer_status == AnswerStatus.REJECTED
    assert Notification.objects.filter(user=world.supporter).exists()

    # add the parish's calendar: saved and imported at once, counts on the list
    page.goto("/backoffice/")
    with page.expect_navigation():
        page.get_by_role(
            "link", name="Externe Kalender (hinzufügen, bearbeiten, importieren)"
        ).click()
    with page.expect_navigation():
        page.get_by_role("link", name="Externen Kalender hinzufügen").click()
    page.get_by_label("Name:", exact=True).fill("Pfarrei St. Martin")
    page.get_by_label("Adresse des Kalenders (iCalendar, .ics)").fill(ics_url)
    page.get_by_label("Kategorie:", exact=True).select_option(label="Kirche")
    _shot(page, "22-kalender-hinzufuegen")
    with page.expect_navigation():
        page.get_by_role("button", name="Speichern und importieren").click()
    assert "6 neu" in page.locator(".messagelist .success").inner_text()
    assert VillageEvent.objects.filter(village=world.village).count() == 6
    _shot(page, "23-externe-kalender")

    # import again now: the source says nothing changed
    calendar = ExternalCalendar.objects.get(village=world.village)
    _run_action(page, calendar.pk, "Jetzt importieren")
    assert "unverändert" in page.locator(".messagelist .success").inner_text()

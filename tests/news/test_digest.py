from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from dorf.warnings.models import OfficialWarning, WarningVillage
from tests.news.factories import PostFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 30, 8, tzinfo=UTC)  # week 2026-W49


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 2
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_digest_has_the_weeks_notices_teasers_and_warnings(
    newsroom, member, client_for
) -> None:
    # given: an official notice and a news post in week 49, one post of week 48
    PostFactory(
        village=newsroom.village, publisher=newsroom.publisher, title="Haushaltssatzung 2027",
        official=True, publish_at=MONDAY + timedelta(days=1),
    )  # fmt: skip
    PostFactory(
        village=newsroom.village, publisher=newsroom.publisher, title="Backhausfest",
        teaser="Frisches Brot am Sonntag", publish_at=MONDAY + timedelta(days=2),
    )  # fmt: skip
    PostFactory(
        village=newsroom.village, publisher=newsroom.publisher, title="Alte Meldung",
        publish_at=MONDAY - timedelta(days=3),
    )  # fmt: skip
    storm = OfficialWarning.objects.create(
        root_identifier="storm", source="nina", headline="Unwetterwarnung vor Orkanböen",
        severity="Severe", sent=MONDAY + timedelta(days=3),
    )  # fmt: skip
    WarningVillage.objects.create(warning=storm, village=newsroom.village)
    # when
    response = client_for(member.user).get(
        reverse("news:digest", kwargs={"slug": newsroom.village.slug}) + "?week=2026-W49"
    )
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "Musterdorf diese Woche" in text
    assert "Amtliche Bekanntmachung: Haushaltssatzung 2027" in text
    assert "Backhausfest" in text
    assert "Frisches Brot am Sonntag" in text
    assert "Unwetterwarnung vor Orkanböen" in text
    assert "Alte Meldung" not in text


def test_a_bad_week_is_a_400_and_outsiders_get_404(newsroom, member, outsider, client_for) -> None:
    url = reverse("news:digest", kwargs={"slug": newsroom.village.slug})
    assert client_for(member.user).get(url + "?week=49").status_code == 400
    assert client_for(outsider.user).get(url).status_code == 404


def test_the_management_command_writes_the_pdf(newsroom, tmp_path) -> None:
    PostFactory(village=newsroom.village, publisher=newsroom.publisher, title="Wahlaufruf",
                publish_at=MONDAY)  # fmt: skip
    out = tmp_path / "digest.pdf"
    call_command("news_digest", newsroom.village.slug, week="2026-W49", out=str(out))
    assert "Wahlaufruf" in _text(out.read_bytes())


def test_the_digest_lists_the_weeks_public_club_events_with_series_expanded(
    newsroom, member, client_for
) -> None:
    # given: a weekly choir practice (Tuesdays 19:30 Berlin time, this week's Thursday
    # cancelled in a second series), a public festival on Saturday, a members-only
    # meeting and an event of the week after
    from dorf.clubs.models import OccurrenceOverride, Visibility
    from tests.clubs.factories import ClubEventFactory, ClubFactory, berlin

    choir = ClubFactory(village=newsroom.village, name="Gesangverein Harmonie")
    ClubEventFactory(
        club=choir, title="Chorprobe", place="Gemeindehaus",
        starts_at=berlin(2026, 11, 3, 19, 30), ends_at=berlin(2026, 11, 3, 21), rrule="FREQ=WEEKLY",
    )  # fmt: skip
    skat = ClubEventFactory(
        club=choir, title="Skatabend",
        starts_at=berlin(2026, 11, 5, 20), ends_at=berlin(2026, 11, 5, 23), rrule="FREQ=WEEKLY",
    )  # fmt: skip
    OccurrenceOverride.objects.create(
        event=skat, original_start=berlin(2026, 12, 3, 20), cancelled=True
    )
    ClubEventFactory(
        club=choir, title="Adventsmarkt",
        starts_at=berlin(2026, 12, 5, 14), ends_at=berlin(2026, 12, 5, 20),
    )  # fmt: skip
    ClubEventFactory(
        club=choir, title="Vorstandssitzung", visibility=Visibility.MEMBERS,
        starts_at=berlin(2026, 12, 2, 19), ends_at=berlin(2026, 12, 2, 21),
    )  # fmt: skip
    ClubEventFactory(
        club=choir, title="Silvesterball",
        starts_at=berlin(2026, 12, 31, 20), ends_at=berlin(2027, 1, 1, 2),
    )  # fmt: skip
    # when
    response = client_for(member.user).get(
        reverse("news:digest", kwargs={"slug": newsroom.village.slug}) + "?week=2026-W49"
    )
    # then
    text = _text(response.content)
    assert "Veranstaltungen im Dorf" in text
    assert "Chorprobe" in text
    assert "Di 01.12. 19:30" in text  # local wall-clock time, German weekday
    assert "Gesangverein Harmonie · Gemeindehaus" in text
    assert "Adventsmarkt" in text
    assert "Skatabend" not in text  # its only occurrence this week is cancelled
    assert "Vorstandssitzung" not in text  # not public
    assert "Silvesterball" not in text  # another week

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

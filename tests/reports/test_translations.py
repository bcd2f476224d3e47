"""The Mängelmelder's own catalogue: every message has a German translation."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from dorf.reports.models import ReportStatus
from tests.core.test_translations import _field

PO_FILE = Path(__file__).resolve().parents[2] / "dorf/reports/locale/de/LC_MESSAGES/django.po"


def test_every_message_of_the_app_has_a_german_translation() -> None:
    blocks = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]
    entries = [(_field(b, "msgid"), _field(b, "msgstr"), "#, fuzzy" in b) for b in blocks]
    assert len(entries) > 100
    assert [msgid for msgid, msgstr, fuzzy in entries if msgid and (not msgstr or fuzzy)] == []


def test_status_labels_are_german_by_default_and_english_on_request() -> None:
    with translation.override("de"):
        assert str(ReportStatus.NOT_RESPONSIBLE.label) == "Nicht zuständig"
    with translation.override("en"):
        assert str(ReportStatus.NOT_RESPONSIBLE.label) == "Not responsible"

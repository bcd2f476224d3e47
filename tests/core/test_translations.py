"""German is the default language: every message of ours has a German translation."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"


def _field(block: str, name: str) -> str:
    """A msgid/msgstr value, with the continuation lines gettext wraps long ones into."""
    match = re.search(rf'^{name} "(.*)"$((?:\n".*"$)*)', block, re.M)
    if match is None:
        return ""
    return match.group(1) + "".join(re.findall(r'^"(.*)"$', match.group(2), re.M))


def _entries() -> list[tuple[str, str, bool]]:
    text = PO_FILE.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        msgid = _field(block, "msgid")
        if msgid:
            entries.append((msgid, _field(block, "msgstr"), "#, fuzzy" in block))
    return entries


def test_every_message_has_a_german_translation() -> None:
    entries = _entries()
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert untranslated == []


def test_the_compiled_catalogue_is_used_across_apps() -> None:
    samples = {
        "Wrong PIN.": "Falsche PIN.",  # deliveries
        "You cannot pay yourself.": "Du kannst dir nicht selbst zahlen.",  # ledger
        "A message cannot be empty.": "Eine Nachricht darf nicht leer sein.",  # chat
        "This event is for club members only.": "Diese Veranstaltung ist nur für Vereinsmitglieder.",
        "Lost and found": "Fundsachen",  # marketplace
        "This invite code is not valid.": "Dieser Einladungscode ist ungültig.",  # villages
    }
    with translation.override("de"):
        assert {key: translation.gettext(key) for key in samples} == samples
    with translation.override("en"):
        assert translation.gettext("Wrong PIN.") == "Wrong PIN."

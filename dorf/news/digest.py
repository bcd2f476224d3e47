"""The printed weekly digest (Schaukasten, Gemeindeblatt): one or two A4 pages, German,
large type, a QR code to the app.

The news contribute their own section (official notices first, then teasers); other apps
add theirs through ``dorf.core.digest`` (warnings, clubs' events, the waste calendar)
without this module importing them.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from dorf.core.digest import DigestItem, DigestSection, register_section, sections_for
from dorf.core.exceptions import ValidationFailed
from dorf.news import selectors
from dorf.villages.models import Village

MAX_NEWS = 8


def parse_week(value: str | None, *, today: date) -> date:
    """ISO week "2026-W49" (or empty: this week) → its Monday."""
    if not value:
        return today - timedelta(days=today.weekday())
    try:
        year, week = value.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValidationFailed(
            fields={"week": [_("Give the week as YYYY-Www, e.g. 2026-W49.")]}, code="week"
        ) from None


def week_bounds(monday: date, tz: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tz)
    start = datetime.combine(monday, time.min, tzinfo=zone)
    return start, datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)


def news_section(village_id: int, start: datetime, end: datetime, tz: str) -> DigestSection:
    village = Village(pk=village_id)
    zone = ZoneInfo(tz)
    items = [
        DigestItem(
            title=(_("Official notice: %(title)s") % {"title": post.title})
            if post.official
            else post.title,
            text=post.teaser,
            when=post.published_at.astimezone(zone).strftime("%d.%m.") if post.published_at else "",
            emphasis=post.official,
        )
        for post in selectors.published_in(village=village, start=start, end=end)[:MAX_NEWS]
    ]
    return DigestSection(title=_("News from the town hall"), items=items)


register_section("news", news_section, order=20)


def _styles() -> dict[str, ParagraphStyle]:
    # Readable at arm's length on a notice board: nothing below 14 pt.
    return {
        "title": ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=26, leading=31),
        "sub": ParagraphStyle("sub", fontName="Helvetica", fontSize=15, leading=19),
        "section": ParagraphStyle(
            "section", fontName="Helvetica-Bold", fontSize=20, leading=25, spaceBefore=8
        ),
        "item": ParagraphStyle("item", fontName="Helvetica-Bold", fontSize=16, leading=20),
        "strong": ParagraphStyle(
            "strong", fontName="Helvetica-Bold", fontSize=16, leading=20, textColor="#a00000"
        ),
        "text": ParagraphStyle("text", fontName="Helvetica", fontSize=14, leading=18),
    }


def render_digest(*, village: Village, monday: date) -> bytes:
    """The PDF of the village's week starting ``monday`` (German)."""
    start, end = week_bounds(monday, village.timezone)
    with translation.override("de"):
        sections = sections_for(village.pk, start, end, village.timezone)
        styles = _styles()
        week = monday.isocalendar().week
        sunday = monday + timedelta(days=6)
        qr = QrCodeWidget(settings.DORF_APP_URL)
        x0, y0, x1, y1 = qr.getBounds()
        size = 32 * mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(qr)
        heading = [
            Paragraph(
                escape(_("%(village)s this week") % {"village": village.name}), styles["title"]
            ),
            Paragraph(
                escape(
                    _("Week %(week)d: %(start)s to %(end)s")
                    % {
                        "week": week,
                        "start": monday.strftime("%d.%m."),
                        "end": sunday.strftime("%d.%m.%Y"),
                    }
                ),
                styles["sub"],
            ),
            Paragraph(escape(_("Everything and more in the app: scan the code.")), styles["sub"]),
        ]
        story: list[Any] = [Table([[heading, drawing]], colWidths=[140 * mm, 36 * mm])]
        story.append(Spacer(1, 6 * mm))
        if not sections:
            story.append(Paragraph(escape(_("No notices this week.")), styles["text"]))
        for section in sections:
            story.append(Paragraph(escape(section.title), styles["section"]))
            for item in section.items:
                block = [
                    Paragraph(
                        escape(f"{item.when}  {item.title}" if item.when else item.title),
                        styles["strong" if item.emphasis else "item"],
                    )
                ]
                if item.text:
                    block.append(Paragraph(escape(item.text[:400]), styles["text"]))
                block.append(Spacer(1, 3 * mm))
                story.append(KeepTogether(block))
        out = io.BytesIO()
        SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=_("%(village)s this week") % {"village": village.name},
            lang="de-DE",
        ).build(story)
    return out.getvalue()

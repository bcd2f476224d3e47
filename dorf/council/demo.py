"""Demo council for Musterdorf: the recorded OParl system in ``demo_data/`` imported
without a network (the source stays disabled, so the periodic import leaves it alone),
and a resident who follows the Gemeinderat and a paper."""

from __future__ import annotations

from dorf.council import services
from dorf.council.models import CouncilSource, Organization, Paper
from dorf.council.recorded import RECORDED_BASE, recorded_fetcher
from dorf.villages.demo_context import DemoContext


def seed(ctx: DemoContext) -> None:
    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    source = services.source_set(
        actor=staff.user,
        village_id=ctx.village.pk,
        system_url=f"{RECORDED_BASE}/system",
        enabled=False,
    )
    services.source_import(source_id=source.pk, fetcher=recorded_fetcher)
    resident = next(m for m in ctx.memberships if m.user not in ctx.staff)
    council = Organization.objects.get(village=ctx.village, short_name="GR")
    services.follow(user=resident.user, organization_id=council.pk)
    paper = Paper.objects.get(village=ctx.village, reference="VL/2026/044")
    services.follow(user=resident.user, paper_id=paper.pk)
    assert CouncilSource.objects.get(pk=source.pk).last_error == ""

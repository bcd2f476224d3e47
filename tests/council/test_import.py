"""The OParl 1.1 import against a local HTTP server serving recorded documents in the
standard's shape: paging by ``links.next``, incremental by ``modified_since``,
de-duplication by ``id``, refusal of malformed or huge documents (keeping the previous
import), SSRF-safety, and the followers told of changes."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from dorf.council import services
from dorf.council.models import AgendaItem, CouncilSource, Meeting, Organization, Paper
from dorf.notifications.models import Notification
from tests.council.conftest import PREFIX, recorded_json
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_first_import_follows_next_links_and_stores_every_object(source, recorded_server):
    # when
    result = services.source_import(source_id=source.pk)
    # then
    assert result is not None
    assert Organization.objects.filter(village=source.village).count() == 3  # two pages
    assert recorded_server.hits[f"{PREFIX}/body/1/organizations?page=2"] == 1
    assert Paper.objects.filter(village=source.village).count() == 3
    council = Meeting.objects.get(oparl_id__endswith="/meeting/22")
    assert council.location == "Ratssaal, Rathaus Musterdorf, Hauptstraße 1"
    assert [o.short_name for o in council.organizations.all()] == ["GR"]
    items = list(AgendaItem.objects.filter(meeting=council))
    assert [i.number for i in items] == ["1", "2", "3", "4"]
    assert items[1].paper is not None
    assert items[1].paper.reference == "VL/2026/041"
    source.refresh_from_db()
    assert source.last_error == ""
    assert source.modified_since is not None
    assert source.modified_since.isoformat() == "2026-11-22T09:05:00+00:00"


def test_a_second_import_asks_only_for_changes_and_tells_the_followers(source, recorded_server):
    # given a first import and a resident who follows the council and a paper
    services.source_import(source_id=source.pk)
    resident = MembershipFactory(village=source.village)
    council = Organization.objects.get(short_name="GR")
    paper = Paper.objects.get(reference="VL/2026/044")
    services.follow(user=resident.user, organization_id=council.pk)
    services.follow(user=resident.user, paper_id=paper.pk)
    # and the council system changed a meeting and a paper since
    source.refresh_from_db()
    since = {"modified_since": [source.modified_since.isoformat()]}
    meetings = recorded_json(recorded_server, "/body/1/meetings")
    changed_meeting = meetings["data"][1]
    changed_meeting["modified"] = "2026-11-28T12:00:00+01:00"
    changed_meeting["agendaItem"].append(
        {
            "id": changed_meeting["id"].replace("meeting", "agendaitem") + "5",
            "type": "https://schema.oparl.org/1.1/AgendaItem",
            "number": "5",
            "order": 5,
            "name": "Dorfgemeinschaftshaus: Heizung",
            "public": True,
        }
    )
    papers = recorded_json(recorded_server, "/body/1/papers")
    changed_paper = papers["data"][1]
    changed_paper["name"] = "Querungshilfe Hauptstraße (geänderte Fassung)"
    changed_paper["modified"] = "2026-11-28T12:30:00+01:00"
    empty: dict[str, object] = {"data": [], "links": {}}
    for route, document in [
        ("/body/1/meetings", {"data": [changed_meeting], "links": {}}),
        ("/body/1/papers", {"data": [changed_paper], "links": {}}),
        ("/body/1/organizations", empty),
    ]:
        url = services._with_modified_since(
            recorded_server.url(PREFIX + route), source.modified_since
        )
        recorded_server.serve(
            url.removeprefix(recorded_server.base_url),
            json.dumps(document).encode(),
            content_type="application/json",
            conditional=False,
        )
    # when
    result = services.source_import(source_id=source.pk)
    # then only the changes were asked for and written
    assert result is not None
    assert (result.created, result.updated) == (0, 2)
    asked = [urlsplit(p) for p in recorded_server.hits if "modified_since" in p]
    assert {parse_qs(p.query)["modified_since"][0] for p in asked} == set(since["modified_since"])
    assert AgendaItem.objects.filter(meeting__oparl_id=changed_meeting["id"]).count() == 5
    assert Paper.objects.get(pk=paper.pk).name.endswith("(geänderte Fassung)")
    told = Notification.objects.filter(user=resident.user).values_list("link_type", flat=True)
    assert sorted(told) == ["council_meeting", "council_paper"]


def test_an_id_seen_twice_is_stored_once_with_the_newer_version(source, recorded_server):
    papers = recorded_json(recorded_server, "/body/1/papers")
    older = dict(papers["data"][0], name="Alte Fassung", modified="2026-01-01T00:00:00+01:00")
    papers["data"].append(older)
    recorded_server.serve(
        f"{PREFIX}/body/1/papers", json.dumps(papers).encode(), content_type="application/json"
    )
    services.source_import(source_id=source.pk)
    assert Paper.objects.filter(village=source.village).count() == 3
    assert Paper.objects.get(oparl_id=older["id"]).name != "Alte Fassung"


@pytest.mark.parametrize(
    "broken",
    [
        b"<html>Wartungsarbeiten</html>",
        json.dumps({"data": [{"type": "https://schema.oparl.org/1.1/Meeting"}]}).encode(),
        json.dumps({"data": "nope"}).encode(),
        json.dumps(
            {"data": [{"id": "https://x.example/m/1", "type": "https://evil.example/Meeting"}]}
        ).encode(),
    ],
    ids=["not-json", "no-id", "data-not-a-list", "foreign-type"],
)
def test_a_malformed_document_is_refused_and_the_previous_import_kept(
    source, recorded_server, broken, caplog
):
    # given a good first import
    services.source_import(source_id=source.pk)
    before = sorted(Meeting.objects.values_list("oparl_id", "name"))
    CouncilSource.objects.filter(pk=source.pk).update(modified_since=None)
    # when the meetings list turns malformed
    recorded_server.serve(f"{PREFIX}/body/1/meetings", broken, content_type="application/json")
    with caplog.at_level("WARNING"):
        assert services.source_import(source_id=source.pk) is None
    # then nothing changed, and the error was logged and stored
    assert sorted(Meeting.objects.values_list("oparl_id", "name")) == before
    source.refresh_from_db()
    assert "/body/1/meetings" in source.last_error
    assert "refused" in caplog.text


def test_a_huge_document_is_refused(source, recorded_server, monkeypatch):
    monkeypatch.setattr(services, "MAX_PAGE_BYTES", 10_000)
    huge = b'{"data": [], "padding": "' + b"x" * 20_000 + b'"}'
    recorded_server.serve(f"{PREFIX}/body/1/papers", huge, content_type="application/json")
    assert services.source_import(source_id=source.pk) is None
    assert "larger than" in CouncilSource.objects.get(pk=source.pk).last_error
    assert not Meeting.objects.exists()  # nothing of the run was written


def test_a_next_link_going_round_in_a_circle_is_refused(source, recorded_server):
    page = recorded_json(recorded_server, "/body/1/papers")
    page["links"]["next"] = recorded_server.url(f"{PREFIX}/body/1/papers")
    recorded_server.serve(
        f"{PREFIX}/body/1/papers", json.dumps(page).encode(), content_type="application/json"
    )
    assert services.source_import(source_id=source.pk) is None
    assert "circle" in CouncilSource.objects.get(pk=source.pk).last_error


def test_a_private_address_is_never_fetched(source, recorded_server, settings):
    # the recorded server sits on 127.0.0.1: without the test's explicit allowance the
    # SSRF guard refuses it before any request is made
    settings.DORF_FETCH_ALLOW_PRIVATE = False
    assert services.source_import(source_id=source.pk) is None
    assert recorded_server.hits == {}
    assert "non-public" in CouncilSource.objects.get(pk=source.pk).last_error


def test_the_periodic_task_imports_every_enabled_source(source, recorded_server):
    from dorf.council.tasks import import_all

    assert import_all() == 1
    assert Meeting.objects.filter(village=source.village).count() == 4

"""The numbers of issue 16, with recorded NINA/DWD sequences and a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dorf.notifications.models import Category, Notification
from dorf.warnings import services, sources
from dorf.warnings.cap import parse_cap_xml, parse_nina
from dorf.warnings.models import OfficialWarning, WarningArea, WarningMessage, WarningPush
from tests.factories import MembershipFactory, VillageFactory
from tests.warnings.conftest import recorded

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)  # 10:05 in Berlin, after the Alert was sent


def _pushes_per_resident(village):
    residents = village.memberships.filter(state="verified").values_list("user_id", flat=True)
    return {
        user_id: Notification.objects.filter(user_id=user_id, category=Category.WARNING).count()
        for user_id in residents
    }


def test_alert_update_cancel_gives_exactly_three_pushes_per_resident(warned_village, nina) -> None:
    # given: the storm's Alert on NINA's dashboard
    nina.show(("nina_alert.json", "geojson_near.json"))
    # when: polled, then the Update replaces it, then the Cancel (two polls each)
    sources.poll_nina(now=T0)
    sources.poll_nina(now=T0 + timedelta(minutes=1))
    nina.show(("nina_update.json", "geojson_near.json"))
    sources.poll_nina(now=T0 + timedelta(hours=3))
    sources.poll_nina(now=T0 + timedelta(hours=3, minutes=1))
    nina.show(("nina_cancel.json", None))
    sources.poll_nina(now=T0 + timedelta(hours=9))
    sources.poll_nina(now=T0 + timedelta(hours=9, minutes=1))
    # then: 3 notifications for each of the 4 residents, the last one the all-clear
    assert set(_pushes_per_resident(warned_village).values()) == {3}
    warning = OfficialWarning.objects.get()
    assert warning.cancelled
    assert warning.ended_at == T0 + timedelta(hours=9)
    assert warning.severity == "Extreme"  # the Update superseded the Alert's content
    titles = list(
        Notification.objects.filter(user=warned_village.memberships.first().user)
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles[0].startswith("Warnung:")
    assert titles[1].startswith("Warnung aktualisiert:")
    assert titles[2].startswith("Entwarnung:")
    assert list(WarningPush.objects.order_by("pk").values_list("urgency", "all_clear")) == [
        ("high", False),
        ("high", False),
        ("normal", True),
    ]
    # and the notification channels were told so: severe alerts ignore quiet hours (HIGH),
    # the all-clear waits for them; one topic, so a newer push replaces an undelivered one
    sent = Notification.objects.filter(user=warned_village.memberships.first().user).order_by("pk")
    assert [n.urgency for n in sent] == ["high", "high", "normal"]
    assert {n.topic for n in sent} == {f"warning-{warning.pk}"}


@pytest.mark.parametrize("name", ["nina_test.json", "nina_exercise.json"])
def test_test_and_exercise_messages_give_no_push(warned_village, nina, name) -> None:
    nina.show((name, "geojson_near.json"))
    sources.poll_nina(now=T0)
    assert set(_pushes_per_resident(warned_village).values()) == {0}
    assert not OfficialWarning.objects.exists()


def test_the_same_warning_seen_twice_and_from_two_sources_gives_one_push(
    warned_village, nina, recorded_server, settings
) -> None:
    # given: the Alert on NINA, and the same message in the DWD's own CAP feed
    nina.show(("nina_alert.json", "geojson_near.json"))
    settings.DORF_DWD_CAP_URL = recorded_server.serve(
        "/dwd/alert.xml", recorded("dwd_cap_alert.xml")
    )
    # when: both polled, twice
    for minute in range(2):
        sources.poll_nina(now=T0 + timedelta(minutes=minute))
        sources.poll_dwd(now=T0 + timedelta(minutes=minute))
    # then
    assert set(_pushes_per_resident(warned_village).values()) == {1}
    assert WarningMessage.objects.count() == 1
    # and the detail was fetched once: known messages are not fetched again
    detail_hits = [
        n
        for path, n in recorded_server.hits.items()
        if path.endswith(".json") and "/warnings/" in path
    ]
    assert detail_hits == [1]


def test_a_village_outside_the_polygon_gets_nothing(warned_village, nina) -> None:
    # given: a second village in the same district, far from the storm's polygon
    far = VillageFactory(centre_lat=50.30, centre_lon=7.20)
    WarningArea.objects.create(village=far, ars="071320001001")
    MembershipFactory(village=far)
    nina.show(("nina_alert.json", "geojson_near.json"))
    sources.poll_nina(now=T0)
    assert set(_pushes_per_resident(far).values()) == {0}
    assert set(_pushes_per_resident(warned_village).values()) == {1}


def test_an_area_far_away_reaches_no_village_even_with_a_matching_district(
    warned_village, nina
) -> None:
    nina.show(("nina_alert.json", "geojson_far.json"))
    sources.poll_nina(now=T0)
    assert set(_pushes_per_resident(warned_village).values()) == {0}


def test_without_geometry_the_geocodes_decide(warned_village) -> None:
    # given: the Alert with no GeoJSON: its warn cell 107132000 is the village's
    message = parse_nina(recorded("nina_alert.json"), None)
    assert message.geometry is None
    result = services.message_ingest(message=message, now=T0)
    assert result.pushes == 1
    # and a village with another warn cell and ARS in another state gets nothing
    other = VillageFactory()
    WarningArea.objects.create(village=other, ars="091620000000", warn_cells=["809162000"])
    assert services.villages_reached(message) == [warned_village.pk]


def test_a_minor_warning_is_listed_but_not_pushed(warned_village, nina) -> None:
    nina.show(("nina_minor.json", "geojson_near.json"))
    sources.poll_nina(now=T0)
    assert OfficialWarning.objects.get().severity == "Minor"
    assert set(_pushes_per_resident(warned_village).values()) == {0}


def test_a_warning_that_leaves_the_dashboard_ends_without_all_clear(warned_village, nina) -> None:
    nina.show(("nina_alert.json", "geojson_near.json"))
    sources.poll_nina(now=T0)
    nina.show()
    sources.poll_nina(now=T0 + timedelta(hours=1))
    warning = OfficialWarning.objects.get()
    assert warning.ended_at is not None
    assert not warning.cancelled
    assert set(_pushes_per_resident(warned_village).values()) == {1}


def test_an_expired_warning_ends_at_its_expiry(warned_village) -> None:
    services.message_ingest(message=parse_nina(recorded("nina_alert.json"), None), now=T0)
    warning = OfficialWarning.objects.get()
    assert warning.expires is not None
    assert services.warnings_end_expired(now=warning.expires - timedelta(seconds=1)) == 0
    assert services.warnings_end_expired(now=warning.expires + timedelta(minutes=1)) == 1
    warning.refresh_from_db()
    assert warning.ended_at == warning.expires


@pytest.mark.parametrize("name", ["cap_billion_laughs.xml", "cap_external_entity.xml"])
def test_a_hostile_cap_document_is_a_logged_failure_and_changes_nothing(
    warned_village, recorded_server, settings, caplog, name
) -> None:
    # given: a good message stored before
    services.message_ingest(message=parse_cap_xml(recorded("dwd_cap_alert.xml")), now=T0)
    before = (OfficialWarning.objects.count(), WarningMessage.objects.count())
    settings.DORF_DWD_CAP_URL = recorded_server.serve("/dwd/evil.xml", recorded(name))
    # when
    report = sources.poll_dwd(now=T0)
    # then
    assert report.errors
    assert report.stored == 0
    assert "warning source failed" in caplog.text
    assert (OfficialWarning.objects.count(), WarningMessage.objects.count()) == before
    assert WarningArea.objects.get().last_error


def test_a_50_mb_dashboard_is_refused_and_the_previous_state_kept(
    warned_village, nina, recorded_server
) -> None:
    nina.show(("nina_alert.json", "geojson_near.json"))
    sources.poll_nina(now=T0)
    recorded_server.serve(
        "/dashboard/071320000000.json", b"[" + b" " * (50 * 1024 * 1024) + b"]", conditional=False
    )
    report = sources.poll_nina(now=T0 + timedelta(minutes=1))
    assert any("larger than" in error for error in report.errors)
    warning = OfficialWarning.objects.get()
    assert warning.ended_at is None  # not "vanished": the list could not be read


def test_a_malformed_detail_is_skipped_and_the_rest_ingested(
    warned_village, nina, recorded_server
) -> None:
    nina.show(("nina_alert.json", "geojson_near.json"), ("nina_minor.json", None))
    recorded_server.serve(
        "/warnings/dwdmap.2.49.0.0.276.0.DWD.PVW.1764490000002.frost.DEU.json",
        b'{"identifier": "x", "info": "nope"',
    )
    report = sources.poll_nina(now=T0)
    assert report.stored == 1
    assert len(report.errors) == 1


def test_cap_xml_and_nina_json_parse_to_the_same_message() -> None:
    from_nina = parse_nina(recorded("nina_alert.json"), recorded("geojson_near.json"))
    from_dwd = parse_cap_xml(recorded("dwd_cap_alert.xml"))
    assert from_nina.identifier == from_dwd.identifier
    assert (from_nina.severity, from_nina.msg_type, from_nina.headline) == (
        from_dwd.severity,
        from_dwd.msg_type,
        from_dwd.headline,
    )
    assert from_dwd.geometry is not None
    assert from_dwd.geometry["type"] == "Polygon"
    assert from_dwd.geometry["coordinates"][0][0] == [7.60, 50.60]  # lon, lat

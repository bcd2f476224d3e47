"""Publish-to-push latency of a scheduled news post, and the poll cost of the warnings per
village, on PostgreSQL (a throw-away test database).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dorf_bench \\
        .venv/bin/python benchmarks/news_warnings.py --residents 300 3000 --villages 20

Latency: a post is scheduled, the periodic task runs once it is due, and we time the
task's call (guarded flip + fan-out to every resident, committed). The worst case a
resident waits is that plus the beat interval (30 s) when the per-post eta task is lost.
Poll cost: N villages in 2 districts against a local server with the recorded NINA storm;
the requests and the wall time of one poll, without and with a new message.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--villages", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=True)
    try:
        for residents in args.residents:
            latency(residents)
        poll_cost(args.villages)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=True)


def latency(residents: int) -> None:
    from dorf.news import services
    from dorf.news.models import Post, PostState
    from dorf.notifications.models import Notification
    from tests.factories import MembershipFactory, VillageFactory
    from tests.news.factories import PostFactory

    village = VillageFactory()
    from dorf.users.models import User
    from dorf.villages.models import Membership

    users = User.objects.bulk_create(
        User(email=f"bench-{village.pk}-{n}@example.org") for n in range(residents)
    )
    Membership.objects.bulk_create(
        Membership(user=user, village=village, state="verified") for user in users
    )
    MembershipFactory(village=village)
    post = PostFactory(village=village, state=PostState.DRAFT, publish_at=None, published_at=None,
                       push="normal")  # fmt: skip
    due = timezone.now()
    Post.objects.filter(pk=post.pk).update(state=PostState.SCHEDULED, publish_at=due)
    started = time.perf_counter()
    published = services.posts_publish_due(now=due)
    elapsed = time.perf_counter() - started
    count = Notification.objects.filter(link_type="news_post", link_id=post.pk).count()
    again = services.posts_publish_due(now=due + timedelta(seconds=30))
    print(
        f"publish-to-push: {residents + 1} residents, published={published}, "
        f"notifications={count}, task call {elapsed * 1000:.0f} ms, second run published={again}"
    )


def poll_cost(villages: int) -> None:
    import threading
    from http.server import ThreadingHTTPServer

    from dorf.warnings import sources
    from dorf.warnings.models import OfficialWarning, WarningArea
    from tests.factories import VillageFactory
    from tests.recorded_http import RecordedServer, _handler
    from tests.warnings.conftest import Nina

    state = RecordedServer(base_url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.DORF_FETCH_ALLOW_PRIVATE = True
    settings.DORF_NINA_BASE_URL = state.base_url
    for n in range(villages):
        village = VillageFactory(centre_lat=50.70 + 0.01 * (n % 10), centre_lon=7.80)
        district = "07132" if n % 2 == 0 else "07131"
        WarningArea.objects.create(village=village, ars=f"{district}{n:07d}")
    nina = Nina(state)
    nina.show(("nina_alert.json", "geojson_near.json"))
    state.routes["/dashboard/071310000000.json"] = state.routes["/dashboard/071320000000.json"]
    for label in ("new message", "steady state", "steady state"):
        before = sum(state.hits.values())
        started = time.perf_counter()
        report = sources.poll_nina()
        elapsed = time.perf_counter() - started
        requests = sum(state.hits.values()) - before
        print(
            f"poll ({label}): {villages} villages in 2 districts, {requests} requests, "
            f"{elapsed * 1000:.0f} ms = {elapsed * 1000 / villages:.1f} ms and "
            f"{requests / villages:.2f} requests per village; stored {report.stored}, "
            f"village pushes {report.pushes}"
        )
    httpd.shutdown()
    OfficialWarning.objects.all().delete()


if __name__ == "__main__":
    main()

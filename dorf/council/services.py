"""Import from a village's OParl endpoint, follows, and the source's configuration.

The import runs in two halves. First every page is fetched and parsed, outside any
transaction (slow HTTP never holds a lock): the ``System``, the bodies, and for each body
its organisations, meetings and papers, following ``links.next`` and asking only for
objects modified since the last import. A document that is malformed, too large, or one
page too many stops the run: the error is logged and stored on the source, and nothing
is written, so the previous import stays as it was. Then everything is written in one
transaction, keyed by OParl id (an id seen twice in one run is written once, the newer
``modified`` winning), and the followers of what changed are told on commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.core.fetch import FetchError, fetch
from dorf.council import oparl
from dorf.council.models import (
    AgendaItem,
    Body,
    CouncilSource,
    Follow,
    Meeting,
    Organization,
    Paper,
)
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.users.models import User
from dorf.villages.models import Village
from dorf.villages.scoping import member_village_ids, require_member, require_staff

logger = logging.getLogger(__name__)

# A council system's pages are small (OParl recommends 100 objects a page); these bounds
# refuse a "list" that never ends or a document that would fill the memory.
MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_PAGES_PER_LIST = 200
MAX_OBJECTS = 50_000
ACCEPT = "application/json"

Fetcher = Callable[[str], bytes]
_EPOCH = datetime.min.replace(tzinfo=UTC)
T = TypeVar("T")


class ImportRefused(Exception):
    """The source gave something we do not import; the previous import is kept."""


def http_fetcher(url: str) -> bytes:
    """GET through the SSRF-safe fetcher: every URL, the ``next`` links and redirects
    included, must resolve to public addresses only; the body is bounded."""
    result = fetch(url, max_bytes=MAX_PAGE_BYTES, accept=ACCEPT)
    return result.body


def _with_modified_since(url: str, since: datetime | None) -> str:
    if since is None:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "modified_since"]
    query.append(("modified_since", since.isoformat()))
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass
class Crawl:
    bodies: list[oparl.ParsedBody] = field(default_factory=list)
    organizations: list[tuple[str, oparl.ParsedOrganization]] = field(default_factory=list)
    meetings: list[oparl.ParsedMeeting] = field(default_factory=list)
    papers: list[oparl.ParsedPaper] = field(default_factory=list)
    objects: int = 0


def _document(fetcher: Fetcher, url: str) -> dict[str, Any]:
    try:
        body = fetcher(url)
    except FetchError as exc:
        raise ImportRefused(f"{url}: {exc}") from exc
    if len(body) > MAX_PAGE_BYTES:
        raise ImportRefused(f"{url}: larger than {MAX_PAGE_BYTES} bytes")
    try:
        return oparl.load_json(body)
    except oparl.MalformedDocument as exc:
        raise ImportRefused(f"{url}: {exc}") from exc


def _list(
    fetcher: Fetcher, first_url: str, parse: Callable[[dict[str, Any]], T], crawl: Crawl
) -> list[T]:
    found: list[T] = []
    seen: set[str] = set()
    url: str | None = first_url
    pages = 0
    while url is not None:
        if url in seen:  # a "next" pointing back would loop forever
            raise ImportRefused(f"{url}: the list's next link goes round in a circle")
        seen.add(url)
        pages += 1
        if pages > MAX_PAGES_PER_LIST:
            raise ImportRefused(f"{first_url}: more than {MAX_PAGES_PER_LIST} pages")
        try:
            page = oparl.parse_page(_document(fetcher, url))
            found.extend(parse(obj) for obj in page.objects)
        except oparl.MalformedDocument as exc:
            raise ImportRefused(f"{url}: {exc}") from exc
        except FetchError as exc:
            raise ImportRefused(f"{url}: {exc}") from exc
        crawl.objects += len(page.objects)
        if crawl.objects > MAX_OBJECTS:
            raise ImportRefused(f"more than {MAX_OBJECTS} objects")
        url = page.next_url
    return found


def crawl_source(system_url: str, *, since: datetime | None, fetcher: Fetcher) -> Crawl:
    """Fetch and parse everything (no database); raises ImportRefused on the first fault."""
    crawl = Crawl()
    try:
        body_list = oparl.parse_system(_document(fetcher, system_url))
    except oparl.MalformedDocument as exc:
        raise ImportRefused(f"{system_url}: {exc}") from exc
    except FetchError as exc:
        raise ImportRefused(f"{system_url}: {exc}") from exc
    # The body list is fetched whole: a body's own ``modified`` says nothing about its lists.
    crawl.bodies = _list(fetcher, body_list, oparl.parse_body, crawl)
    for body in crawl.bodies:
        if body.deleted:
            continue
        crawl.organizations += [
            (body.oparl_id, organization)
            for organization in _list(
                fetcher,
                _with_modified_since(body.organization_list, since),
                oparl.parse_organization,
                crawl,
            )
        ]
        crawl.meetings += _list(
            fetcher, _with_modified_since(body.meeting_list, since), oparl.parse_meeting, crawl
        )
        crawl.papers += _list(
            fetcher, _with_modified_since(body.paper_list, since), oparl.parse_paper, crawl
        )
    return crawl


def _newest(objects: list[T], key: Callable[[T], str], modified: Callable[[T], Any]) -> list[T]:
    """De-duplicate by OParl id; the newer ``modified`` (or the later one seen) wins."""
    chosen: dict[str, T] = {}
    for obj in objects:
        current = chosen.get(key(obj))
        if current is None or (modified(obj) or _EPOCH) >= (modified(current) or _EPOCH):
            chosen[key(obj)] = obj
    return list(chosen.values())


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    changed_papers: list[int] = field(default_factory=list)
    changed_meetings: list[int] = field(default_factory=list)


def _upsert(
    model: Any, village: Village, oparl_id: str, values: dict[str, Any], result: ImportResult
) -> tuple[Any, bool]:
    """Create or update one row; returns (row, changed)."""
    row = model.objects.filter(village=village, oparl_id=oparl_id).first()
    if row is None:
        row = model.objects.create(village=village, oparl_id=oparl_id, **values)
        result.created += 1
        return row, True
    changed = any(getattr(row, name) != value for name, value in values.items())
    if changed:
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        result.updated += 1
    return row, changed


@transaction.atomic
def _write(village: Village, crawl: Crawl) -> ImportResult:
    result = ImportResult()
    bodies: dict[str, Body] = {}
    for parsed_body in _newest(crawl.bodies, lambda b: b.oparl_id, lambda b: b.modified):
        bodies[parsed_body.oparl_id], _changed = _upsert(
            Body,
            village,
            parsed_body.oparl_id,
            {
                "name": parsed_body.name,
                "short_name": parsed_body.short_name,
                "web_url": parsed_body.web_url,
                "modified": parsed_body.modified,
                "deleted": parsed_body.deleted,
            },
            result,
        )
    owner = {org.oparl_id: body_id for body_id, org in crawl.organizations}
    for org in _newest(
        [org for _body, org in crawl.organizations], lambda o: o.oparl_id, lambda o: o.modified
    ):
        _upsert(
            Organization,
            village,
            org.oparl_id,
            {
                "body": bodies.get(owner[org.oparl_id]),
                "name": org.name,
                "short_name": org.short_name,
                "organization_type": org.organization_type,
                "classification": org.classification,
                "web_url": org.web_url,
                "modified": org.modified,
                "deleted": org.deleted,
            },
            result,
        )
    for paper in _newest(crawl.papers, lambda p: p.oparl_id, lambda p: p.modified):
        row, changed = _upsert(
            Paper,
            village,
            paper.oparl_id,
            {
                "name": paper.name,
                "reference": paper.reference,
                "paper_type": paper.paper_type,
                "date": paper.date,
                "web_url": paper.web_url,
                "modified": paper.modified,
                "deleted": paper.deleted,
            },
            result,
        )
        if changed:
            result.changed_papers.append(row.pk)
    organizations = dict(Organization.objects.filter(village=village).values_list("oparl_id", "pk"))
    papers = dict(Paper.objects.filter(village=village).values_list("oparl_id", "pk"))
    for meeting in _newest(crawl.meetings, lambda m: m.oparl_id, lambda m: m.modified):
        row, changed = _upsert(
            Meeting,
            village,
            meeting.oparl_id,
            {
                "name": meeting.name,
                "start": meeting.start,
                "end": meeting.end,
                "location": meeting.location,
                "cancelled": meeting.cancelled,
                "web_url": meeting.web_url,
                "modified": meeting.modified,
                "deleted": meeting.deleted,
            },
            result,
        )
        if not changed:
            continue
        result.changed_meetings.append(row.pk)
        row.organizations.set(
            [organizations[i] for i in meeting.organization_ids if i in organizations]
        )
        # The agenda is the meeting's own list: replaced whole with the meeting.
        AgendaItem.objects.filter(meeting=row).delete()
        items = {item.oparl_id: item for item in meeting.agenda_items}
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=row,
                oparl_id=item.oparl_id,
                number=item.number,
                order=item.order,
                name=item.name,
                public=item.public,
                result=item.result,
                paper_id=papers.get(item.paper_id or ""),
            )
            for item in items.values()
        )
    return result


def _notify_followers(village: Village, result: ImportResult) -> None:
    for paper in Paper.objects.filter(pk__in=result.changed_papers, follows__isnull=False):
        notify_many(
            recipients=User.objects.filter(council_follows__paper=paper),
            category=Category.VILLAGE,
            title=gettext_lazy("A paper you follow changed: %(name)s"),
            params={"name": paper.name},
            village=village,
            link_type="council_paper",
            link_id=paper.pk,
        )
    meetings = (
        Meeting.objects.filter(pk__in=result.changed_meetings)
        .prefetch_related("organizations")
        .distinct()
    )
    for meeting in meetings:
        followers = User.objects.filter(
            council_follows__organization__in=meeting.organizations.all()
        ).distinct()
        if not followers:
            continue
        notify_many(
            recipients=followers,
            category=Category.VILLAGE,
            title=gettext_lazy("New or changed meeting: %(name)s"),
            params={"name": meeting.name},
            village=village,
            link_type="council_meeting",
            link_id=meeting.pk,
        )


def source_import(*, source_id: int, fetcher: Fetcher = http_fetcher) -> ImportResult | None:
    """Run one import of a source; None when it was refused (and the previous kept)."""
    source = CouncilSource.objects.select_related("village").get(pk=source_id)
    started = timezone.now()
    try:
        crawl = crawl_source(source.system_url, since=source.modified_since, fetcher=fetcher)
    except ImportRefused as exc:
        logger.warning("OParl import of %s refused: %s", source.village.slug, exc)
        CouncilSource.objects.filter(pk=source.pk).update(
            last_run_at=started, last_error=str(exc)[:1000]
        )
        return None
    result = _write(source.village, crawl)
    stamps: list[datetime | None] = [
        *(m.modified for m in crawl.meetings),
        *(p.modified for p in crawl.papers),
        *(org.modified for _body, org in crawl.organizations),
    ]
    modified = [stamp for stamp in stamps if stamp is not None]
    newest = max(modified, default=None)
    if source.modified_since is not None and newest is not None:
        newest = max(newest, source.modified_since)
    CouncilSource.objects.filter(pk=source.pk).update(
        last_run_at=started,
        last_success_at=timezone.now(),
        last_error="",
        last_object_count=crawl.objects,
        modified_since=newest or source.modified_since,
    )
    _notify_followers(source.village, result)
    return result


def sources_import_all() -> int:
    """The periodic task: every enabled source, one after the other."""
    done = 0
    for source_id in CouncilSource.objects.filter(enabled=True).values_list("pk", flat=True):
        if source_import(source_id=source_id) is not None:
            done += 1
    return done


@transaction.atomic
def source_set(*, actor: User, village_id: int, system_url: str, enabled: bool) -> CouncilSource:
    """Staff configure the endpoint. A new URL starts over (no ``modified_since``). Audited
    when something changed."""
    require_staff(require_member(actor, village_id))
    if not system_url.startswith("https://") and not system_url.startswith("http://"):
        raise ValidationFailed(fields={"system_url": [_("Give an http(s) address.")]})
    source, created = CouncilSource.objects.select_for_update().get_or_create(
        village_id=village_id, defaults={"system_url": system_url, "enabled": enabled}
    )
    before = {} if created else audit.snapshot(source)
    if not created:
        if source.system_url != system_url:
            source.modified_since = None
        source.system_url = system_url
        source.enabled = enabled
        source.save()
    audit.record(
        actor=actor, instance=source, before=before, verb="source_set", village_id=village_id
    )
    return source


def _scoped(model: Any, user: User, pk: int) -> Any:
    row = model.objects.filter(pk=pk, village__in=member_village_ids(user), deleted=False).first()
    if row is None:
        raise NotFound()
    return row


@transaction.atomic
def follow(
    *, user: User, organization_id: int | None = None, paper_id: int | None = None
) -> Follow:
    if (organization_id is None) == (paper_id is None):
        raise ValidationFailed(_("Follow a committee or a paper."))
    target: dict[str, Any] = (
        {"organization": _scoped(Organization, user, organization_id)}
        if organization_id is not None
        else {"paper": _scoped(Paper, user, paper_id or 0)}
    )
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, **target)
    except IntegrityError as exc:
        raise Conflict(_("You follow it already."), code="already_following") from exc


@transaction.atomic
def unfollow(
    *, user: User, organization_id: int | None = None, paper_id: int | None = None
) -> None:
    if organization_id is not None:
        _scoped(Organization, user, organization_id)
        deleted, _rows = Follow.objects.filter(user=user, organization_id=organization_id).delete()
    else:
        _scoped(Paper, user, paper_id or 0)
        deleted, _rows = Follow.objects.filter(user=user, paper_id=paper_id or 0).delete()
    if not deleted:
        raise Conflict(_("You do not follow it."), code="not_following")

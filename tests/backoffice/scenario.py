"""A village with something in every backoffice queue, and a neighbour village."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from auditlog.models import LogEntry
from django.utils import timezone

from dorf.appointments.models import Appointment, AppointmentStatus
from dorf.bookings.models import Booking
from dorf.lostfound.models import FoundItem
from dorf.news.models import Post, PostState, PublisherRoleKind
from dorf.participation.models import BudgetItem, CommentReport, Poll, Proposal
from dorf.participation.services import budget as budget_services
from dorf.participation.services import proposals as proposal_services
from dorf.reports.models import Report
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role, Village
from tests.appointments.factories import service_in
from tests.bookings.factories import booking_in
from tests.factories import MembershipFactory, UserFactory, VillageFactory
from tests.lostfound.factories import find_in
from tests.news.factories import PostFactory, PublisherRoleFactory
from tests.participation.factories import comment_on, poll_in, proposal_in, set_threshold
from tests.reports.factories import ReportFactory


@dataclass
class World:
    village: Village
    neighbour: Village
    staff: User
    neighbour_staff: User
    applicant: Membership
    post: Post
    report: Report
    reporter: User
    appointment: Appointment
    booking: Booking
    found_item: FoundItem
    proposal: Proposal
    supporter: User
    comment_report: CommentReport
    poll: Poll
    budget_item: BudgetItem


def _begun_today(village: Village) -> datetime:
    """A slot that began at most 30 minutes ago and still today in the village."""
    now = timezone.now()
    tz = ZoneInfo(village.timezone)
    midnight = datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz)
    return max(now - timedelta(minutes=30), midnight)


def build_world() -> World:
    village = VillageFactory(name="Musterdorf", slug="musterdorf")
    neighbour = VillageFactory(name="Nachbarhausen", slug="nachbarhausen")
    staff = MembershipFactory(
        village=village,
        role=Role.STAFF,
        user=UserFactory(email="rita@musterdorf.example", first_name="Rita", last_name="Rathaus"),
    ).user
    neighbour_staff = MembershipFactory(
        village=neighbour,
        role=Role.STAFF,
        user=UserFactory(email="karl@nachbarhausen.example", first_name="Karl"),
    ).user
    applicant = MembershipFactory(
        village=village,
        state=MembershipState.PENDING,
        verified_at=None,
        user=UserFactory(first_name="Nele", last_name="Neumann"),
        request_message="Wir sind neu im Lindenweg 3.",
    )
    editor = MembershipFactory(village=village).user
    post = PostFactory(
        village=village,
        title="Sperrung der Hauptstraße",
        state=PostState.IN_REVIEW,
        publish_at=None,
        published_at=None,
        author=editor,
    )
    PublisherRoleFactory(publisher=post.publisher, user=editor, role=PublisherRoleKind.EDITOR)
    PublisherRoleFactory(publisher=post.publisher, user=staff, role=PublisherRoleKind.PUBLISHER)
    reporter = MembershipFactory(village=village).user
    report = ReportFactory(
        village=village, reporter=reporter, description="Schlagloch vor der Kirche"
    )
    start = _begun_today(village)
    appointment = Appointment.objects.create(
        village=village,
        service=service_in(village),
        membership=MembershipFactory(
            village=village, user=UserFactory(first_name="Jonas", last_name="Weber")
        ),
        slot_start=start,
        slot_end=start + timedelta(minutes=15),
        seat=1,
        status=AppointmentStatus.CONFIRMED,
    )
    booking = booking_in(village)
    found_item = find_in(village)
    FoundItem.objects.filter(pk=found_item.pk).update(
        deadline_at=timezone.now() + timedelta(days=5)
    )
    found_item.refresh_from_db()
    # Beteiligung: a proposal past its threshold of two, a reported comment under it, a
    # draft poll and a budget item nobody reviewed yet.
    set_threshold(village, 2)
    proposal = proposal_in(
        village,
        title="Bank am Weiher",
        author=MembershipFactory(village=village, user=UserFactory(last_name="Planer")),
    )
    supporter = MembershipFactory(village=village).user
    for user in (supporter, MembershipFactory(village=village).user):
        proposal_services.proposal_support(user=user, proposal_id=proposal.pk)
    proposal.refresh_from_db()
    comment = comment_on(proposal)
    comment_report = proposal_services.comment_report(
        user=supporter, comment_id=comment.pk, reason="Beleidigend"
    )
    staff_membership = Membership.objects.get(user=staff, village=village)
    poll = poll_in(village, by=staff_membership, publish=False, question="Wann ist Dorffest?")
    budget = budget_services.budget_create(
        actor=staff, village_id=village.pk, title="Bürgerhaushalt 2027", amount_cents=10_000_00
    )
    budget_item = budget_services.budget_item_create(
        user=supporter,
        budget_id=budget.pk,
        title="Spielplatz am Anger",
        description="Neue Schaukeln.",
        cost_cents=4_000_00,
    )
    # The neighbour has its own queue items, which Musterdorf's staff must not see either.
    ReportFactory(village=neighbour, description="Laterne am Feldweg dunkel")
    # What the setup's services audited (the budget's creation) is not under test.
    LogEntry.objects.all().delete()
    return World(
        village=village,
        neighbour=neighbour,
        staff=staff,
        neighbour_staff=neighbour_staff,
        applicant=applicant,
        post=post,
        report=report,
        reporter=reporter,
        appointment=appointment,
        booking=booking,
        found_item=found_item,
        proposal=proposal,
        supporter=supporter,
        comment_report=comment_report,
        poll=poll,
        budget_item=budget_item,
    )

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from dorf.chat.services import room_for_subject
from dorf.marketplace.models import (
    Agreement,
    Conversation,
    Posting,
    PostingCategory,
    PostingKind,
    PostingReport,
)
from dorf.marketplace.services import REPLY_SUBJECT
from tests.factories import UserFactory, VillageFactory


class PostingFactory(factory.django.DjangoModelFactory[Posting]):
    class Meta:
        model = Posting

    village = factory.SubFactory(VillageFactory)
    author = factory.SubFactory(UserFactory)
    kind = PostingKind.REQUEST
    category = PostingCategory.HELP
    title = factory.Sequence(lambda n: f"Hilfe beim Umzug {n}")
    text = "Wer kann Kisten tragen?"
    estimated_minutes = 60
    approx_lat = 50.79125
    approx_lon = 7.87375
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    """A conversation with its chat room (author and replier as members), as
    ``conversation_open`` leaves it, but without a first message."""

    class Meta:
        model = Conversation
        skip_postgeneration_save = True

    posting = factory.SubFactory(PostingFactory)
    replier = factory.SubFactory(UserFactory)

    @factory.post_generation
    def with_room(obj: Conversation, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or obj.room_id is not None:
            return
        obj.room = room_for_subject(
            village=obj.posting.village,
            subject_type=REPLY_SUBJECT,
            subject_id=obj.pk,
            title=obj.posting.title,
            members=[obj.posting.author, obj.replier],
        )
        obj.save(update_fields=["room"])


class AgreementFactory(factory.django.DjangoModelFactory[Agreement]):
    class Meta:
        model = Agreement

    conversation = factory.SubFactory(ConversationFactory)
    posting = factory.SelfAttribute("conversation.posting")
    helper = factory.SelfAttribute("conversation.replier")
    helped = factory.SelfAttribute("conversation.posting.author")


class PostingReportFactory(factory.django.DjangoModelFactory[PostingReport]):
    class Meta:
        model = PostingReport

    posting = factory.SubFactory(PostingFactory)
    reporter = factory.SubFactory(UserFactory)
    reason = "Spam"

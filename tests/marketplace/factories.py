from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from dorf.marketplace.models import (
    Agreement,
    Conversation,
    Posting,
    PostingCategory,
    PostingKind,
    PostingReport,
    ReplyMessage,
)
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
    class Meta:
        model = Conversation

    posting = factory.SubFactory(PostingFactory)
    replier = factory.SubFactory(UserFactory)


class ReplyMessageFactory(factory.django.DjangoModelFactory[ReplyMessage]):
    class Meta:
        model = ReplyMessage

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SelfAttribute("conversation.replier")
    text = "Ich kann helfen."


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

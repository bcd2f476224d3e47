from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.factories import MembershipFactory
from tests.marketplace.factories import (
    AgreementFactory,
    ConversationFactory,
    PostingFactory,
)


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _posting(village: Village) -> dict[str, Any]:
    return {"posting_id": PostingFactory(village=village).pk}


def _conversation(village: Village) -> dict[str, Any]:
    replier = MembershipFactory(village=village).user
    return {"conversation_id": ConversationFactory(posting__village=village, replier=replier).pk}


def _agreement(village: Village) -> dict[str, Any]:
    agreement = AgreementFactory(conversation__posting__village=village)
    return {"agreement_id": agreement.pk}


register(Case("marketplace:posting-list", _slug, methods=("get", "post"), body={"title": "x"}))
register(Case("marketplace:report-list", _slug))
register(
    Case("marketplace:posting-detail", _posting, methods=("get", "patch"), body={"title": "x"})
)
register(Case("marketplace:posting-withdraw", _posting, methods=("post",)))
register(Case("marketplace:posting-renew", _posting, methods=("post",)))
register(Case("marketplace:posting-photos", _posting, methods=("post",)))
register(Case("marketplace:posting-report", _posting, methods=("post",), body={"reason": "x"}))
register(Case("marketplace:posting-hide", _posting, methods=("post",)))
register(
    Case("marketplace:conversation-list", _posting, methods=("get", "post"), body={"text": "x"})
)
register(Case("marketplace:conversation-accept", _conversation, methods=("post",)))
register(Case("marketplace:agreement-detail", _agreement))
register(Case("marketplace:agreement-propose", _agreement, methods=("post",), body={"minutes": 5}))
register(Case("marketplace:agreement-confirm", _agreement, methods=("post",), body={"minutes": 5}))
register(Case("marketplace:agreement-decline", _agreement, methods=("post",)))

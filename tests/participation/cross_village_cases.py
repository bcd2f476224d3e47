from __future__ import annotations

from typing import Any

from dorf.participation.services import proposals
from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.factories import MembershipFactory
from tests.participation.factories import budget_in, comment_on, poll_in, proposal_in


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _proposal(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "proposal_id": proposal_in(village).pk}


def _comment(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "comment_id": comment_on(proposal_in(village)).pk}


def _report(village: Village) -> dict[str, Any]:
    comment = comment_on(proposal_in(village))
    reporter = MembershipFactory(village=village)
    report = proposals.comment_report(user=reporter.user, comment_id=comment.pk, reason="x")
    return {"slug": village.slug, "report_id": report.pk}


register(Case("participation:settings", _slug, methods=("get", "put")))
register(Case("participation:proposal-list", _slug, methods=("get", "post")))
register(Case("participation:comment-report-list", _slug))
register(Case("participation:proposal-detail", _proposal))
register(Case("participation:proposal-support", _proposal, methods=("post", "delete")))
register(
    Case(
        "participation:proposal-answer",
        _proposal,
        methods=("post",),
        body={"status": "accepted"},
    )
)
register(Case("participation:proposal-hide", _proposal, methods=("post",)))
register(Case("participation:proposal-photo", _proposal, methods=("post",)))
register(Case("participation:comment-list", _proposal, methods=("get", "post"), body={"text": "x"}))
register(Case("participation:comment-delete", _comment, methods=("post",)))
register(Case("participation:comment-hide", _comment, methods=("post",)))
register(Case("participation:comment-report", _comment, methods=("post",), body={"reason": "x"}))
register(Case("participation:comment-report-dismiss", _report, methods=("post",)))


def _poll(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "poll_id": poll_in(village).pk}


def _draft(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "poll_id": poll_in(village, publish=False).pk}


def _budget(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "budget_id": budget_in(village)[0].pk}


def _item(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "item_id": budget_in(village, voting=False)[1][0].pk}


register(Case("participation:queue", _slug))
register(Case("participation:poll-list", _slug, methods=("get", "post")))
register(Case("participation:budget-list", _slug, methods=("get", "post")))
register(Case("participation:poll-detail", _poll))
register(Case("participation:poll-publish", _draft, methods=("post",)))
register(Case("participation:poll-vote", _poll, methods=("post",), body={"option_ids": [1]}))
register(Case("participation:poll-results", _poll))
register(Case("participation:budget-detail", _budget))
register(Case("participation:budget-advance", _budget, methods=("post",)))
register(Case("participation:budget-item-list", _budget, methods=("get", "post")))
register(
    Case("participation:budget-ballot", _budget, methods=("get", "put"), body={"item_ids": []})
)
register(Case("participation:budget-result", _budget))
register(
    Case("participation:budget-item-review", _item, methods=("post",), body={"feasible": True})
)

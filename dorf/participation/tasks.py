"""Periodic participation work; the schedule is declared in dorf.participation.apps. Thin."""

from __future__ import annotations

from celery import shared_task

from dorf.participation.services import budget, polls, proposals


@shared_task(name="participation.expire_proposals")
def expire_proposals() -> int:
    return proposals.proposals_expire()


@shared_task(name="participation.close_votes")
def close_votes() -> tuple[int, int]:
    return polls.polls_close(), budget.budgets_close()

"""Celery tasks of accounts: thin, they send what the services composed."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMessage


@shared_task(
    name="users.send_account_mail",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=10,
    max_retries=4,
)
def send_account_mail(subject: str, body: str, to: str) -> None:
    """Confirmation and password-reset mails, sent outside the request: a slow mail
    server neither delays the answer nor tells by its timing whether an account exists."""
    EmailMessage(subject=subject, body=body, to=[to]).send(fail_silently=False)

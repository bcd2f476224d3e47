"""The account mails (address confirmation, password reset), in the recipient's language."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from dorf.users.models import User

logger = logging.getLogger(__name__)

CONFIRM_SALT = "dorf.users.email-confirm"


def _send_on_commit(subject: str, body: str, to: str) -> None:
    from dorf.users.tasks import send_account_mail

    def send() -> None:
        try:
            send_account_mail.delay(subject, body, to)
        except Exception:  # the account is stored; the owner can ask for the mail again
            logger.exception("could not queue an account mail")

    transaction.on_commit(send)


def _link(name: str, **query: str) -> str:
    return f"{settings.DORF_PUBLIC_URL}{reverse(name)}?{urlencode(query)}"


def confirmation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRM_SALT)


def send_confirmation(user: User) -> None:
    link = _link("users:email-confirm", token=confirmation_token(user))
    with translation.override(user.language):
        subject = _("Please confirm your e-mail address")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": user.first_name},
                _("please confirm your e-mail address for dorf by opening this link:"),
                link,
                _("The link is valid for three days. If you did not register, ignore this mail."),
            ]
        )
    _send_on_commit(subject, body, user.email)


def send_already_registered(user: User) -> None:
    """Someone registered with an address that has an account: tell its owner only."""
    with translation.override(user.language):
        subject = _("Someone tried to register with your e-mail address")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": user.first_name},
                _(
                    "someone tried to create a dorf account with this e-mail address, "
                    "which already has one. If that was you, sign in, or reset your "
                    "password if you forgot it. Otherwise ignore this mail."
                ),
            ]
        )
    _send_on_commit(subject, body, user.email)


def send_password_reset(user: User) -> None:
    link = _link(
        "users:password-reset-confirm",
        uid=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    with translation.override(user.language):
        subject = _("Reset your dorf password")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": user.first_name},
                _("to choose a new password, open this link in the dorf app:"),
                link,
                _(
                    "The link works once and for %(minutes)d minutes. If you did not ask "
                    "for it, ignore this mail: your password stays as it is."
                )
                % {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
            ]
        )
    _send_on_commit(subject, body, user.email)

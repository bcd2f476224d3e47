"""Write use-cases for accounts: registration, tokens, passwords, blocking, GDPR."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _

from dorf.core.exceptions import Conflict, ValidationFailed
from dorf.core.registry import personal_data_modules
from dorf.users import mails
from dorf.users.models import ApiToken, User, hash_token
from dorf.users.signals import email_confirmed

TOKEN_PREFIX = "dorf_"  # noqa: S105 - a visible prefix, not a secret


def _validate_password(password: str, user: User | None) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"password": exc.messages}) from exc


@transaction.atomic
def user_register(
    *, email: str, password: str, first_name: str, last_name: str, language: str = "de"
) -> User | None:
    """Create an unconfirmed account and mail the confirmation link.

    The answer never tells whether the address had an account already (no account
    enumeration): then nothing is created, the same work is done (a password hash) and
    the address's owner gets a mail saying someone tried. Returns the new user or None.
    """
    email = User.objects.normalize_email(email).strip().lower()
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    _validate_password(password, candidate)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email, password, first_name=first_name, last_name=last_name, language=language
                )
        except IntegrityError:  # a concurrent registration with the same email won
            existing = User.objects.filter(email__iexact=email).first()
        else:
            mails.send_confirmation(user)
            return user
    make_password(password)
    if existing is not None and existing.is_active and existing.erased_at is None:
        mails.send_already_registered(existing)
    return None


def email_confirmation_resend(*, user: User) -> None:
    if user.email_confirmed_at is None:
        mails.send_confirmation(user)


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Confirm the address from the mailed link (valid for DORF_EMAIL_CONFIRM_MAX_AGE_S)."""
    try:
        data = signing.loads(
            token, salt=mails.CONFIRM_SALT, max_age=settings.DORF_EMAIL_CONFIRM_MAX_AGE_S
        )
    except signing.BadSignature as exc:
        raise ValidationFailed(
            _("This link is invalid or has expired."), code="invalid_token"
        ) from exc
    user = (
        User.objects.select_for_update()
        .filter(pk=data.get("u"), email=data.get("e"), is_active=True)
        .first()
    )
    if user is None:
        raise ValidationFailed(_("This link is invalid or has expired."), code="invalid_token")
    _mark_confirmed(user)
    return user


def _mark_confirmed(user: User) -> None:
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
        email_confirmed.send(sender=User, user=user)


def password_reset_request(*, email: str) -> None:
    """Mail a reset link if an active account has this address; the caller answers the
    same either way."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True, erased_at=None).first()
    if user is not None:
        mails.send_password_reset(user)


def _reset_user(uid: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True, erased_at=None).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_check(*, uid: str, token: str) -> bool:
    return _reset_user(uid, token) is not None


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from the mailed link; every device is signed out.

    The token works once (it depends on the password hash) and expires after
    PASSWORD_RESET_TIMEOUT. Following it also proves the address.
    """
    user = _reset_user(uid, token)
    if user is None:
        raise ValidationFailed(_("This link is invalid or has expired."), code="invalid_token")
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user=user).delete()
    _mark_confirmed(user)
    return user


def token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for one app install; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        name=name[:100],
        expires_at=timezone.now() + timedelta(days=settings.DORF_TOKEN_TTL_DAYS),
    )
    return token, raw


def user_login(*, email: str, password: str, device_name: str = "") -> tuple[User, str]:
    """Check the credentials and issue a token. Wrong email and wrong password look alike."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.is_active or not user.check_password(password):
        raise ValidationFailed(_("Email or password is wrong."), code="invalid_credentials")
    _token, raw = token_issue(user=user, name=device_name)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    return user, raw


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


@transaction.atomic
def user_change_password(
    *, user: User, old_password: str, new_password: str, keep_token: ApiToken | None
) -> None:
    """Change the password and sign out every other device."""
    if not user.check_password(old_password):
        raise ValidationFailed(fields={"old_password": [_("The current password is wrong.")]})
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    others = ApiToken.objects.filter(user=user)
    if keep_token is not None:
        others = others.exclude(pk=keep_token.pk)
    others.delete()


def user_update_profile(
    *,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    language: str | None = None,
) -> User:
    changed: list[str] = []
    for field, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("language", language),
    ):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    return user


def user_export(*, user: User) -> dict[str, Any]:
    """Everything dorf stores about the user, one section per app."""
    data: dict[str, Any] = {"exported_at": timezone.now().isoformat()}
    for label, module in personal_data_modules():
        data[label] = module.export_personal_data(user)
    return data


@transaction.atomic
def user_erase(*, user: User, password: str) -> None:
    """Erase the user's personal data (GDPR art. 17).

    The user row stays as an anonymous placeholder so that other people's records (a
    chat thread, a transfer in the time-credit books) keep their shape; every app
    replaces what the user wrote and said about themselves.
    """
    if user.erased_at is not None:
        raise Conflict(_("This account has already been erased."))
    if not user.check_password(password):
        raise ValidationFailed(fields={"password": [_("The password is wrong.")]})
    for _label, module in personal_data_modules():
        module.erase_personal_data(user)

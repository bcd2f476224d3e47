from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_confirmed_at", timezone.now())
        return self.create_user(email, password, **extra)


class Language(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in by email; others see only ``display_name`` ("Vorname N.")."""

    email = models.EmailField(_("email"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    language = models.CharField(
        max_length=5, choices=Language.choices, default=Language.GERMAN, verbose_name=_("language")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    is_staff = models.BooleanField(default=False, verbose_name=_("staff status"))
    date_joined = models.DateTimeField(default=timezone.now, verbose_name=_("date joined"))
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erased at"))
    # Set when the owner followed the link mailed at registration. Unconfirmed accounts
    # get no welcome credit and cannot join a village by its shared invite code.
    email_confirmed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("email confirmed at")
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name)


def display_name(first_name: str, last_name: str) -> str:
    """How others see a person, "Vorname N."; for lists read with ``values()``."""
    return f"{first_name} {last_name[:1]}." if last_name else first_name


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for an app install. Only its SHA-256 is stored; it expires."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    prefix = models.CharField(max_length=12, verbose_name=_("prefix"))
    name = models.CharField(max_length=100, blank=True, verbose_name=_("name"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Block(models.Model):
    """``blocker`` no longer sees ``blocked`` (messages, postings) and cannot be contacted by them."""

    blocker = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="blocks_made", verbose_name=_("blocker")
    )
    blocked = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="blocks_received", verbose_name=_("blocked")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"

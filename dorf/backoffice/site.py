"""The backoffice: a second Django admin site for the people who run a village.

Why the admin and not pages of our own: the admin already gives every screen a
paginated, searchable, sortable list with keyboard-usable bulk actions, a German
translation, a responsive layout and a login with CSRF and session handling. We restrict
it (``access.py``), make every screen read-only and let the *actions* call the apps'
services, so no rule is bypassed by the admin's default save or delete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise, StrPromise

from dorf.backoffice.access import access_of, compute_access
from dorf.users.models import User


@dataclass(frozen=True)
class Queue:
    """One line of the start page."""

    key: str
    title: StrPromise
    hint: StrPromise
    count: int
    url: str


class BackofficeLoginForm(AuthenticationForm):
    """Signs in whoever works for a village (or runs the deployment); others are refused
    with the same message as a wrong password, so the form tells nobody who has a role."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not compute_access(user).any:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class BackofficeSite(admin.AdminSite):
    site_header = _("Rathaus backoffice")
    site_title = _("Rathaus backoffice")
    index_title = _("Start page")
    site_url = None
    # The navigation sidebar would squeeze the lists on a tablet; the start page links all.
    enable_nav_sidebar = False
    login_form = BackofficeLoginForm
    index_template = "backoffice/index.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and access_of(request).any

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "app_list": self.get_app_list(request),
            "queues": self.start_page_queues(request),
            "villages": _village_names(request),
            "staff_imports": _import_links(request),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.index_template or "", context)

    def _build_app_dict(self, request: HttpRequest, label: StrOrPromise | None = None) -> Any:
        """The admin's list of screens; the audit log's app gets a German name (the
        package's catalogue has none for it)."""
        app_dict = super()._build_app_dict(request, label)
        apps = [app_dict] if label else list(app_dict.values())
        for app in apps:
            if app and app.get("app_label") == "auditlog":
                app["name"] = _("Audit log")
        return app_dict

    def start_page_queues(self, request: HttpRequest) -> list[Queue]:
        """Every screen's queues the viewer may see, one count query each, in the screens'
        ``start_order``. A screen declares its queues in ``queue_defs`` (``screens.py``)."""
        screens = sorted(
            (
                (model, screen)
                for model, screen in self._registry.items()
                if getattr(screen, "queue_defs", ()) and screen.has_view_permission(request)
            ),
            key=lambda pair: int(getattr(pair[1], "start_order", 100)),
        )
        queues = []
        for model, screen in screens:
            meta = model._meta
            url = reverse(f"{self.name}:{meta.app_label}_{meta.model_name}_changelist")
            for queue in screen.queue_defs:  # type: ignore[attr-defined]
                rows = queue.apply(screen.get_queryset(request), request)
                queues.append(
                    Queue(
                        key=f"{meta.model_name}-{queue.key}",
                        title=queue.title,
                        hint=queue.hint,
                        count=rows.count(),
                        url=f"{url}?queue={queue.key}",
                    )
                )
        return queues


def _village_names(request: HttpRequest) -> str:
    access = access_of(request)
    if access.operator:
        return gettext("all villages (operator)")
    return ", ".join(
        sorted(
            m.village.name
            for m in access.memberships.values()
            if m.village_id in access.village_ids
        )
    )


def _import_links(request: HttpRequest) -> list[dict[str, str]]:
    if not access_of(request).staff_village_ids:
        return []
    return [
        {
            "title": gettext("Import the address register (CSV)"),
            "url": reverse("backoffice_import_addresses"),
        },
        {
            "title": gettext("Add a news feed source"),
            "url": reverse("backoffice_import_feed_source"),
        },
        {
            "title": gettext("News feed sources (import status)"),
            "url": reverse("backoffice:news_feedsource_changelist"),
        },
        {
            "title": gettext("External calendars (add, edit, import)"),
            "url": reverse("backoffice:events_externalcalendar_changelist"),
        },
        {
            "title": gettext("Upload the waste plan (iCalendar or CSV)"),
            "url": reverse("backoffice_import_waste_plan"),
        },
    ]


backoffice_site = BackofficeSite(name="backoffice")


def acting_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user

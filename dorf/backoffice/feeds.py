"""News feed sources (RSS/Atom by address) of a village: the staff list them with the
outcome of their last import, edit them, pause and activate them and import one now,
through dorf.news' services (the same as the API's), each change audited by the service.

Mirrors the external calendars' screen (``calendars.py``), with its add and edit pages. An
import fetches over the network, so it runs outside any transaction (the import owns its
own) and is audited here with its counts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.backoffice.access import access_of
from dorf.backoffice.pages import form_page, show_refusal, staff_object_or_404, staff_villages
from dorf.backoffice.site import acting_user, backoffice_site
from dorf.backoffice.sources import SourceScreen, source_actions
from dorf.core.exceptions import DomainError
from dorf.news import importing
from dorf.news.importing import ImportResult
from dorf.news.models import FeedSource, NewsCategory, Publisher
from dorf.users.models import User
from dorf.villages.models import Village


def import_summary(result: ImportResult) -> str:
    if result.error:
        return _("refused: %(error)s (the previous import is kept)") % {"error": result.error}
    if result.not_modified:
        return _("unchanged since the last import")
    return _("%(created)d new, %(known)d known, %(skipped)d skipped") % {
        "created": result.created,
        "known": result.known,
        "skipped": result.skipped,
    }


def last_import_summary(source: FeedSource) -> str:
    """The counts of the last import that stored the feed, as the import showed them."""
    if source.last_imported_at is None:
        return _("not imported yet")
    return import_summary(
        ImportResult(
            created=source.last_import_created,
            known=source.last_import_known,
            skipped=source.last_import_skipped,
        )
    )


def feed_import(source: FeedSource) -> tuple[str, bool]:
    """Import one feed now (the staff's "import now")."""
    result = importing.feed_source_import(source_id=source.pk)
    return import_summary(result), not result.error


def _set_active(user: User, source: Any, active: bool) -> object:
    return importing.feed_source_update(actor=user, source_id=source.pk, active=active)


@admin.register(FeedSource, site=backoffice_site)
class FeedSourceScreen(SourceScreen):
    """The village's imported news feeds, with the state of their last import."""

    start_order = 80
    list_display = (
        "title",
        "publisher",
        "category",
        "active",
        "posts",
        "last_imported_at",
        "last_import",
        "status",
        "edit",
    )
    list_select_related = ("publisher", "category")
    search_fields = ("name", "url")
    ordering = ("name", "url")
    fields = (
        "name",
        "url",
        "village",
        "publisher",
        "category",
        "active",
        "posts",
        "last_imported_at",
        "last_import",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("posts", "last_import")
    actions = source_actions("feed_source", run_import=feed_import, set_active=_set_active)
    add_url_name = "backoffice_import_feed_source"
    add_title = gettext_lazy("Add a news feed source")
    edit_url_name = "backoffice_feed_source_edit"
    imported = "posts"

    def summary(self, obj: FeedSource) -> str:
        return last_import_summary(obj)

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def title(self, obj: FeedSource) -> str:
        return str(obj)

    @admin.display(description=gettext_lazy("imported posts"), ordering="imported_total")
    def posts(self, obj: FeedSource) -> int:
        return int(getattr(obj, "imported_total", 0))


# --- the form page ---------------------------------------------------------------------------


class FeedSourceForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("How the source appears in the list; empty: its address."),
    )
    url = forms.URLField(
        label=gettext_lazy("Feed address (RSS or Atom)"), max_length=500, assume_scheme="https"
    )
    publisher = forms.ModelChoiceField(
        queryset=Publisher.objects.none(), label=gettext_lazy("Publisher")
    )
    category = forms.ModelChoiceField(
        queryset=NewsCategory.objects.none(), label=gettext_lazy("Category")
    )

    def offer_from(self, village_ids: list[int]) -> None:
        """Publishers and categories to choose from: those of these villages."""
        for name, queryset in (
            ("publisher", Publisher.objects.filter(village_id__in=village_ids).order_by("name")),
            ("category", NewsCategory.objects.filter(village_id__in=village_ids).order_by("name")),
        ):
            choice = self.fields[name]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.queryset = queryset


class FeedSourceAddForm(FeedSourceForm):
    village = forms.ModelChoiceField(queryset=Village.objects.none(), label=gettext_lazy("Village"))
    field_order = ("village", "name", "url", "publisher", "category")

    def __init__(self, *args: Any, villages: list[Village], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [v.pk for v in villages]
        self.offer_from(ids)
        choice = self.fields["village"]
        assert isinstance(choice, forms.ModelChoiceField)
        choice.queryset = Village.objects.filter(pk__in=ids)
        if len(villages) == 1:
            choice.initial = ids[0]


class FeedSourceEditForm(FeedSourceForm):
    active = forms.BooleanField(
        label=gettext_lazy("Active (imported periodically)"),
        required=False,
    )

    def __init__(self, *args: Any, village_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer_from([village_id])


def _list_url() -> str:
    return reverse("backoffice:news_feedsource_changelist")


def feed_source_add(request: HttpRequest) -> HttpResponse:
    form = FeedSourceAddForm(request.POST or None, villages=staff_villages(access_of(request)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The service writes the audit entry.
            importing.feed_source_create(
                actor=acting_user(request),
                village_id=data["village"].pk,
                name=data["name"],
                url=data["url"],
                publisher_id=data["publisher"].pk,
                category_id=data["category"].pk,
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The feed source was saved."))
            return redirect(_list_url())
    context = {
        **backoffice_site.each_context(request),
        "title": _("Add a news feed source"),
        "form": form,
    }
    return TemplateResponse(request, "backoffice/feed_source_form.html", context)


def feed_source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    access = access_of(request)
    source = staff_object_or_404(access, FeedSource.objects.select_related("village"), source_id)
    initial = {
        "name": source.name,
        "url": source.url,
        "publisher": source.publisher_id,
        "category": source.category_id,
        "active": source.active,
    }
    form = FeedSourceEditForm(request.POST or None, initial=initial, village_id=source.village_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = {
            "name": data["name"].strip(),
            "url": data["url"],
            "publisher": data["publisher"].pk,
            "category": data["category"].pk,
            "active": data["active"],
        }
        changes = {name: value for name, value in new.items() if value != initial[name]}
        for name in ("publisher", "category"):
            if name in changes:
                changes[f"{name}_id"] = changes.pop(name)
        try:
            # Saved unchanged: no write and no audit entry (the service writes it).
            if changes:
                importing.feed_source_update(
                    actor=acting_user(request), source_id=source.pk, **changes
                )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("The feed source %(name)s was saved.") % {"name": new["name"] or new["url"]},
            )
            return redirect(_list_url())
    return form_page(
        request,
        title=_("Edit the news feed source"),
        form=form,
        submit=_("Save"),
        facts=[
            (_("Village"), source.village.name),
            (_("Last import"), source.last_imported_at or _("not imported yet")),
            (_("Result of the last import"), last_import_summary(source)),
            (_("Last error"), source.last_error or "—"),
        ],
        back_url=_list_url(),
        back_title=_("News feed sources"),
    )

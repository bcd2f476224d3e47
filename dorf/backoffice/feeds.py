"""News feed sources (RSS/Atom by address) of a village: the staff list them with the
outcome of their last import, edit them, pause and activate them and import one now,
through dorf.news' services (the same as the API's), each change audited by the service.

Mirrors the external calendars' screen (``calendars.py``); a new source is added on the
import page (``imports.feed_source_add``). An import fetches over the network, so it runs
outside any transaction (the import owns its own) and is audited here with its counts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.backoffice.access import Access, access_of
from dorf.backoffice.actions import AdminAction, import_action, service_action
from dorf.backoffice.pages import form_page, show_refusal
from dorf.backoffice.screens import ScopedAdmin
from dorf.backoffice.site import acting_user, backoffice_site
from dorf.core.exceptions import DomainError
from dorf.news import importing
from dorf.news.importing import ImportResult
from dorf.news.models import FeedSource, NewsCategory, Publisher
from dorf.users.models import User
from dorf.villages.models import Membership


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


def _set_active(active: bool) -> Any:
    def call(user: User, _membership: Membership, obj: FeedSource) -> object:
        return importing.feed_source_update(actor=user, source_id=obj.pk, active=active)

    return call


@admin.register(FeedSource, site=backoffice_site)
class FeedSourceScreen(ScopedAdmin):
    """The village's imported news feeds, with the state of their last import."""

    start_order = 80
    change_list_template = "backoffice/change_list.html"
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
    actions: list[AdminAction] = [
        import_action(
            name="feed_source_import", description=gettext_lazy("Import now"), run=feed_import
        ),
        service_action(
            name="feed_source_pause", description=gettext_lazy("Pause"), call=_set_active(False)
        ),
        service_action(
            name="feed_source_activate",
            description=gettext_lazy("Activate"),
            call=_set_active(True),
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        sources: QuerySet[Any] = super().get_queryset(request)
        annotated: QuerySet[Any] = sources.annotate(post_total=Count("posts"))
        return annotated

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        extra = {"add_url": "", **(extra_context or {})}
        if access_of(request).staff_village_ids:
            extra["add_url"] = reverse("backoffice_import_feed_source")
            extra["add_title"] = _("Add a news feed source")
        return super().changelist_view(request, extra)

    @admin.display(description=gettext_lazy("name"), ordering="name")
    def title(self, obj: FeedSource) -> str:
        return str(obj)

    @admin.display(description=gettext_lazy("imported posts"), ordering="post_total")
    def posts(self, obj: FeedSource) -> int:
        return int(getattr(obj, "post_total", 0))

    @admin.display(description=gettext_lazy("result of the last import"))
    def last_import(self, obj: FeedSource) -> str:
        return last_import_summary(obj)

    @admin.display(description=gettext_lazy("last import"))
    def status(self, obj: FeedSource) -> str:
        if obj.last_error:
            return _("Error: %(error)s") % {"error": obj.last_error}
        if obj.last_polled_at is None:
            return _("not imported yet")
        return _("OK")

    @admin.display(description=gettext_lazy("edit"))
    def edit(self, obj: FeedSource) -> str:
        url = reverse("backoffice_feed_source_edit", args=[obj.pk])
        return format_html(
            '<a href="{}" aria-label="{}">{}</a>',
            url,
            _("Edit %(name)s") % {"name": obj},
            _("Edit"),
        )


# --- the form page ---------------------------------------------------------------------------


class FeedSourceEditForm(forms.Form):
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
    active = forms.BooleanField(
        label=gettext_lazy("Active (imported periodically)"),
        required=False,
    )

    def __init__(self, *args: Any, village_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("publisher", Publisher.objects.filter(village_id=village_id).order_by("name")),
            ("category", NewsCategory.objects.filter(village_id=village_id).order_by("name")),
        ):
            choice = self.fields[name]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.queryset = queryset


def _list_url() -> str:
    return reverse("backoffice:news_feedsource_changelist")


def _source_or_404(access: Access, source_id: int) -> FeedSource:
    sources = FeedSource.objects.select_related("village")
    if not access.operator:
        sources = sources.filter(village_id__in=list(access.staff_village_ids))
    source = sources.filter(pk=source_id).first()
    if source is None:
        raise Http404
    return source


def feed_source_edit(request: HttpRequest, source_id: int) -> HttpResponse:
    access = access_of(request)
    source = _source_or_404(access, source_id)
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

"""Small building blocks of the backoffice's own form pages (the screens are admin lists).

A form page looks up its object among the viewer's villages (another village's object is
a 404, like one that never existed), calls one service, writes the audit entry in the
same transaction and shows a refusal of the service on the form's fields.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_stubs_ext import StrOrPromise

from dorf.backoffice.access import Access
from dorf.backoffice.site import backoffice_site
from dorf.core.exceptions import DomainError
from dorf.villages.models import Village

ModelT = TypeVar("ModelT", bound=Model)


def staff_object_or_404(access: Access, objects: QuerySet[ModelT], pk: int) -> ModelT:
    """The object ``pk`` among ``objects`` (a model with ``village``) of the villages the
    viewer is staff of (every village for an operator); 404 otherwise, the same answer as
    for an id that never existed."""
    if not access.operator:
        objects = objects.filter(village_id__in=list(access.staff_village_ids))
    found = objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def staff_villages(access: Access) -> list[Village]:
    """The villages a form page may add to: those the viewer is staff of. Operators act
    through a staff membership like everybody else, so without one the page is a 404."""
    if not access.staff_village_ids:
        raise Http404
    return list(Village.objects.filter(pk__in=access.staff_village_ids).order_by("name"))


def show_refusal(form: forms.Form, exc: DomainError) -> None:
    """The service's refusal on the form: each field's problems at that field (a field
    ``publisher_id`` of the service is the form's ``publisher``), the rest on top."""
    for field_name, problems in (exc.fields or {}).items():
        name = field_name.removesuffix("_id")
        form.add_error(name if name in form.fields else None, [str(p) for p in problems])
    if not exc.fields:
        form.add_error(None, str(exc.message))


def form_page(
    request: HttpRequest,
    *,
    title: StrOrPromise,
    form: forms.Form,
    submit: StrOrPromise,
    facts: list[tuple[StrOrPromise, Any]] | None = None,
    back_url: str = "",
    back_title: StrOrPromise = "",
) -> HttpResponse:
    """The page of one form, with the facts about its object above it."""
    context = {
        **backoffice_site.each_context(request),
        "title": title,
        "form": form,
        "submit": submit,
        "facts": facts or [],
        "back_url": back_url,
        "back_title": back_title,
    }
    return TemplateResponse(request, "backoffice/object_form.html", context)

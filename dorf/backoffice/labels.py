"""German labels for model fields that have no verbose_name of their own.

Many apps' fields were named for the API only; the backoffice shows them to staff, so a
screen labels every field whose verbose name is still Django's default (the field name
with spaces) from this table. A field that gains a verbose_name in its app wins.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

FIELD_LABELS = {
    "action": _("decision"),
    "active": _("active"),
    "actor": _("by"),
    "approved_by": _("approved by"),
    "author": _("author"),
    "body_markdown": _("text"),
    "category": _("category"),
    "closed_at": _("closed at"),
    "confirmed_at": _("confirmed at"),
    "created_at": _("received at"),
    "decided_at": _("decided at"),
    "decision_note": _("decision note"),
    "ends_at": _("until"),
    "expires_at": _("expires at"),
    "fixed_at": _("fixed at"),
    "found_item": _("found item"),
    "house_number": _("house number"),
    "last_error": _("last error"),
    "last_polled_at": _("last fetched at"),
    "latitude": _("latitude"),
    "longitude": _("longitude"),
    "note": _("note"),
    "object_repr": _("object"),
    "official": _("official notice"),
    "postcode": _("postcode"),
    "posting": _("posting"),
    "price_minutes": _("price (minutes)"),
    "publish_at": _("publish at"),
    "published_at": _("published at"),
    "publisher": _("publisher"),
    "push": _("push"),
    "reason": _("reason"),
    "reopened_count": _("reopened"),
    "reported_user": _("reported member"),
    "request_message": _("message"),
    "resolved_at": _("decided at"),
    "resource": _("resource"),
    "role": _("role"),
    "seat": _("seat"),
    "service": _("service"),
    "slot_end": _("until"),
    "slot_start": _("appointment"),
    "starts_at": _("from"),
    "state": _("state"),
    "status": _("status"),
    "street": _("street"),
    "timestamp": _("time"),
    "title": _("title"),
    "updated_at": _("changed at"),
    "url": _("address"),
    "verified_at": _("verified at"),
    "village": _("village"),
}
